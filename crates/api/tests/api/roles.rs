use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    expect, expect_forms, get_json, status_text, strings, with_teams, Caller, Case, TestServer,
    FORBIDDEN, UNAUTHORIZED,
};

#[tokio::test]
async fn creating_roles() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    #[rustfmt::skip]
    let cases: [Case; 4] = [
        (&[("name", "r1"), ("context", "team"), ("description", "d")], 201, ""),
        (&[("name", "r1"), ("context", "team")], 409, "role already exists\n"),
        (&[("name", "  "), ("context", "team")], 400, "invalid role name\n"),
        (&[("name", "r2"), ("context", "cluster")], 400, "invalid context type \"cluster\"\n"),
    ];
    expect_forms(&admin, Method::POST, "/1.0/roles", &cases).await;
    let bob = s.user("bob@example.com").await;
    let by_bob = bob.post_form("/1.0/roles", &[("name", "r3"), ("context", "team")]).await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    let anonymous = s.anonymous();
    let by_anonymous = anonymous.post_form("/1.0/roles", &[("name", "r3")]).await;
    expect(by_anonymous, 401, UNAUTHORIZED, "anonymous").await;
    let events = s.events("target.type=role&target.value=r1").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["Allowed"], json!({"Scheme": "role.read.events", "Contexts": null}));
}

#[tokio::test]
async fn role_list_and_info_have_tsurus_shape_without_trailing_newline() {
    let s = TestServer::spawn().await;
    s.role("r", "global", &["role.update", "app.create"]).await;
    let (status, body) = status_text(s.admin().get("/1.0/roles/r").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"name":"r","context":"global","Description":"","scheme_names":["app.create","role.update"]}"#
    );
    let (status, body) = status_text(s.admin().get("/1.0/roles").await).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(r#"[{"name":"AllowAll","context":"global","Description":"","scheme_names":["*"]},{"name":"r""#), "{body}");
    assert!(!body.ends_with('\n'));
    assert_eq!(
        status_text(s.admin().get("/1.0/roles/none").await).await,
        (404, "role not found\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.0/roles").await.status(), 403);
    s.role("assigner", "global", &["role.update.assign"]).await;
    s.assign("assigner", "bob@example.com", "").await;
    assert_eq!(
        bob.get("/1.0/roles").await.status(),
        200,
        "any role-management permission lists roles"
    );
}

#[tokio::test]
async fn adding_and_removing_permissions() {
    let s = TestServer::spawn().await;
    s.role("t", "team", &[]).await;
    let admin = s.admin();
    let cases: [(&str, u16, &str); 3] = [
        ("", 400, "invalid permission name\n"),
        ("app.nope", 400, "permission named \"app.nope\" not found\n"),
        (
            "team.create",
            409,
            "permission \"team.create\" not allowed with context of type \"team\"\n",
        ),
    ];
    for (perm, status, text) in cases {
        let resp = admin
            .post_form(
                "/1.0/roles/t/permissions",
                &[("permission", "app.read"), ("permission", perm)],
            )
            .await;
        expect(resp, status, text, perm).await;
    }
    let star = admin.post_form("/1.0/roles/t/permissions", &[("permission", "*")]).await;
    let not_allowed = "permission \"\" not allowed with context of type \"team\"\n";
    expect(star, 409, not_allowed, "*").await;
    let role: Value = get_json(&admin, "/1.0/roles/t").await;
    assert!(role.get("scheme_names").is_none(), "nothing is written when one name is bad");
    let twice = [("permission", "app.read"), ("permission", "team"), ("permission", "app.read")];
    let added = admin.post_form("/1.0/roles/t/permissions", &twice).await;
    assert_eq!(added.status(), 200);
    let role: Value = get_json(&admin, "/1.0/roles/t").await;
    assert_eq!(role["scheme_names"], json!(["app.read", "team"]));
    let missing = admin.post_form("/1.0/roles/none/permissions", &[("permission", "app")]).await;
    expect(missing, 404, "role not found\n", "adding to a missing role").await;
    let removed = admin.delete("/1.0/roles/t/permissions/team").await;
    assert_eq!(removed.status(), 200);
    let role: Value = get_json(&admin, "/1.0/roles/t").await;
    assert_eq!(role["scheme_names"], json!(["app.read"]));
    let missing = admin.delete("/1.0/roles/none/permissions/app").await;
    expect(missing, 404, "role not found\n", "removing from a missing role").await;
    let bob = s.user("bob@example.com").await;
    let add = bob.post_form("/1.0/roles/t/permissions", &[("permission", "app")]).await;
    assert_eq!(add.status(), 403, "bob adds");
    let remove = bob.delete("/1.0/roles/t/permissions/app.read").await;
    assert_eq!(remove.status(), 403, "bob removes");
}

