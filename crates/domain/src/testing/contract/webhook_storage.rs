//! Contract of [`WebhookStorage`].
use std::sync::Arc;

use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::testing::webhook;
use crate::webhook::{Webhook, WebhookFilter, WebhookStorage};

const NOT_FOUND: &str = crate::webhook::WEBHOOK_NOT_FOUND;
const EXISTS: &str = crate::webhook::WEBHOOK_ALREADY_EXISTS;

fn names(hooks: &[Webhook]) -> Vec<&str> {
    hooks.iter().map(|h| h.name.as_str()).collect()
}

fn full(name: &str) -> Webhook {
    let mut h = webhook(name, "infra");
    h.description = "all deploys".into();
    h.filter = WebhookFilter {
        target_types: vec!["app".into()],
        target_values: vec!["a1".into(), "a2".into()],
        kind_types: vec!["permission".into()],
        kind_names: vec!["app.deploy".into()],
        error_only: true,
        success_only: false,
    };
    h.proxy_url = "http://proxy:3128".into();
    h.headers
        .insert("X-Token".into(), vec!["a".into(), "b".into()]);
    h.method = "PUT".into();
    h.body = "{{.Kind.Name}}".into();
    h.insecure = true;
    h.secret = "s3cret".into();
    h
}

/// A stored webhook is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn WebhookStorage) {
    let h = full("deploys");
    storage.insert(&h).await.expect("insert");
    assert_eq!(storage.find("deploys").await.expect("find"), Some(h));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn WebhookStorage) {
    storage
        .insert(&webhook("a", "infra"))
        .await
        .expect("insert");
    assert_eq!(storage.find("b").await.expect("find"), None);
}

/// A taken name is a conflict and keeps the first webhook.
pub async fn insert_duplicate_returns_conflict(storage: &dyn WebhookStorage) {
    let first = webhook("a", "infra");
    storage.insert(&first).await.expect("insert");
    assert_conflict(storage.insert(&webhook("a", "web")).await, EXISTS);
    assert_eq!(storage.find("a").await.expect("find"), Some(first));
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(storage: Arc<dyn WebhookStorage>) {
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move { s.insert(&webhook("a", &format!("team{i}"))).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, EXISTS));
    assert_eq!(storage.list(None).await.expect("list").len(), 1);
}

/// `list(None)` returns every webhook in insertion order; `list(Some(teams))` those teams'.
pub async fn list_returns_all_or_the_webhooks_of_the_teams_given(storage: &dyn WebhookStorage) {
    for (name, team) in [("c", "ops"), ("a", "infra"), ("b", "web")] {
        storage.insert(&webhook(name, team)).await.expect("insert");
    }
    assert_eq!(
        names(&storage.list(None).await.expect("all")),
        ["c", "a", "b"]
    );
    let teams = ["web".to_string(), "ops".to_string()];
    assert_eq!(
        names(&storage.list(Some(&teams)).await.expect("some")),
        ["c", "b"]
    );
    assert!(storage.list(Some(&[])).await.expect("none").is_empty());
}

/// `update` replaces every field of the webhook of the same name.
pub async fn update_replaces_the_webhook(storage: &dyn WebhookStorage) {
    storage.insert(&full("a")).await.expect("insert");
    storage
        .insert(&webhook("b", "infra"))
        .await
        .expect("insert b");
    let replaced = webhook("a", "web");
    storage.update(&replaced).await.expect("update");
    assert_eq!(storage.find("a").await.expect("find"), Some(replaced));
    assert_eq!(
        storage.find("b").await.expect("find b"),
        Some(webhook("b", "infra"))
    );
}

/// Updating an unknown webhook is not found and stores nothing.
pub async fn update_unknown_returns_not_found(storage: &dyn WebhookStorage) {
    assert_not_found(storage.update(&webhook("a", "infra")).await, NOT_FOUND);
    assert_eq!(storage.find("a").await.expect("find"), None);
}

/// `delete` removes only that webhook.
pub async fn delete_removes_the_webhook(storage: &dyn WebhookStorage) {
    storage
        .insert(&webhook("a", "infra"))
        .await
        .expect("insert");
    storage
        .insert(&webhook("b", "infra"))
        .await
        .expect("insert b");
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert_eq!(names(&storage.list(None).await.expect("list")), ["b"]);
}

/// Deleting an unknown webhook is not found.
pub async fn delete_unknown_returns_not_found(storage: &dyn WebhookStorage) {
    assert_not_found(storage.delete("a").await, NOT_FOUND);
}
