//! The `inc_quota` clauses that teams and users share: one body, run by both suites through
//! [`QuotaHolders`].
use std::sync::Arc;

use async_trait::async_trait;

use super::{assert_admitted, assert_forbidden, assert_not_found, concurrently, CONCURRENCY};
use crate::quota::{quota_exceeded, Quota};
use crate::team::{Team, TeamStorage};
use crate::testing::{team, user};
use crate::user::UserStorage;
use crate::Result;

/// A port that stores quota holders (teams by name, users by email), as the shared clauses
/// see it.
#[async_trait]
pub(crate) trait QuotaHolders: Send + Sync {
    /// Stores a fresh holder `name` whose quota is `limit` with `inuse` used.
    async fn insert_with_quota(&self, name: &str, limit: i64, inuse: i64);
    /// Whether `name` is stored.
    async fn holds(&self, name: &str) -> bool;
    /// The stored quota of `name`.
    async fn quota_of(&self, name: &str) -> Quota;
    /// The port's `inc_quota`.
    async fn inc(&self, name: &str, delta: i64) -> Result<()>;
}

#[async_trait]
impl<'s> QuotaHolders for dyn TeamStorage + 's {
    async fn insert_with_quota(&self, name: &str, limit: i64, inuse: i64) {
        let t = Team { quota: Quota { limit, inuse }, ..team(name) };
        self.insert(&t).await.expect("insert");
    }
    async fn holds(&self, name: &str) -> bool {
        self.find(name).await.expect("find").is_some()
    }
    async fn quota_of(&self, name: &str) -> Quota {
        let t = self.find(name).await.expect("find");
        t.unwrap_or_else(|| panic!("team {name} is not stored")).quota
    }
    async fn inc(&self, name: &str, delta: i64) -> Result<()> {
        self.inc_quota(name, delta).await
    }
}

#[async_trait]
impl<'s> QuotaHolders for dyn UserStorage + 's {
    async fn insert_with_quota(&self, email: &str, limit: i64, inuse: i64) {
        let mut u = user(email);
        u.quota = Quota { limit, inuse };
        self.insert(&u).await.expect("insert");
    }
    async fn holds(&self, email: &str) -> bool {
        self.find(email).await.expect("find").is_some()
    }
    async fn quota_of(&self, email: &str) -> Quota {
        let u = self.find(email).await.expect("find");
        u.unwrap_or_else(|| panic!("user {email} is not stored")).quota
    }
    async fn inc(&self, email: &str, delta: i64) -> Result<()> {
        self.inc_quota(email, delta).await
    }
}

/// A positive `delta` over the limit is `Forbidden` and changes nothing (`holder`, then
/// `none` with a quota of 0).
pub(crate) async fn over_the_limit_is_forbidden<H>(h: &H, holder: &str, none: &str)
where
    H: QuotaHolders + ?Sized,
{
    h.insert_with_quota(holder, 3, 2).await;
    assert_forbidden(h.inc(holder, 2).await, &quota_exceeded(1, 2).to_string());
    assert_eq!(h.quota_of(holder).await, Quota { limit: 3, inuse: 2 });
    h.inc(holder, 1).await.expect("inc");
    assert_forbidden(h.inc(holder, 1).await, &quota_exceeded(0, 1).to_string());
    assert_eq!(h.quota_of(holder).await, Quota { limit: 3, inuse: 3 });
    h.insert_with_quota(none, 0, 0).await;
    assert_forbidden(h.inc(none, 1).await, &quota_exceeded(0, 1).to_string());
    assert_eq!(h.quota_of(none).await, Quota { limit: 0, inuse: 0 });
}

/// An unlimited quota (-1) admits any `delta`.
pub(crate) async fn unlimited_always_passes<H>(h: &H, holder: &str)
where
    H: QuotaHolders + ?Sized,
{
    h.insert_with_quota(holder, -1, 5).await;
    h.inc(holder, 1000).await.expect("inc");
    h.inc(holder, 1).await.expect("inc");
    assert_eq!(h.quota_of(holder).await, Quota { limit: -1, inuse: 1006 });
}

