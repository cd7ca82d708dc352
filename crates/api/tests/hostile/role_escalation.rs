//! Item 4: the may-grant rule (the caller must hold what it grants) holds for every role
//! mutation, not only assignment: a narrow role-management permission never turns into more.
use reqwest::Method;
use serde_json::Value;
use tsuru_testkit::{status_text, Caller, TestServer};

const NOT_AUTHORIZED: &str = "User not authorized to use permission ";

/// A user holding only `perms`, globally.
async fn narrow(s: &TestServer, email: &str, perms: &[&str]) -> Caller {
    let role = format!("only-{}", email.split('@').next().unwrap());
    s.role(&role, "global", perms).await;
    let user = s.user(email).await;
    s.assign(&role, email, "").await;
    user
}

async fn role_info(s: &TestServer, name: &str) -> Value {
    let resp = s.admin().get(&format!("/1.0/roles/{name}")).await;
    assert_eq!(resp.status(), 200, "role {name}");
    resp.json().await.unwrap()
}

fn forbidden((status, text): (u16, String)) {
    assert_eq!(status, 403, "{text}");
    assert!(text.starts_with(NOT_AUTHORIZED), "{text}");
}

#[tokio::test]
async fn adding_permissions_needs_them_wherever_the_role_is_held() {
    let s = TestServer::spawn().await;
    let eve = narrow(&s, "eve@example.com", &["role.update.permission.add"]).await;
    let add = |role: &'static str, perm: &'static str| {
        let eve = eve.clone();
        async move {
            status_text(
                eve.post_form(&format!("/1.0/roles/{role}/permissions"), &[("permission", perm)])
                    .await,
            )
            .await
        }
    };
    // `*` on her own role.
    forbidden(add("only-eve", "*").await);
    forbidden(add("only-eve", "team.create").await);
    assert_eq!(
        role_info(&s, "only-eve").await["scheme_names"],
        serde_json::json!(["role.update.permission.add"])
    );
    // A role held by someone else, and one held by a team token only.
    s.role("spare", "global", &[]).await;
    s.user("bob@example.com").await;
    s.assign("spare", "bob@example.com", "").await;
    forbidden(add("spare", "team.create").await);
    assert_eq!(
        add("spare", "role.update.permission.add").await,
        (200, String::new()),
        "what she holds"
    );
    s.team("t1").await;
    s.role("tok-role", "team", &[]).await;
    let token: Value = s
        .admin()
        .post_json("/1.6/tokens", &serde_json::json!({"team": "t1", "token_id": "t1-bot"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token["token_id"], "t1-bot");
    let resp = s
        .admin()
        .post_form("/1.6/roles/tok-role/token", &[("token_id", "t1-bot"), ("context", "t1")])
        .await;
    assert_eq!(resp.status(), 200);
    forbidden(add("tok-role", "app").await);
}

#[tokio::test]
async fn removing_permissions_needs_them_too() {
    let s = TestServer::spawn().await;
    let eve = narrow(&s, "eve@example.com", &["role.update.permission.remove"]).await;
    forbidden(status_text(eve.delete("/1.0/roles/AllowAll/permissions/*").await).await);
    assert_eq!(role_info(&s, "AllowAll").await["scheme_names"], serde_json::json!(["*"]));
}

#[tokio::test]
async fn a_context_type_change_needs_the_permissions_in_the_new_contexts() {
    let s = TestServer::spawn().await;
    let eve = narrow(&s, "eve@example.com", &["role.update.context.type"]).await;
    s.team("t1").await;
    s.role("t1-admin", "team", &["team", "app"]).await;
    s.assign("t1-admin", "eve@example.com", "t1").await;
    let change = |ctx: &'static str| {
        let eve = eve.clone();
        async move {
            status_text(
                eve.put_form("/1.4/roles", &[("name", "t1-admin"), ("contextType", ctx)]).await,
            )
            .await
        }
    };
    forbidden(change("global").await);
    assert_eq!(role_info(&s, "t1-admin").await["context"], "team");
    // Her own global role may become a team role: she keeps what she had, scoped down.
    let resp = eve.put_form("/1.4/roles", &[("name", "only-eve"), ("contextType", "team")]).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn default_roles_need_every_permission_globally() {
    let s = TestServer::spawn().await;
    let eve = narrow(&s, "eve@example.com", &["role.default.create", "role.default.delete"]).await;
    for event in ["user-create", "team-create"] {
        let (status, text) =
            status_text(eve.post_form("/1.0/role/default", &[(event, "AllowAll")]).await).await;
        if event == "user-create" {
            assert_eq!(status, 403, "{text}");
            assert_eq!(text, format!("{NOT_AUTHORIZED}*(global)\n"));
        } else {
            // AllowAll is global: it does not fit the team event either way.
            assert!(status == 400 || status == 403, "{status} {text}");
        }
    }
    let defaults = status_text(s.admin().get("/1.0/role/default").await).await;
    assert_eq!(defaults, (200, "null\n".into()), "no default role");
    // A role made only of what she holds can be made a default role.
    s.role("newcomer", "global", &["role.default.create"]).await;
    let resp = eve.post_form("/1.0/role/default", &[("user-create", "newcomer")]).await;
    assert_eq!(resp.status(), 200);
    s.admin().post_form("/1.0/role/default", &[("user-create", "AllowAll")]).await;
    let resp =
        eve.request(Method::DELETE, "/1.0/role/default?user-create=AllowAll").send().await.unwrap();
    forbidden(status_text(resp).await);
}

#[tokio::test]
async fn renaming_needs_the_role_s_permissions() {
    let s = TestServer::spawn().await;
    let eve = narrow(&s, "eve@example.com", &["role.update.name"]).await;
    forbidden(
        status_text(
            eve.put_form("/1.4/roles", &[("name", "AllowAll"), ("newName", "old-admin")]).await,
        )
        .await,
    );
    assert_eq!(role_info(&s, "AllowAll").await["name"], "AllowAll");
    // Her own role she may rename (holders keep it).
    let resp = eve.put_form("/1.4/roles", &[("name", "only-eve"), ("newName", "eve-role")]).await;
    assert_eq!(resp.status(), 200);
}
