//! Event webhooks (`/1.6/events/webhooks`) and their deliveries.
use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use tsuru_domain::webhook::{Delivery, DeliveryState, Webhook, WebhookFilter, SECRET_MASK};
use tsuru_domain::Origin;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Input};
use crate::json::{self, go_time, ZERO_TIME};
use crate::state::AppState;

/// Which events a webhook receives (empty lists match everything).
#[derive(Serialize, ToSchema)]
#[schema(as = WebhookFilterJson)]
pub(crate) struct FilterJson {
    target_types: Vec<String>,
    target_values: Vec<String>,
    kind_types: Vec<String>,
    kind_names: Vec<String>,
    error_only: bool,
    success_only: bool,
}

/// tsuru's webhook JSON; `secret` reads back as `*****` when set and is absent otherwise.
#[derive(Serialize, ToSchema)]
pub(crate) struct WebhookJson {
    name: String,
    description: String,
    team_owner: String,
    event_filter: FilterJson,
    url: String,
    proxy_url: String,
    headers: BTreeMap<String, Vec<String>>,
    method: String,
    body: String,
    insecure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'static str>,
}

impl From<Webhook> for WebhookJson {
    fn from(h: Webhook) -> Self {
        let f = h.filter;
        WebhookJson {
            name: h.name,
            description: h.description,
            team_owner: h.team_owner,
            event_filter: FilterJson {
                target_types: f.target_types,
                target_values: f.target_values,
                kind_types: f.kind_types,
                kind_names: f.kind_names,
                error_only: f.error_only,
                success_only: f.success_only,
            },
            url: h.url,
            proxy_url: h.proxy_url,
            headers: h.headers,
            method: h.method,
            body: h.body,
            insecure: h.insecure,
            secret: (!h.secret.is_empty()).then_some(SECRET_MASK),
        }
    }
}

/// One call of a delivery: `status` is `null` when no response came.
#[derive(Serialize, ToSchema)]
#[schema(as = DeliveryAttemptJson)]
pub(crate) struct AttemptJson {
    number: u32,
    time: String,
    status: Option<u16>,
    error: String,
    duration_ms: u64,
}

/// A webhook delivery; `next_attempt_at` is Go's zero time unless it is pending.
#[derive(Serialize, ToSchema)]
pub(crate) struct DeliveryJson {
    id: String,
    webhook: String,
    event_id: String,
    event_kind: String,
    method: String,
    url: String,
    state: &'static str,
    created_at: String,
    next_attempt_at: String,
    last_error: String,
    attempts: Vec<AttemptJson>,
}

impl From<Delivery> for DeliveryJson {
    fn from(d: Delivery) -> Self {
        DeliveryJson {
            id: d.id,
            webhook: d.webhook,
            event_id: d.event_id,
            event_kind: d.event_kind,
            method: d.request.method,
            url: d.request.url,
            state: d.state.as_str(),
            created_at: go_time(&d.created_at),
            next_attempt_at: if d.state == DeliveryState::Pending {
                go_time(&d.next_attempt_at)
            } else {
                ZERO_TIME.to_string()
            },
            last_error: d.last_error,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| AttemptJson {
                    number: a.number,
                    time: go_time(&a.time),
                    status: a.status,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

/// Header names and values: JSON `{"Name": ["v", ...]}` (or `"v"`), form `headers.Name.0=v`,
/// `headers.Name._=v` or `headers.Name=v`.
fn headers(input: &Input) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let sub = input.sub("headers");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in sub.keys() {
        let name = match key.rsplit_once('.') {
            Some((n, idx)) if idx == "_" || idx.parse::<usize>().is_ok() => n.to_string(),
            _ => key.clone(),
        };
        if out.keys().any(|k| k.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let values = sub.list(&name).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid value for \"headers.{name}\": expected a list of strings"
            ))
        })?;
        if !values.is_empty() {
            out.insert(name, values);
        }
    }
    Ok(out)
}

/// The webhook of a create or update body, and the secret if one was sent.
fn parse(input: &Input) -> Result<(Webhook, Option<String>), ApiError> {
    let f = input.sub("event_filter");
    let filter = WebhookFilter {
        target_types: f.list("target_types")?,
        target_values: f.list("target_values")?,
        kind_types: f.list("kind_types")?,
        kind_names: f.list("kind_names")?,
        error_only: f.bool("error_only")?.unwrap_or(false),
        success_only: f.bool("success_only")?.unwrap_or(false),
    };
    let secret = if input.present("secret") {
        Some(input.string("secret")?)
    } else {
        None
    };
    let hook = Webhook {
        name: input.string("name")?,
        description: input.string("description")?,
        team_owner: input.string("team_owner")?,
        filter,
        url: input.string("url")?,
        proxy_url: input.string("proxy_url")?,
        headers: headers(input)?,
        method: input.string("method")?,
        body: input.string("body")?,
        insecure: input.bool("insecure")?.unwrap_or(false),
        secret: secret.clone().unwrap_or_default(),
    };
    Ok((hook, secret))
}

/// The request's event data with header values masked: they often carry credentials, and
/// event readers are not necessarily webhook readers. (`secret` is masked by its name.)
fn origin(input: &Input) -> Origin {
    let mut data = input.event_data();
    if let Value::Array(items) = &mut data {
        for item in items {
            let name = item["name"].as_str().unwrap_or("").to_ascii_lowercase();
            if name == "headers" {
                if let Value::Object(m) = &mut item["value"] {
                    for v in m.values_mut() {
                        *v = Value::String(SECRET_MASK.into());
                    }
                }
            } else if name.starts_with("headers.") {
                item["value"] = Value::String(SECRET_MASK.into());
            }
        }
    }
    input.with_event_data(data)
}

/// `GET /1.6/events/webhooks`: webhooks of the teams the caller may read; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let hooks = state.webhooks.list(&id).await?;
    if hooks.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&hooks.into_iter().map(WebhookJson::from).collect::<Vec<_>>())
}

/// `GET /1.6/events/webhooks/{name}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    json::ok(&WebhookJson::from(state.webhooks.find(&id, &path).await?))
}

/// `POST /1.6/events/webhooks`: 200 with an empty body, as tsuru.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let (hook, _) = parse(&input)?;
    state.webhooks.create(&id, &origin(&input), hook).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `PUT /1.6/events/webhooks/{name}`: replaces the webhook (the secret stays unless sent).
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let (hook, secret) = parse(&input)?;
    state
        .webhooks
        .update(&id, &origin(&input), &path, hook, secret)
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `DELETE /1.6/events/webhooks/{name}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.webhooks.remove(&id, &origin(&input), &path).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `GET /1.6/events/webhooks/{name}/deliveries[?limit=N]`: newest first (at most 100); 204
/// when none.
pub async fn deliveries(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let limit = match input.int("limit")? {
        None => 0,
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(_) => return Err(ApiError::bad_request("limit must be a positive integer")),
    };
    let list = state.webhooks.deliveries(&id, &path, limit).await?;
    if list.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&list.into_iter().map(DeliveryJson::from).collect::<Vec<_>>())
}
