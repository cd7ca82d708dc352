//! Plans.
use async_trait::async_trait;
use tsuru_domain::plan::{Plan, PlanStorage, PLAN_ALREADY_EXISTS, PLAN_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl PlanStorage for MemoryStore {
    async fn insert(&self, plan: &Plan) -> Result<()> {
        self.plans.add(plan.name.clone(), plan, PLAN_ALREADY_EXISTS)
    }

    async fn list(&self) -> Result<Vec<Plan>> {
        Ok(self.plans.all())
    }

    async fn find(&self, name: &str) -> Result<Option<Plan>> {
        Ok(self.plans.get(name))
    }

    async fn clear_default(&self) -> Result<()> {
        for p in self.plans.write().values_mut() {
            p.default = false;
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.plans.remove(name, PLAN_NOT_FOUND).map(drop)
    }
}
