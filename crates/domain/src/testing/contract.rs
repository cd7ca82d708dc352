//! Port contract suites: one `pub async fn` per clause of a port's doc comment.
//!
//! Each module covers one port and each function one clause, named as the sentence it checks.
//! A clause takes a fresh, empty storage, as `&dyn Port`, or as `Arc<dyn Port>` when it spawns
//! concurrent callers, and panics when the storage breaks the contract. Clauses that spawn tasks
//! need a multi-threaded tokio runtime to exercise real parallelism.
//!
//! # Running the suites against an adapter
//!
//! [`crate::contract_tests!`] expands into one `#[tokio::test]` per clause, grouped in one
//! module per port. Add `tsuru-domain` with the `testing` feature and `tokio` as
//! dev-dependencies, then write a test file such as `tests/memory_contract.rs`:
//!
//! ```ignore
//! use std::sync::Arc;
//! use tsuru_adapters::memory::MemoryStore;
//!
//! // Every port, against a store implementing all of them:
//! tsuru_domain::contract_tests!(async { Arc::new(MemoryStore::new()) });
//! ```
//!
//! The factory is any expression whose `.await` yields an `Arc<S>` (or an `Arc<dyn Port>`); it
//! is pasted into every test, so each test gets a fresh storage. It is evaluated inside a
//! module generated next to the macro call that glob-imports its parent (`use super::*`), so
//! it may name anything in scope at the call site, such as a helper `async fn`. Adapters
//! with one type per port list the ports they implement:
//!
//! ```ignore
//! mod mongo {
//!     use super::*;
//!     // `fresh_db()` connects to a uuid-named database.
//!     tsuru_domain::contract_tests!(
//!         team_storage => async { Arc::new(MongoTeamStorage::new(fresh_db().await)) },
//!         event_storage => async { Arc::new(MongoEventStorage::new(fresh_db().await)) },
//!     );
//! }
//! ```
//!
//! The port names are the module names below: `user_storage`, `session_storage`,
//! `password_token_storage`, `login_throttle`, `team_storage`, `role_storage`,
//! `event_storage`, `app_storage`, `app_version_storage`, `pool_storage`, `plan_storage`,
//! `platform_storage`, `cluster_storage`, `service_storage`, `service_instance_storage`,
//! `broker_storage`, `volume_storage`. Tests are then named `<port>::<clause>`, so
//! `cargo test team_storage::insert_duplicate_returns_conflict` runs one clause.
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use crate::{Error, Result};

pub mod app_storage;
pub mod app_version_storage;
pub mod cluster_storage;
pub mod event_storage;
pub mod login_throttle;
pub mod machine_storage;
pub mod password_token_storage;
pub mod plan_storage;
pub mod platform_storage;
pub mod pool_storage;
pub mod role_storage;
pub mod session_storage;
pub mod team_storage;
pub mod team_token_storage;
pub mod template_storage;
pub mod volume_storage;

// Services, their instances and brokers.
pub mod broker_storage;
pub mod service_instance_storage;
pub mod service_storage;
pub mod user_storage;

// Provisioners (not storage: run with `provisioner_contract_tests!`).
pub mod provisioner;

// Clause bodies shared by several suites (not a port).
pub mod named;
mod quota;

// Webhooks and their delivery queue.
pub mod delivery_storage;
pub mod webhook_storage;

/// How many concurrent callers the concurrency clauses start.
pub const CONCURRENCY: usize = 50;

/// Runs `n` futures built by `task(i)` on separate tokio tasks, released together by a
/// barrier, and returns their outputs in index order.
///
/// # Panics
/// When a task panics.
pub async fn concurrently<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let fut = task(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.push(h.await.expect("a concurrent task panicked"));
    }
    out
}

