//! Item 12: a removed team takes its role grants and its team tokens with it; a team created
//! later under the same name starts without them.
use serde_json::{json, Value};
use tsuru_testkit::{status_text, TestServer};

async fn roles_of(user: &tsuru_testkit::Caller) -> Vec<(String, String)> {
    let info: Value = user.get("/1.0/users/info").await.json().await.unwrap();
    info["Roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["Name"].as_str().unwrap().to_string(),
                r["ContextValue"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn token_roles(s: &TestServer, id: &str) -> Option<Vec<Value>> {
    let resp = s.admin().get(&format!("/1.7/tokens/{id}")).await;
    match resp.status().as_u16() {
        404 => None,
        200 => {
            let t: Value = resp.json().await.unwrap();
            Some(t["roles"].as_array().cloned().unwrap_or_default())
        }
        other => panic!("token {id}: {other}"),
    }
}

#[tokio::test]
async fn grants_and_tokens_go_with_their_team() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.team("t2").await;
    s.role("member", "team", &["team.read", "app.read"]).await;
    let bob = s.user("bob@example.com").await;
    s.assign("member", "bob@example.com", "t1").await;
    s.assign("member", "bob@example.com", "t2").await;
    for (team, id) in [("t1", "t1-bot"), ("t2", "t2-bot")] {
        let resp = s.admin().post_json("/1.6/tokens", &json!({"team": team, "token_id": id})).await;
        assert_eq!(resp.status(), 201, "token {id}");
    }
    for ctx in ["t1", "t2"] {
        let resp = s
            .admin()
            .post_form("/1.6/roles/member/token", &[("token_id", "t2-bot"), ("context", ctx)])
            .await;
        assert_eq!(resp.status(), 200);
    }

    assert_eq!(status_text(s.admin().delete("/1.0/teams/t1").await).await.0, 200);
    assert_eq!(roles_of(&bob).await, vec![("member".to_string(), "t2".to_string())]);
    assert_eq!(token_roles(&s, "t1-bot").await, None, "the team's token is gone");
    assert_eq!(
        token_roles(&s, "t2-bot").await.unwrap(),
        vec![json!({"Name": "member", "ContextValue": "t2"})],
        "other tokens lose their grants on the team"
    );

    s.team("t1").await;
    assert_eq!(roles_of(&bob).await, vec![("member".to_string(), "t2".to_string())]);
    assert_eq!(token_roles(&s, "t1-bot").await, None);
    assert_eq!(bob.get("/1.4/teams/t1").await.status(), 403, "no grant on the new t1");
}
