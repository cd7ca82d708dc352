use std::sync::Arc;

use serde_json::{json, Value};
use tsuru_adapters::kubernetes;
use tsuru_domain::cluster::{Cluster, ClusterHelp};
use tsuru_domain::testing::{StubProvisioner, StubRules};

use crate::peers::TestKube;
use crate::{
    event_info, expect, expect_delete, expect_get, get_json, post_raw, status_text, TestServer,
    FORBIDDEN, UNAUTHORIZED,
};

/// base64 of the test credentials, and the credentials themselves.
const KEY_B64: &str = "U0VDUkVULUtFWQ=="; // SECRET-KEY
const SECRETS: [&str; 6] = [
    KEY_B64,
    "SECRET-KEY",
    "secret-token",
    "secret-password",
    "secret-user",
    "a3ViZS1rZXk=", // kube-key
];

fn cluster(name: &str, pools: &[&str]) -> Value {
    json!({
        "name": name, "provisioner": "kubernetes",
        "addresses": ["https://127.0.0.1:1"],
        "cacert": "Q0E=", "clientcert": "Q0VSVA==", "clientkey": KEY_B64,
        "pools": pools, "default": pools.is_empty(),
        "custom_data": {"token": "secret-token", "password": "secret-password",
                        "username": "secret-user", "namespace": "ns1"},
    })
}

fn kube_cluster(name: &str) -> Value {
    json!({
        "name": name, "provisioner": "kubernetes", "pools": ["p2"],
        "kubeConfig": {"cluster": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": true},
                       "user": {"client-key-data": "a3ViZS1rZXk=", "token": "secret-token",
                                "password": "secret-password", "username": "kube-user"}},
    })
}

/// A server whose `kubernetes` provisioner checks clusters as the real one does but connects
/// to none (these tests are about the cluster rules; `a_real_cluster_is_connected_to` talks to
/// a real control plane), with team `t1` and pools `p1`..`p3`.
async fn with_pools() -> TestServer {
    let s = TestServer::spawn_with_provisioners(vec![flaky_provisioner("kubernetes")]).await;
    s.team("t1").await;
    for p in ["p1", "p2", "p3"] {
        let r = s.admin().post_json("/1.0/pools", &json!({"name": p})).await;
        assert_eq!(r.status(), 201);
    }
    s
}

fn assert_no_secret(body: &str, what: &str) {
    for secret in SECRETS {
        assert!(!body.contains(secret), "{what} shows {secret}: {body}");
    }
}

async fn clusters(s: &TestServer) -> Vec<Value> {
    let (status, body) = status_text(s.admin().get("/1.3/provisioner/clusters").await).await;
    assert_no_secret(&body, "the cluster list");
    match status {
        204 => Vec::new(),
        200 => serde_json::from_str(&body).expect("clusters JSON"),
        other => panic!("cluster list: {other} {body}"),
    }
}

