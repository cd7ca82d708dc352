//! Contract of [`PlatformStorage`]: platforms and their image history.
use std::sync::Arc;

use super::named::named_suite;
use super::{concurrently, sorted, CONCURRENCY};
use crate::platform::{Platform, PlatformStorage, PlatformVersion};
use crate::testing::{platform, platform_version};

async fn versions(storage: &dyn PlatformStorage, name: &str) -> Vec<PlatformVersion> {
    storage.versions(name).await.expect("versions")
}

fn disabled(name: &str) -> Platform {
    Platform { disabled: true, ..platform(name) }
}

named_suite!(Platform, PlatformStorage { update }, platform, disabled;
    [standard, concurrent, update_unknown] update_replaces_the_platform = update_replaces_it,
    delete_removes_the_platform = delete_removes_it);

/// `list` returns every platform, enabled or not.
pub async fn list_returns_every_platform(storage: &dyn PlatformStorage) {
    assert!(storage.list().await.expect("list").is_empty());
    for p in [platform("python"), disabled("go"), platform("ruby")] {
        storage.insert(&p).await.expect("insert");
    }
    let all = storage.list().await.expect("list");
    assert_eq!(sorted(&all, |p| p.name.clone()), ["go", "python", "ruby"]);
    assert!(all.contains(&disabled("go")), "{all:?}");
    storage.delete("python").await.expect("delete");
    assert_eq!(sorted(&storage.list().await.expect("list"), |p| p.name.clone()), ["go", "ruby"]);
}

/// A platform never built has no versions.
pub async fn versions_of_a_platform_without_history_are_empty(storage: &dyn PlatformStorage) {
    storage.insert(&platform("python")).await.expect("insert");
    assert!(versions(storage, "python").await.is_empty());
}

/// `add_version` appends to the platform's history, which `versions` returns oldest first,
/// every image intact; each platform has its own history.
pub async fn add_version_appends_to_the_history_oldest_first(storage: &dyn PlatformStorage) {
    for n in ["python", "go"] {
        storage.insert(&platform(n)).await.expect("insert");
    }
    let v1 = platform_version("python", 1);
    let v2 = PlatformVersion {
        version: 2,
        images: vec!["registry.example.com/tsuru/python:v2".into(), "tsuru/python:v2".into()],
    };
    let v3 = platform_version("python", 3);
    for v in [&v1, &v2, &v3] {
        storage.add_version("python", v).await.expect("add_version");
    }
    let go1 = platform_version("go", 1);
    storage.add_version("go", &go1).await.expect("add_version");
    assert_eq!(versions(storage, "python").await, [v1, v2, v3]);
    assert_eq!(versions(storage, "go").await, [go1]);
}

/// Concurrent `add_version` calls on one platform are all kept.
pub async fn concurrent_add_versions_are_all_kept(storage: Arc<dyn PlatformStorage>) {
    storage.insert(&platform("python")).await.expect("insert");
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move { s.add_version("python", &platform_version("python", i as i64 + 1)).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let mut got = versions(&*storage, "python").await;
    got.sort_by_key(|v| v.version);
    let want: Vec<PlatformVersion> =
        (1..=CONCURRENCY as i64).map(|v| platform_version("python", v)).collect();
    assert_eq!(got, want);
}

/// Deleting a platform deletes its history: a platform later inserted under the name starts
/// with none. Other platforms keep theirs.
pub async fn delete_removes_the_image_history(storage: &dyn PlatformStorage) {
    for n in ["python", "go"] {
        storage.insert(&platform(n)).await.expect("insert");
    }
    for v in 1..=2 {
        storage.add_version("python", &platform_version("python", v)).await.expect("add_version");
    }
    storage.add_version("go", &platform_version("go", 1)).await.expect("add_version");
    storage.delete("python").await.expect("delete");
    storage.insert(&platform("python")).await.expect("insert again");
    assert!(versions(storage, "python").await.is_empty());
    assert_eq!(versions(storage, "go").await, [platform_version("go", 1)]);
}
