//! Contract of [`TeamTokenStorage`].
use std::sync::Arc;

use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::permission::RoleInstance;
use crate::testing::{at, team_token};
use crate::token::{TeamToken, TeamTokenStorage};

const NOT_FOUND: &str = crate::token::TOKEN_NOT_FOUND;
const EXISTS: &str = crate::token::TOKEN_ALREADY_EXISTS;

fn ids(tokens: &[TeamToken]) -> Vec<&str> {
    tokens.iter().map(|t| t.token_id.as_str()).collect()
}

/// A stored token is found by id and by value with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn TeamTokenStorage) {
    let mut t = team_token("infra-1", "infra");
    t.expires_at = Some(at(3600));
    t.last_access = Some(at(10));
    t.roles = vec![RoleInstance::new("deployer", "infra")];
    storage.insert(&t).await.expect("insert");
    assert_eq!(storage.find("infra-1").await.expect("find"), Some(t.clone()));
    assert_eq!(storage.find_by_value(&t.token).await.expect("by value"), Some(t));
}

/// Unknown ids and values find nothing.
pub async fn find_unknown_returns_none(storage: &dyn TeamTokenStorage) {
    storage.insert(&team_token("infra-1", "infra")).await.expect("insert");
    assert_eq!(storage.find("other").await.expect("find"), None);
    let other = team_token("other", "infra");
    assert_eq!(storage.find_by_value(&other.token).await.expect("by value"), None);
    assert_eq!(storage.find_by_value("").await.expect("empty"), None);
}

/// A taken id is a conflict and keeps the first token.
pub async fn insert_duplicate_id_returns_conflict(storage: &dyn TeamTokenStorage) {
    let first = team_token("infra-1", "infra");
    storage.insert(&first).await.expect("insert");
    let mut second = team_token("infra-1", "other");
    second.token = "f".repeat(64);
    assert_conflict(storage.insert(&second).await, EXISTS);
    assert_eq!(storage.find("infra-1").await.expect("find"), Some(first));
    assert_eq!(storage.find_by_value(&second.token).await.expect("value"), None);
}

/// A taken value is a conflict and stores nothing.
pub async fn insert_duplicate_value_returns_conflict(storage: &dyn TeamTokenStorage) {
    let first = team_token("infra-1", "infra");
    storage.insert(&first).await.expect("insert");
    let mut second = team_token("infra-2", "infra");
    second.token = first.token.clone();
    assert_conflict(storage.insert(&second).await, EXISTS);
    assert_eq!(storage.find("infra-2").await.expect("find"), None);
    assert_eq!(storage.find_by_value(&first.token).await.expect("value"), Some(first));
}

/// Concurrent inserts of one id: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_id_admit_exactly_one(storage: Arc<dyn TeamTokenStorage>) {
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move {
            let mut t = team_token("infra-1", "infra");
            t.token = format!("{i:064x}");
            s.insert(&t).await
        }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, EXISTS));
    assert_eq!(storage.list(None).await.expect("list").len(), 1);
}

/// `list(None)` returns every token in insertion order; `list(Some(teams))` only those teams'.
pub async fn list_returns_all_or_the_tokens_of_the_teams_given(storage: &dyn TeamTokenStorage) {
    for (id, team) in [("c", "ops"), ("a", "infra"), ("b", "web")] {
        storage.insert(&team_token(id, team)).await.expect("insert");
    }
    assert_eq!(ids(&storage.list(None).await.expect("all")), ["c", "a", "b"]);
    let teams = ["web".to_string(), "ops".to_string()];
    assert_eq!(ids(&storage.list(Some(&teams)).await.expect("some")), ["c", "b"]);
    assert!(storage.list(Some(&[])).await.expect("none").is_empty());
}

/// `update` replaces value, description and expiry only; the old value finds nothing.
pub async fn update_replaces_value_description_and_expiry_only(storage: &dyn TeamTokenStorage) {
    let mut t = team_token("infra-1", "infra");
    t.roles = vec![RoleInstance::new("r", "infra")];
    t.last_access = Some(at(5));
    storage.insert(&t).await.expect("insert");
    let old_value = t.token.clone();
    let mut changed = t.clone();
    changed.token = "a".repeat(64);
    changed.description = "changed".into();
    changed.expires_at = Some(at(60));
    changed.roles = Vec::new();
    changed.last_access = None;
    changed.team = "other".into();
    storage.update(&changed).await.expect("update");
    let expected = TeamToken {
        token: changed.token.clone(),
        description: "changed".into(),
        expires_at: Some(at(60)),
        ..t
    };
    assert_eq!(storage.find("infra-1").await.expect("find"), Some(expected.clone()));
    assert_eq!(storage.find_by_value(&changed.token).await.expect("new value"), Some(expected));
    assert_eq!(storage.find_by_value(&old_value).await.expect("old"), None);
}

/// Updating an unknown token is not found.
pub async fn update_unknown_returns_not_found(storage: &dyn TeamTokenStorage) {
    assert_not_found(storage.update(&team_token("x", "infra")).await, NOT_FOUND);
    assert_eq!(storage.find("x").await.expect("find"), None);
}

