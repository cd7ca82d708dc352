use async_trait::async_trait;

use super::Role;
use crate::records::Records;
use crate::Result;

/// Storage of roles (tsuru collection `roles`).
#[async_trait]
pub trait RoleStorage: Records<Role> {
    /// Replaces the stored role of the same name.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `role not found` when it does not exist.
    async fn update(&self, role: &Role) -> Result<()>;
    /// The roles among `names` that exist (unknown names are skipped).
    async fn find_many(&self, names: &[String]) -> Result<Vec<Role>>;
    /// Roles that joined role event `event`.
    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>>;
}
