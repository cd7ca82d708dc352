//! Wire types of `/services`: services, instances, bindings. Service passwords are read, never
//! rendered.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::service::{
    InstanceInfo, InstanceListEntry, ServiceInfoEntry, ServiceInstance, ServicePlan,
};
use utoipa::{IntoParams, ToSchema};

/// A service definition (`tsuru service create` sends its manifest's fields).
#[derive(Deserialize, ToSchema)]
pub struct ServiceRequest {
    /// Service id (name): lower-case letters, digits and dashes.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub username: String,
    /// Write-only.
    #[serde(default)]
    pub password: String,
    /// The `production` endpoint.
    #[serde(default)]
    pub endpoint: String,
    /// Endpoints per cluster name.
    #[serde(default)]
    pub endpoints: BTreeMap<String, String>,
    /// Owner team (default: the caller's only team).
    #[serde(default)]
    pub team: String,
    #[serde(rename = "multi-cluster", default)]
    pub multi_cluster: bool,
}

/// `doc`: the documentation text.
#[derive(Deserialize, ToSchema)]
pub struct DocRequest {
    #[serde(default)]
    pub doc: String,
}

/// Tag filter (repeated `tag`).
#[derive(Deserialize, IntoParams)]
pub struct TagQuery {
    #[serde(default)]
    pub tag: Vec<String>,
}

/// Instance filters: bound `app`, every `tag`.
#[derive(Deserialize, IntoParams)]
pub struct InstanceQuery {
    #[serde(default)]
    pub app: String,
    #[serde(default)]
    pub tag: Vec<String>,
}

/// `pool` (multi-cluster services).
#[derive(Deserialize, IntoParams)]
pub struct PlansQuery {
    #[serde(default)]
    pub pool: String,
}

/// A new instance. Form keys: `name`, `plan`, `owner`, `description`, `pool`, `tag`
/// (repeated), `parameters.<key>`; JSON keys `plan_name`, `team_owner` and `tags` too.
#[derive(Deserialize, ToSchema)]
pub struct CreateInstanceRequest {
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z][-a-zA-Z0-9_]+$")]
    pub name: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default, alias = "plan_name")]
    pub planname: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, alias = "team_owner")]
    pub teamowner: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub tag: Vec<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub pool: String,
}

/// An instance's new fields: a full replacement (fields left out become empty).
#[derive(Deserialize, ToSchema)]
pub struct UpdateInstanceRequest {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default, alias = "team_owner")]
    pub teamowner: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub tag: Vec<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// `unbindall` unbinds every app first; `ignoreerrors` removes the instance even when the
/// service API fails.
#[derive(Deserialize, IntoParams)]
pub struct RemoveInstanceQuery {
    #[serde(default)]
    pub unbindall: bool,
    #[serde(default)]
    pub ignoreerrors: bool,
}

/// Bind options.
#[derive(Deserialize, ToSchema)]
pub struct BindRequest {
    #[serde(rename = "noRestart", default)]
    pub no_restart: bool,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// Unbind options.
#[derive(Deserialize, IntoParams)]
pub struct UnbindQuery {
    #[serde(rename = "noRestart", default)]
    pub no_restart: bool,
    /// Unbind even when the service API fails.
    #[serde(default)]
    pub force: bool,
}

/// An instance in lists.
#[derive(Serialize, ToSchema)]
pub struct InstanceResponse {
    pub name: String,
    pub id: i64,
    pub service_name: String,
    pub plan_name: String,
    pub apps: Vec<String>,
    pub jobs: Vec<String>,
    pub teams: Vec<String>,
    pub team_owner: String,
    pub description: String,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, serde_json::Value>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pool: String,
}

impl From<ServiceInstance> for InstanceResponse {
    fn from(i: ServiceInstance) -> Self {
        InstanceResponse {
            name: i.name,
            id: i.id,
            service_name: i.service_name,
            plan_name: i.plan_name,
            apps: i.apps,
            jobs: i.jobs,
            teams: i.teams,
            team_owner: i.team_owner,
            description: i.description,
            tags: i.tags,
            parameters: i.parameters,
            pool: i.pool,
        }
    }
}

/// One service of a list, with its instances.
#[derive(Serialize, ToSchema)]
pub struct ServiceListResponse {
    pub service: String,
    /// Instance names.
    pub instances: Option<Vec<String>>,
    /// Plan name per instance (instance lists only).
    pub plans: Option<Vec<String>>,
    pub service_instances: Option<Vec<InstanceResponse>>,
}

impl ServiceListResponse {
    /// An entry of `GET /services`: names and partial instances, no plans.
    pub fn of_services(e: InstanceListEntry) -> Self {
        let names: Vec<String> = e.instances.iter().map(|i| i.name.clone()).collect();
        let partial: Vec<InstanceResponse> = e
            .instances
            .into_iter()
            .map(|i| InstanceResponse {
                name: i.name,
                id: 0,
                service_name: i.service_name,
                plan_name: String::new(),
                apps: Vec::new(),
                jobs: Vec::new(),
                teams: Vec::new(),
                team_owner: String::new(),
                description: String::new(),
                tags: i.tags,
                parameters: BTreeMap::new(),
                pool: String::new(),
            })
            .collect();
        ServiceListResponse {
            service: e.service.name,
            instances: (!names.is_empty()).then_some(names),
            plans: None,
            service_instances: (!partial.is_empty()).then_some(partial),
        }
    }

