use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};

use super::views::VersionJson;
use crate::error::ApiResult;
use crate::extract::Auth;
use crate::json;
use crate::state::AppState;

/// `GET /healthcheck[?check=<name>...]`: one line `<name>: <status> (<duration>)` per check
/// (tsuru's format), 503 when one fails; `WORKING` when there is no check (the in-memory
/// store). Without `check`, or with `check=all`, every check runs.
pub async fn healthcheck(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
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
    let body = if lines.is_empty() {
        "WORKING".to_string()
    } else {
        lines.concat()
    };
    let mut resp = if healthy {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    resp.content_type("text/plain; charset=utf-8").body(body)
}

/// `GET /1.0/info`: the server version.
pub async fn info(_: Auth, state: web::Data<AppState>) -> ApiResult {
    json::ok(&VersionJson {
        version: state.version.clone(),
    })
}
