use actix_web::{web, HttpResponse};
use tsuru_domain::permission::{RoleUpdate, ROLE_EVENTS};

use super::views::{PermissionJson, RoleJson};
use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;

/// `GET /1.0/roles` (no trailing newline, as tsuru).
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let roles: Vec<RoleJson> = state
        .roles
        .list(&id)
        .await?
        .into_iter()
        .map(RoleJson::from)
        .collect();
    json::ok_compact(&roles)
}

/// `POST /1.0/roles` with `name`, `context`, `description`.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let (name, ctx, desc) = (
        input.string("name")?,
        input.string("context")?,
        input.string("description")?,
    );
    state
        .roles
        .create(&id, &input.origin(), &name, &ctx, &desc)
        .await?;
    Ok(HttpResponse::Created().finish())
}

/// `PUT /1.4/roles` with `name`, `newName`, `contextType`, `description`.
pub async fn update(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let upd = RoleUpdate {
        name: input.string("name")?,
        new_name: input.string("newName")?,
        context_type: input.string("contextType")?,
        description: input.string("description")?,
    };
    state.roles.update(&id, &input.origin(), upd).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.0/roles/{name}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok_compact(&RoleJson::from(state.roles.info(&id, &path).await?))
}

/// `DELETE /1.0/roles/{name}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.roles.remove(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.0/roles/{name}/permissions` with repeated `permission`.
pub async fn add_permissions(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let perms = input.list("permission")?;
    state
        .roles
        .add_permissions(&id, &input.origin(), &path, &perms)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/roles/{name}/permissions/{permission}`.
pub async fn remove_permission(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    input: Input,
) -> ApiResult {
    let (name, perm) = path.into_inner();
    state
        .roles
        .remove_permission(&id, &input.origin(), &name, &perm)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.0/roles/{name}/user` with `email`, `context`.
pub async fn assign_user(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let (email, ctx) = (input.string("email")?, input.string("context")?);
    state
        .roles
        .assign_user(&id, &input.origin(), &path, &email, &ctx)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/roles/{name}/user/{email}?context=`.
pub async fn dissociate_user(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    input: Input,
) -> ApiResult {
    let (name, email) = path.into_inner();
    state
        .roles
        .dissociate_user(&id, &input.origin(), &name, &email, &input.value("context"))
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.0/role/default`: roles bound to role events (`null` when none, as tsuru).
pub async fn list_defaults(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let roles: Vec<RoleJson> = state
        .roles
        .list_defaults(&id)
        .await?
        .into_iter()
        .map(RoleJson::from)
        .collect();
    if roles.is_empty() {
        return json::ok(&serde_json::Value::Null);
    }
    json::ok(&roles)
}

fn default_changes(input: &Input) -> Result<Vec<(String, Vec<String>)>, crate::error::ApiError> {
    ROLE_EVENTS
        .iter()
        .map(|(event, _)| Ok((event.to_string(), input.list(event)?)))
        .collect()
}

/// `POST /1.0/role/default` with `user-create` / `team-create` role names.
pub async fn add_default(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    state
        .roles
        .change_defaults(&id, &input.origin(), true, &default_changes(&input)?)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/role/default` with the same keys in the query string (or a JSON body).
pub async fn remove_default(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    state
        .roles
        .change_defaults(&id, &input.origin(), false, &default_changes(&input)?)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.0/permissions`: the whole tree sorted by name, root first.
pub async fn permissions(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let out: Vec<PermissionJson> = state
        .roles
        .permissions(&id)?
        .into_iter()
        .map(|n| PermissionJson {
            name: n.name,
            contexts: n.contexts.iter().map(|c| c.as_str()).collect(),
        })
        .collect();
    json::ok(&out)
}
