use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::permission::{Context, ContextType};
use crate::{Error, Result};

/// tsuru's text for an unknown service (404).
pub const SERVICE_NOT_FOUND: &str = "Service not found";
/// tsuru's text for a service id already taken (409).
pub const SERVICE_ALREADY_EXISTS: &str = "Service already exists.";
/// tsuru's text for an unknown instance (404).
pub const INSTANCE_NOT_FOUND: &str = "service instance not found";
/// tsuru's text for an instance name already taken in its service (409).
pub const INSTANCE_ALREADY_EXISTS: &str = "instance name already exists.";
/// tsuru's text for an invalid instance name (400).
pub const INVALID_INSTANCE_NAME: &str = "invalid service instance name";
/// tsuru's text for a service id that breaks the naming rule (400).
pub const INVALID_SERVICE_ID: &str = "Invalid service id, should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.";
/// tsuru's text for a service without id (400).
pub const SERVICE_ID_REQUIRED: &str = "Service id is required";
/// tsuru's text for a service without password (400).
pub const SERVICE_PASSWORD_REQUIRED: &str = "Service password is required";
/// tsuru's text for a service without endpoint (400).
pub const SERVICE_ENDPOINT_REQUIRED: &str = "At least one endpoint is required";
/// tsuru's text for a brokered name given to a registered-service operation (400).
pub const BROKERED_NOT_MANAGED: &str = "Brokered services are not managed.";
/// tsuru's text for an owner team that does not exist.
pub const TEAM_OWNER_MISSING: &str = "Team owner doesn't exist";
/// tsuru's text for removing a service that has instances (403).
pub const SERVICE_HAS_INSTANCES: &str = "This service cannot be removed because it has instances.\nPlease remove these instances before removing the service.";
/// tsuru's text for binding an app twice (409 here; tsuru: 500).
pub const APP_ALREADY_BOUND: &str = "app is already bound to this service instance";
/// tsuru's text for unbinding an app that is not bound (400 here; tsuru: 500).
pub const APP_NOT_BOUND: &str = "app is not bound to this service instance";
/// tsuru's text for an instance update that changes nothing (400).
pub const NOTHING_TO_UPDATE: &str = "Neither description, team owner, tags, plan nor plan parameters were set. You must define at least one.";
/// tsuru's text for revoking the owner team of an instance.
pub const CANNOT_REVOKE_OWNER: &str = "cannot revoke the instance's team owner access";
/// tsuru's text for an instance the service API does not know.
pub const INSTANCE_NOT_IN_API: &str = "instance does not exist in the service API";
/// tsuru's text for an instance the service API knows already.
pub const INSTANCE_EXISTS_IN_API: &str = "instance already exists in the service API";
/// tsuru's text for a bind the service API refuses with 412.
pub const INSTANCE_NOT_READY: &str = "instance is not ready yet";
/// tsuru's text for an unknown broker.
pub const BROKER_NOT_FOUND: &str = "service broker not found";
/// tsuru's text for a broker name already taken (409).
pub const BROKER_ALREADY_EXISTS: &str = "Broker already exists.";
/// tsuru's text for an empty broker name in the path (400).
pub const EMPTY_BROKER_NAME: &str = "Empty broker name.";
/// tsuru's text for binding an app whose pool allows no service at all (400).
pub const NO_SERVICE_FOR_POOL: &str = "no service found for pool";
/// tsuru's prefix of an app unbind failure while the app is removed.
pub const UNBIND_FAILED: &str = "Failed to unbind the following instances:";

/// tsuru's text for a multi-cluster instance in a pool that does not allow its service (400).
pub fn service_not_in_pool(service: &str, pool: &str) -> String {
    format!("Service {service:?} is not available in pool {pool:?}")
}

