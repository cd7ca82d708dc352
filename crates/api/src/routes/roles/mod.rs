//! `/roles`, `/role/default` and `/permissions`.
pub(crate) mod wire;

use actix_web::web;
use tsuru_domain::permission::{Grant, RoleUpdate};
use tsuru_domain::Call;

use self::wire::{
    AssignRoleRequest, ContextQuery, CreateRoleRequest, DefaultRolesRequest, PermissionResponse,
    PermissionsRequest, RoleResponse, UpdateRoleRequest,
};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Input, Named, OnName, OptionalForm, Query};
use crate::reply::{Compact, Done, Json, Made, Reply, DONE, MADE};

pub(crate) fn routes() -> Vec<Route> {
    Family("roles").routes(vec![
        Route::get("1.0", "/roles", list, "List roles"),
        Route::post("1.0", "/roles", create, "Create a role").links("name", "$request.body#/name"),
        Route::put("1.4", "/roles", update, "Update a role"),
        Route::get("1.0", "/roles/{name}", info, "A role").linked(),
        Route::delete("1.0", "/roles/{name}", remove, "Remove a role")
            .linked()
            .text(412, "The role is still assigned to users"),
        Route::post(
            "1.0",
            "/roles/{name}/permissions",
            add_permissions,
            "Add permissions to a role",
        )
        .linked(),
        Route::delete(
            "1.0",
            "/roles/{name}/permissions/{permission}",
            remove_permission,
            "Remove a permission from a role",
        ),
        Route::post("1.0", "/roles/{name}/user", assign_user, "Assign a role to a user").linked(),
        Route::delete(
            "1.0",
            "/roles/{name}/user/{email}",
            dissociate_user,
            "Dissociate a role from a user",
        ),
    ])
}

/// Routes registered after the team-token role routes (tsuru's order).
pub(crate) fn default_routes() -> Vec<Route> {
    Family("roles").routes(vec![
        Route::get("1.0", "/role/default", list_defaults, "Roles given on user or team creation"),
        Route::post("1.0", "/role/default", add_default, "Add default roles"),
        Route::delete("1.0", "/role/default", remove_default, "Remove default roles"),
        Route::get("1.0", "/permissions", permissions, "The permission tree, root first"),
    ])
}

/// No trailing newline, as tsuru.
async fn list(Caller { id, state }: Caller) -> Reply<Compact<Vec<RoleResponse>>> {
    let roles = state.roles.list(&id).await?;
    Ok(Compact(roles.into_iter().map(RoleResponse::from).collect()))
}

async fn create(Acting { call, state, body: b }: Acting<Form<CreateRoleRequest>>) -> Reply<Made> {
    state.roles.create(&call, &b.name, &b.context, &b.description).await?;
    Ok(MADE)
}

async fn update(Acting { call, state, body: b }: Acting<Form<UpdateRoleRequest>>) -> Reply<Done> {
    let upd = RoleUpdate {
        name: b.name,
        new_name: b.new_name,
        context_type: b.context_type,
        description: b.description,
    };
    state.roles.update(&call, upd).await?;
    Ok(DONE)
}

async fn info(Named { id, state, name }: Named) -> Reply<Compact<RoleResponse>> {
    Ok(Compact(state.roles.info(&id, &name).await?.into()))
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.roles.remove(&on.call, &on.name).await?;
    Ok(DONE)
}

async fn add_permissions(
    Named { id, state, name }: Named,
    form: Form<PermissionsRequest>,
) -> Reply<Done> {
    state
        .roles
        .add_permissions(&Call::new(id, form.origin()), &name, &form.value.permission)
        .await?;
    Ok(DONE)
}

async fn remove_permission(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    input: Input,
) -> Reply<Done> {
    let (name, perm) = path.into_inner();
    state.roles.remove_permission(&Call::new(id, input.origin()), &name, &perm).await?;
    Ok(DONE)
}

async fn assign_user(
    ActingOn { call, state, name, body: b }: ActingOn<Form<AssignRoleRequest>>,
) -> Reply<Done> {
    state.roles.grant_user(Grant::new(&call, &name, &b.context, true), &b.email).await?;
    Ok(DONE)
}

async fn dissociate_user(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    q: Query<ContextQuery>,
) -> Reply<Done> {
    let (name, email) = path.into_inner();
    let call = Call::new(id, q.origin());
    state.roles.grant_user(Grant::new(&call, &name, &q.value.context, false), &email).await?;
    Ok(DONE)
}

/// Roles bound to role events; `null` when none, as tsuru.
async fn list_defaults(Caller { id, state }: Caller) -> Reply<Json<Option<Vec<RoleResponse>>>> {
    let roles: Vec<RoleResponse> =
        state.roles.list_defaults(&id).await?.into_iter().map(RoleResponse::from).collect();
    Ok(Json((!roles.is_empty()).then_some(roles)))
}

async fn add_default(
    Acting { call, state, body }: Acting<Form<DefaultRolesRequest>>,
) -> Reply<Done> {
    state.roles.change_defaults(&call, true, &body.changes()).await?;
    Ok(DONE)
}

/// The same keys in the query string (or a JSON body).
async fn remove_default(
    Acting { call, state, body }: Acting<OptionalForm<DefaultRolesRequest>>,
) -> Reply<Done> {
    state.roles.change_defaults(&call, false, &body.changes()).await?;
    Ok(DONE)
}

/// The whole tree sorted by name, root first.
async fn permissions(Caller { id, state }: Caller) -> Reply<Json<Vec<PermissionResponse>>> {
    Ok(Json(
        state
            .roles
            .permissions(&id)?
            .into_iter()
            .map(|n| PermissionResponse {
                name: n.name,
                contexts: n.contexts.iter().map(|c| c.as_str()).collect(),
            })
            .collect(),
    ))
}
