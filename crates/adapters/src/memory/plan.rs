//! Plans.
use async_trait::async_trait;
use tsuru_domain::plan::{Plan, PlanStorage};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl PlanStorage for MemoryStore {
    async fn insert(&self, plan: &Plan) -> Result<()> {
        let mut plans = self.plans.write();
        if plans.contains_key(&plan.name) {
            return Err(Error::conflict(tsuru_domain::plan::PLAN_ALREADY_EXISTS));
        }
        plans.insert(plan.name.clone(), plan.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Plan>> {
        Ok(self.plans.read().values().cloned().collect())
    }

    async fn find(&self, name: &str) -> Result<Option<Plan>> {
        Ok(self.plans.read().get(name).cloned())
    }

    async fn clear_default(&self) -> Result<()> {
        for p in self.plans.write().values_mut() {
            p.default = false;
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.plans
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(tsuru_domain::plan::PLAN_NOT_FOUND))
    }
}