fn summary(list: &[Value]) -> Vec<(String, Value, bool)> {
    list.iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["pools"].clone(),
                c["default"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn clusters_are_added_listed_shown_updated_and_removed() {
    let s = with_pools().await;
    let admin = s.admin();
    assert!(clusters(&s).await.is_empty(), "204 before any cluster");
    let (status, body) =
        status_text(admin.post_json("/1.3/provisioner/clusters", &cluster("c1", &["p1"])).await)
            .await;
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, body) = status_text(admin.get("/1.8/provisioner/clusters/c1").await).await;
    assert_eq!(status, 200);
    assert_no_secret(&body, "cluster info");
    let c1: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        c1,
        json!({"name": "c1", "addresses": ["https://127.0.0.1:1"], "provisioner": "kubernetes",
               "cacert": "Q0E=", "clientcert": "Q0VSVA==", "clientkey": null, "pools": ["p1"],
               "custom_data": {"namespace": "ns1", "password": "*****", "token": "*****",
                               "username": "*****"},
               "local": false, "default": false})
    );
    assert_eq!(summary(&clusters(&s).await), [("c1".into(), json!(["p1"]), false)]);

    // The CLI's update: read, change, send back the whole document.
    let mut changed = c1.clone();
    changed["addresses"] = json!(["https://127.0.0.2:1"]);
    changed["pools"] = json!(["p1", "p2"]);
    changed["custom_data"].as_object_mut().unwrap().remove("password");
    changed["name"] = json!("ignored");
    let (status, body) =
        status_text(admin.post_json("/1.4/provisioner/clusters/c1", &changed).await).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let c1: Value = get_json(&admin, "/1.8/provisioner/clusters/c1").await;
    assert_eq!(c1["addresses"], json!(["https://127.0.0.2:1"]));
    assert_eq!(c1["pools"], json!(["p1", "p2"]));
    assert_eq!(
        c1["custom_data"],
        json!({"namespace": "ns1", "token": "*****", "username": "*****"}),
        "a credential left out is removed, one sent back masked is kept"
    );
    assert_eq!(
        admin.get("/1.8/provisioner/clusters/ignored").await.status(),
        404,
        "the URL names the cluster"
    );

    let (status, body) = status_text(admin.delete("/1.3/provisioner/clusters/c1").await).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert!(clusters(&s).await.is_empty());
    expect_get(&admin, "/1.8/provisioner/clusters/c1", 404, "cluster not found\n").await;

    for kind in ["cluster.create", "cluster.update", "cluster.delete"] {
        let events = s.events(&format!("kindname={kind}")).await;
        assert_eq!(events.len(), 1, "{kind}");
        assert_eq!(events[0]["Target"], json!({"Type": "cluster", "Value": "c1"}));
        let full = event_info(&s, &events[0]).await;
        assert_no_secret(&full.to_string(), kind);
    }
    let created = event_info(&s, &s.events("kindname=cluster.create").await[0]).await;
    let data = &created["CustomData"]["Start"];
    let field = |name: &str| {
        data.as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == name))
            .map(|i| i["value"].clone())
            .unwrap_or_else(|| panic!("no {name} in {data}"))
    };
    assert_eq!(field("clientkey"), "*****");
    assert_eq!(
        field("custom_data"),
        json!({"namespace": "ns1", "password": "*****", "token": "*****", "username": "*****"})
    );
    assert_eq!(field("pools"), json!(["p1"]));
}

#[tokio::test]
async fn kubeconfig_clusters_keep_their_user_secrets_to_themselves() {
    let s = with_pools().await;
    let admin = s.admin();
    let r = admin.post_json("/1.3/provisioner/clusters", &kube_cluster("k1")).await;
    expect(r, 200, "", "kubeconfig cluster").await;
    let (status, body) = status_text(admin.get("/1.8/provisioner/clusters/k1").await).await;
    assert_eq!(status, 200);
    assert_no_secret(&body, "kubeconfig cluster info");
    let k1: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        k1["kubeConfig"],
        json!({"cluster": {"server": "https://127.0.0.1:1", "insecure-skip-tls-verify": true},
               "user": {"username": "kube-user"}})
    );
    let r = admin.post_json("/1.4/provisioner/clusters/k1", &k1).await;
    expect(r, 200, "", "round trip").await;
    let event = event_info(&s, &s.events("kindname=cluster.create").await[0]).await;
    assert_no_secret(&event.to_string(), "the kubeconfig event");
    let mut exec = kube_cluster("k2");
    exec["kubeConfig"]["user"]["exec"] = json!({"command": "aws"});
    expect(
        admin.post_json("/1.3/provisioner/clusters", &exec).await,
        400,
        "kubeConfig.user.exec is not supported: use a client certificate, a token or basic auth\n",
        "exec",
    )
    .await;
}

