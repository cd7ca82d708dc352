//! Wire types of `/events`. The event JSON itself is the domain's
//! [`tsuru_domain::event::json::EventJson`], which webhooks send too.
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Filters of the event list (tsuru's form keys).
#[derive(Deserialize, IntoParams)]
pub struct EventListQuery {
    #[serde(rename = "target.type", default)]
    pub target_type: Option<String>,
    #[serde(rename = "target.value", default)]
    pub target_value: Option<String>,
    #[serde(default)]
    pub kindtype: Option<String>,
    #[serde(default)]
    pub kindname: Vec<String>,
    #[serde(default)]
    pub ownertype: Option<String>,
    #[serde(default)]
    pub ownername: Option<String>,
    /// RFC 3339 (or a shorter Go layout: a date, a month, a year).
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub running: Option<bool>,
    #[serde(default)]
    pub erroronly: bool,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub skip: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// `reason`.
#[derive(Deserialize, ToSchema)]
pub struct CancelRequest {
    #[serde(default, deserialize_with = "crate::extract::lenient_string")]
    pub reason: String,
}
