//! The pure mapping of an app, one of its versions and its cluster onto Kubernetes objects,
//! with tsuru's names, labels, selectors and environment (no API calls here).
mod env;
mod labels;
mod render;
mod resources;

pub use env::*;
pub use labels::*;
pub use render::*;
pub use resources::*;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, ExecAction, Lifecycle, LifecycleHandler,
    Namespace, PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements, Secret,
    SecretKeySelector, Service, ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::ByteString;
use sha2::{Digest, Sha256};
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::{Error, Result};

/// Prefix of every label and annotation tsuru writes.
pub const PREFIX: &str = "tsuru.io/";
/// Where apps' code lives in tsuru's images.
pub const APP_DIR: &str = "/home/application/current";
/// Port apps listen on unless their image says otherwise.
pub const DEFAULT_PORT: i32 = 8888;
/// Annotation holding the hash of the env Secret (a change forces a rollout).
pub const SECRET_HASH: &str = "tsuru.io/secret-sha256";
/// Label counting restarts.
pub const RESTARTS: &str = "tsuru.io/restarts";
/// Label marking a stopped app's objects.
pub const IS_STOPPED: &str = "tsuru.io/is-stopped";
/// Label naming the app.
pub const APP_NAME: &str = "tsuru.io/app-name";
/// Label naming the process.
pub const APP_PROCESS: &str = "tsuru.io/app-process";
/// Label holding the version number.
pub const APP_VERSION: &str = "tsuru.io/app-version";
/// Label on everything tsuru runs.
pub const IS_TSURU: &str = "tsuru.io/is-tsuru";
/// Node label selecting a pool's nodes.
pub const POOL_NODE_LABEL: &str = "tsuru.io/pool";

pub(super) fn p(key: &str) -> String {
    format!("{PREFIX}{key}")
}

/// tsuru's `ValidKubeName`: lower-case, every char outside `[a-z0-9.-]` becomes `-`.
pub fn valid_kube_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// tsuru's `AppProcessName`: `<app>-<proc>[-v<N>|-<suffix>]`, hashed down to 55 chars.
pub fn app_process_name(app: &str, process: &str, version: i64, suffix: &str) -> String {
    let name = valid_kube_name(app);
    let mut pv = valid_kube_name(process);
    if version > 0 {
        pv.push_str(&format!("-v{version}"));
    } else if !suffix.is_empty() {
        pv.push('-');
        pv.push_str(suffix);
    }
    let label = format!("{name}-{pv}");
    if label.len() <= 55 {
        return label;
    }
    let hash = hex::encode(Sha256::digest(pv.as_bytes()));
    let keep = 55usize.saturating_sub(name.len() + 1).min(hash.len());
    format!("{name}-{}", &hash[..keep])
}

/// The base Deployment (and Service, PDB) of a process: `<app>-<proc>`.
pub fn deployment_name(app: &str, process: &str) -> String {
    app_process_name(app, process, 0, "")
}

/// The headless Service of a process: `<app>-<proc>-units`.
pub fn headless_name(app: &str, process: &str) -> String {
    app_process_name(app, process, 0, "units")
}

/// The env Secret of a Deployment: `tsuru-app-<deployment>`.
pub fn secret_name(deployment: &str) -> String {
    format!("tsuru-app-{deployment}")
}

/// The app's ServiceAccount: `app-<app>`.
pub fn service_account_name(app: &str) -> String {
    format!("app-{}", valid_kube_name(app))
}

/// Selector of everything of an app.
pub fn app_selector(app: &str) -> String {
    format!("{APP_NAME}={app}")
}

/// What a process's objects carry that is not in the app or the version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessState {
    /// Replicas wanted.
    pub replicas: i32,
    /// Restart count (`None`: never restarted since the deploy).
    pub restarts: Option<i64>,
    /// Whether the app is stopped.
    pub stopped: bool,
}

/// Server-wide settings the mapping reads (tsuru config keys).
#[derive(Debug, Clone)]
pub struct RenderSettings {
    /// `host`: the API address apps see as `TSURU_HOST`.
    pub host: String,
    /// `docker:uid`: the user pods run as (`None`: the image's).
    pub run_as_user: Option<i64>,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings { host: String::new(), run_as_user: Some(1000) }
    }
}

/// Everything one process of one version renders from.
#[derive(Debug, Clone, Copy)]
pub struct ProcessContext<'a> {
    /// The app.
    pub app: &'a App,
    /// The version deployed.
    pub version: &'a AppVersion,
    /// The process.
    pub process: &'a str,
    /// The cluster it runs on.
    pub cluster: &'a Cluster,
    /// The app namespace.
    pub namespace: &'a str,
    /// Server settings.
    pub settings: &'a RenderSettings,
    /// The volumes bound to the app, with its binds of each.
    pub volumes: &'a [crate::kubernetes::volume::BoundVolume],
}

/// One service port of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// `http-default-<i>` / `udp-default-<i>`.
    pub name: String,
    /// `TCP` or `UDP`.
    pub protocol: String,
    /// Service port.
    pub port: i32,
    /// Container port.
    pub target_port: i32,
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The app namespace of a pool (tsuru's `PoolNamespace`, without per-pool namespaces):
/// custom data `namespace`, else `default`.
pub fn app_namespace(cluster: &Cluster) -> String {
    cluster
        .custom_data
        .get("namespace")
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| "default".into())
}

/// The namespace of the App custom resources: `:namespace`, then `namespace`, else `tsuru`.
pub fn cr_namespace(cluster: &Cluster) -> String {
    cluster
        .setting("", "namespace")
        .filter(|n| !n.is_empty())
        .map_or_else(|| "tsuru".to_string(), str::to_string)
}

#[cfg(test)]
mod tests;
