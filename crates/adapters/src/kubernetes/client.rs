//! One connection per cluster: a kube client built from the stored cluster (tsuru's
//! `NewClusterClient`), with every call bounded and its errors naming the cluster.
use crate::chain;
use std::future::Future;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use rand::seq::SliceRandom;
use serde_json::{json, Value};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::{Error, Result};

/// Connection settings shared by every cluster.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Bound of each API request (tsuru `kubernetes:api-timeout`, 60 s).
    pub api_timeout: Duration,
    /// Bound of opening a connection (tsuru's dial timeout, 30 s; never above the API timeout).
    pub connect_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            api_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
        }
    }
}

/// The error of a call to cluster `name`, as the API shows it: unreachable or failing clusters
/// are 503, a refused credential or a refused object 400, a missing object 404.
pub fn cluster_error(name: &str, err: &kube::Error) -> Error {
    let text = |reason: &str| format!("cluster {name:?}: {reason}");
    match err {
        kube::Error::Api(s) => match s.code {
            401 => Error::BadRequest(text(&format!(
                "the cluster refused the credentials (401 Unauthorized): {}",
                s.message
            ))),
            403 => Error::BadRequest(text(&format!("forbidden (403): {}", s.message))),
            404 => Error::NotFound(text(&s.message)),
            409 => Error::Conflict(text(&s.message)),
            400 | 422 => Error::BadRequest(text(&s.message)),
            _ => Error::Unavailable(text(&format!("{} ({})", s.message, s.code))),
        },
        kube::Error::Auth(e) => Error::BadRequest(text(&format!("bad credentials: {e}"))),
        other => Error::Unavailable(text(&format!("unreachable: {}", chain(other)))),
    }
}

/// Runs one API call against cluster `name`, bounded by `timeout`, mapping its error.
///
/// # Errors
/// As [`cluster_error`]; 503 when the call outlives the timeout.
pub async fn bounded<T>(
    name: &str,
    timeout: Duration,
    call: impl Future<Output = std::result::Result<T, kube::Error>>,
) -> Result<T> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(cluster_error(name, &e)),
        Err(_) => Err(Error::Unavailable(format!(
            "cluster {name:?}: no answer within {:.1}s",
            timeout.as_secs_f64()
        ))),
    }
}

fn b64(bytes: &[u8]) -> Value {
    // ByteString serialises as base64, as kubeconfig `*-data` fields are written.
    serde_json::to_value(k8s_openapi::ByteString(bytes.to_vec())).unwrap_or(Value::Null)
}

/// The one-context kubeconfig a stored cluster connects with (§1.4): its `kubeConfig`, or one
/// address picked at random with the CA, client certificate and key, and basic auth or token.
///
/// # Errors
/// 400 when the cluster has nothing to connect to.
pub fn kubeconfig(cluster: &Cluster) -> Result<Kubeconfig> {
    let name = &cluster.name;
    let (cluster_entry, user) = if let Some(kc) = &cluster.kube_config {
        let mut c = json!({ "server": kc.cluster.server });
        if !kc.cluster.tls_server_name.is_empty() {
            c["tls-server-name"] = json!(kc.cluster.tls_server_name);
        }
        if kc.cluster.insecure_skip_tls_verify {
            c["insecure-skip-tls-verify"] = json!(true);
        }
        if !kc.cluster.certificate_authority_data.is_empty() {
            c["certificate-authority-data"] = b64(&kc.cluster.certificate_authority_data);
        }
        let proxy =
            if cluster.http_proxy.is_empty() { &kc.cluster.proxy_url } else { &cluster.http_proxy };
        if !proxy.is_empty() {
            c["proxy-url"] = json!(proxy);
        }
        let u = &kc.user;
        let mut user = json!({});
        if !u.client_certificate_data.is_empty() {
            user["client-certificate-data"] = b64(&u.client_certificate_data);
        }
        if !u.client_key_data.is_empty() {
            user["client-key-data"] = b64(&u.client_key_data);
        }
        if !u.token.is_empty() {
            user["token"] = json!(u.token);
        }
        if !u.username.is_empty() {
            user["username"] = json!(u.username);
            user["password"] = json!(u.password);
        }
        (c, user)
    } else {
        let server = cluster.addresses.choose(&mut rand::thread_rng()).ok_or_else(|| {
            Error::bad_request(format!("cluster {name:?}: no address to connect to"))
        })?;
        let mut c = json!({ "server": server });
        if !cluster.ca_cert.is_empty() {
            c["certificate-authority-data"] = b64(&cluster.ca_cert);
        }
        let mut user = json!({});
        if !cluster.client_cert.is_empty() {
            user["client-certificate-data"] = b64(&cluster.client_cert);
        }
        if !cluster.client_key.is_empty() {
            user["client-key-data"] = b64(&cluster.client_key);
        }
        let data = |k: &str| cluster.custom_data.get(k).filter(|v| !v.is_empty());
        match (data("username"), data("password"), data("token")) {
            (Some(u), Some(p), _) => {
                user["username"] = json!(u);
                user["password"] = json!(p);
            }
            (_, _, Some(t)) => user["token"] = json!(t),
            _ => {}
        }
        (c, user)
    };
    let doc: Value = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": name, "cluster": cluster_entry }],
        "users": [{ "name": name, "user": user }],
        "contexts": [{ "name": name, "context": { "cluster": name, "user": name } }],
        "current-context": name,
    });
    serde_json::from_value(doc)
        .map_err(|e| Error::bad_request(format!("cluster {name:?}: invalid connection: {e}")))
}

