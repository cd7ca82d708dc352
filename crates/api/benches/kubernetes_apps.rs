//! `GET /1.0/apps` over HTTP with 1,000 apps on the Kubernetes provisioner (units answered from
//! the pod watch cache of a real control plane) against 1,000 apps on the simulated provisioner,
//! on one server and the in-memory store.
//!
//! ```sh
//! bash scripts/kube.sh exec cargo bench -p tsuru-api --bench kubernetes_apps
//! BENCH_APPS=200 bash scripts/kube.sh exec cargo bench -p tsuru-api --bench kubernetes_apps
//! ```
//!
//! The simulated apps are created and deployed through the API (one unit each). The Kubernetes
//! apps are written into the store and get one pod each, created straight in the cluster's
//! namespace with tsuru's labels (deploying 1,000 apps would measure deploys, and the fake
//! nodes hold 110 pods each: pods beyond that stay Pending, still units). Requests are sent one
//! after the other by one client over loopback, as the admin; each list asks for one pool.
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tsuru_adapters::memory::MemoryStore;
use tsuru_domain::app::AppStorage;
use tsuru_domain::testing::app;
use tsuru_testkit::TestServer;

const ROUNDS: usize = 30;

fn apps() -> usize {
    std::env::var("BENCH_APPS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000)
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is unset"))
}

/// The control plane's API server, as the admin.
struct Cluster {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Cluster {
    fn from_env(url: String) -> Cluster {
        let ca = std::fs::read(var("TSURU_TEST_KUBE_CA")).expect("CA file");
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA PEM"))
            .build()
            .expect("HTTP client");
        Cluster { url, token: var("TSURU_TEST_KUBE_TOKEN"), http }
    }

    async fn create(&self, path: &str, body: &Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("API server");
        let status = resp.status();
        assert!(
            status.is_success(),
            "POST {path}: {status} {}",
            resp.text().await.unwrap_or_default()
        );
    }

    async fn delete(&self, path: &str) {
        let _ =
            self.http.delete(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await;
    }
}

/// A pod of process `web`, version 1, of `app`, as the provisioner labels them.
fn pod(app: &str) -> Value {
    json!({
        "metadata": {
            "name": format!("{app}-web-1"),
            "labels": {
                "tsuru.io/is-tsuru": "true",
                "tsuru.io/app-name": app,
                "tsuru.io/app-process": "web",
                "tsuru.io/app-version": "1",
                "tsuru.io/is-routable": "true",
            },
        },
        "spec": {
            "nodeSelector": {"tsuru.io/pool": "kubepool"},
            "containers": [{"name": "web", "image": "registry.example/app:v1"}],
        },
    })
}

/// Median and mean of [`ROUNDS`] timed lists, and the units of the last one.
async fn time(server: &TestServer, path: &str) -> (Duration, Duration, usize) {
    let (times, body) = server.admin().timed_gets(path, ROUNDS).await;
    let list: Vec<Value> = serde_json::from_slice(&body).expect("app list");
    let units = list.iter().map(|a| a["units"].as_array().map_or(0, Vec::len)).sum();
    let mean = times.iter().sum::<Duration>() / u32::try_from(ROUNDS).unwrap_or(1);
    (times[ROUNDS / 2], mean, units)
}

#[tokio::main]
async fn main() {
    let Ok(url) = std::env::var("TSURU_TEST_KUBE_URL") else {
        println!("skipped: no Kubernetes (run under `bash scripts/kube.sh exec`)");
        return;
    };
    let n = apps();
    let kube = Cluster::from_env(url.clone());
    let store = Arc::new(MemoryStore::new());
    let server = TestServer::spawn_on(store.clone(), |_| {}).await;
    let admin = server.admin();
    server.team("bench").await;
    for (pool, provisioner) in [("kubepool", "kubernetes"), ("simpool", "simulated")] {
        let r = admin
            .post_json(
                "/1.0/pools",
                &json!({"name": pool, "provisioner": provisioner, "public": true}),
            )
            .await;
        assert_eq!(r.status(), 201, "pool {pool}");
    }
    let ns = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let r = admin
        .post_json(
            "/1.3/provisioner/clusters",
            &json!({"name": "bench", "provisioner": "kubernetes", "addresses": [url],
                    "pools": ["kubepool"],
                    "cacert": base64_file("TSURU_TEST_KUBE_CA"),
                    "custom_data": {"token": kube.token, "namespace": ns}}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());

    let started = Instant::now();
    kube.create("/api/v1/namespaces", &json!({"metadata": {"name": ns}})).await;
    for i in 0..n {
        let mut a = app(&format!("k-{i:06}"));
        a.pool = "kubepool".into();
        a.teams = vec!["bench".into()];
        a.team_owner = "bench".into();
        store.insert(&a).await.expect("seed app");
        kube.create(&format!("/api/v1/namespaces/{ns}/pods"), &pod(&a.name)).await;
    }
    println!("kubernetes: {n} apps and pods created in {:.1?}", started.elapsed());
    let started = Instant::now();
    for i in 0..n {
        let name = format!("s-{i:06}");
        let r = admin
            .post_form("/1.0/apps", &[("name", &name), ("teamOwner", "bench"), ("pool", "simpool")])
            .await;
        assert_eq!(r.status(), 201, "app {name}");
        server.deploy(&name, "registry.example/app:v1").await;
    }
    println!("simulated:  {n} apps created and deployed in {:.1?}", started.elapsed());

    // Until the watch cache holds every pod.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, _, units) = time(&server, "/1.0/apps?pool=kubepool").await;
        if units == n || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut figures = Vec::new();
    for pool in ["simpool", "kubepool"] {
        let path = format!("/1.0/apps?pool={pool}");
        let (median, mean, units) = time(&server, &path).await;
        println!(
            "{pool:9} {n:>6} apps {units:>6} units  GET {path:28} median {median:>10.2?}  mean {mean:>10.2?}  ({ROUNDS} rounds)"
        );
        figures.push(median);
    }
    println!(
        "kubernetes / simulated (median): {:.2}",
        figures[1].as_secs_f64() / figures[0].as_secs_f64()
    );
    kube.delete(&format!("/api/v1/namespaces/{ns}")).await;
}

fn base64_file(name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(var(name)).expect("file"))
}
