//! `/apps/{app}/deploy`: image deploys and rollbacks.
use actix_web::web;
use tsuru_domain::app::NewDeploy;
use tsuru_domain::Error;

use super::wire::{DeployRequest, RollbackRequest};
use crate::extract::{Caller, Form};
use crate::reply::Reply;
use crate::stream::{stream, stream_text, Streamed, TextStreamed};

/// Plain text ending in `OK` on success, which is how the client tells a deploy worked.
pub(super) async fn deploy(
    Caller { id, state }: Caller,
    path: web::Path<String>,
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
    let origin = form.input.origin();
    let name = path.into_inner();
    Ok(stream_text(move |out| async move {
        state
            .apps
            .deploy(&id, &origin, &name, new, out.clone())
            .await?;
        out.write("\nOK\n");
        Ok::<(), Error>(())
    })
    .await)
}

pub(super) async fn rollback(
    Caller { id, state }: Caller,
    path: web::Path<String>,
    form: Form<RollbackRequest>,
) -> Reply<Streamed> {
    let origin = form.origin();
    let RollbackRequest { image, message, .. } = form.value;
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .rollback(&id, &origin, &name, &image, &message, out)
            .await
    })
    .await)
}
