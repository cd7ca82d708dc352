//! Contract of [`PlanStorage`].
use std::sync::Arc;

use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::plan::{Plan, PlanOverride, PlanStorage};
use crate::testing::plan;

async fn stored(storage: &dyn PlanStorage, name: &str) -> Plan {
    storage
        .find(name)
        .await
        .expect("find")
        .unwrap_or_else(|| panic!("plan {name} is not stored"))
}

fn names(plans: &[Plan]) -> Vec<&str> {
    plans.iter().map(|p| p.name.as_str()).collect()
}

/// The default plan `name`.
fn default_plan(name: &str) -> Plan {
    Plan {
        default: true,
        ..plan(name)
    }
}

/// A stored plan is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn PlanStorage) {
    let p = Plan {
        name: "c2m4".into(),
        memory: 4096 * 1024 * 1024,
        cpumilli: 2000,
        default: true,
        r#override: PlanOverride {
            memory: Some(1024),
            cpumilli: Some(50),
        },
    };
    storage.insert(&p).await.expect("insert");
    assert_eq!(stored(storage, "c2m4").await, p);
    storage.insert(&plan("small")).await.expect("insert");
    assert_eq!(stored(storage, "small").await, plan("small"));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn PlanStorage) {
    storage.insert(&plan("small")).await.expect("insert");
    assert_eq!(storage.find("large").await.expect("find"), None);
}

/// Inserting a taken name is a conflict `plan already exists` and keeps the first plan.
pub async fn insert_duplicate_returns_conflict(storage: &dyn PlanStorage) {
    let first = plan("small");
    storage.insert(&first).await.expect("insert");
    assert_conflict(
        storage.insert(&default_plan("small")).await,
        crate::plan::PLAN_ALREADY_EXISTS,
    );
    assert_eq!(stored(storage, "small").await, first);
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(storage: Arc<dyn PlanStorage>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&plan("small")).await }
    })
    .await;
    assert_admitted(results, 1, |r| {
        assert_conflict(r, crate::plan::PLAN_ALREADY_EXISTS)
    });
    assert_eq!(storage.list().await.expect("list"), [plan("small")]);
}

/// `list` returns every plan in insertion order, also after a deletion.
pub async fn list_returns_plans_in_insertion_order(storage: &dyn PlanStorage) {
    assert!(storage.list().await.expect("list").is_empty());
    for n in ["small", "large", "medium"] {
        storage.insert(&plan(n)).await.expect("insert");
    }
    assert_eq!(
        names(&storage.list().await.expect("list")),
        ["small", "large", "medium"]
    );
    storage.delete("large").await.expect("delete");
    assert_eq!(
        names(&storage.list().await.expect("list")),
        ["small", "medium"]
    );
}

/// `clear_default` clears the default flag of every plan and changes nothing else.
pub async fn clear_default_clears_every_default_flag_only(storage: &dyn PlanStorage) {
    let mut a = default_plan("small");
    a.r#override.memory = Some(5);
    let b = plan("medium");
    let c = default_plan("large");
    for p in [&a, &b, &c] {
        storage.insert(p).await.expect("insert");
    }
    storage.clear_default().await.expect("clear_default");
    let plain = |p: &Plan| Plan {
        default: false,
        ..p.clone()
    };
    assert_eq!(
        storage.list().await.expect("list"),
        [plain(&a), b.clone(), plain(&c)]
    );
    // Without defaults, or without plans, it is a no-op.
    storage.clear_default().await.expect("clear_default");
    assert_eq!(
        storage.list().await.expect("list"),
        [plain(&a), b, plain(&c)]
    );
}

/// A deleted plan is gone; the others stay, and the name can be taken again.
pub async fn delete_removes_the_plan(storage: &dyn PlanStorage) {
    for n in ["small", "large"] {
        storage.insert(&plan(n)).await.expect("insert");
    }
    storage.delete("small").await.expect("delete");
    assert_eq!(storage.find("small").await.expect("find"), None);
    assert!(storage.find("large").await.expect("find").is_some());
    storage.insert(&plan("small")).await.expect("insert again");
}

/// Deleting an unknown plan is `NotFound` `plan not found`.
pub async fn delete_unknown_returns_not_found(storage: &dyn PlanStorage) {
    storage.insert(&plan("small")).await.expect("insert");
    assert_not_found(storage.delete("large").await, crate::plan::PLAN_NOT_FOUND);
    assert_eq!(storage.list().await.expect("list").len(), 1);
}