/// The clients of one cluster: `calls` bounded by the API timeout, `watches` without a read
/// timeout (a quiet watch is not a failure; the watcher has its own idle timeout).
#[derive(Clone)]
pub struct Clients {
    /// For requests.
    pub calls: Client,
    /// For watches.
    pub watches: Client,
}

/// The clients of `cluster` (in-cluster config for a `local` cluster without addresses).
///
/// # Errors
/// 400 for an unusable connection (bad PEM, no address).
pub async fn connect(cluster: &Cluster, settings: &ClientSettings) -> Result<Clients> {
    let name = &cluster.name;
    let mut config = if cluster.kube_config.is_none()
        && (cluster.local || cluster.addresses.is_empty())
    {
        Config::incluster()
            .map_err(|e| Error::bad_request(format!("cluster {name:?}: in-cluster config: {e}")))?
    } else {
        let kc = kubeconfig(cluster)?;
        Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default()).await.map_err(|e| {
            Error::bad_request(format!("cluster {name:?}: invalid connection: {}", chain(&e)))
        })?
    };
    config.connect_timeout = Some(settings.connect_timeout.min(settings.api_timeout));
    config.write_timeout = Some(settings.api_timeout);
    let invalid = |e: kube::Error| {
        Error::bad_request(format!("cluster {name:?}: invalid connection: {}", chain(&e)))
    };
    let watches = Client::try_from(config.clone()).map_err(invalid)?;
    config.read_timeout = Some(settings.api_timeout);
    config.reset_reader_on_write = true;
    let calls = Client::try_from(config).map_err(invalid)?;
    Ok(Clients { calls, watches })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tsuru_domain::cluster::{ClusterKubeConfig, KubeConfigCluster, KubeConfigUser};

    use super::*;

    fn cluster(custom: &[(&str, &str)]) -> Cluster {
        Cluster {
            name: "c1".into(),
            addresses: vec!["https://10.0.0.1:6443".into()],
            provisioner: "kubernetes".into(),
            ca_cert: b"PEM".to_vec(),
            custom_data: custom
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            ..Cluster::default()
        }
    }

    fn doc(c: &Cluster) -> Value {
        serde_json::to_value(kubeconfig(c).unwrap()).unwrap()
    }

    #[test]
    fn addresses_connect_with_the_ca_and_a_token_or_basic_auth() {
        let d = doc(&cluster(&[("token", "abc")]));
        assert_eq!(d["current-context"], "c1");
        assert_eq!(d["clusters"][0]["cluster"]["server"], "https://10.0.0.1:6443");
        assert_eq!(d["clusters"][0]["cluster"]["certificate-authority-data"], "UEVN");
        assert_eq!(d["users"][0]["user"]["token"], "abc");
        let d = doc(&cluster(&[("token", "abc"), ("username", "u"), ("password", "p")]));
        assert_eq!(d["users"][0]["user"]["username"], "u");
        assert!(d["users"][0]["user"].get("token").is_none());
    }

    #[test]
    fn a_kube_config_wins_with_its_own_server_and_proxy() {
        let mut c = cluster(&[("token", "ignored")]);
        c.addresses.clear();
        c.http_proxy = "http://proxy:3128".into();
        c.kube_config = Some(ClusterKubeConfig {
            cluster: KubeConfigCluster {
                server: "https://k.example".into(),
                insecure_skip_tls_verify: true,
                ..KubeConfigCluster::default()
            },
            user: KubeConfigUser { token: "t".into(), ..KubeConfigUser::default() },
        });
        let d = doc(&c);
        assert_eq!(d["clusters"][0]["cluster"]["server"], "https://k.example");
        assert_eq!(d["clusters"][0]["cluster"]["insecure-skip-tls-verify"], true);
        assert_eq!(d["clusters"][0]["cluster"]["proxy-url"], "http://proxy:3128");
        assert_eq!(d["users"][0]["user"]["token"], "t");
    }

    #[test]
    fn a_cluster_without_addresses_or_kube_config_has_nothing_to_connect_to() {
        let mut c = cluster(&[]);
        c.addresses.clear();
        assert!(matches!(kubeconfig(&c), Err(Error::BadRequest(_))));
    }
}
