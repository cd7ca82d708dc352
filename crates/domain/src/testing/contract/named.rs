//! Clauses every store of records kept under a unique name shares: pools, plans, platforms,
//! teams, roles, users, services and webhooks. Each suite instantiates them for its own record
//! with [`named_suite!`], so the tests keep their names (`pool_storage::…`). A store of them is
//! any [`Records`] of the record; its refusals are the record's own [`Named::taken`] and
//! [`Named::missing`].
use std::fmt::Debug;
use std::mem::discriminant;
use std::sync::Arc;

use async_trait::async_trait;

use super::{assert_admitted, concurrently, CONCURRENCY};
use crate::records::{Named, Records};
use crate::{Error, Result};

/// A named record with two samples of it.
pub trait Sample: Named + PartialEq + Debug {
    /// A plain record named `name`.
    fn plain(name: &str) -> Self;
    /// A record named `name` with its optional fields set: not equal to `plain(name)`.
    fn full(name: &str) -> Self;
}

/// A store that replaces a record of the same name.
#[async_trait]
pub trait NamedUpdate<R: Sample>: Records<R> {
    /// Replaces the record of `record`'s name; an unknown one is not found.
    async fn replace(&self, record: &R) -> Result<()>;
}

/// Asserts that `res` failed with `want`: the same kind of error with the same text.
#[track_caller]
fn assert_refused<T: Debug>(res: Result<T>, want: &Error) {
    match res {
        Err(e) if discriminant(&e) == discriminant(want) && e.to_string() == want.to_string() => {}
        other => panic!("expected {want:?}, got {other:?}"),
    }
}

async fn stored<R: Sample, S: Records<R> + ?Sized>(storage: &S, name: &str) -> R {
    super::present(storage.find(name).await, name)
}

/// A stored record is found by name with every field intact.
pub async fn insert_then_find_returns_it<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    storage.insert(&R::full("first")).await.expect("insert");
    storage.insert(&R::plain("second")).await.expect("insert");
    assert_eq!(stored(storage, "first").await, R::full("first"));
    assert_eq!(stored(storage, "second").await, R::plain("second"));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    storage.insert(&R::plain("first")).await.expect("insert");
    assert_eq!(storage.find("other").await.expect("find"), None);
}

/// Inserting a taken name is a conflict with the store's text and keeps the first record.
pub async fn insert_duplicate_returns_conflict<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    storage.insert(&R::plain("first")).await.expect("insert");
    assert_refused(storage.insert(&R::full("first")).await, &R::plain("first").taken());
    assert_eq!(stored(storage, "first").await, R::plain("first"));
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one<R, S>(storage: Arc<S>)
where
    R: Sample,
    S: Records<R> + ?Sized + 'static,
{
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&R::plain("first")).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_refused(r, &R::plain("first").taken()));
    assert_eq!(storage.list().await.expect("list"), [R::plain("first")]);
}

/// `list` returns every record in insertion order, also after a deletion.
pub async fn list_in_insertion_order<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    let names = |all: Vec<R>| all.iter().map(|r| r.key().to_string()).collect::<Vec<_>>();
    assert!(storage.list().await.expect("list").is_empty());
    for n in ["c", "a", "b"] {
        storage.insert(&R::plain(n)).await.expect("insert");
    }
    assert_eq!(names(storage.list().await.expect("list")), ["c", "a", "b"]);
    storage.delete("a").await.expect("delete");
    assert_eq!(names(storage.list().await.expect("list")), ["c", "b"]);
}

/// A deleted record is gone; the others stay, and the name can be taken again.
pub async fn delete_removes_it<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    for n in ["first", "second"] {
        storage.insert(&R::plain(n)).await.expect("insert");
    }
    storage.delete("first").await.expect("delete");
    assert_eq!(storage.find("first").await.expect("find"), None);
    assert_eq!(stored(storage, "second").await, R::plain("second"));
    storage.insert(&R::full("first")).await.expect("insert again");
}

/// Deleting an unknown name is not found with the store's text, and deletes nothing.
pub async fn delete_unknown_returns_not_found<R: Sample, S: Records<R> + ?Sized>(storage: &S) {
    storage.insert(&R::plain("second")).await.expect("insert");
    assert_refused(storage.delete("first").await, &R::missing());
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// `update` replaces the record and leaves the others alone, fields removed included.
pub async fn update_replaces_it<R: Sample, S: NamedUpdate<R> + ?Sized>(storage: &S) {
    for n in ["first", "second"] {
        storage.insert(&R::plain(n)).await.expect("insert");
    }
    storage.replace(&R::full("first")).await.expect("update");
    assert_eq!(stored(storage, "first").await, R::full("first"));
    assert_eq!(stored(storage, "second").await, R::plain("second"));
    storage.replace(&R::plain("first")).await.expect("update");
    assert_eq!(stored(storage, "first").await, R::plain("first"));
}

/// Updating an unknown name is not found with the store's text and stores nothing.
pub async fn update_unknown_returns_not_found<R: Sample, S: NamedUpdate<R> + ?Sized>(storage: &S) {
    assert_refused(storage.replace(&R::plain("first")).await, &R::missing());
    assert_eq!(storage.find("first").await.expect("find"), None);
}

/// Makes a suite's record a [`Sample`], every store of its port (given an update method) a
/// [`NamedUpdate`], and instantiates the shared clauses under the suite's test names:
///
/// ```ignore
/// named_suite!(Plan, PlanStorage, plan, full_plan;
///     [standard, concurrent] delete_removes_the_plan = delete_removes_it);
/// ```
///
/// Groups: `standard` (insert then find, unknown name, duplicate, delete of an unknown name),
/// `concurrent` (concurrent inserts of one name) and `update_unknown`; after them, clauses
/// named by the suite as `its_name = shared_clause`.
macro_rules! named_suite {
    (
        $record:ident, $port:ident $({ $update:ident })?, $plain:expr, $full:expr;
        [$($group:ident),*] $($clause:ident = $shared:ident),* $(,)?
    ) => {
        impl $crate::testing::contract::named::Sample for $record {
            fn plain(name: &str) -> Self {
                $plain(name)
            }
            fn full(name: &str) -> Self {
                $full(name)
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
    ("concurrent", &[("arc", "concurrent_inserts_of_one_name_admit_exactly_one")]),
    ("update_unknown", &[("ref", "update_unknown_returns_not_found")]),
];
