//! JSON the way tsuru's Go encoder writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, a
//! trailing newline for streamed encodes, RFC 3339 times with trimmed nanoseconds.
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::ApiError;

/// Serialises like Go's `json.Marshal`.
///
/// # Errors
/// Serialisation failures (a bug).
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> Result<String, ApiError> {
    let mut buf = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, GoFormatter);
    value.serialize(&mut ser).map_err(|e| ApiError::Domain(anyhow::Error::from(e).into()))?;
    // serde_json writes UTF-8 only.
    String::from_utf8(buf).map_err(|e| ApiError::Domain(anyhow::Error::from(e).into()))
}

/// serde_json's compact output with Go's extra escapes in strings, applied while writing.
struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// A JSON response with a trailing newline (Go's `json.NewEncoder(w).Encode`).
///
/// # Errors
/// Serialisation failures.
pub fn json<T: Serialize + ?Sized>(
    status: StatusCode,
    value: &T,
) -> Result<HttpResponse, ApiError> {
    let mut body = to_go_json(value)?;
    body.push('\n');
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(body))
}

/// A 200 JSON response with a trailing newline.
///
/// # Errors
/// Serialisation failures.
pub fn ok<T: Serialize + ?Sized>(value: &T) -> Result<HttpResponse, ApiError> {
    json(StatusCode::OK, value)
}

/// A 200 JSON response without the trailing newline (`json.Marshal` then write).
///
/// # Errors
/// Serialisation failures.
pub fn ok_compact<T: Serialize + ?Sized>(value: &T) -> Result<HttpResponse, ApiError> {
    let body = to_go_json(value)?;
    Ok(HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "application/json")).body(body))
}

/// Go's `time.Time` JSON form: RFC 3339 with nanoseconds, trailing zeros trimmed.
pub fn go_time(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{nanos:09}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

/// Go's zero time, for unset times.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// [`go_time`] of an optional time, the zero time when absent.
pub fn go_time_opt(t: Option<&DateTime<Utc>>) -> String {
    t.map_or_else(|| ZERO_TIME.to_string(), go_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn html_characters_are_escaped() {
        assert_eq!(to_go_json("<a&b>").unwrap(), r#""\u003ca\u0026b\u003e""#);
    }

    #[test]
    fn times_trim_trailing_zeros() {
        let t = Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(go_time(&t), "2025-01-02T03:04:05Z");
        let t = t + chrono::Duration::milliseconds(120);
        assert_eq!(go_time(&t), "2025-01-02T03:04:05.12Z");
        assert_eq!(go_time_opt(None), ZERO_TIME);
    }
}
