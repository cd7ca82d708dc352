//! Contract of [`UserStorage`].
use std::sync::Arc;

use super::named::named_suite;
use super::present;
use super::quota;
use super::{
    assert_admitted, assert_conflict, assert_not_found, concurrently, sorted, CONCURRENCY,
};
use crate::permission::RoleInstance;
use crate::quota::Quota;
use crate::testing::{at, ssh_key, user, user_with_api_key};
use crate::user::{User, UserStorage};

const KEY_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const KEY_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

async fn stored(storage: &dyn UserStorage, email: &str) -> User {
    present(storage.find(email).await, &format!("user {email}"))
}

/// A user with an API key, roles, groups, a quota, a key and API key use.
fn full(email: &str) -> User {
    let mut u = user_with_api_key(email, KEY_A);
    u.roles = vec![RoleInstance::new("admin", "")];
    u.groups = vec!["ops".into()];
    u.quota = Quota { limit: 3, inuse: 1 };
    u.keys = vec![ssh_key("laptop", 1)];
    u.api_key_last_access = Some(at(10));
    u.api_key_usage_counter = 7;
    u
}

named_suite!(User, UserStorage, user, full;
    [standard] list_returns_users_in_insertion_order = list_in_insertion_order);

/// Concurrent inserts of one e-mail: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_email_admit_exactly_one(storage: Arc<dyn UserStorage>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&user("me@example.com")).await }
    })
    .await;
    assert_admitted(results, 1, |r| {
        assert_conflict(r, crate::user::EMAIL_ALREADY_REGISTERED);
    });
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// `list_by_role` returns users holding an instance of the role, whatever its context value.
pub async fn list_by_role_returns_holders_of_any_instance(storage: &dyn UserStorage) {
    let mut scoped = user("scoped@example.com");
    scoped.roles = vec![RoleInstance::new("team-member", "infra")];
    let mut global = user("global@example.com");
    global.roles = vec![RoleInstance::new("other", ""), RoleInstance::new("team-member", "")];
    let mut none = user("none@example.com");
    none.roles = vec![RoleInstance::new("team-member-x", "infra")];
    for u in [&scoped, &global, &none] {
        storage.insert(u).await.expect("insert");
    }
    let found = storage.list_by_role("team-member").await.expect("list");
    assert_eq!(sorted(&found, |u| u.email.clone()), ["global@example.com", "scoped@example.com"]);
    assert!(storage.list_by_role("nobody-has-it").await.expect("list").is_empty());
}

/// A deleted user is gone, and so is the lookup by its API key.
pub async fn delete_removes_the_user_and_its_api_key(storage: &dyn UserStorage) {
    storage.insert(&user_with_api_key("me@example.com", KEY_A)).await.expect("insert");
    storage.insert(&user("other@example.com")).await.expect("insert");
    storage.delete("me@example.com").await.expect("delete");
    assert_eq!(storage.find("me@example.com").await.expect("find"), None);
    assert_eq!(storage.find_by_api_key(KEY_A).await.expect("find"), None);
    assert!(storage.find("other@example.com").await.expect("find").is_some());
}

/// `set_password` replaces the hash and nothing else.
pub async fn set_password_replaces_the_hash(storage: &dyn UserStorage) {
    let mut u = user("me@example.com");
    u.roles = vec![RoleInstance::new("admin", "")];
    storage.insert(&u).await.expect("insert");
    storage.set_password("me@example.com", "new-hash").await.expect("set_password");
    u.password = "new-hash".into();
    assert_eq!(stored(storage, "me@example.com").await, u);
}

/// `set_password` of an unknown user is `NotFound`.
pub async fn set_password_of_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.set_password("me@example.com", "h").await,
        crate::user::USER_NOT_FOUND,
    );
}

/// A user inserted with an API key is found by it.
pub async fn api_key_given_at_insert_finds_the_user(storage: &dyn UserStorage) {
    let u = user_with_api_key("me@example.com", KEY_A);
    storage.insert(&u).await.expect("insert");
    storage.insert(&user_with_api_key("other@example.com", KEY_B)).await.expect("insert");
    assert_eq!(storage.find_by_api_key(KEY_A).await.expect("find"), Some(u));
}