/// Asserts that exactly `admitted` of the concurrent `results` are `Ok`, and hands every other
/// to `refused` (which asserts what the refusal is).
#[track_caller]
pub(crate) fn assert_admitted<T: Debug>(
    results: Vec<Result<T>>,
    admitted: usize,
    refused: impl Fn(Result<T>),
) {
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), admitted, "{results:?}");
    for r in results.into_iter().filter(Result::is_err) {
        refused(r);
    }
}

/// One assertion per refusal: `res` is that [`crate::Error`] variant with message `msg`.
macro_rules! refusal_asserts {
    ($($(#[$doc:meta])* $name:ident => $variant:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub(crate) fn $name<T: Debug>(res: Result<T>, msg: &str) {
            match res {
                Err(Error::$variant(m)) if m == msg => {}
                other => panic!(
                    concat!("expected ", stringify!($variant), "({:?}), got {:?}"),
                    msg, other
                ),
            }
        }
    )*};
}

refusal_asserts! {
    /// Asserts that `res` is an [`crate::Error::Conflict`] with message `msg`.
    assert_conflict => Conflict;
    /// Asserts that `res` is an [`crate::Error::NotFound`] with message `msg`.
    assert_not_found => NotFound;
    /// Asserts that `res` is an [`crate::Error::Forbidden`] with message `msg`.
    assert_forbidden => Forbidden;
}

/// The names (by `name`) of what a list call found, in its order; a failed list panics.
#[track_caller]
pub(crate) fn listed_names<T>(found: Result<Vec<T>>, name: impl Fn(T) -> String) -> Vec<String> {
    found.expect("list").into_iter().map(name).collect()
}

/// The record a find found, or a panic naming `what` when it found none.
#[track_caller]
pub(crate) fn present<T>(found: Result<Option<T>>, what: &str) -> T {
    found.expect("find").unwrap_or_else(|| panic!("{what} is not stored"))
}

/// Sorted copies of `items`' keys, for comparing results whose order the contract leaves open.
pub(crate) fn sorted<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Vec<K> {
    let mut keys: Vec<K> = items.iter().map(key).collect();
    keys.sort();
    keys
}

/// Expands into one `#[tokio::test]` per contract clause, for every port or for the ports
/// named, against storages built by a factory expression.
///
/// - `contract_tests!(factory)`: every port; the factory's storage implements all of them.
/// - `contract_tests!(port => factory, ...)`: only the ports named (see [`crate::testing::contract`]
///   for the names and a full example).
/// - `contract_tests!(optional: factory)`: every port, with a factory yielding
///   `Option<Arc<S>>`; a test whose factory yields `None` returns without checking anything
///   (for servers that may be absent, such as MongoDB outside `make test`: the factory decides,
///   and should panic rather than yield `None` where the server is required).
///
/// `factory` is an expression whose `.await` yields an `Arc` of the storage (an `async` block,
/// or a call to an `async fn`). It is evaluated afresh in every test. The calling crate needs
/// `tokio` (with `macros` and `rt-multi-thread`) as a dependency: the tests run on a
/// multi-threaded runtime so the concurrency clauses race for real.
#[macro_export]
macro_rules! contract_tests {
    (optional: $factory:expr $(,)?) => {
        $crate::__contract_all!(optional, $factory);
    };
    ($($port:ident => $factory:expr),+ $(,)?) => {
        $( $crate::__contract_port!($port, required, $factory); )+
    };
    ($factory:expr $(,)?) => {
        $crate::__contract_all!(required, $factory);
    };
}

