use serde_json::{json, Value};

use crate::{
    event_info, expect, expect_get, get_json, status_text, strings, with_teams, Caller, Case,
    TestServer, ADMIN_EMAIL, FORBIDDEN, UNAUTHORIZED,
};

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq2mKbT8k3x me@laptop";
const KEY2: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 me@desktop";

#[tokio::test]
async fn creating_a_user_needs_user_create_when_registration_is_closed() {
    let s = TestServer::spawn().await;
    let form = [("email", "new@example.com"), ("password", "123456")];
    let closed = "User registration is disabled for non-admin users.\n";
    let by_anonymous = s.anonymous().post_form("/1.0/users", &form).await;
    expect(by_anonymous, 401, closed, "anonymous").await;
    let bob = s.user("bob@example.com").await;
    expect(bob.post_form("/1.0/users", &form).await, 401, closed, "bob").await;
    let key: String = get_json(&s.admin(), "/1.0/users/api-key").await;
    let by_key = s.with_token(&key).post_form("/1.0/users", &form).await;
    assert_eq!(by_key.status(), 401, "API keys cannot create users");
    let by_admin = s.admin().post_form("/1.0/users", &form).await;
    expect(by_admin, 201, "", "admin").await;
}

#[tokio::test]
async fn open_registration_lets_anyone_create_a_user() {
    let s = TestServer::spawn_with(|c| c.auth.user_registration = true).await;
    let resp = s
        .anonymous()
        .post_json("/1.0/users", &json!({"email": "new@example.com", "password": "123456"}))
        .await;
    assert_eq!(resp.status(), 201);
    s.login("new@example.com", "123456").await;
}

#[tokio::test]
async fn user_creation_validates_and_records_an_event_with_the_password_masked() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let cases: [(&str, &str, u16, &str); 3] = [
        ("bad-email", "123456", 400, "invalid email\n"),
        (
            "a@example.com",
            "123",
            400,
            "password length should be least 6 characters and at most 50 characters\n",
        ),
        (ADMIN_EMAIL, "123456", 409, "this email is already registered\n"),
    ];
    for (email, pw, status, text) in cases {
        let form = [("email", email), ("password", pw)];
        expect(admin.post_form("/1.0/users", &form).await, status, text, form).await;
    }
    admin.post_form("/1.0/users", &[("email", "ok@example.com"), ("password", "secret123")]).await;
    let events = s.events("target.type=user&target.value=ok@example.com").await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["Kind"], json!({"Type": "permission", "Name": "user.create"}));
    assert_eq!(e["Owner"], json!({"Type": "user", "Name": "ok@example.com"}));
    assert_eq!(e["Error"], "");
    let info = event_info(&s, e).await;
    let data = info["CustomData"]["Start"].as_array().unwrap();
    assert!(data.contains(&json!({"name": "password", "value": "*****"})), "{data:?}");
    assert!(!info.to_string().contains("secret123"));
    let failed = s.events("kindname=user.create&erroronly=true").await;
    assert_eq!(failed.len(), 3);
}

