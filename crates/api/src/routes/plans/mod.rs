//! `/plans`.
use actix_web::web;
use serde::Deserialize;
use tsuru_domain::plan::{parse_memory, Plan, PlanOverride};
use utoipa::ToSchema;

use super::apps::wire::PlanResponse;
use super::{Family, Route};
use crate::extract::{lenient_string, Acting, Auth, Form, OnName};
use crate::reply::{Created, Done, List, Reply, DONE};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("plans").routes(vec![
        Route::get("1.0", "/plans", list, "List plans").plain(),
        Route::post("1.0", "/plans", create, "Create a plan").links("plan", "$response.body#/name"),
        Route::delete("1.0", "/plans/{plan}", remove, "Remove a plan").linked(),
    ])
}

/// A new plan: `memory` in bytes or with a `K`, `M` or `G` suffix (at least 4M), `cpumilli`.
#[derive(Deserialize, ToSchema)]
pub struct CreatePlanRequest {
    #[serde(default)]
    #[schema(min_length = 1, required = true)]
    pub name: String,
    #[serde(default, deserialize_with = "lenient_string")]
    #[schema(pattern = r"^([0-9]+[KMGkmg]?)?$")]
    pub memory: String,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub cpumilli: Option<i64>,
    #[serde(default)]
    pub default: bool,
}

async fn list(_: Auth, state: web::Data<AppState>) -> Reply<List<PlanResponse>> {
    let plans = state.plans.list().await?;
    Ok(List(plans.iter().map(PlanResponse::new).collect()))
}

/// 201 and the plan.
async fn create(
    Acting { call, state, body: b }: Acting<Form<CreatePlanRequest>>,
) -> Reply<Created<PlanResponse>> {
    let plan = Plan {
        name: b.name.trim().to_string(),
        memory: parse_memory(&b.memory)?,
        cpumilli: b.cpumilli.unwrap_or(0),
        default: b.default,
        r#override: PlanOverride::default(),
    };
    let plan = state.plans.create(&call, plan).await?;
    Ok(Created(PlanResponse::new(&plan)))
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.plans.remove(&on.call, &on.name).await?;
    Ok(DONE)
}
