//! Contract of [`ServiceStorage`].
use std::collections::BTreeMap;

use super::{assert_conflict, assert_not_found};
use crate::service::{Service, ServiceStorage, SERVICE_ALREADY_EXISTS, SERVICE_NOT_FOUND};

fn service(name: &str) -> Service {
    Service {
        name: name.into(),
        username: format!("{name}-user"),
        password: "secret".into(),
        endpoints: BTreeMap::from([("production".into(), format!("http://{name}.example"))]),
        owner_teams: vec!["ops".into()],
        ..Service::default()
    }
}

/// A stored service is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn ServiceStorage) {
    let s = Service {
        teams: vec!["a".into(), "b".into()],
        doc: "docs".into(),
        is_restricted: true,
        is_multi_cluster: true,
        endpoints: BTreeMap::from([
            ("production".into(), "http://p".into()),
            ("c1".into(), "http://c1".into()),
        ]),
        ..service("mysql")
    };
    storage.insert(&s).await.expect("insert");
    assert_eq!(storage.find("mysql").await.expect("find"), Some(s));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn ServiceStorage) {
    storage.insert(&service("mysql")).await.expect("insert");
    assert_eq!(storage.find("redis").await.expect("find"), None);
}

/// Inserting a taken name is a conflict `Service already exists.` and keeps the first one.
pub async fn insert_duplicate_returns_conflict(storage: &dyn ServiceStorage) {
    let first = service("mysql");
    storage.insert(&first).await.expect("insert");
    let second = Service {
        password: "other".into(),
        ..service("mysql")
    };
    assert_conflict(storage.insert(&second).await, SERVICE_ALREADY_EXISTS);
    assert_eq!(storage.find("mysql").await.expect("find"), Some(first));
}

/// Services are listed in insertion order.
pub async fn list_returns_services_in_insertion_order(storage: &dyn ServiceStorage) {
    for n in ["c", "a", "b"] {
        storage.insert(&service(n)).await.expect("insert");
    }
    let names: Vec<String> = storage
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["c", "a", "b"]);
}

/// Update replaces every field and keeps the list order.
pub async fn update_replaces_the_service(storage: &dyn ServiceStorage) {
    storage.insert(&service("a")).await.expect("insert");
    storage.insert(&service("b")).await.expect("insert");
    let new = Service {
        password: "rotated".into(),
        doc: "new doc".into(),
        teams: vec!["web".into()],
        is_restricted: true,
        ..service("a")
    };
    storage.update(&new).await.expect("update");
    assert_eq!(storage.find("a").await.expect("find"), Some(new));
    let names: Vec<String> = storage
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
}

/// Updating an unknown service is `Service not found`.
pub async fn update_unknown_returns_not_found(storage: &dyn ServiceStorage) {
    assert_not_found(storage.update(&service("x")).await, SERVICE_NOT_FOUND);
    assert_eq!(storage.find("x").await.expect("find"), None);
}

/// Delete removes only that service.
pub async fn delete_removes_the_service(storage: &dyn ServiceStorage) {
    storage.insert(&service("a")).await.expect("insert");
    storage.insert(&service("b")).await.expect("insert");
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// Deleting an unknown service is `Service not found`.
pub async fn delete_unknown_returns_not_found(storage: &dyn ServiceStorage) {
    assert_not_found(storage.delete("x").await, SERVICE_NOT_FOUND);
}
