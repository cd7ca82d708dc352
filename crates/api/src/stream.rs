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
use serde::Serialize;
use tokio::sync::mpsc;
use tsuru_domain::output::Output;
use tsuru_domain::Error;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json::{go_time, to_go_json};
use crate::openapi::{Body, TEXT};

/// Content type of streamed responses.
pub const STREAM_TYPE: &str = "application/x-json-stream";
const KEEPALIVE: Duration = Duration::from_secs(30);
/// tsuru's keep-alive of node adds.
const CREATED_KEEPALIVE: Duration = Duration::from_secs(15);

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

/// One line of an `application/x-json-stream` response. The body is one such object per line
/// (and a bare newline after 30 s of silence); a failure after the first line comes as a last
/// line with `Error`, the status staying 200.
#[derive(Serialize, ToSchema)]
pub struct StreamLine<'a> {
    /// The progress text.
    #[serde(rename = "Message")]
    message: &'a str,
    /// RFC 3339.
    #[serde(rename = "Timestamp")]
    timestamp: String,
    /// Why the operation failed, on the last line.
    #[serde(rename = "Error", skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// One stream line: `{"Message":..,"Timestamp":..[,"Error":..]}\n`.
pub fn line(message: &str, error: Option<&str>) -> String {
    let v = StreamLine { message, timestamp: go_time(&Utc::now()), error };
    let mut s = to_go_json(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The text of a failure after streaming began (faults are logged, not sent).
fn failure_text(e: &Error) -> String {
    if let Error::Unexpected(cause) = e {
        tracing::error!(error = ?cause, "operation failed after streaming began");
    }
    match e {
        Error::Unexpected(_) => "internal server error: the failure was logged".to_string(),
        other => other.to_string(),
    }
}

fn render(chunk: Chunk) -> String {
    match chunk {
        Chunk::Msg(m) => line(&m, None),
        Chunk::Fail(e) => line("", Some(&failure_text(&e))),
    }
}

/// Plain-text rendering: messages as they are, a failure as its text on a line of its own.
fn render_text(chunk: Chunk) -> String {
    match chunk {
        Chunk::Msg(m) => m,
        Chunk::Fail(e) => format!("{}\n", failure_text(&e)),
    }
}

crate::reply::ready_reply!(
    /// A streamed reply (see the module docs).
    pub Streamed: 200,
    "The progress (errors after the first line come in-band)",
    Some((Body::of::<StreamLine>(), STREAM_TYPE))
);

/// Runs `op` with an output that streams to the client.
pub async fn stream<F, Fut>(op: F) -> Streamed
where
    F: FnOnce(Arc<dyn Output>) -> Fut,
    Fut: Future<Output = Result<(), Error>> + 'static,
{
    Streamed(stream_as(op, render, STREAM_TYPE).await)
}

crate::reply::ready_reply!(
    /// A streamed reply whose 201 is sent at once (tsuru's node add): every failure of the
    /// operation comes in-band, as the last line's `Error`; a newline after 15 s of silence.
    pub CreatedStream: 201,
    "Started: the progress follows, and a failure comes as the last line's `Error`",
    Some((Body::of::<StreamLine>(), STREAM_TYPE))
);

/// Runs `op` with an output that streams to the client, answering 201 before it starts.
pub fn stream_created<F, Fut>(op: F) -> CreatedStream
where
    F: FnOnce(Arc<dyn Output>) -> Fut,
    Fut: Future<Output = Result<(), Error>> + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let fut = op(Arc::new(ChannelOutput(tx.clone())));
    actix_web::rt::spawn(async move {
        if let Err(e) = fut.await {
            let _ = tx.send(Chunk::Fail(e));
        }
    });
    let body = futures::stream::unfold(rx, move |mut rx| async move {
        match tokio::time::timeout(CREATED_KEEPALIVE, rx.recv()).await {
            Ok(Some(chunk)) => {
                Some((Ok::<_, std::convert::Infallible>(Bytes::from(render(chunk))), rx))
            }
            Ok(None) => None,
            Err(_) => Some((Ok(Bytes::from_static(b"\n")), rx)),
        }
    });
    CreatedStream(
        HttpResponse::Created().insert_header((header::CONTENT_TYPE, STREAM_TYPE)).streaming(body),
    )
}

crate::reply::ready_reply!(
    /// A plain-text streamed reply (tsuru's deploy): the progress as it is written, a failure
    /// after the first chunk as its text on a last line (the status staying 200), and a newline
    /// after 30 s of silence.
    pub TextStreamed: 200,
    "The progress as plain text (errors after the first chunk come in-band)",
    Some((Body::text(), TEXT))
);

/// Like [`stream`], in plain text.
pub async fn stream_text<F, Fut>(op: F) -> TextStreamed
where
    F: FnOnce(Arc<dyn Output>) -> Fut,
    Fut: Future<Output = Result<(), Error>> + 'static,
{
    TextStreamed(stream_as(op, render_text, TEXT).await)
}

async fn stream_as<F, Fut>(op: F, render: fn(Chunk) -> String, content_type: &str) -> HttpResponse
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
        Some(Chunk::Fail(e)) => return ApiError::Domain(e).error_response(),
        other => other,
    };
    let body = futures::stream::unfold((first, rx), move |(pending, mut rx)| async move {
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
        .insert_header((header::CONTENT_TYPE, content_type.to_string()))
        .streaming(body)
}
