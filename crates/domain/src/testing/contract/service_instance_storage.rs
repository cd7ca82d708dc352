//! Contract of [`ServiceInstanceStorage`].
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    assert_admitted, assert_conflict, assert_not_found, concurrently, listed_names, CONCURRENCY,
};
use crate::service::{
    BrokerBind, BrokerData, ServiceInstance, ServiceInstanceStorage, INSTANCE_ALREADY_EXISTS,
    INSTANCE_NOT_FOUND,
};

fn instance(service: &str, name: &str) -> ServiceInstance {
    ServiceInstance {
        name: name.into(),
        service_name: service.into(),
        plan_name: "small".into(),
        teams: vec!["ops".into()],
        team_owner: "ops".into(),
        ..ServiceInstance::default()
    }
}

/// A stored instance is found by (service, name) with every field intact, broker data and
/// parameters of every JSON type included.
pub async fn insert_then_find_returns_it(storage: &dyn ServiceInstanceStorage) {
    let i = ServiceInstance {
        id: 7,
        apps: vec!["web".into()],
        jobs: vec!["cron".into()],
        teams: vec!["ops".into(), "dev".into()],
        description: "a db".into(),
        tags: vec!["prod".into()],
        // Any JSON value, as tsuru stores them.
        parameters: BTreeMap::from([
            ("size".into(), serde_json::json!(10)),
            ("ha".into(), serde_json::json!(true)),
            ("zones".into(), serde_json::json!(["a", "b"])),
            ("engine".into(), serde_json::json!("8.0")),
        ]),
        pool: "p1".into(),
        broker_data: Some(BrokerData {
            uuid: "u1".into(),
            service_id: "s".into(),
            plan_id: "p".into(),
            org_id: "o".into(),
            space_id: "o".into(),
            last_operation_key: "op".into(),
            binds: BTreeMap::from([(
                "web".into(),
                BrokerBind {
                    uuid: "b1".into(),
                    operation_key: String::new(),
                    parameters: BTreeMap::from([
                        ("k".into(), serde_json::json!("v")),
                        ("n".into(), serde_json::json!(1.5)),
                    ]),
                },
            )]),
        }),
        ..instance("mysql", "db1")
    };
    storage.insert(&i).await.expect("insert");
    assert_eq!(storage.find("mysql", "db1").await.expect("find"), Some(i));
    let plain = instance("mysql", "db2");
    storage.insert(&plain).await.expect("insert");
    assert_eq!(storage.find("mysql", "db2").await.expect("find"), Some(plain));
}

/// Unknown names, and a known name under another service, find nothing.
pub async fn find_unknown_returns_none(storage: &dyn ServiceInstanceStorage) {
    storage.insert(&instance("mysql", "db1")).await.expect("insert");
    assert_eq!(storage.find("mysql", "db2").await.expect("find"), None);
    assert_eq!(storage.find("redis", "db1").await.expect("find"), None);
}

/// A name taken in the service is a conflict; the same name in another service is not.
pub async fn insert_duplicate_returns_conflict(storage: &dyn ServiceInstanceStorage) {
    let first = instance("mysql", "db1");
    storage.insert(&first).await.expect("insert");
    let again = ServiceInstance { plan_name: "large".into(), ..instance("mysql", "db1") };
    assert_conflict(storage.insert(&again).await, INSTANCE_ALREADY_EXISTS);
    assert_eq!(storage.find("mysql", "db1").await.expect("find"), Some(first));
    storage.insert(&instance("redis", "db1")).await.expect("the same name in another service");
}

/// Of concurrent inserts of one (service, name), exactly one succeeds.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(
    storage: Arc<dyn ServiceInstanceStorage>,
) {
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move {
            let mut inst = instance("mysql", "db1");
            inst.description = format!("attempt {i}");
            s.insert(&inst).await
        }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, INSTANCE_ALREADY_EXISTS));
    assert_eq!(storage.list(None).await.expect("list").len(), 1);
}

/// `list(None)` returns every instance in insertion order, `list(Some(s))` those of `s`.
pub async fn list_returns_all_or_those_of_a_service(storage: &dyn ServiceInstanceStorage) {
    for (svc, name) in [("mysql", "c"), ("redis", "a"), ("mysql", "b")] {
        storage.insert(&instance(svc, name)).await.expect("insert");
    }
    let all: Vec<(String, String)> = storage
        .list(None)
        .await
        .expect("list")
        .into_iter()
        .map(|i| (i.service_name, i.name))
        .collect();
    assert_eq!(
        all,
        [
            ("mysql".to_string(), "c".to_string()),
            ("redis".into(), "a".into()),
            ("mysql".into(), "b".into())
        ]
    );
    let mysql = listed_names(storage.list(Some("mysql")).await, |i| i.name);
    assert_eq!(mysql, ["c", "b"]);
    assert!(storage.list(Some("none")).await.expect("list").is_empty());
}

/// Update replaces every field of that instance only.
pub async fn update_replaces_the_instance(storage: &dyn ServiceInstanceStorage) {
    insert_db1_of_mysql_and_redis(storage).await;
    let new = ServiceInstance {
        apps: vec!["web".into()],
        teams: vec!["ops".into(), "dev".into()],
        description: "changed".into(),
        broker_data: Some(BrokerData { uuid: "u".into(), ..BrokerData::default() }),
        ..instance("mysql", "db1")
    };
    storage.update(&new).await.expect("update");
    assert_eq!(storage.find("mysql", "db1").await.expect("find"), Some(new));
    assert_eq!(storage.find("redis", "db1").await.expect("find"), Some(instance("redis", "db1")));
}

/// Updating an unknown instance is `service instance not found`.
pub async fn update_unknown_returns_not_found(storage: &dyn ServiceInstanceStorage) {
    assert_not_found(storage.update(&instance("mysql", "db1")).await, INSTANCE_NOT_FOUND);
}

/// Delete removes only that instance.
pub async fn delete_removes_only_that_instance(storage: &dyn ServiceInstanceStorage) {
    insert_db1_of_mysql_and_redis(storage).await;
    storage.delete("mysql", "db1").await.expect("delete");
    assert_eq!(storage.find("mysql", "db1").await.expect("find"), None);
    assert!(storage.find("redis", "db1").await.expect("find").is_some());
}

/// Deleting an unknown instance is `service instance not found`.
pub async fn delete_unknown_returns_not_found(storage: &dyn ServiceInstanceStorage) {
    assert_not_found(storage.delete("mysql", "db1").await, INSTANCE_NOT_FOUND);
}

/// Stores an instance `db1` of `mysql` and one of `redis`.
async fn insert_db1_of_mysql_and_redis(storage: &dyn ServiceInstanceStorage) {
    for service in ["mysql", "redis"] {
        storage.insert(&instance(service, "db1")).await.expect("insert");
    }
}
