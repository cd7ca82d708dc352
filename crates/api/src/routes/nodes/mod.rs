//! `/node`: nodes of node-capable provisioners (Kubernetes `Node` objects) and the IaaS
//! machines under them.
pub(crate) mod wire;

use actix_web::{HttpRequest, HttpResponse, Responder};
use tsuru_domain::node::NodeUpdate;

use self::wire::{
    AddNodeRequest, NodeInfoResponse, NodeListQuery, NodeListResponse, NodeResponse,
    NodeStatusResponse, RemoveNodeQuery, UpdateNodeRequest,
};
use super::apps::wire::UnitResponse;
use super::iaas::wire::MachineResponse;
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Named, Query};
use crate::openapi::{Body, DescribeReply, Op, JSON};
use crate::reply::{Done, Json, List, Reply, DONE};
use crate::stream::{stream_created, CreatedStream};

pub(crate) fn routes() -> Vec<Route> {
    Family("nodes").routes(vec![
        Route::get(
            "1.2",
            "/node",
            list,
            "Nodes of the pools the caller may read, and IaaS machines (204 when both are empty)",
        )
        .plain(),
        Route::post(
            "1.2",
            "/node",
            add,
            "Add a node: register one that exists, or create a machine through the IaaS",
        ),
        Route::put(
            "1.2",
            "/node",
            update,
            "Change a node's pool, metadata, or whether it takes new units",
        ),
        Route::get("1.2", "/node/{address}/containers", units, "The units on a node"),
        Route::delete(
            "1.2",
            "/node/{address}",
            remove,
            "Remove a node, moving its units away first",
        ),
        Route::get("1.6", "/node/{address}", info, "A node, its health data and its units"),
    ])
}

/// 200 with the lists, or 204 when both are empty.
pub struct NodeList(Option<NodeListResponse>);

impl Responder for NodeList {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        match self.0 {
            Some(body) => Json(body).respond_to(req),
            None => HttpResponse::NoContent().finish(),
        }
    }
}

impl DescribeReply for NodeList {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "The nodes and machines", Some((Body::of::<NodeListResponse>(), JSON)));
        op.respond(204, "No node and no machine", None);
    }
}

async fn list(Caller { id, state }: Caller, q: Query<NodeListQuery>) -> Reply<NodeList> {
    let found = state.nodes.list(&id, &q.value.metadata).await?;
    if found.nodes.is_empty() && found.machines.is_empty() {
        return Ok(NodeList(None));
    }
    let nodes: Vec<NodeResponse> = found.nodes.into_iter().map(NodeResponse::from).collect();
    let machines: Vec<MachineResponse> =
        found.machines.into_iter().map(MachineResponse::from).collect();
    Ok(NodeList(Some(NodeListResponse {
        nodes: (!nodes.is_empty()).then_some(nodes),
        machines: (!machines.is_empty()).then_some(machines),
    })))
}

/// The checks fail with a plain error; once the 201 is sent, failures come in-band.
async fn add(
    Acting { call, state, body: b }: Acting<Form<AddNodeRequest>>,
) -> Reply<CreatedStream> {
    let pending = state.nodes.begin_add(&call, b.metadata, b.register).await?;
    Ok(stream_created(move |out| async move { state.nodes.finish_add(pending, out).await }))
}

async fn update(Acting { call, state, body: b }: Acting<Form<UpdateNodeRequest>>) -> Reply<Done> {
    let change = NodeUpdate {
        pool: String::new(),
        metadata: b.metadata,
        enable: b.enable,
        disable: b.disable,
    };
    state.nodes.update(&call, &b.address, change).await?;
    Ok(DONE)
}

async fn remove(
    ActingOn { call, state, name, body }: ActingOn<Query<RemoveNodeQuery>>,
) -> Reply<Done> {
    state.nodes.remove(&call, &name, body.no_rebalance, body.remove_iaas).await?;
    Ok(DONE)
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<NodeInfoResponse>> {
    let (node, units) = state.nodes.info(&id, &name).await?;
    Ok(Json(NodeInfoResponse {
        node: NodeResponse::from(node),
        status: NodeStatusResponse::default(),
        units: units.iter().map(UnitResponse::from).collect(),
    }))
}

async fn units(Named { id, state, name }: Named) -> Reply<List<UnitResponse>> {
    let units = state.nodes.units(&id, &name).await?;
    Ok(List(units.iter().map(UnitResponse::from).collect()))
}
