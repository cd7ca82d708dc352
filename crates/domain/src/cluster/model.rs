use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A cluster a provisioner runs apps on, and how to reach it.
///
/// Credentials (`client_key`, `custom_data` keys `token`, `username`, `password`, and the
/// kubeconfig user's secrets) are stored but never shown back: see [`Cluster::SECRET_KEYS`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// Unique name (`^[a-z][a-z0-9-]{0,39}$` on create).
    pub name: String,
    /// API server URLs (one is picked for each client).
    pub addresses: Vec<String>,
    /// Provisioner name (`kubernetes`).
    pub provisioner: String,
    /// PEM CA that signs the API server's certificate (empty: the system roots).
    pub ca_cert: Vec<u8>,
    /// PEM client certificate.
    pub client_cert: Vec<u8>,
    /// PEM client key (secret).
    pub client_key: Vec<u8>,
    /// Pools this cluster serves.
    pub pools: Vec<String>,
    /// Free-form settings (tsuru's custom data), also `token`, `username`, `password`.
    pub custom_data: BTreeMap<String, String>,
    /// Use the in-cluster service account.
    pub local: bool,
    /// Serves pools no cluster lists.
    pub default: bool,
    /// A kubeconfig-style connection (exclusive with addresses and certificates).
    pub kube_config: Option<ClusterKubeConfig>,
    /// Proxy URL (only with `kube_config`).
    pub http_proxy: String,
}

impl Cluster {
    /// Custom data keys that hold credentials.
    pub const SECRET_KEYS: [&'static str; 3] = ["token", "username", "password"];

    /// Whether this cluster serves `pool` by listing it.
    pub fn serves(&self, pool: &str) -> bool {
        self.pools.iter().any(|p| p == pool)
    }

    /// A custom data setting for `pool`: `pool:key`, then `key` (tsuru's per-pool lookup).
    pub fn setting(&self, pool: &str, key: &str) -> Option<&str> {
        self.custom_data
            .get(&format!("{pool}:{key}"))
            .or_else(|| self.custom_data.get(key))
            .map(String::as_str)
    }
}

/// The cluster of `provisioner` that serves `pool`: the one listing it, else the default one
/// (tsuru's `FindByPool`).
pub fn cluster_for_pool<'a>(
    clusters: &'a [Cluster],
    provisioner: &str,
    pool: &str,
) -> Option<&'a Cluster> {
    let of_provisioner = || clusters.iter().filter(|c| c.provisioner == provisioner);
    (!pool.is_empty())
        .then(|| of_provisioner().find(|c| c.serves(pool)))
        .flatten()
        .or_else(|| of_provisioner().find(|c| c.default))
}

/// A kubeconfig-style connection: one cluster and one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterKubeConfig {
    /// The API server.
    pub cluster: KubeConfigCluster,
    /// The credentials.
    pub user: KubeConfigUser,
}

/// The `cluster` part of a kubeconfig (clientcmd names on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeConfigCluster {
    /// API server URL (required).
    pub server: String,
    /// Name to verify the server certificate against.
    pub tls_server_name: String,
    /// Skip server certificate verification.
    pub insecure_skip_tls_verify: bool,
    /// PEM CA.
    pub certificate_authority_data: Vec<u8>,
    /// Proxy URL.
    pub proxy_url: String,
}

/// The `user` part of a kubeconfig (every field is a credential).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeConfigUser {
    /// PEM client certificate.
    pub client_certificate_data: Vec<u8>,
    /// PEM client key.
    pub client_key_data: Vec<u8>,
    /// Bearer token.
    pub token: String,
    /// Basic auth user.
    pub username: String,
    /// Basic auth password.
    pub password: String,
}

/// What a provisioner says about the clusters it takes (`GET /1.7/provisioner`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterHelp {
    /// What a cluster of this provisioner is.
    pub provisioner_help: String,
    /// Custom data keys it reads, with their meaning.
    pub custom_data_help: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, pools: &[&str], default: bool) -> Cluster {
        Cluster {
            name: name.into(),
            provisioner: "kubernetes".into(),
            pools: pools.iter().map(|p| p.to_string()).collect(),
            default,
            ..Cluster::default()
        }
    }

    #[test]
    fn a_pool_goes_to_the_cluster_listing_it_else_to_the_default() {
        let all = [
            cluster("c1", &[], true),
            cluster("c2", &["p2"], false),
            Cluster {
                provisioner: "other".into(),
                ..cluster("c3", &["p3"], false)
            },
        ];
        let of = |pool| cluster_for_pool(&all, "kubernetes", pool).map(|c| c.name.as_str());
        assert_eq!(of("p2"), Some("c2"));
        assert_eq!(of("p3"), Some("c1"));
        assert_eq!(of(""), Some("c1"));
        assert_eq!(cluster_for_pool(&all[1..], "kubernetes", "p9"), None);
    }

    #[test]
    fn per_pool_settings_win_over_cluster_wide_ones() {
        let mut c = cluster("c1", &[], true);
        c.custom_data.insert("max-surge".into(), "50%".into());
        c.custom_data.insert("p1:max-surge".into(), "10%".into());
        assert_eq!(c.setting("p1", "max-surge"), Some("10%"));
        assert_eq!(c.setting("p2", "max-surge"), Some("50%"));
        assert_eq!(c.setting("p2", "pre-stop-sleep"), None);
    }
}
