//! The Kubernetes provisioner against a real control plane (`bash scripts/kube.sh exec cargo
//! test -p tsuru-adapters --test kubernetes`). Without `TSURU_TEST_KUBE_URL` each test is
//! skipped with a message, unless `TSURU_KUBE_REQUIRED=1`, which makes it fail.
//!
//! Each test runs in its own namespace (cluster custom data `namespace`), with apps in pool
//! `kubepool`, whose fake nodes mark pods Running.
#[path = "../../../tests/support/peers.rs"]
mod peers;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Secret, Service, ServiceAccount};
use kube::api::Api;
use kube::config::KubeConfigOptions;
use kube::ResourceExt;
use tsuru_adapters::kubernetes::crd::App as AppResource;
use tsuru_adapters::kubernetes::{kubeconfig, KubernetesProvisioner, KubernetesSettings};
use tsuru_adapters::memory::MemoryStore;
use tsuru_domain::app::{App, AppVersion, EnvVar};
use tsuru_domain::cluster::{Cluster, ClusterStorage};
use tsuru_domain::output::{Discard, Output};
use tsuru_domain::provision::{ProcessUnits, Provisioner, Restart, UnitStatus};
use tsuru_domain::testing::app_version;
use tsuru_domain::Error;

use peers::TestKube;

/// The test cluster, in namespace `namespace`, or `None` (skip) without one.
fn test_cluster(namespace: &str) -> Option<Cluster> {
    let kube = TestKube::from_env()?;
    Some(Cluster {
        name: "kube-test".into(),
        addresses: vec![kube.url],
        provisioner: "kubernetes".into(),
        ca_cert: TestKube::read(&kube.ca),
        default: true,
        custom_data: BTreeMap::from([
            ("token".to_string(), kube.token),
            ("namespace".to_string(), namespace.to_string()),
        ]),
        ..Cluster::default()
    })
}

fn unique_namespace() -> String {
    format!("t-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

fn settings() -> KubernetesSettings {
    KubernetesSettings { rollout_timeout: Duration::from_secs(30), ..KubernetesSettings::default() }
}

/// A provisioner on the test cluster, reading clusters and volume binds from `store`.
struct Env {
    prov: Arc<KubernetesProvisioner>,
    store: Arc<MemoryStore>,
    client: kube::Client,
    ns: String,
}

/// A memory store holding `cluster`.
async fn store_with(cluster: &Cluster) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    ClusterStorage::upsert(&*store, cluster).await.unwrap();
    store
}

async fn env() -> Option<Env> {
    env_with(settings()).await
}

async fn env_with(settings: KubernetesSettings) -> Option<Env> {
    let ns = unique_namespace();
    let cluster = test_cluster(&ns)?;
    let store = store_with(&cluster).await;
    let prov =
        Arc::new(KubernetesProvisioner::new(store.clone(), settings).with_volumes(store.clone()));
    prov.cluster_updated(&cluster).await.expect("cluster reachable");
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig(&cluster).unwrap(),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    Some(Env { prov, store, client, ns })
}

impl Env {
    fn api<K>(&self) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        K::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.ns)
    }
}

fn kube_app(name: &str) -> App {
    let mut app = tsuru_domain::testing::app(name);
    app.pool = "kubepool".into();
    app.env.insert(
        "DATABASE_PASSWORD".into(),
        EnvVar {
            name: "DATABASE_PASSWORD".into(),
            value: "s3cr3t".into(),
            alias: String::new(),
            public: false,
            managed_by: String::new(),
        },
    );
    app.env.insert(
        "GREETING".into(),
        EnvVar {
            name: "GREETING".into(),
            value: "hello".into(),
            alias: String::new(),
            public: true,
            managed_by: String::new(),
        },
    );
    app
}

fn version(app: &str, n: i64) -> AppVersion {
    AppVersion {
        image: format!("registry.example/tsuru/app-{app}:v{n}"),
        processes: BTreeMap::from([("web".to_string(), vec!["python app.py".to_string()])]),
        ..app_version(app, n)
    }
}

/// Collects progress lines.
#[derive(Default)]
struct Lines(std::sync::Mutex<String>);

