use serde_json::{json, Value};

use crate::{get_json, status_text, TestServer, ADMIN_EMAIL, FORBIDDEN, UNAUTHORIZED};

const INVALID: &str = "Invalid team name, team names should start with a letter andcontain only lower case letters, numbers, dashes and underscore\n";

#[tokio::test]
async fn creating_teams() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    assert_eq!(
        status_text(
            admin
                .post_json(
                    "/1.0/teams",
                    &json!({"name": "infra", "tags": [" a", "b", "a", ""]})
                )
                .await
        )
        .await,
        (201, String::new())
    );
    assert_eq!(
        status_text(
            admin
                .post_json("/1.0/teams", &json!({"name": "infra"}))
                .await
        )
        .await,
        (409, "team already exists\n".into())
    );
    for bad in ["Infra", "1x", "x", "has space"] {
        assert_eq!(
            status_text(admin.post_json("/1.0/teams", &json!({"name": bad})).await).await,
            (400, INVALID.into()),
            "{bad}"
        );
    }
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.post_json("/1.0/teams", &json!({"name": "bobs"})).await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(
            s.anonymous()
                .post_json("/1.0/teams", &json!({"name": "x1"}))
                .await
        )
        .await,
        (401, UNAUTHORIZED.into())
    );
    let info: Value = get_json(&admin, "/1.4/teams/infra").await;
    assert_eq!(info["tags"], json!(["a", "b"]));
    let events = s.events("target.type=team&target.value=infra").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["Kind"]["Name"], "team.create");
    assert_eq!(events[1]["Error"], "");
    assert_eq!(events[0]["Error"], "team already exists");
    assert_eq!(
        events[0]["Allowed"],
        json!({"Scheme": "team.read.events", "Contexts": [{"CtxType": "team", "Value": "infra"}]})
    );
}

#[tokio::test]
async fn the_team_list_shows_top_permissions_per_team_and_204_when_none() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.team("t2").await;
    let list: Vec<Value> = get_json(&s.admin(), "/1.0/teams").await;
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0],
        json!({"name": "t1", "permissions": ["app", "certissuer", "team", "service", "service-instance", "volume", "webhook", "job"], "tags": []})
    );
    let bob = s.user("bob@example.com").await;
    let resp = bob.get("/1.0/teams").await;
    assert_eq!(status_text(resp).await, (204, String::new()));
    s.role("reader", "team", &["team.read", "app.read"]).await;
    s.assign("reader", "bob@example.com", "t2").await;
    let list: Vec<Value> = get_json(&bob, "/1.0/teams").await;
    assert_eq!(
        list,
        vec![json!({"name": "t2", "permissions": ["app.read", "team.read"], "tags": []})]
    );
}

#[tokio::test]
async fn team_create_default_roles_go_to_the_creator() {
    let s = TestServer::spawn().await;
    s.role("creator", "global", &["team.create"]).await;
    s.role("member", "team", &["team", "app"]).await;
    s.admin()
        .post_form("/1.0/role/default", &[("team-create", "member")])
        .await;
    s.user("bob@example.com").await;
    s.assign("creator", "bob@example.com", "").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(
        bob.post_json("/1.0/teams", &json!({"name": "bobs"}))
            .await
            .status(),
        201
    );
    let list: Vec<Value> = get_json(&bob, "/1.0/teams").await;
    assert_eq!(
        list,
        vec![json!({"name": "bobs", "permissions": ["app", "team"], "tags": []})]
    );
    assert_eq!(bob.delete("/1.0/teams/bobs").await.status(), 200);
}

#[tokio::test]
async fn removing_teams_hides_existence_from_callers_without_permission() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.delete("/1.0/teams/t1").await).await,
        (404, "Team \"t1\" not found.\n".into())
    );
    assert_eq!(
        status_text(s.admin().delete("/1.0/teams/nope").await).await,
        (404, "Team \"nope\" not found.\n".into())
    );
    assert_eq!(
        status_text(s.admin().delete("/1.0/teams/t1").await).await,
        (200, String::new())
    );
    assert_eq!(s.admin().get("/1.4/teams/t1").await.status(), 404);
    assert_eq!(s.events("kindname=team.delete").await.len(), 2);
    assert_eq!(s.anonymous().delete("/1.0/teams/t1").await.status(), 401);
}