/// tsuru's text for binding an app whose pool does not allow the service (400), with the
/// services the pool allows.
pub fn service_not_available_for_pool(service: &str, pool: &str, available: &[String]) -> String {
    let mut msg = format!("service {service:?} is not available for pool {pool:?}.");
    if !available.is_empty() {
        msg.push_str(&format!(" Available services are: {:?}", available.join(", ")));
    }
    msg
}

/// Separator of brokered service names (`<broker>::<service>`).
pub const BROKER_SEPARATOR: &str = "::";
/// The endpoint used when the instance's cluster has none of its own.
pub const PRODUCTION: &str = "production";
/// `managed_by` of the app variables a bind sets: `tsuru-service/<service>/<instance>`.
pub const ENV_MANAGER_PREFIX: &str = "tsuru-service/";

static INSTANCE_NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][-a-zA-Z0-9_]+$").expect("static regex"));

/// Validates an instance name (`^[A-Za-z][-a-zA-Z0-9_]+$`).
///
/// # Errors
/// 400 [`INVALID_INSTANCE_NAME`].
pub fn validate_instance_name(name: &str) -> Result<()> {
    if INSTANCE_NAME_RE.is_match(name) {
        Ok(())
    } else {
        Err(Error::bad_request(INVALID_INSTANCE_NAME))
    }
}

/// The `managed_by` of the variables bound from `service`/`instance`.
pub fn env_manager(service: &str, instance: &str) -> String {
    format!("{ENV_MANAGER_PREFIX}{service}/{instance}")
}

/// Splits a brokered service name into (broker, catalog name).
pub fn split_brokered(name: &str) -> Option<(&str, &str)> {
    name.split_once(BROKER_SEPARATOR)
}

/// A service (tsuru collection `services`), or a brokered one synthesized from a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Service {
    /// Name (tsuru's service id).
    pub name: String,
    /// User of the basic auth sent to the service API (empty: the name).
    pub username: String,
    /// Password of that basic auth: write-only, never rendered.
    pub password: String,
    /// Service API URL per cluster name, and `production`.
    pub endpoints: BTreeMap<String, String>,
    /// Teams that own it.
    pub owner_teams: Vec<String>,
    /// Teams allowed to use it when restricted.
    pub teams: Vec<String>,
    /// Documentation text.
    pub doc: String,
    /// Whether only `teams` may use it.
    pub is_restricted: bool,
    /// Whether instances belong to a pool.
    pub is_multi_cluster: bool,
    /// The broker it comes from (brokered services only).
    pub broker: Option<Broker>,
}

impl Service {
    /// The contexts service permissions are checked against: owner teams and itself.
    pub fn owner_contexts(&self) -> Vec<Context> {
        let mut out: Vec<Context> = self.owner_teams.iter().map(Context::team).collect();
        out.push(Context::new(ContextType::Service, &self.name));
        out
    }

    /// The contexts of read checks on a restricted service: its teams and itself.
    pub fn team_contexts(&self) -> Vec<Context> {
        let mut out: Vec<Context> = self.teams.iter().map(Context::team).collect();
        out.push(Context::new(ContextType::Service, &self.name));
        out
    }

    /// The basic-auth user sent to the service API.
    pub fn api_user(&self) -> &str {
        if self.username.is_empty() {
            &self.name
        } else {
            &self.username
        }
    }
}

/// What an Open Service Broker keeps about an instance (tsuru `broker_data`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BrokerData {
    /// Instance id at the broker.
    #[serde(rename = "UUID")]
    pub uuid: String,
    /// Catalog service id.
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    /// Catalog plan id.
    #[serde(rename = "PlanID")]
    pub plan_id: String,
    /// Organization GUID sent at provision.
    #[serde(rename = "OrgID")]
    pub org_id: String,
    /// Space GUID sent at provision.
    #[serde(rename = "SpaceID")]
    pub space_id: String,
    /// Operation of the last asynchronous call.
    #[serde(rename = "LastOperationKey")]
    pub last_operation_key: String,
    /// Bindings per app.
    #[serde(rename = "Binds")]
    pub binds: BTreeMap<String, BrokerBind>,
}

