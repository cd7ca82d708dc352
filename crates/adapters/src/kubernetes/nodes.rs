//! Nodes as Kubernetes `Node` objects (tsuru's 2023 node provisioner): tsuru metadata lives in
//! `tsuru.io/` annotations, the pool and the IaaS id in labels, a disabled node carries the
//! `tsuru.io/disabled` taint, and removal cordons, evicts the node's app pods and deletes it.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node as KubeNode, Pod, Taint};
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{json, Map, Value};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::node::{
    url_to_host, NewNode, Node, NodeUpdate, NODE_NOT_FOUND, STATUS_DISABLED, STATUS_INVALID,
    STATUS_READY,
};
use tsuru_domain::provision::Unit;
use tsuru_domain::{Error, Result};

use super::ops::Conn;
use super::{units, NAME};

/// Prefix of tsuru's keys on nodes.
pub const PREFIX: &str = "tsuru.io/";
/// Label of a node's pool.
pub const POOL_LABEL: &str = "tsuru.io/pool";
/// Label of the IaaS machine under a node.
pub const IAAS_ID_LABEL: &str = "tsuru.io/iaas-id";
/// Taint of a node that takes no new units.
pub const DISABLED_TAINT: &str = "tsuru.io/disabled";
/// Taint of a node being worked on (always removed by an update).
pub const IN_PROGRESS_TAINT: &str = "tsuru.io/inprogress";
/// Metadata key naming the node's cluster.
pub const CLUSTER_KEY: &str = "tsuru.io/cluster";
const INTERNAL: &str = "tsuru.io/internal-";
const EXTRA_LABELS: &str = "tsuru.io/extra-labels";
const EXTRA_ANNOTATIONS: &str = "tsuru.io/extra-annotations";
/// Pods that are app units (tsuru selects on `tsuru.io/app-pool` being present).
const APP_PODS: &str = "tsuru.io/app-pool";

fn internal_ip(node: &KubeNode) -> Option<&str> {
    node.status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address.as_str())
}

fn is_disabled(node: &KubeNode) -> bool {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .is_some_and(|t| t.iter().any(|t| t.key == DISABLED_TAINT && t.effect == "NoSchedule"))
}

fn status(node: &KubeNode) -> String {
    if is_disabled(node) {
        return STATUS_DISABLED.into();
    }
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    match ready {
        None => STATUS_INVALID.into(),
        Some(c) if c.status == "True" => STATUS_READY.into(),
        Some(c) => c.message.clone().unwrap_or_default(),
    }
}

/// A Kubernetes node as tsuru shows it (tsuru's `kubernetesNodeWrapper`).
pub fn node_spec(node: &KubeNode, cluster: &Cluster) -> Node {
    let name = node.metadata.name.clone().unwrap_or_default();
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let annotations = node.metadata.annotations.clone().unwrap_or_default();
    let mut metadata = BTreeMap::new();
    let mut tsuru_metadata = BTreeMap::new();
    for (k, v) in labels.iter().chain(annotations.iter()) {
        if let Some(short) = k.strip_prefix(PREFIX).filter(|_| !k.starts_with(INTERNAL)) {
            tsuru_metadata.insert(short.to_string(), v.clone());
        }
        metadata.insert(k.clone(), v.clone());
    }
    metadata.insert(CLUSTER_KEY.into(), cluster.name.clone());
    let single_pool = cluster.custom_data.get("single-pool").is_some_and(|v| v == "true");
    let pool = match cluster.pools.first() {
        Some(p) if single_pool => p.clone(),
        _ => labels.get(POOL_LABEL).cloned().unwrap_or_default(),
    };
    Node {
        address: internal_ip(node).map_or_else(|| name.clone(), str::to_string),
        name,
        iaas_id: labels.get(IAAS_ID_LABEL).cloned().unwrap_or_default(),
        metadata,
        tsuru_metadata,
        status: status(node),
        pool,
        provisioner: NAME.into(),
    }
}

/// The node named `host`, or whose internal IP is `host`, on one cluster.
pub async fn find(conn: &Conn, host: &str) -> Result<Option<KubeNode>> {
    let api: Api<KubeNode> = Api::all(conn.client.clone());
    if let Some(n) = conn.call(api.get_opt(host)).await? {
        return Ok(Some(n));
    }
    let all = conn.call(api.list(&ListParams::default())).await?;
    Ok(all.items.into_iter().find(|n| internal_ip(n) == Some(host)))
}

/// Every node of one cluster.
pub async fn list(conn: &Conn) -> Result<Vec<Node>> {
    let api: Api<KubeNode> = Api::all(conn.client.clone());
    let all = conn.call(api.list(&ListParams::default())).await?;
    Ok(all.items.iter().map(|n| node_spec(n, &conn.cluster)).collect())
}

fn prefixed(key: &str) -> String {
    format!("{PREFIX}{}", key.strip_prefix(PREFIX).unwrap_or(key))
}

/// `a=1,b=2` as pairs (an empty value removes the key).
fn pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split(',').filter_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let k = k.trim();
        (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
    })
}

