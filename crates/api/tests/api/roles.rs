use serde_json::{json, Value};

use crate::{status_text, TestServer, FORBIDDEN, UNAUTHORIZED};

#[tokio::test]
async fn creating_roles() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    assert_eq!(
        status_text(
            admin
                .post_form(
                    "/1.0/roles",
                    &[("name", "r1"), ("context", "team"), ("description", "d")]
                )
                .await
        )
        .await,
        (201, String::new())
    );
    assert_eq!(
        status_text(
            admin
                .post_form("/1.0/roles", &[("name", "r1"), ("context", "team")])
                .await
        )
        .await,
        (409, "role already exists\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .post_form("/1.0/roles", &[("name", "  "), ("context", "team")])
                .await
        )
        .await,
        (400, "invalid role name\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .post_form("/1.0/roles", &[("name", "r2"), ("context", "iaas")])
                .await
        )
        .await,
        (400, "invalid context type \"iaas\"\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(
            bob.post_form("/1.0/roles", &[("name", "r3"), ("context", "team")])
                .await
        )
        .await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(
            s.anonymous()
                .post_form("/1.0/roles", &[("name", "r3")])
                .await
        )
        .await,
        (401, UNAUTHORIZED.into())
    );
    let events = s.events("target.type=role&target.value=r1").await;
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0]["Allowed"],
        json!({"Scheme": "role.read.events", "Contexts": null})
    );
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
        assert_eq!(status_text(resp).await, (status, text.into()), "{perm}");
    }
    let star = admin
        .post_form("/1.0/roles/t/permissions", &[("permission", "*")])
        .await;
    assert_eq!(
        status_text(star).await,
        (
            409,
            "permission \"\" not allowed with context of type \"team\"\n".into()
        )
    );
    let role: Value = admin.get("/1.0/roles/t").await.json().await.unwrap();
    assert!(
        role.get("scheme_names").is_none(),
        "nothing is written when one name is bad"
    );
    assert_eq!(
        admin
            .post_form(
                "/1.0/roles/t/permissions",
                &[
                    ("permission", "app.read"),
                    ("permission", "team"),
                    ("permission", "app.read")
                ]
            )
            .await
            .status(),
        200
    );
    let role: Value = admin.get("/1.0/roles/t").await.json().await.unwrap();
    assert_eq!(role["scheme_names"], json!(["app.read", "team"]));
    assert_eq!(
        status_text(
            admin
                .post_form("/1.0/roles/none/permissions", &[("permission", "app")])
                .await
        )
        .await,
        (404, "role not found\n".into())
    );
    assert_eq!(
        admin.delete("/1.0/roles/t/permissions/team").await.status(),
        200
    );
    let role: Value = admin.get("/1.0/roles/t").await.json().await.unwrap();
    assert_eq!(role["scheme_names"], json!(["app.read"]));
    assert_eq!(
        status_text(admin.delete("/1.0/roles/none/permissions/app").await).await,
        (404, "role not found\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        bob.post_form("/1.0/roles/t/permissions", &[("permission", "app")])
            .await
            .status(),
        403
    );
    assert_eq!(
        bob.delete("/1.0/roles/t/permissions/app.read")
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn assigning_roles_validates_user_role_context_and_the_granters_own_permissions() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.role("member", "team", &["app.create"]).await;
    s.user("bob@example.com").await;
    let admin = s.admin();
    let assign = |email: &'static str, ctx: &'static str| {
        let admin = admin.clone();
        async move {
            status_text(
                admin
                    .post_form(
                        "/1.0/roles/member/user",
                        &[("email", email), ("context", ctx)],
                    )
                    .await,
            )
            .await
        }
    };
    assert_eq!(assign("bad", "t1").await, (400, "invalid email\n".into()));
    assert_eq!(
        assign("no@example.com", "t1").await,
        (404, "user not found\n".into())
    );
    assert_eq!(
        assign("bob@example.com", "").await,
        (
            400,
            "Global context value is not valid for role with context type team\n".into()
        )
    );
    assert_eq!(
        assign("bob@example.com", "nope").await,
        (400, "team not found\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .post_form(
                    "/1.0/roles/none/user",
                    &[("email", "bob@example.com"), ("context", "t1")]
                )
                .await
        )
        .await,
        (404, "role not found\n".into())
    );
    assert_eq!(assign("bob@example.com", "t1").await, (200, String::new()));
    assert_eq!(
        assign("bob@example.com", "t1").await,
        (200, String::new()),
        "set semantics"
    );
    let bob_view: Vec<Value> = admin
        .get("/1.0/users?userEmail=bob@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bob_view[0]["Roles"],
        json!([{"Name": "member", "ContextType": "team", "ContextValue": "t1"}])
    );

    // A user allowed to assign roles may only grant what they hold themselves.
    s.role(
        "assigner",
        "global",
        &["role.update.assign", "role.update.dissociate"],
    )
    .await;
    s.user("carol@example.com").await;
    s.assign("assigner", "carol@example.com", "").await;
    let carol = s.with_token(&s.login("carol@example.com", "user-password").await);
    let resp = carol
        .post_form(
            "/1.0/roles/member/user",
            &[("email", "carol@example.com"), ("context", "t1")],
        )
        .await;
    assert_eq!(
        status_text(resp).await,
        (
            403,
            "User not authorized to use permission app.create(team t1)\n".into()
        )
    );
    let resp = carol
        .delete("/1.0/roles/member/user/bob@example.com?context=t1")
        .await;
    assert_eq!(resp.status(), 403);
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(
        bob.post_form(
            "/1.0/roles/member/user",
            &[("email", "bob@example.com"), ("context", "t1")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(s.events("kindname=role.update.assign").await.len(), 9);
}

#[tokio::test]
async fn dissociating_roles() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.role("member", "team", &["app.read"]).await;
    s.user("bob@example.com").await;
    s.assign("member", "bob@example.com", "t1").await;
    let admin = s.admin();
    assert_eq!(
        status_text(
            admin
                .delete("/1.0/roles/member/user/no@example.com?context=t1")
                .await
        )
        .await,
        (404, "user not found\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .delete("/1.0/roles/none/user/bob@example.com?context=t1")
                .await
        )
        .await,
        (404, "role not found\n".into())
    );
    assert_eq!(
        admin
            .delete("/1.0/roles/member/user/bob@example.com?context=t1")
            .await
            .status(),
        200
    );
    let bob_view: Vec<Value> = admin
        .get("/1.0/users?userEmail=bob@example.com")
        .await
        .json()
        .await
        .unwrap();
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
    let (status, body) = status_text(admin.delete("/1.0/roles/g").await).await;
    assert_eq!(
        (status, body.as_str()),
        (
            412,
            "role has users assigned. you must dissociate them before remove the role.\n"
        )
    );
    admin
        .delete("/1.0/roles/g/user/bob@example.com?context=")
        .await;
    assert_eq!(admin.delete("/1.0/roles/g").await.status(), 200);
    assert_eq!(
        status_text(admin.delete("/1.0/roles/g").await).await,
        (404, "role not found\n".into())
    );
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(bob.delete("/1.0/roles/AllowAll").await.status(), 403);
}

#[tokio::test]
async fn updating_and_renaming_roles_keeps_each_holders_context() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.team("t2").await;
    s.role("member", "team", &["app.read"]).await;
    s.user("bob@example.com").await;
    s.user("carol@example.com").await;
    s.assign("member", "bob@example.com", "t1").await;
    s.assign("member", "carol@example.com", "t2").await;
    let admin = s.admin();
    let nothing =
        "Neither the description, context or new name were set. You must define at least one.\n";
    assert_eq!(
        status_text(admin.put_form("/1.4/roles", &[("name", "member")]).await).await,
        (400, nothing.into())
    );
    assert_eq!(
        status_text(
            admin
                .put_form("/1.4/roles", &[("name", "none"), ("description", "x")])
                .await
        )
        .await,
        (400, "role not found\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .put_form(
                    "/1.4/roles",
                    &[("name", "member"), ("contextType", "bogus")]
                )
                .await
        )
        .await,
        (400, "invalid context type \"bogus\"\n".into())
    );
    assert_eq!(
        admin
            .put_form(
                "/1.4/roles",
                &[("name", "member"), ("description", "team members")]
            )
            .await
            .status(),
        200
    );
    assert_eq!(
        admin
            .put_form("/1.4/roles", &[("name", "member"), ("newName", "dev")])
            .await
            .status(),
        200
    );
    assert_eq!(admin.get("/1.0/roles/member").await.status(), 404);
    let dev: Value = admin.get("/1.0/roles/dev").await.json().await.unwrap();
    assert_eq!(
        dev,
        json!({"name": "dev", "context": "team", "Description": "team members", "scheme_names": ["app.read"]})
    );
    let users: Vec<Value> = admin.get("/1.0/users?role=dev").await.json().await.unwrap();
    let contexts: Vec<(&str, &str)> = users
        .iter()
        .map(|u| {
            (
                u["Email"].as_str().unwrap(),
                u["Roles"][0]["ContextValue"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        contexts,
        vec![("bob@example.com", "t1"), ("carol@example.com", "t2")]
    );
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(
        bob.put_form("/1.4/roles", &[("name", "dev"), ("description", "x")])
            .await
            .status(),
        403
    );
    assert_eq!(s.events("kindname=role.update").await.len(), 4);
}

#[tokio::test]
async fn default_roles() {
    let s = TestServer::spawn().await;
    s.role("g", "global", &["team.create"]).await;
    s.role("t", "team", &["app"]).await;
    let admin = s.admin();
    assert_eq!(
        status_text(admin.get("/1.0/role/default").await).await,
        (200, "null\n".into())
    );
    let wrong = admin
        .post_form("/1.0/role/default", &[("user-create", "t")])
        .await;
    assert_eq!(
        status_text(wrong).await,
        (
            400,
            "wrong context type for role event, expected \"global\" role has \"team\"\n".into()
        )
    );
    assert_eq!(
        status_text(
            admin
                .post_form("/1.0/role/default", &[("team-create", "none")])
                .await
        )
        .await,
        (400, "role not found\n".into())
    );
    assert_eq!(
        admin
            .post_form(
                "/1.0/role/default",
                &[("user-create", "g"), ("team-create", "t")]
            )
            .await
            .status(),
        200
    );
    let list: Vec<Value> = admin.get("/1.0/role/default").await.json().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["events"], json!(["user-create"]));
    assert_eq!(
        admin
            .delete("/1.0/role/default?user-create=g")
            .await
            .status(),
        200
    );
    let list: Vec<Value> = admin.get("/1.0/role/default").await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "t");
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.0/role/default").await.status(), 403);
    assert_eq!(
        bob.post_form("/1.0/role/default", &[("user-create", "g")])
            .await
            .status(),
        403
    );
    assert_eq!(s.events("kindname=role.default.create").await.len(), 4);
    assert_eq!(s.events("kindname=role.default.delete").await.len(), 1);
}

#[tokio::test]
async fn the_permission_list_is_the_whole_tree_sorted() {
    let s = TestServer::spawn().await;
    let perms: Vec<Value> = s
        .admin()
        .get("/1.0/permissions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(perms.len(), 223);
    assert_eq!(perms[0], json!({"Name": "", "Contexts": ["global"]}));
    assert_eq!(
        perms[1],
        json!({"Name": "apikey", "Contexts": ["global", "user"]})
    );
    let names: Vec<&str> = perms.iter().map(|p| p["Name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    let app = perms.iter().find(|p| p["Name"] == "app.create").unwrap();
    assert_eq!(app["Contexts"], json!(["global", "team"]));
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.get("/1.0/permissions").await).await,
        (403, FORBIDDEN.into())
    );
}
