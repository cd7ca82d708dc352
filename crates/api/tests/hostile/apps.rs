use futures::future::join_all;
use serde_json::{json, Value};
use tsuru_testkit::stream_error;

use crate::{status_text, TestServer, FORBIDDEN};

const WRITERS: usize = 50;

/// A server with teams `t1` and `t2`, a public default pool `p1` and app `app1` of `t1`. It
/// runs four workers, as a production server on a multi-core machine does, so that requests
/// really run in parallel. An operation waits up to two minutes for the app's lock (tsuru:
/// 10 s), so that 50 serialized writers on a slow store are all served rather than refused.
async fn with_app() -> TestServer {
    let s = TestServer::spawn_with(|s| {
        s.server.workers = 4;
        s.event.app_lock_wait = 120;
    })
    .await;
    s.team("t1").await;
    s.team("t2").await;
    s.default_pool("p1").await;
    s.app("app1", "t1").await;
    s
}

/// Names of the variables `app1` stores, without tsuru's own.
async fn user_envs(s: &TestServer) -> Vec<String> {
    let envs: Vec<Value> =
        s.admin().get("/1.0/apps/app1/env").await.json().await.expect("env JSON");
    envs.iter()
        .filter_map(|e| e["name"].as_str())
        .filter(|n| n.starts_with("V_"))
        .map(str::to_string)
        .collect()
}

/// Sends `WRITERS` requests at once; each must be acknowledged without a stream error.
async fn all_acknowledged(responses: Vec<reqwest::Response>) {
    for (i, resp) in responses.into_iter().enumerate() {
        assert_eq!(outcome(resp).await, Ok(()), "writer {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_env_sets_each_store_their_variable() {
    let s = with_app().await;
    let admin = s.admin();
    let sets = (0..WRITERS).map(|i| {
        // With the restart, as `tsuru env-set` does by default: each writer holds the app's
        // lock a while, so the others read the app, then wait for the lock.
        let body = json!({"envs": [{"name": format!("V_{i}"), "value": i.to_string()}]});
        let admin = admin.clone();
        async move { admin.post_json("/1.0/apps/app1/env", &body).await }
    });
    all_acknowledged(join_all(sets).await).await;
    let stored = user_envs(&s).await;
    eprintln!("parallel env-set: {} of {WRITERS} stored", stored.len());
    assert_eq!(stored.len(), WRITERS, "every acknowledged set is stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_env_unsets_each_remove_their_variable() {
    let s = with_app().await;
    let admin = s.admin();
    let envs: Vec<Value> =
        (0..WRITERS).map(|i| json!({"name": format!("V_{i}"), "value": "x"})).collect();
    let (status, _) = status_text(
        admin.post_json("/1.0/apps/app1/env", &json!({"envs": envs, "noRestart": true})).await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(user_envs(&s).await.len(), WRITERS);
    let unsets = (0..WRITERS).map(|i| {
        let admin = admin.clone();
        async move { admin.delete(&format!("/1.0/apps/app1/env?env=V_{i}")).await }
    });
    all_acknowledged(join_all(unsets).await).await;
    let left = user_envs(&s).await;
    eprintln!("parallel env-unset: {} of {WRITERS} left", left.len());
    assert_eq!(left, Vec::<String>::new(), "every acknowledged unset is applied");
}

#[tokio::test]
async fn a_public_alias_of_a_private_variable_reads_back_masked() {
    let s = with_app().await;
    let admin = s.admin();
    let body = json!({"envs": [
        {"name": "SECRET", "value": "s3cr3t", "private": true},
        {"name": "LEAK", "value": "", "alias": "SECRET"},
        {"name": "LEAK2", "value": "", "alias": "LEAK"},
    ], "noRestart": true});
    assert_eq!(status_text(admin.post_json("/1.0/apps/app1/env", &body).await).await.0, 200);
    let all = admin.get("/1.0/apps/app1/env").await.text().await.unwrap();
    assert!(!all.contains("s3cr3t"), "env get reveals it: {all}");
    let named = admin.get("/1.0/apps/app1/env?env=LEAK&env=LEAK2").await.text().await.unwrap();
    assert!(!named.contains("s3cr3t"), "named env get reveals it: {named}");
}

/// `Ok` for a 200 stream without an error line, else the status and the error text.
async fn outcome(resp: reqwest::Response) -> Result<(), String> {
    let (status, body) = status_text(resp).await;
    if status != 200 {
        return Err(format!("{status} {body}"));
    }
    let lines: Vec<Value> = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    stream_error(&lines).map_or(Ok(()), Err)
}

/// The team's app quota as `(limit, inuse)`.
async fn team_quota(s: &TestServer, team: &str) -> (i64, i64) {
    let q: Value =
        s.admin().get(&format!("/1.12/teams/{team}/quota")).await.json().await.expect("quota JSON");
    (q["limit"].as_i64().unwrap(), q["inuse"].as_i64().unwrap())
}

async fn owner_of(s: &TestServer, app: &str) -> Value {
    let info: Value =
        s.admin().get(&format!("/1.0/apps/{app}")).await.json().await.expect("app JSON");
    info["teamowner"].clone()
}

#[tokio::test]
async fn moving_an_app_needs_rights_on_the_new_team() {
    let s = with_app().await;
    s.team("t3").await;
    // Bob may do anything to t1's apps, nothing on t3.
    let bob = s.member("bob@example.com", "t1", &["app"]).await;
    let (status, body) =
        status_text(bob.put_json("/1.0/apps/app1", &json!({"teamOwner": "t3"})).await).await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));
    assert_eq!(owner_of(&s, "app1").await, json!("t1"));
    assert_eq!(team_quota(&s, "t1").await.1, 1);
    assert_eq!(team_quota(&s, "t3").await.1, 0);
}

#[tokio::test]
async fn moving_an_app_respects_the_new_team_quota_and_moves_the_counters() {
    let s = with_app().await;
    let admin = s.admin();
    s.app("app2", "t2").await;
    assert_eq!(admin.put_form("/1.12/teams/t2/quota", &[("limit", "1")]).await.status(), 200);
    let refused =
        outcome(admin.put_json("/1.0/apps/app1", &json!({"teamOwner": "t2"})).await).await;
    assert!(refused.is_err(), "a move past the quota is refused");
    assert_eq!(owner_of(&s, "app1").await, json!("t1"));
    assert_eq!(team_quota(&s, "t1").await, (-1, 1));
    assert_eq!(team_quota(&s, "t2").await, (1, 1));

    assert_eq!(admin.put_form("/1.12/teams/t2/quota", &[("limit", "2")]).await.status(), 200);
    let moved = outcome(admin.put_json("/1.0/apps/app1", &json!({"teamOwner": "t2"})).await).await;
    assert_eq!(moved, Ok(()));
    assert_eq!(owner_of(&s, "app1").await, json!("t2"));
    assert_eq!(team_quota(&s, "t1").await, (-1, 0), "the old team is released");
    assert_eq!(team_quota(&s, "t2").await, (2, 2), "the new team is charged");
}

#[tokio::test]
async fn a_negative_plan_override_is_refused() {
    let s = with_app().await;
    let admin = s.admin();
    for field in ["memory", "cpumilli"] {
        let (status, body) = status_text(
            admin.put_json("/1.0/apps/app1", &json!({"planoverride": {field: -1}})).await,
        )
        .await;
        assert_eq!(status, 400, "{field}: {body}");
    }
    let info: Value = admin.get("/1.0/apps/app1").await.json().await.unwrap();
    assert_eq!(info["plan"]["override"], json!({"cpumilli": null, "memory": null}));
}
