//! Event webhooks: team-owned HTTP callbacks called when a matching event finishes (tsuru
//! `event/webhook`, `types/event/webhook.go`), with deliveries queued in storage, retried with
//! backoff and signed when the hook has a secret.
//!
//! The flow: [`WebhookDispatcher`] listens to finished events and stores one [`Delivery`] per
//! matching hook (never sending anything itself); [`DeliveryWorker`]s, one or more per process
//! and any number of processes, claim due deliveries under a lease, send them through the
//! [`WebhookSender`] port and record each attempt.
mod dispatch;
mod model;
mod ports;
mod service;

pub use dispatch::{team_may_see, DeliveryConfig, DeliveryWorker, WebhookDispatcher};
pub use model::*;
pub use ports::{
    DeliveryStorage, HookResponse, Lease, RenderError, TemplateRenderer, WebhookSender,
    WebhookStorage,
};
pub use service::{WebhookService, SECRET_MASK};
