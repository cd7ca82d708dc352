//! Team tokens (`/1.6/tokens`) and their roles (`/1.6/roles/{role}/token`).
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use tsuru_domain::token::{NewTeamToken, TeamToken, TeamTokenUpdate};
use tsuru_domain::Origin;
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json::{self, go_time, go_time_opt};
use crate::state::AppState;

/// A role the token holds: `{"Name","ContextValue"}`.
#[derive(Serialize, ToSchema)]
#[schema(as = TeamTokenRoleJson)]
pub(crate) struct RoleInstanceJson {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ContextValue")]
    context_value: String,
}

/// tsuru's `TeamToken` JSON: zero times for unset expiry and access, `roles` omitted when
/// empty.
#[derive(Serialize, ToSchema)]
#[schema(as = TeamTokenJson)]
pub(crate) struct TokenJson {
    token: String,
    token_id: String,
    description: String,
    created_at: String,
    expires_at: String,
    last_access: String,
    creator_email: String,
    team: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<RoleInstanceJson>,
}

impl From<TeamToken> for TokenJson {
    fn from(t: TeamToken) -> Self {
        TokenJson {
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
                .map(|r| RoleInstanceJson {
                    name: r.name,
                    context_value: r.context_value,
                })
                .collect(),
        }
    }
}

/// The request's event data, with the token id shown: the generic masking hides every key
/// containing `token`, and the id is not a secret (the value never travels in a request).
fn origin(input: &Input, token_id: &str) -> Origin {
    let mut data = input.event_data();
    if let Value::Array(items) = &mut data {
        for item in items {
            let is_id = item["name"]
                .as_str()
                .is_some_and(|n| n.trim_start_matches(':').eq_ignore_ascii_case("token_id"));
            if is_id {
                item["value"] = Value::String(token_id.to_string());
            }
        }
    }
    input.with_event_data(data)
}

/// `GET /1.6/tokens`: the tokens of the teams the caller may read; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let tokens = state.tokens.list(&id).await?;
    if tokens.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&tokens.into_iter().map(TokenJson::from).collect::<Vec<_>>())
}

/// `POST /1.6/tokens` with `token_id`, `description`, `expires_in` (seconds), `team`: 201 and
/// the token with its value.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let new = NewTeamToken {
        token_id: input.string("token_id")?,
        description: input.string("description")?,
        expires_in: input.int("expires_in")?.unwrap_or(0),
        team: input.string("team")?,
    };
    let origin = origin(&input, &new.token_id);
    let token = state.tokens.create(&id, &origin, new).await?;
    json::json(StatusCode::CREATED, &TokenJson::from(token))
}

/// `PUT /1.6/tokens/{token_id}` with `regenerate`, `description`, `expires_in`.
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let upd = TeamTokenUpdate {
        regenerate: input.bool("regenerate")?.unwrap_or(false),
        description: input.string("description")?,
        expires_in: input.int("expires_in")?.unwrap_or(0),
    };
    let token = state
        .tokens
        .update(&id, &origin(&input, &path), &path, upd)
        .await?;
    json::ok(&TokenJson::from(token))
}

/// `DELETE /1.6/tokens/{token_id}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .tokens
        .remove(&id, &origin(&input, &path), &path)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.7/tokens/{token_id}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok(&TokenJson::from(state.tokens.info(&id, &path).await?))
}

/// `POST /1.6/roles/{name}/token` with `token_id`, `context`.
pub async fn assign_role(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let (token_id, ctx) = (input.string("token_id")?, input.string("context")?);
    state
        .tokens
        .assign_role(&id, &origin(&input, &token_id), &path, &token_id, &ctx)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.6/roles/{name}/token/{token_id}?context=`.
pub async fn dissociate_role(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    input: Input,
) -> ApiResult {
    let (role, token_id) = path.into_inner();
    state
        .tokens
        .dissociate_role(
            &id,
            &origin(&input, &token_id),
            &role,
            &token_id,
            &input.value("context"),
        )
        .await?;
    Ok(HttpResponse::Ok().finish())
}