#[tokio::test]
async fn bad_clusters_get_tsurus_texts() {
    let s = with_pools().await;
    let admin = s.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        async move { admin.post_json("/1.3/provisioner/clusters", &body).await }
    };
    expect(post(cluster("c1", &["p1"])).await, 200, "", "c1").await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = cluster("c2", &["p2"]);
        f(&mut c);
        c
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (cluster("c1", &["p3"]), 409, "cluster already exists\n"),
        (cluster("c2", &["nope"]), 404, "Pool does not exist.\n"),
        (with(&|c| c["name"] = json!(" ")), 400, "cluster name is mandatory\n"),
        (
            with(&|c| c["name"] = json!("Bad_Name")),
            400,
            "Invalid cluster name, cluster name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.\n",
        ),
        (with(&|c| c["provisioner"] = json!("")), 400, "provisioner name is mandatory\n"),
        (
            with(&|c| c["default"] = json!(true)),
            400,
            "cannot have both pools and default set\n",
        ),
        (
            with(&|c| c["pools"] = json!([])),
            400,
            "either default or a list of pools must be set\n",
        ),
        (
            with(&|c| c["provisioner"] = json!("swarm")),
            400,
            "provisioner error: unknown provisioner: \"swarm\"\n",
        ),
        (
            with(&|c| {
                c["custom_data"]["single-pool"] = json!("true");
                c["pools"] = json!(["p2", "p3"]);
            }),
            400,
            "only one pool is allowed to use entire cluster as single-pool. 2 pools found\n",
        ),
        (
            with(&|c| c["cacert"] = json!("not base64!")),
            400,
            "unable to parse as json: illegal base64 data: Invalid symbol 32, offset 3.\n",
        ),
        (
            with(&|c| c["pools"] = json!("p2")),
            400,
            "unable to parse as json: invalid type: string \"p2\", expected a sequence\n",
        ),
    ];
    for (body, status, text) in cases {
        expect(post(body.clone()).await, status, text, body).await;
    }
    let mut kube = kube_cluster("k1");
    kube["addresses"] = json!(["https://a:1", "https://b:1"]);
    kube["kubeConfig"]["cluster"]["server"] = json!("");
    expect(
        post(kube).await,
        400,
        "multiple errors reported (2):\nerror #0: when kubeConfig is set the use of addresses is not used\nerror #1: kubeConfig.cluster.server field is required\n",
        "kubeconfig checks",
    )
    .await;
    let path = "/1.3/provisioner/clusters";
    let body = r#"{"name":"c3","provisioner":"kubernetes","default":true}"#;
    for ct in ["application/x-www-form-urlencoded", "application/json; charset=utf-8"] {
        let text = format!("Invalid Content-Type {ct:?}\n");
        expect(post_raw(&admin, path, ct, body).await, 400, &text, ct).await;
    }
    let r = admin.request(reqwest::Method::POST, path).body(body).send().await.unwrap();
    expect(r, 200, "", "no Content-Type reads JSON").await;
    expect(
        post_raw(&admin, path, "application/json", "[1]").await,
        400,
        "unable to parse as json: \"[1]\" - expected a JSON object\n",
        "array",
    )
    .await;

    let update = |name: &'static str, body: Value| {
        let admin = admin.clone();
        async move { admin.post_json(&format!("/1.4/provisioner/clusters/{name}"), &body).await }
    };
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("nope", cluster("nope", &["p1"]), 404, "cluster not found\n"),
        ("c1", cluster("c1", &["nope"]), 400, "Pool does not exist.\n"),
        (
            "c1",
            cluster("c1", &[]).tap_pools(),
            400,
            "either default or a list of pools must be set\n",
        ),
    ];
    for (name, body, status, text) in cases {
        expect(update(name, body.clone()).await, status, text, body).await;
    }
    expect_delete(&admin, "/1.3/provisioner/clusters/nope", 404, "cluster not found\n").await;
    let c1: Value = get_json(&admin, "/1.8/provisioner/clusters/c1").await;
    assert_eq!(c1["pools"], json!(["p1"]), "failed updates change nothing");
}

trait TapPools {
    fn tap_pools(self) -> Value;
}

impl TapPools for Value {
    /// Neither pools nor default.
    fn tap_pools(mut self) -> Value {
        self["default"] = json!(false);
        self
    }
}

