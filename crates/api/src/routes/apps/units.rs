//! `/apps/{app}/units`: adding and removing units.

use super::wire::UnitsRequest;
use crate::extract::{Form, Named, Query};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

pub(super) async fn add(
    Named { id, state, name }: Named,
    form: Form<UnitsRequest>,
) -> Reply<Streamed> {
    let origin = form.origin();
    let UnitsRequest {
        units,
        process,
        version,
    } = form.value;
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
    Named { id, state, name }: Named,
    q: Query<UnitsRequest>,
) -> Reply<Streamed> {
    let origin = q.origin();
    let UnitsRequest {
        units,
        process,
        version,
    } = q.value;
    Ok(stream(move |out| async move {
        state
            .apps
            .remove_units(&id, &origin, &name, &units, &process, &version, out)
            .await
    })
    .await)
}