/// Every port, for [`contract_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_all {
    ($mode:ident, $factory:expr) => {
        $crate::__contract_port!(user_storage, $mode, $factory);
        $crate::__contract_port!(session_storage, $mode, $factory);
        $crate::__contract_port!(password_token_storage, $mode, $factory);
        $crate::__contract_port!(login_throttle, $mode, $factory);
        $crate::__contract_port!(team_storage, $mode, $factory);
        $crate::__contract_port!(role_storage, $mode, $factory);
        $crate::__contract_port!(event_storage, $mode, $factory);
        $crate::__contract_port!(app_storage, $mode, $factory);
        $crate::__contract_port!(app_version_storage, $mode, $factory);
        $crate::__contract_port!(pool_storage, $mode, $factory);
        $crate::__contract_port!(plan_storage, $mode, $factory);
        $crate::__contract_port!(platform_storage, $mode, $factory);
        $crate::__contract_port!(team_token_storage, $mode, $factory);
        $crate::__contract_port!(webhook_storage, $mode, $factory);
        $crate::__contract_port!(delivery_storage, $mode, $factory);
        $crate::__contract_port!(cluster_storage, $mode, $factory);
        $crate::__contract_port!(service_storage, $mode, $factory);
        $crate::__contract_port!(service_instance_storage, $mode, $factory);
        $crate::__contract_port!(broker_storage, $mode, $factory);
        $crate::__contract_port!(volume_storage, $mode, $factory);
        $crate::__contract_port!(machine_storage, $mode, $factory);
        $crate::__contract_port!(template_storage, $mode, $factory);
    };
}

