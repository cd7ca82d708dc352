//! `/users`: accounts, API keys, SSH keys and quotas.
pub(crate) mod wire;

use std::collections::BTreeMap;

use actix_web::web;
use tsuru_domain::quota::QuotaUseCases;
use tsuru_domain::Call;

use self::wire::{AddKeyRequest, CreateUserRequest, UserListQuery, UserQuery, UserResponse};
use super::quota::{quota, set_quota, QuotaOf};
use super::{Family, Route};
use crate::extract::{Acting, Caller, Form, MaybeAuth, OnName, Query};
use crate::reply::{Done, Json, Made, Reply, DONE, MADE};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("users").routes(vec![
        Route::post("1.0", "/users", create, "Create a user")
            .links("email", "$request.body#/email"),
        Route::get("1.0", "/users", list, "List users"),
        Route::delete("1.0", "/users", remove, "Remove a user (the caller without `user`)"),
        Route::get("1.0", "/users/info", info, "The caller"),
        Route::get("1.0", "/users/api-key", api_key, "Show an API key"),
        Route::post("1.0", "/users/api-key", regenerate_api_key, "Regenerate an API key"),
        Route::get("1.0", "/users/keys", list_keys, "The caller's SSH keys"),
        Route::post("1.0", "/users/keys", add_key, "Add an SSH key")
            .links("key", "$request.body#/name"),
        Route::delete("1.0", "/users/keys/{key}", remove_key, "Remove an SSH key by name").linked(),
        Route::get("1.0", "/users/{email}/quota", quota::<Users>, "A user's app quota").linked(),
        Route::put("1.0", "/users/{email}/quota", set_quota::<Users>, "Change a user's app quota")
            .linked(),
    ])
}

async fn create(
    MaybeAuth(caller): MaybeAuth,
    state: web::Data<AppState>,
    form: Form<CreateUserRequest>,
) -> Reply<Made> {
    let origin = form.origin();
    let CreateUserRequest { email, password } = form.value;
    state.auth.create_user(caller.as_ref(), &origin, &email, &password).await?;
    Ok(MADE)
}

async fn list(
    Caller { id, state }: Caller,
    q: Query<UserListQuery>,
) -> Reply<Json<Vec<UserResponse>>> {
    let q = q.value;
    let users = state.users.list(&id, &q.user_email, &q.role, &q.context).await?;
    Ok(Json(users.into_iter().map(UserResponse::from).collect()))
}

async fn info(Caller { id, state }: Caller) -> Reply<Json<UserResponse>> {
    Ok(Json(state.users.info(&id).await?.into()))
}

async fn remove(Caller { id, state }: Caller, q: Query<UserQuery>) -> Reply<Done> {
    state.users.remove(&Call::new(id, q.origin()), q.value.user.as_deref()).await?;
    Ok(DONE)
}

async fn api_key(Caller { id, state }: Caller, q: Query<UserQuery>) -> Reply<Json<String>> {
    Ok(Json(state.users.api_key(&id, q.value.user.as_deref()).await?))
}

async fn regenerate_api_key(
    Caller { id, state }: Caller,
    q: Query<UserQuery>,
) -> Reply<Json<String>> {
    Ok(Json(
        state.users.regenerate_api_key(&Call::new(id, q.origin()), q.value.user.as_deref()).await?,
    ))
}

/// `{"<name>":"<key>"}`.
async fn list_keys(Caller { id, state }: Caller) -> Reply<Json<BTreeMap<String, String>>> {
    Ok(Json(state.users.keys(&id).await?.into_iter().map(|k| (k.name, k.content)).collect()))
}

async fn add_key(Acting { call, state, body }: Acting<Form<AddKeyRequest>>) -> Reply<Done> {
    let AddKeyRequest { name, key, force } = body;
    state.users.add_key(&call, &name, &key, force).await?;
    Ok(DONE)
}

async fn remove_key(on: OnName) -> Reply<Done> {
    on.state.users.remove_key(&on.call, &on.name).await?;
    Ok(DONE)
}

/// The users quota routes' use cases.
struct Users;

impl QuotaOf for Users {
    fn of(state: &AppState) -> &dyn QuotaUseCases {
        state.users.as_ref()
    }
}
