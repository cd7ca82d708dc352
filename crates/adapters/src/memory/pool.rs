//! Pools and their constraints.
use async_trait::async_trait;
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl PoolStorage for MemoryStore {
    async fn update(&self, pool: &Pool) -> Result<()> {
        self.pools.replace(&pool.name, pool, POOL_NOT_FOUND)
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        Ok(self.constraints.all())
    }

    async fn set_constraint(&self, c: &Constraint) -> Result<()> {
        self.constraints.write().insert((c.pool_expr.clone(), c.field.clone()), c.clone());
        Ok(())
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        self.constraints.write().shift_remove(&(pool_expr.to_string(), field.to_string()));
        Ok(())
    }
}