#[tokio::test]
async fn cluster_routes_need_a_token_and_cluster_permissions() {
    let s = with_pools().await;
    let admin = s.admin();
    expect(
        admin.post_json("/1.3/provisioner/clusters", &cluster("c1", &["p1"])).await,
        200,
        "",
        "c1",
    )
    .await;
    let bob = s.user("bob@example.com").await;
    for (caller, status, text) in [(s.anonymous(), 401, UNAUTHORIZED), (bob, 403, FORBIDDEN)] {
        for (method, path) in [
            ("GET", "/1.3/provisioner/clusters"),
            ("POST", "/1.3/provisioner/clusters"),
            ("POST", "/1.4/provisioner/clusters/c1"),
            ("GET", "/1.8/provisioner/clusters/c1"),
            ("DELETE", "/1.3/provisioner/clusters/c1"),
            ("GET", "/1.7/provisioner"),
        ] {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = caller.request(m, path).json(&cluster("c1", &["p2"])).send().await.unwrap();
            expect(r, status, text, (method, path)).await;
        }
    }
    s.role("cluster-reader", "global", &["cluster.read"]).await;
    let carol = s.user("carol@example.com").await;
    s.assign("cluster-reader", "carol@example.com", "").await;
    assert_eq!(carol.get("/1.3/provisioner/clusters").await.status(), 200);
    assert_eq!(carol.get("/1.7/provisioner").await.status(), 200);
    let r = carol.post_json("/1.4/provisioner/clusters/c1", &cluster("c1", &["p2"])).await;
    expect(r, 403, FORBIDDEN, "read only").await;
    let c1: Value = get_json(&admin, "/1.8/provisioner/clusters/c1").await;
    assert_eq!(c1["pools"], json!(["p1"]));
}

#[tokio::test]
async fn a_pool_has_one_cluster_and_a_provisioner_one_default() {
    let s = with_pools().await;
    let admin = s.admin();
    for body in [
        cluster("c1", &["p1", "p2"]),
        cluster("d1", &[]),
        cluster("c2", &["p2", "p3"]),
        cluster("d2", &[]),
    ] {
        expect(admin.post_json("/1.3/provisioner/clusters", &body).await, 200, "", &body).await;
    }
    assert_eq!(
        summary(&clusters(&s).await),
        [
            ("c1".into(), json!(["p1"]), false),
            ("c2".into(), json!(["p2", "p3"]), false),
            ("d1".into(), json!([]), false),
            ("d2".into(), json!([]), true),
        ]
    );
    let mut c1: Value = get_json(&admin, "/1.8/provisioner/clusters/c1").await;
    c1["pools"] = json!(["p1", "p3"]);
    let r = admin.post_json("/1.4/provisioner/clusters/c1", &c1).await;
    expect(r, 200, "", "move p3").await;
    assert_eq!(
        summary(&clusters(&s).await)[..2],
        [("c1".into(), json!(["p1", "p3"]), false), ("c2".into(), json!(["p2"]), false),]
    );
}

#[tokio::test]
async fn add_and_remove_stream_when_asked() {
    let s = with_pools().await;
    let admin = s.admin();
    let add = || {
        admin
            .request(reqwest::Method::POST, "/1.3/provisioner/clusters")
            .header("Accept", "application/x-json-stream")
            .json(&cluster("c1", &["p1"]))
            .send()
    };
    let r = add().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-json-stream");
    assert_eq!(clusters(&s).await.len(), 1);
    let again = add().await.unwrap();
    expect(again, 409, "cluster already exists\n", "a failure before any output").await;
    let r = admin
        .request(reqwest::Method::DELETE, "/1.3/provisioner/clusters/c1")
        .header("Accept", "application/x-json-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-json-stream");
    assert!(clusters(&s).await.is_empty());
}

