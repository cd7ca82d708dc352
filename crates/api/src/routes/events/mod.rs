//! `/events`: the audit trail.
pub(crate) mod wire;

use actix_web::web;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use tsuru_domain::event::json::EventJson;
use tsuru_domain::event::{EventFilter, Kind};

use self::wire::{CancelRequest, EventListQuery};
use super::{Family, Route};
use crate::error::ApiError;
use crate::extract::{Auth, Caller, Form, Named, Query};
use crate::reply::{Json, List, NoContent, Reply, NO_CONTENT};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    Family("events").routes(vec![
        Route::get("1.1", "/events", list, "Events the caller may see, newest first"),
        Route::get("1.1", "/events/kinds", kinds, "Distinct event kinds"),
    ])
}

/// Registered after the webhook routes, whose paths `/events/{id}` would match.
pub(crate) fn id_routes() -> Vec<Route> {
    Family("events").routes(vec![
        Route::get("1.1", "/events/{id}", info, "An event with its custom data"),
        Route::post("1.1", "/events/{id}/cancel", cancel, "Ask a running event to cancel"),
    ])
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
    date.ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "invalid value for {key:?}: {} is not a time (use RFC 3339)",
            crate::extract::excerpt(s, 40)
        ))
    })
}

fn filter(q: EventListQuery) -> Result<EventFilter, ApiError> {
    let time = |key: &str, v: Option<String>| v.map(|s| parse_time(key, &s)).transpose();
    let count = |n: Option<i64>| n.map_or(0, |n| usize::try_from(n.max(0)).unwrap_or(0));
    Ok(EventFilter {
        target_type: q.target_type,
        target_value: q.target_value,
        kind_type: q.kindtype,
        kind_names: q.kindname.into_iter().filter(|k| !k.is_empty()).collect(),
        owner_type: q.ownertype,
        owner_name: q.ownername,
        since: time("since", q.since)?,
        until: time("until", q.until)?,
        running: q.running,
        error_only: q.erroronly,
        sort: q.sort,
        skip: count(q.skip),
        limit: count(q.limit),
        visibility: None,
    })
}

/// Events visible to the caller.
async fn list(Caller { id, state }: Caller, q: Query<EventListQuery>) -> Reply<List<EventJson>> {
    let events = state.events.list(&id, filter(q.value)?).await?;
    Ok(List(events.iter().map(|e| EventJson::new(e, false)).collect()))
}

async fn kinds(_: Auth, state: web::Data<AppState>) -> Reply<List<Kind>> {
    Ok(List(state.events.kinds().await?))
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<EventJson>> {
    let event = state.events.info(&id, &name).await?;
    Ok(Json(EventJson::new(&event, true)))
}

async fn cancel(Named { id, state, name }: Named, form: Form<CancelRequest>) -> Reply<NoContent> {
    state.events.cancel(&id, &name, &form.value.reason).await?;
    Ok(NO_CONTENT)
}
