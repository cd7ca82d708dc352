//! `/apps/{app}/deploy`: image deploys and rollbacks.
use tsuru_domain::app::NewDeploy;
use tsuru_domain::Call;
use tsuru_domain::Error;

use super::wire::{DeployRequest, RollbackRequest};
use crate::extract::{Form, Named};
use crate::reply::Reply;
use crate::stream::{stream, stream_text, Streamed, TextStreamed};

/// Plain text ending in `OK` on success, which is how the client tells a deploy worked.
pub(super) async fn deploy(
    Named { id, state, name }: Named,
    form: Form<DeployRequest>,
) -> Reply<TextStreamed> {
    let b = form.value;
    let build = if form.input.file("file").is_some() {
        Some("file")
    } else if !b.archive_url.is_empty() {
        Some("archive-url")
    } else if !b.dockerfile.is_empty() {
        Some("dockerfile")
    } else {
        None
    };
    let new = NewDeploy {
        image: b.image,
        build: build.map(String::from),
        origin: b.origin,
        message: b.message,
        commit: b.commit,
        procfile: b.procfile,
        new_version: b.new_version,
    };
    let call = Call::new(id, form.input.origin());
    Ok(stream_text(move |out| async move {
        state.apps.deploy(&call, &name, new, out.clone()).await?;
        out.write("\nOK\n");
        Ok::<(), Error>(())
    })
    .await)
}

pub(super) async fn rollback(
    Named { id, state, name }: Named,
    form: Form<RollbackRequest>,
) -> Reply<Streamed> {
    let call = Call::new(id, form.origin());
    let RollbackRequest { image, message, .. } = form.value;
    Ok(stream(
        move |out| async move { state.apps.rollback(&call, &name, &image, &message, out).await },
    )
    .await)
}
