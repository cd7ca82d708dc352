//! Services and pools: the endpoint of a multi-cluster instance is the one named after its
//! pool's cluster, the pool and cluster travel to the service API, and a pool's `service`
//! constraint decides which services its apps may bind and its instances may use.
use serde_json::{json, Value};
use tsuru_testkit::streamed_ok;

use crate::peers::Peer;
use crate::{expect, expect_get, get_json, status_text, Caller, TestServer};

/// Team `t1`; public pools `p1` (default, no provisioner), `p2` and `p3` (provisioner
/// `simulated`); cluster `c2` serving `p2` (two addresses) and `c3` serving `p3` (a kubeconfig
/// that it propagates); apps `web1` in `p1` and `web2` in `p2`.
async fn server() -> TestServer {
    let s = crate::with_pool().await;
    let admin = s.admin();
    for pool in ["p2", "p3"] {
        let resp = admin
            .post_json(
                "/1.0/pools",
                &json!({"name": pool, "public": true, "provisioner": "simulated"}),
            )
            .await;
        assert_eq!(resp.status(), 201, "{pool}");
    }
    for cluster in [
        json!({"name": "c2", "provisioner": "simulated", "pools": ["p2"],
               "addresses": ["https://10.0.0.2:6443", "https://10.0.0.3:6443"]}),
        json!({"name": "c3", "provisioner": "simulated", "pools": ["p3"],
               "custom_data": {"propagate-kubeconfig": "true"},
               "kubeConfig": {"cluster": {"server": "https://10.0.0.4:6443"},
                              "user": {"token": "kube-token"}}}),
    ] {
        let (status, body) =
            status_text(admin.post_json("/1.3/provisioner/clusters", &cluster).await).await;
        assert!(status < 300, "{cluster}: {status} {body}");
    }
    s.app("web1", "t1").await;
    let resp = admin
        .post_form("/1.0/apps", &[("name", "web2"), ("teamOwner", "t1"), ("pool", "p2")])
        .await;
    assert_eq!(resp.status(), 201);
    s
}

/// Registers `name` with these endpoints (`(cluster or "production", url)`).
async fn register(admin: &Caller, name: &str, endpoints: &[(&str, &str)], multi_cluster: bool) {
    let keys: Vec<String> = endpoints.iter().map(|(k, _)| format!("endpoints.{k}")).collect();
    let mut form: Vec<(&str, &str)> = vec![
        ("id", name),
        ("username", "svc"),
        ("password", "svc-pass"),
        ("team", "t1"),
        ("multi-cluster", if multi_cluster { "true" } else { "false" }),
    ];
    form.extend(keys.iter().map(String::as_str).zip(endpoints.iter().map(|e| e.1)));
    expect(admin.post_form("/1.0/services", &form).await, 201, "success", name).await;
}

async fn add_instance(admin: &Caller, service: &str, name: &str, pool: &str) -> (u16, String) {
    let mut form = vec![("name", name), ("plan", "small"), ("owner", "t1")];
    if !pool.is_empty() {
        form.push(("pool", pool));
    }
    status_text(admin.post_form(&format!("/1.0/services/{service}/instances"), &form).await).await
}

async fn bind(admin: &Caller, service: &str, instance: &str, app: &str) -> (u16, String) {
    status_text(
        admin
            .put_form(
                &format!("/1.13/services/{service}/instances/{instance}/apps/{app}"),
                &[("noRestart", "true")],
            )
            .await,
    )
    .await
}

/// The requests `peer` got for `method` `path`.
async fn calls(peer: &Peer, method: &str, path: &str) -> Vec<Value> {
    peer.requests()
        .await
        .into_iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .collect()
}

fn header<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["headers"][name].as_str()
}

