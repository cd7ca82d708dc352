//! Wire types of team tokens.
use serde::{Deserialize, Serialize};
use tsuru_domain::token::TeamToken;
use utoipa::ToSchema;

use crate::json::{go_time, go_time_opt};

/// `token_id`, `description`, `expires_in` (seconds), `team`.
#[derive(Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    #[serde(default)]
    pub token_id: String,
    #[serde(default)]
    pub description: String,
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub team: String,
}

/// `regenerate`, `description`, `expires_in`.
#[derive(Deserialize, ToSchema)]
pub struct UpdateTokenRequest {
    #[serde(default)]
    pub regenerate: bool,
    #[serde(default)]
    pub description: String,
    pub expires_in: Option<i64>,
}

/// `token_id` and `context` (the context value).
#[derive(Deserialize, ToSchema)]
pub struct TokenRoleRequest {
    #[serde(default)]
    pub token_id: String,
    #[serde(default)]
    pub context: String,
}

/// A role the token holds: `{"Name","ContextValue"}`.
#[derive(Serialize, ToSchema)]
pub struct TokenRoleResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ContextValue")]
    context_value: String,
}

/// tsuru's `TeamToken` JSON: zero times for unset expiry and access, `roles` omitted when
/// empty.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    token: String,
    token_id: String,
    description: String,
    created_at: String,
    expires_at: String,
    last_access: String,
    creator_email: String,
    team: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<TokenRoleResponse>,
}

impl From<TeamToken> for TokenResponse {
    fn from(t: TeamToken) -> Self {
        TokenResponse {
            token: t.token,
            token_id: t.token_id,
            description: t.description,
            created_at: go_time(&t.created_at),
            expires_at: go_time_opt(t.expires_at.as_ref()),
            last_access: go_time_opt(t.last_access.as_ref()),
            creator_email: t.creator_email,
            team: t.team,
            roles: t
                .roles
                .into_iter()
                .map(|r| TokenRoleResponse { name: r.name, context_value: r.context_value })
                .collect(),
        }
    }
}
