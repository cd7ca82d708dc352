//! [`StubProvisioner`]: a provisioner that runs nothing, for tests of the use cases around one
//! (choosing a provisioner by pool, rolling back a failed app create, storing clusters).
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use crate::app::App;
use crate::cluster::{Cluster, ClusterHelp};
use crate::output::Output;
use crate::provision::{PlatformBuild, Provisioner, Restart, Unit};
use crate::{Error, Result};

/// What a [`StubProvisioner`] refuses and what it says about its clusters.
#[derive(Debug, Default, Clone)]
pub struct StubRules {
    /// Refuse every app (`the cluster is unreachable`).
    pub refuse_apps: bool,
    /// What its clusters take (`None`: it runs without clusters).
    pub cluster_help: Option<ClusterHelp>,
    /// The check of a cluster before it is stored (`None`: every cluster passes).
    pub check_cluster: Option<fn(&Cluster) -> Result<()>>,
}

/// A provisioner that runs nothing: apps have no units, routers answer `<app>.fake`, platform
/// builds make no image. It keeps what it was handed: the apps it provisioned, the clusters it
/// was told of and the names of those removed. A cluster with an address that says
/// `unreachable` cannot be connected to.
#[derive(Debug, Default)]
pub struct StubProvisioner {
    name: String,
    rules: StubRules,
    provisioned: Mutex<Vec<String>>,
    clusters: Mutex<Vec<Cluster>>,
    removed: Mutex<Vec<String>>,
}

impl StubProvisioner {
    /// A provisioner named `name` that takes every app and cluster.
    pub fn new(name: &str) -> Arc<Self> {
        Self::with(name, StubRules::default())
    }

    /// A provisioner named `name` that follows `rules`.
    pub fn with(name: &str, rules: StubRules) -> Arc<Self> {
        Arc::new(StubProvisioner { name: name.to_string(), rules, ..StubProvisioner::default() })
    }

    /// The names of the apps it provisioned, in order.
    pub fn provisioned(&self) -> Vec<String> {
        read(&self.provisioned)
    }

    /// The clusters it was told were stored, in order.
    pub fn clusters(&self) -> Vec<Cluster> {
        read(&self.clusters)
    }

    /// The names of the clusters it was told were removed, in order.
    pub fn removed(&self) -> Vec<String> {
        read(&self.removed)
    }
}

fn read<T: Clone>(list: &Mutex<Vec<T>>) -> Vec<T> {
    list.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    list.lock().unwrap_or_else(PoisonError::into_inner).push(item);
}

#[async_trait]
impl Provisioner for StubProvisioner {
    fn name(&self) -> &str {
        &self.name
    }
    async fn provision(&self, app: &App, _: &dyn Output) -> Result<()> {
        if self.rules.refuse_apps {
            return Err(Error::unexpected("the cluster is unreachable"));
        }
        push(&self.provisioned, app.name.clone());
        Ok(())
    }
    async fn destroy(&self, _: &App, _: &dyn Output) -> Result<()> {
        Ok(())
    }
    async fn units(&self, _: &App) -> Result<Vec<Unit>> {
        Ok(Vec::new())
    }
    async fn restart(&self, _: Restart<'_>, _: &dyn Output) -> Result<()> {
        Ok(())
    }
    async fn update(&self, _: &App, _: &App, _: &dyn Output) -> Result<()> {
        Ok(())
    }
    async fn router_address(&self, app: &App, _: &str) -> Result<String> {
        Ok(format!("{}.fake", app.name))
    }
    async fn build_platform(&self, _: PlatformBuild<'_>, _: &dyn Output) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    fn cluster_help(&self) -> Option<ClusterHelp> {
        self.rules.cluster_help.clone()
    }
    async fn validate_cluster(&self, cluster: &Cluster) -> Result<()> {
        self.rules.check_cluster.map_or(Ok(()), |check| check(cluster))
    }
    async fn cluster_updated(&self, cluster: &Cluster) -> Result<()> {
        push(&self.clusters, cluster.clone());
        if cluster.addresses.iter().any(|a| a.contains("unreachable")) {
            return Err(Error::Unavailable("connection refused".into()));
        }
        Ok(())
    }
    async fn cluster_removed(&self, name: &str) {
        push(&self.removed, name.to_string());
    }
}
