use async_trait::async_trait;

use super::Plan;
use crate::records::Records;
use crate::Result;

/// Storage of plans (tsuru collection `plans`).
#[async_trait]
pub trait PlanStorage: Records<Plan> {
    /// Clears the default flag of every plan.
    async fn clear_default(&self) -> Result<()>;
}
