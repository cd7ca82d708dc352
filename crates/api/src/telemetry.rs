//! Logging through `tracing-subscriber`, pretty or JSON.
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogSettings;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(settings: &LogSettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.level));
    let registry = tracing_subscriber::registry().with(filter).with(ClientParseErrors);
    let _ = if settings.format == "json" {
        registry.with(fmt::layer().json().with_writer(std::io::stderr)).try_init()
    } else {
        registry.with(fmt::layer().with_writer(std::io::stderr)).try_init()
    };
}

/// Where actix-http logs a request it could not parse.
const DISPATCHER: &str = "actix_http::h1::dispatcher";
/// How that message starts (`stream error: request parse error: invalid Header provided`).
const PARSE_ERROR: &str = "stream error: request parse error";

/// Drops actix-http's ERROR for a request it could not parse (a malformed request line or
/// header, such as a NUL byte in a header value). The client already got its `400 Bad
/// Request`; the fault is the client's, and an error in the server log would say otherwise.
/// Every other event passes.
pub struct ClientParseErrors;

impl<S: Subscriber> Layer<S> for ClientParseErrors {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        if event.metadata().target() != DISPATCHER {
            return true;
        }
        let mut visitor = ParseErrorMessage(false);
        event.record(&mut visitor);
        !visitor.0
    }
}

/// Whether an event's message is a request parse error.
struct ParseErrorMessage(bool);

impl Visit for ParseErrorMessage {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}").starts_with(PARSE_ERROR);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn request_parse_errors_are_dropped_and_other_errors_kept() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new("warn"))
            .with(ClientParseErrors)
            .with(fmt::layer().json().with_writer(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let err = "request parse error: invalid Header provided";
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: {}", err);
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: io error");
            tracing::error!("internal error");
        });
        let out = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(!out.contains("request parse error"), "{out}");
        assert!(out.contains("stream error: io error"), "{out}");
        assert!(out.contains("internal error"), "{out}");
    }
}
