//! `/teams`: teams, their info and quota.
pub(crate) mod wire;

use tsuru_domain::quota::QuotaUseCases;

use self::wire::{
    CreateTeamRequest, TeamItemResponse, TeamPoolResponse, TeamResponse, UpdateTeamRequest,
};
use super::apps::wire::AppItemResponse;
use super::quota::{quota, set_quota, QuotaOf};
use super::users::wire::UserResponse;
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Named, OnName};
use crate::reply::{Done, Json, List, Made, Reply, DONE, MADE};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("teams").routes(vec![
        Route::get("1.0", "/teams", list, "Teams the caller holds permissions on"),
        Route::post("1.0", "/teams", create, "Create a team").links("name", "$request.body#/name"),
        Route::delete("1.0", "/teams/{name}", remove, "Remove a team").linked(),
        Route::get("1.4", "/teams/{name}", info, "A team, its users, pools and apps").linked(),
        Route::put("1.6", "/teams/{name}", update, "Rename a team or change its tags").linked(),
        Route::post("1.4", "/teams/{name}", update, "Rename a team or change its tags (legacy)")
            .linked(),
        Route::get("1.12", "/teams/{name}/quota", quota::<Teams>, "A team's app quota").linked(),
        Route::put("1.12", "/teams/{name}/quota", set_quota::<Teams>, "Change a team's app quota")
            .linked(),
    ])
}

async fn list(Caller { id, state }: Caller) -> Reply<List<TeamItemResponse>> {
    let teams = state.teams.list(&id).await?;
    Ok(List(
        teams
            .into_iter()
            .map(|t| TeamItemResponse { name: t.name, permissions: t.permissions, tags: t.tags })
            .collect(),
    ))
}

async fn create(Acting { call, state, body }: Acting<Form<CreateTeamRequest>>) -> Reply<Made> {
    let CreateTeamRequest { name, tags, tag } = body;
    state.teams.create(&call, &name, [tags, tag].concat()).await?;
    Ok(MADE)
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.teams.remove(&on.call, &on.name).await?;
    Ok(DONE)
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<TeamResponse>> {
    let info = state.team_overview.info(&id, &name).await?;
    Ok(Json(TeamResponse {
        apps: info.apps.iter().map(|a| AppItemResponse::new(a, &state.routers, true)).collect(),
        name: info.team.name,
        pools: info
            .pools
            .into_iter()
            .map(|p| TeamPoolResponse {
                name: p.name,
                default: p.default,
                provisioner: p.provisioner,
                labels: p.labels,
            })
            .collect(),
        tags: info.team.tags,
        users: info.users.into_iter().map(UserResponse::from).collect(),
    }))
}

async fn update(
    ActingOn { call, state, name, body }: ActingOn<Form<UpdateTeamRequest>>,
) -> Reply<Done> {
    let UpdateTeamRequest { newname, tags, tag } = body;
    let new_name = (!newname.is_empty()).then_some(newname.as_str());
    state.teams.update(&call, &name, new_name, [tags, tag].concat()).await?;
    Ok(DONE)
}

/// The teams quota routes' use cases.
struct Teams;

impl QuotaOf for Teams {
    fn of(state: &AppState) -> &dyn QuotaUseCases {
        state.teams.as_ref()
    }
}
