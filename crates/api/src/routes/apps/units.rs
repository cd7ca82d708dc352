//! `/apps/{app}/units`: adding and removing units.
use tsuru_domain::app::UnitChange;
use tsuru_domain::{Call, Origin};

use super::wire::UnitsRequest;
use crate::extract::{Form, Named, Query};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

/// Streams the unit change of the app named by the path.
async fn change(target: Named, origin: Origin, req: UnitsRequest, add: bool) -> Reply<Streamed> {
    let Named { id, state, name } = target;
    let call = Call::new(id, origin);
    let change = UnitChange { add, units: req.units, process: req.process, version: req.version };
    Ok(stream(move |out| async move { state.apps.change_units(&call, &name, change, out).await })
        .await)
}

pub(super) async fn add(target: Named, form: Form<UnitsRequest>) -> Reply<Streamed> {
    change(target, form.origin(), form.value, true).await
}

/// The count, process and version come from the query, as for every `DELETE`.
pub(super) async fn remove(target: Named, q: Query<UnitsRequest>) -> Reply<Streamed> {
    change(target, q.origin(), q.value, false).await
}