impl Output for Lines {
    fn write(&self, text: &str) {
        self.0.lock().unwrap().push_str(text);
    }
}

async fn started_units(prov: &KubernetesProvisioner, app: &App) -> usize {
    prov.units(app).await.unwrap().iter().filter(|u| u.status == UnitStatus::Started).count()
}

async fn replicas(env: &Env, name: &str) -> i32 {
    env.api::<Deployment>().get(name).await.unwrap().spec.replicas.unwrap()
}

tsuru_domain::provisioner_contract_tests!(optional, no_builds, async {
    let ns = unique_namespace();
    let cluster = test_cluster(&ns)?;
    Some(Arc::new(KubernetesProvisioner::new(store_with(&cluster).await, settings())))
});

#[tokio::test]
async fn provision_creates_the_app_resource_and_nothing_else() {
    let Some(env) = env().await else { return };
    let app = kube_app("prov");
    env.prov.provision(&app, &Discard).await.unwrap();
    let cr = env.api::<AppResource>().get("prov").await.unwrap();
    assert_eq!(cr.spec.namespace_name, env.ns);
    assert_eq!(cr.spec.service_account_name, "app-prov");
    assert!(env.api::<Deployment>().list(&Default::default()).await.unwrap().items.is_empty());
    assert!(env.prov.units(&app).await.unwrap().is_empty());
    assert!(env.prov.deployed_versions(&app).await.unwrap().is_empty());
}

#[tokio::test]
async fn deploy_runs_the_image_with_tsurus_objects_and_units_start() {
    let Some(env) = env().await else { return };
    let app = kube_app("dep");
    env.prov.provision(&app, &Discard).await.unwrap();
    let out = Lines::default();
    let started = Instant::now();
    env.prov.deploy(&app, &version("dep", 1), &out).await.unwrap();
    eprintln!("deploy to 1 started unit: {:?}", started.elapsed());
    let log = out.0.lock().unwrap().clone();
    assert!(log.contains("1 of 1 new units ready"), "{log}");

    let d = env.api::<Deployment>().get("dep-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/app-name"], "dep");
    assert_eq!(d.labels()["tsuru.io/app-pool"], "kubepool");
    let spec = d.spec;
    assert_eq!(spec.replicas, Some(1));
    let pod = spec.template.spec.unwrap();
    assert_eq!(pod.node_selector.unwrap()["tsuru.io/pool"], "kubepool");
    let c = &pod.containers[0];
    assert_eq!(c.image.as_deref(), Some("registry.example/tsuru/app-dep:v1"));
    let env_vars = c.env.clone().unwrap();
    let greeting = env_vars.iter().find(|e| e.name == "GREETING").unwrap();
    assert_eq!(greeting.value.as_deref(), Some("hello"));
    let password = env_vars.iter().find(|e| e.name == "DATABASE_PASSWORD").unwrap();
    let key_ref = password.value_from.clone().unwrap().secret_key_ref.unwrap();
    assert_eq!(key_ref.name, "tsuru-app-dep-web");
    let limits = c.resources.clone().unwrap().limits.unwrap();
    assert_eq!(limits["memory"].0, "256Mi");
    assert_eq!(limits["cpu"].0, "100m");

    let secret = env.api::<Secret>().get("tsuru-app-dep-web").await.unwrap();
    assert_eq!(secret.data.unwrap()["DATABASE_PASSWORD"].0, b"s3cr3t");
    assert_eq!(secret.metadata.owner_references.unwrap()[0].name, "dep-web");
    let svc = env.api::<Service>().get("dep-web").await.unwrap();
    assert_eq!(svc.spec.unwrap().selector.unwrap()["tsuru.io/is-routable"], "true");
    env.api::<Service>().get("dep-web-units").await.unwrap();
    env.api::<ServiceAccount>().get("app-dep").await.unwrap();
    let cr = env.api::<AppResource>().get("dep").await.unwrap();
    assert_eq!(cr.spec.deployments["web"], ["dep-web"]);
    assert_eq!(cr.spec.services["web"], ["dep-web", "dep-web-units"]);

    let units = env.prov.units(&app).await.unwrap();
    assert_eq!(units.len(), 1);
    let u = &units[0];
    assert_eq!((u.status, u.version, u.process_name.as_str()), (UnitStatus::Started, 1, "web"));
    assert!(u.ready && u.routable);
    assert_eq!(env.prov.deployed_versions(&app).await.unwrap(), [1]);
    let many = env.prov.units_of_apps(&[app.clone(), kube_app("other")]).await.unwrap();
    assert_eq!(many["dep"].len(), 1);
    assert!(!many.contains_key("other"));
    assert_eq!(
        env.prov.router_address(&app, "default").await.unwrap(),
        format!("dep-web.{}.svc.cluster.local", env.ns)
    );

    // A redeploy keeps the unit count and runs the new version.
    env.prov.scale(ProcessUnits::new(&app, "web", &version("dep", 1)), 1, &Discard).await.unwrap();
    env.prov.deploy(&app, &version("dep", 2), &Discard).await.unwrap();
    assert_eq!(replicas(&env, "dep-web").await, 2);
    let units = env.prov.units(&app).await.unwrap();
    assert_eq!(units.len(), 2, "{units:?}");
    assert!(units.iter().all(|u| u.version == 2 && u.status == UnitStatus::Started));
    assert_eq!(env.prov.deployed_versions(&app).await.unwrap(), [2]);
}

