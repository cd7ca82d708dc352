//! `/volumes` and `/volumeplans`.
pub(crate) mod wire;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use tsuru_domain::volume::{self, NewVolume, VolumeFilter};

use self::wire::{
    BindRequest, UnbindRequest, VolumeListQuery, VolumePlanResponse, VolumePlansResponse,
    VolumeRequest, VolumeResponse,
};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Named, OnName, Query};
use crate::openapi::{Body, DescribeReply, Op, JSON};
use crate::reply::{Done, Json, List, Made, Reply, DONE, MADE};
use crate::stream::{stream, Streamed};

pub(crate) fn routes() -> Vec<Route> {
    Family("volumes").routes(vec![
        Route::get("1.4", "/volumes", list, "Volumes the caller may read, with their binds")
            .plain(),
        Route::post("1.4", "/volumes", create, "Create a volume")
            .text(400, volume::INVALID_VOLUME_NAME)
            .text(409, volume::VOLUME_ALREADY_EXISTS)
            .links("volume", "$request.body#/Name"),
        Route::get("1.4", "/volumes/{volume}", info, "A volume with its binds")
            .linked()
            .text(404, volume::VOLUME_NOT_FOUND),
        Route::post(
            "1.4",
            "/volumes/{volume}",
            update,
            "Replace a volume (missing fields are wiped; refused once provisioned)",
        )
        .linked()
        .text(400, volume::VOLUME_PLAN_NOT_IN_POOL)
        .text(404, volume::VOLUME_NOT_FOUND)
        .text(409, volume::VOLUME_ALREADY_PROVISIONED),
        Route::delete("1.4", "/volumes/{volume}", remove, "Delete a volume")
            .linked()
            .text(404, volume::VOLUME_NOT_FOUND)
            .text(409, volume::VOLUME_HAS_BINDS),
        Route::post(
            "1.4",
            "/volumes/{volume}/bind",
            bind,
            "Bind a volume to an app at a mount point (restarts the app unless NoRestart)",
        )
        .linked()
        .text(400, volume::BIND_MOUNT_POINT_REQUIRED)
        .text(404, volume::VOLUME_NOT_FOUND)
        .text(409, volume::VOLUME_ALREADY_BOUND),
        Route::delete(
            "1.4",
            "/volumes/{volume}/bind",
            unbind,
            "Unbind a volume from an app (restarts the app unless NoRestart)",
        )
        .text(404, volume::VOLUME_BIND_NOT_FOUND),
        Route::get("1.4", "/volumeplans", plans, "Volume plans by provisioner"),
    ])
}

fn new_volume(b: VolumeRequest) -> NewVolume {
    NewVolume {
        name: b.name,
        pool: b.pool,
        plan: b.plan.name,
        team_owner: b.team_owner,
        opts: b.opts,
    }
}

async fn list(
    Caller { id, state }: Caller,
    q: Query<VolumeListQuery>,
) -> Reply<List<VolumeResponse>> {
    let q = q.value;
    let filter =
        VolumeFilter { name: q.name, pool: q.pool, plan: q.plan, team_owner: q.team_owner };
    let all = state.volumes.list(&id, &filter).await?;
    Ok(List(all.into_iter().map(VolumeResponse::from).collect()))
}

async fn create(Acting { call, state, body }: Acting<Form<VolumeRequest>>) -> Reply<Made> {
    state.volumes.create(&call, new_volume(body)).await?;
    Ok(MADE)
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<VolumeResponse>> {
    Ok(Json(state.volumes.info(&id, &name).await?.into()))
}

async fn update(
    ActingOn { call, state, name, body }: ActingOn<Form<VolumeRequest>>,
) -> Reply<Done> {
    state.volumes.update(&call, &name, new_volume(body)).await?;
    Ok(DONE)
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.volumes.remove(&on.call, &on.name).await?;
    Ok(DONE)
}

async fn bind(
    ActingOn { call, state, name, body: b }: ActingOn<Form<BindRequest>>,
) -> Reply<Streamed> {
    let req = volume::BindRequest {
        app: b.app,
        mount_point: b.mount_point,
        read_only: b.read_only,
        no_restart: b.no_restart,
    };
    Ok(stream(move |out| async move { state.volumes.bind(&call, &name, req, out).await }).await)
}

/// From the query string, as the client sends it.
async fn unbind(
    ActingOn { call, state, name, body: b }: ActingOn<Query<UnbindRequest>>,
) -> Reply<Streamed> {
    let req =
        volume::UnbindRequest { app: b.app, mount_point: b.mount_point, no_restart: b.no_restart };
    Ok(stream(move |out| async move { state.volumes.unbind(&call, &name, req, out).await }).await)
}

/// The plans by provisioner, or 204 without a body when none is configured.
struct Plans(VolumePlansResponse);

impl Responder for Plans {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        if self.0 .0.is_empty() {
            return HttpResponse::NoContent().finish();
        }
        crate::json::json(StatusCode::OK, &self.0)
            .unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
    }
}

impl DescribeReply for Plans {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "Plans by provisioner", Some((Body::of::<VolumePlansResponse>(), JSON)));
        op.respond(204, "No plan configured", None);
    }
}

async fn plans(Caller { id, state }: Caller) -> Reply<Plans> {
    let by = state.volumes.plans(&id)?;
    Ok(Plans(VolumePlansResponse(
        by.into_iter()
            .map(|(prov, list)| (prov, list.into_iter().map(VolumePlanResponse::from).collect()))
            .collect(),
    )))
}
