//! Plans.
use async_trait::async_trait;
use tsuru_domain::plan::PlanStorage;
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl PlanStorage for MemoryStore {
    async fn clear_default(&self) -> Result<()> {
        for p in self.plans.write().values_mut() {
            p.default = false;
        }
        Ok(())
    }
}
