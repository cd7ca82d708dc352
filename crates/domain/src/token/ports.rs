use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::TeamToken;
use crate::permission::RoleInstance;
use crate::Result;

/// Storage of team tokens (tsuru collection `team_tokens`, unique on `token` and `token_id`).
#[async_trait]
pub trait TeamTokenStorage: Send + Sync {
    /// Stores a new token.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `team token already exists` (and store nothing)
    /// when a token with this `token_id` or this value exists.
    async fn insert(&self, token: &TeamToken) -> Result<()>;
    /// The token with this id.
    async fn find(&self, token_id: &str) -> Result<Option<TeamToken>>;
    /// The token with this secret value.
    async fn find_by_value(&self, value: &str) -> Result<Option<TeamToken>>;
    /// Every token (`teams` = `None`) or the tokens of the teams in `teams`, in insertion
    /// order.
    async fn list(&self, teams: Option<&[String]>) -> Result<Vec<TeamToken>>;
    /// Replaces the value, the description and the expiry of a stored token; its other fields
    /// (roles, last access, team, creation) stay as stored.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team token not found` when it does not exist,
    /// and [`crate::Error::Conflict`] `team token already exists` (changing nothing) when
    /// another token holds the new value.
    async fn update(&self, token: &TeamToken) -> Result<()>;
    /// Sets the last access time.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team token not found` when it does not exist.
    async fn record_access(&self, token_id: &str, now: DateTime<Utc>) -> Result<()>;
    /// Adds a role instance unless the token already has it (set semantics).
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team token not found` when it does not exist.
    async fn add_role(&self, token_id: &str, role: &RoleInstance) -> Result<()>;
    /// Removes every instance equal to `role` from the token.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team token not found` when it does not exist.
    async fn remove_role(&self, token_id: &str, role: &RoleInstance) -> Result<()>;
    /// Renames role `old` to `new` in every token's instances, keeping their context values.
    async fn rename_role(&self, old: &str, new: &str) -> Result<()>;
    /// Deletes a token; its value no longer finds anything.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team token not found` when it does not exist.
    async fn delete(&self, token_id: &str) -> Result<()>;
}