/// After `set_api_key` the new key finds the user and the old one finds nobody.
pub async fn api_key_lookup_follows_regeneration(storage: &dyn UserStorage) {
    storage.insert(&user_with_api_key("me@example.com", KEY_A)).await.expect("insert");
    storage.set_api_key("me@example.com", KEY_B).await.expect("set_api_key");
    let found = storage.find_by_api_key(KEY_B).await.expect("find");
    assert_eq!(found.map(|u| u.api_key), Some(KEY_B.to_string()));
    assert_eq!(storage.find_by_api_key(KEY_A).await.expect("find"), None);
    assert_eq!(stored(storage, "me@example.com").await.api_key, KEY_B);

    // A user whose key was never set gets one the same way.
    storage.insert(&user("other@example.com")).await.expect("insert");
    storage.set_api_key("other@example.com", KEY_A).await.expect("set_api_key");
    let found = storage.find_by_api_key(KEY_A).await.expect("find");
    assert_eq!(found.map(|u| u.email), Some("other@example.com".to_string()));
}

/// An unknown key, or the empty key of users that have none, finds nobody.
pub async fn unknown_or_empty_api_key_finds_nobody(storage: &dyn UserStorage) {
    storage.insert(&user("keyless@example.com")).await.expect("insert");
    storage.insert(&user_with_api_key("me@example.com", KEY_A)).await.expect("insert");
    assert_eq!(storage.find_by_api_key(KEY_B).await.expect("find"), None);
    assert_eq!(storage.find_by_api_key("").await.expect("find"), None);
}

/// `set_api_key` of an unknown user is `NotFound`.
pub async fn set_api_key_of_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.set_api_key("me@example.com", KEY_A).await,
        crate::user::USER_NOT_FOUND,
    );
    assert_eq!(storage.find_by_api_key(KEY_A).await.expect("find"), None);
}

/// Recorded uses set the last access time and add to the counter.
pub async fn record_api_key_use_sets_last_access_and_counts(storage: &dyn UserStorage) {
    storage.insert(&user_with_api_key("me@example.com", KEY_A)).await.expect("insert");
    storage.record_api_key_use("me@example.com", at(10), 1).await.expect("record");
    storage.record_api_key_use("me@example.com", at(20), 3).await.expect("record");
    let u = stored(storage, "me@example.com").await;
    assert_eq!(u.api_key_last_access, Some(at(20)));
    assert_eq!(u.api_key_usage_counter, 4);
}

/// Concurrent uses of one API key are all counted.
pub async fn concurrent_api_key_uses_are_all_counted(storage: Arc<dyn UserStorage>) {
    storage.insert(&user_with_api_key("me@example.com", KEY_A)).await.expect("insert");
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.record_api_key_use("me@example.com", at(10), 1).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let u = stored(&*storage, "me@example.com").await;
    assert_eq!(u.api_key_usage_counter, CONCURRENCY as i64);
}

/// `set_quota` replaces the quota.
pub async fn set_quota_replaces_the_quota(storage: &dyn UserStorage) {
    storage.insert(&user("me@example.com")).await.expect("insert");
    let q = Quota { limit: 5, inuse: 2 };
    storage.set_quota("me@example.com", q).await.expect("set_quota");
    assert_eq!(stored(storage, "me@example.com").await.quota, q);
}

/// `set_quota` of an unknown user is `NotFound`.
pub async fn set_quota_of_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.set_quota("me@example.com", Quota::unlimited()).await,
        crate::user::USER_NOT_FOUND,
    );
}

/// Adding a role instance twice stores it once; other context values are other instances.
pub async fn add_role_has_set_semantics(storage: &dyn UserStorage) {
    storage.insert(&user("me@example.com")).await.expect("insert");
    let a = RoleInstance::new("team-member", "infra");
    let b = RoleInstance::new("team-member", "web");
    for r in [&a, &a, &b, &a] {
        storage.add_role("me@example.com", r).await.expect("add");
    }
    assert_eq!(stored(storage, "me@example.com").await.roles, [a, b]);
}

