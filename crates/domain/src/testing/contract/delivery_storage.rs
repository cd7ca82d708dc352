//! Contract of [`DeliveryStorage`].
use std::collections::HashSet;
use std::sync::Arc;

use super::{concurrently, CONCURRENCY};
use crate::testing::{at, delivery};
use crate::webhook::{Attempt, Delivery, DeliveryState, DeliveryStorage, Lease};

fn ids(ds: &[Delivery]) -> Vec<&str> {
    ds.iter().map(|d| d.id.as_str()).collect()
}

/// `claim_due` for `worker` at `now` until `until` (seconds of [`at`]), up to `limit`.
async fn claim(
    storage: &dyn DeliveryStorage,
    worker: &str,
    now: i64,
    until: i64,
    limit: usize,
) -> Vec<Delivery> {
    storage.claim_due(Lease::new(worker, at(now), at(until)), limit).await.expect("claim")
}

/// A stored delivery is found by id with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn DeliveryStorage) {
    let mut d = delivery("hook", "e1", 0);
    d.secret = "s".into();
    d.request.proxy_url = Some("http://proxy:3128".into());
    d.request.insecure = true;
    d.request.headers.push(("X-A".into(), "1".into()));
    d.request.headers.push(("X-A".into(), "2".into()));
    d.attempts.push(Attempt {
        number: 1,
        time: at(1),
        status: Some(503),
        error: "invalid status code calling hook: 503: busy".into(),
        duration_ms: 12,
    });
    d.last_error = "invalid status code calling hook: 503: busy".into();
    d.next_attempt_at = at(3);
    storage.insert(&d).await.expect("insert");
    assert_eq!(storage.find(&d.id).await.expect("find"), Some(d));
    assert_eq!(storage.find("nope").await.expect("find"), None);
}

/// Only pending, due, unheld deliveries are claimed, earliest due first; the claim is stored.
pub async fn claim_due_takes_pending_due_unheld_deliveries_earliest_first(
    storage: &dyn DeliveryStorage,
) {
    let late = delivery("h", "e1", 5);
    let early = delivery("h", "e2", 1);
    let future = delivery("h", "e3", 100);
    let mut done = delivery("h", "e4", 0);
    done.state = DeliveryState::Delivered;
    let mut failed = delivery("h", "e5", 0);
    failed.state = DeliveryState::Failed;
    for d in [&late, &early, &future, &done, &failed] {
        storage.insert(d).await.expect("insert");
    }
    let got = claim(storage, "w1", 10, 100, 10).await;
    assert_eq!(ids(&got), [early.id.as_str(), late.id.as_str()]);
    for d in &got {
        assert_eq!(d.claimed_by.as_deref(), Some("w1"));
        assert_eq!(d.lease_until, Some(at(100)));
        let stored = storage.find(&d.id).await.expect("find").expect("stored");
        assert_eq!(&stored, d, "the claim is stored");
    }
}

/// At most `limit` are claimed per call.
pub async fn claim_due_respects_the_limit(storage: &dyn DeliveryStorage) {
    for i in 0..5 {
        storage.insert(&delivery("h", &format!("e{i}"), i)).await.expect("insert");
    }
    let first = claim(storage, "w", 10, 100, 2).await;
    assert_eq!(first.len(), 2);
    let rest = claim(storage, "w", 10, 100, 10).await;
    assert_eq!(rest.len(), 3);
    let all: HashSet<String> = first.iter().chain(&rest).map(|d| d.id.clone()).collect();
    assert_eq!(all.len(), 5);
}

/// A held delivery is not claimed again until its lease ends; then anyone may claim it.
pub async fn a_held_delivery_is_claimable_again_only_after_its_lease(
    storage: &dyn DeliveryStorage,
) {
    let d = delivery("h", "e1", 0);
    storage.insert(&d).await.expect("insert");
    assert_eq!(claim(storage, "w1", 1, 60, 10).await.len(), 1);
    assert!(claim(storage, "w2", 30, 90, 10).await.is_empty());
    let again = claim(storage, "w2", 61, 120, 10).await;
    assert_eq!(ids(&again), [d.id.as_str()]);
    assert_eq!(again[0].claimed_by.as_deref(), Some("w2"));
}

/// Concurrent claimers never get the same delivery.
pub async fn concurrent_claims_never_share_a_delivery(storage: Arc<dyn DeliveryStorage>) {
    for i in 0..20 {
        storage.insert(&delivery("h", &format!("e{i}"), 0)).await.expect("insert");
    }
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move { s.claim_due(Lease::new(&format!("w{i}"), at(1), at(60)), 3).await }
    })
    .await;
    let mut seen = HashSet::new();
    for r in results {
        for d in r.expect("claim") {
            assert!(seen.insert(d.id.clone()), "{} claimed twice", d.id);
            let stored = storage.find(&d.id).await.expect("find").expect("stored");
            assert_eq!(stored.claimed_by, d.claimed_by, "the stored claim is the winner's");
        }
    }
    assert_eq!(seen.len(), 20);
}

