//! Wire types of `/pools` and `/constraints`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::pool::{Constraint, PoolView};
use utoipa::{IntoParams, ToSchema};

/// A new pool.
#[derive(Deserialize, ToSchema)]
pub struct CreatePoolRequest {
    #[serde(default)]
    #[schema(min_length = 1, required = true)]
    pub name: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub default: bool,
    /// Replace the current default pool.
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    pub provisioner: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Pool changes: only the fields sent change (`labels` replaces every label).
#[derive(Deserialize, ToSchema)]
pub struct UpdatePoolRequest {
    pub public: Option<bool>,
    pub default: Option<bool>,
    #[serde(default)]
    pub force: bool,
    pub labels: Option<BTreeMap<String, String>>,
}

/// Repeated `team`.
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct PoolTeamsRequest {
    #[serde(default)]
    pub team: Vec<String>,
}

/// A constraint: the pools it applies to (a glob), the field, the allowed (or, with
/// `Blacklist`, forbidden) value globs.
#[derive(Deserialize, ToSchema)]
pub struct ConstraintRequest {
    #[serde(rename = "PoolExpr", default)]
    #[schema(min_length = 1, required = true)]
    pub pool_expr: String,
    /// `team`, `service`, `router`, `plan` or `volume-plan`.
    #[serde(rename = "Field", default)]
    #[schema(required = true, pattern = "^(team|service|router|plan|volume-plan)$")]
    pub field: String,
    #[serde(rename = "Values", default)]
    #[schema(required = true)]
    pub values: Vec<String>,
    #[serde(rename = "Blacklist", default)]
    pub blacklist: bool,
    /// Add the values to the constraint instead of replacing them (also read from the query
    /// string).
    #[serde(default)]
    pub append: bool,
}

/// A pool: `allowed` lists the names each constrained field allows.
#[derive(Serialize, ToSchema)]
pub struct PoolResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Default")]
    default: bool,
    #[serde(rename = "Provisioner")]
    provisioner: String,
    #[serde(rename = "Labels")]
    #[schema(required = true)]
    labels: Option<BTreeMap<String, String>>,
    public: bool,
    #[schema(required = true)]
    teams: Option<Vec<String>>,
    allowed: BTreeMap<String, Vec<String>>,
}

impl From<PoolView> for PoolResponse {
    fn from(v: PoolView) -> Self {
        PoolResponse {
            name: v.pool.name,
            default: v.pool.default,
            provisioner: v.pool.provisioner,
            labels: (!v.pool.labels.is_empty()).then_some(v.pool.labels),
            public: v.public,
            teams: (!v.teams.is_empty()).then_some(v.teams),
            allowed: v.allowed,
        }
    }
}

/// A pool constraint.
#[derive(Serialize, ToSchema)]
pub struct ConstraintResponse {
    #[serde(rename = "PoolExpr")]
    pool_expr: String,
    #[serde(rename = "Field")]
    field: String,
    #[serde(rename = "Values")]
    values: Vec<String>,
    #[serde(rename = "Blacklist")]
    blacklist: bool,
}

impl From<Constraint> for ConstraintResponse {
    fn from(c: Constraint) -> Self {
        ConstraintResponse {
            pool_expr: c.pool_expr,
            field: c.field,
            values: c.values,
            blacklist: c.blacklist,
        }
    }
}
