//! Wire types of `/roles`, `/role/default` and `/permissions`.
use serde::{Deserialize, Serialize};
use tsuru_domain::permission::Role;
use utoipa::{IntoParams, ToSchema};

use crate::extract::lenient_string;

/// `name`, `context` (a context type) and `description`.
#[derive(Deserialize, ToSchema)]
pub struct CreateRoleRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub description: String,
}

/// `name`, `newName`, `contextType`, `description`.
#[derive(Deserialize, ToSchema)]
pub struct UpdateRoleRequest {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "newName", default)]
    pub new_name: String,
    #[serde(rename = "contextType", default)]
    pub context_type: String,
    #[serde(default)]
    pub description: String,
}

/// Repeated `permission`.
#[derive(Deserialize, ToSchema)]
pub struct PermissionsRequest {
    #[serde(default)]
    pub permission: Vec<String>,
}

/// `email` and `context` (the context value).
#[derive(Deserialize, ToSchema)]
pub struct AssignRoleRequest {
    #[serde(default)]
    #[schema(pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    pub email: String,
    #[serde(default)]
    pub context: String,
}

/// `context`: the context value of the role instance.
#[derive(Deserialize, IntoParams)]
pub struct ContextQuery {
    #[serde(default, deserialize_with = "lenient_string")]
    pub context: String,
}

/// Role names per role event (`user-create`, `team-create`).
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct DefaultRolesRequest {
    #[serde(rename = "user-create", default)]
    pub user_create: Vec<String>,
    #[serde(rename = "team-create", default)]
    pub team_create: Vec<String>,
}

impl DefaultRolesRequest {
    /// (role event, role names), one per event.
    pub fn changes(self) -> Vec<(String, Vec<String>)> {
        vec![
            ("user-create".to_string(), self.user_create),
            ("team-create".to_string(), self.team_create),
        ]
    }
}

/// A role: `{"name","context","Description"[,"scheme_names"][,"events"]}`.
#[derive(Serialize, ToSchema)]
pub struct RoleResponse {
    name: String,
    context: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scheme_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<String>,
}

impl From<Role> for RoleResponse {
    fn from(r: Role) -> Self {
        RoleResponse {
            scheme_names: r.valid_scheme_names(),
            name: r.name,
            context: r.context_type.as_str().into(),
            description: r.description,
            events: r.events,
        }
    }
}

/// A node of the permission tree: `{"Name","Contexts"}`.
#[derive(Serialize, ToSchema)]
pub struct PermissionResponse {
    #[serde(rename = "Name")]
    pub name: &'static str,
    #[serde(rename = "Contexts")]
    pub contexts: Vec<&'static str>,
}