#[tokio::test]
async fn assigning_roles_validates_user_role_context_and_the_granters_own_permissions() {
    let s = with_teams(&["t1"]).await;
    s.role("member", "team", &["app.create"]).await;
    s.user("bob@example.com").await;
    let admin = s.admin();
    let assign = |caller: Caller,
                  role: &'static str,
                  email: &'static str,
                  context: &'static str| {
        async move {
            caller
                .post_form(
                    &format!("/1.0/roles/{role}/user"),
                    &[("email", email), ("context", context)],
                )
                .await
        }
    };
    let global = "Global context value is not valid for role with context type team\n";
    let cases = [
        ("member", "bad", "t1", 400, "invalid email\n"),
        ("member", "no@example.com", "t1", 404, "user not found\n"),
        ("member", "bob@example.com", "", 400, global),
        ("member", "bob@example.com", "nope", 400, "team not found\n"),
        ("none", "bob@example.com", "t1", 404, "role not found\n"),
        ("member", "bob@example.com", "t1", 200, ""),
    ];
    for (role, email, context, status, text) in cases {
        let case = (role, email, context);
        let resp = assign(admin.clone(), role, email, context).await;
        expect(resp, status, text, case).await;
    }
    let again = assign(admin.clone(), "member", "bob@example.com", "t1").await;
    expect(again, 200, "", "set semantics").await;
    let bob_view: Vec<Value> = get_json(&admin, "/1.0/users?userEmail=bob@example.com").await;
    assert_eq!(
        bob_view[0]["Roles"],
        json!([{"Name": "member", "ContextType": "team", "ContextValue": "t1"}])
    );

    // A user allowed to assign roles may only grant what they hold themselves.
    s.role("assigner", "global", &["role.update.assign", "role.update.dissociate"]).await;
    s.user("carol@example.com").await;
    s.assign("assigner", "carol@example.com", "").await;
    let carol = s.with_token(&s.login("carol@example.com", "user-password").await);
    let resp = assign(carol.clone(), "member", "carol@example.com", "t1").await;
    let not_held = "User not authorized to use permission app.create(team t1)\n";
    expect(resp, 403, not_held, "carol grants what she does not hold").await;
    let resp = carol.delete("/1.0/roles/member/user/bob@example.com?context=t1").await;
    assert_eq!(resp.status(), 403);
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    let by_bob = assign(bob, "member", "bob@example.com", "t1").await;
    assert_eq!(by_bob.status(), 403);
    assert_eq!(s.events("kindname=role.update.assign").await.len(), 9);
}

#[tokio::test]
async fn dissociating_roles() {
    let s = with_teams(&["t1"]).await;
    s.role("member", "team", &["app.read"]).await;
    s.user("bob@example.com").await;
    s.assign("member", "bob@example.com", "t1").await;
    let admin = s.admin();
    #[rustfmt::skip]
    let cases = [
        ("/1.0/roles/member/user/no@example.com?context=t1", 404, "user not found\n"),
        ("/1.0/roles/none/user/bob@example.com?context=t1", 404, "role not found\n"),
    ];
    for (path, status, text) in cases {
        expect(admin.delete(path).await, status, text, path).await;
    }
    let dissociated = admin.delete("/1.0/roles/member/user/bob@example.com?context=t1").await;
    assert_eq!(dissociated.status(), 200);
    let bob_view: Vec<Value> = get_json(&admin, "/1.0/users?userEmail=bob@example.com").await;
    assert_eq!(bob_view[0]["Roles"], json!([]));
    assert_eq!(s.events("kindname=role.update.dissociate").await.len(), 3);
}

#[tokio::test]
async fn removing_a_role_is_refused_while_users_hold_it() {
    let s = TestServer::spawn().await;
    s.role("g", "global", &["app.read"]).await;
    s.user("bob@example.com").await;
    s.assign("g", "bob@example.com", "").await;
    let admin = s.admin();
    let held = "role has users assigned. you must dissociate them before remove the role.\n";
    expect(admin.delete("/1.0/roles/g").await, 412, held, "held").await;
    admin.delete("/1.0/roles/g/user/bob@example.com?context=").await;
    assert_eq!(admin.delete("/1.0/roles/g").await.status(), 200);
    let again = admin.delete("/1.0/roles/g").await;
    expect(again, 404, "role not found\n", "removed twice").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(bob.delete("/1.0/roles/AllowAll").await.status(), 403);
}

