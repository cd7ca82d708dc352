//! Item 11: password-reset mails are throttled per e-mail (3 an hour by default), counted in
//! storage so that every replica sees the count.
use std::sync::Arc;

use tsuru_adapters::memory::MemoryStore;
use tsuru_testkit::{fresh_database_name, mongo_selected, status_text, TestServer};

/// Two servers on one store, as two replicas on one database.
async fn replicas() -> (TestServer, TestServer) {
    if mongo_selected() {
        let db = fresh_database_name();
        let a = TestServer::spawn_with(|s| s.database.name = db.clone()).await;
        let b = TestServer::spawn_with(|s| s.database.name = db.clone()).await;
        (a, b)
    } else {
        let store = Arc::new(MemoryStore::new());
        let a = TestServer::spawn_on(store.clone(), |_| {}).await;
        let b = TestServer::spawn_on(store, |_| {}).await;
        (a, b)
    }
}

#[tokio::test]
async fn thirty_reset_requests_send_three_mails() {
    let (a, b) = replicas().await;
    a.user("bob@example.com").await;
    let mut sent = 0;
    for i in 0..30 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, text) = status_text(
            server.anonymous().post_form("/1.0/users/bob@example.com/password", &[]).await,
        )
        .await;
        match status {
            200 => sent += 1,
            429 => assert_eq!(
                text,
                "too many password reset requests for bob@example.com; try again in 3600 seconds\n"
            ),
            other => panic!("{other}: {text}"),
        }
    }
    assert_eq!(sent, 3, "mails sent");
    // Another e-mail has a count of its own.
    a.user("carol@example.com").await;
    let resp = b.anonymous().post_form("/1.0/users/carol@example.com/password", &[]).await;
    assert_eq!(resp.status(), 200);
}
