use async_trait::async_trait;

use super::{Constraint, Pool};
use crate::records::Records;
use crate::Result;

/// Storage of pools (in insertion order) and constraints (tsuru collections `pool`,
/// `pool_constraints`).
#[async_trait]
pub trait PoolStorage: Records<Pool> {
    /// Replaces a pool.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Pool does not exist.` when it does not exist.
    async fn update(&self, pool: &Pool) -> Result<()>;
    /// Every constraint.
    async fn constraints(&self) -> Result<Vec<Constraint>>;
    /// Inserts or replaces the constraint of (`pool_expr`, `field`).
    async fn set_constraint(&self, c: &Constraint) -> Result<()>;
    /// Removes the constraint of (`pool_expr`, `field`), if any.
    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()>;
}
