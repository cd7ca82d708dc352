//! tsuru's event JSON (Go field names, declaration order), shared by the API's event endpoints
//! and the body webhooks send, plus the Go printing rules both need.
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{Allowed, Event};

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
    format!(
        "{}{} +0000 UTC",
        t.format("%Y-%m-%d %H:%M:%S"),
        go_fraction(t)
    )
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

fn allowed_json(a: &Allowed) -> Value {
    let contexts: Option<Vec<Value>> = (!a.contexts.is_empty()).then(|| {
        a.contexts
            .iter()
            .map(|c| json!({"CtxType": c.ctype.as_str(), "Value": c.value}))
            .collect()
    });
    json!({"Scheme": a.scheme, "Contexts": contexts})
}

/// tsuru's event JSON (Go field names, declaration order); `info` adds the custom data of
/// `GET /1.1/events/{id}`.
pub fn to_json(e: &Event, info: bool) -> Value {
    let mut m = Map::new();
    m.insert("UniqueID".into(), json!(e.id));
    m.insert(
        "Lock".into(),
        if e.running && e.locked {
            json!(e.target)
        } else {
            Value::Null
        },
    );
    m.insert("StartTime".into(), json!(go_time(&e.start_time)));
    m.insert("EndTime".into(), json!(go_time_opt(e.end_time.as_ref())));
    m.insert("ExpireAt".into(), json!(ZERO_TIME));
    m.insert("Target".into(), json!(e.target));
    m.insert(
        "ExtraTargets".into(),
        if e.extra_targets.is_empty() {
            Value::Null
        } else {
            json!(e.extra_targets)
        },
    );
    m.insert("Kind".into(), json!(e.kind));
    m.insert("Owner".into(), json!(e.owner));
    m.insert("SourceIP".into(), json!(e.source_ip));
    m.insert("LockUpdateTime".into(), json!(go_time(&e.lock_update_time)));
    m.insert("Error".into(), json!(e.error));
    let log: String = e
        .log
        .iter()
        .map(|l| format!("{}: {}", l.date.format("%Y-%m-%d %H:%M:%S %z"), l.message))
        .collect();
    m.insert("Log".into(), json!(log));
    m.insert(
        "StructuredLog".into(),
        if e.log.is_empty() {
            Value::Null
        } else {
            e.log
                .iter()
                .map(|l| json!({"Date": go_time(&l.date), "Message": l.message}))
                .collect()
        },
    );
    let c = &e.cancel_info;
    m.insert(
        "CancelInfo".into(),
        json!({
            "Owner": c.owner,
            "StartTime": go_time_opt(c.start_time.as_ref()),
            "AckTime": go_time_opt(c.ack_time.as_ref()),
            "Reason": c.reason,
            "Asked": c.asked,
            "Canceled": c.canceled,
        }),
    );
    m.insert("Cancelable".into(), json!(e.cancelable));
    m.insert("Running".into(), json!(e.running));
    m.insert("Allowed".into(), allowed_json(&e.allowed));
    m.insert("AllowedCancel".into(), allowed_json(&e.allowed_cancel));
    // tsuru's `tracker.TrackedInstance` carries both ports as strings.
    m.insert(
        "Instance".into(),
        json!({"Name": "", "Port": "", "TLSPort": "", "Addresses": null, "LastUpdate": ZERO_TIME}),
    );
    if info {
        let raw =
            |d: &Option<Value>| json!({"Kind": if d.is_some() { 4 } else { 0 }, "Data": null});
        m.insert("StartCustomData".into(), raw(&e.start_custom_data));
        m.insert("EndCustomData".into(), raw(&e.end_custom_data));
        m.insert("OtherCustomData".into(), raw(&e.other_custom_data));
        m.insert(
            "CustomData".into(),
            json!({"Start": e.start_custom_data, "End": e.end_custom_data, "Other": e.other_custom_data}),
        );
    }
    Value::Object(m)
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
            json!(e
                .end_time
                .as_ref()
                .map_or_else(|| GO_ZERO_PRINT.to_string(), go_print_time)),
        );
        m.insert(
            "LockUpdateTime".into(),
            json!(go_print_time(&e.lock_update_time)),
        );
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
