use actix_web::{web, HttpResponse};

use serde_json::json;

use super::app_views::app_list_json;
use super::views::{QuotaJson, TeamEntry, TeamInfoJson, UserJson};
use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;

fn tags(input: &Input) -> Result<Vec<String>, crate::error::ApiError> {
    Ok([input.list("tags")?, input.list("tag")?].concat())
}

/// `GET /1.0/teams`: teams the caller holds permissions on; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let teams = state.teams.list(&id).await?;
    if teams.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let out: Vec<TeamEntry> = teams
        .into_iter()
        .map(|t| TeamEntry {
            name: t.name,
            permissions: t.permissions,
            tags: t.tags,
        })
        .collect();
    json::ok(&out)
}

/// `POST /1.0/teams` with `name` and `tags` (or legacy repeated `tag`).
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    state
        .teams
        .create(&id, &input.origin(), &input.string("name")?, tags(&input)?)
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// `DELETE /1.0/teams/{name}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.teams.remove(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.4/teams/{name}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    let info = state.teams.info(&id, &path).await?;
    let users: Vec<UserJson> = info.users.into_iter().map(UserJson::from).collect();
    let apps: Vec<serde_json::Value> = state
        .apps
        .of_team(&path)
        .await?
        .iter()
        .map(|a| serde_json::to_value(app_list_json(a, &state.routers, true)).unwrap_or_default())
        .collect();
    let pools: Vec<serde_json::Value> = state
        .pools
        .for_team(&path)
        .await?
        .into_iter()
        .map(|p| json!({"Name": p.name, "Default": p.default, "Provisioner": p.provisioner, "Labels": p.labels}))
        .collect();
    json::ok(&TeamInfoJson {
        apps,
        name: info.team.name,
        pools,
        tags: info.team.tags,
        users,
    })
}

/// `PUT /1.6/teams/{name}` (and legacy `POST /1.4/teams/{name}`) with `newname` and `tags`.
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let new_name = input.string("newname")?;
    let new_name = (!new_name.is_empty()).then_some(new_name.as_str());
    state
        .teams
        .update(&id, &input.origin(), &path, new_name, tags(&input)?)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.12/teams/{name}/quota`.
pub async fn quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok(&QuotaJson::from(state.teams.quota(&id, &path).await?))
}

/// `PUT /1.12/teams/{name}/quota` with `limit`.
pub async fn set_quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .teams
        .set_quota(&id, &input.origin(), &path, &input.value("limit"))
        .await?;
    Ok(HttpResponse::Ok().finish())
}
