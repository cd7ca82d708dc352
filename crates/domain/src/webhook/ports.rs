use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Delivery, HookRequest, Webhook};
use crate::records::Records;
use crate::Result;

/// Storage of webhooks (tsuru collection `webhook`, unique on `name`).
#[async_trait]
pub trait WebhookStorage: Records<Webhook> {
    /// The webhooks owned by the teams in `teams`, in insertion order.
    async fn owned_by(&self, teams: &[String]) -> Result<Vec<Webhook>>;
    /// Replaces the stored webhook of the same name, every field.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `webhook not found` when it does not exist.
    async fn update(&self, hook: &Webhook) -> Result<()>;
}

/// A claim on due deliveries: the worker taking them, the time it is, and when its hold ends.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    /// The claiming worker.
    pub worker: &'a str,
    /// The time of the claim: deliveries due by then are taken.
    pub now: DateTime<Utc>,
    /// When the hold ends.
    pub until: DateTime<Utc>,
}

impl<'a> Lease<'a> {
    /// `worker` holds, from `now` to `until`.
    pub fn new(worker: &'a str, now: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Lease { worker, now, until }
    }
}

/// The delivery queue and its history. Several processes share it: claims are atomic and
/// leased, so a due delivery goes to exactly one worker at a time.
#[async_trait]
pub trait DeliveryStorage: Send + Sync {
    /// Queues a delivery (any state; failed ones record template errors).
    async fn insert(&self, delivery: &Delivery) -> Result<()>;
    /// The delivery with this id.
    async fn find(&self, id: &str) -> Result<Option<Delivery>>;
    /// Claims for `lease` up to `limit` deliveries that are pending, due (`next_attempt_at <= now`) and not
    /// held (no claim, or a lease that ended before `now`), the earliest due first: each is
    /// stored and returned with `claimed_by = worker` and `lease_until = until`.
    ///
    /// # Errors
    /// MUST be atomic per delivery: concurrent callers, in this process or others, never both
    /// get the same delivery while its lease holds.
    async fn claim_due(&self, lease: Lease<'_>, limit: usize) -> Result<Vec<Delivery>>;
    /// Stores the outcome of an attempt: replaces the delivery with `delivery`, claim cleared,
    /// if `worker` still holds it. Returns whether it did.
    ///
    /// # Errors
    /// MUST change nothing and return `Ok(false)` when the delivery is missing or another
    /// worker (or none) holds it.
    async fn release(&self, delivery: &Delivery, worker: &str) -> Result<bool>;
    /// The deliveries of webhook `name`, newest first (by creation, then id), at most `limit`.
    async fn list_by_webhook(&self, name: &str, limit: usize) -> Result<Vec<Delivery>>;
    /// Deletes every delivery of webhook `name`; returns how many.
    async fn delete_by_webhook(&self, name: &str) -> Result<u64>;
    /// Deletes delivered and failed deliveries created before `before` (pending ones stay);
    /// returns how many.
    async fn delete_finished_before(&self, before: DateTime<Utc>) -> Result<u64>;
}

/// A response to a webhook call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookResponse {
    /// HTTP status (the body is never kept: a receiver's answer is not ours to store).
    pub status: u16,
}

/// Sends one webhook call (an HTTP client in production).
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Sends `request` (through its proxy, verifying TLS unless `insecure`) and returns the
    /// response, whatever its status.
    ///
    /// # Errors
    /// A message when no response came: connection failure, TLS failure, timeout.
    async fn send(&self, request: &HookRequest) -> std::result::Result<HookResponse, String>;
}

/// Why a body template produced nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The template does not parse: tsuru then sends the body as it is.
    Parse(String),
    /// It parsed but failed on the data: tsuru then does not call the hook.
    Execute(String),
    /// It went past a bound (size, nesting, output, time, stack) or crashed the engine: the
    /// hook is not called, and create and update refuse it.
    Limit(String),
}

/// Renders Go `text/template` bodies.
#[async_trait]
pub trait TemplateRenderer: Send + Sync {
    /// Renders `template` (named `name`, as error messages show) with `data` as `.`.
    /// Implementations MUST return (never panic, abort or run unbounded) whatever the
    /// template: a template is any caller's input.
    ///
    /// # Errors
    /// [`RenderError`] for parse and execution failures and exceeded bounds.
    fn render(
        &self,
        name: &str,
        template: &str,
        data: &Value,
    ) -> std::result::Result<String, RenderError>;

    /// Like [`TemplateRenderer::render`], for async callers: implementations that render
    /// elsewhere wait without blocking the caller's thread. The default renders in place.
    ///
    /// # Errors
    /// As [`TemplateRenderer::render`].
    async fn render_async(
        &self,
        name: &str,
        template: &str,
        data: &Value,
    ) -> std::result::Result<String, RenderError> {
        self.render(name, template, data)
    }
}