    /// An entry of `GET /services/instances`.
    pub fn of_instances(e: InstanceListEntry) -> Self {
        let names: Vec<String> = e.instances.iter().map(|i| i.name.clone()).collect();
        let plans: Vec<String> = e.instances.iter().map(|i| i.plan_name.clone()).collect();
        let full: Vec<InstanceResponse> =
            e.instances.into_iter().map(InstanceResponse::from).collect();
        ServiceListResponse {
            service: e.service.name,
            instances: Some(names),
            plans: (!plans.is_empty()).then_some(plans),
            service_instances: (!full.is_empty()).then_some(full),
        }
    }
}

/// One instance of `GET /services/{service}` with its custom information.
#[derive(Serialize, ToSchema)]
pub struct ServiceInfoResponse {
    #[serde(rename = "Id")]
    pub id: i64,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Pool")]
    pub pool: String,
    #[serde(rename = "Teams")]
    pub teams: Vec<String>,
    #[serde(rename = "PlanName")]
    pub plan_name: String,
    #[serde(rename = "Apps")]
    pub apps: Vec<String>,
    #[serde(rename = "Jobs")]
    pub jobs: Vec<String>,
    #[serde(rename = "ServiceName")]
    pub service_name: String,
    #[serde(rename = "Info")]
    pub info: Option<BTreeMap<String, String>>,
    #[serde(rename = "TeamOwner")]
    pub team_owner: String,
}

impl From<ServiceInfoEntry> for ServiceInfoResponse {
    fn from(e: ServiceInfoEntry) -> Self {
        let i = e.instance;
        ServiceInfoResponse {
            id: i.id,
            name: i.name,
            pool: i.pool,
            teams: i.teams,
            plan_name: i.plan_name,
            apps: i.apps,
            jobs: i.jobs,
            service_name: i.service_name,
            info: e.info,
            team_owner: i.team_owner,
        }
    }
}

/// A plan of a service.
#[derive(Serialize, ToSchema)]
pub struct PlanResponse {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Description")]
    pub description: String,
    /// OSB schemas (brokered services).
    #[serde(rename = "Schemas", skip_serializing_if = "Option::is_none")]
    pub schemas: Option<serde_json::Value>,
}

impl From<ServicePlan> for PlanResponse {
    fn from(p: ServicePlan) -> Self {
        PlanResponse { name: p.name, description: p.description, schemas: p.schemas }
    }
}

/// An instance with its plan description and what the service API says about it.
#[derive(Serialize, ToSchema)]
pub struct InstanceInfoResponse {
    #[serde(rename = "Apps")]
    pub apps: Vec<String>,
    #[serde(rename = "Jobs")]
    pub jobs: Vec<String>,
    #[serde(rename = "Teams")]
    pub teams: Vec<String>,
    #[serde(rename = "TeamOwner")]
    pub team_owner: String,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "PlanName")]
    pub plan_name: String,
    #[serde(rename = "PlanDescription")]
    pub plan_description: String,
    #[serde(rename = "Pool")]
    pub pool: String,
    #[serde(rename = "CustomInfo")]
    pub custom_info: BTreeMap<String, String>,
    #[serde(rename = "Tags")]
    pub tags: Vec<String>,
    #[serde(rename = "Parameters")]
    pub parameters: BTreeMap<String, serde_json::Value>,
}

impl From<InstanceInfo> for InstanceInfoResponse {
    fn from(info: InstanceInfo) -> Self {
        let i = info.instance;
        InstanceInfoResponse {
            apps: i.apps,
            jobs: i.jobs,
            teams: i.teams,
            team_owner: i.team_owner,
            description: i.description,
            plan_name: i.plan_name,
            plan_description: info.plan_description,
            pool: i.pool,
            custom_info: info.custom_info,
            tags: i.tags,
            parameters: i.parameters,
        }
    }
}