/// The clause list of each port, for [`contract_tests!`]. `ref` clauses take `&dyn Port`,
/// `arc` clauses take `Arc<dyn Port>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_port {
    (machine_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(machine_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref insert_duplicate_returns_conflict,
            ref list_and_delete,
        );
    };
    (template_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(template_storage, $mode, $factory;
            ref insert_find_and_conflict,
            ref update_list_delete,
        );
    };
    (service_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(service_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            ref list_returns_services_in_insertion_order,
            ref update_replaces_the_service,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_service,
            ref delete_unknown_returns_not_found,
        );
    };
    (service_instance_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(service_instance_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_all_or_those_of_a_service,
            ref update_replaces_the_instance,
            ref update_unknown_returns_not_found,
            ref delete_removes_only_that_instance,
            ref delete_unknown_returns_not_found,
        );
    };
    (broker_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(broker_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref insert_duplicate_returns_conflict,
            ref list_returns_brokers_in_insertion_order,
            ref update_replaces_the_broker_and_may_rename_it,
            ref update_unknown_or_onto_a_taken_name_fails,
            ref delete_removes_the_broker,
        );
    };
    (webhook_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(webhook_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_all_or_the_webhooks_of_the_teams_given,
            ref update_replaces_the_webhook,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_webhook,
            ref delete_unknown_returns_not_found,
        );
    };
    (delivery_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(delivery_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref claim_due_takes_pending_due_unheld_deliveries_earliest_first,
            ref claim_due_respects_the_limit,
            ref a_held_delivery_is_claimable_again_only_after_its_lease,
            arc concurrent_claims_never_share_a_delivery,
            ref release_by_the_holder_stores_the_outcome,
            ref release_by_another_worker_changes_nothing,
            ref list_by_webhook_returns_newest_first_limited,
            ref delete_by_webhook_removes_only_its_deliveries,
            ref delete_finished_before_keeps_pending_and_recent,
        );
    };
    (team_token_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(team_token_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_id_returns_conflict,
            ref insert_duplicate_value_returns_conflict,
            arc concurrent_inserts_of_one_id_admit_exactly_one,
            ref list_returns_all_or_the_tokens_of_the_teams_given,
            ref update_replaces_value_description_and_expiry_only,
            ref update_unknown_returns_not_found,
            ref update_to_a_taken_value_returns_conflict,
            ref record_access_sets_last_access,
            ref add_role_has_set_semantics,
            ref add_role_to_unknown_returns_not_found,
            arc concurrent_add_role_of_distinct_roles_keeps_them_all,
            ref remove_role_removes_only_the_equal_instance,
            ref remove_role_from_unknown_returns_not_found,
            ref rename_role_renames_every_instance_keeping_values,
            ref delete_removes_the_token_and_its_value,
            ref delete_unknown_returns_not_found,
        );
    };
    (user_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(user_storage, $mode, $factory; quota;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_email_admit_exactly_one,
            ref list_returns_users_in_insertion_order,
            ref list_by_role_returns_holders_of_any_instance,
            ref delete_removes_the_user_and_its_api_key,
            ref delete_unknown_returns_not_found,
            ref set_password_replaces_the_hash,
            ref set_password_of_unknown_returns_not_found,
            ref api_key_given_at_insert_finds_the_user,
            ref api_key_lookup_follows_regeneration,
            ref unknown_or_empty_api_key_finds_nobody,
            ref set_api_key_of_unknown_returns_not_found,
            ref record_api_key_use_sets_last_access_and_counts,
            arc concurrent_api_key_uses_are_all_counted,
            ref add_role_has_set_semantics,
            ref add_role_to_unknown_returns_not_found,
            arc concurrent_add_role_of_distinct_roles_keeps_them_all,
            ref remove_role_removes_only_the_equal_instance,
            ref remove_role_from_unknown_returns_not_found,
            ref remove_role_from_all_removes_every_instance,
            ref add_key_appends_keys,
            ref add_key_with_a_taken_name_returns_conflict,
            ref add_key_with_taken_content_returns_conflict_even_when_replacing,
            ref add_key_with_replace_overwrites_the_named_key,
            ref add_key_to_unknown_returns_not_found,
            ref remove_key_removes_only_that_key,
            ref remove_missing_key_returns_not_found,
        );
    };
    (session_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(session_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref delete_removes_only_that_session,
            ref delete_absent_session_is_not_an_error,
            ref delete_by_user_removes_every_session_of_the_user_and_counts_them,
        );
    };
    (password_token_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(password_token_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref consume_succeeds_once,
            ref consume_unknown_returns_false,
            ref consume_of_a_used_token_returns_false,
            arc concurrent_consumes_of_one_token_succeed_exactly_once,
        );
    };
    (login_throttle, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(login_throttle, $mode, $factory;
            ref unknown_key_has_no_failures,
            ref failures_count_up_within_the_window,
            ref failures_reset_after_the_window,
            ref window_is_fixed_from_the_first_failure,
            ref reset_forgets_failures,
            ref keys_are_counted_separately,
            arc concurrent_failures_are_all_counted,
        );
    };
    (team_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(team_storage, $mode, $factory; quota;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_teams_in_insertion_order,
            ref update_replaces_tags_and_quota_only,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_team,
            ref delete_unknown_returns_not_found,
        );
    };
    (role_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(role_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref update_replaces_the_role,
            ref update_unknown_returns_not_found,
            ref find_many_skips_unknown_names,
            ref list_returns_roles_in_insertion_order,
            ref list_by_event_returns_roles_that_joined_it,
            ref delete_removes_the_role,
            ref delete_unknown_returns_not_found,
        );
    };
    (event_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(event_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref locked_insert_on_a_free_target_is_stored,
            ref second_locked_insert_on_same_target_returns_the_holder,
            ref locked_extra_targets_are_held_too,
            ref unlocked_extra_targets_are_not_held,
            ref locks_are_per_target_type_and_value,
            ref events_inserted_without_lock_hold_nothing,
            ref finishing_an_event_releases_its_lock,
            ref updating_a_running_event_keeps_its_lock,
            arc concurrent_locked_inserts_on_one_target_admit_exactly_one,
            arc lock_excludes_concurrent_holders,
            ref update_replaces_the_stored_event,
            ref update_unknown_returns_not_found,
            ref touch_refreshes_the_heartbeat_of_running_events_only,
            ref list_stale_returns_running_events_with_an_old_heartbeat,
            ref kinds_are_distinct,
            ref list_filters_by_kind_name_and_target,
            ref list_target_filters_match_extra_targets,
            ref list_filters_by_owner_time_running_and_error,
            ref list_applies_visibility_grants,
            ref list_sorts_newest_first_and_pages,
            ref selective_filters_over_many_events_sort_and_page,
            ref list_sorts_by_the_requested_key,
        );
    };
    (app_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(app_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_without_filters_returns_every_app_in_insertion_order,
            ref list_filters_by_name_regex,
            ref list_filters_by_platform_name_and_version,
            ref list_filters_by_team_owner,
            ref list_filters_by_owner,
            ref list_filters_by_pool,
            ref list_requires_every_tag,
            ref list_applies_visibility_by_teams_names_and_pools,
            ref list_combines_filters,
            ref update_replaces_the_app,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_app,
            ref delete_unknown_returns_not_found,
            ref count_in_pool_counts_the_apps_of_that_pool,
            ref names_by_team_returns_apps_whose_teams_include_it,
            ref count_by_platform_counts_every_version,
            ref mark_platform_updated_flags_only_that_platforms_apps,
            ref rename_team_renames_owner_and_team_lists,
        );
    };
    (volume_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(volume_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_volumes_by_name,
            ref update_replaces_the_volume,
            ref delete_removes_the_volume,
            ref binds_are_keyed_by_app_mount_point_and_volume,
            arc concurrent_binds_of_one_mount_point_admit_exactly_one,
            ref delete_bind_removes_only_that_bind,
        );
    };
    (pool_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(pool_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_pools_in_insertion_order,
            ref update_replaces_the_pool,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_pool,
            ref delete_unknown_returns_not_found,
            ref set_constraint_stores_one_per_pool_expr_and_field,
            ref set_constraint_replaces_the_same_pool_expr_and_field,
            arc concurrent_sets_of_one_constraint_leave_exactly_one,
            ref delete_constraint_removes_only_that_constraint,
            ref delete_absent_constraint_is_not_an_error,
        );
    };
    (cluster_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(cluster_storage, $mode, $factory;
            ref upsert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref upsert_replaces_the_whole_cluster,
            ref list_returns_every_cluster_by_name,
            ref upsert_takes_its_pools_from_the_provisioners_other_clusters,
            ref upsert_of_a_default_clears_the_provisioners_other_defaults,
            ref delete_removes_the_cluster,
            ref delete_unknown_returns_not_found,
        );
    };
    (app_version_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(app_version_storage, $mode, $factory;
            ref insert_then_list_returns_them_oldest_first,
            ref list_of_an_app_without_versions_is_empty,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_version_admit_exactly_one,
            arc concurrent_inserts_of_distinct_versions_keep_them_all,
            ref update_replaces_the_version,
            ref update_unknown_returns_not_found,
            ref delete_all_removes_only_that_apps_versions,
        );
    };
    (plan_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(plan_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_plans_in_insertion_order,
            ref clear_default_clears_every_default_flag_only,
            ref delete_removes_the_plan,
            ref delete_unknown_returns_not_found,
        );
    };
    (platform_storage, $mode:ident, $factory:expr) => {
        $crate::__contract_suite!(platform_storage, $mode, $factory;
            ref insert_then_find_returns_it,
            ref find_unknown_returns_none,
            ref insert_duplicate_returns_conflict,
            arc concurrent_inserts_of_one_name_admit_exactly_one,
            ref list_returns_every_platform,
            ref update_replaces_the_platform,
            ref update_unknown_returns_not_found,
            ref delete_removes_the_platform,
            ref delete_unknown_returns_not_found,
            ref versions_of_a_platform_without_history_are_empty,
            ref add_version_appends_to_the_history_oldest_first,
            arc concurrent_add_versions_are_all_kept,
            ref delete_removes_the_image_history,
        );
    };
}

