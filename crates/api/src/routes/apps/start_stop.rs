//! `/apps/{app}/start` and `/apps/{app}/stop`.
use actix_web::web;

use super::wire::RestartRequest;
use crate::extract::{Caller, OptionalForm};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

pub(super) async fn start(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
) -> Reply<Streamed> {
    let origin = form.origin();
    let RestartRequest { process, version } = form.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .start(&id, &origin, &name, &process, &version, out)
            .await
    })
    .await)
}

pub(super) async fn stop(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: OptionalForm<RestartRequest>,
) -> Reply<Streamed> {
    let origin = form.origin();
    let RestartRequest { process, version } = form.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .stop(&id, &origin, &name, &process, &version, out)
            .await
    })
    .await)
}