#[tokio::test]
async fn team_info_needs_a_global_team_read_and_lists_members() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.role("member", "team", &["app.read"]).await;
    s.user("carol@example.com").await;
    s.assign("member", "carol@example.com", "t1").await;
    let (status, body) = status_text(s.admin().get("/1.4/teams/t1").await).await;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["name"], "t1");
    assert_eq!(info["apps"], json!([]));
    let users = info["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["Email"], "carol@example.com");
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec!["apps", "name", "pools", "tags", "users"],
        "Go map order"
    );
    assert_eq!(
        status_text(s.admin().get("/1.4/teams/nope").await).await,
        (404, "team not found\n".into())
    );
    let carol = s.with_token(&s.login("carol@example.com", "user-password").await);
    assert_eq!(
        status_text(carol.get("/1.4/teams/t1").await).await,
        (403, FORBIDDEN.into())
    );
}

#[tokio::test]
async fn updating_team_tags_and_renaming() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.team("t2").await;
    let admin = s.admin();
    assert_eq!(
        admin
            .put_json("/1.6/teams/t1", &json!({"tags": ["x", "y"]}))
            .await
            .status(),
        200
    );
    let info: Value = get_json(&admin, "/1.4/teams/t1").await;
    assert_eq!(info["tags"], json!(["x", "y"]));
    assert_eq!(
        admin.put_json("/1.6/teams/t1", &json!({})).await.status(),
        200
    );
    let info: Value = get_json(&admin, "/1.4/teams/t1").await;
    assert_eq!(info["tags"], json!([]), "omitting tags clears them");
    assert_eq!(
        status_text(
            admin
                .put_json("/1.6/teams/t1", &json!({"newname": "t2"}))
                .await
        )
        .await,
        (409, "team already exists\n".into())
    );
    assert_eq!(
        status_text(
            admin
                .put_json("/1.6/teams/t1", &json!({"newname": "Bad"}))
                .await
        )
        .await,
        (400, INVALID.into())
    );
    assert_eq!(
        admin
            .post_form("/1.4/teams/t1", &[("newname", "renamed"), ("tags.0", "k")])
            .await
            .status(),
        200
    );
    assert_eq!(admin.get("/1.4/teams/t1").await.status(), 404);
    let info: Value = get_json(&admin, "/1.4/teams/renamed").await;
    assert_eq!(info["tags"], json!(["k"]));
    assert_eq!(
        status_text(admin.put_json("/1.6/teams/nope", &json!({})).await).await,
        (404, "team not found\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.put_json("/1.6/teams/t2", &json!({})).await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(s.events("kindname=team.update").await.len(), 5);
}

#[tokio::test]
async fn team_quota() {
    let s = TestServer::spawn_with(|c| c.quota.apps_per_team = Some(4)).await;
    s.team("t1").await;
    let admin = s.admin();
    let (status, body) = status_text(admin.get("/1.12/teams/t1/quota").await).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "{\"limit\":4,\"inuse\":0}\n")
    );
    assert_eq!(
        admin
            .put_form("/1.12/teams/t1/quota", &[("limit", "10")])
            .await
            .status(),
        200
    );
    let q: Value = get_json(&admin, "/1.12/teams/t1/quota").await;
    assert_eq!(q, json!({"limit": 10, "inuse": 0}));
    assert_eq!(
        status_text(
            admin
                .put_form("/1.12/teams/t1/quota", &[("limit", "")])
                .await
        )
        .await,
        (400, "Invalid limit\n".into())
    );
    assert_eq!(
        status_text(admin.get("/1.12/teams/nope/quota").await).await,
        (404, "team not found\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.get("/1.12/teams/t1/quota").await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(
            bob.put_form("/1.12/teams/t1/quota", &[("limit", "1")])
                .await
        )
        .await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(admin.get("/1.11/teams/t1/quota").await.status(), 404);
    let events = s.events("kindname=team.update.quota").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["Owner"]["Name"], ADMIN_EMAIL);
}