#[tokio::test]
async fn provisioners_are_listed_with_their_cluster_options() {
    let s = TestServer::spawn().await;
    let list: Vec<Value> = get_json(&s.admin(), "/1.7/provisioner").await;
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["kubernetes", "simulated"]);
    let kube = &list[0]["cluster_help"];
    assert_eq!(
        kube["provisioner_help"],
        "Represents a kubernetes cluster, the address parameter must point to a valid kubernetes apiserver endpoint."
    );
    assert_eq!(kube["custom_data_help"].as_object().unwrap().len(), 29);
    assert_eq!(kube["custom_data_help"]["token"], "Token used to connect to the cluster,");
    assert_eq!(list[1]["cluster_help"], json!({"provisioner_help": "", "custom_data_help": {}}));
}

/// A provisioner whose clusters connect unless an address says `unreachable`, keeping what it
/// was handed. Named `kubernetes`, it shows and checks clusters as the real Kubernetes
/// provisioner does.
fn flaky_provisioner(name: &str) -> Arc<StubProvisioner> {
    let rules = if name == "kubernetes" {
        StubRules {
            cluster_help: Some(kubernetes::cluster_help()),
            check_cluster: Some(kubernetes::validate_cluster),
            ..StubRules::default()
        }
    } else {
        StubRules {
            cluster_help: Some(ClusterHelp {
                provisioner_help: "Flaky clusters.".into(),
                ..ClusterHelp::default()
            }),
            ..StubRules::default()
        }
    };
    StubProvisioner::with(name, rules)
}

fn flaky(name: &str, address: &str, pools: &[&str]) -> Value {
    let mut c = cluster(name, pools);
    c["provisioner"] = json!("flaky");
    c["addresses"] = json!([address]);
    c
}

#[tokio::test]
async fn a_cluster_the_provisioner_refuses_leaves_the_clusters_as_they_were() {
    let prov = flaky_provisioner("flaky");
    let s = TestServer::spawn_with_provisioners(vec![prov.clone()]).await;
    for p in ["p1", "p2"] {
        s.admin().post_json("/1.0/pools", &json!({"name": p})).await;
    }
    let admin = s.admin();
    let post = |path: &'static str, body: Value| {
        let admin = admin.clone();
        async move { admin.post_json(path, &body).await }
    };
    let clusters_path = "/1.3/provisioner/clusters";
    expect(post(clusters_path, flaky("c1", "https://ok", &["p1", "p2"])).await, 200, "", "c1")
        .await;
    expect(post(clusters_path, flaky("d1", "https://ok", &[])).await, 200, "", "d1").await;
    {
        let seen = prov.clusters();
        let c1 = &seen[0];
        assert_eq!(c1.client_key, b"SECRET-KEY", "the provisioner gets the credentials");
        assert_eq!(c1.custom_data["token"], "secret-token");
    }
    let before = clusters(&s).await;

    // A new cluster taking a pool and the default: refused, nothing of it stays.
    let refused = post(clusters_path, flaky("c2", "https://unreachable", &["p2"])).await;
    expect(refused, 503, "cluster \"c2\": connection refused\n", "create").await;
    let refused = post(clusters_path, flaky("d2", "https://unreachable", &[])).await;
    expect(refused, 503, "cluster \"d2\": connection refused\n", "create default").await;
    assert_eq!(clusters(&s).await, before);

    // An update of c1 that the provisioner refuses: the old c1 stays, credentials included.
    let mut c1: Value = get_json(&admin, "/1.8/provisioner/clusters/c1").await;
    c1["addresses"] = json!(["https://unreachable"]);
    c1["pools"] = json!(["p1"]);
    let refused = post("/1.4/provisioner/clusters/c1", c1.clone()).await;
    expect(refused, 503, "cluster \"c1\": connection refused\n", "update").await;
    assert_eq!(clusters(&s).await, before);
    c1["addresses"] = json!(["https://ok"]);
    let r = post("/1.4/provisioner/clusters/c1", c1).await;
    expect(r, 200, "", "update").await;
    let last = prov.clusters().last().cloned().unwrap();
    assert_eq!(last.client_key, b"SECRET-KEY", "an update keeps the key it cannot show");
    assert_eq!(last.custom_data["password"], "secret-password");

    let events = s.events("kindname=cluster.create").await;
    let failed: Vec<&Value> = events.iter().filter(|e| e["Error"] != "").collect();
    assert_eq!(failed.len(), 2, "the refused creations are failed events");
    assert_eq!(failed[0]["Error"], "cluster \"d2\": connection refused");

    expect_delete(&admin, "/1.3/provisioner/clusters/d1", 200, "").await;
    assert_eq!(prov.removed(), ["d1"]);
    let list: Vec<Value> = get_json(&admin, "/1.7/provisioner").await;
    assert!(list.iter().any(
        |p| p["name"] == "flaky" && p["cluster_help"]["provisioner_help"] == "Flaky clusters."
    ));
}

