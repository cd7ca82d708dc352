use async_trait::async_trait;

use super::Plan;
use crate::Result;

/// Storage of plans (tsuru collection `plans`).
#[async_trait]
pub trait PlanStorage: Send + Sync {
    /// Stores a plan.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `plan already exists` when the name is taken.
    async fn insert(&self, plan: &Plan) -> Result<()>;
    /// Every plan in insertion order.
    async fn list(&self) -> Result<Vec<Plan>>;
    /// One plan.
    async fn find(&self, name: &str) -> Result<Option<Plan>>;
    /// Clears the default flag of every plan.
    async fn clear_default(&self) -> Result<()>;
    /// Deletes a plan.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `plan not found` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
}