/// Adding a role to an unknown user is `NotFound`.
pub async fn add_role_to_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.add_role("me@example.com", &RoleInstance::new("admin", "")).await,
        crate::user::USER_NOT_FOUND,
    );
}

/// Concurrent additions of distinct roles to one user are all kept.
pub async fn concurrent_add_role_of_distinct_roles_keeps_them_all(storage: Arc<dyn UserStorage>) {
    storage.insert(&user("me@example.com")).await.expect("insert");
    let results =
        concurrently(CONCURRENCY, |i| {
            let s = Arc::clone(&storage);
            async move {
                s.add_role("me@example.com", &RoleInstance::new(format!("role-{i:02}"), "")).await
            }
        })
        .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let roles = stored(&*storage, "me@example.com").await.roles;
    let expected: Vec<String> = (0..CONCURRENCY).map(|i| format!("role-{i:02}")).collect();
    assert_eq!(sorted(&roles, |r| r.name.clone()), expected);
}

/// `remove_role` removes the equal instance only: same name with another context stays.
pub async fn remove_role_removes_only_the_equal_instance(storage: &dyn UserStorage) {
    let a = RoleInstance::new("team-member", "infra");
    let b = RoleInstance::new("team-member", "web");
    let mut u = user("me@example.com");
    u.roles = vec![a.clone(), b.clone()];
    storage.insert(&u).await.expect("insert");
    storage.remove_role("me@example.com", &a).await.expect("remove");
    assert_eq!(stored(storage, "me@example.com").await.roles, std::slice::from_ref(&b));
    // Removing an instance the user does not hold changes nothing.
    storage.remove_role("me@example.com", &a).await.expect("remove");
    assert_eq!(stored(storage, "me@example.com").await.roles, [b]);
}

/// Removing a role from an unknown user is `NotFound`.
pub async fn remove_role_from_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.remove_role("me@example.com", &RoleInstance::new("admin", "")).await,
        crate::user::USER_NOT_FOUND,
    );
}

/// `remove_role_from_all` removes every instance of the role from every user.
pub async fn remove_role_from_all_removes_every_instance(storage: &dyn UserStorage) {
    let keep = RoleInstance::new("other", "");
    let mut one = user("one@example.com");
    one.roles = vec![RoleInstance::new("gone", "a"), keep.clone(), RoleInstance::new("gone", "b")];
    let mut two = user("two@example.com");
    two.roles = vec![RoleInstance::new("gone", "")];
    storage.insert(&one).await.expect("insert");
    storage.insert(&two).await.expect("insert");
    storage.remove_role_from_all("gone").await.expect("remove");
    assert_eq!(stored(storage, "one@example.com").await.roles, [keep]);
    assert!(stored(storage, "two@example.com").await.roles.is_empty());
    assert!(storage.list_by_role("gone").await.expect("list").is_empty());
}

/// Stores `me@example.com` with `keys` added one by one.
async fn with_keys(storage: &dyn UserStorage, keys: &[&crate::user::SshKey]) {
    storage.insert(&user("me@example.com")).await.expect("insert");
    for k in keys {
        storage.add_key("me@example.com", k, false).await.expect("add");
    }
}

/// Keys with distinct names and contents are appended.
pub async fn add_key_appends_keys(storage: &dyn UserStorage) {
    let (k1, k2) = (ssh_key("laptop", 1), ssh_key("desktop", 2));
    with_keys(storage, &[&k1, &k2]).await;
    assert_eq!(stored(storage, "me@example.com").await.keys, [k1, k2]);
}

/// A key whose name is taken is a conflict unless `replace` is set.
pub async fn add_key_with_a_taken_name_returns_conflict(storage: &dyn UserStorage) {
    let k1 = ssh_key("laptop", 1);
    with_keys(storage, &[&k1]).await;
    assert_conflict(
        storage.add_key("me@example.com", &ssh_key("laptop", 2), false).await,
        crate::user::KEY_ALREADY_EXISTS,
    );
    assert_eq!(stored(storage, "me@example.com").await.keys, [k1]);
}

