use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{PasswordToken, Session, SessionClaims, SshKey, User};
use crate::permission::RoleInstance;
use crate::quota::Quota;
use crate::records::Records;
use crate::Result;

/// Storage of users (tsuru collection `users`), by e-mail.
#[async_trait]
pub trait UserStorage: Records<User> {
    /// The user owning this API key.
    async fn find_by_api_key(&self, key: &str) -> Result<Option<User>>;
    /// Users holding a role instance of role `role`.
    async fn list_by_role(&self, role: &str) -> Result<Vec<User>>;
    /// Replaces the password hash.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `user not found` when it does not exist.
    async fn set_password(&self, email: &str, hash: &str) -> Result<()>;
    /// Replaces the API key.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `user not found` when it does not exist.
    async fn set_api_key(&self, email: &str, key: &str) -> Result<()>;
    /// Records `uses` uses of the API key, the last at `now`: last access = `now`, counter +
    /// `uses`, atomically.
    async fn record_api_key_use(&self, email: &str, now: DateTime<Utc>, uses: i64) -> Result<()>;
    /// Replaces the quota.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `user not found` when it does not exist.
    async fn set_quota(&self, email: &str, quota: Quota) -> Result<()>;
    /// Adds `delta` apps to the user's quota use, atomically.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Forbidden`] `Quota exceeded. Available: <n>, Requested: <m>.`
    /// (and change nothing) when a positive `delta` goes over the limit; `NotFound` `user not
    /// found`. Use never goes below 0.
    async fn inc_quota(&self, email: &str, delta: i64) -> Result<()>;
    /// Adds a role instance unless the user already has it (set semantics).
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `user not found` when it does not exist.
    async fn add_role(&self, email: &str, role: &RoleInstance) -> Result<()>;
    /// Removes every instance equal to `role` from the user.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `user not found` when it does not exist.
    async fn remove_role(&self, email: &str, role: &RoleInstance) -> Result<()>;
    /// Removes every instance of role `name` from every user.
    async fn remove_role_from_all(&self, name: &str) -> Result<()>;
    /// Adds an SSH key; with `replace`, a key of the same name is overwritten.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `user already have this key` when a key with this
    /// name (unless `replace`) or this content is registered, and `NotFound` for an unknown user.
    async fn add_key(&self, email: &str, key: &SshKey, replace: bool) -> Result<()>;
    /// Removes the SSH key named `name`.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `User does not have this key` when there is none.
    async fn remove_key(&self, email: &str, name: &str) -> Result<()>;
}

/// Storage of login sessions (tsuru collection `tokens`); a session exists until logout,
/// password change, user removal or expiry.
#[async_trait]
pub trait SessionStorage: Send + Sync {
    /// Stores a session.
    async fn insert(&self, session: &Session) -> Result<()>;
    /// The session with this id.
    async fn find(&self, jti: &str) -> Result<Option<Session>>;
    /// Deletes one session (no error when absent).
    async fn delete(&self, jti: &str) -> Result<()>;
    /// Deletes every session of a user; returns how many.
    async fn delete_by_user(&self, email: &str) -> Result<u64>;
}

/// Storage of password-reset tokens (tsuru collection `password_tokens`).
#[async_trait]
pub trait PasswordTokenStorage: Send + Sync {
    /// Stores a token.
    async fn insert(&self, token: &PasswordToken) -> Result<()>;
    /// The token with this value.
    async fn find(&self, token: &str) -> Result<Option<PasswordToken>>;
    /// Marks the token used; returns false when it was already used or does not exist, so a
    /// token is consumed once even under concurrent requests.
    async fn consume(&self, token: &str) -> Result<bool>;
}

/// Failed-login counters, kept in storage so every `tsurud` replica sees them.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Records a failure for `key` and returns the failures within the window that contains
    /// `now` (a fixed window of `window_secs` starting at the first failure).
    async fn record_failure(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32>;
    /// Failures for `key` within the current window.
    async fn failures(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32>;
    /// Forgets the failures of `key`.
    async fn reset(&self, key: &str) -> Result<()>;
}

/// Password hashing (bcrypt in production).
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password.
    async fn hash(&self, password: &str) -> anyhow::Result<String>;
    /// Whether `password` matches `hash`; a malformed hash never matches.
    async fn verify(&self, password: &str, hash: &str) -> bool;
}

/// Signs and verifies session tokens (JWT in production).
pub trait TokenIssuer: Send + Sync {
    /// Signs claims into a token string.
    ///
    /// # Errors
    /// When signing fails.
    fn issue(&self, claims: &SessionClaims) -> anyhow::Result<String>;
    /// Verifies a token's signature and expiry; `None` for anything invalid.
    fn verify(&self, token: &str) -> Option<SessionClaims>;
}
