//! `/1.2/node`: nodes of the Kubernetes provisioner (real `Node` objects on the control plane
//! of `scripts/kube.sh exec`, in pools of their own so the app tests' `kubepool` nodes are
//! untouched) and nodes added on IaaS machines made through moto's EC2 emulation.
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node as KubeNode, Pod};
use kube::api::{Api, ListParams};
use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{stream_error, stream_lines, Caller, TestServer};

use crate::clusters::real_cluster;
use crate::peers::{Peer, TestKube};
use crate::{
    expect, expect_delete, expect_forms, expect_get, get_json, status_text, Case, FORBIDDEN,
    UNAUTHORIZED,
};

/// A node add form, the status and the text it gets.
type AddCase = (Vec<(&'static str, &'static str)>, u16, &'static str);

fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// Settings for an EC2 IaaS at `endpoint` (moto's).
pub(crate) fn ec2(s: &mut tsuru_api::config::Settings, endpoint: String) {
    // moto answers its first request after loading its backends: seconds on a busy machine.
    s.iaas.ec2 = Some(tsuru_api::config::Ec2Config {
        endpoint,
        key_id: "AKIDTEST".into(),
        secret_key: "never-shown-secret".into(),
        timeout: 60.0,
        wait_timeout: 20.0,
        poll_interval: 0.1,
        ..Default::default()
    });
}

async fn pool(admin: &Caller, name: &str, provisioner: &str) {
    let r = admin
        .post_json("/1.0/pools", &json!({"name": name, "provisioner": provisioner, "public": true}))
        .await;
    assert_eq!(r.status(), 201, "pool {name}");
}

/// The `(status, Error)` of a streamed node add.
async fn add(caller: &Caller, form: &[(&str, &str)]) -> (u16, Option<String>) {
    let (status, lines) = stream_lines(caller.post_form("/1.2/node", form).await).await;
    (status, stream_error(&lines))
}

/// The states moto reports for every instance it made (`DescribeInstances`; moto checks no
/// signature, only that the credential scope names `ec2`).
async fn moto_states(url: &str) -> Vec<String> {
    let xml = reqwest::Client::new()
        .post(url)
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/ec2/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .form(&[("Action", "DescribeInstances"), ("Version", "2016-11-15")])
        .send()
        .await
        .expect("moto")
        .text()
        .await
        .expect("body");
    xml.split("<instanceState>")
        .skip(1)
        .filter_map(|s| s.split("<name>").nth(1)?.split("</name>").next())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn node_requests_are_checked_before_any_provisioner_is_asked() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    pool(&admin, "kp", "kubernetes").await;
    pool(&admin, "sp", "simulated").await;
    assert_eq!(status_text(admin.get("/1.2/node").await).await, (204, String::new()));
    expect_get(&s.anonymous(), "/1.2/node", 401, UNAUTHORIZED).await;
    let reg = |pool: &'static str, address: &'static str| {
        vec![("Register", "true"), ("Metadata.pool", pool), ("Metadata.address", address)]
    };
    expect(
        admin
            .post_form("/1.2/node", &[("Register", "true"), ("Metadata.address", "http://n1:2375")])
            .await,
        400,
        "pool is required\n",
        "no pool",
    )
    .await;
    let cases: &[AddCase] = &[
        (reg("nope", "http://n1:2375"), 400, "Pool does not exist.\n"),
        (
            reg("sp", "http://n1:2375"),
            400,
            "provisioner \"simulated\" does not support node operations\n",
        ),
        (vec![("Metadata.pool", "kp"), ("Metadata.template", "nope")], 400, "template not found\n"),
    ];
    expect_forms(&admin, Method::POST, "/1.2/node", cases).await;
    expect(
        s.anonymous().post_form("/1.2/node", &reg("kp", "http://n1:2375")).await,
        401,
        UNAUTHORIZED,
        "anon add",
    )
    .await;
    let outsider = s.user("outsider@example.com").await;
    expect(
        outsider.post_form("/1.2/node", &reg("kp", "http://n1:2375")).await,
        403,
        FORBIDDEN,
        "no node.create",
    )
    .await;
    assert_eq!(
        status_text(outsider.get("/1.2/node").await).await,
        (204, String::new()),
        "a list never answers 403"
    );

    // Past the checks the 201 is sent at once: later failures come in-band.
    assert_eq!(
        add(&admin, &reg("kp", "node-1")).await,
        (201, Some("Invalid address url: parse \"node-1\": invalid URI for request".into()))
    );
    assert_eq!(
        add(&admin, &reg("kp", "ftp://node-1")).await,
        (201, Some("Invalid address url: scheme must be http[s]".into()))
    );
    assert_eq!(add(&admin, &reg("kp", "http://n1:2375")).await, (201, Some("no cluster".into())));

    let update_cases: &[Case] = &[
        (
            &[("Address", "n1"), ("Enable", "true"), ("Disable", "true")],
            400,
            "A node can't be enabled and disabled simultaneously.\n",
        ),
        (&[("Metadata.m1", "v1")], 400, "address is required\n"),
        (&[("Address", "n1")], 404, "node not found\n"),
    ];
    expect_forms(&admin, Method::PUT, "/1.2/node", update_cases).await;
    expect_delete(&admin, "/1.2/node/n1", 404, "node not found\n").await;
    expect_get(&admin, "/1.6/node/n1", 404, "node not found\n").await;
    expect_get(&admin, "/1.2/node/n1/containers", 404, "node not found\n").await;

    // Events start once the permission is checked; their target is the node address.
    let events = s.events("kindname=node.create").await;
    assert_eq!(events.len(), 5, "{events:?}");
    let last = &events[0];
    assert_eq!(last["Target"], json!({"Type": "node", "Value": "http://n1:2375"}));
    assert_eq!(last["Error"], "no cluster");
}

#[tokio::test]
async fn a_machine_whose_node_cannot_be_added_is_destroyed_again() {
    let moto = Peer::moto();
    let url = moto.url();
    let s = TestServer::spawn_with(|s| ec2(s, url.clone())).await;
    let admin = s.admin();
    // A Kubernetes pool that no cluster serves: the machine is made, the node cannot be.
    pool(&admin, "kp", "kubernetes").await;
    let form = [
        ("Metadata.pool", "kp"),
        ("Metadata.image", "ami-12c6146b"),
        ("Metadata.type", "t2.micro"),
    ];
    assert_eq!(add(&admin, &form).await, (201, Some("no cluster".into())));
    assert_eq!(
        status_text(admin.get("/1.0/iaas/machines").await).await,
        (200, "null\n".into()),
        "the machine is not kept"
    );
    let states = moto_states(&url).await;
    assert_eq!(states.len(), 1, "{states:?}");
    assert!(states[0] == "terminated" || states[0] == "shutting-down", "{states:?}");
    let events = s.events("kindname=node.create").await;
    assert_eq!(events.len(), 1);
    assert!(
        events[0]["Target"]["Value"]
            .as_str()
            .is_some_and(|v| v.starts_with("http://") && v.ends_with(":2375")),
        "{events:?}"
    );

    // An IaaS failure comes in-band after the IaaS's instructions.
    let (status, err) = add(&admin, &[("Metadata.pool", "kp")]).await;
    assert_eq!(status, 201);
    let err = err.expect("error");
    assert!(err.starts_with("Instructions:\n"), "{err}");
}

/// A client of the control plane `scripts/kube.sh exec` started.
async fn kube_client() -> kube::Client {
    let kube = TestKube::from_env().expect("the test cluster");
    let cluster = tsuru_domain::cluster::Cluster {
        name: "test-client".into(),
        addresses: vec![kube.url],
        provisioner: "kubernetes".into(),
        ca_cert: TestKube::read(&kube.ca),
        custom_data: [("token".to_string(), kube.token)].into(),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(
        tsuru_adapters::kubernetes::kubeconfig(&cluster).expect("kubeconfig"),
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    kube::Client::try_from(config).expect("client")
}

/// A server whose pool `pool` is served by the real cluster; with `register` adding a node
/// creates its `Node` (`kubernetes.register-node`).
async fn kube_server(pool_name: &str, register: bool, moto: Option<String>) -> Option<TestServer> {
    let cluster = real_cluster("kube", &[pool_name])?;
    let s = TestServer::spawn_with(|s| {
        s.kubernetes.register_node = register;
        s.kubernetes.deployment_progress_timeout = 60.0;
        if let Some(url) = moto {
            ec2(s, url);
        }
    })
    .await;
    let admin = s.admin();
    pool(&admin, pool_name, "kubernetes").await;
    crate::clusters::connect(&admin, &cluster).await;
    Some(s)
}

/// A server on the real cluster with a pool of its own (named `prefix` and a random suffix),
/// and a client of the cluster's `Node` objects.
struct KubeNodes {
    s: TestServer,
    pool_name: String,
    client: kube::Client,
    nodes: Api<KubeNode>,
}

async fn kube_nodes(prefix: &str, register: bool, moto: Option<String>) -> Option<KubeNodes> {
    let pool_name = format!("{prefix}{}", short_id());
    let s = kube_server(&pool_name, register, moto).await?;
    let client = kube_client().await;
    let nodes = Api::all(client.clone());
    Some(KubeNodes { s, pool_name, client, nodes })
}

/// The registration form of a node at `address` in `pool` with metadata `m1=v1`.
fn registration<'a>(address: &'a str, pool: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("Register", "true"),
        ("Metadata.address", address),
        ("Metadata.pool", pool),
        ("Metadata.m1", "v1"),
    ]
}

/// Asserts that `kn` carries the pool label and the `m1` annotation of [`registration`].
fn assert_registered(kn: &KubeNode, pool: &str) {
    let labels = kn.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("tsuru.io/pool").map(String::as_str), Some(pool));
    assert_eq!(annotations(kn).get("tsuru.io/m1").map(String::as_str), Some("v1"));
}

