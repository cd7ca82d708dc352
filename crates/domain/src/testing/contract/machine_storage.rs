//! Contract of [`MachineStorage`]: IaaS machines.
use std::collections::BTreeMap;

use super::{assert_conflict, assert_not_found};
use crate::iaas::{Machine, MachineStorage, MACHINE_ALREADY_EXISTS, MACHINE_NOT_FOUND};

fn machine(id: &str, address: &str) -> Machine {
    Machine {
        id: id.into(),
        iaas: "ec2".into(),
        status: "running".into(),
        address: address.into(),
        port: 2375,
        protocol: "http".into(),
        creation_params: BTreeMap::from([
            ("image".to_string(), "ami-1".to_string()),
            ("iaas".to_string(), "ec2".to_string()),
        ]),
        custom_data: BTreeMap::from([("zone".to_string(), "us-east-1a".to_string())]),
    }
}

/// A recorded machine is found by id and by address with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn MachineStorage) {
    let m = machine("i-1", "10.0.0.1");
    storage.insert(&m).await.expect("insert");
    storage.insert(&machine("i-2", "10.0.0.2")).await.expect("insert");
    assert_eq!(storage.find("i-1").await.expect("find"), Some(m.clone()));
    assert_eq!(storage.find_by_address("10.0.0.1").await.expect("find"), Some(m));
    assert_eq!(storage.find("i-3").await.expect("find"), None);
    assert_eq!(storage.find_by_address("10.0.0.3").await.expect("find"), None);
}

/// Recording a taken id is a conflict `machine already exists` and keeps the first machine.
pub async fn insert_duplicate_returns_conflict(storage: &dyn MachineStorage) {
    storage.insert(&machine("i-1", "10.0.0.1")).await.expect("insert");
    assert_conflict(storage.insert(&machine("i-1", "10.0.0.9")).await, MACHINE_ALREADY_EXISTS);
    assert_eq!(
        storage.find("i-1").await.expect("find").map(|m| m.address),
        Some("10.0.0.1".into())
    );
}

/// `list` returns every machine in insertion order; `delete` forgets one; deleting an unknown
/// id is `machine not found`.
pub async fn list_and_delete(storage: &dyn MachineStorage) {
    assert!(storage.list().await.expect("list").is_empty());
    for (id, addr) in [("i-b", "b"), ("i-a", "a"), ("i-c", "c")] {
        storage.insert(&machine(id, addr)).await.expect("insert");
    }
    let ids = |all: Vec<Machine>| all.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(storage.list().await.expect("list")), ["i-b", "i-a", "i-c"]);
    storage.delete("i-a").await.expect("delete");
    assert_eq!(ids(storage.list().await.expect("list")), ["i-b", "i-c"]);
    assert_not_found(storage.delete("i-a").await, MACHINE_NOT_FOUND);
}
