//! The router, provisioner, service, IaaS and Kubernetes sections.
use super::*;

/// A router apps can be exposed through.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RouterSettings {
    /// Unique name.
    pub name: String,
    /// Router type.
    #[serde(default)]
    pub r#type: String,
    /// Whether apps use it when none is chosen.
    #[serde(default)]
    pub default: bool,
}

/// `routers:` as a list of `{name, type, default}`, or as tsuru writes it: a map from router name
/// to its settings (keys other than `type` and `default` belong to router types not served here).
pub(super) fn routers_in_either_shape<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<RouterSettings>, D::Error> {
    #[derive(Deserialize)]
    struct Named {
        #[serde(default)]
        r#type: String,
        #[serde(default)]
        default: bool,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<RouterSettings>),
        Map(std::collections::BTreeMap<String, Named>),
    }
    Ok(match Shape::deserialize(d)? {
        Shape::List(list) => list,
        Shape::Map(map) => map
            .into_iter()
            .map(|(name, r)| RouterSettings { name, r#type: r.r#type, default: r.default })
            .collect(),
    })
}

/// `provisioner:` as a section, or as tsuru writes it: the default provisioner's name.
pub(super) fn provisioner_in_either_shape<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<ProvisionerSettings, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Name(String),
        Section(ProvisionerSettings),
    }
    Ok(match Shape::deserialize(d)? {
        Shape::Name(default) => ProvisionerSettings { default, ..ProvisionerSettings::default() },
        Shape::Section(s) => s,
    })
}

/// Provisioners: which registered one pools without a provisioner of their own use, and the
/// settings of the simulated one (the domain routers serve apps on).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ProvisionerSettings {
    /// Name of the default provisioner (`simulated`, the one this build registers).
    pub default: String,
    /// Apps are served at `<app>.<domain>`.
    pub domain: String,
}

impl Default for ProvisionerSettings {
    fn default() -> Self {
        ProvisionerSettings { default: "simulated".into(), domain: "tsuru.localhost".into() }
    }
}

/// Calls to native service APIs and Open Service Brokers (durations in seconds).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ServiceSettings {
    /// Longest a service API call may take (tsuru: 5 minutes).
    pub timeout: f64,
    /// Longest connecting to a service API or broker may take.
    pub connect_timeout: f64,
    /// Longest a broker call may take (tsuru: 60 s).
    pub broker_timeout: f64,
    /// How long an asynchronous broker operation is polled before the request returns with
    /// it still in progress.
    pub broker_poll_timeout: f64,
    /// Pause between two polls of a broker's `last_operation`.
    pub broker_poll_interval: f64,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            timeout: 300.0,
            connect_timeout: 15.0,
            broker_timeout: 60.0,
            broker_poll_timeout: 30.0,
            broker_poll_interval: 1.0,
        }
    }
}

/// tsuru's `iaas:` section: the providers and how node addresses are built.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct IaasConfig {
    /// The IaaS used when a request names none (else the only one configured, else `ec2`).
    pub default: Option<String>,
    /// Scheme of node addresses built from machines.
    pub node_protocol: String,
    /// Port of node addresses built from machines.
    pub node_port: i64,
    /// Amazon EC2, or any server speaking its Query API; absent: no EC2 IaaS.
    pub ec2: Option<Ec2Config>,
}

impl Default for IaasConfig {
    fn default() -> Self {
        IaasConfig { default: None, node_protocol: "http".into(), node_port: 2375, ec2: None }
    }
}

/// `iaas: ec2:` (durations in seconds). The credentials are write-only: never logged, never
/// sent back.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Ec2Config {
    /// Base URL; empty: `https://ec2.<region>.amazonaws.com`.
    pub endpoint: String,
    /// Region requests are signed for.
    pub region: String,
    /// Access key id.
    pub key_id: Secret,
    /// Secret access key.
    pub secret_key: Secret,
    /// Longest one EC2 call may take.
    pub timeout: f64,
    /// Longest a new machine may take to run (tsuru's `wait-timeout`: 300).
    pub wait_timeout: f64,
    /// Pause between two looks at a booting machine.
    pub poll_interval: f64,
}

impl Default for Ec2Config {
    fn default() -> Self {
        Ec2Config {
            endpoint: String::new(),
            region: "us-east-1".into(),
            key_id: Secret::from(""),
            secret_key: Secret::from(""),
            timeout: 30.0,
            wait_timeout: 300.0,
            poll_interval: 2.0,
        }
    }
}

/// The Kubernetes provisioner (durations in seconds, as tsuru's `kubernetes:` keys).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct KubernetesSettings {
    /// Bound of each request to a cluster's API server.
    pub api_timeout: f64,
    /// How long a rollout may go without a new ready unit.
    pub deployment_progress_timeout: f64,
    /// Whether adding a node creates its `Node` object (otherwise it must exist).
    pub register_node: bool,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            api_timeout: 60.0,
            deployment_progress_timeout: 600.0,
            register_node: false,
        }
    }
}