fn annotations(n: &KubeNode) -> std::collections::BTreeMap<String, String> {
    n.metadata.annotations.clone().unwrap_or_default()
}

fn disabled(n: &KubeNode) -> bool {
    n.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|t| t.iter().any(|t| t.key == "tsuru.io/disabled" && t.effect == "NoSchedule"))
}

/// The app's pods on node `name`, waiting up to 30 s for at least one.
async fn pods_on(client: &kube::Client, app: &str, name: &str) -> Vec<Pod> {
    let api: Api<Pod> = Api::all(client.clone());
    let lp = ListParams::default()
        .labels(&format!("tsuru.io/app-name={app}"))
        .fields(&format!("spec.nodeName={name}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pods: Vec<Pod> = api
            .list(&lp)
            .await
            .expect("pods")
            .items
            .into_iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect();
        if !pods.is_empty() || Instant::now() > deadline {
            return pods;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn nodes_of_a_real_cluster_are_registered_updated_listed_and_removed() {
    let Some(KubeNodes { s, pool_name, client, nodes }) = kube_nodes("np", true, None).await else {
        return;
    };
    let admin = s.admin();
    s.team("t1").await;
    let name = format!("{pool_name}-a");
    let address = format!("http://{name}:2375");
    let form = registration(&address, &pool_name);
    assert_eq!(status_text(admin.post_form("/1.2/node", &form).await).await, (201, String::new()));
    let kn = nodes.get(&name).await.expect("the Node is created");
    assert_registered(&kn, &pool_name);
    assert!(!annotations(&kn).contains_key("tsuru.io/pool"));

    let list: Value = get_json(&admin, &format!("/1.2/node?Metadata.pool={pool_name}")).await;
    let listed = list["nodes"].as_array().expect("nodes");
    assert_eq!(listed.len(), 1, "{list}");
    let n = &listed[0];
    assert_eq!(n["Pool"], json!(pool_name));
    assert_eq!(n["Provisioner"], "kubernetes");
    assert_eq!(n["Metadata"]["tsuru.io/m1"], "v1");
    assert_eq!(n["Metadata"]["tsuru.io/cluster"], "kube");
    assert_eq!(list["machines"], Value::Null);
    let all: Value = get_json(&admin, "/1.2/node").await;
    assert!(all["nodes"].as_array().expect("nodes").len() > 1, "every node of the cluster: {all}");
    assert_eq!(
        status_text(admin.get("/1.2/node?Metadata.m1=other").await).await,
        (204, String::new())
    );
    let lower: Value =
        get_json(&admin, &format!("/1.2/node?metadata.m1=v1&metadata.pool={pool_name}")).await;
    assert_eq!(lower["nodes"].as_array().map(Vec::len), Some(1), "keys in any case");

    // Readers see the nodes of their pools only; they change nothing.
    pool(&admin, "elsewhere", "kubernetes").await;
    s.role("node-reader", "pool", &["node.read"]).await;
    let reader = s.user("reader@example.com").await;
    s.assign("node-reader", "reader@example.com", "elsewhere").await;
    let filter = format!("/1.2/node?Metadata.pool={pool_name}");
    assert_eq!(status_text(reader.get(&filter).await).await, (204, String::new()));
    s.assign("node-reader", "reader@example.com", &pool_name).await;
    let seen: Value = get_json(&reader, &filter).await;
    assert_eq!(seen["nodes"].as_array().map(Vec::len), Some(1));
    expect(
        reader.put_form("/1.2/node", &[("Address", name.as_str()), ("Disable", "true")]).await,
        403,
        FORBIDDEN,
        "update",
    )
    .await;
    expect_delete(&reader, &format!("/1.2/node/{name}"), 403, FORBIDDEN).await;

    // Metadata: an empty value removes; Disable taints, Enable untaints.
    let r = admin
        .put_form(
            "/1.2/node",
            &[
                ("Address", name.as_str()),
                ("Metadata.m1", ""),
                ("Metadata.m2", "v2"),
                ("Disable", "true"),
            ],
        )
        .await;
    expect(r, 200, "", "disable").await;
    let kn = nodes.get(&name).await.expect("node");
    assert!(!annotations(&kn).contains_key("tsuru.io/m1"));
    assert_eq!(annotations(&kn).get("tsuru.io/m2").map(String::as_str), Some("v2"));
    assert!(disabled(&kn));
    assert_eq!(kn.spec.as_ref().and_then(|s| s.unschedulable), None, "a taint, not a cordon");
    let info: Value = get_json(&admin, &format!("/1.6/node/{name}")).await;
    assert_eq!(info["node"]["Status"], "Disabled");
    let r = admin.put_form("/1.2/node", &[("Address", name.as_str()), ("Enable", "true")]).await;
    expect(r, 200, "", "enable").await;
    assert!(!disabled(&nodes.get(&name).await.expect("node")));

    // Moving to another pool needs node.update on both pools; the label follows.
    s.role("node-updater", "pool", &["node.update"]).await;
    let updater = s.user("updater@example.com").await;
    s.assign("node-updater", "updater@example.com", &pool_name).await;
    let moving = [("Address", name.as_str()), ("Metadata.pool", "elsewhere")];
    expect(updater.put_form("/1.2/node", &moving).await, 403, FORBIDDEN, "not on the new pool")
        .await;
    s.assign("node-updater", "updater@example.com", "elsewhere").await;
    expect(updater.put_form("/1.2/node", &moving).await, 200, "", "move").await;
    let kn = nodes.get(&name).await.expect("node");
    let labels = kn.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("tsuru.io/pool").map(String::as_str), Some("elsewhere"));
    let back = [("Address", name.as_str()), ("Metadata.pool", pool_name.as_str())];
    expect(updater.put_form("/1.2/node", &back).await, 200, "", "back").await;

    // An app of the pool runs on the node: its info lists the unit.
    let app = format!("n{}", short_id());
    let r = admin
        .post_form(
            "/1.0/apps",
            &[("name", app.as_str()), ("teamOwner", "t1"), ("pool", pool_name.as_str())],
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    s.deploy(&app, "registry.example/hello:v1").await;
    let pods = pods_on(&client, &app, &name).await;
    assert_eq!(pods.len(), 1, "the app runs on the node");
    let pod_name = pods[0].metadata.name.clone().unwrap_or_default();
    let info: Value = get_json(&admin, &format!("/1.6/node/{name}")).await;
    assert_eq!(info["node"]["Pool"], json!(pool_name));
    assert_eq!(
        info["status"],
        json!({"Address": "", "Checks": null, "LastSuccess": "0001-01-01T00:00:00Z",
               "LastUpdate": "0001-01-01T00:00:00Z"})
    );
    let units = info["units"].as_array().expect("units");
    assert_eq!(units.len(), 1, "{info}");
    assert_eq!(units[0]["AppName"], json!(app));
    assert_eq!(units[0]["ID"], json!(pod_name));
    let listed: Vec<Value> = get_json(&admin, &format!("/1.2/node/{name}/containers")).await;
    assert_eq!(listed.len(), 1);

    // Removal cordons, evicts the app's pods and deletes the Node.
    expect_delete(&admin, &format!("/1.2/node/{name}"), 200, "").await;
    assert!(nodes.get_opt(&name).await.expect("get").is_none());
    let pods: Api<Pod> =
        Api::namespaced(client.clone(), pods[0].metadata.namespace.as_deref().unwrap_or_default());
    let evicted = pods.get_opt(&pod_name).await.expect("get");
    assert!(evicted.is_none_or(|p| p.metadata.deletion_timestamp.is_some()), "the pod is evicted");

    // With no-rebalance the pods stay where they are (the app's new pod moved to this node).
    let second = format!("{pool_name}-b");
    let address = format!("http://{second}:2375");
    let form = [
        ("Register", "true"),
        ("Metadata.address", address.as_str()),
        ("Metadata.pool", pool_name.as_str()),
    ];
    assert_eq!(status_text(admin.post_form("/1.2/node", &form).await).await, (201, String::new()));
    let moved = pods_on(&client, &app, &second).await;
    assert_eq!(moved.len(), 1, "the app's pod is scheduled on the new node");
    let moved_name = moved[0].metadata.name.clone().unwrap_or_default();
    expect_delete(&admin, &format!("/1.2/node/{second}?no-rebalance=true"), 200, "").await;
    assert!(nodes.get_opt(&second).await.expect("get").is_none());
    let kept = pods.get_opt(&moved_name).await.expect("get").expect("pod kept");
    assert!(kept.metadata.deletion_timestamp.is_none(), "not evicted");

    for (kind, count) in [("node.create", 2), ("node.update", 4), ("node.delete", 2)] {
        let events = s.events(&format!("kindname={kind}")).await;
        assert_eq!(events.len(), count, "{kind}: {events:?}");
        assert_eq!(events[0]["Target"]["Type"], "node");
        assert_eq!(events[0]["Error"], "", "{kind}");
    }
    let r = admin.delete(&format!("/1.0/apps/{app}")).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_node_added_through_the_iaas_is_registered_and_removed_with_its_machine() {
    let moto = Peer::moto();
    let url = moto.url();
    let Some(KubeNodes { s, pool_name, nodes, .. }) =
        kube_nodes("ip", true, Some(url.clone())).await
    else {
        return;
    };
    let admin = s.admin();
    let form = [
        ("Metadata.pool", pool_name.as_str()),
        ("Metadata.image", "ami-12c6146b"),
        ("Metadata.type", "t2.micro"),
        ("Metadata.m1", "v1"),
    ];
    let mut took = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(
            status_text(admin.post_form("/1.2/node", &form).await).await,
            (201, String::new())
        );
        took.push(t.elapsed());
        let machines: Vec<Value> = get_json(&admin, "/1.0/iaas/machines").await;
        assert_eq!(machines.len(), 1, "{machines:?}");
        let m = &machines[0];
        let id = m["Id"].as_str().expect("id").to_string();
        let host = m["Address"].as_str().expect("address").to_string();
        assert_eq!(m["CreationParams"]["pool"], json!(pool_name));
        let list: Value = get_json(&admin, &format!("/1.2/node?Metadata.pool={pool_name}")).await;
        let listed = list["nodes"].as_array().expect("nodes");
        assert_eq!(listed.len(), 1, "{list}");
        assert_eq!(listed[0]["IaaSID"], json!(id));
        assert_eq!(listed[0]["Metadata"]["tsuru.io/iaas"], "ec2");
        assert_eq!(listed[0]["Metadata"]["tsuru.io/iaas-id"], json!(id));
        assert_eq!(listed[0]["Metadata"]["tsuru.io/m1"], "v1");
        let kn = nodes.get(&host).await.expect("the Node is named by the machine's host");
        assert_eq!(kn.metadata.labels.unwrap_or_default().get("tsuru.io/iaas-id"), Some(&id));

        expect_delete(&admin, &format!("/1.2/node/{host}?remove-iaas=true"), 200, "").await;
        assert!(nodes.get_opt(&host).await.expect("get").is_none());
        assert_eq!(
            status_text(admin.get("/1.0/iaas/machines").await).await,
            (200, "null\n".into())
        );
    }
    let states = moto_states(&url).await;
    assert_eq!(states.len(), 5, "{states:?}");
    assert!(states.iter().all(|s| s == "terminated" || s == "shutting-down"), "{states:?}");
    took.sort();
    eprintln!(
        "nodes: add through the IaaS (POST /1.2/node until the stream ends) {took:?}, median {:?}",
        took[took.len() / 2]
    );
}

#[tokio::test]
async fn a_provisioner_that_cannot_list_shows_as_an_error_node() {
    let store = std::sync::Arc::new(tsuru_adapters::memory::MemoryStore::new());
    let s = TestServer::spawn_on(store.clone(), |s| s.kubernetes.api_timeout = 5.0).await;
    // Stored as if it had been reachable once (the cluster API would refuse it today).
    let gone = tsuru_domain::cluster::Cluster {
        name: "gone".into(),
        provisioner: "kubernetes".into(),
        addresses: vec![format!("https://127.0.0.1:{}", crate::peers::closed_port())],
        pools: vec!["kp".into()],
        ..Default::default()
    };
    tsuru_domain::cluster::ClusterStorage::upsert(store.as_ref(), &gone).await.unwrap();
    let list: Value = get_json(&s.admin(), "/1.2/node").await;
    let nodes = list["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{list}");
    assert_eq!(nodes[0]["Address"], "kubernetes nodes");
    let status = nodes[0]["Status"].as_str().unwrap_or_default();
    assert!(status.starts_with("ERROR: cluster \"gone\": "), "{status}");
}

#[tokio::test]
async fn without_register_node_only_existing_nodes_are_registered() {
    let Some(KubeNodes { s, pool_name, nodes, .. }) = kube_nodes("rp", false, None).await else {
        return;
    };
    let admin = s.admin();
    let name = format!("{pool_name}-a");
    let address = format!("https://{name}:2375");
    let form = registration(&address, &pool_name);
    assert_eq!(add(&admin, &form).await, (201, Some("node not found".into())));
    assert!(nodes.get_opt(&name).await.expect("get").is_none());

    // A Node made by whoever runs the cluster (as scripts/kube.sh makes kwok's) is found by
    // name and takes the pool and the metadata.
    let made: KubeNode = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"type": "kwok"},
                     "annotations": {"kwok.x-k8s.io/node": "fake"}},
    }))
    .expect("node");
    nodes.create(&Default::default(), &made).await.expect("create the node");
    let added = add(&admin, &form).await;
    let kn = nodes.get(&name).await.expect("node");
    let _ = nodes.delete(&name, &Default::default()).await;
    assert_eq!(added, (201, None));
    assert_registered(&kn, &pool_name);
    let labels = kn.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("type").map(String::as_str), Some("kwok"));
}
