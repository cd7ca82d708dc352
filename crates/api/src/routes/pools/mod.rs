//! `/pools` and `/constraints`.
pub(crate) mod wire;

use tsuru_domain::pool::{Constraint, NewPool, PoolUpdate};

use self::wire::{
    ConstraintRequest, ConstraintResponse, CreatePoolRequest, PoolResponse, PoolTeamsRequest,
    UpdatePoolRequest,
};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Named, OnName, OptionalForm, Query};
use crate::reply::{Done, Json, List, Made, Reply, DONE, MADE};

pub(crate) fn routes() -> Vec<Route> {
    Family("pools").routes(vec![
        Route::get("1.0", "/pools", list, "Pools the caller may use or read").plain(),
        Route::post("1.0", "/pools", create, "Create a pool").links("pool", "$request.body#/name"),
        Route::get("1.8", "/pools/{pool}", info, "A pool").linked(),
        Route::put("1.0", "/pools/{pool}", update, "Update a pool (only the fields sent)").linked(),
        Route::delete("1.0", "/pools/{pool}", remove, "Remove a pool").linked(),
        Route::post("1.0", "/pools/{pool}/team", add_teams, "Allow teams to use a pool").linked(),
        Route::delete("1.0", "/pools/{pool}/team", remove_teams, "Remove teams from a pool")
            .linked(),
        Route::get("1.3", "/constraints", constraints, "Pool constraints"),
        Route::put(
            "1.3",
            "/constraints",
            set_constraint,
            "Set (or, with `append`, extend) a pool constraint",
        ),
    ])
}

/// Pools the caller may use or read.
async fn list(Caller { id, state }: Caller) -> Reply<List<PoolResponse>> {
    let pools = state.pools.list(&id).await?;
    Ok(List(pools.into_iter().map(PoolResponse::from).collect()))
}

/// The client calls it bare.
async fn info(Named { id, state, name }: Named) -> Reply<Json<PoolResponse>> {
    Ok(Json(state.pools.info(&id, &name).await?.into()))
}

async fn create(Acting { call, state, body: b }: Acting<Form<CreatePoolRequest>>) -> Reply<Made> {
    let new = NewPool {
        name: b.name,
        public: b.public,
        default: b.default,
        force: b.force,
        provisioner: b.provisioner,
        labels: b.labels,
    };
    state.pools.create(&call, new).await?;
    Ok(MADE)
}

/// Only the fields sent change.
async fn update(
    ActingOn { call, state, name, body: b }: ActingOn<OptionalForm<UpdatePoolRequest>>,
) -> Reply<Done> {
    let upd = PoolUpdate { default: b.default, public: b.public, force: b.force, labels: b.labels };
    state.pools.update(&call, &name, upd).await?;
    Ok(DONE)
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.pools.remove(&on.call, &on.name).await?;
    Ok(DONE)
}

async fn add_teams(
    ActingOn { call, state, name, body }: ActingOn<Form<PoolTeamsRequest>>,
) -> Reply<Done> {
    state.pools.add_teams(&call, &name, body.team).await?;
    Ok(DONE)
}

/// `?team=a&team=b`.
async fn remove_teams(
    ActingOn { call, state, name, body }: ActingOn<Query<PoolTeamsRequest>>,
) -> Reply<Done> {
    state.pools.remove_teams(&call, &name, body.team).await?;
    Ok(DONE)
}

async fn constraints(Caller { id, state }: Caller) -> Reply<List<ConstraintResponse>> {
    let list = state.pools.constraints(&id).await?;
    Ok(List(list.into_iter().map(ConstraintResponse::from).collect()))
}

async fn set_constraint(
    Acting { call, state, body: b }: Acting<Form<ConstraintRequest>>,
) -> Reply<Done> {
    let append = b.append;
    let c = Constraint {
        pool_expr: b.pool_expr,
        field: b.field,
        values: b.values,
        blacklist: b.blacklist,
    };
    state.pools.set_constraint(&call, c, append).await?;
    Ok(DONE)
}
