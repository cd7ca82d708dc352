//! The quota routes of teams, users and apps: one pair of handlers, the use cases chosen by
//! the family.
use actix_web::web;
use tsuru_domain::quota::QuotaUseCases;

use super::teams::wire::{QuotaRequest, QuotaResponse};
use crate::extract::{Caller, Form};
use crate::reply::{Done, Json, Reply, DONE};
use crate::state::AppState;

/// Which use cases answer a family's quota routes.
pub(crate) trait QuotaOf {
    /// The family's quota use cases.
    fn of(state: &AppState) -> &dyn QuotaUseCases;
}

/// The quota of the named record.
pub(crate) async fn quota<Q: QuotaOf>(
    Caller { id, state }: Caller,
    path: web::Path<String>,
) -> Reply<Json<QuotaResponse>> {
    Ok(Json(Q::of(&state).quota(&id, &path).await?.into()))
}

/// Sets the limit of the named record's quota.
pub(crate) async fn set_quota<Q: QuotaOf>(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: Form<QuotaRequest>,
) -> Reply<Done> {
    Q::of(&state)
        .set_quota(&id, &form.origin(), &path, &form.value.limit)
        .await?;
    Ok(DONE)
}
