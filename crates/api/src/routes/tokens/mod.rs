//! Team tokens (`/1.6/tokens`) and their roles (`/1.6/roles/{role}/token`).
pub(crate) mod wire;

use actix_web::web;
use tsuru_domain::permission::Grant;
use tsuru_domain::token::{NewTeamToken, TeamTokenUpdate};
use tsuru_domain::{Call, Identity};

use self::wire::{CreateTokenRequest, TokenResponse, TokenRoleRequest, UpdateTokenRequest};
use super::roles::wire::ContextQuery;
use super::{Family, Route};
use crate::extract::mask::Mask;
use crate::extract::{Caller, Form, Input, Named, OptionalForm, Query};
use crate::reply::{Created, Done, Json, List, Reply, DONE};

pub(crate) fn routes() -> Vec<Route> {
    Family("tokens").routes(vec![
        Route::get("1.6", "/tokens", list, "Team tokens the caller may read").plain(),
        Route::post("1.6", "/tokens", create, "Create a team token")
            .links("token_id", "$response.body#/token_id"),
        Route::put("1.6", "/tokens/{token_id}", update, "Update or regenerate a team token")
            .linked(),
        Route::delete("1.6", "/tokens/{token_id}", remove, "Remove a team token").linked(),
        Route::get("1.7", "/tokens/{token_id}", info, "A team token").linked(),
    ])
}

pub(crate) fn role_routes() -> Vec<Route> {
    Family("tokens").routes(vec![
        Route::post("1.6", "/roles/{name}/token", assign_role, "Assign a role to a team token")
            .linked(),
        Route::delete(
            "1.6",
            "/roles/{name}/token/{token_id}",
            dissociate_role,
            "Dissociate a role from a team token",
        ),
    ])
}

/// The call `id` makes with `input`, whose events never record the token's value.
fn call(id: Identity, input: &Input, token_id: &str) -> Call {
    Call::new(id, input.origin_masked(&[Mask::TokenId(token_id)]))
}

/// The tokens of the teams the caller may read.
async fn list(Caller { id, state }: Caller) -> Reply<List<TokenResponse>> {
    let tokens = state.tokens.list(&id).await?;
    Ok(List(tokens.into_iter().map(TokenResponse::from).collect()))
}

/// 201 and the token with its value.
async fn create(
    Caller { id, state }: Caller,
    form: OptionalForm<CreateTokenRequest>,
) -> Reply<Created<TokenResponse>> {
    let b = form.value;
    let new = NewTeamToken {
        token_id: b.token_id,
        description: b.description,
        expires_in: b.expires_in.unwrap_or(0),
        team: b.team,
    };
    let call = call(id, &form.input, &new.token_id);
    let token = state.tokens.create(&call, new).await?;
    Ok(Created(token.into()))
}

async fn update(
    Named { id, state, name }: Named,
    form: OptionalForm<UpdateTokenRequest>,
) -> Reply<Json<TokenResponse>> {
    let call = call(id, &form.input, &name);
    let b = form.value;
    let upd = TeamTokenUpdate {
        regenerate: b.regenerate,
        description: b.description,
        expires_in: b.expires_in.unwrap_or(0),
    };
    let token = state.tokens.update(&call, &name, upd).await?;
    Ok(Json(token.into()))
}

async fn remove(Named { id, state, name }: Named, input: Input) -> Reply<Done> {
    state.tokens.remove(&call(id, &input, &name), &name).await?;
    Ok(DONE)
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<TokenResponse>> {
    Ok(Json(state.tokens.info(&id, &name).await?.into()))
}

async fn assign_role(
    Named { id, state, name }: Named,
    form: Form<TokenRoleRequest>,
) -> Reply<Done> {
    let call = call(id, &form.input, &form.value.token_id);
    let b = form.value;
    state.tokens.grant(Grant::new(&call, &name, &b.context, true), &b.token_id).await?;
    Ok(DONE)
}

async fn dissociate_role(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    q: Query<ContextQuery>,
) -> Reply<Done> {
    let (role, token_id) = path.into_inner();
    let call = call(id, &q.input, &token_id);
    state.tokens.grant(Grant::new(&call, &role, &q.value.context, false), &token_id).await?;
    Ok(DONE)
}