/// The label and annotation changes (a `null` removes) for tsuru's metadata of a node: each
/// key becomes a `tsuru.io/` annotation (an empty value removes it), `extra-labels` and
/// `extra-annotations` also set raw keys, and the pool and IaaS id are labels.
fn metadata_patch(
    node: Option<&KubeNode>,
    metadata: &BTreeMap<String, String>,
    pool: &str,
    iaas_id: &str,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let set = |m: &mut Map<String, Value>, k: String, v: &str| {
        m.insert(k, if v.is_empty() { Value::Null } else { json!(v) });
    };
    for (k, v) in metadata {
        let key = prefixed(k);
        if key == EXTRA_LABELS {
            for (lk, lv) in pairs(v) {
                set(&mut labels, lk, &lv);
            }
        } else if key == EXTRA_ANNOTATIONS {
            for (ak, av) in pairs(v) {
                set(&mut annotations, ak, &av);
            }
        }
        set(&mut annotations, key, v);
    }
    let has_iaas_id = node
        .and_then(|n| n.metadata.labels.as_ref())
        .is_some_and(|l| l.get(IAAS_ID_LABEL).is_some_and(|v| !v.is_empty()));
    for (key, value) in [(POOL_LABEL, pool), (IAAS_ID_LABEL, iaas_id)] {
        if value.is_empty() || (key == IAAS_ID_LABEL && has_iaas_id) {
            continue;
        }
        labels.insert(key.into(), json!(value));
        annotations.insert(key.into(), Value::Null);
    }
    (labels, annotations)
}

/// The node's taints after an update: no `inprogress`, and `disabled` as asked.
fn taints(node: &KubeNode, enable: bool, disable: bool) -> Option<Vec<Taint>> {
    let before = node.spec.as_ref().and_then(|s| s.taints.clone()).unwrap_or_default();
    let mut after: Vec<Taint> = before
        .iter()
        .filter(|t| t.key != IN_PROGRESS_TAINT && !(enable && t.key == DISABLED_TAINT))
        .cloned()
        .collect();
    if disable && !is_disabled(node) {
        after.push(Taint {
            key: DISABLED_TAINT.into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        });
    }
    (after != before).then_some(after)
}

async fn patch(conn: &Conn, name: &str, body: Value) -> Result<KubeNode> {
    let api: Api<KubeNode> = Api::all(conn.client.clone());
    conn.call(api.patch(name, &PatchParams::default(), &Patch::Merge(&body))).await
}

/// Registers a node on the cluster of its pool: creates it when `create` (tsuru's
/// `kubernetes:register-node`) unless it exists, else finds it by name or internal IP; then
/// sets its metadata.
///
/// # Errors
/// 404 `node not found`; the cluster's failures.
pub async fn add(conn: &Conn, node: &NewNode, create: bool) -> Result<()> {
    let host = url_to_host(&node.address);
    if create {
        let (labels, annotations) = metadata_patch(None, &node.metadata, &node.pool, &node.iaas_id);
        let strip = |m: Map<String, Value>| -> BTreeMap<String, String> {
            m.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string()))).collect()
        };
        let obj = KubeNode {
            metadata: kube::api::ObjectMeta {
                name: Some(host.clone()),
                labels: Some(strip(labels)),
                annotations: Some(strip(annotations)),
                ..Default::default()
            },
            ..KubeNode::default()
        };
        let api: Api<KubeNode> = Api::all(conn.client.clone());
        match conn.call(api.create(&PostParams::default(), &obj)).await {
            Ok(_) => return Ok(()),
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let found = find(conn, &host).await?.ok_or_else(|| Error::not_found(NODE_NOT_FOUND))?;
    let (labels, annotations) =
        metadata_patch(Some(&found), &node.metadata, &node.pool, &node.iaas_id);
    let name = found.metadata.name.clone().unwrap_or_default();
    patch(conn, &name, json!({"metadata": {"labels": labels, "annotations": annotations}})).await?;
    Ok(())
}

/// Changes a node's pool, metadata and `tsuru.io/disabled` taint.
///
/// # Errors
/// 404 `node not found`; the cluster's failures.
pub async fn update(conn: &Conn, node: &Node, update: &NodeUpdate) -> Result<()> {
    let found = find(conn, &node.name).await?.ok_or_else(|| Error::not_found(NODE_NOT_FOUND))?;
    let (labels, annotations) = metadata_patch(Some(&found), &update.metadata, &update.pool, "");
    let mut body = json!({"metadata": {"labels": labels, "annotations": annotations}});
    if let Some(t) = taints(&found, update.enable, update.disable) {
        body["spec"] = json!({ "taints": t });
    }
    patch(conn, &node.name, body).await?;
    Ok(())
}

/// Pods of apps on the node named `name`, in every namespace.
async fn app_pods(conn: &Conn, name: &str, labels: &str) -> Result<Vec<Pod>> {
    let api: Api<Pod> = Api::all(conn.client.clone());
    let lp = ListParams::default().fields(&format!("spec.nodeName={name}")).labels(labels);
    Ok(conn.call(api.list(&lp)).await?.items)
}

