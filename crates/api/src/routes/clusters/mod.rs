//! `/provisioner/clusters` and `/provisioner`: clusters and the provisioners that use them.
pub(crate) mod wire;

use std::future::Future;

use actix_web::{HttpRequest, HttpResponse};
use tsuru_domain::Call;

use self::wire::{ClusterBody, ProvisionerResponse};
use super::{Family, Route};
use crate::extract::mask::Mask;
use crate::extract::{Caller, JsonBody, Named, OnName};

use crate::reply::{Json, List, Reply};
use crate::stream::{stream, STREAM_TYPE};

pub(crate) fn routes() -> Vec<Route> {
    Family("clusters").routes(vec![
        Route::get("1.3", "/provisioner/clusters", list, "Every cluster (no credentials)"),
        Route::post(
            "1.3",
            "/provisioner/clusters",
            create,
            "Add a cluster (streamed when `Accept: application/x-json-stream`)",
        )
        .text(404, "A pool in `pools` does not exist")
        .text(409, "The cluster exists")
        .links("name", "$request.body#/name"),
        Route::post(
            "1.4",
            "/provisioner/clusters/{name}",
            update,
            "Replace a cluster (the whole document; credentials left out are kept)",
        )
        .linked()
        .text(404, "The cluster does not exist"),
        Route::get("1.8", "/provisioner/clusters/{name}", info, "A cluster (no credentials)")
            .linked()
            .text(404, "The cluster does not exist"),
        Route::delete(
            "1.3",
            "/provisioner/clusters/{name}",
            remove,
            "Remove a cluster (its objects stay on it)",
        )
        .linked()
        .text(404, "The cluster does not exist"),
        Route::get(
            "1.7",
            "/provisioner",
            provisioners,
            "Registered provisioners and their cluster options",
        ),
    ])
}

crate::reply::ready_reply!(
    /// 200 once done, without a body; or, when the client accepts `application/x-json-stream`
    /// (tsuru's client does), the operation's progress streamed (see [`crate::stream`]).
    pub MaybeStreamed: 200,
    "Done, without a body; with `Accept: application/x-json-stream`, the progress as \
     `application/x-json-stream` lines (errors after the first line in-band)",
    None
);

/// Runs `op`, streamed when the client asks for it.
async fn maybe_streamed<F, Fut>(req: &HttpRequest, op: F) -> Reply<MaybeStreamed>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), tsuru_domain::Error>> + 'static,
{
    let wants_stream = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(STREAM_TYPE));
    if wants_stream {
        Ok(MaybeStreamed(stream(move |_out| op()).await.0))
    } else {
        op().await?;
        Ok(MaybeStreamed(HttpResponse::Ok().finish()))
    }
}

async fn list(Caller { id, state }: Caller) -> Reply<List<ClusterBody>> {
    let clusters = state.clusters.list(&id).await?;
    Ok(List(clusters.into_iter().map(ClusterBody::from).collect()))
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<ClusterBody>> {
    Ok(Json(state.clusters.info(&id, &name).await?.into()))
}

async fn create(
    Caller { id, state }: Caller,
    req: HttpRequest,
    body: JsonBody<ClusterBody>,
) -> Reply<MaybeStreamed> {
    let call = Call::new(id, body.origin_masked(&[Mask::Cluster]));
    let cluster = body.value.into_cluster()?;
    maybe_streamed(&req, move || async move { state.clusters.create(&call, cluster).await }).await
}

async fn update(
    Named { id, state, name }: Named,
    req: HttpRequest,
    body: JsonBody<ClusterBody>,
) -> Reply<MaybeStreamed> {
    let call = Call::new(id, body.origin_masked(&[Mask::Cluster]));
    let cluster = body.value.into_cluster()?;
    maybe_streamed(&req, move || async move { state.clusters.update(&call, &name, cluster).await })
        .await
}

async fn remove(on: OnName, req: HttpRequest) -> Reply<MaybeStreamed> {
    let OnName { call, state, name } = on;
    maybe_streamed(&req, move || async move { state.clusters.delete(&call, &name).await }).await
}

async fn provisioners(Caller { id, state }: Caller) -> Reply<List<ProvisionerResponse>> {
    let all = state.clusters.provisioners(&id).await?;
    Ok(List(all.into_iter().map(ProvisionerResponse::from).collect()))
}
