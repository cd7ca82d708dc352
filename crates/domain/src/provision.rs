//! What runs apps: the provisioner port and the units it reports.
use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::{App, AppVersion};
use crate::cluster::{Cluster, ClusterHelp};
use crate::node::{no_node_support, NewNode, Node, NodeUpdate};
use crate::output::Output;
use crate::volume::Volume;
use crate::{Error, Result};

/// tsuru's unit states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitStatus {
    /// Initial.
    Created,
    /// Deploy in progress.
    Building,
    /// Failed.
    Error,
    /// Coming up.
    Starting,
    /// Running.
    Started,
    /// Stopped.
    Stopped,
    /// Asleep.
    Asleep,
}

impl UnitStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitStatus::Created => "created",
            UnitStatus::Building => "building",
            UnitStatus::Error => "error",
            UnitStatus::Starting => "starting",
            UnitStatus::Started => "started",
            UnitStatus::Stopped => "stopped",
            UnitStatus::Asleep => "asleep",
        }
    }

    /// Whether a unit in this state counts against the app's unit quota.
    pub fn counts_for_quota(self) -> bool {
        matches!(
            self,
            UnitStatus::Starting | UnitStatus::Started | UnitStatus::Stopped | UnitStatus::Asleep
        )
    }
}

/// One running instance of an app's process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Unique id.
    pub id: String,
    /// Name (same as the id here).
    pub name: String,
    /// App.
    pub app_name: String,
    /// Process (`web`, `worker`, ...).
    pub process_name: String,
    /// Platform of the app.
    pub unit_type: String,
    /// Host address.
    pub ip: String,
    /// Internal address.
    pub internal_ip: String,
    /// State.
    pub status: UnitStatus,
    /// Why it is in that state.
    pub status_reason: String,
    /// `host:port` it serves on, if any.
    pub address: Option<String>,
    /// App version it runs.
    pub version: i64,
    /// Whether routers send traffic to it.
    pub routable: bool,
    /// Restart count.
    pub restarts: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Whether it is ready.
    pub ready: bool,
}

/// A platform image to build: platform `name` at `version`, from a Dockerfile.
#[derive(Debug, Clone, Copy)]
pub struct PlatformBuild<'a> {
    /// The platform.
    pub name: &'a str,
    /// The version the image is tagged with.
    pub version: i64,
    /// The Dockerfile.
    pub dockerfile: &'a str,
}

/// The units a start, a stop or a unit change acts on: those of `process` (of every process
/// when empty) of `version` of `app`.
#[derive(Debug, Clone, Copy)]
pub struct ProcessUnits<'a> {
    /// The app.
    pub app: &'a App,
    /// The process, or empty for all.
    pub process: &'a str,
    /// The version.
    pub version: &'a AppVersion,
}

impl<'a> ProcessUnits<'a> {
    /// The units of `process` of `version` of `app`.
    pub fn new(app: &'a App, process: &'a str, version: &'a AppVersion) -> Self {
        ProcessUnits { app, process, version }
    }
}

/// The units a restart acts on: those of `process` (of every process when empty) of `app`, of
/// the deployed version `version` only when one is given.
#[derive(Debug, Clone, Copy)]
pub struct Restart<'a> {
    /// The app.
    pub app: &'a App,
    /// The process, or empty for all.
    pub process: &'a str,
    /// The version, or `None` for every deployed one.
    pub version: Option<i64>,
}

impl<'a> Restart<'a> {
    /// Every unit of `app`.
    pub fn all(app: &'a App) -> Self {
        Restart { app, process: "", version: None }
    }

    /// The units of `process` of the version a request names (`3` or `v3`; empty or `0` for
    /// every version).
    ///
    /// # Errors
    /// 400 `Invalid version: <v>` when it is not a number.
    pub fn parse(app: &'a App, process: &'a str, version: &str) -> Result<Self> {
        let v = version.trim();
        let version = match v.strip_prefix('v').unwrap_or(v) {
            "" | "0" => None,
            n => Some(n.parse().map_err(|_| crate::app::invalid_version(v))?),
        };
        Ok(Restart { app, process, version })
    }
}

/// What a provisioner that cannot `what` answers.
fn cannot(provisioner: &str, what: &str) -> Error {
    Error::bad_request(format!("provisioner {provisioner:?} cannot {what}"))
}

