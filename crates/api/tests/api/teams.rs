use serde_json::{json, Value};

use crate::{
    expect, get_json, status_text, with_teams, Caller, TestServer, ADMIN_EMAIL, FORBIDDEN,
    UNAUTHORIZED,
};

const INVALID: &str = "Invalid team name, team names should start with a letter andcontain only lower case letters, numbers, dashes and underscore\n";

#[tokio::test]
async fn creating_teams() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let post =
        |caller: Caller, body: Value| async move { caller.post_json("/1.0/teams", &body).await };
    let infra = json!({"name": "infra", "tags": [" a", "b", "a", ""]});
    expect(post(admin.clone(), infra).await, 201, "", "infra").await;
    let again = post(admin.clone(), json!({"name": "infra"})).await;
    expect(again, 409, "team already exists\n", "created twice").await;
    for bad in ["Infra", "1x", "x", "has space"] {
        let resp = post(admin.clone(), json!({"name": bad})).await;
        expect(resp, 400, INVALID, bad).await;
    }
    let bob = s.user("bob@example.com").await;
    let by_bob = post(bob, json!({"name": "bobs"})).await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    let by_anonymous = post(s.anonymous(), json!({"name": "x1"})).await;
    expect(by_anonymous, 401, UNAUTHORIZED, "anonymous").await;
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
    let s = with_teams(&["t1", "t2"]).await;
    let list: Vec<Value> = get_json(&s.admin(), "/1.0/teams").await;
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0],
        json!({"name": "t1", "permissions": ["app", "certissuer", "team", "service", "service-instance", "volume", "webhook", "job"], "tags": []})
    );
    let bob = s.user("bob@example.com").await;
    expect(bob.get("/1.0/teams").await, 204, "", "bob without roles").await;
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
    s.admin().post_form("/1.0/role/default", &[("team-create", "member")]).await;
    s.user("bob@example.com").await;
    s.assign("creator", "bob@example.com", "").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    let created = bob.post_json("/1.0/teams", &json!({"name": "bobs"})).await;
    assert_eq!(created.status(), 201);
    let list: Vec<Value> = get_json(&bob, "/1.0/teams").await;
    assert_eq!(list, vec![json!({"name": "bobs", "permissions": ["app", "team"], "tags": []})]);
    assert_eq!(bob.delete("/1.0/teams/bobs").await.status(), 200);
}

#[tokio::test]
async fn removing_teams_hides_existence_from_callers_without_permission() {
    let s = with_teams(&["t1"]).await;
    let bob = s.user("bob@example.com").await;
    let admin = s.admin();
    #[rustfmt::skip]
    let cases = [
        ("bob", &bob, "t1", 404, "Team \"t1\" not found.\n"),
        ("admin", &admin, "nope", 404, "Team \"nope\" not found.\n"),
        ("admin", &admin, "t1", 200, ""),
    ];
    for (who, caller, team, status, text) in cases {
        let resp = caller.delete(&format!("/1.0/teams/{team}")).await;
        expect(resp, status, text, (who, team)).await;
    }
    assert_eq!(s.admin().get("/1.4/teams/t1").await.status(), 404);
    assert_eq!(s.events("kindname=team.delete").await.len(), 2);
    assert_eq!(s.anonymous().delete("/1.0/teams/t1").await.status(), 401);
}

#[tokio::test]
async fn team_info_needs_a_global_team_read_and_lists_members() {
    let s = with_teams(&["t1"]).await;
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
    assert_eq!(keys, vec!["apps", "name", "pools", "tags", "users"], "Go map order");
    let missing = s.admin().get("/1.4/teams/nope").await;
    expect(missing, 404, "team not found\n", "missing").await;
    let carol = s.with_token(&s.login("carol@example.com", "user-password").await);
    expect(carol.get("/1.4/teams/t1").await, 403, FORBIDDEN, "carol").await;
}

#[tokio::test]
async fn updating_team_tags_and_renaming() {
    let s = with_teams(&["t1", "t2"]).await;
    let admin = s.admin();
    let put = |caller: Caller, team: &'static str, body: Value| async move {
        caller.put_json(&format!("/1.6/teams/{team}"), &body).await
    };
    let tagged = put(admin.clone(), "t1", json!({"tags": ["x", "y"]})).await;
    assert_eq!(tagged.status(), 200);
    let info: Value = get_json(&admin, "/1.4/teams/t1").await;
    assert_eq!(info["tags"], json!(["x", "y"]));
    assert_eq!(put(admin.clone(), "t1", json!({})).await.status(), 200);
    let info: Value = get_json(&admin, "/1.4/teams/t1").await;
    assert_eq!(info["tags"], json!([]), "omitting tags clears them");
    let taken = put(admin.clone(), "t1", json!({"newname": "t2"})).await;
    expect(taken, 409, "team already exists\n", "taken name").await;
    let bad = put(admin.clone(), "t1", json!({"newname": "Bad"})).await;
    expect(bad, 400, INVALID, "bad name").await;
    let renamed =
        admin.post_form("/1.4/teams/t1", &[("newname", "renamed"), ("tags.0", "k")]).await;
    assert_eq!(renamed.status(), 200);
    assert_eq!(admin.get("/1.4/teams/t1").await.status(), 404);
    let info: Value = get_json(&admin, "/1.4/teams/renamed").await;
    assert_eq!(info["tags"], json!(["k"]));
    let missing = put(admin.clone(), "nope", json!({})).await;
    expect(missing, 404, "team not found\n", "missing").await;
    let bob = s.user("bob@example.com").await;
    expect(put(bob, "t2", json!({})).await, 403, FORBIDDEN, "bob").await;
    assert_eq!(s.events("kindname=team.update").await.len(), 5);
}

#[tokio::test]
async fn team_quota() {
    let s = TestServer::spawn_with(|c| c.quota.apps_per_team = Some(4)).await;
    s.team("t1").await;
    let admin = s.admin();
    let quota = admin.get("/1.12/teams/t1/quota").await;
    expect(quota, 200, "{\"limit\":4,\"inuse\":0}\n", "initial").await;
    let set = |caller: Caller, limit: &'static str| async move {
        caller.put_form("/1.12/teams/t1/quota", &[("limit", limit)]).await
    };
    assert_eq!(set(admin.clone(), "10").await.status(), 200);
    let q: Value = get_json(&admin, "/1.12/teams/t1/quota").await;
    assert_eq!(q, json!({"limit": 10, "inuse": 0}));
    let empty = set(admin.clone(), "").await;
    expect(empty, 400, "Invalid limit\n", "empty limit").await;
    let missing = admin.get("/1.12/teams/nope/quota").await;
    expect(missing, 404, "team not found\n", "missing").await;
    let bob = s.user("bob@example.com").await;
    let read = bob.get("/1.12/teams/t1/quota").await;
    expect(read, 403, FORBIDDEN, "bob reads").await;
    expect(set(bob, "1").await, 403, FORBIDDEN, "bob sets").await;
    assert_eq!(admin.get("/1.11/teams/t1/quota").await.status(), 404);
    let events = s.events("kindname=team.update.quota").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["Owner"]["Name"], ADMIN_EMAIL);
}
