//! The Kubernetes provisioner: apps as Deployments, Services and Secrets on the cluster that
//! serves their pool (tsuru's object mapping), units read from a per-cluster pod watch.
mod client;
mod conns;
pub mod crd;
mod help;
pub mod nodes;
pub mod objects;
mod ops;
mod rollout;
pub mod units;
pub mod volume;
mod watch;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use kube::api::{Api, ListParams};
use kube::ResourceExt;
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::{cluster_for_pool, Cluster, ClusterHelp, ClusterStorage};
use tsuru_domain::node::{url_to_host, NewNode, Node, NodeUpdate};
use tsuru_domain::output::Output;
use tsuru_domain::provision::{PlatformBuild, ProcessUnits, Provisioner, Restart, Unit};
use tsuru_domain::volume::{VolumeBind, VolumeStorage};
use tsuru_domain::{Error, Result};

pub use client::{cluster_error, kubeconfig, ClientSettings};
pub use help::{cluster_help, validate_cluster};
pub use objects::RenderSettings;

use objects::{ProcessContext, ProcessState, APP_NAME, IS_STOPPED};
use ops::{command_of, state_of, version_of, Conn, Running};
use watch::ClusterWatch;

/// Name pools use for this provisioner.
pub const NAME: &str = "kubernetes";

/// tsuru's error when no cluster serves an app's pool.
pub const NO_CLUSTER: &str = "no cluster";

/// Settings of the provisioner (tsuru's `kubernetes:` and related config keys).
#[derive(Debug, Clone)]
pub struct KubernetesSettings {
    /// Connections.
    pub client: ClientSettings,
    /// Rendering.
    pub render: RenderSettings,
    /// How long a rollout may go without a new ready unit (`kubernetes:deployment-progress-timeout`).
    pub rollout_timeout: Duration,
    /// How long to wait for the App CRD to be established.
    pub crd_wait: Duration,
    /// Bound of the reachability check when a cluster is stored.
    pub check_timeout: Duration,
    /// Whether adding a node creates its `Node` object (tsuru `kubernetes:register-node`);
    /// otherwise the node must exist.
    pub register_node: bool,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            client: ClientSettings::default(),
            render: RenderSettings::default(),
            rollout_timeout: Duration::from_secs(600),
            crd_wait: Duration::from_secs(60),
            check_timeout: Duration::from_secs(10),
            register_node: false,
        }
    }
}

/// Runs apps on Kubernetes clusters.
pub struct KubernetesProvisioner {
    clusters: Arc<dyn ClusterStorage>,
    /// Where the binds of an app are read at each render (none: apps mount no volume).
    volumes: Option<Arc<dyn VolumeStorage>>,
    settings: KubernetesSettings,
    conns: RwLock<HashMap<String, Arc<Conn>>>,
    connecting: tokio::sync::Mutex<()>,
    /// The stored clusters as last read, and when: lists and infos read the store at most
    /// once per [`CLUSTER_SNAPSHOT_TTL`] (changes made through this process drop it at once).
    snapshot: RwLock<Option<(Instant, Arc<Vec<Cluster>>)>>,
}

/// How old the clusters an app operation is routed by may be. Another `tsurud` process
/// sharing the database sees a cluster change within this time.
pub const CLUSTER_SNAPSHOT_TTL: Duration = Duration::from_secs(1);

impl std::fmt::Debug for KubernetesProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubernetesProvisioner")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What one write of an app's processes puts on the cluster.
struct Rollout<'a> {
    /// The version the processes run.
    version: &'a AppVersion,
    /// The app namespace.
    namespace: &'a str,
    /// The processes written, with their states.
    states: &'a BTreeMap<String, ProcessState>,
    /// What ran before (put back on failure).
    before: &'a BTreeMap<String, Running>,
    /// Whether containers keep the command they had (a re-render of a running version).
    keep_commands: bool,
}

fn no_cluster() -> Error {
    Error::bad_request(NO_CLUSTER)
}

fn process_not_found(process: &str) -> Error {
    Error::bad_request(format!("process {process:?} not found"))
}

impl KubernetesProvisioner {
    /// A provisioner running apps on the clusters `clusters` stores.
    pub fn new(clusters: Arc<dyn ClusterStorage>, settings: KubernetesSettings) -> Self {
        KubernetesProvisioner {
            clusters,
            volumes: None,
            settings,
            conns: RwLock::new(HashMap::new()),
            connecting: tokio::sync::Mutex::new(()),
            snapshot: RwLock::new(None),
        }
    }

