//! Item 12: webhook header values (often credentials) are masked like the secret for callers
//! who may read a hook but not update it.
use serde_json::{json, Value};
use tsuru_testkit::{Caller, TestServer};

use crate::hook_probe::create_hook;

async fn headers_seen(caller: &Caller) -> (Value, Value) {
    let one: Value = caller.get("/1.6/events/webhooks/h").await.json().await.unwrap();
    let all: Value = caller.get("/1.6/events/webhooks").await.json().await.unwrap();
    (one["headers"].clone(), all[0]["headers"].clone())
}

#[tokio::test]
async fn header_values_are_shown_only_to_who_may_update_the_hook() {
    let s = TestServer::spawn().await;
    s.team("infra").await;
    let hook = json!({"name": "h", "team_owner": "infra", "url": "https://hooks.example.com/",
                      "headers": {"Authorization": ["Bearer s3cret"], "X-Env": ["prod", "eu"]}});
    assert_eq!(create_hook(&s, &hook).await.0, 200);
    let clear = json!({"Authorization": ["Bearer s3cret"], "X-Env": ["prod", "eu"]});
    let masked = json!({"Authorization": ["*****"], "X-Env": ["*****", "*****"]});

    let reader = s.member("reader@example.com", "infra", &["webhook.read"]).await;
    assert_eq!(headers_seen(&reader).await, (masked.clone(), masked));
    let editor = s.member("editor@example.com", "infra", &["webhook.read", "webhook.update"]).await;
    assert_eq!(headers_seen(&editor).await, (clear.clone(), clear.clone()));
    assert_eq!(headers_seen(&s.admin()).await, (clear.clone(), clear));
}
