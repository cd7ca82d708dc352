//! Wire types of `/teams`.
use serde::{Deserialize, Serialize};
use tsuru_domain::quota::Quota;
use utoipa::ToSchema;

use crate::extract::lenient_string;
use crate::routes::apps::wire::AppItemResponse;
use crate::routes::users::wire::UserResponse;

/// `name` and `tags` (or repeated `tag`).
#[derive(Deserialize, ToSchema)]
pub struct CreateTeamRequest {
    #[schema(pattern = r"^[a-z][a-z0-9_\-]{1,62}$")]
    pub name: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// tsuru's older spelling of `tags`.
    #[serde(default)]
    pub tag: Vec<String>,
}

/// `newname` (empty keeps the name) and `tags`.
#[derive(Deserialize, ToSchema)]
pub struct UpdateTeamRequest {
    #[serde(default)]
    pub newname: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// tsuru's older spelling of `tags`.
    #[serde(default)]
    pub tag: Vec<String>,
}

/// `limit`: a number of apps, `-1` for unlimited.
#[derive(Deserialize, ToSchema)]
pub struct QuotaRequest {
    #[serde(default, deserialize_with = "lenient_string")]
    #[schema(value_type = i64)]
    pub limit: String,
}

/// `{"limit","inuse"}`.
#[derive(Serialize, ToSchema)]
pub struct QuotaResponse {
    limit: i64,
    inuse: i64,
}

impl From<Quota> for QuotaResponse {
    fn from(q: Quota) -> Self {
        QuotaResponse { limit: q.limit, inuse: q.inuse }
    }
}

/// A team in `GET /1.0/teams`.
#[derive(Serialize, ToSchema)]
pub struct TeamItemResponse {
    pub name: String,
    pub permissions: Vec<String>,
    pub tags: Vec<String>,
}

/// A pool a team may use.
#[derive(Serialize, ToSchema)]
pub struct TeamPoolResponse {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Default")]
    pub default: bool,
    #[serde(rename = "Provisioner")]
    pub provisioner: String,
    #[serde(rename = "Labels")]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// `GET /1.4/teams/{name}`; keys in Go's sorted map order.
#[derive(Serialize, ToSchema)]
pub struct TeamResponse {
    /// The team's apps (owned by and open to it).
    pub apps: Vec<AppItemResponse>,
    pub name: String,
    /// The pools the team may use.
    pub pools: Vec<TeamPoolResponse>,
    pub tags: Vec<String>,
    pub users: Vec<UserResponse>,
}
