use serde_json::{json, Value};
use tsuru_testkit::Caller;

use crate::{
    assert_gone, event_info, expect, get_json, status_text, strings, with_teams, TestServer,
    ADMIN_EMAIL, FORBIDDEN, UNAUTHORIZED,
};

/// Creates a token as the admin and returns its JSON.
async fn create(s: &TestServer, body: Value) -> Value {
    let resp = s.admin().post_json("/1.6/tokens", &body).await;
    let (status, text) = status_text(resp).await;
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Creates token `id` of `team` as the admin and returns a caller using it.
async fn token(s: &TestServer, id: &str, team: &str) -> Caller {
    let t = create(s, json!({"token_id": id, "team": team})).await;
    s.with_token(t["token"].as_str().unwrap())
}

/// Binds role `role` with `ctx` to token `id` as the admin.
async fn bind(s: &TestServer, role: &str, id: &str, ctx: &str) {
    let form = [("token_id", id), ("context", ctx)];
    let path = format!("/1.6/roles/{role}/token");
    expect(s.admin().post_form(&path, &form).await, 200, "", form).await;
}

async fn info(s: &TestServer, id: &str) -> Value {
    let resp = s.admin().get(&format!("/1.7/tokens/{id}")).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn is_hex64(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn creating_a_token_returns_it_with_its_value_and_records_an_event() {
    let s = with_teams(&["infra"]).await;
    let resp = s
        .admin()
        .post_json(
            "/1.6/tokens",
            &json!({"token_id": "ci", "team": "infra", "description": "for CI"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body = resp.text().await.unwrap();
    assert!(body.ends_with("}\n"), "{body}");
    let t: Value = serde_json::from_str(&body).unwrap();
    assert!(is_hex64(&t["token"]), "{t}");
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "token",
            "token_id",
            "description",
            "created_at",
            "expires_at",
            "last_access",
            "creator_email",
            "team"
        ],
        "no roles key while it has none"
    );
    assert_eq!(t["token_id"], "ci");
    assert_eq!(t["description"], "for CI");
    assert_eq!(t["team"], "infra");
    assert_eq!(t["creator_email"], ADMIN_EMAIL);
    assert_eq!(t["expires_at"], "0001-01-01T00:00:00Z");
    assert_eq!(t["last_access"], "0001-01-01T00:00:00Z");
    assert!(chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).is_ok());
    assert_eq!(info(&s, "ci").await, t, "stored as returned");

    let events = s.events("target.type=team&target.value=infra").await;
    let ev = &events[0];
    assert_eq!(ev["Kind"]["Name"], "team.token.create");
    assert_eq!(ev["Owner"], json!({"Type": "user", "Name": ADMIN_EMAIL}));
    assert_eq!(ev["Error"], "");
    assert_eq!(
        ev["Allowed"],
        json!({"Scheme": "team.read.events", "Contexts": [{"CtxType": "team", "Value": "infra"}]})
    );
    let full = event_info(&s, ev).await;
    let data = full["CustomData"]["Start"].as_array().unwrap();
    assert!(
        data.contains(&json!({"name": "token_id", "value": "ci"})),
        "the id is not masked: {data:?}"
    );
}

#[tokio::test]
async fn default_ids_expiry_and_form_input() {
    let s = with_teams(&["my_team"]).await;
    let t = create(&s, json!({"team": "my_team", "expires_in": 3600})).await;
    let value = t["token"].as_str().unwrap();
    assert_eq!(
        t["token_id"],
        format!("my-team-{}", &value[..5]),
        "`_` becomes `-` so the default id is valid"
    );
    let created = chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 3600);

    let form = [("token_id", "formed"), ("team", "my_team"), ("expires_in", "60")];
    let resp = s.admin().post_form("/1.6/tokens", &form).await;
    assert_eq!(resp.status(), 201);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["token_id"], "formed");
    assert_ne!(t["expires_at"], "0001-01-01T00:00:00Z");
}

#[tokio::test]
async fn token_creation_errors_are_4xx() {
    let s = with_teams(&["infra", "web"]).await;
    let admin = s.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        async move { status_text(admin.post_json("/1.6/tokens", &body).await).await }
    };
    create(&s, json!({"token_id": "ci", "team": "infra"})).await;
    assert_eq!(
        post(json!({"token_id": "ci", "team": "web"})).await,
        (409, "team token already exists\n".into())
    );
    for bad in ["Ci", "1ci", "c_i", "c i", &"c".repeat(41)] {
        assert_eq!(
            post(json!({"token_id": bad, "team": "infra"})).await,
            (400, "invalid token_id\n".into()),
            "{bad}"
        );
    }
    assert_eq!(
        post(json!({"token_id": "x", "team": "nope"})).await,
        (404, "team not found\n".into())
    );
    assert_eq!(
        post(json!({"token_id": "x"})).await,
        (400, "You must provide a team to execute this action.\n".into()),
        "a global grant with two teams is ambiguous"
    );
    let (status, body) = post(json!({"team": "infra", "expires_in": "soon"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        post(json!({"team": "infra", "expires_in": 9_000_000_000_000_000_i64})).await,
        (400, "invalid expires_in: out of range\n".into())
    );
    let (status, body) = post(json!({"team": "infra", "token_id": 5})).await;
    assert_eq!(status, 400, "{body}");

    let bob = s.user("bob@example.com").await;
    let resp = bob.post_json("/1.6/tokens", &json!({"team": "infra"})).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    let resp = bob.post_json("/1.6/tokens", &json!({})).await;
    expect(resp, 403, FORBIDDEN, "no grant at all: nothing to pick").await;
    let resp = s.anonymous().post_json("/1.6/tokens", &json!({"team": "infra"})).await;
    expect(resp, 401, UNAUTHORIZED, "anonymous").await;
    assert_eq!(
        s.admin().get("/1.6/tokens").await.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1,
        "only the first token was stored"
    );
    // Failures inside the event are recorded.
    let events = s.events("target.type=team&target.value=infra").await;
    assert!(events
        .iter()
        .any(|e| e["Kind"]["Name"] == "team.token.create" && e["Error"] == "invalid token_id"));
}

#[tokio::test]
async fn the_team_is_picked_when_the_caller_holds_the_permission_on_one_team() {
    let s = with_teams(&["infra", "web"]).await;
    let carol = s.member("carol@example.com", "web", &["team.token"]).await;
    let resp = carol.post_json("/1.6/tokens", &json!({})).await;
    assert_eq!(resp.status(), 201);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["team"], "web");
    assert_eq!(t["creator_email"], "carol@example.com");
    let resp = carol.post_json("/1.6/tokens", &json!({"team": "infra"})).await;
    expect(resp, 403, FORBIDDEN, "carol").await;
}

#[tokio::test]
async fn a_token_authenticates_with_exactly_its_roles_and_owns_its_events() {
    let s = with_teams(&["infra", "web"]).await;
    let tok = token(&s, "ci", "infra").await;
    // Without roles it is authenticated but may do nothing.
    let resp = tok.put_json("/1.6/teams/infra", &json!({"tags": ["x"]})).await;
    expect(resp, 403, FORBIDDEN, "tok").await;
    assert_eq!(tok.get("/1.0/teams").await.status(), 204);
    assert_eq!(
        info(&s, "ci").await["last_access"],
        "0001-01-01T00:00:00Z",
        "a read does not write: the use is noted, not stored yet"
    );
    assert_eq!(s.record_credential_uses().await, 1);
    assert_ne!(info(&s, "ci").await["last_access"], "0001-01-01T00:00:00Z", "use is recorded");

    s.role("team-editor", "team", &["team.update", "team.read"]).await;
    bind(&s, "team-editor", "ci", "infra").await;
    let resp = tok.put_json("/1.6/teams/infra", &json!({"tags": ["x"]})).await;
    expect(resp, 200, "", "tok").await;
    let resp = tok.put_json("/1.6/teams/web", &json!({"tags": ["x"]})).await;
    expect(resp, 403, FORBIDDEN, "the role is bound to infra only").await;
    let resp = tok.post_json("/1.0/teams", &json!({"name": "new"})).await;
    expect(resp, 403, FORBIDDEN, "tok").await;
    let teams: Value = get_json(&tok, "/1.0/teams").await;
    assert_eq!(teams.as_array().unwrap().len(), 1);
    assert_eq!(teams[0]["name"], "infra");
    let events = s.events("target.type=team&target.value=infra&kindname=team.update").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Owner"], json!({"Type": "token", "Name": "ci"}));
    let events = s.events("ownertype=token&ownername=ci").await;
    assert_eq!(events.len(), 1, "refused calls are checked before any event");
}

#[tokio::test]
async fn expired_tokens_get_401_until_their_expiry_is_lifted() {
    let s = with_teams(&["infra"]).await;
    let t = create(&s, json!({"token_id": "old", "team": "infra", "expires_in": -10})).await;
    let tok = s.with_token(t["token"].as_str().unwrap());
    let resp = tok.get("/1.0/teams").await;
    expect(resp, 401, UNAUTHORIZED, "tok").await;
    assert_eq!(info(&s, "old").await["last_access"], "0001-01-01T00:00:00Z");
    let resp = s.admin().put_json("/1.6/tokens/old", &json!({"expires_in": -1})).await;
    assert_eq!(resp.status(), 200);
    let t: Value = resp.json().await.unwrap();
    assert_eq!(t["expires_at"], "0001-01-01T00:00:00Z", "negative: never expires");
    assert_eq!(tok.get("/1.0/teams").await.status(), 204);
}

#[tokio::test]
async fn updating_a_token() {
    let s = with_teams(&["infra"]).await;
    let first = create(&s, json!({"token_id": "ci", "team": "infra", "description": "d1"})).await;
    let old = s.with_token(first["token"].as_str().unwrap());
    let resp = s
        .admin()
        .put_json(
            "/1.6/tokens/ci",
            &json!({"regenerate": true, "description": "d2", "expires_in": 120}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let t: Value = resp.json().await.unwrap();
    assert!(is_hex64(&t["token"]));
    assert_ne!(t["token"], first["token"]);
    assert_eq!(t["description"], "d2");
    assert_ne!(t["expires_at"], "0001-01-01T00:00:00Z");
    assert_eq!(t["created_at"], first["created_at"]);
    assert_eq!(info(&s, "ci").await["token"], t["token"]);
    assert_eq!(old.get("/1.0/teams").await.status(), 401, "the old value is dead");
    let new = s.with_token(t["token"].as_str().unwrap());
    assert_eq!(new.get("/1.0/teams").await.status(), 204);

    // Empty description and zero expiry keep them; form input works too.
    let resp =
        s.admin().put_form("/1.6/tokens/ci", &[("description", ""), ("expires_in", "0")]).await;
    let same: Value = resp.json().await.unwrap();
    assert_eq!(same["description"], "d2");
    assert_eq!(same["expires_at"], t["expires_at"]);
    assert_eq!(same["token"], t["token"]);

    let resp = s.admin().put_json("/1.6/tokens/nope", &json!({})).await;
    expect(resp, 404, "team token not found\n", "admin").await;
    let (status, _) =
        status_text(s.admin().put_json("/1.6/tokens/ci", &json!({"regenerate": "maybe"})).await)
            .await;
    assert_eq!(status, 400);
    let bob = s.user("bob@example.com").await;
    let resp = bob.put_json("/1.6/tokens/ci", &json!({"regenerate": true})).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    assert_eq!(info(&s, "ci").await["token"], t["token"], "unchanged by the refused call");
    let resp = s.anonymous().put_json("/1.6/tokens/ci", &json!({})).await;
    expect(resp, 401, UNAUTHORIZED, "anonymous").await;
    let events = s.events("target.type=team&target.value=infra&kindname=team.token.update").await;
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn deleting_a_token() {
    let s = with_teams(&["infra"]).await;
    let tok = token(&s, "ci", "infra").await;
    let bob = s.user("bob@example.com").await;
    let (anonymous, admin) = (s.anonymous(), s.admin());
    #[rustfmt::skip]
    let cases = [
        ("bob", &bob, 403, FORBIDDEN),
        ("anonymous", &anonymous, 401, UNAUTHORIZED),
        ("admin", &admin, 200, ""),
    ];
    for (who, caller, status, text) in cases {
        expect(caller.delete("/1.6/tokens/ci").await, status, text, who).await;
    }
    assert_eq!(tok.get("/1.0/teams").await.status(), 401, "no longer a credential");
    let not_found = "team token not found\n";
    assert_gone(&admin, "/1.6/tokens/ci", "/1.7/tokens/ci", not_found).await;
    let events = s.events("target.type=team&target.value=infra&kindname=team.token.delete").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Error"], "");
}

#[tokio::test]
async fn a_token_that_owns_apps_cannot_be_deleted() {
    let s = with_teams(&["infra"]).await;
    s.default_pool("p1").await;
    let tok = token(&s, "deployer", "infra").await;
    s.role("app-creator", "team", &["app.create", "app.read"]).await;
    bind(&s, "app-creator", "deployer", "infra").await;
    let resp = tok.post_form("/1.0/apps", &[("name", "tokapp"), ("teamOwner", "infra")]).await;
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let app: Value = get_json(&s.admin(), "/1.0/apps/tokapp").await;
    assert_eq!(app["owner"], "deployer@tsuru-team-token");
    let resp = s.admin().delete("/1.6/tokens/deployer").await;
    expect(resp, 409, "cannot remove team token who owns apps\n", "admin").await;
    assert_eq!(info(&s, "deployer").await["token_id"], "deployer");
}

#[tokio::test]
async fn lists_show_only_tokens_of_teams_the_caller_may_read() {
    let s = with_teams(&["infra", "web"]).await;
    create(&s, json!({"token_id": "infra-ci", "team": "infra"})).await;
    create(&s, json!({"token_id": "web-ci", "team": "web"})).await;
    let all: Value = get_json(&s.admin(), "/1.6/tokens").await;
    let ids = strings(all.as_array().unwrap(), "token_id");
    assert_eq!(ids, ["infra-ci", "web-ci"]);
    assert!(all.as_array().unwrap().iter().all(|t| is_hex64(&t["token"])));

    let reader = s.member("reader@example.com", "web", &["team.token.read"]).await;
    let seen: Value = get_json(&reader, "/1.6/tokens").await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert_eq!(seen[0]["token_id"], "web-ci");
    assert!(is_hex64(&seen[0]["token"]), "no roles: shown in clear");
    let resp = reader.get("/1.7/tokens/infra-ci").await;
    expect(resp, 403, FORBIDDEN, "reader").await;
    assert_eq!(reader.get("/1.7/tokens/web-ci").await.status(), 200);

    let nobody = s.user("nobody@example.com").await;
    let resp = nobody.get("/1.6/tokens").await;
    expect(resp, 204, "", "tsuru listed every token here").await;
    let resp = nobody.get("/1.7/tokens/nope").await;
    let text = "team token not found\n";
    expect(resp, 404, text, "not found comes before the permission check").await;
    let resp = s.anonymous().get("/1.6/tokens").await;
    expect(resp, 401, UNAUTHORIZED, "anonymous").await;
    let resp = s.anonymous().get("/1.7/tokens/web-ci").await;
    expect(resp, 401, UNAUTHORIZED, "anonymous").await;
}

#[tokio::test]
async fn values_are_blanked_for_callers_who_could_not_grant_the_tokens_roles() {
    let s = with_teams(&["web"]).await;
    create(&s, json!({"token_id": "web-ci", "team": "web"})).await;
    s.role("deployer", "team", &["app.deploy"]).await;
    bind(&s, "deployer", "web-ci", "web").await;
    let reader = s.member("reader@example.com", "web", &["team.token.read"]).await;
    let seen: Value = get_json(&reader, "/1.6/tokens").await;
    assert_eq!(seen[0]["token"], "");
    assert_eq!(seen[0]["roles"], json!([{"Name": "deployer", "ContextValue": "web"}]));
    let one: Value = get_json(&reader, "/1.7/tokens/web-ci").await;
    assert_eq!(one["token"], "");
    let deployer = s.member("dep@example.com", "web", &["team.token.read", "app.deploy"]).await;
    let one: Value = get_json(&deployer, "/1.7/tokens/web-ci").await;
    assert!(is_hex64(&one["token"]), "may use every role: shown");
    assert!(is_hex64(&info(&s, "web-ci").await["token"]));
}

#[tokio::test]
async fn binding_and_unbinding_roles() {
    let s = with_teams(&["infra"]).await;
    create(&s, json!({"token_id": "ci", "team": "infra"})).await;
    s.role("deployer", "team", &["app.deploy"]).await;
    s.role("globalrole", "global", &["app.read"]).await;
    let admin = s.admin();
    let assign = |role: &str, form: Vec<(&'static str, &'static str)>| {
        let admin = admin.clone();
        let path = format!("/1.6/roles/{role}/token");
        async move { status_text(admin.post_form(&path, &form).await).await }
    };
    assert_eq!(
        assign("deployer", vec![("token_id", "ci"), ("context", "infra")]).await,
        (200, String::new())
    );
    assert_eq!(
        assign("deployer", vec![("token_id", "ci"), ("context", "infra")]).await,
        (200, String::new()),
        "idempotent"
    );
    assert_eq!(
        info(&s, "ci").await["roles"],
        json!([{"Name": "deployer", "ContextValue": "infra"}])
    );
    assert_eq!(
        assign("deployer", vec![("token_id", "nope"), ("context", "infra")]).await,
        (404, "team token not found\n".into())
    );
    assert_eq!(
        assign("nope", vec![("token_id", "ci"), ("context", "infra")]).await,
        (404, "role not found\n".into())
    );
    assert_eq!(
        assign("deployer", vec![("token_id", "ci"), ("context", "ghost")]).await,
        (400, "team not found\n".into())
    );
    assert_eq!(
        assign("deployer", vec![("token_id", "ci")]).await,
        (400, "Global context value is not valid for role with context type team\n".into())
    );
    // JSON works too.
    let resp = admin.post_json("/1.6/roles/globalrole/token", &json!({"token_id": "ci"})).await;
    expect(resp, 200, "", "admin").await;

    // role.update.assign alone does not let one grant permissions one lacks.
    let assigner = s.user("assigner@example.com").await;
    s.role("assigners", "global", &["role.update.assign", "role.update.dissociate"]).await;
    s.assign("assigners", "assigner@example.com", "").await;
    let grant = |caller: Caller| async move {
        let form = [("token_id", "ci"), ("context", "infra")];
        caller.post_form("/1.6/roles/deployer/token", &form).await
    };
    let revoke = |caller: Caller| async move {
        caller.delete("/1.6/roles/deployer/token/ci?context=infra").await
    };
    let not_held = "User not authorized to use permission app.deploy(team infra)\n";
    expect(grant(assigner.clone()).await, 403, not_held, "assigner grants").await;
    expect(revoke(assigner).await, 403, not_held, "assigner revokes").await;
    let bob = s.user("bob@example.com").await;
    expect(grant(bob.clone()).await, 403, FORBIDDEN, "bob grants").await;
    expect(revoke(bob).await, 403, FORBIDDEN, "bob revokes").await;
    let anonymous = revoke(s.anonymous()).await;
    expect(anonymous, 401, UNAUTHORIZED, "anonymous revokes").await;
    let anonymous = grant(s.anonymous()).await;
    expect(anonymous, 401, UNAUTHORIZED, "anonymous grants").await;

    expect(revoke(admin.clone()).await, 200, "", "admin revokes").await;
    assert_eq!(info(&s, "ci").await["roles"], json!([{"Name": "globalrole", "ContextValue": ""}]));
    let resp = admin.delete("/1.6/roles/deployer/token/nope?context=infra").await;
    expect(resp, 404, "team token not found\n", "admin").await;
    let resp = admin.delete("/1.6/roles/nope/token/ci?context=infra").await;
    expect(resp, 404, "role not found\n", "admin").await;
    let events = s.events("target.type=role&target.value=deployer").await;
    let kinds: Vec<&str> = events.iter().map(|e| e["Kind"]["Name"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"role.update.assign"), "{kinds:?}");
    assert!(kinds.contains(&"role.update.dissociate"), "{kinds:?}");
    let ok_assign = events
        .iter()
        .find(|e| e["Kind"]["Name"] == "role.update.assign" && e["Error"] == "")
        .unwrap();
    assert_eq!(ok_assign["Owner"]["Name"], ADMIN_EMAIL);
}

#[tokio::test]
async fn renaming_a_role_moves_it_on_tokens() {
    let s = with_teams(&["infra"]).await;
    let tok = token(&s, "ci", "infra").await;
    s.role("editor", "team", &["team.update"]).await;
    bind(&s, "editor", "ci", "infra").await;
    let resp = s.admin().put_form("/1.4/roles", &[("name", "editor"), ("newName", "writer")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(info(&s, "ci").await["roles"], json!([{"Name": "writer", "ContextValue": "infra"}]));
    assert_eq!(
        tok.put_json("/1.6/teams/infra", &json!({"tags": ["a"]})).await.status(),
        200,
        "the token keeps its permissions"
    );
}
