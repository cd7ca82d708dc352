use std::sync::Arc;

use derive_new::new;

use super::{
    unknown_provisioner, Cluster, ClusterHelp, ClusterStorage, CLUSTER_ALREADY_EXISTS,
    CLUSTER_NOT_FOUND,
};
use crate::event::{EventService, NewEvent};
use crate::pool::{PoolStorage, POOL_NOT_FOUND};
use crate::provision::{Provisioner, ProvisionerRegistry};
use crate::{Call, Error, Identity, Result};

/// A registered provisioner and what its clusters take (`None`: it runs without clusters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionerInfo {
    /// Provisioner name.
    pub name: String,
    /// Its cluster help.
    pub cluster_help: Option<ClusterHelp>,
}

/// Cluster use cases (tsuru `provision/cluster` and `api/cluster.go`).
///
/// A cluster is checked (tsuru's rules, then its provisioner's), stored, then handed to its
/// provisioner ([`Provisioner::cluster_updated`]); when the provisioner refuses it, the stored
/// clusters are put back as they were. Clusters leave this service without their credentials
/// ([`Cluster::without_secrets`]); only provisioners see them.
#[derive(new)]
pub struct ClusterService {
    clusters: Arc<dyn ClusterStorage>,
    pools: Arc<dyn PoolStorage>,
    provisioners: Arc<ProvisionerRegistry>,
    events: Arc<EventService>,
}

/// `err` naming the cluster it is about.
fn naming(name: &str, err: Error) -> Error {
    let prefix = |m: String| {
        if m.contains(name) {
            m
        } else {
            format!("cluster {name:?}: {m}")
        }
    };
    match err {
        Error::BadRequest(m) => Error::BadRequest(prefix(m)),
        Error::Forbidden(m) => Error::Forbidden(prefix(m)),
        Error::NotFound(m) => Error::NotFound(prefix(m)),
        Error::Conflict(m) => Error::Conflict(prefix(m)),
        Error::PreconditionFailed(m) => Error::PreconditionFailed(prefix(m)),
        Error::Unavailable(m) => Error::Unavailable(prefix(m)),
        Error::Unexpected(e) => Error::Unexpected(e.context(format!("cluster {name:?}"))),
        other => other,
    }
}

