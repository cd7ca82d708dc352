use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Event, EventFilter, Kind};
use crate::Result;

/// Storage of events (tsuru collection `events`). Locks live here so that several `tsurud`
/// processes sharing one database honour each other's locks.
#[async_trait]
pub trait EventStorage: Send + Sync {
    /// Inserts a running event that locks its targets, atomically with respect to other inserts.
    ///
    /// # Errors
    /// MUST return `Ok(Some(holder))` instead of inserting when a running, locked event holds
    /// any of `event.locked_targets()`.
    async fn insert_locked(&self, event: &Event) -> Result<Option<Event>>;
    /// Inserts an event without locking (finished events, or locking disabled).
    async fn insert(&self, event: &Event) -> Result<()>;
    /// Replaces a stored event (finish, cancel).
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `event not found` when it does not exist.
    async fn update(&self, event: &Event) -> Result<()>;
    /// Refreshes the heartbeat of running events.
    async fn touch(&self, ids: &[String], now: DateTime<Utc>) -> Result<()>;
    /// The event with this id.
    async fn find(&self, id: &str) -> Result<Option<Event>>;
    /// Events matching `filter`, sorted, then skipped and limited.
    async fn list(&self, filter: &EventFilter) -> Result<Vec<Event>>;
    /// Distinct kinds over all events.
    async fn kinds(&self) -> Result<Vec<Kind>>;
    /// Running events whose heartbeat is older than `before`.
    async fn list_stale(&self, before: DateTime<Utc>) -> Result<Vec<Event>>;
}

/// Told about every event that finishes through [`super::EventService::done`] (tsuru notifies
/// webhooks there). It runs on the finishing request's path, so it must be quick: storage
/// writes only, never outgoing calls.
#[async_trait]
pub trait EventListener: Send + Sync {
    /// `event` has finished and been stored. Failures are the listener's to log.
    async fn event_finished(&self, event: &Event);
}