/// Expands into one `#[tokio::test]` per clause of [`provisioner`], in a module
/// `provisioner`, each on a fresh provisioner from `$factory` (an expression whose `.await`
/// yields an `Arc` of a [`crate::provision::Provisioner`]):
///
/// ```ignore
/// tsuru_domain::provisioner_contract_tests!(async { Arc::new(MyProvisioner::new()) });
/// ```
///
/// A provisioner that needs an outside peer (a cluster) and cannot build platform images uses
/// `provisioner_contract_tests!(optional, no_builds, $factory)`: the factory yields an
/// `Option` (`None` skips the test) and the build clauses become
/// [`provisioner::build_platform_is_refused_with_a_bad_request`].
#[macro_export]
macro_rules! provisioner_contract_tests {
    (optional, no_builds, $factory:expr $(,)?) => {
        $crate::__provisioner_contract!(optional, $factory;
            ref build_platform_is_refused_with_a_bad_request,
        );
    };
    ($factory:expr $(,)?) => {
        $crate::__provisioner_contract!(required, $factory;
            ref build_platform_tags_the_version,
            ref build_platform_refuses_a_dockerfile_without_from,
        );
    };
}

/// The provisioner clauses every provisioner passes, plus the build clauses given.
#[doc(hidden)]
#[macro_export]
macro_rules! __provisioner_contract {
    ($mode:ident, $factory:expr; $($how:ident $clause:ident),* $(,)?) => {
        $crate::__contract_suite!(provisioner, $mode, $factory;
            ref it_has_a_name,
            ref an_unknown_app_has_no_units,
            ref provisioned_units_belong_to_the_app,
            ref destroy_removes_every_unit,
            ref restart_leaves_every_unit_running,
            ref restart_of_an_unknown_process_is_a_bad_request,
            ref update_applies_a_plan_change,
            ref a_provisioned_app_has_an_address,
            $($how $clause),*
        );
    };
}

