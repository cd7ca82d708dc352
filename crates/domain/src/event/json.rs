//! tsuru's event JSON (Go field names, declaration order), shared by the API's event endpoints
//! and the body webhooks send, plus the Go printing rules both need.
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::{Allowed, Event, ExtraTarget, Kind, Owner, Target};

/// Go's zero time in JSON, for unset times.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Go's `time.Time` JSON form: RFC 3339 with nanoseconds, trailing zeros trimmed.
pub fn go_time(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    match go_fraction(t) {
        f if f.is_empty() => format!("{base}Z"),
        f => format!("{base}{f}Z"),
    }
}

/// [`go_time`] of an optional time, the zero time when absent.
pub fn go_time_opt(t: Option<&DateTime<Utc>>) -> String {
    t.map_or_else(|| ZERO_TIME.to_string(), go_time)
}

/// A time the way Go's `fmt` prints a `time.Time` (layout
/// `2006-01-02 15:04:05.999999999 -0700 MST`), as webhook templates see it.
pub fn go_print_time(t: &DateTime<Utc>) -> String {
    format!("{}{} +0000 UTC", t.format("%Y-%m-%d %H:%M:%S"), go_fraction(t))
}

/// `.nnn` with trailing zeros trimmed, or nothing for whole seconds.
fn go_fraction(t: &DateTime<Utc>) -> String {
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        return String::new();
    }
    let frac = format!("{nanos:09}");
    format!(".{}", frac.trim_end_matches('0'))
}

/// Serialises like Go's `json.Marshal`: `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(value: &Value) -> String {
    let raw = value.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Schema attributes apply only with the `openapi` feature (the API documents these types).
macro_rules! wire {
    ($($item:item)*) => {
        $(
            #[derive(Serialize)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            $item
        )*
    };
}

