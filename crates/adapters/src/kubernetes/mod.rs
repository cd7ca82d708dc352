//! The Kubernetes provisioner: apps as Deployments, Services and Secrets on the cluster that
//! serves their pool (tsuru's object mapping).
mod help;

use async_trait::async_trait;
use tsuru_domain::app::App;
use tsuru_domain::cluster::{Cluster, ClusterHelp};
use tsuru_domain::output::Output;
use tsuru_domain::provision::{Provisioner, Unit};
use tsuru_domain::{Error, Result};

pub use help::{cluster_help, validate_cluster};

/// Name pools use for this provisioner.
pub const NAME: &str = "kubernetes";

/// Runs apps on Kubernetes clusters.
#[derive(Debug, Default)]
pub struct KubernetesProvisioner {}

impl KubernetesProvisioner {
    /// A provisioner with no cluster connected yet.
    pub fn new() -> Self {
        KubernetesProvisioner {}
    }
}

fn no_cluster() -> Error {
    Error::bad_request("no cluster")
}

#[async_trait]
impl Provisioner for KubernetesProvisioner {
    fn name(&self) -> &str {
        NAME
    }

    async fn provision(&self, _app: &App, _out: &dyn Output) -> Result<()> {
        Err(no_cluster())
    }

    async fn destroy(&self, _app: &App, _out: &dyn Output) -> Result<()> {
        Ok(())
    }

    async fn units(&self, _app: &App) -> Result<Vec<Unit>> {
        Ok(Vec::new())
    }

    async fn restart(&self, _: &App, _: &str, _: &str, _: &dyn Output) -> Result<()> {
        Ok(())
    }

    async fn update(&self, _old: &App, _new: &App, _out: &dyn Output) -> Result<()> {
        Ok(())
    }

    async fn router_address(&self, _app: &App, _router: &str) -> Result<String> {
        Ok(String::new())
    }

    async fn build_platform(
        &self,
        _name: &str,
        _version: i64,
        _dockerfile: &str,
        _out: &dyn Output,
    ) -> Result<Vec<String>> {
        Err(Error::bad_request(
            "builds are not supported; deploy an image",
        ))
    }

    fn cluster_help(&self) -> Option<ClusterHelp> {
        Some(cluster_help())
    }

    async fn validate_cluster(&self, cluster: &Cluster) -> Result<()> {
        validate_cluster(cluster)
    }
}
