//! `/auth` and the session routes under `/users`: login, logout, password change and reset.
pub(crate) mod wire;

use actix_web::web;

use self::wire::{
    ChangePasswordRequest, LoginRequest, ResetQuery, SchemeDataResponse, SchemeResponse,
    SessionResponse,
};
use super::{Family, Route};
use crate::extract::{Acting, Caller, Form, Query};
use crate::reply::{Done, Json, Reply, DONE};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("auth").routes(vec![
        Route::get("1.0", "/auth/scheme", scheme, "The default auth scheme").plain(),
        Route::get("1.18", "/auth/schemes", schemes, "Every auth scheme").plain(),
        Route::post("1.0", "/auth/login", login, "Log in"),
        Route::delete("1.0", "/users/tokens", logout, "Log out: revoke this session"),
        Route::put("1.0", "/users/password", change_password, "Change the caller's password"),
        Route::post("1.0", "/users/{email}/tokens", login_path, "Log in (e-mail in the path)"),
        Route::post(
            "1.0",
            "/users/{email}/password",
            reset_password,
            "Start (no token) or finish a password reset",
        )
        .text(429, "Too many password resets for this e-mail"),
    ])
}

async fn scheme(state: web::Data<AppState>) -> Reply<Json<SchemeResponse>> {
    let default = state.auth.schemes().into_iter().find(|s| s.default);
    Ok(Json(SchemeResponse {
        name: default.map(|s| s.name).unwrap_or_default(),
        default: false,
        data: SchemeDataResponse {},
    }))
}

async fn schemes(state: web::Data<AppState>) -> Reply<Json<Vec<SchemeResponse>>> {
    Ok(Json(
        state
            .auth
            .schemes()
            .into_iter()
            .map(|s| SchemeResponse {
                name: s.name,
                default: s.default,
                data: SchemeDataResponse {},
            })
            .collect(),
    ))
}

async fn do_login(
    state: &AppState,
    email: String,
    form: LoginRequest,
) -> Reply<Json<SessionResponse>> {
    let email = form.email.unwrap_or(email);
    let token = state.auth.login(&email, form.password.as_deref()).await?;
    Ok(Json(SessionResponse { token }))
}

async fn login(
    state: web::Data<AppState>,
    form: Form<LoginRequest>,
) -> Reply<Json<SessionResponse>> {
    do_login(&state, String::new(), form.value).await
}

/// A body `email` wins over the path's.
async fn login_path(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: Form<LoginRequest>,
) -> Reply<Json<SessionResponse>> {
    do_login(&state, path.into_inner(), form.value).await
}

async fn logout(Caller { id, state }: Caller) -> Reply<Done> {
    state.auth.logout(&id).await?;
    Ok(DONE)
}

async fn change_password(
    Acting { call, state, body }: Acting<Form<ChangePasswordRequest>>,
) -> Reply<Done> {
    let ChangePasswordRequest { old, new, confirm } = body;
    state.auth.change_password(&call, &old, &new, &confirm).await?;
    Ok(DONE)
}

async fn reset_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: Query<ResetQuery>,
) -> Reply<Done> {
    state.auth.reset_password(&q.origin(), &path, q.value.token.as_deref()).await?;
    Ok(DONE)
}