impl ClusterService {
    /// Every cluster, without credentials.
    ///
    /// # Errors
    /// 403 without a global `cluster.read`.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<Cluster>> {
        identity.require("cluster.read", &[])?;
        let all = self.clusters.list().await?;
        Ok(all.iter().map(Cluster::without_secrets).collect())
    }

    /// One cluster, without credentials.
    ///
    /// # Errors
    /// 403 without a global `cluster.read`; 404 `cluster not found`.
    #[tracing::instrument(skip_all, fields(cluster = %name))]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<Cluster> {
        identity.require("cluster.read", &[])?;
        Ok(self.find(name).await?.without_secrets())
    }

    async fn find(&self, name: &str) -> Result<Cluster> {
        self.clusters.find(name).await?.ok_or_else(|| Error::not_found(CLUSTER_NOT_FOUND))
    }

    /// Every registered provisioner with its cluster help, by name.
    ///
    /// # Errors
    /// 403 without a global `cluster.read`.
    #[tracing::instrument(skip_all)]
    pub async fn provisioners(&self, identity: &Identity) -> Result<Vec<ProvisionerInfo>> {
        identity.require("cluster.read", &[])?;
        let mut out = Vec::new();
        for name in self.provisioners.names() {
            let p = self.provisioners.get(&name)?;
            out.push(ProvisionerInfo { cluster_help: p.cluster_help(), name });
        }
        Ok(out)
    }

    /// Creates a cluster.
    ///
    /// # Errors
    /// 403 without a global `cluster.create`; 409 `cluster already exists`; 404
    /// `Pool does not exist.`; 400 for tsuru's checks and the provisioner's; the provisioner's
    /// error (naming the cluster) when it cannot take the cluster, nothing being stored then.
    #[tracing::instrument(skip_all, fields(cluster = %cluster.name))]
    pub async fn create(&self, call: &Call, cluster: Cluster) -> Result<()> {
        call.require("cluster.create", &[])?;
        let ev = NewEvent::on("cluster", &cluster.name, "cluster.create", call);
        self.events
            .run(ev, async {
                if self.clusters.find(&cluster.name).await?.is_some() {
                    return Err(Error::conflict(CLUSTER_ALREADY_EXISTS));
                }
                self.check_pools(&cluster, Error::not_found).await?;
                cluster.validate(true)?;
                self.save(cluster).await
            })
            .await
    }

    /// Replaces the cluster named `name` by `cluster` (the whole document; credentials the
    /// client could not read back are kept, see [`Cluster::keep_secrets_of`]).
    ///
    /// # Errors
    /// 403 without a global `cluster.update`; 404 `cluster not found`; 400 `Pool does not
    /// exist.`, tsuru's checks and the provisioner's; the provisioner's error (naming the
    /// cluster) when it cannot take the change, the old cluster being kept then.
    #[tracing::instrument(skip_all, fields(cluster = %name))]
    pub async fn update(&self, call: &Call, name: &str, mut cluster: Cluster) -> Result<()> {
        call.require("cluster.update", &[])?;
        cluster.name = name.to_string();
        let ev = NewEvent::on("cluster", name, "cluster.update", call);
        self.events
            .run(ev, async {
                let stored = self.find(name).await?;
                cluster.keep_secrets_of(&stored);
                self.check_pools(&cluster, Error::bad_request).await?;
                cluster.validate(false)?;
                self.save(cluster).await
            })
            .await
    }

    /// Removes a cluster; its provisioner stops watching it (its objects stay).
    ///
    /// # Errors
    /// 403 without a global `cluster.delete`; 404 `cluster not found`.
    #[tracing::instrument(skip_all, fields(cluster = %name))]
    pub async fn delete(&self, call: &Call, name: &str) -> Result<()> {
        call.require("cluster.delete", &[])?;
        let ev = NewEvent::on("cluster", name, "cluster.delete", call);
        self.events
            .run(ev, async {
                let stored = self.find(name).await?;
                self.clusters.delete(name).await?;
                if let Ok(p) = self.provisioners.get(&stored.provisioner) {
                    p.cluster_removed(name).await;
                }
                Ok(())
            })
            .await
    }

    /// Hands every stored cluster to its provisioner (at start-up, all at once), so
    /// provisioners connect to the clusters they serve. Failures are logged and counted,
    /// never fatal.
    ///
    /// # Errors
    /// When the clusters cannot be read.
    #[tracing::instrument(skip_all)]
    pub async fn connect_all(&self) -> Result<usize> {
        let clusters = self.clusters.list().await?;
        let results = futures::future::join_all(clusters.iter().map(|c| async move {
            let p = self
                .provisioners
                .get(&c.provisioner)
                .map_err(|_| unknown_provisioner(&c.provisioner))?;
            p.cluster_updated(c).await
        }))
        .await;
        let mut failed = 0;
        for (c, r) in clusters.iter().zip(results) {
            if let Err(e) = r {
                tracing::warn!(cluster = %c.name, error = %e, "could not connect to the cluster");
                failed += 1;
            }
        }
        Ok(failed)
    }

    async fn check_pools(
        &self,
        cluster: &Cluster,
        missing: fn(&'static str) -> Error,
    ) -> Result<()> {
        for pool in &cluster.pools {
            if self.pools.find(pool).await?.is_none() {
                return Err(missing(POOL_NOT_FOUND));
            }
        }
        Ok(())
    }

    fn provisioner_of(&self, cluster: &Cluster) -> Result<Arc<dyn Provisioner>> {
        if !self.provisioners.names().contains(&cluster.provisioner) {
            return Err(unknown_provisioner(&cluster.provisioner));
        }
        self.provisioners.get(&cluster.provisioner)
    }

    /// Checks with the provisioner, stores, and hands the cluster over; when the provisioner
    /// refuses it, every cluster of that provisioner is put back as it was (the upsert may
    /// have taken pools or the default flag from others).
    async fn save(&self, cluster: Cluster) -> Result<()> {
        let provisioner = self.provisioner_of(&cluster)?;
        provisioner.validate_cluster(&cluster).await?;
        let before = self.clusters.list().await?;
        self.clusters.upsert(&cluster).await?;
        let Err(err) = provisioner.cluster_updated(&cluster).await else {
            return Ok(());
        };
        let err = naming(&cluster.name, err);
        if let Err(e) = self.restore(&cluster, &before).await {
            tracing::error!(cluster = %cluster.name, error = %e,
                "could not put the clusters back after the provisioner refused a change");
        }
        Err(err)
    }

    async fn restore(&self, cluster: &Cluster, before: &[Cluster]) -> Result<()> {
        let old = before.iter().find(|c| c.name == cluster.name);
        match old {
            Some(old) => self.clusters.upsert(old).await?,
            None => match self.clusters.delete(&cluster.name).await {
                Ok(()) | Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            },
        }
        let now = self.clusters.list().await?;
        for was in before.iter().filter(|c| c.name != cluster.name) {
            if now.iter().find(|c| c.name == was.name) != Some(was) {
                self.clusters.upsert(was).await?;
            }
        }
        Ok(())
    }
}
