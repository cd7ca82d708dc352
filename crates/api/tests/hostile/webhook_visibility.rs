//! Item 6: a team's webhook learns only of the events its team may see: those its members
//! see through the team on `GET /1.1/events`, never other teams', users' or global events.
use std::time::Duration;

use serde_json::{json, Value};
use tsuru_testkit::TestServer;

use crate::hook_probe::{create_hook, fast, finished, Probe};

#[tokio::test]
async fn a_hook_gets_only_its_teams_events() {
    let probe = Probe::start(200, None, "").await;
    let s = TestServer::spawn_with(fast).await;
    s.team("alpha").await;
    s.team("beta").await;
    s.role("a-member", "team", &["team", "webhook"]).await;
    let amy = s.user("amy@example.com").await;
    s.assign("a-member", "amy@example.com", "alpha").await;
    let hook = json!({"name": "everything", "team_owner": "alpha", "url": probe.url("/")});
    assert_eq!(create_hook(&s, &hook).await.0, 200);

    // Other teams', users' and global events.
    let admin = s.admin();
    assert_eq!(admin.put_json("/1.6/teams/beta", &json!({"tags": ["x"]})).await.status(), 200);
    let zed = s.user("zed@example.com").await;
    assert_eq!(
        admin
            .post_json("/1.6/tokens", &json!({"team": "beta", "token_id": "beta-bot"}))
            .await
            .status(),
        201
    );
    s.role("spare", "global", &[]).await;
    let change =
        [("old", "user-password"), ("new", "another-password"), ("confirm", "another-password")];
    assert_eq!(zed.put_form("/1.0/users/password", &change).await.status(), 200);
    // And one of team alpha, last.
    assert_eq!(admin.put_json("/1.6/teams/alpha", &json!({"tags": ["y"]})).await.status(), 200);
    let update_of_a = s.events("target.type=team&target.value=alpha&kindname=team.update").await;
    let last_id = update_of_a[0]["UniqueID"].as_str().unwrap().to_string();
    let start = std::time::Instant::now();
    loop {
        let list = s.deliveries("everything").await;
        if list.iter().any(|d| d["event_id"] == last_id.as_str()) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{list:#?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let list = finished(&s, "everything", 1).await;

    let seen: Value = amy.get("/1.1/events?limit=100").await.json().await.unwrap();
    let visible: Vec<&str> =
        seen.as_array().unwrap().iter().map(|e| e["UniqueID"].as_str().unwrap()).collect();
    let kinds: Vec<&str> = list.iter().map(|d| d["event_kind"].as_str().unwrap()).collect();
    for d in &list {
        assert!(
            visible.contains(&d["event_id"].as_str().unwrap()),
            "{} is not visible to team alpha's members; deliveries: {kinds:?}",
            d["event_kind"]
        );
    }
    assert_eq!(kinds, vec!["team.update", "webhook.create"], "newest first");
    assert_eq!(probe.hits().len(), 2);
}
