//! Contract of [`RoleStorage`].

use super::named::named_suite;
use super::sorted;
use crate::permission::{ContextType, Role, RoleStorage};
use crate::testing::role;

/// A global role.
fn global(name: &str) -> Role {
    role(name, ContextType::Global)
}

/// A team role with permissions and an event.
fn full(name: &str) -> Role {
    let mut r = role(name, ContextType::Team);
    r.scheme_names = vec!["app".into(), "team.read".into()];
    r.events = vec!["team-create".into()];
    r
}

named_suite!(Role, RoleStorage { update }, global, full;
    [standard, concurrent, update_unknown] list_returns_roles_in_insertion_order = list_in_insertion_order,
    delete_removes_the_role = delete_removes_it);

/// `update` replaces the stored role of the same name.
pub async fn update_replaces_the_role(storage: &dyn RoleStorage) {
    storage.insert(&role("admin", ContextType::Global)).await.expect("insert");
    storage.insert(&role("other", ContextType::Global)).await.expect("insert");
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

/// `find_many` returns each existing role named once and skips unknown names.
pub async fn find_many_skips_unknown_names(storage: &dyn RoleStorage) {
    for n in ["a", "b", "c"] {
        storage.insert(&role(n, ContextType::Global)).await.expect("insert");
    }
    let asked: Vec<String> = ["c", "nope", "a", "c"].map(String::from).to_vec();
    let found = storage.find_many(&asked).await.expect("find_many");
    assert_eq!(sorted(&found, |r| r.name.clone()), ["a", "c"]);
    assert_eq!(found.iter().find(|r| r.name == "a"), Some(&role("a", ContextType::Global)));
    assert!(storage.find_many(&[]).await.expect("find_many").is_empty());
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
    assert!(storage.list_by_event("other-event").await.expect("list").is_empty());
}
