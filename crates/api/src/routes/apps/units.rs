//! `/apps/{app}/units`: adding and removing units.
use actix_web::web;

use super::wire::UnitsRequest;
use crate::extract::{Caller, Form, Query};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

pub(super) async fn add(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: Form<UnitsRequest>,
) -> Reply<Streamed> {
    let origin = form.origin();
    let UnitsRequest {
        units,
        process,
        version,
    } = form.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .add_units(&id, &origin, &name, &units, &process, &version, out)
            .await
    })
    .await)
}

/// The count, process and version come from the query, as for every `DELETE`.
pub(super) async fn remove(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    q: Query<UnitsRequest>,
) -> Reply<Streamed> {
    let origin = q.origin();
    let UnitsRequest {
        units,
        process,
        version,
    } = q.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .remove_units(&id, &origin, &name, &units, &process, &version, out)
            .await
    })
    .await)
}
