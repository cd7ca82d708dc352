use async_trait::async_trait;

use super::Role;
use crate::Result;

/// Storage of roles (tsuru collection `roles`).
#[async_trait]
pub trait RoleStorage: Send + Sync {
    /// Stores a new role.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `role already exists` when the name is taken.
    async fn insert(&self, role: &Role) -> Result<()>;
    /// Replaces the stored role of the same name.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `role not found` when it does not exist.
    async fn update(&self, role: &Role) -> Result<()>;
    /// The role named `name`, if any.
    async fn find(&self, name: &str) -> Result<Option<Role>>;
    /// The roles among `names` that exist (unknown names are skipped).
    async fn find_many(&self, names: &[String]) -> Result<Vec<Role>>;
    /// Every role, in insertion order.
    async fn list(&self) -> Result<Vec<Role>>;
    /// Roles that joined role event `event`.
    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>>;
    /// Deletes a role.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `role not found` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
}
