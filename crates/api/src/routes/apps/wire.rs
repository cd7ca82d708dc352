//! Wire types of `/apps`: the app list and info, units, env vars and the request bodies.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::app::{AppInfo, EnvVar, MetadataItem};
use tsuru_domain::plan::Plan;
use tsuru_domain::provision::Unit;
use tsuru_domain::router::Routers;
use utoipa::{IntoParams, ToSchema};

use crate::extract::lenient_string;
use crate::json::{go_time, ZERO_TIME};
use crate::routes::teams::wire::QuotaResponse;
use crate::routes::volumes::wire::BindResponse;

/// A label or annotation; `delete` (on update) removes it.
#[derive(Deserialize, ToSchema)]
pub struct MetadataItemRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub delete: bool,
}

/// `labels` and `annotations`.
#[derive(Deserialize, ToSchema, Default)]
pub struct MetadataRequest {
    #[serde(default)]
    pub labels: Vec<MetadataItemRequest>,
    #[serde(default)]
    pub annotations: Vec<MetadataItemRequest>,
}

/// A new app: empty fields get defaults (the caller's only team, the default pool and plan).
#[derive(Deserialize, ToSchema)]
pub struct CreateAppRequest {
    #[serde(default)]
    #[schema(pattern = r"^[a-z][a-z0-9-]{0,39}$")]
    pub name: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub plan: String,
    #[serde(rename = "teamOwner", default)]
    pub team_owner: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub pool: String,
    #[serde(default)]
    pub router: String,
    #[serde(default)]
    pub routeropts: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// tsuru's older spelling of `tags`.
    #[serde(default)]
    pub tag: Vec<String>,
    #[serde(default)]
    pub metadata: MetadataRequest,
}

/// Memory and CPU overrides of the app's plan.
#[derive(Deserialize, ToSchema, Default)]
pub struct PlanOverrideRequest {
    pub memory: Option<i64>,
    pub cpumilli: Option<i64>,
}

/// What to change on an app; empty fields stay as they are.
#[derive(Deserialize, ToSchema)]
pub struct UpdateAppRequest {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// tsuru's older spelling of `tags`.
    #[serde(default)]
    pub tag: Vec<String>,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub planoverride: PlanOverrideRequest,
    #[serde(default)]
    pub pool: String,
    #[serde(rename = "teamOwner", default)]
    pub team_owner: String,
    #[serde(default)]
    pub platform: String,
    #[serde(rename = "imageReset", default)]
    pub image_reset: bool,
    #[serde(rename = "noRestart", default)]
    pub no_restart: bool,
    #[serde(default)]
    pub metadata: MetadataRequest,
    #[serde(default)]
    pub router: String,
    #[serde(default)]
    pub routeropts: BTreeMap<String, String>,
}

/// Filters of the app list.
#[derive(Deserialize, IntoParams)]
pub struct AppListQuery {
    /// A regular expression over app names.
    pub name: Option<String>,
    /// `name` or `name:version`.
    pub platform: Option<String>,
    #[serde(rename = "teamOwner", default)]
    pub team_owner: Option<String>,
    pub owner: Option<String>,
    pub pool: Option<String>,
    #[serde(default)]
    pub tag: Vec<String>,
    /// Unit states, repeated or comma-separated.
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub simplified: bool,
    #[serde(default)]
    pub extended: bool,
    #[serde(default)]
    pub locked: bool,
}

/// One variable to set.
#[derive(Deserialize, ToSchema)]
pub struct EnvVarRequest {
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub value: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub alias: String,
    #[serde(default)]
    pub private: bool,
}

/// Variables to set (`Envs.N.Name`, `Envs.N.Value`, ...).
#[derive(Deserialize, ToSchema)]
pub struct SetEnvRequest {
    #[serde(rename = "Envs", default)]
    pub envs: Vec<EnvVarRequest>,
    #[serde(rename = "ManagedBy", default)]
    pub managed_by: String,
    #[serde(rename = "NoRestart", default)]
    pub no_restart: bool,
    #[serde(rename = "Private", default)]
    pub private: bool,
    #[serde(rename = "PruneUnused", default)]
    pub prune_unused: bool,
}

/// `env`: variable names.
#[derive(Deserialize, IntoParams)]
pub struct EnvQuery {
    #[serde(default)]
    pub env: Vec<String>,
}

/// `env` (names) and `noRestart`.
#[derive(Deserialize, IntoParams)]
pub struct UnsetEnvQuery {
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(rename = "noRestart", default)]
    pub no_restart: bool,
}