/// Parameters of an instance or a binding as stored: tsuru keeps any JSON value (numbers,
/// booleans, objects from a broker's schema), clients send strings.
pub type Parameters = BTreeMap<String, serde_json::Value>;

/// Parameters as clients send them (`parameters.<key>=<value>`), as stored.
pub fn string_parameters(p: BTreeMap<String, String>) -> Parameters {
    p.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect()
}

/// A parameter as text (for form bodies and custom info): strings as they are, anything else
/// as JSON.
pub fn parameter_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One binding at a broker.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BrokerBind {
    /// Binding id.
    #[serde(rename = "UUID")]
    pub uuid: String,
    /// Operation of an asynchronous bind.
    #[serde(rename = "OperationKey")]
    pub operation_key: String,
    /// Parameters sent.
    #[serde(rename = "Parameters")]
    pub parameters: Parameters,
}

/// A service instance (tsuru collection `service_instances`, key (service, name)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceInstance {
    /// Name, unique within the service.
    pub name: String,
    /// Legacy numeric id (0: the name identifies it at the service API).
    pub id: i64,
    /// Service name.
    pub service_name: String,
    /// Plan name.
    pub plan_name: String,
    /// Apps bound.
    pub apps: Vec<String>,
    /// Jobs bound.
    pub jobs: Vec<String>,
    /// Teams with access (the owner included).
    pub teams: Vec<String>,
    /// Owner team.
    pub team_owner: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Plan parameters.
    pub parameters: Parameters,
    /// Pool (multi-cluster services).
    pub pool: String,
    /// Broker bookkeeping (brokered services).
    pub broker_data: Option<BrokerData>,
}

impl ServiceInstance {
    /// The contexts instance permissions are checked against: its teams and
    /// `service-instance:<service>/<name>`.
    pub fn contexts(&self) -> Vec<Context> {
        let mut out: Vec<Context> = self.teams.iter().map(Context::team).collect();
        out.push(Context::new(
            ContextType::ServiceInstance,
            format!("{}/{}", self.service_name, self.name),
        ));
        out
    }

    /// The identifier sent to service APIs: the legacy id when set, else the name.
    pub fn api_id(&self) -> String {
        if self.id != 0 {
            self.id.to_string()
        } else {
            self.name.clone()
        }
    }
}

/// A plan a service offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServicePlan {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// OSB schemas (brokered services).
    pub schemas: Option<serde_json::Value>,
}

/// A service of a broker's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogService {
    /// Catalog id.
    pub id: String,
    /// Name (the tsuru name is `<broker>::<name>`).
    pub name: String,
    /// Description (the service's doc).
    pub description: String,
    /// Plans with their catalog ids.
    pub plans: Vec<(String, ServicePlan)>,
}

/// How tsurud authenticates to a broker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BrokerAuth {
    /// Basic auth (user, password).
    pub basic: Option<(String, String)>,
    /// Bearer token.
    pub bearer: Option<String>,
}

/// An Open Service Broker (tsuru collection `service_broker`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Broker {
    /// Unique name (the prefix of its services' names).
    pub name: String,
    /// Base URL.
    pub url: String,
    /// Credentials: write-only, never rendered.
    pub auth: BrokerAuth,
    /// Skip TLS verification.
    pub insecure: bool,
    /// Entries merged into every OSB `context` object.
    pub context: BTreeMap<String, String>,
    /// How long the catalog is cached, in seconds (0: the default hour).
    pub cache_expiration_seconds: i64,
}

