//! Contract of [`RoleStorage`].
use std::sync::Arc;

use super::{
    assert_admitted, assert_conflict, assert_not_found, concurrently, sorted, CONCURRENCY,
};
use crate::permission::{ContextType, Role, RoleStorage};
use crate::testing::role;

fn names(roles: &[Role]) -> Vec<&str> {
    roles.iter().map(|r| r.name.as_str()).collect()
}

/// A stored role is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn RoleStorage) {
    let mut r = role("team-member", ContextType::Team);
    r.scheme_names = vec!["app".into(), "team.read".into()];
    r.events = vec!["team-create".into()];
    storage.insert(&r).await.expect("insert");
    assert_eq!(storage.find("team-member").await.expect("find"), Some(r));
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn RoleStorage) {
    storage
        .insert(&role("admin", ContextType::Global))
        .await
        .expect("insert");
    assert_eq!(storage.find("other").await.expect("find"), None);
}

/// Inserting a taken name is a conflict and keeps the first role.
pub async fn insert_duplicate_returns_conflict(storage: &dyn RoleStorage) {
    let first = role("admin", ContextType::Global);
    storage.insert(&first).await.expect("insert");
    assert_conflict(
        storage.insert(&role("admin", ContextType::Team)).await,
        crate::permission::ROLE_ALREADY_EXISTS,
    );
    assert_eq!(storage.find("admin").await.expect("find"), Some(first));
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(storage: Arc<dyn RoleStorage>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&role("admin", ContextType::Global)).await }
    })
    .await;
    assert_admitted(results, 1, |r| {
        assert_conflict(r, crate::permission::ROLE_ALREADY_EXISTS)
    });
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// `update` replaces the stored role of the same name.
pub async fn update_replaces_the_role(storage: &dyn RoleStorage) {
    storage
        .insert(&role("admin", ContextType::Global))
        .await
        .expect("insert");
    storage
        .insert(&role("other", ContextType::Global))
        .await
        .expect("insert");
    let mut changed = role("admin", ContextType::Team);
    changed.description = "changed".into();
    changed.scheme_names = vec!["*".into()];
    changed.events = vec!["team-create".into()];
    storage.update(&changed).await.expect("update");
    assert_eq!(storage.find("admin").await.expect("find"), Some(changed));
    assert_eq!(
        storage.find("other").await.expect("find"),
        Some(role("other", ContextType::Global))
    );
}

/// Updating an unknown role is `NotFound` and stores nothing.
pub async fn update_unknown_returns_not_found(storage: &dyn RoleStorage) {
    assert_not_found(
        storage.update(&role("admin", ContextType::Global)).await,
        crate::permission::ROLE_NOT_FOUND,
    );
    assert_eq!(storage.find("admin").await.expect("find"), None);
}

/// `find_many` returns each existing role named once and skips unknown names.
pub async fn find_many_skips_unknown_names(storage: &dyn RoleStorage) {
    for n in ["a", "b", "c"] {
        storage
            .insert(&role(n, ContextType::Global))
            .await
            .expect("insert");
    }
    let asked: Vec<String> = ["c", "nope", "a", "c"].map(String::from).to_vec();
    let found = storage.find_many(&asked).await.expect("find_many");
    assert_eq!(sorted(&found, |r| r.name.clone()), ["a", "c"]);
    assert_eq!(
        found.iter().find(|r| r.name == "a"),
        Some(&role("a", ContextType::Global))
    );
    assert!(storage.find_many(&[]).await.expect("find_many").is_empty());
}

/// `list` returns every role in insertion order, also after a deletion.
pub async fn list_returns_roles_in_insertion_order(storage: &dyn RoleStorage) {
    for n in ["c", "a", "b"] {
        storage
            .insert(&role(n, ContextType::Global))
            .await
            .expect("insert");
    }
    assert_eq!(names(&storage.list().await.expect("list")), ["c", "a", "b"]);
    storage.delete("a").await.expect("delete");
    assert_eq!(names(&storage.list().await.expect("list")), ["c", "b"]);
}

/// `list_by_event` returns the roles that joined the role event, and only those.
pub async fn list_by_event_returns_roles_that_joined_it(storage: &dyn RoleStorage) {
    let mut on_user = role("on-user", ContextType::Global);
    on_user.events = vec!["user-create".into()];
    let mut on_both = role("on-both", ContextType::Team);
    on_both.events = vec!["team-create".into(), "user-create".into()];
    let mut on_team = role("on-team", ContextType::Team);
    on_team.events = vec!["team-create".into()];
    let none = role("none", ContextType::Global);
    for r in [&on_user, &on_both, &on_team, &none] {
        storage.insert(r).await.expect("insert");
    }
    let found = storage.list_by_event("user-create").await.expect("list");
    assert_eq!(sorted(&found, |r| r.name.clone()), ["on-both", "on-user"]);
    let found = storage.list_by_event("team-create").await.expect("list");
    assert_eq!(sorted(&found, |r| r.name.clone()), ["on-both", "on-team"]);
    assert!(storage
        .list_by_event("other-event")
        .await
        .expect("list")
        .is_empty());
}

/// A deleted role is gone; the others stay.
pub async fn delete_removes_the_role(storage: &dyn RoleStorage) {
    for n in ["a", "b"] {
        storage
            .insert(&role(n, ContextType::Global))
            .await
            .expect("insert");
    }
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.find("a").await.expect("find"), None);
    assert!(storage.find("b").await.expect("find").is_some());
    storage
        .insert(&role("a", ContextType::Team))
        .await
        .expect("insert again");
}

/// Deleting an unknown role is `NotFound`.
pub async fn delete_unknown_returns_not_found(storage: &dyn RoleStorage) {
    assert_not_found(
        storage.delete("admin").await,
        crate::permission::ROLE_NOT_FOUND,
    );
}
