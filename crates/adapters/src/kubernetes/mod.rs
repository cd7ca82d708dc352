//! The Kubernetes provisioner: apps as Deployments, Services and Secrets on the cluster that
//! serves their pool (tsuru's object mapping), units read from a per-cluster pod watch.
mod client;
pub mod crd;
mod help;
pub mod nodes;
pub mod objects;
mod ops;
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
use tsuru_domain::provision::{Provisioner, Unit};
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

    /// The volumes bound to `app`, with its binds of each.
    async fn bound_volumes(&self, app: &App) -> Result<Vec<volume::BoundVolume>> {
        let Some(store) = &self.volumes else {
            return Ok(Vec::new());
        };
        let mut by_volume: BTreeMap<String, Vec<VolumeBind>> = BTreeMap::new();
        for b in store.binds_of_app(&app.name).await? {
            by_volume.entry(b.id.volume.clone()).or_default().push(b);
        }
        let mut out = Vec::new();
        for (name, binds) in by_volume {
            if let Some(v) = store.find_volume(&name).await? {
                out.push(volume::BoundVolume { volume: v, binds });
            }
        }
        Ok(out)
    }

    /// Every stored cluster, from a snapshot at most [`CLUSTER_SNAPSHOT_TTL`] old.
    async fn all_clusters(&self) -> Result<Arc<Vec<Cluster>>> {
        if let Some((at, all)) = &*self.snapshot.read().unwrap_or_else(PoisonError::into_inner) {
            if at.elapsed() < CLUSTER_SNAPSHOT_TTL {
                return Ok(all.clone());
            }
        }
        let all = Arc::new(self.clusters.list().await?);
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), all.clone()));
        Ok(all)
    }

    fn forget_clusters(&self) {
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn cached(&self, name: &str) -> Option<Arc<Conn>> {
        self.conns
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    async fn open(&self, cluster: &Cluster) -> Result<Arc<Conn>> {
        let clients = client::connect(cluster, &self.settings.client).await?;
        let watch = ClusterWatch::start(&clients.watches, &objects::cr_namespace(cluster));
        Ok(Arc::new(Conn {
            cluster: cluster.clone(),
            client: clients.calls,
            watch,
            timeout: self.settings.client.api_timeout,
        }))
    }

    /// The connection to `cluster`, opened (and its watches started) unless one to the same
    /// stored cluster exists.
    async fn conn(&self, cluster: &Cluster) -> Result<Arc<Conn>> {
        if let Some(c) = self.cached(&cluster.name).filter(|c| c.cluster == *cluster) {
            return Ok(c);
        }
        let _guard = self.connecting.lock().await;
        if let Some(c) = self.cached(&cluster.name).filter(|c| c.cluster == *cluster) {
            return Ok(c);
        }
        let conn = self.open(cluster).await?;
        self.conns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cluster.name.clone(), conn.clone());
        Ok(conn)
    }

    async fn cluster_of(&self, pool: &str) -> Result<Option<Cluster>> {
        let all = self.all_clusters().await?;
        Ok(cluster_for_pool(&all, NAME, pool).cloned())
    }

    /// Connections to every cluster of this provisioner.
    async fn all_conns(&self) -> Result<Vec<Arc<Conn>>> {
        let all = self.all_clusters().await?;
        let mut out = Vec::new();
        for c in all.iter().filter(|c| c.provisioner == NAME) {
            out.push(self.conn(c).await?);
        }
        Ok(out)
    }

    /// The connection to the cluster a node was listed from.
    async fn conn_of_node(&self, node: &Node) -> Result<Arc<Conn>> {
        let name = node
            .metadata
            .get(nodes::CLUSTER_KEY)
            .cloned()
            .unwrap_or_default();
        let all = self.all_clusters().await?;
        let cluster = all
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::not_found(tsuru_domain::node::NODE_NOT_FOUND))?;
        self.conn(cluster).await
    }

    async fn conn_for(&self, app: &App) -> Result<Arc<Conn>> {
        let cluster = self.cluster_of(&app.pool).await?.ok_or_else(no_cluster)?;
        self.conn(&cluster).await
    }

    fn ctx<'a>(
        &'a self,
        app: &'a App,
        version: &'a AppVersion,
        process: &'a str,
        conn: &'a Conn,
        namespace: &'a str,
        volumes: &'a [volume::BoundVolume],
    ) -> ProcessContext<'a> {
        ProcessContext {
            app,
            version,
            process,
            cluster: &conn.cluster,
            namespace,
            settings: &self.settings.render,
            volumes,
        }
    }

    /// Units of apps on one cluster, from its cache (or a List while the cache fills).
    async fn units_on(&self, conn: &Conn, apps: &[&App]) -> Result<BTreeMap<String, Vec<Unit>>> {
        let default_ns = objects::app_namespace(&conn.cluster);
        let namespaces: BTreeMap<String, String> = apps
            .iter()
            .map(|a| {
                let ns = conn
                    .watch
                    .app_namespace(&a.name)
                    .unwrap_or_else(|| default_ns.clone());
                (a.name.clone(), ns)
            })
            .collect();
        if conn.watch.is_ready() || conn.watch.wait_ready(Duration::from_secs(2)).await {
            return Ok(conn.watch.units(&namespaces));
        }
        let mut out = BTreeMap::new();
        for (app, ns) in &namespaces {
            let api: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
            let pods = conn
                .call(
                    api.list(
                        &ListParams::default()
                            .labels(&format!("tsuru.io/is-tsuru=true,{APP_NAME}={app}")),
                    ),
                )
                .await?;
            let units = units::units(pods.items.iter());
            if !units.is_empty() {
                out.insert(app.clone(), units);
            }
        }
        Ok(out)
    }

    /// Writes every process of `version` with the states given, waits for the rollout and
    /// puts back what ran before when it fails.
    async fn apply(&self, conn: &Conn, app: &App, r: Rollout<'_>, out: &dyn Output) -> Result<()> {
        let Rollout {
            version,
            namespace,
            states,
            before,
            keep_commands,
        } = r;
        // Render everything first: a bad input fails before any write.
        let bound = self.bound_volumes(app).await?;
        let mut rendered = Vec::new();
        for (process, state) in states {
            let ctx = self.ctx(app, version, process, conn, namespace, &bound);
            let mut objs = objects::render(&ctx, state)?;
            if keep_commands {
                if let Some(r) = before.get(process) {
                    let cmd = command_of(&r.deployment);
                    if let Some(c) = objs
                        .deployment
                        .spec
                        .template
                        .spec
                        .as_mut()
                        .and_then(|s| s.containers.first_mut())
                    {
                        c.command = cmd;
                    }
                }
            }
            rendered.push((process.clone(), objs));
        }
        conn.ensure_namespace(namespace).await?;
        conn.ensure_service_account(&app.name, namespace).await?;
        for b in &bound {
            volume::ensure_objects(conn, &b.volume, namespace).await?;
        }
        let names: Vec<String> = rendered
            .iter()
            .map(|(p, _)| objects::deployment_name(&app.name, p))
            .collect();
        out.write(&format!(
            "\n---- Updating units [{}] ----\n",
            states.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
        let mut written = Vec::new();
        let mut result = Ok(());
        for (process, objs) in &rendered {
            written.push(process.clone());
            let step = async {
                conn.upsert(&objs.secret, |_, _| {}).await?;
                let dep = conn.upsert(&objs.deployment, |_, _| {}).await?;
                conn.own_secret(&dep, &objs.secret.name_any()).await?;
                for svc in objs.service.iter().chain(objs.headless.iter()) {
                    conn.upsert_service(svc).await?;
                }
                if let Some(pdb) = &objs.pdb {
                    conn.upsert(pdb, |_, _| {}).await?;
                }
                Ok::<(), Error>(())
            };
            if let Err(e) = step.await {
                result = Err(e);
                break;
            }
        }
        if result.is_ok() {
            result = conn
                .wait_rollout(namespace, &names, self.settings.rollout_timeout, out)
                .await;
        }
        if let Err(e) = result {
            out.write(&format!(
                "\n**** UNITS FAILED TO START: {e} ****\n ---> Rolling back\n"
            ));
            self.roll_back(conn, app, namespace, &written, before).await;
            return Err(e);
        }
        let want: BTreeMap<String, (i64, usize)> = states
            .iter()
            .map(|(p, s)| {
                (
                    p.clone(),
                    (version.version, usize::try_from(s.replicas).unwrap_or(0)),
                )
            })
            .collect();
        conn.wait_cache(&app.name, namespace, &want, Duration::from_secs(5))
            .await;
        out.write(" ---> Done updating units\n");
        Ok(())
    }

    /// Puts back the Deployments that ran before and removes the processes that did not.
    async fn roll_back(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        written: &[String],
        before: &BTreeMap<String, Running>,
    ) {
        for process in written {
            let res = match before.get(process) {
                Some(old) => {
                    let mut d = old.deployment.clone();
                    d.metadata.managed_fields = None;
                    conn.upsert(&d, |_, _| {}).await.map(|_| ())
                }
                None => conn.remove_process(&app.name, process, namespace).await,
            };
            if let Err(e) = res {
                tracing::warn!(app = %app.name, process, error = %e, "roll back");
            }
        }
    }

    /// The base Deployments a restart, start, stop or unit change acts on.
    fn select(
        running: BTreeMap<String, Running>,
        process: &str,
    ) -> Result<BTreeMap<String, Running>> {
        if process.is_empty() {
            return Ok(running);
        }
        running
            .into_iter()
            .filter(|(p, _)| p == process)
            .map(Ok)
            .collect::<Result<BTreeMap<_, _>>>()
            .and_then(|m| {
                if m.is_empty() {
                    Err(process_not_found(process))
                } else {
                    Ok(m)
                }
            })
    }

    /// Re-renders running processes from the app as it is now (env, plan, pool, labels) with
    /// new states: tsuru's restart, start and stop.
    async fn rerender(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        selected: &BTreeMap<String, Running>,
        state: impl Fn(&Running) -> ProcessState,
        out: &dyn Output,
    ) -> Result<()> {
        // Each process keeps its own image, ports and command.
        for (p, r) in selected {
            let rollout = Rollout {
                version: &version_of(r, &app.name),
                namespace,
                states: &BTreeMap::from([(p.clone(), state(r))]),
                before: selected,
                keep_commands: true,
            };
            self.apply(conn, app, rollout, out).await?;
        }
        Ok(())
    }

    async fn stop_processes(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        selected: &BTreeMap<String, Running>,
        out: &dyn Output,
    ) -> Result<()> {
        for r in selected.values() {
            let name = r.deployment.name_any();
            let mut d = r.deployment.clone();
            d.labels_mut().insert(IS_STOPPED.into(), "true".into());
            d.spec.replicas = Some(0);
            d.metadata.managed_fields = None;
            conn.upsert(&d, |_, _| {}).await?;
            for svc in [name.clone(), objects::headless_name(&app.name, &r.process)] {
                let api: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
                if let Some(mut s) = conn.call(api.get_opt(&svc)).await? {
                    s.labels_mut().insert(IS_STOPPED.into(), "true".into());
                    s.metadata.managed_fields = None;
                    conn.upsert_service(&s).await?;
                }
            }
        }
        let names: Vec<String> = selected.values().map(|r| r.deployment.name_any()).collect();
        conn.wait_rollout(namespace, &names, self.settings.rollout_timeout, out)
            .await?;
        let want = selected
            .keys()
            .map(|p| (p.clone(), (0, 0)))
            .collect::<BTreeMap<_, _>>();
        conn.wait_cache(&app.name, namespace, &want, Duration::from_secs(5))
            .await;
        Ok(())
    }

    /// Deletes everything of the app in `namespace` (tsuru's `removeResources`), reporting
    /// failures and going on; the first failure is returned.
    async fn remove_all(
        &self,
        conn: &Conn,
        app: &str,
        namespace: &str,
        out: &dyn Output,
    ) -> Result<()> {
        let sel = objects::app_selector(app);
        let mut first: Option<Error> = None;
        let mut note = |r: Result<()>| {
            if let Err(e) = r {
                out.write(&format!("**** {e} ****\n"));
                first.get_or_insert(e);
            }
        };
        let deps: Api<Deployment> = Api::namespaced(conn.client.clone(), namespace);
        match conn
            .call(deps.list(&ListParams::default().labels(&sel)))
            .await
        {
            Ok(list) => {
                for d in list.items {
                    note(conn.delete::<Deployment>(namespace, &d.name_any()).await);
                    note(
                        conn.delete::<Secret>(namespace, &objects::secret_name(&d.name_any()))
                            .await,
                    );
                }
            }
            Err(e) => note(Err(e)),
        }
        note(conn.delete_matching::<ReplicaSet>(namespace, &sel).await);
        note(conn.delete_matching::<Pod>(namespace, &sel).await);
        let svcs: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
        let svc_sel = format!("{sel},!tsuru.io/router-lb,!tsuru.io/external-controller");
        match conn
            .call(svcs.list(&ListParams::default().labels(&svc_sel)))
            .await
        {
            Ok(list) => {
                for s in list.items {
                    note(conn.delete::<Service>(namespace, &s.name_any()).await);
                }
            }
            Err(e) => note(Err(e)),
        }
        note(
            conn.delete_matching::<PodDisruptionBudget>(namespace, &sel)
                .await,
        );
        note(
            conn.delete::<ServiceAccount>(namespace, &objects::service_account_name(app))
                .await,
        );
        first.map_or(Ok(()), Err)
    }
}

fn parse_version(version: &str) -> Result<Option<i64>> {
    let v = version.trim().trim_start_matches('v');
    if v.is_empty() || v == "0" {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| Error::bad_request(format!("invalid version {version:?}")))
}

#[async_trait]
impl Provisioner for KubernetesProvisioner {
    fn name(&self) -> &str {
        NAME
    }

    async fn provision(&self, app: &App, _out: &dyn Output) -> Result<()> {
        let conn = self.conn_for(app).await?;
        conn.ensure_app_resource(app, self.settings.crd_wait)
            .await?;
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
        match conn
            .call(api.delete(&app.name, &kube::api::DeleteParams::default()))
            .await
        {
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
        Ok(self
            .units_on(&conn, &[app])
            .await?
            .remove(&app.name)
            .unwrap_or_default())
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

    async fn restart(
        &self,
        app: &App,
        process: &str,
        version: &str,
        out: &dyn Output,
    ) -> Result<()> {
        let wanted = parse_version(version)?;
        let conn = self.conn_for(app).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let mut selected = Self::select(conn.running(&app.name, &ns).await?, process)?;
        if let Some(v) = wanted {
            selected.retain(|_, r| r.version == v);
            if selected.is_empty() {
                return Err(Error::bad_request(format!("version {v} not found")));
            }
        }
        if selected.is_empty() {
            return Ok(());
        }
        self.rerender(
            &conn,
            app,
            &ns,
            &selected,
            |r| ProcessState {
                replicas: r.replicas().max(1),
                restarts: Some(r.restarts().unwrap_or(0) + 1),
                stopped: false,
            },
            out,
        )
        .await?;
        conn.sync_app_resource(&app.name, &ns).await
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
                ProcessState {
                    replicas,
                    restarts,
                    stopped,
                }
            },
            out,
        )
        .await?;
        dst.sync_app_resource(&new.name, &dst_ns).await?;
        if let Err(e) = self.destroy(old, out).await {
            out.write(&format!(
                "**** removing from cluster {:?}: {e} ****\n",
                from.name
            ));
        }
        Ok(())
    }

    async fn router_address(&self, app: &App, _router: &str) -> Result<String> {
        let Some(cluster) = self.cluster_of(&app.pool).await? else {
            return Ok(String::new());
        };
        let conn = self.conn(&cluster).await?;
        let ns = conn
            .watch
            .app_namespace(&app.name)
            .unwrap_or_else(|| objects::app_namespace(&cluster));
        Ok(format!(
            "{}.{ns}.svc.cluster.local",
            objects::deployment_name(&app.name, "web")
        ))
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
        let check = self
            .settings
            .check_timeout
            .min(self.settings.client.api_timeout);
        client::bounded(&cluster.name, check, conn.client.apiserver_version()).await?;
        self.conns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cluster.name.clone(), conn);
        Ok(())
    }

    async fn cluster_removed(&self, name: &str) {
        self.forget_clusters();
        self.conns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
    }

    async fn deploy(&self, app: &App, version: &AppVersion, out: &dyn Output) -> Result<()> {
        if version.image.is_empty() {
            return Err(Error::bad_request("no build image found"));
        }
        let conn = self.conn_for(app).await?;
        let cr = conn
            .ensure_app_resource(app, self.settings.crd_wait)
            .await?;
        let ns = cr.spec.namespace_name.clone();
        let before = conn.running(&app.name, &ns).await?;
        let states: BTreeMap<String, ProcessState> = version
            .process_names()
            .into_iter()
            .map(|p| {
                let replicas = before.get(&p).map_or(0, Running::replicas);
                (
                    p,
                    ProcessState {
                        replicas: replicas.max(1),
                        restarts: None,
                        stopped: false,
                    },
                )
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
        let mut out: Vec<i64> = conn
            .running(&app.name, &ns)
            .await?
            .values()
            .map(|r| r.version)
            .collect();
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    async fn start(
        &self,
        app: &App,
        process: &str,
        version: &AppVersion,
        out: &dyn Output,
    ) -> Result<()> {
        let conn = self.conn_for(app).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let selected = Self::select(conn.running(&app.name, &ns).await?, process)?;
        if selected.is_empty() {
            return Ok(());
        }
        self.rerender(
            &conn,
            app,
            &ns,
            &selected,
            |r| {
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
            },
            out,
        )
        .await?;
        conn.sync_app_resource(&app.name, &ns).await
    }

    async fn stop(
        &self,
        app: &App,
        process: &str,
        _version: &AppVersion,
        out: &dyn Output,
    ) -> Result<()> {
        let conn = self.conn_for(app).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let selected = Self::select(conn.running(&app.name, &ns).await?, process)?;
        if selected.is_empty() {
            return Ok(());
        }
        self.stop_processes(&conn, app, &ns, &selected, out).await
    }

    async fn change_units(
        &self,
        app: &App,
        process: &str,
        version: &AppVersion,
        delta: i64,
        out: &dyn Output,
    ) -> Result<()> {
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
        conn.wait_rollout(&ns, &[name], self.settings.rollout_timeout, out)
            .await?;
        let want = BTreeMap::from([(process, (r.version, usize::try_from(replicas).unwrap_or(0)))]);
        conn.wait_cache(&app.name, &ns, &want, Duration::from_secs(5))
            .await;
        Ok(())
    }
}
