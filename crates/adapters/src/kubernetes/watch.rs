//! Per-cluster caches fed by watches: tsuru's pods (`tsuru.io/is-tsuru=true`, every
//! namespace) and the App resources, so that unit lists need no API call per app.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::Client;
use tokio::sync::watch as signal;
use tokio::task::JoinHandle;
use tsuru_domain::provision::Unit;

use super::crd::App as AppResource;
use super::units;

/// The caches of one cluster; dropping it stops the watches.
pub struct ClusterWatch {
    pods: Store<Pod>,
    apps: Store<AppResource>,
    pods_ready: Arc<AtomicBool>,
    changes: signal::Receiver<u64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for ClusterWatch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl std::fmt::Debug for ClusterWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterWatch")
            .field("pods", &self.pods.state().len())
            .field("ready", &self.is_ready())
            .finish()
    }
}

impl ClusterWatch {
    /// Starts watching tsuru's pods in every namespace and the App resources in
    /// `cr_namespace`.
    pub fn start(client: &Client, cr_namespace: &str) -> Self {
        let (pods, pod_writer) = reflector::store::<Pod>();
        let (apps, app_writer) = reflector::store::<AppResource>();
        let pods_ready = Arc::new(AtomicBool::new(false));
        let (tx, changes) = signal::channel(0u64);
        let tx = Arc::new(tx);
        let pod_api: Api<Pod> = Api::all(client.clone());
        let pod_stream = reflector::reflector(
            pod_writer,
            watcher(pod_api, watcher::Config::default().labels("tsuru.io/is-tsuru=true")),
        )
        .default_backoff();
        let ready = pods_ready.clone();
        let pod_tx = tx.clone();
        let pod_task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(pod_stream);
            while let Some(event) = stream.next().await {
                match event {
                    Ok(watcher::Event::InitDone) => ready.store(true, Ordering::Release),
                    Ok(_) => {}
                    Err(e) => tracing::debug!(error = %e, "pod watch"),
                }
                pod_tx.send_modify(|n| *n += 1);
            }
        });
        let app_api: Api<AppResource> = Api::namespaced(client.clone(), cr_namespace);
        let app_stream =
            reflector::reflector(app_writer, watcher(app_api, watcher::Config::default()))
                .default_backoff();
        let app_task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(app_stream);
            while let Some(event) = stream.next().await {
                if let Err(e) = event {
                    tracing::debug!(error = %e, "app resource watch");
                }
                tx.send_modify(|n| *n += 1);
            }
        });
        ClusterWatch { pods, apps, pods_ready, changes, tasks: vec![pod_task, app_task] }
    }

    /// Whether the pod cache has its first full list.
    pub fn is_ready(&self) -> bool {
        self.pods_ready.load(Ordering::Acquire)
    }

    /// Waits up to `timeout` for the pod cache's first full list.
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |w| w.is_ready()).await
    }

    /// The namespace the App resource of `app` names, when cached.
    pub fn app_namespace(&self, app: &str) -> Option<String> {
        self.apps
            .find(|a| a.metadata.name.as_deref() == Some(app))
            .map(|a| a.spec.namespace_name.clone())
            .filter(|n| !n.is_empty())
    }

    /// The units of the apps given (by name, each with its namespace), from the cache.
    pub fn units(&self, apps: &BTreeMap<String, String>) -> BTreeMap<String, Vec<Unit>> {
        let mut by_app: BTreeMap<String, Vec<Arc<Pod>>> = BTreeMap::new();
        for pod in self.pods.state() {
            let Some(app) = units::app_of(&pod) else {
                continue;
            };
            if apps.get(app).map(String::as_str) == pod.metadata.namespace.as_deref() {
                let app = app.to_string();
                by_app.entry(app).or_default().push(pod);
            }
        }
        by_app
            .into_iter()
            .map(|(app, pods)| (app, units::units(pods.iter().map(AsRef::as_ref))))
            .collect()
    }

    /// Waits up to `timeout` until `done` holds of the caches, re-checking on every change.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let mut changes = self.changes.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return done(self),
            }
        }
    }
}
