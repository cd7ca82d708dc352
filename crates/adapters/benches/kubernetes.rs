//! Units of many apps, from the Kubernetes provisioner's pod cache and from the simulated
//! provisioner, and the time from a deploy to all of its units started.
//!
//! ```sh
//! bash scripts/kube.sh exec cargo bench -p tsuru-adapters --bench kubernetes
//! ```
//!
//! Without `TSURU_TEST_KUBE_URL` only the simulated provisioner is measured. The Kubernetes
//! figures use a fresh namespace holding one pod per app (created directly, labelled as
//! tsuru's), on the fake nodes of pool `kubepool`.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Container, Namespace, Pod, PodSpec, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, PostParams};
use kube::config::KubeConfigOptions;
use tsuru_adapters::kubernetes::{kubeconfig, KubernetesProvisioner, KubernetesSettings};
use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::simulated::SimulatedProvisioner;
use tsuru_adapters::system::SystemClock;
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::{Cluster, ClusterStorage};
use tsuru_domain::output::Discard;
use tsuru_domain::provision::{ProcessUnits, Provisioner};
use tsuru_domain::testing::{app, app_version};

const APPS: usize = 1000;
const LISTS: u32 = 20;

/// Version `n` of `app`: one `web` process running `./run`.
fn version(app: &str, n: i64) -> AppVersion {
    AppVersion {
        image: format!("registry.example/{app}:v{n}"),
        processes: BTreeMap::from([("web".to_string(), vec!["./run".to_string()])]),
        exposed_ports: Vec::new(),
        ..app_version(app, n)
    }
}

fn apps() -> Vec<App> {
    (0..APPS)
        .map(|i| {
            let mut a = app(&format!("bench-{i:04}"));
            a.pool = "kubepool".into();
            a
        })
        .collect()
}

async fn time_lists(p: &dyn Provisioner, apps: &[App]) -> (Duration, usize) {
    let mut units = 0;
    let started = Instant::now();
    for _ in 0..LISTS {
        units = p.units_of_apps(apps).await.unwrap().values().map(Vec::len).sum();
    }
    (started.elapsed() / LISTS, units)
}

async fn simulated() {
    let p = SimulatedProvisioner::new(Arc::new(SystemClock), "tsuru.localhost");
    let apps = apps();
    for a in &apps {
        p.provision(a, &Discard).await.unwrap();
        let v1 = version(&a.name, 1);
        p.deploy(a, &v1, &Discard).await.unwrap();
    }
    let (d, units) = time_lists(&p, &apps).await;
    println!("simulated   units_of_apps({APPS} apps, {units} units): {d:?} per call");
}

fn pod(ns: &str, app: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(format!("{app}-web-0")),
            namespace: Some(ns.into()),
            labels: Some(BTreeMap::from([
                ("tsuru.io/is-tsuru".to_string(), "true".to_string()),
                ("tsuru.io/app-name".to_string(), app.to_string()),
                ("tsuru.io/app-process".to_string(), "web".to_string()),
                ("tsuru.io/app-version".to_string(), "1".to_string()),
                ("tsuru.io/is-routable".to_string(), "true".to_string()),
            ])),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_selector: Some(BTreeMap::from([(
                "tsuru.io/pool".to_string(),
                "kubepool".to_string(),
            )])),
            containers: vec![Container {
                name: "web".into(),
                image: Some("registry.example/app:v1".into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

async fn kubernetes(url: String) {
    let ns = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let cluster = Cluster {
        name: "bench".into(),
        addresses: vec![url],
        provisioner: "kubernetes".into(),
        ca_cert: std::fs::read(std::env::var("TSURU_TEST_KUBE_CA").unwrap()).unwrap(),
        default: true,
        custom_data: BTreeMap::from([
            ("token".into(), std::env::var("TSURU_TEST_KUBE_TOKEN").unwrap()),
            ("namespace".into(), ns.clone()),
        ]),
        ..Cluster::default()
    };
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(
            kubeconfig(&cluster).unwrap(),
            &KubeConfigOptions::default(),
        )
        .await
        .unwrap(),
    )
    .unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: ObjectMeta { name: Some(ns.clone()), ..ObjectMeta::default() },
                ..Namespace::default()
            },
        )
        .await
        .unwrap();
    // Pods are refused until the namespace has its default ServiceAccount.
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), &ns);
    while accounts.get_opt("default").await.unwrap().is_none() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let store = Arc::new(MemoryStore::new());
    ClusterStorage::upsert(&*store, &cluster).await.unwrap();
    let p = KubernetesProvisioner::new(store, KubernetesSettings::default());
    p.cluster_updated(&cluster).await.unwrap();
    let apps = apps();
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    let started = Instant::now();
    let mut pending = futures::stream::FuturesUnordered::new();
    for a in &apps {
        let pods = pods.clone();
        let pod = pod(&ns, &a.name);
        pending.push(async move { pods.create(&PostParams::default(), &pod).await });
        if pending.len() >= 16 {
            futures::StreamExt::next(&mut pending).await.unwrap().unwrap();
        }
    }
    while let Some(r) = futures::StreamExt::next(&mut pending).await {
        r.unwrap();
    }
    println!("kubernetes  created {APPS} pods in {:?}", started.elapsed());
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let (_, units) = time_lists(&p, &apps[..1]).await;
        let all: usize =
            p.units_of_apps(&apps).await.unwrap().values().flatten().filter(|u| u.ready).count();
        if all == APPS || Instant::now() > deadline {
            println!(
                "kubernetes  {all} of {APPS} pods ready in the cache after {:?} ({units} unit in the first app)",
                started.elapsed()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (d, units) = time_lists(&p, &apps).await;
    println!("kubernetes  units_of_apps({APPS} apps, {units} units) from the watch cache: {d:?} per call");
    let one = &apps[..1];
    let started = Instant::now();
    for _ in 0..LISTS {
        p.units(&one[0]).await.unwrap();
    }
    println!("kubernetes  units(1 app) from the cache: {:?} per call", started.elapsed() / LISTS);

    // Deploys: to 1 unit, then a redeploy of 10 units.
    let mut a = app("bench-deploy");
    a.pool = "kubepool".into();
    p.provision(&a, &Discard).await.unwrap();
    let version = |n: i64| version(&a.name, n);
    let started = Instant::now();
    p.deploy(&a, &version(1), &Discard).await.unwrap();
    println!("kubernetes  first deploy, 1 unit started: {:?}", started.elapsed());
    let started = Instant::now();
    p.scale(ProcessUnits::new(&a, "web", &version(1)), 9, &Discard).await.unwrap();
    println!("kubernetes  9 units added and started: {:?}", started.elapsed());
    let started = Instant::now();
    p.deploy(&a, &version(2), &Discard).await.unwrap();
    println!("kubernetes  redeploy of 10 units, all started: {:?}", started.elapsed());
    let units = p.units(&a).await.unwrap();
    assert_eq!(units.iter().filter(|u| u.version == 2 && u.ready).count(), 10);
    namespaces.delete(&ns, &DeleteParams::default()).await.unwrap();
}

#[tokio::main]
async fn main() {
    simulated().await;
    match std::env::var("TSURU_TEST_KUBE_URL") {
        Ok(url) => kubernetes(url).await,
        Err(_) => {
            println!("kubernetes  skipped: no TSURU_TEST_KUBE_URL (run under scripts/kube.sh exec)")
        }
    }
}