/// What the service API learns about the caller, the event and the instance's pool on a call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallInfo {
    /// Event owner name (`X-Tsuru-User`).
    pub user: String,
    /// Event id (`X-Tsuru-Eventid`).
    pub event_id: String,
    /// The pool of the instance (multi-cluster services), or the pool a plan list is for:
    /// the service API endpoint is the one named after its cluster, and the pool and cluster
    /// travel as `X-Tsuru-Pool-*` / `X-Tsuru-Cluster-*` headers.
    pub pool: Option<Placement>,
}

/// A pool and the cluster that serves it, as service APIs learn them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Pool name.
    pub pool: String,
    /// The pool's provisioner, as stored (`""`: the default one).
    pub provisioner: String,
    /// The cluster serving the pool, if any.
    pub cluster: Option<ClusterPlacement>,
}

/// The cluster part of a [`Placement`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterPlacement {
    /// Cluster name (also the name of the service endpoint preferred for it).
    pub name: String,
    /// Cluster provisioner.
    pub provisioner: String,
    /// API server addresses.
    pub addresses: Vec<String>,
    /// The cluster's kubeconfig as JSON, when its custom data says
    /// `propagate-kubeconfig=true` (sent as `X-Tsuru-Cluster-Kube-Config`).
    pub kube_config: Option<String>,
}

impl Placement {
    /// The service endpoints tried for this placement, in order: the cluster's name, then
    /// [`PRODUCTION`].
    pub fn endpoint_names(placement: Option<&Placement>) -> Vec<&str> {
        let mut names: Vec<&str> = placement
            .and_then(|p| p.cluster.as_ref())
            .map(|c| vec![c.name.as_str()])
            .unwrap_or_default();
        names.push(PRODUCTION);
        names
    }
}

/// The app side of a bind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BindApp {
    /// App name.
    pub name: String,
    /// External addresses.
    pub hosts: Vec<String>,
    /// The app's pool and its cluster (`None` when the pool is gone).
    pub placement: Option<Placement>,
    /// Bind parameters.
    pub parameters: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names() {
        for ok in ["my-db", "a1", "DB_2"] {
            assert!(validate_instance_name(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "1db", "my db", "", "-x"] {
            assert!(validate_instance_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn brokered_names_split_at_the_first_separator() {
        assert_eq!(split_brokered("b::svc"), Some(("b", "svc")));
        assert_eq!(split_brokered("b::s::t"), Some(("b", "s::t")));
        assert_eq!(split_brokered("plain"), None);
    }

    #[test]
    fn the_endpoint_of_a_cluster_comes_before_production() {
        let in_c1 = Placement {
            pool: "p1".into(),
            cluster: Some(ClusterPlacement { name: "c1".into(), ..ClusterPlacement::default() }),
            ..Placement::default()
        };
        assert_eq!(Placement::endpoint_names(Some(&in_c1)), ["c1", "production"]);
        let no_cluster = Placement { pool: "p2".into(), ..Placement::default() };
        assert_eq!(Placement::endpoint_names(Some(&no_cluster)), ["production"]);
        assert_eq!(Placement::endpoint_names(None), ["production"]);
    }

    #[test]
    fn a_pool_refusing_a_service_names_the_ones_it_allows() {
        assert_eq!(
            service_not_available_for_pool("mysql", "p2", &["redis".into(), "mc".into()]),
            "service \"mysql\" is not available for pool \"p2\". Available services are: \"redis, mc\""
        );
        assert_eq!(
            service_not_available_for_pool("mysql", "p2", &[]),
            "service \"mysql\" is not available for pool \"p2\"."
        );
    }

    #[test]
    fn the_api_id_is_the_legacy_id_when_set() {
        let mut i = ServiceInstance { name: "db".into(), ..Default::default() };
        assert_eq!(i.api_id(), "db");
        i.id = 7;
        assert_eq!(i.api_id(), "7");
    }
}

crate::records::named!(Service, name, SERVICE_ALREADY_EXISTS, SERVICE_NOT_FOUND);

crate::records::named!(Broker, name, BROKER_ALREADY_EXISTS, BROKER_NOT_FOUND);
