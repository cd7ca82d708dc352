use async_trait::async_trait;

use super::Cluster;
use crate::Result;

/// Storage of clusters (tsuru collection `provisioner_clusters`).
#[async_trait]
pub trait ClusterStorage: Send + Sync {
    /// Inserts or replaces `cluster` by name. Its pools are first taken away from every other
    /// cluster of the same provisioner, and when it is the default no other cluster of that
    /// provisioner stays default (a pool has at most one cluster; a provisioner one default).
    async fn upsert(&self, cluster: &Cluster) -> Result<()>;
    /// One cluster.
    async fn find(&self, name: &str) -> Result<Option<Cluster>>;
    /// Every cluster, by name.
    async fn list(&self) -> Result<Vec<Cluster>>;
    /// Deletes a cluster.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `cluster not found` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
}
