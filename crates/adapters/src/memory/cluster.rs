//! Clusters.
use async_trait::async_trait;
use tsuru_domain::cluster::{Cluster, ClusterStorage, CLUSTER_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl ClusterStorage for MemoryStore {
    async fn upsert(&self, cluster: &Cluster) -> Result<()> {
        let mut clusters = self.clusters.write();
        for other in clusters.values_mut() {
            if other.provisioner != cluster.provisioner {
                continue;
            }
            other.pools.retain(|p| !cluster.pools.contains(p));
            if cluster.default {
                other.default = false;
            }
        }
        clusters.insert(cluster.name.clone(), cluster.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Cluster>> {
        Ok(self.clusters.get(name))
    }

    async fn list(&self) -> Result<Vec<Cluster>> {
        Ok(self.clusters.by_key())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.clusters.remove(name, CLUSTER_NOT_FOUND).map(drop)
    }
}
