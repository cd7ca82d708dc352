//! Pools and their constraints.
use async_trait::async_trait;
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl PoolStorage for MemoryStore {
    async fn insert(&self, pool: &Pool) -> Result<()> {
        let mut pools = self.pools.write();
        if pools.contains_key(&pool.name) {
            return Err(Error::conflict(tsuru_domain::pool::POOL_ALREADY_EXISTS));
        }
        pools.insert(pool.name.clone(), pool.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Pool>> {
        Ok(self.pools.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Pool>> {
        Ok(self.pools.read().values().cloned().collect())
    }

    async fn update(&self, pool: &Pool) -> Result<()> {
        match self.pools.write().get_mut(&pool.name) {
            Some(p) => {
                *p = pool.clone();
                Ok(())
            }
            None => Err(Error::not_found(POOL_NOT_FOUND)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.pools
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(POOL_NOT_FOUND))
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        Ok(self.constraints.read().values().cloned().collect())
    }

    async fn set_constraint(&self, c: &Constraint) -> Result<()> {
        self.constraints
            .write()
            .insert((c.pool_expr.clone(), c.field.clone()), c.clone());
        Ok(())
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        self.constraints
            .write()
            .shift_remove(&(pool_expr.to_string(), field.to_string()));
        Ok(())
    }
}