#[tokio::test]
async fn updating_and_renaming_roles_keeps_each_holders_context() {
    let s = with_teams(&["t1", "t2"]).await;
    s.role("member", "team", &["app.read"]).await;
    s.user("bob@example.com").await;
    s.user("carol@example.com").await;
    s.assign("member", "bob@example.com", "t1").await;
    s.assign("member", "carol@example.com", "t2").await;
    let admin = s.admin();
    let nothing =
        "Neither the description, context or new name were set. You must define at least one.\n";
    #[rustfmt::skip]
    let cases: [Case; 3] = [
        (&[("name", "member")], 400, nothing),
        (&[("name", "none"), ("description", "x")], 400, "role not found\n"),
        (&[("name", "member"), ("contextType", "bogus")], 400, "invalid context type \"bogus\"\n"),
    ];
    expect_forms(&admin, Method::PUT, "/1.4/roles", &cases).await;
    let ok: [&[(&str, &str)]; 2] = [
        &[("name", "member"), ("description", "team members")],
        &[("name", "member"), ("newName", "dev")],
    ];
    for form in ok {
        let resp = admin.put_form("/1.4/roles", form).await;
        assert_eq!(resp.status(), 200, "{form:?}");
    }
    assert_eq!(admin.get("/1.0/roles/member").await.status(), 404);
    let dev: Value = get_json(&admin, "/1.0/roles/dev").await;
    assert_eq!(
        dev,
        json!({"name": "dev", "context": "team", "Description": "team members", "scheme_names": ["app.read"]})
    );
    let users: Vec<Value> = get_json(&admin, "/1.0/users?role=dev").await;
    let contexts: Vec<(&str, &str)> = users
        .iter()
        .map(|u| (u["Email"].as_str().unwrap(), u["Roles"][0]["ContextValue"].as_str().unwrap()))
        .collect();
    assert_eq!(contexts, vec![("bob@example.com", "t1"), ("carol@example.com", "t2")]);
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    let by_bob = bob.put_form("/1.4/roles", &[("name", "dev"), ("description", "x")]).await;
    assert_eq!(by_bob.status(), 403);
    assert_eq!(s.events("kindname=role.update").await.len(), 4);
}

#[tokio::test]
async fn default_roles() {
    let s = TestServer::spawn().await;
    s.role("g", "global", &["team.create"]).await;
    s.role("t", "team", &["app"]).await;
    let admin = s.admin();
    let none = admin.get("/1.0/role/default").await;
    expect(none, 200, "null\n", "no default roles yet").await;
    let wrong = "wrong context type for role event, expected \"global\" role has \"team\"\n";
    let cases: [Case; 2] = [
        (&[("user-create", "t")], 400, wrong),
        (&[("team-create", "none")], 400, "role not found\n"),
    ];
    expect_forms(&admin, Method::POST, "/1.0/role/default", &cases).await;
    let set =
        admin.post_form("/1.0/role/default", &[("user-create", "g"), ("team-create", "t")]).await;
    assert_eq!(set.status(), 200);
    let list: Vec<Value> = get_json(&admin, "/1.0/role/default").await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["events"], json!(["user-create"]));
    let removed = admin.delete("/1.0/role/default?user-create=g").await;
    assert_eq!(removed.status(), 200);
    let list: Vec<Value> = get_json(&admin, "/1.0/role/default").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "t");
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.0/role/default").await.status(), 403);
    let by_bob = bob.post_form("/1.0/role/default", &[("user-create", "g")]).await;
    assert_eq!(by_bob.status(), 403);
    assert_eq!(s.events("kindname=role.default.create").await.len(), 4);
    assert_eq!(s.events("kindname=role.default.delete").await.len(), 1);
}

#[tokio::test]
async fn the_permission_list_is_the_whole_tree_sorted() {
    let s = TestServer::spawn().await;
    let perms: Vec<Value> = get_json(&s.admin(), "/1.0/permissions").await;
    assert_eq!(perms.len(), 238);
    assert_eq!(perms[0], json!({"Name": "", "Contexts": ["global"]}));
    assert_eq!(perms[1], json!({"Name": "apikey", "Contexts": ["global", "user"]}));
    let names = strings(&perms, "Name");
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let app = perms.iter().find(|p| p["Name"] == "app.create").unwrap();
    assert_eq!(app["Contexts"], json!(["global", "team"]));
    let bob = s.user("bob@example.com").await;
    expect(bob.get("/1.0/permissions").await, 403, FORBIDDEN, "bob").await;
}
