use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::views::{QuotaJson, UserJson};
use crate::error::ApiResult;
use crate::extract::{Auth, Input, MaybeAuth};
use crate::json;
use crate::state::AppState;

/// `POST /1.0/users`.
pub async fn create(
    MaybeAuth(caller): MaybeAuth,
    state: web::Data<AppState>,
    input: Input,
) -> ApiResult {
    let (email, password) = (input.string("email")?, input.string("password")?);
    state
        .auth
        .create_user(caller.as_ref(), &input.origin(), &email, &password)
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// `GET /1.0/users?userEmail=&role=&context=`.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let users = state
        .users
        .list(
            &id,
            &input.value("userEmail"),
            &input.value("role"),
            &input.value("context"),
        )
        .await?;
    json::ok(&users.into_iter().map(UserJson::from).collect::<Vec<_>>())
}

/// `GET /1.0/users/info`.
pub async fn info(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    json::ok(&UserJson::from(state.users.info(&id).await?))
}

/// `DELETE /1.0/users?user=`.
pub async fn remove(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    state
        .users
        .remove(&id, &input.origin(), input.get("user").as_deref())
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.0/users/api-key?user=`.
pub async fn api_key(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    json::ok(
        &state
            .users
            .api_key(&id, input.get("user").as_deref())
            .await?,
    )
}

/// `POST /1.0/users/api-key?user=`.
pub async fn regenerate_api_key(
    Auth(id): Auth,
    state: web::Data<AppState>,
    input: Input,
) -> ApiResult {
    json::ok(
        &state
            .users
            .regenerate_api_key(&id, &input.origin(), input.get("user").as_deref())
            .await?,
    )
}

/// `GET /1.0/users/{email}/quota`.
pub async fn quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok(&QuotaJson::from(state.users.quota(&id, &path).await?))
}

/// `PUT /1.0/users/{email}/quota`.
pub async fn set_quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .users
        .set_quota(&id, &input.origin(), &path, &input.value("limit"))
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.0/users/keys`: `{"<name>":"<key>"}`.
pub async fn list_keys(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let keys: BTreeMap<String, String> = state
        .users
        .keys(&id)
        .await?
        .into_iter()
        .map(|k| (k.name, k.content))
        .collect();
    json::json(StatusCode::OK, &keys)
}

/// `POST /1.0/users/keys` with `name`, `key`, `force`.
pub async fn add_key(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let force = input.bool("force")?.unwrap_or(false);
    state
        .users
        .add_key(
            &id,
            &input.origin(),
            &input.string("name")?,
            &input.string("key")?,
            force,
        )
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/users/keys/{key}` (by name).
pub async fn remove_key(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.users.remove_key(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}