#[tokio::test]
async fn default_roles_of_user_create_are_given_to_new_users() {
    let s = TestServer::spawn().await;
    s.role("team-creator", "global", &["team.create"]).await;
    let set = s.admin().post_form("/1.0/role/default", &[("user-create", "team-creator")]).await;
    assert_eq!(set.status(), 200);
    let bob = s.user("bob@example.com").await;
    let created = bob.post_json("/1.0/teams", &json!({"name": "bobs"})).await;
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn the_user_list_shows_what_the_caller_may_see() {
    let s = with_teams(&["t1"]).await;
    s.role("member", "team", &["team.read"]).await;
    let bob = s.user("bob@example.com").await;
    s.user("carol@example.com").await;
    s.assign("member", "carol@example.com", "t1").await;
    let all: Vec<Value> = get_json(&s.admin(), "/1.0/users?userEmail=&role=&context=").await;
    let emails = strings(&all, "Email");
    assert_eq!(emails, vec![ADMIN_EMAIL, "bob@example.com", "carol@example.com"]);
    let by_email: Vec<Value> = get_json(&s.admin(), "/1.0/users?userEmail=bob@example.com").await;
    assert_eq!(by_email.len(), 1);
    assert_eq!(by_email[0]["Roles"], json!([]));
    assert_eq!(by_email[0]["Permissions"], Value::Null);
    let by_role: Vec<Value> = get_json(&s.admin(), "/1.0/users?role=member&context=t1").await;
    assert_eq!(by_role.len(), 1);
    assert_eq!(
        by_role[0]["Roles"],
        json!([{"Name": "member", "ContextType": "team", "ContextValue": "t1"}])
    );
    assert_eq!(
        by_role[0]["Permissions"],
        json!([{"Name": "team.read", "ContextType": "team", "ContextValue": "t1"}])
    );
    let wrong = s.admin().get("/1.0/users?role=member&context=nope").await;
    expect(wrong, 404, "Wrong context being passed.\n", "wrong context").await;
    let own: Vec<Value> = get_json(&bob, "/1.0/users").await;
    assert_eq!(own.len(), 1, "a user without permissions sees only themself");
    assert_eq!(own[0]["Email"], "bob@example.com");
    assert_eq!(s.anonymous().get("/1.0/users").await.status(), 401);
}

#[tokio::test]
async fn user_info_lists_roles_and_permissions() {
    let s = TestServer::spawn().await;
    let (status, body) = status_text(s.admin().get("/1.0/users/info").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "{\"Email\":\"admin@example.com\",\"Roles\":[{\"Name\":\"AllowAll\",\"ContextType\":\"global\",\"ContextValue\":\"\"}],\"Permissions\":[{\"Name\":\"\",\"ContextType\":\"global\",\"ContextValue\":\"\"}],\"Groups\":null}\n"
    );
    let anonymous = s.anonymous().get("/1.0/users/info").await;
    expect(anonymous, 401, UNAUTHORIZED, "anonymous").await;
}

#[tokio::test]
async fn removing_users() {
    let s = TestServer::spawn().await;
    let bob = s.user("bob@example.com").await;
    s.user("carol@example.com").await;
    let by_bob = bob.delete("/1.0/users?user=carol@example.com").await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    let nobody = s.admin().delete("/1.0/users?user=nobody@example.com").await;
    expect(nobody, 404, "user not found\n", "nobody").await;
    let carol = s.admin().delete("/1.0/users?user=carol@example.com").await;
    assert_eq!(carol.status(), 200);
    assert_eq!(bob.delete("/1.0/users").await.status(), 200, "anyone may remove themself");
    assert_eq!(bob.get("/1.0/users/info").await.status(), 401, "sessions die with the user");
    let users: Vec<Value> = get_json(&s.admin(), "/1.0/users").await;
    assert_eq!(users.len(), 1);
    assert_eq!(s.events("kindname=user.delete").await.len(), 3);
    assert_eq!(s.anonymous().delete("/1.0/users").await.status(), 401);
}

#[tokio::test]
async fn api_keys_need_apikey_permissions_authenticate_and_regenerate() {
    let s = TestServer::spawn().await;
    let bob = s.user("bob@example.com").await;
    expect_get(&bob, "/1.0/users/api-key", 403, FORBIDDEN).await;
    let regenerated =
        bob.request(reqwest::Method::POST, "/1.0/users/api-key").send().await.unwrap();
    assert_eq!(regenerated.status(), 403, "bob regenerates");
    let key: String = get_json(&s.admin(), "/1.0/users/api-key").await;
    assert_eq!(key.len(), 64);
    let again: String = get_json(&s.admin(), "/1.0/users/api-key").await;
    assert_eq!(key, again);
    let me: Value = get_json(&s.with_token(&key), "/1.0/users/info").await;
    assert_eq!(me["Email"], ADMIN_EMAIL);
    let resp = s.admin().request(reqwest::Method::POST, "/1.0/users/api-key").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let new_key: String = resp.json().await.unwrap();
    assert_ne!(new_key, key);
    assert_eq!(s.with_token(&key).get("/1.0/users/info").await.status(), 401);
    assert_eq!(s.with_token(&new_key).get("/1.0/users/info").await.status(), 200);
    let bobs: String = get_json(&s.admin(), "/1.0/users/api-key?user=bob@example.com").await;
    assert_eq!(
        s.with_token(&bobs).get("/1.0/users/info").await.json::<Value>().await.unwrap()["Email"],
        "bob@example.com"
    );
    let nobody = s.admin().get("/1.0/users/api-key?user=no@example.com").await;
    expect(nobody, 404, "user not found\n", "nobody").await;
    assert_eq!(s.events("kindname=apikey.update").await.len(), 1);
}

#[tokio::test]
async fn user_quota_is_read_by_its_owner_and_set_by_admins() {
    let s = TestServer::spawn().await;
    let bob = s.user("bob@example.com").await;
    let quota = |caller: Caller, limit: &'static str| async move {
        caller.put_form("/1.0/users/bob@example.com/quota", &[("limit", limit)]).await
    };
    let own = bob.get("/1.0/users/bob@example.com/quota").await;
    expect(own, 200, "{\"limit\":-1,\"inuse\":0}\n", "own").await;
    let admins = bob.get(&format!("/1.0/users/{ADMIN_EMAIL}/quota")).await;
    expect(admins, 403, FORBIDDEN, "the admin's").await;
    expect(quota(bob.clone(), "3").await, 403, FORBIDDEN, "bob sets").await;
    let admin = s.admin();
    assert_eq!(quota(admin.clone(), "3").await.status(), 200);
    let q: Value = get_json(&bob, "/1.0/users/bob@example.com/quota").await;
    assert_eq!(q, json!({"limit": 3, "inuse": 0}));
    assert_eq!(quota(admin.clone(), "-5").await.status(), 200);
    let q: Value = get_json(&bob, "/1.0/users/bob@example.com/quota").await;
    assert_eq!(q["limit"], -1);
    let invalid = quota(admin.clone(), "x").await;
    expect(invalid, 400, "Invalid limit\n", "x").await;
    for (path, status, text) in [
        ("/1.0/users/bad/quota", 400, "invalid email\n"),
        ("/1.0/users/no@example.com/quota", 404, "user not found\n"),
    ] {
        expect(admin.get(path).await, status, text, path).await;
    }
    assert_eq!(s.events("kindname=user.update.quota").await.len(), 3);
}