#[tokio::test]
async fn a_multi_cluster_instance_reaches_the_endpoint_named_after_its_pools_cluster() {
    let production = Peer::service_api(&[]);
    let on_c2 = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    register(&admin, "mc", &[("production", &production.url()), ("c2", &on_c2.url())], true).await;

    // In p2 (cluster c2): c2's endpoint, told the pool and the cluster.
    assert_eq!(add_instance(&admin, "mc", "i2", "p2").await, (201, String::new()));
    let create = calls(&on_c2, "POST", "/resources").await;
    assert_eq!(create.len(), 1);
    assert_eq!(header(&create[0], "x-tsuru-pool-name"), Some("p2"));
    assert_eq!(header(&create[0], "x-tsuru-pool-provisioner"), Some("simulated"));
    assert_eq!(header(&create[0], "x-tsuru-cluster-name"), Some("c2"));
    assert_eq!(header(&create[0], "x-tsuru-cluster-provisioner"), Some("simulated"));
    assert_eq!(
        header(&create[0], "x-tsuru-cluster-addresses"),
        Some("https://10.0.0.2:6443, https://10.0.0.3:6443"),
        "one header per address"
    );
    assert_eq!(header(&create[0], "x-tsuru-cluster-kube-config"), None);
    assert!(calls(&production, "POST", "/resources").await.is_empty());

    // In p1 (no cluster): production, told the pool only.
    assert_eq!(add_instance(&admin, "mc", "i1", "p1").await.0, 201);
    let create = calls(&production, "POST", "/resources").await;
    assert_eq!(create.len(), 1);
    assert_eq!(header(&create[0], "x-tsuru-pool-name"), Some("p1"));
    assert_eq!(header(&create[0], "x-tsuru-cluster-name"), None);

    // In p3 (cluster c3, no endpoint of its own): production, with c3's kubeconfig since c3
    // says to propagate it.
    assert_eq!(add_instance(&admin, "mc", "i3", "p3").await.0, 201);
    let create = calls(&production, "POST", "/resources").await;
    let i3 = create.iter().find(|r| r["form"]["name"] == json!(["i3"])).expect("i3 at production");
    assert_eq!(header(i3, "x-tsuru-cluster-name"), Some("c3"));
    let kube = header(i3, "x-tsuru-cluster-kube-config").expect("kubeconfig header");
    let kube: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, kube).expect("base64"),
    )
    .expect("JSON");
    assert_eq!(kube["cluster"]["server"], "https://10.0.0.4:6443");

    // Every later call of i2 goes to c2's endpoint: status, bind, unbind, removal.
    assert_eq!(admin.get("/1.0/services/mc/instances/i2/status").await.status(), 200);
    assert_eq!(calls(&on_c2, "GET", "/resources/i2/status").await.len(), 1);
    assert_eq!(bind(&admin, "mc", "i2", "web1").await.0, 200);
    let bound = calls(&on_c2, "POST", "/resources/i2/bind-app").await;
    assert_eq!(bound.len(), 1);
    // The app's pool and cluster are fields of the bind (web1 is in p1: no cluster).
    assert_eq!(bound[0]["form"]["app-pool-name"], json!(["p1"]));
    assert_eq!(bound[0]["form"]["app-cluster-name"], Value::Null);
    assert_eq!(header(&bound[0], "x-tsuru-cluster-name"), Some("c2"));
    streamed_ok(admin.delete("/1.13/services/mc/instances/i2/apps/web1?noRestart=true").await)
        .await;
    assert_eq!(calls(&on_c2, "DELETE", "/resources/i2/bind-app").await.len(), 1);
    // web2 is in p2, served by c2: its pool's provisioner and its cluster are told too.
    assert_eq!(bind(&admin, "mc", "i2", "web2").await.0, 200);
    let bound = calls(&on_c2, "POST", "/resources/i2/bind-app").await;
    let form = &bound.last().expect("second bind")["form"];
    assert_eq!(form["app-name"], json!(["web2"]));
    assert_eq!(form["app-pool-name"], json!(["p2"]));
    assert_eq!(form["app-pool-provisioner"], json!(["simulated"]));
    assert_eq!(form["app-cluster-name"], json!(["c2"]));
    assert_eq!(form["app-cluster-provisioner"], json!(["simulated"]));
    assert_eq!(
        form["app-cluster-addresses"],
        json!(["https://10.0.0.2:6443", "https://10.0.0.3:6443"])
    );
    streamed_ok(admin.delete("/1.0/services/mc/instances/i2?unbindall=true").await).await;
    assert_eq!(calls(&on_c2, "DELETE", "/resources/i2").await.len(), 1);
    assert!(production
        .requests()
        .await
        .iter()
        .all(|r| !r["path"].as_str().unwrap().contains("/i2")));

    // Plans for a pool come from that pool's endpoint.
    let plans: Vec<Value> = get_json(&admin, "/1.0/services/mc/plans?pool=p2").await;
    assert_eq!(plans, Vec::<Value>::new(), "the stand-in answers 405");
    let asked = calls(&on_c2, "GET", "/resources/plans").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(header(&asked[0], "x-tsuru-pool-name"), Some("p2"));
}