#[tokio::test]
async fn restart_stop_start_and_unit_changes() {
    let Some(env) = env().await else { return };
    let app = kube_app("life");
    env.prov.provision(&app, &Discard).await.unwrap();
    let mut v = version("life", 1);
    env.prov.deploy(&app, &v, &Discard).await.unwrap();

    env.prov.restart(Restart::all(&app), &Discard).await.unwrap();
    let d = env.api::<Deployment>().get("life-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/restarts"], "1");
    let tpl = d.spec.template.metadata.unwrap().labels.unwrap();
    assert_eq!(tpl["tsuru.io/restarts"], "1");
    env.prov.restart(Restart::parse(&app, "web", "1").unwrap(), &Discard).await.unwrap();
    let d = env.api::<Deployment>().get("life-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/restarts"], "2");
    assert!(matches!(
        env.prov.restart(Restart::parse(&app, "worker", "").unwrap(), &Discard).await,
        Err(Error::BadRequest(_))
    ));

    env.prov.scale(ProcessUnits::new(&app, "web", &v), 2, &Discard).await.unwrap();
    assert_eq!(replicas(&env, "life-web").await, 3);
    assert_eq!(started_units(&env.prov, &app).await, 3);
    env.prov.scale(ProcessUnits::new(&app, "", &v), -1, &Discard).await.unwrap();
    assert_eq!(replicas(&env, "life-web").await, 2);
    assert!(matches!(
        env.prov.scale(ProcessUnits::new(&app, "worker", &v), 1, &Discard).await,
        Err(Error::BadRequest(_))
    ));

    env.prov.stop(ProcessUnits::new(&app, "", &v), &Discard).await.unwrap();
    let d = env.api::<Deployment>().get("life-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/is-stopped"], "true");
    assert_eq!(d.spec.replicas, Some(0));
    let svc = env.api::<Service>().get("life-web").await.unwrap();
    assert_eq!(svc.labels()["tsuru.io/is-stopped"], "true");
    assert!(env.prov.units(&app).await.unwrap().is_empty());

    v.past_units.insert("web".into(), 2);
    env.prov.start(ProcessUnits::new(&app, "", &v), &Discard).await.unwrap();
    let d = env.api::<Deployment>().get("life-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/is-stopped"], "false");
    assert_eq!(d.spec.replicas, Some(2));
    assert_eq!(started_units(&env.prov, &app).await, 2);

    // Removing every unit stops the process.
    env.prov.scale(ProcessUnits::new(&app, "web", &v), -2, &Discard).await.unwrap();
    assert_eq!(replicas(&env, "life-web").await, 0);
    let d = env.api::<Deployment>().get("life-web").await.unwrap();
    assert_eq!(d.labels()["tsuru.io/is-stopped"], "true");
}

