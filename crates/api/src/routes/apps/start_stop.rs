//! `/apps/{app}/start`, `/apps/{app}/stop` and `/apps/{app}/restart`.
use tsuru_domain::app::StateChange;
use tsuru_domain::Call;

use super::wire::RestartRequest;
use crate::extract::{Named, OptionalForm};
use crate::reply::Reply;
use crate::stream::{stream, Streamed};

/// Streams the state change of the app named by the path, for the process and version of
/// the form.
async fn change_state(
    Named { id, state, name }: Named,
    form: OptionalForm<RestartRequest>,
    change: StateChange,
) -> Reply<Streamed> {
    let call = Call::new(id, form.origin());
    let RestartRequest { process, version } = form.value;
    Ok(stream(move |out| async move {
        state.apps.change_state(&call, &name, change, &process, &version, out).await
    })
    .await)
}

pub(super) async fn start(target: Named, form: OptionalForm<RestartRequest>) -> Reply<Streamed> {
    change_state(target, form, StateChange::Start).await
}

pub(super) async fn stop(target: Named, form: OptionalForm<RestartRequest>) -> Reply<Streamed> {
    change_state(target, form, StateChange::Stop).await
}

pub(super) async fn restart(target: Named, form: OptionalForm<RestartRequest>) -> Reply<Streamed> {
    change_state(target, form, StateChange::Restart).await
}
