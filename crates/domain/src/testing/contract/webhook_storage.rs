//! Contract of [`WebhookStorage`].
use super::named::named_suite;
use crate::testing::webhook;
use crate::webhook::{Webhook, WebhookFilter, WebhookStorage};

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
    h.headers.insert("X-Token".into(), vec!["a".into(), "b".into()]);
    h.method = "PUT".into();
    h.body = "{{.Kind.Name}}".into();
    h.insecure = true;
    h.secret = "s3cret".into();
    h
}

/// A webhook of team `infra`.
fn plain(name: &str) -> Webhook {
    webhook(name, "infra")
}

named_suite!(Webhook, WebhookStorage { update }, plain, full;
    [standard, concurrent, update_unknown] update_replaces_the_webhook = update_replaces_it,
    delete_removes_the_webhook = delete_removes_it);

/// `list` returns every webhook in insertion order; `owned_by(teams)` those teams.
pub async fn list_returns_all_or_the_webhooks_of_the_teams_given(storage: &dyn WebhookStorage) {
    for (name, team) in [("c", "ops"), ("a", "infra"), ("b", "web")] {
        storage.insert(&webhook(name, team)).await.expect("insert");
    }
    assert_eq!(names(&storage.list().await.expect("all")), ["c", "a", "b"]);
    let teams = ["web".to_string(), "ops".to_string()];
    assert_eq!(names(&storage.owned_by(&teams).await.expect("some")), ["c", "b"]);
    assert!(storage.owned_by(&[]).await.expect("none").is_empty());
}