/// One module of tests for one port.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_suite {
    // A store of quotas (users, teams) also gets the shared quota clauses of `contract/quota.rs`.
    ($port:ident, $mode:ident, $factory:expr; quota; $($how:ident $clause:ident),+ $(,)?) => {
        $crate::__contract_suite!($port, $mode, $factory; $($how $clause,)+
            ref set_quota_replaces_the_quota,
            ref set_quota_of_unknown_returns_not_found,
            ref inc_quota_adds_within_the_limit,
            ref inc_quota_over_the_limit_is_forbidden_and_changes_nothing,
            ref inc_quota_of_an_unlimited_quota_always_passes,
            ref inc_quota_releases_but_never_below_zero,
            ref inc_quota_of_unknown_returns_not_found,
            arc concurrent_inc_quota_admits_exactly_the_limit,
        );
    };
    ($port:ident, $mode:ident, $factory:expr; $($how:ident $clause:ident),+ $(,)?) => {
        mod $port {
            #[allow(unused_imports)]
            use super::*;
            $( $crate::__contract_test!($how, $mode, $port, $clause, $factory); )+
        }
    };
}

/// One test: build a storage, run one clause on it.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_test {
    (ref, $mode:ident, $port:ident, $clause:ident, $factory:expr) => {
        #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $clause() {
            let storage = $crate::__contract_storage!($mode, $factory);
            $crate::testing::contract::$port::$clause(&*storage).await;
        }
    };
    (arc, $mode:ident, $port:ident, $clause:ident, $factory:expr) => {
        #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $clause() {
            let storage = $crate::__contract_storage!($mode, $factory);
            $crate::testing::contract::$port::$clause(storage).await;
        }
    };
}

/// The storage of one test: the factory's, or a return when an optional factory yields none.
#[doc(hidden)]
#[macro_export]
macro_rules! __contract_storage {
    (required, $factory:expr) => {
        $factory.await
    };
    (optional, $factory:expr) => {
        match $factory.await {
            Some(storage) => storage,
            None => return,
        }
    };
}

#[cfg(test)]
mod tests {
    /// Every `pub async fn` of a suite is listed in [`__contract_port!`] with the right
    /// argument kind, so no clause is silently left out of the generated tests.
    use super::named;

