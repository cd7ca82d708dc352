//! Contract of [`LoginThrottle`].
use std::sync::Arc;

use super::{concurrently, CONCURRENCY};
use crate::testing::at;
use crate::user::LoginThrottle;

const KEY: &str = "me@example.com";
const WINDOW: i64 = 60;

/// A key without failures counts zero.
pub async fn unknown_key_has_no_failures(storage: &dyn LoginThrottle) {
    assert_eq!(storage.failures(KEY, at(0), WINDOW).await.expect("f"), 0);
}

/// Each failure within the window adds one; `record_failure` returns the new count.
pub async fn failures_count_up_within_the_window(storage: &dyn LoginThrottle) {
    for (i, secs) in [0, 10, 30].into_iter().enumerate() {
        let n = storage.record_failure(KEY, at(secs), WINDOW).await.expect("record");
        assert_eq!(n as usize, i + 1);
    }
    assert_eq!(storage.failures(KEY, at(59), WINDOW).await.expect("f"), 3);
}

/// Once the window has passed, failures count zero and a new failure starts over at one.
pub async fn failures_reset_after_the_window(storage: &dyn LoginThrottle) {
    for secs in [0, 1, 2] {
        storage.record_failure(KEY, at(secs), WINDOW).await.expect("record");
    }
    assert_eq!(storage.failures(KEY, at(61), WINDOW).await.expect("f"), 0);
    assert_eq!(storage.record_failure(KEY, at(62), WINDOW).await.expect("record"), 1);
    assert_eq!(storage.failures(KEY, at(63), WINDOW).await.expect("f"), 1);
}

/// The window starts at the first failure and does not slide with later ones.
pub async fn window_is_fixed_from_the_first_failure(storage: &dyn LoginThrottle) {
    for secs in [0, 50, 58] {
        storage.record_failure(KEY, at(secs), WINDOW).await.expect("record");
    }
    // A sliding window would still count the failures at 50 and 58.
    assert_eq!(storage.failures(KEY, at(70), WINDOW).await.expect("f"), 0);
    assert_eq!(storage.record_failure(KEY, at(70), WINDOW).await.expect("record"), 1);
    // The new window started at 70.
    assert_eq!(storage.record_failure(KEY, at(125), WINDOW).await.expect("record"), 2);
    assert_eq!(storage.failures(KEY, at(131), WINDOW).await.expect("f"), 0);
}

/// `reset` forgets the failures of the key.
pub async fn reset_forgets_failures(storage: &dyn LoginThrottle) {
    for secs in [0, 1] {
        storage.record_failure(KEY, at(secs), WINDOW).await.expect("record");
    }
    storage.reset(KEY).await.expect("reset");
    assert_eq!(storage.failures(KEY, at(2), WINDOW).await.expect("f"), 0);
    assert_eq!(storage.record_failure(KEY, at(3), WINDOW).await.expect("record"), 1);
    storage.reset("never-failed").await.expect("reset unknown");
}

/// Failures of one key do not count for another, and resetting one keeps the other.
pub async fn keys_are_counted_separately(storage: &dyn LoginThrottle) {
    for secs in [0, 1] {
        storage.record_failure(KEY, at(secs), WINDOW).await.expect("record");
    }
    storage.record_failure("other@example.com", at(1), WINDOW).await.expect("record");
    assert_eq!(storage.failures(KEY, at(2), WINDOW).await.expect("f"), 2);
    storage.reset("other@example.com").await.expect("reset");
    assert_eq!(storage.failures(KEY, at(2), WINDOW).await.expect("f"), 2);
}

/// Concurrent failures are all counted, and each caller sees a distinct count.
pub async fn concurrent_failures_are_all_counted(storage: Arc<dyn LoginThrottle>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.record_failure(KEY, at(1), WINDOW).await }
    })
    .await;
    let mut counts: Vec<u32> = results.into_iter().map(|r| r.expect("record")).collect();
    counts.sort_unstable();
    let expected: Vec<u32> = (1..=CONCURRENCY as u32).collect();
    assert_eq!(counts, expected);
    assert_eq!(storage.failures(KEY, at(2), WINDOW).await.expect("f") as usize, CONCURRENCY);
}
