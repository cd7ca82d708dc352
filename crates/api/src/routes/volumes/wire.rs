//! Wire types of `/volumes` and `/volumeplans`: tsuru's volume JSON has Go field names (no
//! tags).
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tsuru_domain::volume::{VolumeBind, VolumeInfo, VolumePlan};
use utoipa::{IntoParams, ToSchema};

/// The plan of a volume in a request: only its name is read (`Plan.Name`).
#[derive(Deserialize, ToSchema, Default)]
pub struct PlanRequest {
    #[serde(rename = "Name", default)]
    pub name: String,
}

/// A volume to create, or the whole new state of one (`POST /volumes/{volume}`: missing
/// fields are wiped, as tsuru does). `Plan.Opts`, `Status` and `Binds` are ignored.
#[derive(Deserialize, ToSchema)]
pub struct VolumeRequest {
    /// `^[a-z][a-z0-9-]{0,39}$` (on update the path's name is used).
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Pool", default)]
    #[schema(required = true)]
    pub pool: String,
    #[serde(rename = "Plan", default)]
    #[schema(required = true)]
    pub plan: PlanRequest,
    #[serde(rename = "TeamOwner", default)]
    #[schema(required = true)]
    pub team_owner: String,
    /// Provisioner options (`Opts.capacity=1Gi`).
    #[serde(rename = "Opts", default)]
    pub opts: BTreeMap<String, String>,
}

/// Filters of the volume list.
#[derive(Deserialize, IntoParams)]
pub struct VolumeListQuery {
    /// Part of the name.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub pool: String,
    #[serde(default)]
    pub plan: String,
    #[serde(rename = "teamOwner", default)]
    pub team_owner: String,
}

/// A bind to make.
#[derive(Deserialize, ToSchema)]
pub struct BindRequest {
    #[serde(rename = "App", default)]
    #[schema(required = true)]
    pub app: String,
    #[serde(rename = "MountPoint", default)]
    #[schema(required = true)]
    pub mount_point: String,
    #[serde(rename = "ReadOnly", default)]
    pub read_only: bool,
    /// Do not restart the app.
    #[serde(rename = "NoRestart", default)]
    pub no_restart: bool,
}

/// A bind to remove (query string, or a JSON body).
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct UnbindRequest {
    #[serde(rename = "App", default)]
    pub app: String,
    #[serde(rename = "MountPoint", default)]
    pub mount_point: String,
    /// Do not restart the app.
    #[serde(rename = "NoRestart", default)]
    pub no_restart: bool,
}

/// A volume plan: its name and the options configured for one provisioner.
#[derive(Serialize, ToSchema)]
pub struct VolumePlanResponse {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Opts")]
    #[schema(value_type = Object)]
    pub opts: BTreeMap<String, Value>,
}

impl From<VolumePlan> for VolumePlanResponse {
    fn from(p: VolumePlan) -> Self {
        VolumePlanResponse { name: p.name, opts: p.opts }
    }
}

/// Plans by provisioner name.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
pub struct VolumePlansResponse(pub BTreeMap<String, Vec<VolumePlanResponse>>);

/// What identifies a bind.
#[derive(Serialize, ToSchema)]
pub struct BindIdResponse {
    #[serde(rename = "App")]
    pub app: String,
    #[serde(rename = "MountPoint")]
    pub mount_point: String,
    #[serde(rename = "Volume")]
    pub volume: String,
}

/// A volume mounted into an app.
#[derive(Serialize, ToSchema)]
pub struct BindResponse {
    #[serde(rename = "ID")]
    pub id: BindIdResponse,
    #[serde(rename = "ReadOnly")]
    pub read_only: bool,
}

impl From<VolumeBind> for BindResponse {
    fn from(b: VolumeBind) -> Self {
        BindResponse {
            id: BindIdResponse {
                app: b.id.app,
                mount_point: b.id.mount_point,
                volume: b.id.volume,
            },
            read_only: b.read_only,
        }
    }
}

/// A volume with its binds.
#[derive(Serialize, ToSchema)]
pub struct VolumeResponse {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Pool")]
    pub pool: String,
    #[serde(rename = "Plan")]
    pub plan: VolumePlanResponse,
    #[serde(rename = "TeamOwner")]
    pub team_owner: String,
    /// Always empty.
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "Binds")]
    pub binds: Vec<BindResponse>,
    #[serde(rename = "Opts")]
    pub opts: BTreeMap<String, String>,
}

impl From<VolumeInfo> for VolumeResponse {
    fn from(i: VolumeInfo) -> Self {
        let v = i.volume;
        VolumeResponse {
            name: v.name,
            pool: v.pool,
            plan: v.plan.into(),
            team_owner: v.team_owner,
            status: v.status,
            binds: i.binds.into_iter().map(BindResponse::from).collect(),
            opts: v.opts,
        }
    }
}
