//! Clauses every store of records kept under a unique name shares: pools, plans, platforms,
//! teams, roles, users, services and webhooks. Each suite instantiates them for its own record
//! with [`named_clauses!`], so the tests keep their names (`pool_storage::…`).
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::Result;

/// A record kept under a unique name, with two samples of it.
pub trait Named: Clone + PartialEq + Debug + Send + Sync + 'static {
    /// Its name.
    fn name(&self) -> &str;
    /// The store's conflict text for a taken name.
    const TAKEN: &'static str;
    /// The store's text for an unknown name.
    const MISSING: &'static str;
    /// A plain record named `name`.
    fn plain(name: &str) -> Self;
    /// A record named `name` with its optional fields set: not equal to `plain(name)`.
    fn full(name: &str) -> Self;
}

/// A store of `R` by name: the calls the shared clauses make.
#[async_trait]
pub trait NamedStore<R: Named>: Send + Sync {
    /// Adds a record; a taken name is a conflict.
    async fn add(&self, record: &R) -> Result<()>;
    /// The record named `name`.
    async fn get(&self, name: &str) -> Result<Option<R>>;
    /// Every record.
    async fn all(&self) -> Result<Vec<R>>;
    /// Removes the record named `name`; an unknown one is not found.
    async fn remove(&self, name: &str) -> Result<()>;
}

/// A store that replaces a record of the same name.
#[async_trait]
pub trait NamedUpdate<R: Named>: NamedStore<R> {
    /// Replaces the record of `record`'s name; an unknown one is not found.
    async fn replace(&self, record: &R) -> Result<()>;
}

async fn stored<R: Named, S: NamedStore<R> + ?Sized>(storage: &S, name: &str) -> R {
    super::present(storage.get(name).await, name)
}

/// A stored record is found by name with every field intact.
pub async fn insert_then_find_returns_it<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    storage.add(&R::full("first")).await.expect("insert");
    storage.add(&R::plain("second")).await.expect("insert");
    assert_eq!(stored(storage, "first").await, R::full("first"));
    assert_eq!(stored(storage, "second").await, R::plain("second"));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    storage.add(&R::plain("first")).await.expect("insert");
    assert_eq!(storage.get("other").await.expect("find"), None);
}

/// Inserting a taken name is a conflict with the store's text and keeps the first record.
pub async fn insert_duplicate_returns_conflict<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    storage.add(&R::plain("first")).await.expect("insert");
    assert_conflict(storage.add(&R::full("first")).await, R::TAKEN);
    assert_eq!(stored(storage, "first").await, R::plain("first"));
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one<R, S>(storage: Arc<S>)
where
    R: Named,
    S: NamedStore<R> + ?Sized + 'static,
{
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.add(&R::plain("first")).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, R::TAKEN));
    assert_eq!(storage.all().await.expect("list"), [R::plain("first")]);
}

/// `list` returns every record in insertion order, also after a deletion.
pub async fn list_in_insertion_order<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    let names = |all: Vec<R>| all.iter().map(|r| r.name().to_string()).collect::<Vec<_>>();
    assert!(storage.all().await.expect("list").is_empty());
    for n in ["c", "a", "b"] {
        storage.add(&R::plain(n)).await.expect("insert");
    }
    assert_eq!(names(storage.all().await.expect("list")), ["c", "a", "b"]);
    storage.remove("a").await.expect("delete");
    assert_eq!(names(storage.all().await.expect("list")), ["c", "b"]);
}

/// A deleted record is gone; the others stay, and the name can be taken again.
pub async fn delete_removes_it<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    for n in ["first", "second"] {
        storage.add(&R::plain(n)).await.expect("insert");
    }
    storage.remove("first").await.expect("delete");
    assert_eq!(storage.get("first").await.expect("find"), None);
    assert_eq!(stored(storage, "second").await, R::plain("second"));
    storage.add(&R::full("first")).await.expect("insert again");
}

/// Deleting an unknown name is not found with the store's text, and deletes nothing.
pub async fn delete_unknown_returns_not_found<R: Named, S: NamedStore<R> + ?Sized>(storage: &S) {
    storage.add(&R::plain("second")).await.expect("insert");
    assert_not_found(storage.remove("first").await, R::MISSING);
    assert_eq!(storage.all().await.expect("list").len(), 1);
}

/// `update` replaces the record and leaves the others alone, fields removed included.
pub async fn update_replaces_it<R: Named, S: NamedUpdate<R> + ?Sized>(storage: &S) {
    for n in ["first", "second"] {
        storage.add(&R::plain(n)).await.expect("insert");
    }
    storage.replace(&R::full("first")).await.expect("update");
    assert_eq!(stored(storage, "first").await, R::full("first"));
    assert_eq!(stored(storage, "second").await, R::plain("second"));
    storage.replace(&R::plain("first")).await.expect("update");
    assert_eq!(stored(storage, "first").await, R::plain("first"));
}

/// Updating an unknown name is not found with the store's text and stores nothing.
pub async fn update_unknown_returns_not_found<R: Named, S: NamedUpdate<R> + ?Sized>(storage: &S) {
    assert_not_found(storage.replace(&R::plain("first")).await, R::MISSING);
    assert_eq!(storage.get("first").await.expect("find"), None);
}

