//! Contract of [`AppVersionStorage`].
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::app::{version_exists, version_not_found, AppVersion, AppVersionStorage};
use crate::testing::app_version;

fn numbers(versions: &[AppVersion]) -> Vec<i64> {
    versions.iter().map(|v| v.version).collect()
}

fn conflict_text(app: &str, n: i64) -> String {
    version_exists(app, n).to_string()
}

/// Stored versions are listed oldest first with every field intact.
pub async fn insert_then_list_returns_them_oldest_first(storage: &dyn AppVersionStorage) {
    let mut second = app_version("web", 2);
    second.processes = BTreeMap::from([
        ("web".to_string(), vec!["./serve --port 8888".to_string()]),
        ("worker".to_string(), vec!["./work".to_string()]),
    ]);
    second.past_units = BTreeMap::from([("web".to_string(), 3)]);
    second.deploy_successful = true;
    storage.insert(&second).await.expect("insert");
    storage.insert(&app_version("web", 1)).await.expect("insert");
    assert_eq!(storage.list("web").await.expect("list"), [app_version("web", 1), second]);
}

/// An app without versions lists none (not an error).
pub async fn list_of_an_app_without_versions_is_empty(storage: &dyn AppVersionStorage) {
    storage.insert(&app_version("web", 1)).await.expect("insert");
    assert!(storage.list("other").await.expect("list").is_empty());
}

/// Inserting a version number the app has is a conflict and keeps the first.
pub async fn insert_duplicate_returns_conflict(storage: &dyn AppVersionStorage) {
    let first = app_version("web", 1);
    storage.insert(&first).await.expect("insert");
    let mut again = app_version("web", 1);
    again.image = "other:v9".into();
    assert_conflict(storage.insert(&again).await, &conflict_text("web", 1));
    assert_eq!(storage.list("web").await.expect("list"), [first]);
    storage.insert(&app_version("api", 1)).await.expect("the same number for another app");
}

/// Concurrent inserts of one version number store exactly one.
pub async fn concurrent_inserts_of_one_version_admit_exactly_one(
    storage: Arc<dyn AppVersionStorage>,
) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&app_version("web", 1)).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, &conflict_text("web", 1)));
    assert_eq!(numbers(&storage.list("web").await.expect("list")), [1]);
}

/// Concurrent inserts of distinct version numbers of one app are all kept.
pub async fn concurrent_inserts_of_distinct_versions_keep_them_all(
    storage: Arc<dyn AppVersionStorage>,
) {
    let n = 10;
    let results = concurrently(n, |i| {
        let s = Arc::clone(&storage);
        async move { s.insert(&app_version("web", i as i64 + 1)).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        numbers(&storage.list("web").await.expect("list")),
        (1..=n as i64).collect::<Vec<_>>()
    );
}

/// `update` replaces the stored version.
pub async fn update_replaces_the_version(storage: &dyn AppVersionStorage) {
    storage.insert(&app_version("web", 1)).await.expect("insert");
    storage.insert(&app_version("web", 2)).await.expect("insert");
    let mut done = app_version("web", 1);
    done.deploy_failed = true;
    done.past_units = BTreeMap::from([("web".to_string(), 2)]);
    storage.update(&done).await.expect("update");
    assert_eq!(storage.list("web").await.expect("list"), [done, app_version("web", 2)]);
}

/// Updating a version that is not stored is a not-found and stores nothing.
pub async fn update_unknown_returns_not_found(storage: &dyn AppVersionStorage) {
    assert_not_found(
        storage.update(&app_version("web", 1)).await,
        &version_not_found("web", 1).to_string(),
    );
    storage.insert(&app_version("web", 1)).await.expect("insert");
    assert_not_found(
        storage.update(&app_version("web", 2)).await,
        &version_not_found("web", 2).to_string(),
    );
    assert_eq!(numbers(&storage.list("web").await.expect("list")), [1]);
}

/// `delete_all` removes every version of that app only; an app without versions is fine.
pub async fn delete_all_removes_only_that_apps_versions(storage: &dyn AppVersionStorage) {
    for (app, n) in [("web", 1), ("web", 2), ("api", 1)] {
        storage.insert(&app_version(app, n)).await.expect("insert");
    }
    storage.delete_all("web").await.expect("delete");
    storage.delete_all("ghost").await.expect("delete nothing");
    assert!(storage.list("web").await.expect("list").is_empty());
    assert_eq!(numbers(&storage.list("api").await.expect("list")), [1]);
    storage.insert(&app_version("web", 1)).await.expect("numbers are free again");
}