    #[test]
    fn every_clause_is_in_the_macro() {
        let macro_src = include_str!("contract.rs");
        let suites = [
            ("webhook_storage", include_str!("contract/webhook_storage.rs")),
            ("delivery_storage", include_str!("contract/delivery_storage.rs")),
            ("team_token_storage", include_str!("contract/team_token_storage.rs")),
            (
                "user_storage",
                concat!(
                    include_str!("contract/user_storage.rs"),
                    include_str!("contract/quota.rs")
                ),
            ),
            ("session_storage", include_str!("contract/session_storage.rs")),
            ("password_token_storage", include_str!("contract/password_token_storage.rs")),
            ("login_throttle", include_str!("contract/login_throttle.rs")),
            (
                "team_storage",
                concat!(
                    include_str!("contract/team_storage.rs"),
                    include_str!("contract/quota.rs")
                ),
            ),
            ("role_storage", include_str!("contract/role_storage.rs")),
            (
                "event_storage",
                concat!(
                    include_str!("contract/event_storage/mod.rs"),
                    include_str!("contract/event_storage/locks.rs"),
                    include_str!("contract/event_storage/listing.rs"),
                ),
            ),
            ("app_storage", include_str!("contract/app_storage.rs")),
            ("app_version_storage", include_str!("contract/app_version_storage.rs")),
            ("pool_storage", include_str!("contract/pool_storage.rs")),
            ("plan_storage", include_str!("contract/plan_storage.rs")),
            ("platform_storage", include_str!("contract/platform_storage.rs")),
        ];
        let fn_re = regex::Regex::new(r"pub async fn (\w+)\(\s*storage: (&dyn|Arc<dyn)").unwrap();
        let named_re = regex::Regex::new(r"(?s)named_suite!\(.*?\[([^\]]*)\](.*?)\);").unwrap();
        let rename_re = regex::Regex::new(r"(\w+) = \w+").unwrap();
        // The clauses `quota;` adds to a suite.
        let quota_rule = macro_src
            .split_once("$factory:expr; quota; $(")
            .and_then(|(_, rule)| rule.split_once(");"))
            .expect("the quota rule of __contract_suite!")
            .0;
        for (port, src) in suites {
            let start = macro_src
                .find(&format!("({port}, $mode:ident, $factory:expr) => {{"))
                .unwrap_or_else(|| panic!("no arm for {port}"));
            let arm = &macro_src[start..];
            let mut arm = arm[..arm.find("};").unwrap()].to_string();
            if arm.contains("$factory; quota;") {
                arm.push_str(quota_rule);
            }
            let mut clauses = 0;
            let written = fn_re
                .captures_iter(src)
                .map(|cap| (if &cap[2] == "&dyn" { "ref" } else { "arc" }, cap[1].to_string()));
            let shared = named_re.captures_iter(src).flat_map(|cap| {
                let groups = cap[1].split(',').map(str::trim).flat_map(|g| {
                    named::GROUPS
                        .iter()
                        .find(|(name, _)| *name == g)
                        .unwrap_or_else(|| panic!("{port}: unknown group {g}"))
                        .1
                        .iter()
                        .map(|(how, clause)| (*how, clause.to_string()))
                });
                let renamed = rename_re
                    .captures_iter(&cap[2])
                    .map(|c| ("ref", c[1].to_string()))
                    .collect::<Vec<_>>();
                groups.chain(renamed).collect::<Vec<_>>()
            });
            for (how, clause) in written.chain(shared) {
                let line = format!("{how} {clause},");
                assert!(arm.contains(&line), "{port}: `{line}` missing from the macro");
                clauses += 1;
            }
            assert_eq!(
                arm.matches("ref ").count() + arm.matches("arc ").count(),
                clauses,
                "{port}: the macro lists a clause the suite does not have"
            );
        }
    }
}
