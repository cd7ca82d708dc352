use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Family, Route};
use crate::extract::Auth;
use crate::reply::{Json, Reply, Text};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("misc").routes(vec![
        Route::get("1.0", "/healthcheck", healthcheck, "Health check").plain(),
        Route::get("1.0", "/healthcheck/", healthcheck, "Health check").plain(),
        Route::get("1.0", "/info", info, "Server version").plain(),
        Route::get("1.0", "/metrics", metrics, "Prometheus metrics of this process")
            .plain()
            .text(200, "Prometheus text exposition format"),
    ])
}

/// `{"version"}`: the server version.
#[derive(Serialize, ToSchema)]
pub struct VersionResponse {
    pub version: String,
}

/// `GET /healthcheck[?check=<name>...]`: one line `<name>: <status> (<duration>)` per check
/// (tsuru's format), 503 when one fails; `WORKING` when there is no check (the in-memory
/// store). Without `check`, or with `check=all`, every check runs.
async fn healthcheck(req: HttpRequest, state: web::Data<AppState>) -> Text {
    let asked: Vec<String> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| k == "check")
        .map(|(_, v)| v.into_owned())
        .collect();
    let wanted = |name: &str| asked.is_empty() || asked.iter().any(|a| a == "all" || a == name);
    let mut lines: Vec<String> = Vec::new();
    let mut healthy = true;
    if let Some(db) = state.database.as_ref().filter(|_| wanted("mongodb")) {
        let started = Instant::now();
        let outcome = db.ping().await;
        let took = started.elapsed();
        let status = match outcome {
            Ok(()) => "WORKING".to_string(),
            Err(e) => {
                healthy = false;
                format!("fail - {e}")
            }
        };
        lines.push(format!("mongodb: {status} ({took:?})\n"));
    }
    let body = if lines.is_empty() { "WORKING".to_string() } else { lines.concat() };
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    Text(status, body)
}

/// `GET /1.0/info`: the server version.
async fn info(_: Auth, state: web::Data<AppState>) -> Reply<Json<VersionResponse>> {
    Ok(Json(VersionResponse { version: state.version.clone() }))
}

/// `GET /metrics`: what this process counted, in Prometheus text format (no store command).
async fn metrics(state: web::Data<AppState>) -> Text {
    let store = state.database.as_ref().and_then(|db| db.commands());
    Text(StatusCode::OK, state.metrics.render(store.as_deref(), state.events.held_locks()))
}