#[tokio::test]
async fn stored_clusters_are_handed_to_their_provisioner_at_start() {
    // Two servers on one in-memory store: a process and its restart.
    let store = Arc::new(tsuru_adapters::memory::MemoryStore::new());
    let first =
        TestServer::spawn_on_with_provisioners(store.clone(), vec![flaky_provisioner("flaky")])
            .await;
    first.admin().post_json("/1.0/pools", &json!({"name": "p1"})).await;
    let r = first
        .admin()
        .post_json("/1.3/provisioner/clusters", &flaky("c1", "https://ok", &["p1"]))
        .await;
    expect(r, 200, "", "c1").await;
    drop(first);
    let prov = flaky_provisioner("flaky");
    let _again = TestServer::spawn_on_with_provisioners(store, vec![prov.clone()]).await;
    let seen: Vec<String> = prov.clusters().into_iter().map(|c| c.name).collect();
    assert_eq!(seen, ["c1"]);
}

#[tokio::test]
async fn the_cluster_routes_are_documented() {
    let s = TestServer::spawn().await;
    let doc: Value = get_json(&s.anonymous(), "/openapi.json").await;
    let paths = &doc["paths"];
    for (path, methods) in [
        ("/1.3/provisioner/clusters", &["get", "post"][..]),
        ("/1.4/provisioner/clusters/{name}", &["post"]),
        ("/1.8/provisioner/clusters/{name}", &["get"]),
        ("/1.3/provisioner/clusters/{name}", &["delete"]),
        ("/1.7/provisioner", &["get"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is not documented");
        }
    }
    let body = &paths["/1.3/provisioner/clusters"]["post"]["requestBody"]["content"];
    let props = &body["application/json"]["schema"]["properties"];
    for field in
        ["name", "provisioner", "cacert", "clientkey", "pools", "custom_data", "kubeConfig"]
    {
        assert!(props[field].is_object(), "{field} in {body}");
    }
}

/// The real control plane `scripts/kube.sh exec` started, as the client would add it
/// (`--cacert/--clientcert/--clientkey` files, base64 on the wire); `None` (test skipped) when
/// there is none, unless `TSURU_KUBE_REQUIRED=1` or `CI` is set.
pub(crate) fn real_cluster(name: &str, pools: &[&str]) -> Option<Value> {
    use base64::Engine as _;
    let kube = TestKube::from_env()?;
    let file = |path: &str| base64::engine::general_purpose::STANDARD.encode(TestKube::read(path));
    let namespace = format!("api-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    Some(json!({
        "name": name, "provisioner": "kubernetes", "addresses": [kube.url], "pools": pools,
        "cacert": file(&kube.ca), "clientcert": file(&kube.cert), "clientkey": file(&kube.key),
        "custom_data": {"namespace": namespace},
    }))
}

/// Connects `cluster` (a body of `POST /1.3/provisioner/clusters`) as `admin`.
pub(crate) async fn connect(admin: &crate::Caller, cluster: &Value) {
    let r = admin.post_json("/1.3/provisioner/clusters", cluster).await;
    expect(r, 200, "", "cluster").await;
}

