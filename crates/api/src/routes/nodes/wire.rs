//! Wire types of `/node`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::node::Node;
use utoipa::{IntoParams, ToSchema};

use super::super::apps::wire::UnitResponse;
use super::super::iaas::wire::MachineResponse;

/// A node as its provisioner reports it (tsuru `NodeSpec`).
#[derive(Serialize, ToSchema)]
pub struct NodeResponse {
    #[serde(rename = "Address")]
    address: String,
    #[serde(rename = "IaaSID")]
    iaas_id: String,
    /// The provisioner's data of the node and tsuru's metadata (keys prefixed `tsuru.io/`).
    #[serde(rename = "Metadata")]
    metadata: BTreeMap<String, String>,
    /// `Ready`, `Disabled`, `Invalid`, why it is not ready, or `ERROR: <err>` for the
    /// pseudo-node `<provisioner> nodes` of a provisioner that could not list.
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "Pool")]
    pool: String,
    #[serde(rename = "Provisioner")]
    provisioner: String,
}

impl From<Node> for NodeResponse {
    fn from(n: Node) -> Self {
        NodeResponse {
            address: n.address,
            iaas_id: n.iaas_id,
            metadata: n.metadata,
            status: n.status,
            pool: n.pool,
            provisioner: n.provisioner,
        }
    }
}

/// Nodes and IaaS machines (`null` for an empty list).
#[derive(Serialize, ToSchema)]
pub struct NodeListResponse {
    pub nodes: Option<Vec<NodeResponse>>,
    pub machines: Option<Vec<MachineResponse>>,
}

/// `Metadata.<key>=<value>`: nodes whose tsuru metadata has these values.
#[derive(Deserialize, IntoParams)]
pub struct NodeListQuery {
    #[serde(rename = "Metadata", default)]
    #[param(value_type = Object)]
    pub metadata: BTreeMap<String, String>,
}

/// A node to add: `Metadata.pool` (required), `Metadata.address` with `Register=true`,
/// else IaaS machine parameters (`Metadata.iaas`, `Metadata.template`, ...).
#[derive(Deserialize, ToSchema)]
pub struct AddNodeRequest {
    #[serde(rename = "Metadata", default)]
    pub metadata: BTreeMap<String, String>,
    /// Register an existing node at `Metadata.address` instead of creating a machine.
    #[serde(rename = "Register", default)]
    pub register: bool,
}

/// A node change: `Address`, `Metadata.<k>` (empty removes; `pool` moves the node), and
/// `Enable` or `Disable`.
#[derive(Deserialize, ToSchema)]
pub struct UpdateNodeRequest {
    #[serde(rename = "Address", default)]
    pub address: String,
    #[serde(rename = "Metadata", default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(rename = "Enable", default)]
    pub enable: bool,
    #[serde(rename = "Disable", default)]
    pub disable: bool,
}

/// `no-rebalance=true` removes without moving units away; `remove-iaas=true` also destroys
/// the machine under the node.
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct RemoveNodeQuery {
    #[serde(rename = "no-rebalance", default)]
    pub no_rebalance: bool,
    #[serde(rename = "remove-iaas", default)]
    pub remove_iaas: bool,
}

/// Health data of a node (zero values: no healer watches Kubernetes nodes).
#[derive(Serialize, ToSchema)]
pub struct NodeStatusResponse {
    #[serde(rename = "Address")]
    address: String,
    #[serde(rename = "Checks")]
    #[schema(value_type = Option<Vec<Object>>)]
    checks: Option<Vec<serde_json::Value>>,
    #[serde(rename = "LastSuccess")]
    last_success: &'static str,
    #[serde(rename = "LastUpdate")]
    last_update: &'static str,
}

impl Default for NodeStatusResponse {
    fn default() -> Self {
        NodeStatusResponse {
            address: String::new(),
            checks: None,
            last_success: "0001-01-01T00:00:00Z",
            last_update: "0001-01-01T00:00:00Z",
        }
    }
}

/// A node, its health data and the units on it.
#[derive(Serialize, ToSchema)]
pub struct NodeInfoResponse {
    pub node: NodeResponse,
    pub status: NodeStatusResponse,
    pub units: Vec<UnitResponse>,
}
