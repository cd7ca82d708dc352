//! Wire types of `/provisioner/clusters` and `/provisioner`: tsuru's cluster JSON, byte
//! strings (`cacert`, `clientcert`, `clientkey`, kubeconfig `*-data`) as base64 like Go's
//! `[]byte`. Responses never carry credentials: `clientkey` is `null`, the kubeconfig user's
//! key, token and password are left out, custom data credentials read `*****`.
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use tsuru_domain::cluster::ProvisionerInfo;
use tsuru_domain::cluster::{Cluster, ClusterKubeConfig, KubeConfigCluster, KubeConfigUser};
use utoipa::ToSchema;

use crate::error::ApiError;

/// `null` reads as the default, as Go's decoder leaves the zero value.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Go's `[]byte` in JSON: base64 (standard alphabet), `null` when empty.
mod go_bytes {
    use base64::Engine as _;

    use super::{Deserialize, Deserializer, Serializer, STANDARD};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if v.is_empty() {
            s.serialize_none()
        } else {
            s.serialize_str(&STANDARD.encode(v))
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = Option::<String>::deserialize(d)?.unwrap_or_default();
        let clean: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        STANDARD
            .decode(clean.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("illegal base64 data: {e}")))
    }
}

/// A cluster: where a provisioner runs the apps of its pools, and how to reach it.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ClusterBody {
    /// Unique name (`^[a-z][a-z0-9-]{0,39}$`); on update the URL's name wins.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// API server URLs.
    #[serde(default, deserialize_with = "nullable")]
    pub addresses: Vec<String>,
    /// Provisioner name (`kubernetes`).
    #[serde(default, deserialize_with = "nullable")]
    pub provisioner: String,
    /// PEM CA of the API server, base64.
    #[serde(default, with = "go_bytes")]
    #[schema(value_type = Option<String>, format = Byte)]
    pub cacert: Vec<u8>,
    /// PEM client certificate, base64.
    #[serde(default, with = "go_bytes")]
    #[schema(value_type = Option<String>, format = Byte)]
    pub clientcert: Vec<u8>,
    /// PEM client key, base64 (write-only: always `null` in responses; an update without it
    /// keeps the stored key).
    #[serde(default, with = "go_bytes")]
    #[schema(value_type = Option<String>, format = Byte)]
    pub clientkey: Vec<u8>,
    /// Pools this cluster serves (one cluster per pool: they leave other clusters).
    #[serde(default, deserialize_with = "nullable")]
    pub pools: Vec<String>,
    /// Provisioner settings (`GET /1.7/provisioner` lists them); `token`, `username` and
    /// `password` are credentials, shown as `*****` (sent back as `*****`, they keep their
    /// stored values).
    #[serde(default, deserialize_with = "nullable")]
    pub custom_data: BTreeMap<String, String>,
    /// Use the in-cluster service account.
    #[serde(default, deserialize_with = "nullable")]
    pub local: bool,
    /// Serves the pools no cluster lists (one default per provisioner).
    #[serde(default, deserialize_with = "nullable")]
    pub default: bool,
    /// A kubeconfig-style connection, instead of addresses and certificates.
    #[serde(rename = "kubeConfig", default, skip_serializing_if = "Option::is_none")]
    pub kube_config: Option<KubeConfigBody>,
    /// Proxy URL (with `kubeConfig` only).
    #[serde(
        rename = "httpProxy",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub http_proxy: String,
}

/// One kubeconfig cluster and user (client-go's names).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct KubeConfigBody {
    /// The API server.
    #[serde(default, deserialize_with = "nullable")]
    pub cluster: KubeClusterBody,
    /// The credentials (the key, token and password are write-only).
    #[serde(default, deserialize_with = "nullable")]
    pub user: KubeUserBody,
}

/// The `cluster` of a kubeconfig.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct KubeClusterBody {
    /// API server URL (required).
    #[serde(default, deserialize_with = "nullable")]
    pub server: String,
    /// Name to check the server certificate against.
    #[serde(
        rename = "tls-server-name",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub tls_server_name: String,
    /// Skip the server certificate check.
    #[serde(
        rename = "insecure-skip-tls-verify",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_false"
    )]
    pub insecure_skip_tls_verify: bool,
    /// PEM CA, base64.
    #[serde(
        rename = "certificate-authority-data",
        default,
        with = "go_bytes",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schema(value_type = Option<String>, format = Byte)]
    pub certificate_authority_data: Vec<u8>,
    /// Proxy URL.
    #[serde(
        rename = "proxy-url",
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "String::is_empty"
    )]
    pub proxy_url: String,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// The `user` of a kubeconfig.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct KubeUserBody {
    /// PEM client certificate, base64.
    #[serde(
        rename = "client-certificate-data",
        default,
        with = "go_bytes",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schema(value_type = Option<String>, format = Byte)]
    pub client_certificate_data: Vec<u8>,
    /// PEM client key, base64 (write-only).
    #[serde(
        rename = "client-key-data",
        default,
        with = "go_bytes",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schema(value_type = Option<String>, format = Byte)]
    pub client_key_data: Vec<u8>,
    /// Bearer token (write-only).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Basic auth user.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Basic auth password (write-only).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// Not supported (400 when set).
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<Object>)]
    pub exec: Option<Value>,
    /// Not supported (400 when set).
    #[serde(rename = "auth-provider", default, skip_serializing)]
    #[schema(value_type = Option<Object>)]
    pub auth_provider: Option<Value>,
}

