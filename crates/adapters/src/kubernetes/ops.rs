//! API operations on one connected cluster: namespaces, the App resource, object writes and
//! rollout waits.
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::output::Output;
use tsuru_domain::{Error, Result};

use super::client::{bounded, cluster_error};
use super::crd::{self, App as AppResource, AppSpec};
use super::objects::{self, APP_NAME, APP_PROCESS, APP_VERSION, IS_STOPPED, RESTARTS};
use super::watch::ClusterWatch;

/// One connected cluster.
pub struct Conn {
    /// The cluster as stored when connected.
    pub cluster: Cluster,
    /// Client for requests.
    pub client: Client,
    /// The caches.
    pub watch: ClusterWatch,
    /// Bound of each request.
    pub timeout: Duration,
}

impl Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("cluster", &self.cluster.name).finish_non_exhaustive()
    }
}

/// A process's base Deployment and what it says.
#[derive(Debug, Clone)]
pub struct Running {
    /// The Deployment.
    pub deployment: Deployment,
    /// Its process.
    pub process: String,
    /// The version its pods run.
    pub version: i64,
}

impl Running {
    /// Replicas wanted.
    pub fn replicas(&self) -> i32 {
        self.deployment.spec.replicas.unwrap_or(0)
    }

    /// Restarts recorded.
    pub fn restarts(&self) -> Option<i64> {
        self.deployment.labels().get(RESTARTS).and_then(|r| r.parse().ok())
    }
}

fn template_label(d: &Deployment, key: &str) -> Option<String> {
    d.spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .and_then(|l| l.get(key))
        .cloned()
}

impl Conn {
    fn name(&self) -> &str {
        &self.cluster.name
    }

    /// Runs one request bounded by the timeout, naming the cluster in its error.
    pub async fn call<T>(
        &self,
        fut: impl std::future::Future<Output = std::result::Result<T, kube::Error>>,
    ) -> Result<T> {
        bounded(self.name(), self.timeout, fut).await
    }