#[tokio::test]
async fn ssh_keys_are_stored_validated_and_removed() {
    let s = TestServer::spawn().await;
    let bob = s.user("bob@example.com").await;
    let add = |form: &'static [(&'static str, &'static str)]| {
        let bob = bob.clone();
        async move { bob.post_form("/1.0/users/keys", form).await }
    };
    expect(bob.get("/1.0/users/keys").await, 200, "{}\n", "no keys").await;
    assert_eq!(add(&[("name", "laptop"), ("key", KEY)]).await.status(), 200);
    let keys: Value = get_json(&bob, "/1.0/users/keys").await;
    assert_eq!(keys, json!({"laptop": KEY}));
    let dup = "user already have this key\n";
    #[rustfmt::skip]
    let cases: [Case; 2] = [
        (&[("name", "laptop"), ("key", KEY2)], 409, dup),
        (&[("name", "other"), ("key", KEY)], 409, dup),
    ];
    for (form, status, text) in cases {
        expect(add(form).await, status, text, form).await;
    }
    let forced = add(&[("name", "laptop"), ("key", KEY2), ("force", "true")]).await;
    assert_eq!(forced.status(), 200);
    let empty = add(&[("name", "x"), ("key", "")]).await;
    expect(empty, 400, "Missing key content\n", "empty key").await;
    let cases: [&[(&str, &str)]; 2] =
        [&[("name", "x"), ("key", "not a key")], &[("name", ""), ("key", KEY)]];
    for form in cases {
        assert_eq!(add(form).await.status(), 400, "{form:?}");
    }
    let keys: Value = get_json(&bob, "/1.0/users/keys").await;
    assert_eq!(keys, json!({"laptop": KEY2}));
    let missing = bob.delete("/1.0/users/keys/nope").await;
    expect(missing, 404, "User does not have this key\n", "missing").await;
    assert_eq!(bob.delete("/1.0/users/keys/laptop").await.status(), 200);
    assert_eq!(bob.get("/1.0/users/keys").await.text().await.unwrap(), "{}\n");
    let admin_keys: Value = get_json(&s.admin(), "/1.0/users/keys").await;
    assert_eq!(admin_keys, json!({}), "keys are per user");
    assert_eq!(
        s.events("kindname=user.update.key.add&target.value=bob@example.com").await.len(),
        4
    );
    assert_eq!(s.anonymous().get("/1.0/users/keys").await.status(), 401);
}