wire! {
    /// `{"CtxType","Value"}`.
    pub struct ContextJson {
        #[serde(rename = "CtxType")]
        ctx_type: &'static str,
        #[serde(rename = "Value")]
        value: String,
    }

    /// Who may see (or cancel) an event.
    pub struct AllowedJson {
        #[serde(rename = "Scheme")]
        scheme: String,
        #[serde(rename = "Contexts")]
        #[cfg_attr(feature = "openapi", schema(required = true))]
        contexts: Option<Vec<ContextJson>>,
    }

    /// `{"Date","Message"}`.
    pub struct LogLineJson {
        #[serde(rename = "Date")]
        date: String,
        #[serde(rename = "Message")]
        message: String,
    }

    /// A cancellation request.
    pub struct CancelInfoJson {
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

    /// The API instance that ran the event (always blank here). tsuru writes the ports as
    /// strings.
    pub struct InstanceJson {
        #[serde(rename = "Name")]
        name: &'static str,
        #[serde(rename = "Port")]
        port: &'static str,
        #[serde(rename = "TLSPort")]
        tls_port: &'static str,
        #[serde(rename = "Addresses")]
        #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<Vec<String>>))]
        addresses: Option<Vec<String>>,
        #[serde(rename = "LastUpdate")]
        last_update: &'static str,
    }

    /// A BSON custom-data marker: `{"Kind","Data"}`.
    pub struct RawDataJson {
        #[serde(rename = "Kind")]
        kind: u8,
        #[serde(rename = "Data")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
        data: Option<()>,
    }

    /// The request fields recorded at start, end and in between.
    pub struct CustomDataJson {
        #[serde(rename = "Start")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
        start: Option<Value>,
        #[serde(rename = "End")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
        end: Option<Value>,
        #[serde(rename = "Other")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
        other: Option<Value>,
    }

    /// tsuru's event JSON (Go field names, declaration order); the custom data only in
    /// `GET /1.1/events/{id}`. Times are RFC 3339; unset ones are Go's zero.
    pub struct EventJson {
        #[serde(rename = "UniqueID")]
        unique_id: String,
        #[serde(rename = "Lock")]
        #[cfg_attr(feature = "openapi", schema(required = true))]
        lock: Option<Target>,
        #[serde(rename = "StartTime")]
        start_time: String,
        #[serde(rename = "EndTime")]
        end_time: String,
        #[serde(rename = "ExpireAt")]
        expire_at: &'static str,
        #[serde(rename = "Target")]
        target: Target,
        #[serde(rename = "ExtraTargets")]
        #[cfg_attr(feature = "openapi", schema(required = true))]
        extra_targets: Option<Vec<ExtraTarget>>,
        #[serde(rename = "Kind")]
        kind: Kind,
        #[serde(rename = "Owner")]
        owner: Owner,
        #[serde(rename = "SourceIP")]
        source_ip: String,
        #[serde(rename = "LockUpdateTime")]
        lock_update_time: String,
        #[serde(rename = "Error")]
        error: String,
        #[serde(rename = "Log")]
        log: String,
        #[serde(rename = "StructuredLog")]
        #[cfg_attr(feature = "openapi", schema(required = true))]
        structured_log: Option<Vec<LogLineJson>>,
        #[serde(rename = "CancelInfo")]
        cancel_info: CancelInfoJson,
        #[serde(rename = "Cancelable")]
        cancelable: bool,
        #[serde(rename = "Running")]
        running: bool,
        #[serde(rename = "Allowed")]
        allowed: AllowedJson,
        #[serde(rename = "AllowedCancel")]
        allowed_cancel: AllowedJson,
        #[serde(rename = "Instance")]
        instance: InstanceJson,
        #[serde(rename = "StartCustomData", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(required = false))]
        start_custom_data: Option<RawDataJson>,
        #[serde(rename = "EndCustomData", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(required = false))]
        end_custom_data: Option<RawDataJson>,
        #[serde(rename = "OtherCustomData", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(required = false))]
        other_custom_data: Option<RawDataJson>,
        #[serde(rename = "CustomData", skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(required = false))]
        custom_data: Option<CustomDataJson>,
    }
}

fn allowed_json(a: &Allowed) -> AllowedJson {
    AllowedJson {
        scheme: a.scheme.clone(),
        contexts: (!a.contexts.is_empty()).then(|| {
            a.contexts
                .iter()
                .map(|c| ContextJson { ctx_type: c.ctype.as_str(), value: c.value.clone() })
                .collect()
        }),
    }
}

fn raw(d: &Option<Value>) -> Option<RawDataJson> {
    Some(RawDataJson { kind: if d.is_some() { 4 } else { 0 }, data: None })
}

impl EventJson {
    /// The event as tsuru writes it; `info` adds the custom data of `GET /1.1/events/{id}`.
    pub fn new(e: &Event, info: bool) -> Self {
        let c = &e.cancel_info;
        EventJson {
            unique_id: e.id.clone(),
            lock: (e.running && e.locked).then(|| e.target.clone()),
            start_time: go_time(&e.start_time),
            end_time: go_time_opt(e.end_time.as_ref()),
            expire_at: ZERO_TIME,
            target: e.target.clone(),
            extra_targets: (!e.extra_targets.is_empty()).then(|| e.extra_targets.clone()),
            kind: e.kind.clone(),
            owner: e.owner.clone(),
            source_ip: e.source_ip.clone(),
            lock_update_time: go_time(&e.lock_update_time),
            error: e.error.clone(),
            log: e
                .log
                .iter()
                .map(|l| format!("{}: {}", l.date.format("%Y-%m-%d %H:%M:%S %z"), l.message))
                .collect(),
            structured_log: (!e.log.is_empty()).then(|| {
                e.log
                    .iter()
                    .map(|l| LogLineJson { date: go_time(&l.date), message: l.message.clone() })
                    .collect()
            }),
            cancel_info: CancelInfoJson {
                owner: c.owner.clone(),
                start_time: go_time_opt(c.start_time.as_ref()),
                ack_time: go_time_opt(c.ack_time.as_ref()),
                reason: c.reason.clone(),
                asked: c.asked,
                canceled: c.canceled,
            },
            cancelable: e.cancelable,
            running: e.running,
            allowed: allowed_json(&e.allowed),
            allowed_cancel: allowed_json(&e.allowed_cancel),
            instance: InstanceJson {
                name: "",
                port: "",
                tls_port: "",
                addresses: None,
                last_update: ZERO_TIME,
            },
            start_custom_data: info.then(|| raw(&e.start_custom_data)).flatten(),
            end_custom_data: info.then(|| raw(&e.end_custom_data)).flatten(),
            other_custom_data: info.then(|| raw(&e.other_custom_data)).flatten(),
            custom_data: info.then(|| CustomDataJson {
                start: e.start_custom_data.clone(),
                end: e.end_custom_data.clone(),
                other: e.other_custom_data.clone(),
            }),
        }
    }
}

/// [`EventJson`] as a JSON value.
pub fn to_json(e: &Event, info: bool) -> Value {
    serde_json::to_value(EventJson::new(e, info)).unwrap_or(Value::Null)
}

/// What a webhook body template sees as `.`: the event with tsuru's Go field names, times
/// printed the way Go prints them, and `UniqueID` offering `.UniqueID.Hex`.
pub fn template_data(e: &Event) -> Value {
    let mut v = to_json(e, false);
    if let Value::Object(m) = &mut v {
        m.insert("UniqueID".into(), json!({"Hex": e.id}));
        m.insert("StartTime".into(), json!(go_print_time(&e.start_time)));
        m.insert(
            "EndTime".into(),
            json!(e.end_time.as_ref().map_or_else(|| GO_ZERO_PRINT.to_string(), go_print_time)),
        );
        m.insert("LockUpdateTime".into(), json!(go_print_time(&e.lock_update_time)));
        m.insert("ExpireAt".into(), json!(GO_ZERO_PRINT));
        m.insert("StartCustomData".into(), json!(e.start_custom_data));
        m.insert("EndCustomData".into(), json!(e.end_custom_data));
        m.insert("OtherCustomData".into(), json!(e.other_custom_data));
    }
    v
}

/// Go's zero time as `fmt` prints it.
const GO_ZERO_PRINT: &str = "0001-01-01 00:00:00 +0000 UTC";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn json_times_trim_trailing_zeros() {
        let t = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(go_time(&t), "2025-01-02T03:04:05Z");
        let t = t + chrono::Duration::milliseconds(120);
        assert_eq!(go_time(&t), "2025-01-02T03:04:05.12Z");
        assert_eq!(go_time_opt(None), ZERO_TIME);
    }

    #[test]
    fn printed_times_use_gos_default_layout() {
        let t = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(go_print_time(&t), "2025-01-02 03:04:05 +0000 UTC");
        let t = t + chrono::Duration::nanoseconds(123_400_000);
        assert_eq!(go_print_time(&t), "2025-01-02 03:04:05.1234 +0000 UTC");
    }

    #[test]
    fn go_json_escapes_html_characters() {
        assert_eq!(go_json(&json!("<a&b>")), r#""\u003ca\u0026b\u003e""#);
    }
}
