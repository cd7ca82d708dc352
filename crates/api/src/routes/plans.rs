use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use tsuru_domain::plan::{parse_memory, Plan, PlanOverride};

use super::app_views::plan_json;
use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;

/// `GET /1.0/plans`; 204 when none.
pub async fn list(_: Auth, state: web::Data<AppState>) -> ApiResult {
    let plans = state.plans.list().await?;
    if plans.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&plans.iter().map(plan_json).collect::<Vec<_>>())
}

/// `POST /1.0/plans` with `name`, `memory` (bytes or K/M/G), `cpumilli`, `default`: 201 plan.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let plan = Plan {
        name: input.string("name")?.trim().to_string(),
        memory: parse_memory(&input.value("memory"))?,
        cpumilli: input.int("cpumilli")?.unwrap_or(0),
        default: input.bool("default")?.unwrap_or(false),
        r#override: PlanOverride::default(),
    };
    let plan = state.plans.create(&id, &input.origin(), plan).await?;
    json::json(StatusCode::CREATED, &plan_json(&plan))
}

/// `DELETE /1.0/plans/{plan}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.plans.remove(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}