#[tokio::test]
async fn the_endpoint_is_chosen_by_cluster_then_production_and_pools_are_checked() {
    let on_c2 = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    // Only a c2 endpoint: instances elsewhere have none.
    register(&admin, "edge", &[("c2", &on_c2.url())], true).await;
    assert_eq!(add_instance(&admin, "edge", "e2", "p2").await.0, 201);
    assert_eq!(
        add_instance(&admin, "edge", "e1", "p1").await,
        (502, "Unknown endpoint: production\n".into())
    );
    expect_get(&admin, "/1.0/services/edge/instances/e1", 404, "service instance not found\n")
        .await;

    // tsuru's pool rules for instances.
    assert_eq!(
        add_instance(&admin, "edge", "e3", "").await,
        (400, "multi-cluster service instance requires a pool\n".into())
    );
    assert_eq!(
        add_instance(&admin, "edge", "e3", "nope").await,
        (404, "Pool does not exist.\n".into())
    );
    register(&admin, "plain", &[("production", &on_c2.url())], false).await;
    assert_eq!(
        add_instance(&admin, "plain", "x1", "p2").await,
        (400, "regular (non-multi-cluster) service instance cannot belong to a pool\n".into())
    );
    assert_eq!(add_instance(&admin, "plain", "x1", "").await.0, 201);
}

#[tokio::test]
async fn a_pools_service_constraint_limits_what_its_apps_bind_and_its_instances_use() {
    let api = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    register(&admin, "mysql", &[("production", &api.url())], false).await;
    register(&admin, "redis", &[("production", &api.url())], false).await;
    register(&admin, "mc", &[("production", &api.url())], true).await;
    assert_eq!(add_instance(&admin, "mysql", "db1", "").await.0, 201);
    let constrain = |values: Value| {
        let admin = admin.clone();
        async move {
            let resp = admin
                .put_json(
                    "/1.3/constraints",
                    &json!({"PoolExpr": "p2", "Field": "service", "Values": values}),
                )
                .await;
            assert_eq!(resp.status(), 200);
        }
    };

    // p2 allows redis and mc only: web2 (in p2) may not bind mysql; web1 (in p1) may.
    constrain(json!(["redis", "mc"])).await;
    assert_eq!(
        bind(&admin, "mysql", "db1", "web2").await,
        (
            400,
            "service \"mysql\" is not available for pool \"p2\". Available services are: \"redis, mc\"\n"
                .into()
        )
    );
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db1").await;
    assert_eq!(info["Apps"], json!([]));
    assert!(calls(&api, "POST", "/resources/db1/bind-app").await.is_empty());
    assert_eq!(bind(&admin, "mysql", "db1", "web1").await.0, 200);
    assert_eq!(s.events("kindname=app.update.bind").await.len(), 1, "no event for the refusal");

    // A pool that allows no service at all.
    constrain(json!(["nothing-*"])).await;
    assert_eq!(
        bind(&admin, "mysql", "db1", "web2").await,
        (400, "no service found for pool\n".into())
    );
    // Multi-cluster instances follow the same rule.
    assert_eq!(
        add_instance(&admin, "mc", "i2", "p2").await,
        (400, "no service found for pool\n".into())
    );
    constrain(json!(["redis"])).await;
    assert_eq!(
        add_instance(&admin, "mc", "i2", "p2").await,
        (400, "Service \"mc\" is not available in pool \"p2\"\n".into())
    );
    assert_eq!(add_instance(&admin, "mc", "i1", "p1").await.0, 201);
    assert!(calls(&api, "POST", "/resources")
        .await
        .iter()
        .all(|r| r["form"]["name"] != json!(["i2"])));
}
