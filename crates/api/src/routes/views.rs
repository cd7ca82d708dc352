//! Wire shapes shared by several handlers.
use serde::Serialize;
use tsuru_domain::permission::Role;
use tsuru_domain::quota::Quota;
use tsuru_domain::user::{UserRoleView, UserView};

/// `{"Name","ContextType","ContextValue"[,"Group"]}`.
#[derive(Serialize)]
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
#[derive(Serialize)]
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
#[derive(Serialize)]
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
#[derive(Serialize)]
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
