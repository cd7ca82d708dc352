//! Wire shapes: what handlers serialise, and (through `ToSchema`) what `/openapi.json` documents.
use serde::Serialize;
use serde_json::Value;
use tsuru_domain::permission::Role;
use tsuru_domain::quota::Quota;
use tsuru_domain::user::{UserRoleView, UserView};
use utoipa::ToSchema;

/// `{"Name","ContextType","ContextValue"[,"Group"]}`.
#[derive(Serialize, ToSchema)]
pub struct RoleLine {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ContextType")]
    context_type: String,
    #[serde(rename = "ContextValue")]
    context_value: String,
    #[serde(rename = "Group", skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

impl From<UserRoleView> for RoleLine {
    fn from(v: UserRoleView) -> Self {
        RoleLine {
            name: v.name,
            context_type: v.context_type,
            context_value: v.context_value,
            group: v.group,
        }
    }
}

/// tsuru's user object: `Roles` always a list, `Permissions` and `Groups` null when empty.
#[derive(Serialize, ToSchema)]
pub struct UserJson {
    #[serde(rename = "Email")]
    email: String,
    #[serde(rename = "Roles")]
    roles: Vec<RoleLine>,
    #[serde(rename = "Permissions")]
    permissions: Option<Vec<RoleLine>>,
    #[serde(rename = "Groups")]
    groups: Option<Vec<String>>,
}

impl From<UserView> for UserJson {
    fn from(v: UserView) -> Self {
        UserJson {
            email: v.email,
            roles: v.roles.into_iter().map(RoleLine::from).collect(),
            permissions: (!v.permissions.is_empty())
                .then(|| v.permissions.into_iter().map(RoleLine::from).collect()),
            groups: (!v.groups.is_empty()).then_some(v.groups),
        }
    }
}

/// `{"limit","inuse"}`.
#[derive(Serialize, ToSchema)]
pub struct QuotaJson {
    limit: i64,
    inuse: i64,
}

impl From<Quota> for QuotaJson {
    fn from(q: Quota) -> Self {
        QuotaJson {
            limit: q.limit,
            inuse: q.inuse,
        }
    }
}

/// A role: `{"name","context","Description"[,"scheme_names"][,"events"]}`.
#[derive(Serialize, ToSchema)]
pub struct RoleJson {
    name: String,
    context: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scheme_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<String>,
}

impl From<Role> for RoleJson {
    fn from(r: Role) -> Self {
        RoleJson {
            scheme_names: r.valid_scheme_names(),
            name: r.name,
            context: r.context_type.as_str().into(),
            description: r.description,
            events: r.events,
        }
    }
}

/// A team in `GET /1.0/teams`.
#[derive(Serialize, ToSchema)]
pub struct TeamEntry {
    pub name: String,
    pub permissions: Vec<String>,
    pub tags: Vec<String>,
}

/// `GET /1.4/teams/{name}`; keys in Go's sorted map order.
#[derive(Serialize, ToSchema)]
pub struct TeamInfoJson {
    /// The team's apps (owned by and open to it).
    #[schema(value_type = Vec<Object>)]
    pub apps: Vec<Value>,
    pub name: String,
    /// The pools the team may use.
    #[schema(value_type = Vec<Object>)]
    pub pools: Vec<Value>,
    pub tags: Vec<String>,
    pub users: Vec<UserJson>,
}

/// A node of the permission tree: `{"Name","Contexts"}`.
#[derive(Serialize, ToSchema)]
pub struct PermissionJson {
    #[serde(rename = "Name")]
    pub name: &'static str,
    #[serde(rename = "Contexts")]
    pub contexts: Vec<&'static str>,
}

/// `{"token"}`: a new session.
#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    pub token: String,
}

/// `{"version"}`: the server version.
#[derive(Serialize, ToSchema)]
pub struct VersionJson {
    pub version: String,
}

/// Scheme settings; empty for the native scheme.
#[derive(Serialize, ToSchema)]
pub struct SchemeData {}

/// An auth scheme: `{"name"[,"default":true],"data":{}}`.
#[derive(Serialize, ToSchema)]
pub struct SchemeJson {
    pub name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    pub data: SchemeData,
}
