//! Clusters: tsuru's `provisioner_clusters` collection, in the shape tsuru's Go driver writes
//! (lower-cased field names, `_id` the name, byte strings as binary), so each server reads the
//! other's clusters. Kubeconfig settings we do not model (exec, auth-provider) are dropped
//! when we replace a cluster.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, spec::BinarySubtype, Binary};
use serde::{Deserialize, Serialize};
use tsuru_domain::cluster::{
    Cluster, ClusterKubeConfig, ClusterStorage, KubeConfigCluster, KubeConfigUser,
    CLUSTER_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::collections::CLUSTERS;
use super::{db_error, null_as_default};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ClusterDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    addresses: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    provisioner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cacert: Option<Binary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clientcert: Option<Binary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clientkey: Option<Binary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pools: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    customdata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_false", deserialize_with = "null_as_default")]
    local: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kubeconfig: Option<KubeConfigDocument>,
    #[serde(default, deserialize_with = "null_as_default")]
    httpproxy: String,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// tsuru's `{Cluster clientcmdapi.Cluster, AuthInfo clientcmdapi.AuthInfo}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct KubeConfigDocument {
    #[serde(deserialize_with = "null_as_default")]
    cluster: KubeClusterDocument,
    #[serde(deserialize_with = "null_as_default")]
    authinfo: KubeUserDocument,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct KubeClusterDocument {
    #[serde(deserialize_with = "null_as_default")]
    server: String,
    #[serde(deserialize_with = "null_as_default")]
    tlsservername: String,
    #[serde(deserialize_with = "null_as_default")]
    insecureskiptlsverify: bool,
    certificateauthoritydata: Option<Binary>,
    #[serde(deserialize_with = "null_as_default")]
    proxyurl: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct KubeUserDocument {
    clientcertificatedata: Option<Binary>,
    clientkeydata: Option<Binary>,
    #[serde(deserialize_with = "null_as_default")]
    token: String,
    #[serde(deserialize_with = "null_as_default")]
    username: String,
    #[serde(deserialize_with = "null_as_default")]
    password: String,
}

fn binary(bytes: &[u8]) -> Option<Binary> {
    (!bytes.is_empty()).then(|| Binary { subtype: BinarySubtype::Generic, bytes: bytes.to_vec() })
}

fn bytes(b: Option<Binary>) -> Vec<u8> {
    b.map(|b| b.bytes).unwrap_or_default()
}

impl From<&Cluster> for ClusterDocument {
    fn from(c: &Cluster) -> Self {
        ClusterDocument {
            name: c.name.clone(),
            addresses: c.addresses.clone(),
            provisioner: c.provisioner.clone(),
            cacert: binary(&c.ca_cert),
            clientcert: binary(&c.client_cert),
            clientkey: binary(&c.client_key),
            pools: c.pools.clone(),
            customdata: c.custom_data.clone(),
            local: c.local,
            default: c.default,
            kubeconfig: c.kube_config.as_ref().map(|k| KubeConfigDocument {
                cluster: KubeClusterDocument {
                    server: k.cluster.server.clone(),
                    tlsservername: k.cluster.tls_server_name.clone(),
                    insecureskiptlsverify: k.cluster.insecure_skip_tls_verify,
                    certificateauthoritydata: binary(&k.cluster.certificate_authority_data),
                    proxyurl: k.cluster.proxy_url.clone(),
                },
                authinfo: KubeUserDocument {
                    clientcertificatedata: binary(&k.user.client_certificate_data),
                    clientkeydata: binary(&k.user.client_key_data),
                    token: k.user.token.clone(),
                    username: k.user.username.clone(),
                    password: k.user.password.clone(),
                },
            }),
            httpproxy: c.http_proxy.clone(),
        }
    }
}

impl From<ClusterDocument> for Cluster {
    fn from(d: ClusterDocument) -> Self {
        Cluster {
            name: d.name,
            addresses: d.addresses,
            provisioner: d.provisioner,
            ca_cert: bytes(d.cacert),
            client_cert: bytes(d.clientcert),
            client_key: bytes(d.clientkey),
            pools: d.pools,
            custom_data: d.customdata,
            local: d.local,
            default: d.default,
            kube_config: d.kubeconfig.map(|k| ClusterKubeConfig {
                cluster: KubeConfigCluster {
                    server: k.cluster.server,
                    tls_server_name: k.cluster.tlsservername,
                    insecure_skip_tls_verify: k.cluster.insecureskiptlsverify,
                    certificate_authority_data: bytes(k.cluster.certificateauthoritydata),
                    proxy_url: k.cluster.proxyurl,
                },
                user: KubeConfigUser {
                    client_certificate_data: bytes(k.authinfo.clientcertificatedata),
                    client_key_data: bytes(k.authinfo.clientkeydata),
                    token: k.authinfo.token,
                    username: k.authinfo.username,
                    password: k.authinfo.password,
                },
            }),
            http_proxy: d.httpproxy,
        }
    }
}

#[async_trait]
impl ClusterStorage for super::MongoStore {
    /// tsuru's two steps (take pools and the default flag from the provisioner's other
    /// clusters, then replace by name), under one write lock per provisioner so concurrent
    /// upserts cannot interleave them.
    async fn upsert(&self, cluster: &Cluster) -> Result<()> {
        let d = ClusterDocument::from(cluster);
        let key = format!("{CLUSTERS}/provisioner/{}", cluster.provisioner);
        self.exclusive(key, || async {
            let mut updates = doc! {};
            if !cluster.pools.is_empty() {
                updates.insert("$pullAll", doc! {"pools": &cluster.pools});
            }
            if cluster.default {
                updates.insert("$set", doc! {"default": false});
            }
            if !updates.is_empty() {
                self.docs::<ClusterDocument>()
                    .update_many(
                        doc! {"provisioner": &cluster.provisioner, "_id": {"$ne": &cluster.name}},
                        updates,
                    )
                    .await
                    .map_err(db_error)?;
            }
            self.upsert::<ClusterDocument>(doc! {"_id": &cluster.name}, d).await?;
            Ok(())
        })
        .await
    }

    async fn find(&self, name: &str) -> Result<Option<Cluster>> {
        self.find_as::<ClusterDocument, _>(doc! {"_id": name}).await
    }

    async fn list(&self) -> Result<Vec<Cluster>> {
        let docs = self.all::<ClusterDocument>(doc! {}, doc! {"_id": 1}).await?;
        Ok(docs.into_iter().map(Cluster::from).collect())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.delete_or::<ClusterDocument>(doc! {"_id": name}, || {
            Error::not_found(CLUSTER_NOT_FOUND)
        })
        .await
    }
}

super::doctor::stored! {
    ClusterDocument => CLUSTERS;
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{self, Bson};

    use super::*;

    fn bin(b: &[u8]) -> Bson {
        Bson::Binary(Binary { subtype: BinarySubtype::Generic, bytes: b.to_vec() })
    }

    /// A document as tsuru's Go driver writes it (nil slices as null, every clientcmd field).
    #[test]
    fn a_cluster_written_by_tsuru_reads_and_writes_back_in_its_shape() {
        let written = doc! {
            "_id": "c1", "addresses": ["https://10.0.0.1:6443"], "provisioner": "kubernetes",
            "cacert": bin(b"CA"), "clientkey": bin(b"KEY"), "pools": ["p1"],
            "customdata": {"token": "tok"}, "default": false, "httpproxy": "",
            "kubeconfig": {
                "cluster": {"locationoforigin": "", "server": "https://k", "tlsservername": "",
                            "insecureskiptlsverify": true, "certificateauthority": "",
                            "certificateauthoritydata": Bson::Null, "proxyurl": "",
                            "disablecompression": false, "extensions": Bson::Null},
                "authinfo": {"clientcertificatedata": bin(b"CERT"), "clientkeydata": bin(b"K"),
                             "token": "t", "username": "", "password": "", "exec": Bson::Null},
            },
        };
        let d: ClusterDocument = bson::from_document(written).expect("reads");
        let c = Cluster::from(d);
        assert_eq!(c.ca_cert, b"CA");
        assert_eq!(c.client_key, b"KEY");
        assert_eq!(c.custom_data["token"], "tok");
        let kc = c.kube_config.as_ref().expect("kubeconfig");
        assert!(kc.cluster.insecure_skip_tls_verify);
        assert_eq!(kc.user.client_key_data, b"K");
        let back = bson::to_document(&ClusterDocument::from(&c)).expect("writes");
        assert_eq!(back.get_str("_id"), Ok("c1"));
        assert!(matches!(back.get("clientkey"), Some(Bson::Binary(_))));
        assert_eq!(
            back.get_document("kubeconfig")
                .and_then(|k| k.get_document("authinfo"))
                .and_then(|u| u.get_str("token")),
            Ok("t")
        );
        let none: ClusterDocument =
            bson::from_document(doc! {"_id": "c2", "addresses": Bson::Null}).expect("reads");
        assert!(Cluster::from(none).addresses.is_empty());
    }
}