/// The public pool `kubepool` on the Kubernetes provisioner.
pub(crate) async fn kube_pool(admin: &crate::Caller) {
    let r = admin
        .post_json(
            "/1.0/pools",
            &json!({"name": "kubepool", "provisioner": "kubernetes", "public": true}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// App `name` of team `t1` in pool `kubepool`.
pub(crate) async fn kube_app(admin: &crate::Caller, name: &str) {
    let r = admin
        .post_form("/1.0/apps", &[("name", name), ("teamOwner", "t1"), ("pool", "kubepool")])
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
}

#[tokio::test]
async fn a_real_cluster_is_connected_to_and_runs_apps() {
    // The fake nodes of the control plane carry pool `kubepool` (scripts/kube.sh).
    let Some(good) = real_cluster("kube", &["kubepool"]) else {
        return;
    };
    let s = TestServer::spawn_with(|s| s.kubernetes.deployment_progress_timeout = 60.0).await;
    s.team("t1").await;
    let admin = s.admin();
    kube_pool(&admin).await;

    // Nothing listens on port 1: refused, naming the cluster, and nothing is stored.
    let mut down = good.clone();
    down["name"] = json!("down");
    down["addresses"] = json!(["https://127.0.0.1:1"]);
    let (status, body) =
        status_text(admin.post_json("/1.3/provisioner/clusters", &down).await).await;
    assert!(status >= 500 && body.starts_with("cluster \"down\": "), "{status} {body}");
    assert!(clusters(&s).await.is_empty());

    let r = admin.post_json("/1.3/provisioner/clusters", &good).await;
    expect(r, 200, "", "the real cluster").await;
    let app = format!("k{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    kube_app(&admin, &app).await;
    s.deploy(&app, "registry.example/hello:v1").await;
    let r = admin
        .put_form(&format!("/1.0/apps/{app}/units"), &[("units", "1"), ("process", "web")])
        .await;
    let (status, body) = status_text(r).await;
    assert!(
        status == 200 && body.contains("2 of 2 new units ready") && !body.contains("Error"),
        "{status} {body}"
    );
    let info: Value = get_json(&admin, &format!("/1.0/apps/{app}")).await;
    let units = info["units"].as_array().expect("units");
    assert_eq!(units.len(), 2, "{info}");
    assert!(units.iter().all(|u| u["Status"] == "started" && u["ProcessName"] == "web"), "{info}");

    // A cluster with apps on its pool's provisioner is removed by the admin as in tsuru; the
    // app goes first here, taking its objects with it.
    let r = admin.delete(&format!("/1.0/apps/{app}")).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    expect_delete(&admin, "/1.3/provisioner/clusters/kube", 200, "").await;
}

#[tokio::test]
async fn an_unreachable_cluster_fails_app_creation_clearly_and_keeps_nothing() {
    // Only to be sure the Kubernetes tests run where they should; this cluster is not it.
    if real_cluster("unused", &[]).is_none() {
        return;
    }
    let store = Arc::new(tsuru_adapters::memory::MemoryStore::new());
    let s = TestServer::spawn_on(store.clone(), |s| s.kubernetes.api_timeout = 5.0).await;
    s.team("t1").await;
    let admin = s.admin();
    kube_pool(&admin).await;
    // Stored as if it had been reachable once (the cluster API would refuse it today).
    let gone = Cluster {
        name: "gone".into(),
        provisioner: "kubernetes".into(),
        addresses: vec!["https://127.0.0.1:1".into()],
        pools: vec!["kubepool".into()],
        ..Cluster::default()
    };
    tsuru_domain::cluster::ClusterStorage::upsert(store.as_ref(), &gone).await.unwrap();
    let (status, body) = status_text(
        admin
            .post_form("/1.0/apps", &[("name", "lost"), ("teamOwner", "t1"), ("pool", "kubepool")])
            .await,
    )
    .await;
    assert!(
        (400..600).contains(&status) && status != 500 && body.contains("cluster \"gone\""),
        "{status} {body}"
    );
    let r = admin.get("/1.0/apps/lost").await;
    assert_eq!(r.status(), 404, "a failed create keeps no app");
    let events = s.events("kindname=app.create").await;
    assert!(
        events.iter().any(|e| e["Error"].as_str().is_some_and(|m| m.contains("gone"))),
        "the event records the error: {events:?}"
    );
}
