//! Wire types of `/events`. The event JSON itself is built by the domain (`event::json`), which
//! webhooks send too; these types document it.
#![allow(dead_code)]
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// `{"Type","Value"}`.
#[derive(Serialize, ToSchema)]
pub struct TargetResponse {
    #[serde(rename = "Type")]
    ttype: String,
    #[serde(rename = "Value")]
    value: String,
}

/// `{"Target","Lock"}`.
#[derive(Serialize, ToSchema)]
pub struct ExtraTargetResponse {
    #[serde(rename = "Target")]
    target: TargetResponse,
    #[serde(rename = "Lock")]
    lock: bool,
}

/// `{"Type","Name"}` of an event kind.
#[derive(Serialize, ToSchema)]
pub struct KindResponse {
    #[serde(rename = "Type")]
    ktype: String,
    #[serde(rename = "Name")]
    name: String,
}

/// `{"Type","Name"}` of an event owner.
#[derive(Serialize, ToSchema)]
pub struct OwnerResponse {
    #[serde(rename = "Type")]
    otype: String,
    #[serde(rename = "Name")]
    name: String,
}

/// `{"Date","Message"}`.
#[derive(Serialize, ToSchema)]
pub struct LogLineResponse {
    #[serde(rename = "Date")]
    date: String,
    #[serde(rename = "Message")]
    message: String,
}

/// A cancellation request.
#[derive(Serialize, ToSchema)]
pub struct CancelInfoResponse {
    #[serde(rename = "Owner")]
    owner: String,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "AckTime")]
    ack_time: String,
    #[serde(rename = "Reason")]
    reason: String,
    #[serde(rename = "Asked")]
    asked: bool,
    #[serde(rename = "Canceled")]
    canceled: bool,
}

/// `{"CtxType","Value"}`.
#[derive(Serialize, ToSchema)]
pub struct ContextResponse {
    #[serde(rename = "CtxType")]
    ctx_type: String,
    #[serde(rename = "Value")]
    value: String,
}

/// Who may see (or cancel) an event.
#[derive(Serialize, ToSchema)]
pub struct AllowedResponse {
    #[serde(rename = "Scheme")]
    scheme: String,
    #[serde(rename = "Contexts")]
    contexts: Option<Vec<ContextResponse>>,
}

/// The API instance that ran the event (always blank here).
#[derive(Serialize, ToSchema)]
pub struct InstanceResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Port")]
    port: i64,
    #[serde(rename = "TLSPort")]
    tls_port: i64,
    #[serde(rename = "Addresses")]
    addresses: Option<Vec<String>>,
    #[serde(rename = "LastUpdate")]
    last_update: String,
}

/// An event in a list (tsuru's Go field names). Times are RFC 3339; unset ones are Go's zero.
#[derive(Serialize, ToSchema)]
pub struct EventResponse {
    /// 24 hex digits.
    #[serde(rename = "UniqueID")]
    unique_id: String,
    #[serde(rename = "Lock")]
    lock: Option<TargetResponse>,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "EndTime")]
    end_time: String,
    #[serde(rename = "ExpireAt")]
    expire_at: String,
    #[serde(rename = "Target")]
    target: TargetResponse,
    #[serde(rename = "ExtraTargets")]
    extra_targets: Option<Vec<ExtraTargetResponse>>,
    #[serde(rename = "Kind")]
    kind: KindResponse,
    #[serde(rename = "Owner")]
    owner: OwnerResponse,
    #[serde(rename = "SourceIP")]
    source_ip: String,
    #[serde(rename = "LockUpdateTime")]
    lock_update_time: String,
    #[serde(rename = "Error")]
    error: String,
    #[serde(rename = "Log")]
    log: String,
    #[serde(rename = "StructuredLog")]
    structured_log: Option<Vec<LogLineResponse>>,
    #[serde(rename = "CancelInfo")]
    cancel_info: CancelInfoResponse,
    #[serde(rename = "Cancelable")]
    cancelable: bool,
    #[serde(rename = "Running")]
    running: bool,
    #[serde(rename = "Allowed")]
    allowed: AllowedResponse,
    #[serde(rename = "AllowedCancel")]
    allowed_cancel: AllowedResponse,
    #[serde(rename = "Instance")]
    instance: InstanceResponse,
}

/// A BSON custom-data marker: `{"Kind","Data"}`.
#[derive(Serialize, ToSchema)]
pub struct RawDataResponse {
    #[serde(rename = "Kind")]
    kind: i64,
    #[serde(rename = "Data")]
    data: Option<Value>,
}

/// The request fields recorded at start, end and in between.
#[derive(Serialize, ToSchema)]
pub struct CustomDataResponse {
    #[serde(rename = "Start")]
    start: Value,
    #[serde(rename = "End")]
    end: Value,
    #[serde(rename = "Other")]
    other: Value,
}

/// `GET /1.1/events/{id}`: the list fields plus the custom data.
#[derive(Serialize, ToSchema)]
pub struct EventInfoResponse {
    #[serde(flatten)]
    event: EventResponse,
    #[serde(rename = "StartCustomData")]
    start_custom_data: RawDataResponse,
    #[serde(rename = "EndCustomData")]
    end_custom_data: RawDataResponse,
    #[serde(rename = "OtherCustomData")]
    other_custom_data: RawDataResponse,
    #[serde(rename = "CustomData")]
    custom_data: CustomDataResponse,
}

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