/// A negative `delta` releases use, is never refused, and never takes the use below 0, even
/// for `over`, whose use is over a lowered limit.
pub(crate) async fn releases_but_never_below_zero<H>(h: &H, holder: &str, over: &str)
where
    H: QuotaHolders + ?Sized,
{
    h.insert_with_quota(holder, 3, 2).await;
    h.inc(holder, -1).await.expect("release");
    assert_eq!(h.quota_of(holder).await.inuse, 1);
    h.inc(holder, -5).await.expect("release");
    assert_eq!(h.quota_of(holder).await, Quota { limit: 3, inuse: 0 });
    h.inc(holder, -1).await.expect("release");
    assert_eq!(h.quota_of(holder).await.inuse, 0);
    // Releasing is allowed even while the use is over a lowered limit.
    h.insert_with_quota(over, 1, 3).await;
    h.inc(over, -1).await.expect("release");
    assert_eq!(h.quota_of(over).await, Quota { limit: 1, inuse: 2 });
}

/// `inc_quota` of an unknown holder is `NotFound` `msg`, and stores nothing.
pub(crate) async fn unknown_returns_not_found<H>(h: &H, holder: &str, msg: &str)
where
    H: QuotaHolders + ?Sized,
{
    assert_not_found(h.inc(holder, 1).await, msg);
    assert_not_found(h.inc(holder, -1).await, msg);
    assert!(!h.holds(holder).await);
}

/// Concurrent `inc_quota(+1)` calls against a limit of 10: exactly 10 succeed, the others are
/// refused, and the use ends at the limit.
pub(crate) async fn concurrent_inc_admits_exactly_the_limit<H>(h: Arc<H>, holder: &'static str)
where
    H: QuotaHolders + ?Sized + 'static,
{
    h.insert_with_quota(holder, 10, 0).await;
    let results = concurrently(CONCURRENCY, |_| {
        let h = Arc::clone(&h);
        async move { h.inc(holder, 1).await }
    })
    .await;
    assert_admitted(results, 10, |r| assert_forbidden(r, &quota_exceeded(0, 1).to_string()));
    assert_eq!(h.quota_of(holder).await, Quota { limit: 10, inuse: 10 });
}

/// The shared clauses, as clauses of the suite of `$port`: `$holder` is the stored holder,
/// `$none` and `$over` holders the clauses make, `$missing` the port's not-found text.
macro_rules! quota_clauses {
    ($port:ident, $what:literal, $holder:literal, $none:literal, $over:literal, $missing:expr) => {
        /// A positive `delta` over the limit is `Forbidden` `Quota exceeded. Available: <n>,
        /// Requested: <m>.` and changes nothing.
        pub async fn inc_quota_over_the_limit_is_forbidden_and_changes_nothing(
            storage: &dyn $port,
        ) {
            super::quota::over_the_limit_is_forbidden(storage, $holder, $none).await;
        }

        /// An unlimited quota (-1) admits any `delta`.
        pub async fn inc_quota_of_an_unlimited_quota_always_passes(storage: &dyn $port) {
            super::quota::unlimited_always_passes(storage, $holder).await;
        }

        /// A negative `delta` releases use, is never refused, and never takes the use below 0.
        pub async fn inc_quota_releases_but_never_below_zero(storage: &dyn $port) {
            super::quota::releases_but_never_below_zero(storage, $holder, $over).await;
        }

        #[doc = concat!("`inc_quota` of an unknown ", $what, " is `NotFound`.")]
        pub async fn inc_quota_of_unknown_returns_not_found(storage: &dyn $port) {
            super::quota::unknown_returns_not_found(storage, $holder, $missing).await;
        }

        /// Concurrent `inc_quota(+1)` calls against a limit of 10: exactly 10 succeed, the
        /// others are refused, and the use ends at the limit.
        pub async fn concurrent_inc_quota_admits_exactly_the_limit(storage: Arc<dyn $port>) {
            super::quota::concurrent_inc_admits_exactly_the_limit(storage, $holder).await;
        }
    };
}
pub(crate) use quota_clauses;
