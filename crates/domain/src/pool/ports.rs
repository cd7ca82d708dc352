use async_trait::async_trait;

use super::{Constraint, Pool};
use crate::Result;

/// Storage of pools and constraints (tsuru collections `pool`, `pool_constraints`).
#[async_trait]
pub trait PoolStorage: Send + Sync {
    /// Stores a pool.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `Pool already exists.` when the name is taken.
    async fn insert(&self, pool: &Pool) -> Result<()>;
    /// One pool.
    async fn find(&self, name: &str) -> Result<Option<Pool>>;
    /// Every pool, in insertion order.
    async fn list(&self) -> Result<Vec<Pool>>;
    /// Replaces a pool.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Pool does not exist.` when it does not exist.
    async fn update(&self, pool: &Pool) -> Result<()>;
    /// Deletes a pool.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Pool does not exist.` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
    /// Every constraint.
    async fn constraints(&self) -> Result<Vec<Constraint>>;
    /// Inserts or replaces the constraint of (`pool_expr`, `field`).
    async fn set_constraint(&self, c: &Constraint) -> Result<()>;
    /// Removes the constraint of (`pool_expr`, `field`), if any.
    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()>;
}