#[tokio::test]
async fn a_plan_change_is_applied_by_the_restart() {
    let Some(env) = env().await else { return };
    let app = kube_app("plan");
    env.prov.provision(&app, &Discard).await.unwrap();
    env.prov.deploy(&app, &version("plan", 1), &Discard).await.unwrap();
    let mut bigger = app.clone();
    bigger.plan.memory = 1 << 30;
    env.prov.update(&app, &bigger, &Discard).await.unwrap();
    env.prov.restart(Restart::all(&bigger), &Discard).await.unwrap();
    let d = env.api::<Deployment>().get("plan-web").await.unwrap();
    let c = &d.spec.template.spec.unwrap().containers[0];
    assert_eq!(c.resources.clone().unwrap().limits.unwrap()["memory"].0, "1Gi");
    assert_eq!(
        c.command.clone().unwrap()[2],
        "[ -d /home/application/current ] && cd /home/application/current; exec python app.py"
    );
}

#[tokio::test]
async fn destroy_removes_the_apps_objects() {
    let Some(env) = env().await else { return };
    let app = kube_app("gone");
    env.prov.provision(&app, &Discard).await.unwrap();
    env.prov.deploy(&app, &version("gone", 1), &Discard).await.unwrap();
    env.prov.destroy(&app, &Discard).await.unwrap();
    // Foreground deletion: an object may linger, marked deleted, while its dependents go.
    fn gone<K: kube::Resource>(obj: Option<K>) -> bool {
        obj.is_none_or(|o| o.meta().deletion_timestamp.is_some())
    }
    assert!(gone(env.api::<Deployment>().get_opt("gone-web").await.unwrap()));
    assert!(gone(env.api::<Service>().get_opt("gone-web").await.unwrap()));
    assert!(gone(env.api::<Service>().get_opt("gone-web-units").await.unwrap()));
    assert!(gone(env.api::<ServiceAccount>().get_opt("app-gone").await.unwrap()));
    assert!(gone(env.api::<Secret>().get_opt("tsuru-app-gone-web").await.unwrap()));
    assert!(env.api::<AppResource>().get_opt("gone").await.unwrap().is_none());
    assert!(env.prov.units(&app).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_deploy_that_cannot_start_leaves_nothing_running() {
    let Some(env) =
        env_with(KubernetesSettings { rollout_timeout: Duration::from_secs(3), ..settings() })
            .await
    else {
        return;
    };
    let mut app = kube_app("stuck");
    app.pool = "pool-without-nodes".into();
    env.prov.provision(&app, &Discard).await.unwrap();
    let err = env.prov.deploy(&app, &version("stuck", 1), &Discard).await.unwrap_err();
    assert!(err.to_string().contains("did not start"), "{err}");
    assert!(env.api::<Deployment>().get_opt("stuck-web").await.unwrap().is_none());
    assert!(env.prov.deployed_versions(&app).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_cluster_is_a_quick_clear_error() {
    let cluster = Cluster {
        name: "far".into(),
        addresses: vec!["https://127.0.0.1:1".into()],
        provisioner: "kubernetes".into(),
        default: true,
        ..Cluster::default()
    };
    let prov = KubernetesProvisioner::new(store_with(&cluster).await, settings());
    let started = Instant::now();
    let err = prov.cluster_updated(&cluster).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
    assert!(err.to_string().starts_with("cluster \"far\": "), "{err}");
    let err = prov.provision(&kube_app("x"), &Discard).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
    assert!(err.to_string().contains("\"far\""), "{err}");
}

#[tokio::test]
async fn an_app_without_a_cluster_is_refused() {
    let prov = KubernetesProvisioner::new(Arc::new(MemoryStore::new()), settings());
    let err = prov.provision(&kube_app("x"), &Discard).await.unwrap_err();
    assert_eq!(err.to_string(), "no cluster");
    assert!(prov.units(&kube_app("x")).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_token_is_an_error_naming_the_cluster() {
    let Some(mut cluster) = test_cluster("default") else {
        return;
    };
    cluster.custom_data.insert("token".into(), "not-a-token".into());
    let prov = KubernetesProvisioner::new(Arc::new(MemoryStore::new()), settings());
    let err = prov.cluster_updated(&cluster).await.unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("cluster \"kube-test\": "), "{text}");
    assert!(text.contains("401"), "{text}");
}

#[tokio::test]
async fn a_client_certificate_connects_without_a_token() {
    let Some(mut cluster) = test_cluster("default") else {
        return;
    };
    cluster.custom_data.remove("token");
    let read = |v: &str| std::fs::read(std::env::var(v).expect(v)).expect("readable");
    cluster.client_cert = read("TSURU_TEST_KUBE_CLIENT_CERT");
    cluster.client_key = read("TSURU_TEST_KUBE_CLIENT_KEY");
    let prov = KubernetesProvisioner::new(Arc::new(MemoryStore::new()), settings());
    prov.cluster_updated(&cluster).await.expect("client certificate accepted");
}

#[tokio::test]
async fn a_removed_cluster_is_reconnected_from_storage_when_used_again() {
    let Some(env) = env().await else { return };
    let app = kube_app("again");
    env.prov.cluster_removed("kube-test").await;
    env.prov.provision(&app, &Discard).await.unwrap();
    env.api::<AppResource>().get("again").await.unwrap();
}

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use tsuru_domain::volume::{Volume, VolumeBind, VolumeBindId, VolumeStorage};

/// A volume of `kubepool` and team `t1` with plan `plan` of options `plan_opts`.
fn kube_volume(
    name: &str,
    plan: &str,
    plan_opts: serde_json::Value,
    opts: &[(&str, &str)],
) -> Volume {
    tsuru_domain::testing::volume(name, "kubepool", plan, plan_opts, opts)
}

/// App `name` of `kubepool`, provisioned and running version 1.
async fn deployed(prov: &KubernetesProvisioner, name: &str) -> App {
    let app = kube_app(name);
    prov.provision(&app, &Discard).await.unwrap();
    prov.deploy(&app, &version(name, 1), &Discard).await.unwrap();
    app
}

fn app_bind(app: &str, volume: &str, mount: &str, read_only: bool) -> VolumeBind {
    VolumeBind {
        id: VolumeBindId { app: app.into(), mount_point: mount.into(), volume: volume.into() },
        read_only,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bound_volumes_become_a_pv_a_pvc_and_mounts_at_the_next_restart() {
    let Some(env) = env().await else { return };
    let (prov, store, client, ns) = (&env.prov, &env.store, &env.client, &env.ns);

    let app = deployed(prov, "vol").await;
    // PersistentVolumes are cluster-wide: the volume is named after the test's namespace.
    let vname = format!("v{ns}");
    let volume = kube_volume(
        &vname,
        "nfs",
        serde_json::json!({"plugin": "nfs", "capacity": "1Gi", "access-modes": "ReadWriteMany"}),
        &[("server", "10.0.0.1"), ("path", "/exports")],
    );
    prov.validate_volume(&volume).await.expect("a valid nfs volume");
    assert!(
        !prov.volume_provisioned(&volume).await.unwrap(),
        "nothing made before a bound app is rendered"
    );
    store.insert_volume(&volume).await.unwrap();
    let bind = |mount: &str, read_only: bool| app_bind("vol", &vname, mount, read_only);
    // The bind, then the restart the bind endpoint runs: the figure of the report.
    let started = Instant::now();
    store.insert_bind(&bind("/mnt/data", true)).await.unwrap();
    store.insert_bind(&bind("/mnt/logs", false)).await.unwrap();
    prov.restart(Restart::all(&app), &Discard).await.unwrap();
    let d: Deployment = Api::namespaced(client.clone(), ns).get("vol-web").await.unwrap();
    let elapsed = started.elapsed();
    eprintln!("bind + restart until the pod template mounts the volume: {elapsed:?}");
    assert!(prov.volume_provisioned(&volume).await.unwrap(), "the PersistentVolume exists");

    let pv: PersistentVolume =
        Api::all(client.clone()).get(&format!("{vname}-tsuru")).await.unwrap();
    let labels = pv.labels();
    assert_eq!(labels["tsuru.io/volume-name"], vname);
    assert_eq!(labels["tsuru.io/volume-pool"], "kubepool");
    assert_eq!(labels["tsuru.io/volume-plan"], "nfs");
    assert_eq!(labels["tsuru.io/volume-team"], "t1");
    assert_eq!(labels["tsuru.io/is-tsuru"], "true");
    let spec = pv.spec.clone().unwrap();
    assert_eq!(spec.capacity.unwrap()["storage"].0, "1Gi");
    assert_eq!(spec.access_modes.unwrap(), ["ReadWriteMany"]);
    let nfs = spec.nfs.unwrap();
    assert_eq!((nfs.server.as_str(), nfs.path.as_str()), ("10.0.0.1", "/exports"));
    let pvc: PersistentVolumeClaim =
        Api::namespaced(client.clone(), ns).get(&format!("{vname}-tsuru-claim")).await.unwrap();
    assert_eq!(pvc.labels()["tsuru.io/volume-name"], vname);
    let claim = pvc.spec.unwrap();
    assert_eq!(claim.volume_name.as_deref(), Some(format!("{vname}-tsuru").as_str()));
    assert_eq!(claim.storage_class_name.as_deref(), Some(""));
    assert_eq!(claim.access_modes.unwrap(), ["ReadWriteMany"]);
    assert_eq!(claim.resources.unwrap().requests.unwrap()["storage"].0, "1Gi");

    let pod = d.spec.template.spec.unwrap();
    let volumes = pod.volumes.unwrap();
    assert_eq!(volumes.len(), 1);
    assert_eq!(volumes[0].name, format!("{vname}-tsuru"));
    let source = volumes[0].persistent_volume_claim.clone().unwrap();
    assert_eq!(source.claim_name, format!("{vname}-tsuru-claim"));
    // `false` is left out by the API server (Go's omitempty).
    assert!(!source.read_only.unwrap_or(false), "one bind is read-write");
    let mounts: Vec<(String, bool)> = pod.containers[0]
        .volume_mounts
        .clone()
        .unwrap()
        .into_iter()
        .map(|m| {
            assert_eq!(m.name, format!("{vname}-tsuru"));
            (m.mount_path, m.read_only.unwrap_or(false))
        })
        .collect();
    assert_eq!(mounts, [("/mnt/data".to_string(), true), ("/mnt/logs".to_string(), false)]);
    assert_eq!(started_units(prov, &app).await, 1, "the unit came up with the mount");

    // Unbound: the next render drops the mount, the objects stay until the volume is deleted.
    store.delete_bind(&bind("/mnt/data", true).id).await.unwrap();
    store.delete_bind(&bind("/mnt/logs", false).id).await.unwrap();
    prov.restart(Restart::all(&app), &Discard).await.unwrap();
    let d: Deployment = Api::namespaced(client.clone(), ns).get("vol-web").await.unwrap();
    let pod = d.spec.template.spec.unwrap();
    assert!(pod.volumes.is_none() && pod.containers[0].volume_mounts.is_none());
    let pvs: Api<PersistentVolume> = Api::all(client.clone());
    assert!(pvs.get_opt(&format!("{vname}-tsuru")).await.unwrap().is_some());
    assert!(prov.volume_provisioned(&volume).await.unwrap(), "kept");
    prov.delete_volume(&volume).await.unwrap();
    let gone_or_going =
        |p: Option<PersistentVolume>| p.is_none_or(|p| p.metadata.deletion_timestamp.is_some());
    assert!(gone_or_going(pvs.get_opt(&format!("{vname}-tsuru")).await.unwrap()));
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let claim = pvcs.get_opt(&format!("{vname}-tsuru-claim")).await.unwrap();
    assert!(claim.is_none_or(|c| c.metadata.deletion_timestamp.is_some()));
    prov.destroy(&app, &Discard).await.unwrap();
}

#[tokio::test]
async fn a_claim_labelled_with_the_volume_name_counts_as_provisioned() {
    let Some(env) = env().await else { return };
    let (prov, client, ns) = (&env.prov, &env.client, &env.ns);
    let vname = format!("c{ns}");
    let volume = kube_volume(
        &vname,
        "ebs",
        serde_json::json!({"storage-class": "gp2", "capacity": "1Gi", "access-modes": "ReadWriteOnce"}),
        &[],
    );
    assert!(!prov.volume_provisioned(&volume).await.unwrap());
    // A claim another tsurud (or tsuru) made for a volume of this name, in any namespace.
    let (_, claim) = tsuru_adapters::kubernetes::volume::claim_objects(&volume, ns).unwrap();
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
    let ns_api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client.clone());
    ns_api
        .create(
            &Default::default(),
            &serde_json::from_value(serde_json::json!({"metadata": {"name": ns}})).unwrap(),
        )
        .await
        .unwrap();
    claims.create(&Default::default(), &claim.unwrap()).await.unwrap();
    assert!(prov.volume_provisioned(&volume).await.unwrap());
    prov.delete_volume(&volume).await.unwrap();
    ns_api.delete(ns, &Default::default()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ephemeral_and_empty_dir_volumes_live_in_the_pod_and_make_no_object_of_their_own() {
    let Some(env) = env().await else { return };
    let (prov, store, client, ns) = (&env.prov, &env.store, &env.client, &env.ns);
    let app = deployed(prov, "eph").await;
    // The cluster has no dynamic provisioner: volumes of the class for the claims the pods'
    // templates make (one per pod, the old and the new one during the restart).
    let class = format!("eph-{ns}");
    let pvs: Api<PersistentVolume> = Api::all(client.clone());
    for i in 0..3 {
        let pv: PersistentVolume = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("{class}-{i}")},
            "spec": {"storageClassName": class, "capacity": {"storage": "1Gi"},
                     "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/eph"}},
        }))
        .unwrap();
        pvs.create(&Default::default(), &pv).await.unwrap();
    }
    let eph = kube_volume(
        &format!("e{ns}"),
        "scratch",
        serde_json::json!({"plugin": "ephemeral", "storage-class": class, "access-modes": "ReadWriteOnce"}),
        &[("capacity", "1Gi")],
    );
    let mem = kube_volume(
        &format!("m{ns}"),
        "memory",
        serde_json::json!({"plugin": "emptyDir"}),
        &[("medium", "Memory")],
    );
    for v in [&eph, &mem] {
        prov.validate_volume(v).await.expect("valid");
        store.insert_volume(v).await.unwrap();
    }
    store.insert_bind(&app_bind("eph", &eph.name, "/scratch", false)).await.unwrap();
    store.insert_bind(&app_bind("eph", &mem.name, "/cache", false)).await.unwrap();
    prov.restart(Restart::all(&app), &Discard).await.unwrap();
    let d: Deployment = Api::namespaced(client.clone(), ns).get("eph-web").await.unwrap();
    let pod = d.spec.template.spec.unwrap();
    let volumes = serde_json::to_value(pod.volumes.unwrap()).unwrap();
    let by_name = |name: String| {
        volumes
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name.as_str())
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {volumes}"))
    };
    let template = &by_name(format!("{}-tsuru", eph.name))["ephemeral"]["volumeClaimTemplate"];
    assert_eq!(template["metadata"]["labels"]["tsuru.io/volume-name"], eph.name.as_str());
    assert_eq!(template["metadata"]["labels"]["tsuru.io/volume-plan"], "scratch");
    assert_eq!(template["spec"]["storageClassName"], class.as_str());
    assert_eq!(template["spec"]["accessModes"], serde_json::json!(["ReadWriteOnce"]));
    assert_eq!(template["spec"]["resources"]["requests"]["storage"], "1Gi");
    assert_eq!(
        by_name(format!("{}-tsuru", mem.name))["emptyDir"],
        serde_json::json!({"medium": "Memory"})
    );
    let mounts: Vec<String> = pod.containers[0]
        .volume_mounts
        .clone()
        .unwrap()
        .into_iter()
        .map(|m| m.mount_path)
        .collect();
    assert_eq!(mounts, ["/scratch", "/cache"]);
    assert_eq!(started_units(prov, &app).await, 1, "the unit came up");
    // No PersistentVolume or claim of tsuru's names: the pod's claim is the cluster's.
    for v in [&eph, &mem] {
        assert!(pvs.get_opt(&format!("{}-tsuru", v.name)).await.unwrap().is_none());
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), ns);
        assert!(claims.get_opt(&format!("{}-tsuru-claim", v.name)).await.unwrap().is_none());
    }
    assert!(!prov.volume_provisioned(&mem).await.unwrap());
    prov.destroy(&app, &Discard).await.unwrap();
    for i in 0..3 {
        let _ = pvs.delete(&format!("{class}-{i}"), &Default::default()).await;
    }
}