    /// Reads apps' volume binds from `volumes`, so that each render mounts them.
    #[must_use]
    pub fn with_volumes(mut self, volumes: Arc<dyn VolumeStorage>) -> Self {
        self.volumes = Some(volumes);
        self
    }
}

#[async_trait]
impl Provisioner for KubernetesProvisioner {
    fn name(&self) -> &str {
        NAME
    }

    async fn provision(&self, app: &App, _out: &dyn Output) -> Result<()> {
        let conn = self.conn_for(app).await?;
        conn.ensure_app_resource(app, self.settings.crd_wait).await?;
        Ok(())
    }

    async fn destroy(&self, app: &App, out: &dyn Output) -> Result<()> {
        let conn = self.conn_for(app).await?;
        let Some(cr) = conn.app_resource(&app.name).await? else {
            return Ok(());
        };
        let ns = if cr.spec.namespace_name.is_empty() {
            objects::app_namespace(&conn.cluster)
        } else {
            cr.spec.namespace_name.clone()
        };
        let removed = self.remove_all(&conn, &app.name, &ns, out).await;
        let api: Api<crd::App> = Api::namespaced(conn.client.clone(), &conn.cr_namespace());
        match conn.call(api.delete(&app.name, &kube::api::DeleteParams::default())).await {
            Ok(_) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        let apps = BTreeMap::from([(app.name.clone(), ns.clone())]);
        conn.watch
            .wait_until(Duration::from_secs(10), |w| {
                w.units(&apps).get(&app.name).is_none_or(Vec::is_empty)
            })
            .await;
        removed
    }

    async fn units(&self, app: &App) -> Result<Vec<Unit>> {
        let Some(cluster) = self.cluster_of(&app.pool).await? else {
            return Ok(Vec::new());
        };
        let conn = self.conn(&cluster).await?;
        Ok(self.units_on(&conn, &[app]).await?.remove(&app.name).unwrap_or_default())
    }

    async fn units_of_apps(&self, apps: &[App]) -> Result<BTreeMap<String, Vec<Unit>>> {
        let all = self.all_clusters().await?;
        let mut by_cluster: BTreeMap<String, (Cluster, Vec<&App>)> = BTreeMap::new();
        for app in apps {
            if let Some(c) = cluster_for_pool(&all, NAME, &app.pool) {
                by_cluster
                    .entry(c.name.clone())
                    .or_insert_with(|| (c.clone(), Vec::new()))
                    .1
                    .push(app);
            }
        }
        let mut out = BTreeMap::new();
        for (cluster, apps) in by_cluster.into_values() {
            let conn = self.conn(&cluster).await?;
            out.extend(self.units_on(&conn, &apps).await?);
        }
        Ok(out)
    }

    async fn restart(&self, units: Restart<'_>, out: &dyn Output) -> Result<()> {
        let app = units.app;
        let (conn, ns, mut selected) = self.select(app, units.process).await?;
        if let Some(v) = units.version {
            selected.retain(|_, r| r.version == v);
            if selected.is_empty() {
                return Err(Error::bad_request(format!("version {v} not found")));
            }
        }
        let bumped = |r: &Running| ProcessState {
            replicas: r.replicas().max(1),
            restarts: Some(r.restarts().unwrap_or(0) + 1),
            stopped: false,
        };
        self.restate(app, &(conn, ns, selected), bumped, out).await
    }

    async fn update(&self, old: &App, new: &App, out: &dyn Output) -> Result<()> {
        let Some(from) = self.cluster_of(&old.pool).await? else {
            return Ok(());
        };
        let Some(to) = self.cluster_of(&new.pool).await? else {
            return Err(no_cluster());
        };
        if from.name == to.name {
            // Same cluster and namespace: nothing changes until the next deploy or restart
            // (the caller restarts after a plan change).
            return Ok(());
        }
        let src = self.conn(&from).await?;
        let ns = src.app_namespace(&old.name).await?;
        let running = src.running(&old.name, &ns).await?;
        let versions: std::collections::BTreeSet<i64> =
            running.values().map(|r| r.version).collect();
        if versions.len() > 1 {
            return Err(Error::bad_request(
                "can't provision new app with multiple versions, please unify them and try again",
            ));
        }
        let dst = self.conn(&to).await?;
        let cr = dst.ensure_app_resource(new, self.settings.crd_wait).await?;
        let dst_ns = cr.spec.namespace_name.clone();
        out.write(&format!(
            " ---> Moving app {:?} from cluster {:?} to cluster {:?}\n",
            new.name, from.name, to.name
        ));
        self.rerender(
            &dst,
            new,
            &dst_ns,
            &running,
            |r| {
                let (replicas, restarts, stopped) = state_of(&r.deployment);
                ProcessState { replicas, restarts, stopped }
            },
            out,
        )
        .await?;
        dst.sync_app_resource(&new.name, &dst_ns).await?;
        if let Err(e) = self.destroy(old, out).await {
            out.write(&format!("**** removing from cluster {:?}: {e} ****\n", from.name));
        }
        Ok(())
    }

    async fn router_address(&self, app: &App, _router: &str) -> Result<String> {
        let Some(cluster) = self.cluster_of(&app.pool).await? else {
            return Ok(String::new());
        };
        let conn = self.conn(&cluster).await?;
        let ns =
            conn.watch.app_namespace(&app.name).unwrap_or_else(|| objects::app_namespace(&cluster));
        Ok(format!("{}.{ns}.svc.cluster.local", objects::deployment_name(&app.name, "web")))
    }

    async fn build_platform(&self, _: PlatformBuild<'_>, _: &dyn Output) -> Result<Vec<String>> {
        Err(Error::bad_request("builds are not supported; deploy an image"))
    }

    async fn validate_volume(&self, v: &tsuru_domain::volume::Volume) -> Result<()> {
        volume::validate(v)
    }

    async fn volume_provisioned(&self, v: &tsuru_domain::volume::Volume) -> Result<bool> {
        // No cluster serves the pool: nothing can have been made for the volume yet.
        let Some(cluster) = self.cluster_of(&v.pool).await? else {
            return Ok(false);
        };
        let conn = self.conn(&cluster).await?;
        volume::objects_exist(&conn, &v.name).await
    }

    async fn delete_volume(&self, v: &tsuru_domain::volume::Volume) -> Result<()> {
        let Some(cluster) = self.cluster_of(&v.pool).await? else {
            return Ok(());
        };
        let conn = self.conn(&cluster).await?;
        volume::delete_objects(&conn, &v.name).await
    }

    fn supports_nodes(&self) -> bool {
        true
    }

    async fn list_nodes(&self) -> Result<Vec<Node>> {
        let mut out = Vec::new();
        for conn in self.all_conns().await? {
            out.extend(nodes::list(&conn).await?);
        }
        Ok(out)
    }

    async fn find_node(&self, address: &str) -> Result<Option<Node>> {
        let host = url_to_host(address);
        if host.is_empty() {
            return Ok(None);
        }
        for conn in self.all_conns().await? {
            if let Some(n) = nodes::find(&conn, &host).await? {
                return Ok(Some(nodes::node_spec(&n, &conn.cluster)));
            }
        }
        Ok(None)
    }

    async fn add_node(&self, node: &NewNode) -> Result<()> {
        let cluster = self.cluster_of(&node.pool).await?.ok_or_else(no_cluster)?;
        let conn = self.conn(&cluster).await?;
        nodes::add(&conn, node, self.settings.register_node).await
    }

    async fn update_node(&self, node: &Node, update: &NodeUpdate) -> Result<()> {
        let conn = self.conn_of_node(node).await?;
        nodes::update(&conn, node, update).await
    }

    async fn remove_node(&self, node: &Node, rebalance: bool, _out: &dyn Output) -> Result<()> {
        let conn = self.conn_of_node(node).await?;
        nodes::remove(&conn, node, rebalance).await
    }

    async fn node_units(&self, node: &Node) -> Result<Vec<Unit>> {
        let conn = self.conn_of_node(node).await?;
        nodes::units_on(&conn, &node.name).await
    }

    fn cluster_help(&self) -> Option<ClusterHelp> {
        Some(cluster_help())
    }

    async fn validate_cluster(&self, cluster: &Cluster) -> Result<()> {
        validate_cluster(cluster)
    }

    async fn cluster_updated(&self, cluster: &Cluster) -> Result<()> {
        self.forget_clusters();
        let conn = self.open(cluster).await?;
        let check = self.settings.check_timeout.min(self.settings.client.api_timeout);
        client::bounded(&cluster.name, check, conn.client.apiserver_version()).await?;
        self.conns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cluster.name.clone(), conn);
        Ok(())
    }