/// The holder's release stores the outcome and clears the claim; a pending outcome is due
/// again at its next attempt, a finished one never.
pub async fn release_by_the_holder_stores_the_outcome(storage: &dyn DeliveryStorage) {
    let a = delivery("h", "e1", 0);
    let b = delivery("h", "e2", 0);
    storage.insert(&a).await.expect("insert a");
    storage.insert(&b).await.expect("insert b");
    let claimed = claim(storage, "w", 1, 60, 10).await;
    assert_eq!(claimed.len(), 2);
    let mut retry = claimed[0].clone();
    retry.attempts.push(Attempt {
        number: 1,
        time: at(1),
        status: None,
        error: "connection refused".into(),
        duration_ms: 1,
    });
    retry.last_error = "connection refused".into();
    retry.next_attempt_at = at(20);
    let mut done = claimed[1].clone();
    done.state = DeliveryState::Delivered;
    assert!(storage.release(&retry, "w").await.expect("release"));
    assert!(storage.release(&done, "w").await.expect("release"));
    let stored = storage.find(&retry.id).await.expect("find").expect("stored");
    assert_eq!(stored.claimed_by, None);
    assert_eq!(stored.lease_until, None);
    assert_eq!(stored.attempts, retry.attempts);
    assert_eq!(stored.next_attempt_at, at(20));
    assert!(claim(storage, "w", 19, 80, 10).await.is_empty());
    let again = claim(storage, "w", 20, 80, 10).await;
    assert_eq!(ids(&again), [retry.id.as_str()], "the delivered one is never due");
    let stored = storage.find(&done.id).await.expect("find").expect("stored");
    assert_eq!(stored.state, DeliveryState::Delivered);
}

/// A release by a worker that does not hold the delivery changes nothing.
pub async fn release_by_another_worker_changes_nothing(storage: &dyn DeliveryStorage) {
    let d = delivery("h", "e1", 0);
    storage.insert(&d).await.expect("insert");
    let mut outcome = d.clone();
    outcome.state = DeliveryState::Delivered;
    assert!(!storage.release(&outcome, "w1").await.expect("release"), "unclaimed");
    claim(storage, "w1", 1, 60, 10).await;
    assert!(!storage.release(&outcome, "w2").await.expect("release"));
    let stored = storage.find(&d.id).await.expect("find").expect("stored");
    assert_eq!(stored.state, DeliveryState::Pending);
    assert_eq!(stored.claimed_by.as_deref(), Some("w1"));
    let mut missing = delivery("h", "e2", 0);
    missing.state = DeliveryState::Delivered;
    assert!(!storage.release(&missing, "w1").await.expect("release"));
    assert_eq!(storage.find(&missing.id).await.expect("find"), None);
}

/// A webhook's deliveries come newest first, limited; others' are not listed.
pub async fn list_by_webhook_returns_newest_first_limited(storage: &dyn DeliveryStorage) {
    let old = delivery("h", "e1", 1);
    let mid = delivery("h", "e2", 2);
    let new = delivery("h", "e3", 3);
    let other = delivery("other", "e4", 4);
    for d in [&mid, &old, &new, &other] {
        storage.insert(d).await.expect("insert");
    }
    let got = storage.list_by_webhook("h", 10).await.expect("list");
    assert_eq!(ids(&got), [new.id.as_str(), mid.id.as_str(), old.id.as_str()]);
    let got = storage.list_by_webhook("h", 2).await.expect("list");
    assert_eq!(ids(&got), [new.id.as_str(), mid.id.as_str()]);
    assert!(storage.list_by_webhook("none", 10).await.expect("list").is_empty());
}

/// Deleting a webhook's deliveries removes them from the queue and the history.
pub async fn delete_by_webhook_removes_only_its_deliveries(storage: &dyn DeliveryStorage) {
    let a = delivery("h", "e1", 0);
    let b = delivery("other", "e1", 0);
    storage.insert(&a).await.expect("insert");
    storage.insert(&b).await.expect("insert");
    assert_eq!(storage.delete_by_webhook("h").await.expect("delete"), 1);
    assert_eq!(storage.find(&a.id).await.expect("find"), None);
    let due = claim(storage, "w", 1, 60, 10).await;
    assert_eq!(ids(&due), [b.id.as_str()]);
}

/// Pruning removes finished deliveries created before the cut, never pending ones.
pub async fn delete_finished_before_keeps_pending_and_recent(storage: &dyn DeliveryStorage) {
    let mut old_done = delivery("h", "e1", 0);
    old_done.state = DeliveryState::Delivered;
    let mut old_failed = delivery("h", "e2", 0);
    old_failed.state = DeliveryState::Failed;
    let old_pending = delivery("h", "e3", 0);
    let mut recent_done = delivery("h", "e4", 100);
    recent_done.state = DeliveryState::Delivered;
    for d in [&old_done, &old_failed, &old_pending, &recent_done] {
        storage.insert(d).await.expect("insert");
    }
    assert_eq!(storage.delete_finished_before(at(50)).await.expect("prune"), 2);
    let left = storage.list_by_webhook("h", 10).await.expect("list");
    let mut left = ids(&left);
    left.sort_unstable();
    let mut want = vec![old_pending.id.as_str(), recent_done.id.as_str()];
    want.sort_unstable();
    assert_eq!(left, want);
}
