//! `/apps/{app}/start`, `/apps/{app}/stop` and `/apps/{app}/restart`.
use actix_web::web;
use tsuru_domain::app::StateChange;

use super::wire::RestartRequest;
use crate::extract::{Caller, OptionalForm};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

/// Streams the state change of the app named by the path, for the process and version of
/// the form.
async fn change_state(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
    change: StateChange,
) -> Reply<Streamed> {
    let origin = form.origin();
    let RestartRequest { process, version } = form.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .change_state(&id, &origin, &name, change, &process, &version, out)
            .await
    })
    .await)
}

pub(super) async fn start(
    caller: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
) -> Reply<Streamed> {
    change_state(caller, path, form, StateChange::Start).await
}

pub(super) async fn stop(
    caller: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
) -> Reply<Streamed> {
    change_state(caller, path, form, StateChange::Stop).await
}

pub(super) async fn restart(
    caller: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
) -> Reply<Streamed> {
    change_state(caller, path, form, StateChange::Restart).await
}
