//! Contract of [`PoolStorage`]: pools and their constraints.
use std::collections::BTreeMap;
use std::sync::Arc;

use super::named::named_suite;
use super::{concurrently, CONCURRENCY};
use crate::pool::{Constraint, Pool, PoolStorage};
use crate::testing::{constraint, pool};

/// The stored constraints, sorted by (`pool_expr`, `field`): their order is left open.
async fn constraints(storage: &dyn PoolStorage) -> Vec<Constraint> {
    let mut all = storage.constraints().await.expect("constraints");
    all.sort_by(|a, b| (&a.pool_expr, &a.field).cmp(&(&b.pool_expr, &b.field)));
    all
}

/// A pool with every field away from the fixture's defaults.
fn full(name: &str) -> Pool {
    Pool {
        name: name.to_string(),
        default: true,
        provisioner: "kubernetes".into(),
        labels: BTreeMap::from([
            ("region".into(), "us-east".into()),
            ("tier".into(), "gold".into()),
        ]),
    }
}

named_suite!(Pool, PoolStorage { update }, pool, full;
    [standard, concurrent, update_unknown] list_returns_pools_in_insertion_order = list_in_insertion_order,
    update_replaces_the_pool = update_replaces_it, delete_removes_the_pool = delete_removes_it);

/// A new storage has no constraints; `set_constraint` stores one per (`pool_expr`, `field`)
/// with every field intact.
pub async fn set_constraint_stores_one_per_pool_expr_and_field(storage: &dyn PoolStorage) {
    assert!(storage.constraints().await.expect("constraints").is_empty());
    let all = [
        constraint("*", "team", &["*"], false),
        constraint("prod", "team", &["infra", "web-*"], false),
        constraint("prod", "router", &["internal"], true),
        constraint("prod-*", "plan", &["c1m2", "c2m4"], false),
    ];
    for c in &all {
        storage.set_constraint(c).await.expect("set");
    }
    let mut want = all.to_vec();
    want.sort_by(|a, b| (&a.pool_expr, &a.field).cmp(&(&b.pool_expr, &b.field)));
    assert_eq!(constraints(storage).await, want);
}

/// Setting the constraint of a taken (`pool_expr`, `field`) replaces its values and blacklist
/// flag.
pub async fn set_constraint_replaces_the_same_pool_expr_and_field(storage: &dyn PoolStorage) {
    let other_field = constraint("prod", "router", &["internal"], false);
    let other_pool = constraint("dev", "team", &["infra"], false);
    for c in [&constraint("prod", "team", &["infra"], false), &other_field, &other_pool] {
        storage.set_constraint(c).await.expect("set");
    }
    let replacement = constraint("prod", "team", &["web", "data"], true);
    storage.set_constraint(&replacement).await.expect("set");
    assert_eq!(constraints(storage).await, [other_pool, other_field, replacement]);
}

/// Concurrent sets of one (`pool_expr`, `field`) leave exactly one constraint, one of those
/// set.
pub async fn concurrent_sets_of_one_constraint_leave_exactly_one(storage: Arc<dyn PoolStorage>) {
    let versions: Vec<Constraint> = (0..CONCURRENCY)
        .map(|i| constraint("prod", "team", &[&format!("team-{i:02}")], i % 2 == 0))
        .collect();
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        let c = versions[i].clone();
        async move { s.set_constraint(&c).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let stored = storage.constraints().await.expect("constraints");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(versions.contains(&stored[0]), "{stored:?}");
}

/// `delete_constraint` removes the constraint of (`pool_expr`, `field`) only.
pub async fn delete_constraint_removes_only_that_constraint(storage: &dyn PoolStorage) {
    let same_pool = constraint("prod", "router", &["internal"], false);
    let same_field = constraint("dev", "team", &["infra"], false);
    for c in [&constraint("prod", "team", &["infra"], false), &same_pool, &same_field] {
        storage.set_constraint(c).await.expect("set");
    }
    storage.delete_constraint("prod", "team").await.expect("delete");
    assert_eq!(constraints(storage).await, [same_field, same_pool]);
    // It can be set again.
    let again = constraint("prod", "team", &["web"], true);
    storage.set_constraint(&again).await.expect("set");
    assert!(constraints(storage).await.contains(&again));
}

/// Deleting a constraint that does not exist is not an error and changes nothing.
pub async fn delete_absent_constraint_is_not_an_error(storage: &dyn PoolStorage) {
    storage.delete_constraint("prod", "team").await.expect("delete on an empty storage");
    let c = constraint("prod", "team", &["infra"], false);
    storage.set_constraint(&c).await.expect("set");
    storage.delete_constraint("prod", "router").await.expect("delete of another field");
    storage.delete_constraint("prod-*", "team").await.expect("delete of another expression");
    assert_eq!(constraints(storage).await, [c]);
}