    async fn cluster_removed(&self, name: &str) {
        self.forget_clusters();
        self.conns.write().unwrap_or_else(PoisonError::into_inner).remove(name);
    }

    async fn deploy(&self, app: &App, version: &AppVersion, out: &dyn Output) -> Result<()> {
        if version.image.is_empty() {
            return Err(Error::bad_request("no build image found"));
        }
        let conn = self.conn_for(app).await?;
        let cr = conn.ensure_app_resource(app, self.settings.crd_wait).await?;
        let ns = cr.spec.namespace_name.clone();
        let before = conn.running(&app.name, &ns).await?;
        let states: BTreeMap<String, ProcessState> = version
            .process_names()
            .into_iter()
            .map(|p| {
                let replicas = before.get(&p).map_or(0, Running::replicas);
                (p, ProcessState { replicas: replicas.max(1), restarts: None, stopped: false })
            })
            .collect();
        let rollout = Rollout {
            version,
            namespace: &ns,
            states: &states,
            before: &before,
            keep_commands: false,
        };
        self.apply(&conn, app, rollout, out).await?;
        for process in before.keys().filter(|p| !states.contains_key(*p)) {
            out.write(&format!(" ---> Removing process {process:?}\n"));
            conn.remove_process(&app.name, process, &ns).await?;
        }
        conn.sync_app_resource(&app.name, &ns).await
    }