/// Moving a token to a value another token holds is a conflict and changes nothing.
pub async fn update_to_a_taken_value_returns_conflict(storage: &dyn TeamTokenStorage) {
    let a = team_token("a", "infra");
    let b = team_token("b", "infra");
    storage.insert(&a).await.expect("insert a");
    storage.insert(&b).await.expect("insert b");
    let mut changed = a.clone();
    changed.token = b.token.clone();
    changed.description = "changed".into();
    assert_conflict(storage.update(&changed).await, EXISTS);
    assert_eq!(storage.find("a").await.expect("find"), Some(a.clone()));
    assert_eq!(storage.find_by_value(&a.token).await.expect("a"), Some(a));
    assert_eq!(storage.find_by_value(&b.token).await.expect("b"), Some(b));
}

/// `record_access` sets the last access; an unknown token is not found.
pub async fn record_access_sets_last_access(storage: &dyn TeamTokenStorage) {
    storage.insert(&team_token("a", "infra")).await.expect("insert");
    storage.record_access("a", at(42)).await.expect("record");
    let got = storage.find("a").await.expect("find").expect("stored");
    assert_eq!(got.last_access, Some(at(42)));
    assert_not_found(storage.record_access("x", at(1)).await, NOT_FOUND);
}

/// Adding an instance twice keeps one.
pub async fn add_role_has_set_semantics(storage: &dyn TeamTokenStorage) {
    storage.insert(&team_token("a", "infra")).await.expect("insert");
    let r1 = RoleInstance::new("deployer", "infra");
    let r2 = RoleInstance::new("deployer", "web");
    for r in [&r1, &r2, &r1] {
        storage.add_role("a", r).await.expect("add");
    }
    let got = storage.find("a").await.expect("find").expect("stored");
    assert_eq!(got.roles, vec![r1, r2]);
}

/// Adding a role to an unknown token is not found.
pub async fn add_role_to_unknown_returns_not_found(storage: &dyn TeamTokenStorage) {
    assert_not_found(storage.add_role("x", &RoleInstance::new("r", "")).await, NOT_FOUND);
}

/// Concurrent adds of distinct instances keep them all.
pub async fn concurrent_add_role_of_distinct_roles_keeps_them_all(
    storage: Arc<dyn TeamTokenStorage>,
) {
    storage.insert(&team_token("a", "infra")).await.expect("insert");
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move { s.add_role("a", &RoleInstance::new(format!("r{i}"), "")).await }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let got = storage.find("a").await.expect("find").expect("stored");
    assert_eq!(got.roles.len(), CONCURRENCY);
}

/// `remove_role` removes only the instance equal to the one given.
pub async fn remove_role_removes_only_the_equal_instance(storage: &dyn TeamTokenStorage) {
    let mut t = team_token("a", "infra");
    t.roles = vec![
        RoleInstance::new("deployer", "infra"),
        RoleInstance::new("deployer", "web"),
        RoleInstance::new("reader", "infra"),
    ];
    storage.insert(&t).await.expect("insert");
    storage.remove_role("a", &RoleInstance::new("deployer", "infra")).await.expect("remove");
    storage.remove_role("a", &RoleInstance::new("absent", "")).await.expect("remove absent");
    let got = storage.find("a").await.expect("find").expect("stored");
    assert_eq!(
        got.roles,
        vec![RoleInstance::new("deployer", "web"), RoleInstance::new("reader", "infra")]
    );
}

/// Removing a role from an unknown token is not found.
pub async fn remove_role_from_unknown_returns_not_found(storage: &dyn TeamTokenStorage) {
    assert_not_found(storage.remove_role("x", &RoleInstance::new("r", "")).await, NOT_FOUND);
}

/// `rename_role` renames the instances of every token, keeping context values and other
/// roles.
pub async fn rename_role_renames_every_instance_keeping_values(storage: &dyn TeamTokenStorage) {
    let mut a = team_token("a", "infra");
    a.roles = vec![RoleInstance::new("old", "infra"), RoleInstance::new("other", "x")];
    let mut b = team_token("b", "web");
    b.roles = vec![RoleInstance::new("old", "web")];
    storage.insert(&a).await.expect("insert a");
    storage.insert(&b).await.expect("insert b");
    storage.rename_role("old", "new").await.expect("rename");
    let got = storage.find("a").await.expect("find").expect("a");
    assert_eq!(got.roles, vec![RoleInstance::new("new", "infra"), RoleInstance::new("other", "x")]);
    let got = storage.find("b").await.expect("find").expect("b");
    assert_eq!(got.roles, vec![RoleInstance::new("new", "web")]);
}

/// `delete` removes the token and its value.
pub async fn delete_removes_the_token_and_its_value(storage: &dyn TeamTokenStorage) {
    let a = team_token("a", "infra");
    let b = team_token("b", "infra");
    storage.insert(&a).await.expect("insert a");
    storage.insert(&b).await.expect("insert b");
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert_eq!(storage.find_by_value(&a.token).await.expect("value"), None);
    assert_eq!(ids(&storage.list(None).await.expect("list")), ["b"]);
    // The id and value are free again.
    storage.insert(&a).await.expect("insert again");
}

/// Deleting an unknown token is not found.
pub async fn delete_unknown_returns_not_found(storage: &dyn TeamTokenStorage) {
    assert_not_found(storage.delete("x").await, NOT_FOUND);
}