/// `process` and `version` (empty: all), of restart, start and stop.
#[derive(Deserialize, ToSchema)]
pub struct RestartRequest {
    #[serde(default, deserialize_with = "lenient_string")]
    pub process: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: String,
}

/// A deploy: `image` (builds from `file`, `archive-url` or `dockerfile` are refused), with
/// `origin`, `message`, `commit` and an optional `procfile` (`name: command` lines).
#[derive(Deserialize, ToSchema)]
pub struct DeployRequest {
    /// Image to run.
    #[serde(default, deserialize_with = "lenient_string")]
    pub image: String,
    /// `image`, `app-deploy`, `git`, `rollback`...
    #[serde(default, deserialize_with = "lenient_string")]
    pub origin: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub commit: String,
    /// Processes, as a Procfile; empty: `web` runs the image's own command on port 8888.
    #[serde(default, deserialize_with = "lenient_string")]
    pub procfile: String,
    /// Refused (builds are not supported).
    #[serde(rename = "archive-url", default, deserialize_with = "lenient_string")]
    pub archive_url: String,
    /// Refused (builds are not supported).
    #[serde(default, deserialize_with = "lenient_string")]
    pub dockerfile: String,
    /// Refused (one version runs at a time). `override-versions` is accepted and changes
    /// nothing: a deploy always replaces the versions running.
    #[serde(rename = "new-version", default)]
    pub new_version: bool,
}

/// A rollback: `image` (or `v<N>`) of an earlier successful deploy.
#[derive(Deserialize, ToSchema)]
pub struct RollbackRequest {
    #[serde(default, deserialize_with = "lenient_string")]
    pub image: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: String,
}

/// Units to add (`PUT` body) or remove (`DELETE` query): how many, of which process
/// (empty: the only one) and version (empty: the one deployed).
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct UnitsRequest {
    #[serde(default, deserialize_with = "lenient_string")]
    pub units: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub process: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: String,
}

/// A plan's overrides (on an app's copy); `null` when not overridden.
#[derive(Serialize, ToSchema)]
pub struct PlanOverrideResponse {
    #[schema(required = true)]
    memory: Option<i64>,
    #[schema(required = true)]
    cpumilli: Option<i64>,
}

/// A plan: `default` only when true.
#[derive(Serialize, ToSchema)]
pub struct PlanResponse {
    name: String,
    /// Bytes (0: no limit).
    #[schema(minimum = 0)]
    memory: i64,
    #[schema(minimum = 0)]
    cpumilli: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    default: bool,
    #[serde(rename = "override")]
    plan_override: PlanOverrideResponse,
    /// On an app's plan: the app's first router.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    router: Option<String>,
}

impl PlanResponse {
    /// A plan as tsuru writes it.
    pub fn new(p: &Plan) -> Self {
        PlanResponse {
            name: p.name.clone(),
            memory: p.memory,
            cpumilli: p.cpumilli,
            default: p.default,
            plan_override: PlanOverrideResponse {
                memory: p.r#override.memory,
                cpumilli: p.r#override.cpumilli,
            },
            router: None,
        }
    }
}

/// A Go `net/url.URL`.
#[derive(Serialize, ToSchema)]
pub struct UrlResponse {
    #[serde(rename = "Scheme")]
    scheme: &'static str,
    #[serde(rename = "Opaque")]
    opaque: &'static str,
    #[serde(rename = "User")]
    #[schema(required = true, value_type = Option<Object>)]
    user: Option<()>,
    #[serde(rename = "Host")]
    host: String,
    #[serde(rename = "Path")]
    path: &'static str,
    #[serde(rename = "RawPath")]
    raw_path: &'static str,
    #[serde(rename = "OmitHost")]
    omit_host: bool,
    #[serde(rename = "ForceQuery")]
    force_query: bool,
    #[serde(rename = "RawQuery")]
    raw_query: &'static str,
    #[serde(rename = "Fragment")]
    fragment: &'static str,
    #[serde(rename = "RawFragment")]
    raw_fragment: &'static str,
}

impl UrlResponse {
    /// `http://<host>`.
    fn http(host: &str) -> Self {
        UrlResponse {
            scheme: "http",
            opaque: "",
            user: None,
            host: host.to_string(),
            path: "",
            raw_path: "",
            omit_host: false,
            force_query: false,
            raw_query: "",
            fragment: "",
            raw_fragment: "",
        }
    }
}

