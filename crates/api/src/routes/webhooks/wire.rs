//! Wire types of event webhooks.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::webhook::{Delivery, DeliveryState, Webhook, WebhookFilter, SECRET_MASK};
use utoipa::{IntoParams, ToSchema};

use crate::extract::text_if_sent;
use crate::json::{go_time, ZERO_TIME};

/// Which events a webhook receives (empty lists match everything).
#[derive(Deserialize, ToSchema, Default)]
pub struct WebhookFilterRequest {
    #[serde(default)]
    pub target_types: Vec<String>,
    #[serde(default)]
    pub target_values: Vec<String>,
    #[serde(default)]
    pub kind_types: Vec<String>,
    #[serde(default)]
    pub kind_names: Vec<String>,
    #[serde(default)]
    pub error_only: bool,
    #[serde(default)]
    pub success_only: bool,
}

/// A webhook to create, or the whole new state of one (the secret stays unless sent).
#[derive(Deserialize, ToSchema)]
pub struct WebhookRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub team_owner: String,
    pub event_filter: Option<WebhookFilterRequest>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub proxy_url: String,
    /// `{"Name": ["v", ...]}` (or `"v"`); form `headers.Name.0=v`, `headers.Name._=v` or
    /// `headers.Name=v` (read by `webhooks::headers`).
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, Vec<String>>)]
    #[expect(dead_code, reason = "documented here, read from the raw input")]
    pub headers: serde::de::IgnoredAny,
    /// `POST` (default), `GET`, `PUT`, `PATCH` or `DELETE`.
    #[serde(default)]
    pub method: String,
    /// A Go template rendered with the event; empty sends the event JSON.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub insecure: bool,
    /// Signs deliveries (HMAC-SHA256); write-only.
    #[serde(default, deserialize_with = "text_if_sent")]
    #[schema(value_type = String)]
    pub secret: Option<String>,
}

/// `limit`: at most this many deliveries (default and cap 100).
#[derive(Deserialize, IntoParams)]
pub struct DeliveriesQuery {
    pub limit: Option<i64>,
}

/// Which events a webhook receives (empty lists match everything).
#[derive(Serialize, ToSchema)]
pub struct WebhookFilterResponse {
    target_types: Vec<String>,
    target_values: Vec<String>,
    kind_types: Vec<String>,
    kind_names: Vec<String>,
    error_only: bool,
    success_only: bool,
}

/// Moves an event filter's fields into another of its shapes.
macro_rules! move_filter {
    ($f:ident => $to:ident) => {
        $to {
            target_types: $f.target_types,
            target_values: $f.target_values,
            kind_types: $f.kind_types,
            kind_names: $f.kind_names,
            error_only: $f.error_only,
            success_only: $f.success_only,
        }
    };
}

impl From<WebhookFilterRequest> for WebhookFilter {
    fn from(f: WebhookFilterRequest) -> Self {
        move_filter!(f => WebhookFilter)
    }
}

impl From<WebhookFilter> for WebhookFilterResponse {
    fn from(f: WebhookFilter) -> Self {
        move_filter!(f => WebhookFilterResponse)
    }
}

/// tsuru's webhook JSON; `secret` reads back as `*****` when set and is absent otherwise.
#[derive(Serialize, ToSchema)]
pub struct WebhookResponse {
    name: String,
    description: String,
    team_owner: String,
    event_filter: WebhookFilterResponse,
    url: String,
    proxy_url: String,
    headers: BTreeMap<String, Vec<String>>,
    method: String,
    body: String,
    insecure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'static str>,
}

impl From<Webhook> for WebhookResponse {
    fn from(h: Webhook) -> Self {
        WebhookResponse {
            name: h.name,
            description: h.description,
            team_owner: h.team_owner,
            event_filter: h.filter.into(),
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
pub struct DeliveryAttemptResponse {
    number: u32,
    time: String,
    status: Option<u16>,
    error: String,
    duration_ms: u64,
}

/// A webhook delivery; `next_attempt_at` is Go's zero time unless it is pending.
#[derive(Serialize, ToSchema)]
pub struct DeliveryResponse {
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
    attempts: Vec<DeliveryAttemptResponse>,
}

impl From<Delivery> for DeliveryResponse {
    fn from(d: Delivery) -> Self {
        DeliveryResponse {
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
                .map(|a| DeliveryAttemptResponse {
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
