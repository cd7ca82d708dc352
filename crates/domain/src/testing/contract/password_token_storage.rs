//! Contract of [`PasswordTokenStorage`].
use std::sync::Arc;

use super::{concurrently, CONCURRENCY};
use crate::testing::password_token;
use crate::user::PasswordTokenStorage;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A stored token is found by its value with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn PasswordTokenStorage) {
    let t = password_token(TOKEN, "me@example.com");
    storage.insert(&t).await.expect("insert");
    assert_eq!(storage.find(TOKEN).await.expect("find"), Some(t));
}

/// An unknown value finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn PasswordTokenStorage) {
    storage.insert(&password_token(TOKEN, "me@example.com")).await.expect("insert");
    assert_eq!(storage.find("other").await.expect("find"), None);
}

/// The first `consume` returns true and marks the token used; later ones return false.
pub async fn consume_succeeds_once(storage: &dyn PasswordTokenStorage) {
    let t = password_token(TOKEN, "me@example.com");
    storage.insert(&t).await.expect("insert");
    assert!(storage.consume(TOKEN).await.expect("consume"));
    let used = storage.find(TOKEN).await.expect("find");
    assert_eq!(used, Some(crate::user::PasswordToken { used: true, ..t }));
    assert!(!storage.consume(TOKEN).await.expect("consume again"));
}

/// Consuming an unknown token returns false.
pub async fn consume_unknown_returns_false(storage: &dyn PasswordTokenStorage) {
    assert!(!storage.consume(TOKEN).await.expect("consume"));
    assert_eq!(storage.find(TOKEN).await.expect("find"), None);
}

/// A token stored as used cannot be consumed.
pub async fn consume_of_a_used_token_returns_false(storage: &dyn PasswordTokenStorage) {
    let mut t = password_token(TOKEN, "me@example.com");
    t.used = true;
    storage.insert(&t).await.expect("insert");
    assert!(!storage.consume(TOKEN).await.expect("consume"));
}

/// Concurrent consumes of one token: exactly one returns true.
pub async fn concurrent_consumes_of_one_token_succeed_exactly_once(
    storage: Arc<dyn PasswordTokenStorage>,
) {
    storage.insert(&password_token(TOKEN, "me@example.com")).await.expect("insert");
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.consume(TOKEN).await }
    })
    .await;
    let wins = results.iter().map(|r| *r.as_ref().expect("consume")).filter(|won| *won).count();
    assert_eq!(wins, 1, "{results:?}");
}