impl ClusterBody {
    /// The cluster sent.
    ///
    /// # Errors
    /// 400 for kubeconfig `exec` or `auth-provider` (plugins are not run here).
    pub fn into_cluster(self) -> Result<Cluster, ApiError> {
        let kube_config = match self.kube_config {
            None => None,
            Some(k) => {
                for (field, v) in [("exec", &k.user.exec), ("auth-provider", &k.user.auth_provider)]
                {
                    if v.as_ref().is_some_and(|v| !v.is_null()) {
                        return Err(ApiError::bad_request(format!(
                            "kubeConfig.user.{field} is not supported: use a client certificate, a token or basic auth"
                        )));
                    }
                }
                Some(ClusterKubeConfig {
                    cluster: KubeConfigCluster {
                        server: k.cluster.server,
                        tls_server_name: k.cluster.tls_server_name,
                        insecure_skip_tls_verify: k.cluster.insecure_skip_tls_verify,
                        certificate_authority_data: k.cluster.certificate_authority_data,
                        proxy_url: k.cluster.proxy_url,
                    },
                    user: KubeConfigUser {
                        client_certificate_data: k.user.client_certificate_data,
                        client_key_data: k.user.client_key_data,
                        token: k.user.token,
                        username: k.user.username,
                        password: k.user.password,
                    },
                })
            }
        };
        Ok(Cluster {
            name: self.name,
            addresses: self.addresses,
            provisioner: self.provisioner,
            ca_cert: self.cacert,
            client_cert: self.clientcert,
            client_key: self.clientkey,
            pools: self.pools,
            custom_data: self.custom_data,
            local: self.local,
            default: self.default,
            kube_config,
            http_proxy: self.http_proxy,
        })
    }
}

impl From<Cluster> for ClusterBody {
    /// `c` as shown: its credentials are dropped here too, whatever the caller passed.
    fn from(c: Cluster) -> Self {
        let c = c.without_secrets();
        ClusterBody {
            name: c.name,
            addresses: c.addresses,
            provisioner: c.provisioner,
            cacert: c.ca_cert,
            clientcert: c.client_cert,
            clientkey: Vec::new(),
            pools: c.pools,
            custom_data: c.custom_data,
            local: c.local,
            default: c.default,
            kube_config: c.kube_config.map(|k| KubeConfigBody {
                cluster: KubeClusterBody {
                    server: k.cluster.server,
                    tls_server_name: k.cluster.tls_server_name,
                    insecure_skip_tls_verify: k.cluster.insecure_skip_tls_verify,
                    certificate_authority_data: k.cluster.certificate_authority_data,
                    proxy_url: k.cluster.proxy_url,
                },
                user: KubeUserBody {
                    client_certificate_data: k.user.client_certificate_data,
                    username: k.user.username,
                    ..KubeUserBody::default()
                },
            }),
            http_proxy: c.http_proxy,
        }
    }
}

/// A registered provisioner and the clusters it takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionerResponse {
    /// Name (what pools and clusters name).
    pub name: String,
    /// Its cluster options (empty for a provisioner that runs without clusters).
    pub cluster_help: ClusterHelpResponse,
}

/// What a cluster of a provisioner is, and the custom data keys it reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterHelpResponse {
    /// What a cluster of this provisioner is.
    pub provisioner_help: String,
    /// Custom data keys and their meaning (empty for a provisioner without clusters).
    pub custom_data_help: BTreeMap<String, String>,
}

impl From<ProvisionerInfo> for ProvisionerResponse {
    fn from(p: ProvisionerInfo) -> Self {
        let help = p.cluster_help.unwrap_or_default();
        ProvisionerResponse {
            name: p.name,
            cluster_help: ClusterHelpResponse {
                provisioner_help: help.provisioner_help,
                custom_data_help: help.custom_data_help,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_travel_as_base64_and_credentials_never_come_back() {
        let body: ClusterBody = serde_json::from_value(serde_json::json!({
            "name": "c1", "provisioner": "kubernetes", "pools": ["p1"],
            "cacert": "Q0E=", "clientkey": "S0VZ", "clientcert": null,
            "custom_data": {"token": "tok", "namespace": "ns"},
            "kubeConfig": {"cluster": {"server": "https://k"},
                           "user": {"token": "t", "client-key-data": "S0VZ", "username": "u"}}
        }))
        .unwrap();
        let c = body.into_cluster().unwrap();
        assert_eq!(c.ca_cert, b"CA");
        assert_eq!(c.client_key, b"KEY");
        let shown = serde_json::to_value(ClusterBody::from(c)).unwrap();
        assert_eq!(shown["cacert"], "Q0E=");
        assert_eq!(shown["clientkey"], Value::Null);
        assert_eq!(shown["custom_data"]["token"], "*****");
        assert_eq!(shown["kubeConfig"]["user"], serde_json::json!({"username": "u"}));
        let bad = serde_json::from_value::<ClusterBody>(serde_json::json!({"cacert": "%%"}));
        assert!(bad.unwrap_err().to_string().contains("illegal base64 data"));
    }
}
