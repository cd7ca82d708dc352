//! `application/x-json-stream` responses: one JSON object per line, a bare newline after 30 s
//! of silence, and errors after the first line sent in-band (status stays 200). An operation
//! that fails before writing anything gets a normal plain-text error response.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use bytes::Bytes;
use chrono::Utc;
use tokio::sync::mpsc;
use tsuru_domain::output::Output;
use tsuru_domain::Error;

use crate::error::ApiError;
use crate::json::{go_time, to_go_json};

/// Content type of streamed responses.
pub const STREAM_TYPE: &str = "application/x-json-stream";
const KEEPALIVE: Duration = Duration::from_secs(30);

enum Chunk {
    Msg(String),
    Fail(Error),
}

struct ChannelOutput(mpsc::UnboundedSender<Chunk>);

impl Output for ChannelOutput {
    fn write(&self, text: &str) {
        let _ = self.0.send(Chunk::Msg(text.to_string()));
    }
}

/// One stream line: `{"Message":..,"Timestamp":..[,"Error":..]}\n`.
pub fn line(message: &str, error: Option<&str>) -> String {
    let mut v = serde_json::json!({ "Message": message, "Timestamp": go_time(&Utc::now()) });
    if let Some(e) = error {
        v["Error"] = serde_json::Value::String(e.to_string());
    }
    let mut s = to_go_json(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn render(chunk: Chunk) -> String {
    match chunk {
        Chunk::Msg(m) => line(&m, None),
        Chunk::Fail(e) => {
            if let Error::Unexpected(cause) = &e {
                tracing::error!(error = ?cause, "operation failed after streaming began");
            }
            let text = match &e {
                Error::Unexpected(_) => "internal server error: the failure was logged".to_string(),
                other => other.to_string(),
            };
            line("", Some(&text))
        }
    }
}

/// Runs `op` with an output that streams to the client.
pub async fn stream<F, Fut>(op: F) -> HttpResponse
where
    F: FnOnce(Arc<dyn Output>) -> Fut,
    Fut: Future<Output = Result<(), Error>> + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let fut = op(Arc::new(ChannelOutput(tx.clone())));
    actix_web::rt::spawn(async move {
        if let Err(e) = fut.await {
            let _ = tx.send(Chunk::Fail(e));
        }
    });
    let first = match rx.recv().await {
        Some(Chunk::Fail(e)) => return ApiError(e).error_response(),
        other => other,
    };
    let body = futures::stream::unfold((first, rx), |(pending, mut rx)| async move {
        if let Some(chunk) = pending {
            return Some((
                Ok::<_, std::convert::Infallible>(Bytes::from(render(chunk))),
                (None, rx),
            ));
        }
        match tokio::time::timeout(KEEPALIVE, rx.recv()).await {
            Ok(Some(chunk)) => Some((Ok(Bytes::from(render(chunk))), (None, rx))),
            Ok(None) => None,
            Err(_) => Some((Ok(Bytes::from_static(b"\n")), (None, rx))),
        }
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, STREAM_TYPE))
        .streaming(body)
}
