//! Contract of [`BrokerStorage`].
use std::collections::BTreeMap;

use super::{assert_conflict, assert_not_found};
use crate::service::{Broker, BrokerAuth, BrokerStorage, BROKER_ALREADY_EXISTS, BROKER_NOT_FOUND};

fn broker(name: &str) -> Broker {
    Broker { name: name.into(), url: format!("http://{name}.example"), ..Broker::default() }
}

fn names(list: Vec<Broker>) -> Vec<String> {
    list.into_iter().map(|b| b.name).collect()
}

/// A stored broker is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn BrokerStorage) {
    let basic = Broker {
        auth: BrokerAuth { basic: Some(("u".into(), "p".into())), bearer: None },
        insecure: true,
        context: BTreeMap::from([("k".into(), "v".into())]),
        cache_expiration_seconds: 60,
        ..broker("a")
    };
    let bearer =
        Broker { auth: BrokerAuth { basic: None, bearer: Some("t".into()) }, ..broker("b") };
    for b in [&basic, &bearer, &broker("c")] {
        storage.insert(b).await.expect("insert");
    }
    assert_eq!(storage.find("a").await.expect("find"), Some(basic));
    assert_eq!(storage.find("b").await.expect("find"), Some(bearer));
    assert_eq!(storage.find("c").await.expect("find"), Some(broker("c")));
    assert_eq!(storage.find("d").await.expect("find"), None);
}

/// Inserting a taken name is `Broker already exists.` and keeps the first.
pub async fn insert_duplicate_returns_conflict(storage: &dyn BrokerStorage) {
    storage.insert(&broker("a")).await.expect("insert");
    let other = Broker { url: "http://other".into(), ..broker("a") };
    assert_conflict(storage.insert(&other).await, BROKER_ALREADY_EXISTS);
    assert_eq!(storage.find("a").await.expect("find"), Some(broker("a")));
}

/// Brokers are listed in insertion order.
pub async fn list_returns_brokers_in_insertion_order(storage: &dyn BrokerStorage) {
    for n in ["c", "a", "b"] {
        storage.insert(&broker(n)).await.expect("insert");
    }
    assert_eq!(names(storage.list().await.expect("list")), ["c", "a", "b"]);
}

/// Update replaces the broker, under its name or a new one.
pub async fn update_replaces_the_broker_and_may_rename_it(storage: &dyn BrokerStorage) {
    storage.insert(&broker("a")).await.expect("insert");
    storage.insert(&broker("b")).await.expect("insert");
    let new = Broker { url: "http://new".into(), ..broker("a") };
    storage.update("a", &new).await.expect("update");
    assert_eq!(storage.find("a").await.expect("find"), Some(new));
    storage.update("a", &broker("z")).await.expect("rename");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert_eq!(storage.find("z").await.expect("find"), Some(broker("z")));
    let mut listed = names(storage.list().await.expect("list"));
    listed.sort();
    assert_eq!(listed, ["b", "z"]);
}

/// Updating an unknown broker is `service broker not found`; renaming onto another broker's
/// name is `Broker already exists.` and changes nothing.
pub async fn update_unknown_or_onto_a_taken_name_fails(storage: &dyn BrokerStorage) {
    assert_not_found(storage.update("x", &broker("x")).await, BROKER_NOT_FOUND);
    storage.insert(&broker("a")).await.expect("insert");
    storage.insert(&broker("b")).await.expect("insert");
    assert_conflict(storage.update("a", &broker("b")).await, BROKER_ALREADY_EXISTS);
    assert_eq!(storage.find("a").await.expect("find"), Some(broker("a")));
    assert_eq!(storage.find("b").await.expect("find"), Some(broker("b")));
}

/// Delete removes the broker; an unknown one is `service broker not found`.
pub async fn delete_removes_the_broker(storage: &dyn BrokerStorage) {
    storage.insert(&broker("a")).await.expect("insert");
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert_not_found(storage.delete("a").await, BROKER_NOT_FOUND);
}
