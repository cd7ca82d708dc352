use actix_web::{web, HttpResponse};
use tsuru_domain::pool::{Constraint, NewPool, PoolUpdate};

use super::app_views::{constraint_json, pool_json};
use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;

/// `GET /1.0/pools`: pools the caller may use or read; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let pools = state.pools.list(&id).await?;
    if pools.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&pools.iter().map(pool_json).collect::<Vec<_>>())
}

/// `GET /1.8/pools/{pool}` (the client calls it bare).
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok(&pool_json(&state.pools.info(&id, &path).await?))
}

/// `POST /1.0/pools` with `name`, `public`, `default`, `force`, `provisioner`, `labels`.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let new = NewPool {
        name: input.string("name")?,
        public: input.bool("public")?.unwrap_or(false),
        default: input.bool("default")?.unwrap_or(false),
        force: input.bool("force")?.unwrap_or(false),
        provisioner: input.string("provisioner")?,
        labels: input.map("labels")?,
    };
    state.pools.create(&id, &input.origin(), new).await?;
    Ok(HttpResponse::Created().finish())
}

/// `PUT /1.0/pools/{pool}`: only the fields sent change.
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let labels = if input.present("labels") {
        Some(input.map("labels")?)
    } else {
        None
    };
    let upd = PoolUpdate {
        default: input.bool("default")?,
        public: input.bool("public")?,
        force: input.bool("force")?.unwrap_or(false),
        labels,
    };
    state.pools.update(&id, &input.origin(), &path, upd).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/pools/{pool}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.pools.remove(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.0/pools/{pool}/team` with repeated `team`.
pub async fn add_teams(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .pools
        .add_teams(&id, &input.origin(), &path, input.list("team")?)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.0/pools/{pool}/team?team=a&team=b`.
pub async fn remove_teams(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .pools
        .remove_teams(&id, &input.origin(), &path, input.list("team")?)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.3/constraints`; 204 when none.
pub async fn constraints(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let list = state.pools.constraints(&id).await?;
    if list.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&list.iter().map(constraint_json).collect::<Vec<_>>())
}

/// `PUT /1.3/constraints` with `PoolExpr`, `Field`, `Values`, `Blacklist` (and `append`).
pub async fn set_constraint(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let c = Constraint {
        pool_expr: input.string("PoolExpr")?,
        field: input.string("Field")?,
        values: input.list("Values")?,
        blacklist: input.bool("Blacklist")?.unwrap_or(false),
    };
    let append = input.bool("append")?.unwrap_or(false);
    state
        .pools
        .set_constraint(&id, &input.origin(), c, append)
        .await?;
    Ok(HttpResponse::Ok().finish())
}