    async fn deployed_versions(&self, app: &App) -> Result<Vec<i64>> {
        let Some(cluster) = self.cluster_of(&app.pool).await? else {
            return Ok(Vec::new());
        };
        let conn = self.conn(&cluster).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let mut out: Vec<i64> =
            conn.running(&app.name, &ns).await?.values().map(|r| r.version).collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    async fn start(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let (app, process, version) = (units.app, units.process, units.version);
        let selection = self.select(app, process).await?;
        // Each process comes back with the units it had when it stopped.
        let started = |r: &Running| {
            let past = version
                .past_units
                .get(&r.process)
                .copied()
                .filter(|n| *n > 0)
                .and_then(|n| i32::try_from(n).ok());
            ProcessState {
                replicas: past.unwrap_or_else(|| r.replicas()).max(1),
                restarts: r.restarts(),
                stopped: false,
            }
        };
        self.restate(app, &selection, started, out).await
    }

    async fn stop(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let (app, process) = (units.app, units.process);
        let (conn, ns, selected) = self.select(app, process).await?;
        if selected.is_empty() {
            return Ok(());
        }
        self.stop_processes(&conn, app, &ns, &selected, out).await
    }

    async fn scale(&self, units: ProcessUnits<'_>, delta: i64, out: &dyn Output) -> Result<()> {
        let (app, process, version) = (units.app, units.process, units.version);
        let conn = self.conn_for(app).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let running = conn.running(&app.name, &ns).await?;
        let process = if process.is_empty() {
            let names = version.process_names();
            match names.as_slice() {
                [one] => one.clone(),
                _ => {
                    return Err(Error::bad_request(
                        "no process name specified and more than one declared in Procfile",
                    ))
                }
            }
        } else {
            process.to_string()
        };
        let Some(r) = running.get(&process) else {
            return Err(if version.process_names().contains(&process) {
                Error::bad_request("units can only be modified after the first deploy")
            } else {
                process_not_found(&process)
            });
        };
        let target = i64::from(r.replicas()) + delta;
        if target <= 0 {
            let one = BTreeMap::from([(process.clone(), r.clone())]);
            return self.stop_processes(&conn, app, &ns, &one, out).await;
        }
        let replicas = i32::try_from(target)
            .map_err(|_| Error::bad_request(format!("too many units: {target}")))?;
        let name = r.deployment.name_any();
        conn.scale(&ns, &name, replicas).await?;
        out.write(&format!(
            "\n---- {} units of process {process:?}: {replicas} ----\n",
            if delta > 0 { "Adding" } else { "Removing" }
        ));
        conn.wait_rollout(&ns, &[name], self.settings.rollout_timeout, out).await?;
        let want = BTreeMap::from([(process, (r.version, usize::try_from(replicas).unwrap_or(0)))]);
        conn.wait_cache(&app.name, &ns, &want, Duration::from_secs(5)).await;
        Ok(())
    }
}