    fn api<K>(&self, namespace: &str) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope>,
        K::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), namespace)
    }

    /// The namespace of the App resources.
    pub fn cr_namespace(&self) -> String {
        objects::cr_namespace(&self.cluster)
    }

    /// Creates a namespace unless it exists (labels of an existing one are left alone).
    pub async fn ensure_namespace(&self, name: &str) -> Result<()> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        if self.call(api.get_opt(name)).await?.is_some() {
            return Ok(());
        }
        match self
            .call(api.create(&PostParams::default(), &objects::namespace(name, &self.cluster)))
            .await
        {
            Ok(_) | Err(Error::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The App resource of `app`, if any.
    pub async fn app_resource(&self, app: &str) -> Result<Option<AppResource>> {
        let api: Api<AppResource> = self.api(&self.cr_namespace());
        match self.call(api.get_opt(app)).await {
            // Without the CRD there is no App resource either.
            Err(Error::NotFound(_)) => Ok(None),
            other => other,
        }
    }

    /// The CR namespace, the CRD and the App resource of `app` (created pointing at the
    /// cluster's app namespace; an existing one is kept).
    pub async fn ensure_app_resource(&self, app: &App, crd_wait: Duration) -> Result<AppResource> {
        let ns = self.cr_namespace();
        self.ensure_namespace(&ns).await?;
        match tokio::time::timeout(self.timeout.max(crd_wait), crd::ensure(&self.client, crd_wait))
            .await
        {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                return Err(match e.downcast_ref::<kube::Error>() {
                    Some(k) => cluster_error(self.name(), k),
                    None => Error::Unavailable(format!("cluster {:?}: {e}", self.name())),
                })
            }
            Err(_) => {
                return Err(Error::Unavailable(format!(
                    "cluster {:?}: timeout waiting for custom resource definition creation",
                    self.name()
                )))
            }
        }
        if let Some(existing) = self.app_resource(&app.name).await? {
            return Ok(existing);
        }
        let mut cr = AppResource::new(
            &app.name,
            AppSpec {
                namespace_name: objects::app_namespace(&self.cluster),
                service_account_name: objects::service_account_name(&app.name),
                ..AppSpec::default()
            },
        );
        cr.metadata.namespace = Some(ns.clone());
        let api: Api<AppResource> = self.api(&ns);
        match self.call(api.create(&PostParams::default(), &cr)).await {
            Ok(c) => Ok(c),
            Err(Error::Conflict(_)) => self.call(api.get(&app.name)).await,
            Err(e) => Err(e),
        }
    }

    /// The namespace of `app`'s objects: its App resource's, else the cluster's default.
    pub async fn app_namespace(&self, app: &str) -> Result<String> {
        Ok(self
            .app_resource(app)
            .await?
            .map(|c| c.spec.namespace_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| objects::app_namespace(&self.cluster)))
    }

    /// The base Deployments of `app` (one per process), by process.
    pub async fn running(&self, app: &str, namespace: &str) -> Result<BTreeMap<String, Running>> {
        let api: Api<Deployment> = self.api(namespace);
        let list =
            self.call(api.list(&ListParams::default().labels(&objects::app_selector(app)))).await?;
        Ok(list
            .items
            .into_iter()
            .filter(|d| d.metadata.deletion_timestamp.is_none())
            .filter_map(|d| {
                let process = d.labels().get(APP_PROCESS)?.clone();
                (d.name_any() == objects::deployment_name(app, &process)).then(|| {
                    let version =
                        template_label(&d, APP_VERSION).and_then(|v| v.parse().ok()).unwrap_or(0);
                    (process.clone(), Running { deployment: d, process, version })
                })
            })
            .collect())
    }

    /// Creates `obj`, or replaces the existing one (carrying its resourceVersion) after
    /// `keep` copied what must survive from it.
    pub async fn upsert<K>(&self, obj: &K, keep: impl Fn(&K, &mut K)) -> Result<K>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + Debug + Serialize + DeserializeOwned,
        K::DynamicType: Default,
    {
        let ns = obj.namespace().unwrap_or_default();
        let api: Api<K> = self.api(&ns);
        let name = obj.name_any();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = match self.call(api.get_opt(&name)).await? {
                None => self.call(api.create(&PostParams::default(), obj)).await,
                Some(existing) => {
                    let mut new = obj.clone();
                    new.meta_mut().resource_version = existing.resource_version();
                    if new.meta().owner_references.is_none() {
                        new.meta_mut().owner_references = existing.meta().owner_references.clone();
                    }
                    keep(&existing, &mut new);
                    self.call(api.replace(&name, &PostParams::default(), &new)).await
                }
            };
            match result {
                // Someone (a controller writing status) changed it between read and write.
                Err(Error::Conflict(_)) if attempts < 5 => continue,
                other => return other,
            }
        }
    }

    /// Writes a Service, keeping the cluster IPs the cluster gave it.
    pub async fn upsert_service(&self, svc: &Service) -> Result<Service> {
        self.upsert(svc, |old, new| {
            if let (Some(o), Some(n)) = (old.spec.as_ref(), new.spec.as_mut()) {
                n.cluster_ip = o.cluster_ip.clone();
                n.cluster_ips = o.cluster_ips.clone();
                n.ip_families = o.ip_families.clone();
                n.ip_family_policy = o.ip_family_policy.clone();
            }
        })
        .await
    }

    /// Writes the app's ServiceAccount (keeping its secrets).
    pub async fn ensure_service_account(&self, app: &str, namespace: &str) -> Result<()> {
        self.upsert(&objects::service_account(app, namespace), |old, new| {
            new.secrets = old.secrets.clone();
            new.metadata.finalizers = old.metadata.finalizers.clone();
        })
        .await
        .map(|_: ServiceAccount| ())
    }

    /// Makes the Deployment the controller owner of the Secret (so they go together).
    pub async fn own_secret(&self, deployment: &Deployment, secret: &str) -> Result<()> {
        let ns = deployment.namespace().unwrap_or_default();
        let api: Api<Secret> = self.api(&ns);
        let owner = OwnerReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: deployment.name_any(),
            uid: deployment.uid().unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        };
        let patch = serde_json::json!({ "metadata": { "ownerReferences": [owner] } });
        self.call(api.patch(secret, &PatchParams::default(), &Patch::Merge(&patch)))
            .await
            .map(|_| ())
    }

    /// Sets the replicas of a Deployment with a JSON patch.
    pub async fn scale(&self, namespace: &str, name: &str, replicas: i32) -> Result<()> {
        let api: Api<Deployment> = self.api(namespace);
        let patch = Patch::Json::<()>(
            serde_json::from_value(serde_json::json!([
                { "op": "replace", "path": "/spec/replicas", "value": replicas }
            ]))
            .map_err(|e| Error::unexpected(format!("replicas patch: {e}")))?,
        );
        self.call(api.patch(name, &PatchParams::default(), &patch)).await.map(|_| ())
    }

    /// Deletes one object, a missing one being fine.
    pub async fn delete<K>(&self, namespace: &str, name: &str) -> Result<()>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + Debug + DeserializeOwned,
        K::DynamicType: Default,
    {
        let api: Api<K> = self.api(namespace);
        match self.call(api.delete(name, &DeleteParams::foreground())).await {
            Ok(_) | Err(Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Waits (within the request timeout) until a foreground deletion has removed the object.
    pub async fn wait_gone<K>(&self, namespace: &str, name: &str) -> Result<()>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + Debug + DeserializeOwned,
        K::DynamicType: Default,
    {
        let api: Api<K> = self.api(namespace);
        let deadline = tokio::time::Instant::now() + self.timeout;
        while self.call(api.get_opt(name)).await?.is_some() {
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::Unavailable(format!(
                    "cluster {:?}: {name:?} is still being deleted",
                    self.name()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Deletes every object matching `selector` in `namespace`.
    pub async fn delete_matching<K>(&self, namespace: &str, selector: &str) -> Result<()>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + Debug + DeserializeOwned,
        K::DynamicType: Default,
    {
        let api: Api<K> = self.api(namespace);
        match self
            .call(api.delete_collection(
                &DeleteParams::background(),
                &ListParams::default().labels(selector),
            ))
            .await
        {
            Ok(_) | Err(Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Removes a process: its Deployment (with its ReplicaSets and pods), Secret, Services
    /// and PDB.
    pub async fn remove_process(&self, app: &str, process: &str, namespace: &str) -> Result<()> {
        let dep = objects::deployment_name(app, process);
        self.delete::<Deployment>(namespace, &dep).await?;
        self.wait_gone::<Deployment>(namespace, &dep).await?;
        let sel = format!("{APP_NAME}={app},{APP_PROCESS}={process}");
        self.delete_matching::<ReplicaSet>(namespace, &sel).await?;
        self.delete_matching::<Pod>(namespace, &sel).await?;
        self.delete::<Secret>(namespace, &objects::secret_name(&dep)).await?;
        self.delete::<Service>(namespace, &dep).await?;
        self.delete::<Service>(namespace, &objects::headless_name(app, process)).await?;
        self.delete::<PodDisruptionBudget>(namespace, &dep).await
    }

    /// The names of the objects of kind `K` that `sel` finds and `keep` keeps, by process
    /// label, sorted.
    async fn names_by_process<K>(
        &self,
        namespace: &str,
        sel: &ListParams,
        keep: impl Fn(&K) -> bool,
    ) -> Result<BTreeMap<String, Vec<String>>>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = self.api(namespace);
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in self.call(api.list(sel)).await?.items {
            if let Some(p) = item.labels().get(APP_PROCESS).filter(|_| keep(&item)) {
                out.entry(p.clone()).or_default().push(item.name_any());
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        Ok(out)
    }

    /// Records the app's objects in its App resource (tsuru's CR sync).
    pub async fn sync_app_resource(&self, app: &str, namespace: &str) -> Result<()> {
        let Some(mut cr) = self.app_resource(app).await? else {
            return Ok(());
        };
        let sel = ListParams::default().labels(&objects::app_selector(app));
        let spec = AppSpec {
            deployments: self.names_by_process::<Deployment>(namespace, &sel, |_| true).await?,
            services: self
                .names_by_process::<Service>(namespace, &sel, |s| {
                    !s.labels().contains_key("tsuru.io/router-lb")
                        && !s.labels().contains_key("tsuru.io/external-controller")
                })
                .await?,
            pod_disruption_budgets: self
                .names_by_process::<PodDisruptionBudget>(namespace, &sel, |_| true)
                .await?,
            ..cr.spec.clone()
        };
        if spec == cr.spec {
            return Ok(());
        }
        cr.spec = spec;
        let api: Api<AppResource> = self.api(&self.cr_namespace());
        self.call(api.replace(app, &PostParams::default(), &cr)).await.map(|_| ())
    }

    /// Waits until every Deployment named has rolled out (all replicas updated and available),
    /// writing progress to `out`; fails on a progress deadline or after `timeout` without
    /// progress.
    pub async fn wait_rollout(
        &self,
        namespace: &str,
        names: &[String],
        timeout: Duration,
        out: &dyn Output,
    ) -> Result<()> {
        let api: Api<Deployment> = self.api(namespace);
        for name in names {
            let mut last = (-1, -1);
            let mut deadline = tokio::time::Instant::now() + timeout;
            loop {
                let d = self.call(api.get(name)).await?;
                let want = d.spec.replicas.unwrap_or(0);
                let st = d.status.clone().unwrap_or_default();
                let observed =
                    st.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0);
                let updated = st.updated_replicas.unwrap_or(0);
                let ready = st.ready_replicas.unwrap_or(0).min(updated);
                if observed && (updated, ready) != last {
                    if updated != last.0 {
                        out.write(&format!(" ---> {updated} of {want} new units created\n"));
                    }
                    if ready != last.1 && ready > 0 {
                        out.write(&format!(" ---> {ready} of {want} new units ready\n"));
                    }
                    if ready > last.1 {
                        deadline = tokio::time::Instant::now() + timeout;
                    }
                    last = (updated, ready);
                }
                let new_ready = observed
                    && updated == want
                    && st.unavailable_replicas.unwrap_or(0) == 0
                    && st.available_replicas.unwrap_or(0) >= want;
                // The old units are gone once the status counts no more than `want`. The
                // status can lag behind a pod's deletion on a busy cluster, so the live pods
                // are counted as well: a pod being deleted is no longer a unit.
                if new_ready
                    && (st.replicas.unwrap_or(0) == want
                        || self.live_pods(namespace, &d).await? == want as usize)
                {
                    break;
                }
                if let Some(c) = st.conditions.as_ref().and_then(|cs| {
                    cs.iter().find(|c| {
                        c.type_.as_deref() == Some("Progressing")
                            && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
                    })
                }) {
                    return Err(Error::bad_request(format!(
                        "cluster {:?}: deployment {name:?} failed: {}",
                        self.name(),
                        c.message.clone().unwrap_or_default()
                    )));
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(Error::bad_request(format!(
                        "cluster {:?}: units of {name:?} did not start within {}s ({ready} of {want} ready){}",
                        self.name(),
                        timeout.as_secs(),
                        self.unit_problems(namespace, &d)
                    )));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok(())
    }

    /// How many pods of a Deployment are units: not being deleted and not gone.
    async fn live_pods(&self, namespace: &str, d: &Deployment) -> Result<usize> {
        let Some(labels) = d.spec.selector.match_labels.as_ref() else {
            return Ok(0);
        };
        let selector = labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let api: Api<Pod> = self.api(namespace);
        let pods = self.call(api.list(&ListParams::default().labels(&selector))).await?;
        Ok(pods.items.iter().filter(|p| !super::units::skipped(p)).count())
    }

    fn unit_problems(&self, namespace: &str, d: &Deployment) -> String {
        let app = d.labels().get(APP_NAME).cloned().unwrap_or_default();
        let process = d.labels().get(APP_PROCESS).cloned().unwrap_or_default();
        let units = self.watch.units(&BTreeMap::from([(app.clone(), namespace.to_string())]));
        let problems: Vec<String> = units
            .get(&app)
            .into_iter()
            .flatten()
            .filter(|u| u.process_name == process && !u.ready)
            .map(|u| {
                format!("Pod {:?} not ready: {} {}", u.name, u.status.as_str(), u.status_reason)
            })
            .collect();
        if problems.is_empty() {
            String::new()
        } else {
            format!(": {}", problems.join("; "))
        }
    }

    /// Waits (up to `wait`) until the pod cache shows `want` ready units of `version` per
    /// process, so a unit list right after a rollout shows it.
    pub async fn wait_cache(
        &self,
        app: &str,
        namespace: &str,
        want: &BTreeMap<String, (i64, usize)>,
        wait: Duration,
    ) -> bool {
        let apps = BTreeMap::from([(app.to_string(), namespace.to_string())]);
        self.watch
            .wait_until(wait, |w| {
                let units = w.units(&apps).remove(app).unwrap_or_default();
                want.iter().all(|(process, (version, n))| {
                    let of_process = units.iter().filter(|u| &u.process_name == process);
                    let matching =
                        of_process.clone().filter(|u| u.version == *version && u.ready).count();
                    matching == *n && of_process.count() == *n
                })
            })
            .await
    }
}

/// The process state a Deployment records.
pub fn state_of(d: &Deployment) -> (i32, Option<i64>, bool) {
    let replicas = d.spec.replicas.unwrap_or(0);
    let restarts = d.labels().get(RESTARTS).and_then(|r| r.parse().ok());
    let stopped = d.labels().get(IS_STOPPED).map(String::as_str) == Some("true");
    (replicas, restarts, stopped)
}

/// What a running Deployment says about the version it runs, for a re-render after a restart
/// or a move: its image, ports and process (the command is copied back as it was).
pub fn version_of(r: &Running, app: &str) -> AppVersion {
    let container = r.deployment.spec.template.spec.as_ref().and_then(|s| s.containers.first());
    let ports: Vec<i32> = container
        .and_then(|c| c.ports.as_ref())
        .map(|ps| ps.iter().map(|p| p.container_port).collect())
        .unwrap_or_default();
    let exposed = if ports == [objects::DEFAULT_PORT] {
        Vec::new()
    } else {
        ports.iter().map(|p| format!("{p}/tcp")).collect()
    };
    let mut processes = BTreeMap::new();
    if container.is_some_and(|c| c.command.is_some()) || r.process != "web" {
        processes.insert(r.process.clone(), vec!["true".to_string()]);
    }
    AppVersion {
        app: app.to_string(),
        version: r.version,
        image: container.and_then(|c| c.image.clone()).unwrap_or_default(),
        processes,
        exposed_ports: exposed,
        deploy_successful: true,
        deploy_failed: false,
        past_units: BTreeMap::new(),
        event_id: String::new(),
        created_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    }
}

/// The command of a Deployment's container.
pub fn command_of(d: &Deployment) -> Option<Vec<String>> {
    d.spec.template.spec.as_ref().and_then(|s| s.containers.first()).and_then(|c| c.command.clone())
}
