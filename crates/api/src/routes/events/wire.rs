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
    pub kindtype: Option<String>,
    #[serde(default)]
    pub kindname: Vec<String>,
    pub ownertype: Option<String>,
    pub ownername: Option<String>,
    /// RFC 3339 (or a shorter Go layout: a date, a month, a year).
    pub since: Option<String>,
    pub until: Option<String>,
    pub running: Option<bool>,
    #[serde(default)]
    pub erroronly: bool,
    pub sort: Option<String>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
}

/// `reason`.
#[derive(Deserialize, ToSchema)]
pub struct CancelRequest {
    #[serde(default, deserialize_with = "crate::extract::lenient_string")]
    pub reason: String,
}
