//! What a Kubernetes cluster takes: the provisioner's help texts and its checks of a cluster.
use std::collections::BTreeMap;

use tsuru_domain::cluster::{Cluster, ClusterHelp};
use tsuru_domain::{Error, Result};

const PROVISIONER_HELP: &str = "Represents a kubernetes cluster, the address parameter must point to a valid kubernetes apiserver endpoint.";

const POOL_PREFIX: &str = "This config may be prefixed with `<pool-name>:`.";

/// The custom data keys clusters of this provisioner read, with their meaning.
pub fn cluster_help() -> ClusterHelp {
    let pooled = |text: &str| format!("{text} {POOL_PREFIX}");
    let overcommit = |what: &str| {
        pooled(&format!(
            "Overcommit factor for {what} resources. The requested value will be divided by this factor."
        ))
    };
    let entries: Vec<(&str, String)> = vec![
        ("namespace", "Namespace used to create resources unless kubernetes:use-pool-namespaces config is enabled.".into()),
        ("token", "Token used to connect to the cluster,".into()),
        ("username", "User used to connect to the cluster.".into()),
        ("password", "Password used to connect to the cluster.".into()),
        ("overcommit-factor", overcommit("CPU and memory")),
        ("cpu-overcommit-factor", overcommit("CPU")),
        ("memory-overcommit-factor", overcommit("Memory")),
        ("cpu-burst-factor", pooled("CPU burst factor, that increases the limit of resource. The requested value will be multiplied by this factor.")),
        ("namespace-labels", pooled("Extra labels added to dynamically created namespaces in the format <label1>=<value1>,<label2>=<value2>...")),
        ("disable-headless", pooled("Disable headless service creation for every app-process.")),
        ("max-surge", format!("Max surge for deployments rollout. {POOL_PREFIX} Defaults to 100%.")),
        ("max-unavailable", format!("Max unavailable for deployments rollout. {POOL_PREFIX} Defaults to 0.")),
        ("single-pool", "Set to use entire cluster to a pool instead only designated nodes. Defaults do false.".into()),
        ("ephemeral-storage", format!("Sets limit for ephemeral storage for created pods. {POOL_PREFIX} Defaults to 100Mi.")),
        ("pre-stop-sleep", format!("Number of seconds to sleep in the preStop lifecycle hook. {POOL_PREFIX} Defaults to 10.")),
        ("disable-default-node-selector", "Disables the use of node selector in the cluster if enabled".into()),
        ("registry", "Allow a custom registry to be used on this cluster.".into()),
        ("registry-insecure", "Pull and push container images to insecure registry (over plain HTTP)".into()),
        ("disable-platform-build", "Disable platform image build in cluster.".into()),
        ("enable-versioned-services", "Allow the creation of multiple services for each pair of {process, version} from the app. The default behavior creates versioned services only in a multi versioned deploy scenario.".into()),
        ("docker-config-json", "Custom Docker config (~/.docker/config.json) to be mounted on deploy-agent container".into()),
        ("disable-pdb", "Disable PodDisruptionBudget for entire pool.".into()),
        ("dns-config-ndots", "Number of dots in the domain name to be used in the search list for DNS lookups. Default to uses kubernetes default value (5).".into()),
        ("build-service-address", "Address of build service (deploy-agent v2)".into()),
        ("build-service-tls", "Whether should access Build service through TLS".into()),
        ("build-service-tls-skip-verify", "Whether should skip certificate chain validation".into()),
        ("job-event-creation", "Enable k8s event data tracking cross-referencing with Jobs and send them to tsuru database".into()),
        ("topology-spread-constraints", "Enable topology spread constraints for apps".into()),
        ("debug-container-image", "Image used to create debug containers (Ephemeral Containers)".into()),
    ];
    ClusterHelp {
        provisioner_help: PROVISIONER_HELP.into(),
        custom_data_help: entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// The Kubernetes-specific checks of a cluster, every failure reported at once (tsuru answers
/// these with a 500; they are the caller's mistakes, so here they are a 400).
///
/// # Errors
/// 400 listing every problem found.
pub fn validate_cluster(cluster: &Cluster) -> Result<()> {
    let mut problems = Vec::new();
    if cluster.custom_data.contains_key("single-pool") && cluster.pools.len() != 1 {
        problems.push(format!(
            "only one pool is allowed to use entire cluster as single-pool. {} pools found",
            cluster.pools.len()
        ));
    }
    if let Some(kc) = &cluster.kube_config {
        if cluster.addresses.len() > 1 {
            problems.push("when kubeConfig is set the use of addresses is not used".to_string());
        }
        for (field, set) in [
            ("cacert", !cluster.ca_cert.is_empty()),
            ("clientcert", !cluster.client_cert.is_empty()),
            ("clientkey", !cluster.client_key.is_empty()),
        ] {
            if set {
                problems.push(format!("when kubeConfig is set the use of {field} is not used"));
            }
        }
        if kc.cluster.server.trim().is_empty() {
            problems.push("kubeConfig.cluster.server field is required".to_string());
        }
    }
    match problems.len() {
        0 => Ok(()),
        1 => Err(Error::bad_request(problems.remove(0))),
        n => {
            let listed: Vec<String> =
                problems.iter().enumerate().map(|(i, p)| format!("error #{i}: {p}")).collect();
            Err(Error::bad_request(format!(
                "multiple errors reported ({n}):\n{}",
                listed.join("\n")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use tsuru_domain::cluster::{ClusterKubeConfig, KubeConfigCluster};

    use super::*;

    #[test]
    fn help_lists_the_keys_a_cluster_reads() {
        let help = cluster_help();
        assert!(help.provisioner_help.starts_with("Represents a kubernetes cluster"));
        assert_eq!(help.custom_data_help.len(), 29);
        assert!(help.custom_data_help["max-surge"].ends_with("Defaults to 100%."));
    }

    #[test]
    fn kubeconfig_clusters_take_no_addresses_or_certificates() {
        let mut c = Cluster {
            name: "c1".into(),
            provisioner: "kubernetes".into(),
            default: true,
            ..Cluster::default()
        };
        assert!(validate_cluster(&c).is_ok());
        c.kube_config = Some(ClusterKubeConfig::default());
        let err = validate_cluster(&c).expect_err("no server").to_string();
        assert!(err.contains("kubeConfig.cluster.server field is required"), "{err}");
        c.kube_config = Some(ClusterKubeConfig {
            cluster: KubeConfigCluster {
                server: "https://127.0.0.1:6443".into(),
                ..KubeConfigCluster::default()
            },
            ..ClusterKubeConfig::default()
        });
        c.ca_cert = b"pem".to_vec();
        c.addresses = vec!["https://a".into(), "https://b".into()];
        let err = validate_cluster(&c).expect_err("two problems").to_string();
        assert!(err.starts_with("multiple errors reported (2):\nerror #0: when kubeConfig is set the use of addresses is not used"), "{err}");
        assert!(
            err.contains("error #1: when kubeConfig is set the use of cacert is not used"),
            "{err}"
        );
    }

    #[test]
    fn single_pool_clusters_serve_exactly_one_pool() {
        let mut c = Cluster {
            name: "c1".into(),
            provisioner: "kubernetes".into(),
            pools: vec!["a".into(), "b".into()],
            ..Cluster::default()
        };
        c.custom_data.insert("single-pool".into(), "true".into());
        let err = validate_cluster(&c).expect_err("two pools").to_string();
        assert!(err.contains("single-pool. 2 pools found"), "{err}");
    }
}