/// Makes a suite's record [`Named`], every store of its port a [`NamedStore`] (and, given an
/// update method, a [`NamedUpdate`]), and instantiates the shared clauses under the suite's
/// test names:
///
/// ```ignore
/// named_suite!(Plan.name, PlanStorage { insert, find, list(), delete }, TAKEN, MISSING,
///     plan, full_plan; [standard, concurrent] delete_removes_the_plan = delete_removes_it);
/// ```
///
/// Groups: `standard` (insert then find, unknown name, duplicate, delete of an unknown name),
/// `concurrent` (concurrent inserts of one name) and `update_unknown`; after them, clauses
/// named by the suite as `its_name = shared_clause`.
macro_rules! named_suite {
    (
        $record:ident . $field:ident,
        $port:ident { $add:ident, $get:ident, $list:ident($($arg:expr),*), $remove:ident $(; $update:ident)? },
        $taken:expr, $missing:expr, $plain:expr, $full:expr;
        [$($group:ident),*] $($clause:ident = $shared:ident),* $(,)?
    ) => {
        impl $crate::testing::contract::named::Named for $record {
            const TAKEN: &'static str = $taken;
            const MISSING: &'static str = $missing;
            fn name(&self) -> &str {
                &self.$field
            }
            fn plain(name: &str) -> Self {
                $plain(name)
            }
            fn full(name: &str) -> Self {
                $full(name)
            }
        }

        #[::async_trait::async_trait]
        impl<T: $port + ?Sized> $crate::testing::contract::named::NamedStore<$record> for T {
            async fn add(&self, record: &$record) -> $crate::Result<()> {
                self.$add(record).await
            }
            async fn get(&self, name: &str) -> $crate::Result<Option<$record>> {
                self.$get(name).await
            }
            async fn all(&self) -> $crate::Result<Vec<$record>> {
                self.$list($($arg),*).await
            }
            async fn remove(&self, name: &str) -> $crate::Result<()> {
                self.$remove(name).await
            }
        }

        $(
            #[::async_trait::async_trait]
            impl<T: $port + ?Sized> $crate::testing::contract::named::NamedUpdate<$record> for T {
                async fn replace(&self, record: &$record) -> $crate::Result<()> {
                    self.$update(record).await
                }
            }
        )?

        $( $crate::testing::contract::named::named_suite!(@group $group, $record, dyn $port); )*
        $( $crate::testing::contract::named::named_suite!(@one ref, $record, dyn $port, $clause, $shared); )*
    };
    (@group standard, $record:ty, $store:ty) => {
        $crate::testing::contract::named::named_suite!(@one ref, $record, $store, insert_then_find_returns_it, insert_then_find_returns_it);
        $crate::testing::contract::named::named_suite!(@one ref, $record, $store, find_unknown_returns_none, find_unknown_returns_none);
        $crate::testing::contract::named::named_suite!(@one ref, $record, $store, insert_duplicate_returns_conflict, insert_duplicate_returns_conflict);
        $crate::testing::contract::named::named_suite!(@one ref, $record, $store, delete_unknown_returns_not_found, delete_unknown_returns_not_found);
    };
    (@group concurrent, $record:ty, $store:ty) => {
        $crate::testing::contract::named::named_suite!(@one arc, $record, $store, concurrent_inserts_of_one_name_admit_exactly_one, concurrent_inserts_of_one_name_admit_exactly_one);
    };
    (@group update_unknown, $record:ty, $store:ty) => {
        $crate::testing::contract::named::named_suite!(@one ref, $record, $store, update_unknown_returns_not_found, update_unknown_returns_not_found);
    };
    (@one ref, $record:ty, $store:ty, $clause:ident, $shared:ident) => {
        #[doc = concat!("Shared clause [`", stringify!($shared), "`](super::named::", stringify!($shared), ").")]
        pub async fn $clause(storage: &$store) {
            super::named::$shared::<$record, $store>(storage).await;
        }
    };
    (@one arc, $record:ty, $store:ty, $clause:ident, $shared:ident) => {
        #[doc = concat!("Shared clause [`", stringify!($shared), "`](super::named::", stringify!($shared), ").")]
        pub async fn $clause(storage: ::std::sync::Arc<$store>) {
            super::named::$shared::<$record, $store>(storage).await;
        }
    };
}
pub(crate) use named_suite;

/// The clauses each group of [`named_suite!`] makes, with their kind (`ref` or `arc`).
pub const GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "standard",
        &[
            ("ref", "insert_then_find_returns_it"),
            ("ref", "find_unknown_returns_none"),
            ("ref", "insert_duplicate_returns_conflict"),
            ("ref", "delete_unknown_returns_not_found"),
        ],
    ),
    (
        "concurrent",
        &[("arc", "concurrent_inserts_of_one_name_admit_exactly_one")],
    ),
    (
        "update_unknown",
        &[("ref", "update_unknown_returns_not_found")],
    ),
];
