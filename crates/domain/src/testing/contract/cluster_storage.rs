//! Contract of [`ClusterStorage`]: clusters, one cluster per pool and one default per
//! provisioner.
use std::collections::BTreeMap;

use super::listed_names;
use super::{assert_not_found, present};
use crate::cluster::{
    Cluster, ClusterKubeConfig, ClusterStorage, KubeConfigCluster, KubeConfigUser,
    CLUSTER_NOT_FOUND,
};

fn cluster(name: &str, provisioner: &str, pools: &[&str], default: bool) -> Cluster {
    Cluster {
        name: name.to_string(),
        addresses: vec![format!("https://{name}.example:6443")],
        provisioner: provisioner.to_string(),
        pools: pools.iter().map(|p| p.to_string()).collect(),
        default,
        ..Cluster::default()
    }
}

/// A cluster with every field set.
fn full(name: &str) -> Cluster {
    Cluster {
        name: name.to_string(),
        addresses: vec!["https://10.0.0.1:6443".into(), "https://10.0.0.2:6443".into()],
        provisioner: "kubernetes".into(),
        ca_cert: b"-----BEGIN CERTIFICATE-----\nCA\n".to_vec(),
        client_cert: b"-----BEGIN CERTIFICATE-----\nCERT\n".to_vec(),
        client_key: b"-----BEGIN RSA PRIVATE KEY-----\nKEY\n".to_vec(),
        pools: vec!["p1".into(), "p2".into()],
        custom_data: BTreeMap::from([
            ("token".into(), "tok".into()),
            ("p1:max-surge".into(), "10%".into()),
        ]),
        local: true,
        default: false,
        kube_config: Some(ClusterKubeConfig {
            cluster: KubeConfigCluster {
                server: "https://k.example".into(),
                tls_server_name: "k".into(),
                insecure_skip_tls_verify: true,
                certificate_authority_data: b"CA-DATA".to_vec(),
                proxy_url: "http://proxy:3128".into(),
            },
            user: KubeConfigUser {
                client_certificate_data: b"CERT-DATA".to_vec(),
                client_key_data: b"KEY-DATA".to_vec(),
                token: "kube-token".into(),
                username: "u".into(),
                password: "pw".into(),
            },
        }),
        http_proxy: "http://proxy:3128".into(),
    }
}

async fn stored(storage: &dyn ClusterStorage, name: &str) -> Cluster {
    present(storage.find(name).await, &format!("cluster {name}"))
}

/// A stored cluster is found by name with every field intact.
pub async fn upsert_then_find_returns_it(storage: &dyn ClusterStorage) {
    let c = full("c1");
    storage.upsert(&c).await.expect("upsert");
    assert_eq!(stored(storage, "c1").await, c);
    let plain = cluster("c2", "kubernetes", &[], true);
    storage.upsert(&plain).await.expect("upsert");
    assert_eq!(stored(storage, "c2").await, plain);
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn ClusterStorage) {
    storage.upsert(&cluster("c1", "kubernetes", &["p1"], false)).await.expect("upsert");
    assert_eq!(storage.find("c2").await.expect("find"), None);
}

/// Upserting a stored name replaces the whole cluster.
pub async fn upsert_replaces_the_whole_cluster(storage: &dyn ClusterStorage) {
    storage.upsert(&full("c1")).await.expect("upsert");
    let smaller = cluster("c1", "kubernetes", &["p3"], false);
    storage.upsert(&smaller).await.expect("upsert");
    assert_eq!(stored(storage, "c1").await, smaller);
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// Every cluster, by name.
pub async fn list_returns_every_cluster_by_name(storage: &dyn ClusterStorage) {
    assert!(storage.list().await.expect("list").is_empty());
    for name in ["c3", "c1", "c2"] {
        storage.upsert(&cluster(name, "kubernetes", &[name], false)).await.expect("upsert");
    }
    let names = listed_names(storage.list().await, |c| c.name);
    assert_eq!(names, ["c1", "c2", "c3"]);
}

/// The pools of an upserted cluster are taken from the other clusters of its provisioner, and
/// only of its provisioner.
pub async fn upsert_takes_its_pools_from_the_provisioners_other_clusters(
    storage: &dyn ClusterStorage,
) {
    storage.upsert(&cluster("c1", "kubernetes", &["p1", "p2"], false)).await.expect("upsert");
    storage.upsert(&cluster("o1", "other", &["p1"], false)).await.expect("upsert");
    storage.upsert(&cluster("c2", "kubernetes", &["p2", "p3"], false)).await.expect("upsert");
    assert_eq!(stored(storage, "c1").await.pools, ["p1"]);
    assert_eq!(stored(storage, "c2").await.pools, ["p2", "p3"]);
    assert_eq!(stored(storage, "o1").await.pools, ["p1"]);
}

/// An upserted default cluster is the only default of its provisioner; other provisioners
/// keep theirs.
pub async fn upsert_of_a_default_clears_the_provisioners_other_defaults(
    storage: &dyn ClusterStorage,
) {
    storage.upsert(&cluster("c1", "kubernetes", &[], true)).await.expect("upsert");
    storage.upsert(&cluster("o1", "other", &[], true)).await.expect("upsert");
    storage.upsert(&cluster("c2", "kubernetes", &[], true)).await.expect("upsert");
    assert!(!stored(storage, "c1").await.default);
    assert!(stored(storage, "c2").await.default);
    assert!(stored(storage, "o1").await.default);
    storage.upsert(&cluster("c1", "kubernetes", &["p1"], false)).await.expect("upsert");
    assert!(stored(storage, "c2").await.default, "a non-default leaves the default alone");
}

/// Delete removes the cluster and only it.
pub async fn delete_removes_the_cluster(storage: &dyn ClusterStorage) {
    storage.upsert(&full("c1")).await.expect("upsert");
    storage.upsert(&cluster("c2", "kubernetes", &[], true)).await.expect("upsert");
    storage.delete("c1").await.expect("delete");
    assert_eq!(storage.find("c1").await.expect("find"), None);
    assert_eq!(storage.list().await.expect("list").len(), 1);
}

/// Deleting an unknown cluster is `cluster not found`.
pub async fn delete_unknown_returns_not_found(storage: &dyn ClusterStorage) {
    assert_not_found(storage.delete("c1").await, CLUSTER_NOT_FOUND);
}
