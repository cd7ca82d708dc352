//! Contract of [`SessionStorage`].
use crate::testing::session;
use crate::user::SessionStorage;

/// A stored session is found by its id with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn SessionStorage) {
    let s = session("jti-1", "me@example.com");
    storage.insert(&s).await.expect("insert");
    assert_eq!(storage.find("jti-1").await.expect("find"), Some(s));
}

/// An unknown id finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn SessionStorage) {
    storage.insert(&session("jti-1", "me@example.com")).await.expect("insert");
    assert_eq!(storage.find("jti-2").await.expect("find"), None);
}

/// `delete` removes that session and keeps the user's others.
pub async fn delete_removes_only_that_session(storage: &dyn SessionStorage) {
    for jti in ["jti-1", "jti-2"] {
        storage.insert(&session(jti, "me@example.com")).await.expect("insert");
    }
    storage.delete("jti-1").await.expect("delete");
    assert_eq!(storage.find("jti-1").await.expect("find"), None);
    assert!(storage.find("jti-2").await.expect("find").is_some());
}

/// Deleting an absent session is no error.
pub async fn delete_absent_session_is_not_an_error(storage: &dyn SessionStorage) {
    storage.delete("jti-1").await.expect("delete absent");
    storage.insert(&session("jti-1", "me@example.com")).await.expect("insert");
    storage.delete("jti-1").await.expect("delete");
    storage.delete("jti-1").await.expect("delete twice");
}

/// `delete_by_user` removes every session of the user, returns how many, and keeps the
/// sessions of other users.
pub async fn delete_by_user_removes_every_session_of_the_user_and_counts_them(
    storage: &dyn SessionStorage,
) {
    for (jti, email) in [
        ("jti-1", "me@example.com"),
        ("jti-2", "other@example.com"),
        ("jti-3", "me@example.com"),
        ("jti-4", "me@example.com"),
    ] {
        storage.insert(&session(jti, email)).await.expect("insert");
    }
    assert_eq!(storage.delete_by_user("me@example.com").await.expect("delete"), 3);
    for jti in ["jti-1", "jti-3", "jti-4"] {
        assert_eq!(storage.find(jti).await.expect("find"), None, "{jti}");
    }
    let kept = storage.find("jti-2").await.expect("find");
    assert_eq!(kept.map(|s| s.user_email), Some("other@example.com".to_string()));
    assert_eq!(storage.delete_by_user("me@example.com").await.expect("delete"), 0);
}