/// Removes a node; with `rebalance` it is cordoned and its app pods evicted first (the first
/// refused eviction stops the removal).
///
/// # Errors
/// The cluster's failures.
pub async fn remove(conn: &Conn, node: &Node, rebalance: bool) -> Result<()> {
    if rebalance {
        patch(conn, &node.name, json!({"spec": {"unschedulable": true}})).await?;
        for pod in app_pods(conn, &node.name, APP_PODS).await? {
            let ns = pod.metadata.namespace.clone().unwrap_or_default();
            let api: Api<Pod> = Api::namespaced(conn.client.clone(), &ns);
            let pod_name = pod.metadata.name.clone().unwrap_or_default();
            match conn.call(api.evict(&pod_name, &EvictParams::default())).await {
                Ok(_) | Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let api: Api<KubeNode> = Api::all(conn.client.clone());
    match conn.call(api.delete(&node.name, &kube::api::DeleteParams::default())).await {
        Ok(_) | Err(Error::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The units of apps on the node named `name` (pods of tsuru apps, as in app unit lists).
///
/// # Errors
/// The cluster's failures.
pub async fn units_on(conn: &Conn, name: &str) -> Result<Vec<Unit>> {
    let pods = app_pods(conn, name, &format!("tsuru.io/is-tsuru=true,{APP_PODS}")).await?;
    Ok(units::units(pods.iter()))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{NodeAddress, NodeCondition, NodeSpec, NodeStatus};

    use super::*;

    fn kube_node() -> KubeNode {
        KubeNode {
            metadata: kube::api::ObjectMeta {
                name: Some("n1".into()),
                labels: Some(BTreeMap::from([
                    ("tsuru.io/pool".into(), "p1".into()),
                    ("tsuru.io/iaas-id".into(), "i-1".into()),
                    ("kubernetes.io/hostname".into(), "n1".into()),
                ])),
                annotations: Some(BTreeMap::from([
                    ("tsuru.io/m1".into(), "v1".into()),
                    ("tsuru.io/internal-x".into(), "y".into()),
                ])),
                ..Default::default()
            },
            spec: Some(NodeSpec::default()),
            status: Some(NodeStatus {
                addresses: Some(vec![NodeAddress {
                    type_: "InternalIP".into(),
                    address: "10.0.0.1".into(),
                }]),
                conditions: Some(vec![NodeCondition {
                    type_: "Ready".into(),
                    status: "False".into(),
                    message: Some("kubelet down".into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_node_shows_its_ip_pool_iaas_id_metadata_and_status() {
        let cluster = Cluster { name: "c1".into(), ..Cluster::default() };
        let n = node_spec(&kube_node(), &cluster);
        assert_eq!(n.address, "10.0.0.1");
        assert_eq!(n.name, "n1");
        assert_eq!(n.pool, "p1");
        assert_eq!(n.iaas_id, "i-1");
        assert_eq!(n.status, "kubelet down");
        assert_eq!(n.metadata["tsuru.io/m1"], "v1");
        assert_eq!(n.metadata["tsuru.io/cluster"], "c1");
        assert_eq!(n.metadata["kubernetes.io/hostname"], "n1");
        assert_eq!(n.tsuru_metadata["pool"], "p1");
        assert_eq!(n.tsuru_metadata["m1"], "v1");
        assert!(!n.tsuru_metadata.contains_key("internal-x"));
        let single = Cluster {
            pools: vec!["only".into()],
            custom_data: BTreeMap::from([("single-pool".into(), "true".into())]),
            ..cluster
        };
        assert_eq!(node_spec(&kube_node(), &single).pool, "only");
    }

    #[test]
    fn disable_adds_the_taint_once_and_enable_removes_it() {
        let mut n = kube_node();
        assert_eq!(status(&n), "kubelet down");
        let t = taints(&n, false, true).expect("changed");
        assert_eq!(t.len(), 1);
        n.spec = Some(NodeSpec { taints: Some(t), ..NodeSpec::default() });
        assert_eq!(status(&n), STATUS_DISABLED);
        assert!(taints(&n, false, true).is_none());
        assert_eq!(taints(&n, true, false), Some(Vec::new()));
    }

    #[test]
    fn metadata_becomes_annotations_and_the_pool_a_label() {
        let md = BTreeMap::from([
            ("m1".to_string(), "v1".to_string()),
            ("tsuru.io/gone".to_string(), String::new()),
            ("extra-labels".to_string(), "a=1,b=".to_string()),
        ]);
        let (labels, annotations) = metadata_patch(Some(&kube_node()), &md, "p2", "i-2");
        assert_eq!(annotations["tsuru.io/m1"], json!("v1"));
        assert_eq!(annotations["tsuru.io/gone"], Value::Null);
        assert_eq!(annotations["tsuru.io/pool"], Value::Null);
        assert_eq!(labels["tsuru.io/pool"], json!("p2"));
        assert_eq!(labels["a"], json!("1"));
        assert_eq!(labels["b"], Value::Null);
        assert!(!labels.contains_key("tsuru.io/iaas-id"), "kept: {labels:?}");
    }
}
