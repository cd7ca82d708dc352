//! The quota routes of teams, users and apps: one pair of handlers, the use cases chosen by
//! the family.
use tsuru_domain::quota::QuotaUseCases;
use tsuru_domain::Call;

use super::teams::wire::{QuotaRequest, QuotaResponse};
use crate::extract::{Form, Named};
use crate::reply::{Done, Json, Reply, DONE};
use crate::state::AppState;

/// Which use cases answer a family's quota routes.
pub(crate) trait QuotaOf {
    /// The family's quota use cases.
    fn of(state: &AppState) -> &dyn QuotaUseCases;
}

/// The quota of the named record.
pub(crate) async fn quota<Q: QuotaOf>(
    Named { id, state, name }: Named,
) -> Reply<Json<QuotaResponse>> {
    Ok(Json(Q::of(&state).quota(&id, &name).await?.into()))
}

/// Sets the limit of the named record's quota.
pub(crate) async fn set_quota<Q: QuotaOf>(
    Named { id, state, name }: Named,
    form: Form<QuotaRequest>,
) -> Reply<Done> {
    Q::of(&state).set_quota(&Call::new(id, form.origin()), &name, &form.value.limit).await?;
    Ok(DONE)
}