/// Runs apps.
#[async_trait]
pub trait Provisioner: Send + Sync {
    /// Provisioner name (pools refer to it).
    fn name(&self) -> &str;
    /// Prepares a new app.
    ///
    /// # Errors
    /// When the app cannot be provisioned.
    async fn provision(&self, app: &App, out: &dyn Output) -> Result<()>;
    /// Removes everything the app runs.
    ///
    /// # Errors
    /// When removal fails.
    async fn destroy(&self, app: &App, out: &dyn Output) -> Result<()>;
    /// The app's units.
    ///
    /// # Errors
    /// When they cannot be listed.
    async fn units(&self, app: &App) -> Result<Vec<Unit>>;
    /// Restarts the units of `units` (every deployed version's when it names none), moving each
    /// through tsuru's unit states.
    ///
    /// # Errors
    /// An unknown version or process, or a failed restart.
    async fn restart(&self, units: Restart<'_>, out: &dyn Output) -> Result<()>;
    /// Applies changes of pool, plan or platform.
    ///
    /// # Errors
    /// When the change cannot be applied.
    async fn update(&self, old: &App, new: &App, out: &dyn Output) -> Result<()>;
    /// The address `router` serves the app on (empty when not ready).
    ///
    /// # Errors
    /// When the router cannot be asked.
    async fn router_address(&self, app: &App, router: &str) -> Result<String>;
    /// Builds a platform image and returns the image names.
    ///
    /// # Errors
    /// 400 for an unusable Dockerfile; build failures.
    async fn build_platform(
        &self,
        build: PlatformBuild<'_>,
        out: &dyn Output,
    ) -> Result<Vec<String>>;

    /// Checks a volume before it is stored: its plan's options and its own. Provisioners
    /// that cannot mount volumes refuse every volume.
    ///
    /// # Errors
    /// 400 with the provisioner's reason, or [`crate::volume::NOT_A_VOLUME_PROVISIONER`].
    async fn validate_volume(&self, _volume: &Volume) -> Result<()> {
        Err(Error::bad_request(crate::volume::NOT_A_VOLUME_PROVISIONER))
    }

    /// Whether the provisioner already made objects for a volume of this name (a volume
    /// cannot then be created or changed).
    ///
    /// # Errors
    /// The provisioner's failures.
    async fn volume_provisioned(&self, _volume: &Volume) -> Result<bool> {
        Ok(false)
    }

    /// Deletes what the provisioner made for the volume (nothing when it made nothing).
    ///
    /// # Errors
    /// The provisioner's failures.
    async fn delete_volume(&self, _volume: &Volume) -> Result<()> {
        Ok(())
    }

    /// What clusters of this provisioner take (`None`: it runs without clusters).
    fn cluster_help(&self) -> Option<ClusterHelp> {
        None
    }
    /// Checks a cluster of this provisioner before it is stored.
    ///
    /// # Errors
    /// 400 with the reason when the cluster cannot be used.
    async fn validate_cluster(&self, _cluster: &Cluster) -> Result<()> {
        Ok(())
    }
    /// A cluster of this provisioner was stored: connect to it and start watching it.
    ///
    /// # Errors
    /// When the cluster cannot be reached (the error names it).
    async fn cluster_updated(&self, _cluster: &Cluster) -> Result<()> {
        Ok(())
    }
    /// A cluster of this provisioner was removed: stop watching it (its objects stay).
    async fn cluster_removed(&self, _name: &str) {}
    /// Runs `version` of the app: every process of it, replacing what ran before, with the
    /// current unit count per process (1 on the first deploy).
    ///
    /// # Errors
    /// When the version cannot be run; nothing of it is left running then.
    async fn deploy(&self, app: &App, version: &AppVersion, out: &dyn Output) -> Result<()> {
        let _ = (app, version, out);
        Err(cannot(self.name(), "deploy images"))
    }
    /// Versions that have units running or configured, ascending.
    ///
    /// # Errors
    /// When the provisioner cannot be asked.
    async fn deployed_versions(&self, app: &App) -> Result<Vec<i64>> {
        let _ = app;
        Ok(Vec::new())
    }
    /// Starts the stopped `units`, restoring the unit counts recorded at stop (`past_units`);
    /// a no-op before the first deploy.
    ///
    /// # Errors
    /// An unknown version or process, or a failed start.
    async fn start(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let _ = (units, out);
        Err(cannot(self.name(), "start apps"))
    }
    /// Stops `units`; a no-op before the first deploy.
    ///
    /// # Errors
    /// An unknown version or process, or a failed stop.
    async fn stop(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let _ = (units, out);
        Err(cannot(self.name(), "stop apps"))
    }
    /// Adds `delta` units (removes when negative) to the process of `units`.
    ///
    /// # Errors
    /// An unknown process, or a failed change.
    async fn scale(&self, units: ProcessUnits<'_>, delta: i64, out: &dyn Output) -> Result<()> {
        let _ = (units, delta, out);
        Err(cannot(self.name(), "change units"))
    }
    /// Whether the provisioner has nodes (the node API asks only those that do).
    fn supports_nodes(&self) -> bool {
        false
    }
    /// Every node of every cluster of this provisioner.
    ///
    /// # Errors
    /// 400 [`no_node_support`]; when a cluster cannot be asked.
    async fn list_nodes(&self) -> Result<Vec<Node>> {
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// The node named `address`, or reached at it (a URL is reduced to its host).
    ///
    /// # Errors
    /// 400 [`no_node_support`]; when a cluster cannot be asked.
    async fn find_node(&self, address: &str) -> Result<Option<Node>> {
        let _ = address;
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// Takes `node` on in the pool it names: registers (or creates) it with its metadata.
    ///
    /// # Errors
    /// 400 [`no_node_support`]; 404 `node not found` when there is nothing to register;
    /// when the pool has no cluster or the cluster refuses.
    async fn add_node(&self, node: &NewNode) -> Result<()> {
        let _ = node;
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// Changes a node's pool, metadata or whether it takes new units.
    ///
    /// # Errors
    /// 400 [`no_node_support`]; when the cluster refuses.
    async fn update_node(&self, node: &Node, update: &NodeUpdate) -> Result<()> {
        let _ = (node, update);
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// Removes a node; with `rebalance`, its units are moved away first.
    ///
    /// # Errors
    /// 400 [`no_node_support`]; when a unit cannot be moved or the cluster refuses.
    async fn remove_node(&self, node: &Node, rebalance: bool, out: &dyn Output) -> Result<()> {
        let _ = (node, rebalance, out);
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// The units of apps running on a node.
    ///
    /// # Errors
    /// 400 [`no_node_support`]; when the cluster cannot be asked.
    async fn node_units(&self, node: &Node) -> Result<Vec<Unit>> {
        let _ = node;
        Err(Error::bad_request(no_node_support(self.name())))
    }
    /// Units of many apps at once (for lists), by app name; apps without units may be absent.
    ///
    /// # Errors
    /// When they cannot be listed.
    async fn units_of_apps(&self, apps: &[App]) -> Result<BTreeMap<String, Vec<Unit>>> {
        let mut out = BTreeMap::new();
        for app in apps {
            out.insert(app.name.clone(), self.units(app).await?);
        }
        Ok(out)
    }
}

/// The provisioners this server can run apps on, by name, and the one pools without a
/// provisioner of their own use. Which are registered, and which is the default, is
/// configuration.
#[derive(Clone)]
pub struct ProvisionerRegistry {
    by_name: BTreeMap<String, Arc<dyn Provisioner>>,
    default: Arc<dyn Provisioner>,
}

impl std::fmt::Debug for ProvisionerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProvisionerRegistry")
            .field("names", &self.names())
            .field("default", &self.default.name())
            .finish()
    }
}

impl ProvisionerRegistry {
    /// A registry holding `default` only, as the default.
    pub fn new(default: Arc<dyn Provisioner>) -> Self {
        ProvisionerRegistry {
            by_name: BTreeMap::from([(default.name().to_string(), default.clone())]),
            default,
        }
    }

    /// Registers `provisioner` under its name (replacing one of the same name).
    #[must_use]
    pub fn with(mut self, provisioner: Arc<dyn Provisioner>) -> Self {
        if provisioner.name() == self.default.name() {
            self.default = provisioner.clone();
        }
        self.by_name.insert(provisioner.name().to_string(), provisioner);
        self
    }

    /// Makes the provisioner named `name` the default.
    ///
    /// # Errors
    /// When no provisioner of that name is registered.
    pub fn with_default(mut self, name: &str) -> Result<Self> {
        match self.by_name.get(name) {
            Some(p) => {
                self.default = p.clone();
                Ok(self)
            }
            None => Err(Error::unexpected(format!(
                "provisioner {name:?} is not registered (registered: {})",
                self.names().join(", ")
            ))),
        }
    }

    /// Names of the registered provisioners, sorted.
    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    /// The one registered provisioner, when there is exactly one (then every pool uses it).
    pub fn only(&self) -> Option<Arc<dyn Provisioner>> {
        (self.by_name.len() == 1).then(|| self.default.clone())
    }

    /// The default provisioner.
    pub fn default_provisioner(&self) -> Arc<dyn Provisioner> {
        self.default.clone()
    }

    /// The provisioner a pool names (`""`: the default one).
    ///
    /// # Errors
    /// 500 when the pool names a provisioner that is not registered (any more).
    pub fn get(&self, name: &str) -> Result<Arc<dyn Provisioner>> {
        if name.is_empty() {
            return Ok(self.default_provisioner());
        }
        self.by_name
            .get(name)
            .cloned()
            .ok_or_else(|| Error::unexpected(format!("provisioner {name:?} not found")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::StubProvisioner;

    #[test]
    fn pools_find_their_provisioner_by_name_and_the_default_by_none() {
        let one = ProvisionerRegistry::new(StubProvisioner::new("simulated"));
        assert_eq!(one.only().map(|p| p.name().to_string()), Some("simulated".into()));
        let reg = one.with(StubProvisioner::new("kubernetes")).with_default("kubernetes").unwrap();
        assert!(reg.only().is_none());
        assert_eq!(reg.names(), ["kubernetes", "simulated"]);
        assert_eq!(reg.get("").unwrap().name(), "kubernetes");
        assert_eq!(reg.get("simulated").unwrap().name(), "simulated");
        assert!(matches!(reg.get("swarm"), Err(Error::Unexpected(_))));
        assert!(reg.with_default("swarm").is_err());
    }
}