/// A key whose content is registered under another name is a conflict, even with `replace`.
pub async fn add_key_with_taken_content_returns_conflict_even_when_replacing(
    storage: &dyn UserStorage,
) {
    let (k1, k2) = (ssh_key("laptop", 1), ssh_key("desktop", 2));
    with_keys(storage, &[&k1, &k2]).await;
    let same_content =
        |name: &str| crate::user::SshKey { name: name.to_string(), content: k1.content.clone() };
    for replace in [false, true] {
        assert_conflict(
            storage.add_key("me@example.com", &same_content("other"), replace).await,
            crate::user::KEY_ALREADY_EXISTS,
        );
        assert_conflict(
            storage.add_key("me@example.com", &same_content("desktop"), replace).await,
            crate::user::KEY_ALREADY_EXISTS,
        );
    }
    assert_eq!(stored(storage, "me@example.com").await.keys, [k1, k2]);
}

/// With `replace`, a key of the same name is overwritten in place.
pub async fn add_key_with_replace_overwrites_the_named_key(storage: &dyn UserStorage) {
    let (k1, k2) = (ssh_key("laptop", 1), ssh_key("desktop", 2));
    with_keys(storage, &[&k1, &k2]).await;
    let new = ssh_key("laptop", 3);
    storage.add_key("me@example.com", &new, true).await.expect("replace");
    let keys = stored(storage, "me@example.com").await.keys;
    assert_eq!(sorted(&keys, |k| k.name.clone()), ["desktop", "laptop"]);
    assert!(keys.contains(&new) && keys.contains(&k2), "{keys:?}");
    // With `replace` and a new name, the key is simply added.
    let k4 = ssh_key("tablet", 4);
    storage.add_key("me@example.com", &k4, true).await.expect("add");
    assert_eq!(stored(storage, "me@example.com").await.keys.len(), 3);
}

/// Adding a key to an unknown user is `NotFound`.
pub async fn add_key_to_unknown_returns_not_found(storage: &dyn UserStorage) {
    assert_not_found(
        storage.add_key("me@example.com", &ssh_key("laptop", 1), false).await,
        crate::user::USER_NOT_FOUND,
    );
}

/// `remove_key` removes the named key and keeps the others.
pub async fn remove_key_removes_only_that_key(storage: &dyn UserStorage) {
    let (k1, k2) = (ssh_key("laptop", 1), ssh_key("desktop", 2));
    with_keys(storage, &[&k1, &k2]).await;
    storage.remove_key("me@example.com", "laptop").await.expect("remove");
    assert_eq!(stored(storage, "me@example.com").await.keys, [k2]);
}

/// Removing a key the user does not have is `NotFound` `User does not have this key`.
pub async fn remove_missing_key_returns_not_found(storage: &dyn UserStorage) {
    with_keys(storage, &[&ssh_key("laptop", 1)]).await;
    assert_not_found(
        storage.remove_key("me@example.com", "desktop").await,
        crate::user::KEY_NOT_FOUND,
    );
    assert_eq!(stored(storage, "me@example.com").await.keys.len(), 1);
}

/// A user whose quota is `limit` with `inuse` used.
async fn with_quota(storage: &dyn UserStorage, email: &str, limit: i64, inuse: i64) -> User {
    let mut u = user(email);
    u.quota = Quota { limit, inuse };
    storage.insert(&u).await.expect("insert");
    u
}

/// `inc_quota` within the limit adds to the use, up to the limit itself, and changes nothing
/// else.
pub async fn inc_quota_adds_within_the_limit(storage: &dyn UserStorage) {
    let mut u = user_with_api_key("me@example.com", KEY_A);
    u.quota = Quota { limit: 3, inuse: 0 };
    u.roles = vec![RoleInstance::new("admin", "")];
    storage.insert(&u).await.expect("insert");
    let other = with_quota(storage, "other@example.com", 3, 0).await;
    storage.inc_quota("me@example.com", 2).await.expect("inc");
    storage.inc_quota("me@example.com", 1).await.expect("inc");
    u.quota = Quota { limit: 3, inuse: 3 };
    assert_eq!(stored(storage, "me@example.com").await, u);
    assert_eq!(stored(storage, "other@example.com").await, other);
}

quota::quota_clauses!(
    UserStorage,
    "user",
    "me@example.com",
    "none@example.com",
    "over@example.com",
    crate::user::USER_NOT_FOUND
);
