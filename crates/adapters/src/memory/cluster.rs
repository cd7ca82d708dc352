//! Clusters.
use async_trait::async_trait;
use tsuru_domain::cluster::{Cluster, ClusterStorage, CLUSTER_NOT_FOUND};
use tsuru_domain::{Error, Result};

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
        Ok(self.clusters.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Cluster>> {
        let mut all: Vec<Cluster> = self.clusters.read().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.clusters
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(CLUSTER_NOT_FOUND))
    }
}
