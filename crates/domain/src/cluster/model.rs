use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// 404 for an unknown cluster (tsuru's `ErrClusterNotFound`).
pub const CLUSTER_NOT_FOUND: &str = "cluster not found";
/// 409 on create when the name is taken.
pub const CLUSTER_ALREADY_EXISTS: &str = "cluster already exists";
/// 400: an empty name.
pub const CLUSTER_NAME_MANDATORY: &str = "cluster name is mandatory";
/// 400 on create: a name that does not match `^[a-z][a-z0-9-]{0,39}$`.
pub const CLUSTER_NAME_INVALID: &str = "Invalid cluster name, cluster name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.";
/// 400: no provisioner.
pub const PROVISIONER_MANDATORY: &str = "provisioner name is mandatory";
/// 400: pools listed on a default cluster.
pub const POOLS_AND_DEFAULT: &str = "cannot have both pools and default set";
/// 400: neither pools nor default.
pub const POOLS_OR_DEFAULT: &str = "either default or a list of pools must be set";
/// What a credential reads as wherever a cluster is shown (it is never shown).
pub const SECRET_MASK: &str = "*****";

/// The 400 for a provisioner that is not registered (`provisioner error: unknown provisioner: "x"`).
pub fn unknown_provisioner(name: &str) -> Error {
    Error::bad_request(format!("provisioner error: unknown provisioner: {name:?}"))
}

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

impl Cluster {
    /// tsuru's checks of a cluster document (the provisioner's own come after). The name rule
    /// holds on create only: clusters stored before it stay updatable.
    ///
    /// # Errors
    /// 400 with tsuru's texts.
    pub fn validate(&self, on_create: bool) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::bad_request(CLUSTER_NAME_MANDATORY));
        }
        if on_create && !valid_name(&self.name) {
            return Err(Error::bad_request(CLUSTER_NAME_INVALID));
        }
        if self.provisioner.trim().is_empty() {
            return Err(Error::bad_request(PROVISIONER_MANDATORY));
        }
        match (self.pools.is_empty(), self.default) {
            (false, true) => Err(Error::bad_request(POOLS_AND_DEFAULT)),
            (true, false) => Err(Error::bad_request(POOLS_OR_DEFAULT)),
            _ => Ok(()),
        }
    }

    /// This cluster as anyone may see it: no client key, no kubeconfig user key, token or
    /// password, and custom data credentials ([`Cluster::SECRET_KEYS`]) read as
    /// [`SECRET_MASK`] (so a client can tell they are set, and remove them).
    #[must_use]
    pub fn without_secrets(&self) -> Cluster {
        let mut c = self.clone();
        c.client_key.clear();
        for key in Cluster::SECRET_KEYS {
            if let Some(v) = c.custom_data.get_mut(key) {
                *v = SECRET_MASK.to_string();
            }
        }
        if let Some(kc) = &mut c.kube_config {
            kc.user.client_key_data.clear();
            kc.user.token.clear();
            kc.user.password.clear();
        }
        c
    }

    /// An update of `stored` keeps the credentials the client could not have read back: an
    /// empty client key (when no kubeconfig is set), empty kubeconfig user secrets (when both
    /// have a kubeconfig), and custom data credentials sent as [`SECRET_MASK`] keep their
    /// stored values. A credential the update leaves out of custom data is removed.
    pub fn keep_secrets_of(&mut self, stored: &Cluster) {
        if self.client_key.is_empty() && self.kube_config.is_none() {
            self.client_key = stored.client_key.clone();
        }
        for key in Cluster::SECRET_KEYS {
            if self.custom_data.get(key).map(String::as_str) == Some(SECRET_MASK) {
                match stored.custom_data.get(key) {
                    Some(v) => self.custom_data.insert(key.to_string(), v.clone()),
                    None => self.custom_data.remove(key),
                };
            }
        }
        if let (Some(new), Some(old)) = (&mut self.kube_config, &stored.kube_config) {
            let (new, old) = (&mut new.user, &old.user);
            if new.client_key_data.is_empty() {
                new.client_key_data = old.client_key_data.clone();
            }
            if new.token.is_empty() {
                new.token = old.token.clone();
            }
            if new.password.is_empty() {
                new.password = old.password.clone();
            }
        }
    }
}

/// `^[a-z][a-z0-9-]{0,39}$`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
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
            Cluster { provisioner: "other".into(), ..cluster("c3", &["p3"], false) },
        ];
        let of = |pool| cluster_for_pool(&all, "kubernetes", pool).map(|c| c.name.as_str());
        assert_eq!(of("p2"), Some("c2"));
        assert_eq!(of("p3"), Some("c1"));
        assert_eq!(of(""), Some("c1"));
        assert_eq!(cluster_for_pool(&all[1..], "kubernetes", "p9"), None);
    }

    #[test]
    fn tsurus_checks_in_tsurus_order() {
        let ok = cluster("c1", &["p1"], false);
        assert!(ok.validate(true).is_ok());
        let text = |c: Cluster, create| c.validate(create).unwrap_err().to_string();
        assert_eq!(text(cluster("  ", &["p"], false), false), CLUSTER_NAME_MANDATORY);
        for bad in ["1c", "C1", "c_1", &"c".repeat(41)] {
            assert_eq!(text(cluster(bad, &["p"], false), true), CLUSTER_NAME_INVALID);
            assert!(cluster(bad, &["p"], false).validate(false).is_ok());
        }
        assert!(cluster(&"c".repeat(40), &["p"], false).validate(true).is_ok());
        let no_prov = Cluster { provisioner: String::new(), ..ok.clone() };
        assert_eq!(text(no_prov, true), PROVISIONER_MANDATORY);
        assert_eq!(text(cluster("c1", &["p"], true), true), POOLS_AND_DEFAULT);
        assert_eq!(text(cluster("c1", &[], false), true), POOLS_OR_DEFAULT);
    }

    fn with_secrets() -> Cluster {
        let mut c = cluster("c1", &["p1"], false);
        c.client_key = b"KEY".to_vec();
        c.custom_data.insert("token".into(), "tok".into());
        c.custom_data.insert("password".into(), "pw".into());
        c.custom_data.insert("namespace".into(), "ns".into());
        c
    }

    #[test]
    fn shown_clusters_carry_no_credentials_and_updates_keep_them() {
        let stored = with_secrets();
        let shown = stored.without_secrets();
        assert!(shown.client_key.is_empty());
        assert_eq!(shown.custom_data["token"], SECRET_MASK);
        assert_eq!(shown.custom_data["namespace"], "ns");
        let mut back = shown.clone();
        back.custom_data.remove("password");
        back.keep_secrets_of(&stored);
        assert_eq!(back.client_key, b"KEY");
        assert_eq!(back.custom_data["token"], "tok");
        assert!(!back.custom_data.contains_key("password"));
        let mut kc = cluster("c2", &["p1"], false);
        kc.kube_config = Some(ClusterKubeConfig {
            cluster: KubeConfigCluster {
                server: "https://k".into(),
                ..KubeConfigCluster::default()
            },
            user: KubeConfigUser {
                token: "t".into(),
                client_key_data: b"k".to_vec(),
                ..KubeConfigUser::default()
            },
        });
        let mut again = kc.without_secrets();
        assert_eq!(again.kube_config.as_ref().unwrap().user, KubeConfigUser::default());
        again.keep_secrets_of(&kc);
        assert_eq!(again, kc);
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