/// A unit (tsuru's capitalised keys).
#[derive(Serialize, ToSchema)]
pub struct UnitResponse {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "AppName")]
    app_name: String,
    #[serde(rename = "ProcessName")]
    process_name: String,
    #[serde(rename = "Type")]
    unit_type: String,
    #[serde(rename = "IP")]
    ip: String,
    #[serde(rename = "InternalIP")]
    internal_ip: String,
    #[serde(rename = "Status")]
    status: &'static str,
    #[serde(rename = "StatusReason")]
    status_reason: String,
    #[serde(rename = "Address")]
    #[schema(required = true)]
    address: Option<UrlResponse>,
    #[serde(rename = "Addresses")]
    #[schema(required = true)]
    addresses: Option<Vec<UrlResponse>>,
    #[serde(rename = "Version")]
    version: i64,
    #[serde(rename = "Routable")]
    routable: bool,
    #[serde(rename = "Restarts")]
    restarts: i64,
    #[serde(rename = "CreatedAt")]
    created_at: String,
    #[serde(rename = "Ready")]
    ready: bool,
    #[serde(rename = "HostAddr")]
    host_addr: String,
    #[serde(rename = "HostPort")]
    host_port: String,
}

impl From<&Unit> for UnitResponse {
    fn from(u: &Unit) -> Self {
        let (host_addr, host_port) = u
            .address
            .as_deref()
            .and_then(|a| a.rsplit_once(':'))
            .map_or((String::new(), String::new()), |(h, p)| (h.to_string(), p.to_string()));
        UnitResponse {
            id: u.id.clone(),
            name: u.name.clone(),
            app_name: u.app_name.clone(),
            process_name: u.process_name.clone(),
            unit_type: u.unit_type.clone(),
            ip: u.ip.clone(),
            internal_ip: u.internal_ip.clone(),
            status: u.status.as_str(),
            status_reason: u.status_reason.clone(),
            address: u.address.as_deref().map(UrlResponse::http),
            addresses: u.address.as_deref().map(|a| vec![UrlResponse::http(a)]),
            version: u.version,
            routable: u.routable,
            restarts: u.restarts,
            created_at: go_time(&u.created_at),
            ready: u.ready,
            host_addr,
            host_port,
        }
    }
}

/// An app's lock (never held here).
#[derive(Serialize, ToSchema)]
pub struct LockResponse {
    #[serde(rename = "Locked")]
    locked: bool,
    #[serde(rename = "Reason")]
    reason: &'static str,
    #[serde(rename = "Owner")]
    owner: &'static str,
    #[serde(rename = "AcquireDate")]
    acquire_date: &'static str,
}

const NO_LOCK: LockResponse =
    LockResponse { locked: false, reason: "", owner: "", acquire_date: ZERO_TIME };

/// `{"name","value"}`.
#[derive(Serialize, ToSchema)]
pub struct MetadataItemResponse {
    name: String,
    value: String,
}

/// Labels and annotations, `[]` when none.
#[derive(Serialize, ToSchema)]
pub struct MetadataResponse {
    labels: Vec<MetadataItemResponse>,
    annotations: Vec<MetadataItemResponse>,
}

/// The items, or none when they are not `shown` (the list without `extended`).
fn metadata_items(list: &[MetadataItem], shown: bool) -> Vec<MetadataItemResponse> {
    if !shown {
        return Vec::new();
    }
    list.iter()
        .map(|i| MetadataItemResponse { name: i.name.clone(), value: i.value.clone() })
        .collect()
}

/// A router of an app.
#[derive(Serialize, ToSchema)]
pub struct AppRouterResponse {
    name: String,
    opts: BTreeMap<String, String>,
    address: String,
    #[schema(required = true)]
    addresses: Option<Vec<String>>,
    #[serde(rename = "type")]
    router_type: String,
    status: &'static str,
}

fn app_routers(info: &AppInfo, routers: &Routers) -> Vec<AppRouterResponse> {
    info.app
        .routers
        .iter()
        .map(|r| {
            let address = info
                .addresses
                .iter()
                .find(|(n, _)| n == &r.name)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
            AppRouterResponse {
                name: r.name.clone(),
                opts: r.opts.clone(),
                addresses: (!address.is_empty()).then(|| vec![address.clone()]),
                address,
                router_type: routers.find(&r.name).map(|d| d.rtype.clone()).unwrap_or_default(),
                status: "ready",
            }
        })
        .collect()
}

/// An app in `GET /1.0/apps` (the field order of tsuru's mini app); `platform`,
/// `description` and real `metadata` only with `extended`. Empty lists are `[]`, as tsuru
/// writes them.
#[derive(Serialize, ToSchema)]
pub struct AppItemResponse {
    name: String,
    pool: String,
    teamowner: String,
    plan: PlanResponse,
    units: Vec<UnitResponse>,
    cname: Vec<String>,
    ip: String,
    routers: Vec<AppRouterResponse>,
    lock: LockResponse,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    description: Option<String>,
    metadata: MetadataResponse,
}

