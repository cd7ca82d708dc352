use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;
use tsuru_domain::event::{Event, EventFilter};

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Input};
use crate::json as j;
use crate::state::AppState;

/// tsuru's event JSON (Go field names, declaration order); `info` adds the custom data.
pub fn event_json(e: &Event, info: bool) -> Value {
    tsuru_domain::event::json::to_json(e, info)
}

/// Go's time layouts accepted by tsuru's form decoder.
fn parse_time(key: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for layout in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, layout) {
            return Ok(t.and_utc());
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d"));
    date.ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "invalid value for {key:?}: {s:?} is not a time (use RFC 3339)"
            ))
        })
}

fn non_empty(input: &Input, key: &str) -> Option<String> {
    input.get(key).filter(|v| !v.is_empty())
}

fn filter(input: &Input) -> Result<EventFilter, ApiError> {
    let time = |key: &str| {
        non_empty(input, key)
            .map(|s| parse_time(key, &s))
            .transpose()
    };
    let count = |key: &str| -> Result<usize, ApiError> {
        Ok(input
            .int(key)?
            .map_or(0, |n| usize::try_from(n.max(0)).unwrap_or(0)))
    };
    Ok(EventFilter {
        target_type: non_empty(input, "target.type"),
        target_value: non_empty(input, "target.value"),
        kind_type: non_empty(input, "kindtype"),
        kind_names: input
            .list("kindname")?
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect(),
        owner_type: non_empty(input, "ownertype"),
        owner_name: non_empty(input, "ownername"),
        since: time("since")?,
        until: time("until")?,
        running: input.bool("running")?,
        error_only: input.bool("erroronly")?.unwrap_or(false),
        sort: non_empty(input, "sort"),
        skip: count("skip")?,
        limit: count("limit")?,
        visibility: None,
    })
}

/// `GET /1.1/events`: events visible to the caller; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let events = state.events.list(&id, filter(&input)?).await?;
    if events.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    j::ok(
        &events
            .iter()
            .map(|e| event_json(e, false))
            .collect::<Vec<_>>(),
    )
}

/// `GET /1.1/events/kinds`: distinct kinds; 204 when none.
pub async fn kinds(_: Auth, state: web::Data<AppState>) -> ApiResult {
    let kinds = state.events.kinds().await?;
    if kinds.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    j::ok(&kinds)
}

/// `GET /1.1/events/{id}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    let event = state.events.info(&id, &path).await?;
    j::ok(&event_json(&event, true))
}

/// `POST /1.1/events/{id}/cancel` with `reason`.
pub async fn cancel(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .events
        .cancel(&id, &path, &input.value("reason"))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
