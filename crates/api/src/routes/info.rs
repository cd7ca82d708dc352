use actix_web::{web, HttpResponse};

use super::views::VersionJson;
use crate::error::ApiResult;
use crate::extract::Auth;
use crate::json;
use crate::state::AppState;

/// `GET /healthcheck`.
pub async fn healthcheck() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("WORKING")
}

/// `GET /1.0/info`: the server version.
pub async fn info(_: Auth, state: web::Data<AppState>) -> ApiResult {
    json::ok(&VersionJson {
        version: state.version.clone(),
    })
}
