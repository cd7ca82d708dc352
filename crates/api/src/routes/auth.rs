use actix_web::{web, HttpResponse};

use super::views::{SchemeData, SchemeJson, TokenJson};
use crate::error::ApiResult;
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;

/// `GET /1.0/auth/scheme`.
pub async fn scheme(state: web::Data<AppState>) -> ApiResult {
    let default = state.auth.schemes().into_iter().find(|s| s.default);
    json::ok(&SchemeJson {
        name: default.map(|s| s.name).unwrap_or_default(),
        default: false,
        data: SchemeData {},
    })
}

/// `GET /1.18/auth/schemes`.
pub async fn schemes(state: web::Data<AppState>) -> ApiResult {
    let list: Vec<SchemeJson> = state
        .auth
        .schemes()
        .into_iter()
        .map(|s| SchemeJson {
            name: s.name,
            default: s.default,
            data: SchemeData {},
        })
        .collect();
    json::ok(&list)
}

async fn do_login(state: &AppState, email: String, input: &Input) -> ApiResult {
    let email = input.get("email").unwrap_or(email);
    let token = state
        .auth
        .login(&email, input.get("password").as_deref())
        .await?;
    json::ok(&TokenJson { token })
}

/// `POST /1.0/auth/login`.
pub async fn login(state: web::Data<AppState>, input: Input) -> ApiResult {
    do_login(&state, String::new(), &input).await
}

/// `POST /1.0/users/{email}/tokens`: login with the e-mail in the path (a body `email` wins).
pub async fn login_path(
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    do_login(&state, path.into_inner(), &input).await
}

/// `DELETE /1.0/users/tokens`: revokes the caller's session.
pub async fn logout(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    state.auth.logout(&id).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `PUT /1.0/users/password`.
pub async fn change_password(
    Auth(id): Auth,
    state: web::Data<AppState>,
    input: Input,
) -> ApiResult {
    let (old, new, confirm) = (
        input.string("old")?,
        input.string("new")?,
        input.string("confirm")?,
    );
    state
        .auth
        .change_password(&id, &input.origin(), &old, &new, &confirm)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.0/users/{email}/password`: starts (no `token`) or finishes a password reset.
pub async fn reset_password(
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let token = input.get("token");
    state
        .auth
        .reset_password(&input.origin(), &path, token.as_deref())
        .await?;
    Ok(HttpResponse::Ok().finish())
}