impl AppItemResponse {
    /// An app of the list; `extended` adds platform, description and metadata.
    pub fn new(info: &AppInfo, routers: &Routers, extended: bool) -> Self {
        let app = &info.app;
        AppItemResponse {
            name: app.name.clone(),
            pool: app.pool.clone(),
            teamowner: app.team_owner.clone(),
            plan: PlanResponse::new(&app.plan),
            units: info.units.iter().map(UnitResponse::from).collect(),
            cname: app.cname.clone(),
            ip: info.addresses.first().map(|(_, a)| a.clone()).unwrap_or_default(),
            routers: app_routers(info, routers),
            lock: NO_LOCK,
            tags: app.tags.clone(),
            error: (!info.errors.is_empty()).then(|| info.errors.join("\n")),
            platform: (extended && !app.platform.is_empty()).then(|| app.platform_label()),
            description: (extended && !app.description.is_empty()).then(|| app.description.clone()),
            metadata: MetadataResponse {
                labels: metadata_items(&app.metadata.labels, extended),
                annotations: metadata_items(&app.metadata.annotations, extended),
            },
        }
    }
}

/// `GET /1.0/apps/{app}` (keys sorted, as tsuru's map); `ip`, `router` and `routeropts` when
/// the app has a router.
#[derive(Serialize, ToSchema)]
pub struct AppResponse {
    cname: Vec<String>,
    deploys: i64,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    ip: Option<String>,
    lock: LockResponse,
    metadata: MetadataResponse,
    name: String,
    owner: String,
    plan: PlanResponse,
    platform: String,
    pool: String,
    provisioner: String,
    quota: QuotaResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    router: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    routeropts: Option<BTreeMap<String, String>>,
    routers: Vec<AppRouterResponse>,
    #[serde(rename = "serviceInstanceBinds")]
    #[schema(value_type = Vec<Object>)]
    service_instance_binds: [(); 0],
    tags: Vec<String>,
    teamowner: String,
    teams: Vec<String>,
    units: Vec<UnitResponse>,
    /// The app's volume binds; only when it has some.
    #[serde(rename = "volumeBinds", skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    volume_binds: Vec<BindResponse>,
}

impl AppResponse {
    /// App info, as tsuru's `App.MarshalJSON`.
    pub fn new(info: &AppInfo, routers: &Routers) -> Self {
        let app = &info.app;
        let first = app.routers.first();
        let mut plan = PlanResponse::new(&app.plan);
        plan.router = first.map(|r| r.name.clone());
        AppResponse {
            cname: app.cname.clone(),
            deploys: app.deploys,
            description: app.description.clone(),
            error: (!info.errors.is_empty()).then(|| info.errors.join("\n")),
            ip: first.map(|_| info.addresses.first().map(|(_, a)| a.clone()).unwrap_or_default()),
            lock: NO_LOCK,
            metadata: MetadataResponse {
                labels: metadata_items(&app.metadata.labels, true),
                annotations: metadata_items(&app.metadata.annotations, true),
            },
            name: app.name.clone(),
            owner: app.owner.clone(),
            plan,
            platform: app.platform_label(),
            pool: app.pool.clone(),
            provisioner: info.provisioner.clone(),
            quota: info.quota.into(),
            router: first.map(|r| r.name.clone()),
            routeropts: first.map(|r| r.opts.clone()),
            routers: app_routers(info, routers),
            service_instance_binds: [],
            tags: app.tags.clone(),
            teamowner: app.team_owner.clone(),
            teams: app.teams.clone(),
            units: info.units.iter().map(UnitResponse::from).collect(),
            volume_binds: info.volume_binds.iter().cloned().map(BindResponse::from).collect(),
        }
    }
}

/// `POST /1.0/apps`: `{"ip","status":"success"}` (`ip` when a router gave one).
#[derive(Serialize, ToSchema)]
pub struct AppCreatedResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub ip: Option<String>,
    pub status: &'static str,
}

/// An environment variable; `managedBy` only when set.
#[derive(Serialize, ToSchema)]
pub struct EnvVarResponse {
    name: String,
    value: String,
    alias: String,
    public: bool,
    #[serde(rename = "managedBy", skip_serializing_if = "String::is_empty")]
    #[schema(required = false)]
    managed_by: String,
}

impl From<EnvVar> for EnvVarResponse {
    fn from(e: EnvVar) -> Self {
        EnvVarResponse {
            name: e.name,
            value: e.value,
            alias: e.alias,
            public: e.public,
            managed_by: e.managed_by,
        }
    }
}
