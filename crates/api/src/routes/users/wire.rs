//! Wire types of `/users`.
use serde::{Deserialize, Serialize};
use tsuru_domain::user::{UserRoleView, UserView};
use utoipa::{IntoParams, ToSchema};

use crate::extract::{lenient_string, text_if_sent};

/// `email` and `password`.
#[derive(Deserialize, ToSchema)]
pub struct CreateUserRequest {
    #[serde(default)]
    #[schema(pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    pub email: String,
    #[serde(default)]
    #[schema(min_length = 6, max_length = 50)]
    pub password: String,
}

/// Filters of the user list.
#[derive(Deserialize, IntoParams)]
pub struct UserListQuery {
    #[serde(rename = "userEmail", default, deserialize_with = "lenient_string")]
    pub user_email: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub role: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub context: String,
}

/// `user`: another user than the caller.
#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    #[serde(default, deserialize_with = "text_if_sent")]
    #[param(value_type = Option<String>)]
    pub user: Option<String>,
}

/// An SSH key: `name`, `key`, `force`.
#[derive(Deserialize, ToSchema)]
pub struct AddKeyRequest {
    #[serde(default)]
    #[schema(min_length = 1)]
    pub name: String,
    #[serde(default)]
    #[schema(min_length = 1)]
    pub key: String,
    #[serde(default)]
    pub force: bool,
}

/// `{"Name","ContextType","ContextValue"[,"Group"]}`.
#[derive(Serialize, ToSchema)]
pub struct UserRoleResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ContextType")]
    context_type: String,
    #[serde(rename = "ContextValue")]
    context_value: String,
    #[serde(rename = "Group", skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

impl From<UserRoleView> for UserRoleResponse {
    fn from(v: UserRoleView) -> Self {
        UserRoleResponse {
            name: v.name,
            context_type: v.context_type,
            context_value: v.context_value,
            group: v.group,
        }
    }
}

/// tsuru's user object: `Roles` always a list, `Permissions` and `Groups` null when empty.
#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    #[serde(rename = "Email")]
    email: String,
    #[serde(rename = "Roles")]
    roles: Vec<UserRoleResponse>,
    #[serde(rename = "Permissions")]
    permissions: Option<Vec<UserRoleResponse>>,
    #[serde(rename = "Groups")]
    groups: Option<Vec<String>>,
}

impl From<UserView> for UserResponse {
    fn from(v: UserView) -> Self {
        UserResponse {
            email: v.email,
            roles: v.roles.into_iter().map(UserRoleResponse::from).collect(),
            permissions: (!v.permissions.is_empty())
                .then(|| v.permissions.into_iter().map(UserRoleResponse::from).collect()),
            groups: (!v.groups.is_empty()).then_some(v.groups),
        }
    }
}
