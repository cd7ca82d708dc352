use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{
    Allowed, CancelInfo, Event, EventFilter, EventListener, EventStorage, ExtraTarget, Kind, Owner,
    Target, Visibility,
};
use crate::clock::{Clock, IdGenerator};
use crate::output::{Out, Progress};
use crate::permission::{Context, ContextType};
use crate::{Call, Error, Identity, Origin, Result};

/// By default, a running event whose holder sent no heartbeat for this long is expired.
pub const LOCK_EXPIRY: Duration = Duration::minutes(5);

/// What a use case records before doing its work.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Primary target (locked).
    pub target: Target,
    /// Secondary targets.
    pub extra_targets: Vec<ExtraTarget>,
    /// Kind (usually the permission checked).
    pub kind: Kind,
    /// Owner.
    pub owner: Owner,
    /// Who may read it.
    pub allowed: Allowed,
    /// Who may cancel it (empty: nobody but holders of the root permission).
    pub allowed_cancel: Allowed,
    /// Whether it can be cancelled.
    pub cancelable: bool,
    /// Request origin.
    pub source_ip: String,
    /// Start custom data.
    pub data: Option<Value>,
}

impl NewEvent {
    /// An event of kind `permission:<kind>` on `target`, owned by the caller of `call`,
    /// readable with `allowed`, carrying the request's origin.
    pub fn new(target: Target, kind: &str, call: &Call, allowed: Allowed) -> Self {
        NewEvent::with_owner(target, kind, call.owner(), &call.origin, allowed)
    }

    /// An event of kind `kind` on the record `name` of target type `ttype`, readable with
    /// `<ttype>.read.events` on that record for `team`, `user` and `pool`, with
    /// `machine.read.events` on the IaaS for `iaas`, and globally only for any other type
    /// (`role`, `cluster`, `platform`).
    pub fn on(ttype: &str, name: &str, kind: &str, call: &Call) -> Self {
        let contexts = match ttype {
            "team" => vec![Context::team(name)],
            "user" => vec![Context::user(name)],
            "pool" => vec![Context::new(ContextType::Pool, name)],
            "iaas" => vec![Context::new(ContextType::Iaas, name)],
            _ => Vec::new(),
        };
        let scheme = if ttype == "iaas" { "machine" } else { ttype };
        let allowed = Allowed::new(&format!("{scheme}.read.events"), contexts);
        NewEvent::new(Target::new(ttype, name), kind, call, allowed)
    }

    /// Like [`NewEvent::new`] with an explicit owner.
    pub fn with_owner(
        target: Target,
        kind: &str,
        owner: Owner,
        origin: &Origin,
        allowed: Allowed,
    ) -> Self {
        NewEvent {
            target,
            extra_targets: Vec::new(),
            kind: Kind::permission(kind),
            owner,
            allowed,
            allowed_cancel: Allowed::default(),
            cancelable: false,
            source_ip: origin.source_ip.clone(),
            data: (!origin.data.is_null()).then(|| origin.data.clone()),
        }
    }
}

/// Records events and enforces target locks.
pub struct EventService {
    storage: Arc<dyn EventStorage>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    lock_expiry: Duration,
    /// Events this process runs, whose heartbeat it refreshes.
    mine: Mutex<HashSet<String>>,
    /// How long an event on an app waits for the app's lock before failing.
    app_lock_wait: std::time::Duration,
    /// Told about every finished event (webhooks).
    listener: Option<Arc<dyn EventListener>>,
}

/// tsuru's cap for one page of events.
pub const MAX_EVENT_LIMIT: usize = 100;

impl EventService {
    /// Builds the service.
    pub fn new(
        storage: Arc<dyn EventStorage>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        EventService {
            storage,
            clock,
            ids,
            lock_expiry: LOCK_EXPIRY,
            mine: Mutex::new(HashSet::new()),
            app_lock_wait: std::time::Duration::from_secs(10),
            listener: None,
        }
    }

    /// Sets how long events on apps wait for a locked app (tsuru: 10 s, retrying every 100 ms).
    #[must_use]
    pub fn with_app_lock_wait(mut self, wait: std::time::Duration) -> Self {
        self.app_lock_wait = wait;
        self
    }

    /// Expires locks after `expiry` without a heartbeat instead of `LOCK_EXPIRY` (300 s).
    #[must_use]
    pub fn with_lock_expiry(mut self, expiry: Duration) -> Self {
        self.lock_expiry = expiry;
        self
    }

    /// How long a running event may go without a heartbeat before its lock is expired.
    pub fn lock_expiry(&self) -> Duration {
        self.lock_expiry
    }

    /// The clock events are stamped with.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// A running event made of `new`, not yet stored.
    fn start_value(&self, new: NewEvent) -> Event {
        let now = self.clock.now();
        Event {
            id: self.ids.object_id(),
            target: new.target,
            extra_targets: new.extra_targets,
            kind: new.kind,
            owner: new.owner,
            start_time: now,
            end_time: None,
            lock_update_time: now,
            locked: true,
            running: true,
            cancelable: new.cancelable,
            error: String::new(),
            source_ip: new.source_ip,
            log: Vec::new(),
            cancel_info: CancelInfo::default(),
            allowed: new.allowed,
            allowed_cancel: new.allowed_cancel,
            start_custom_data: new.data,
            end_custom_data: None,
            other_custom_data: None,
        }
    }

    /// Starts an event, locking its target.
    ///
    /// # Errors
    /// 409 `event locked: ...` when another running event holds the target.
    #[tracing::instrument(skip_all)]
    pub async fn start(&self, new: NewEvent) -> Result<Event> {
        let event = self.start_value(new);
        let waits = event.target.ttype == "app";
        let started = std::time::Instant::now();
        let mut expired_one = false;
        loop {
            match self.storage.insert_locked(&event).await? {
                None => {
                    self.remember(&event.id, true);
                    return Ok(event);
                }
                Some(holder) => {
                    let now = self.clock.now();
                    if !expired_one && now - holder.lock_update_time > self.lock_expiry {
                        expired_one = true;
                        self.expire(holder, now).await?;
                        continue;
                    }
                    if waits && started.elapsed() < self.app_lock_wait {
                        self.clock.sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                    return Err(Error::conflict(locked_message(&holder)));
                }
            }
        }
    }

    /// Starts an event that locks nothing (tsuru's `DisableLock`): it runs next to any other.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn start_unlocked(&self, new: NewEvent) -> Result<Event> {
        let mut event = self.start_value(new);
        event.locked = false;
        self.storage.insert(&event).await?;
        self.remember(&event.id, true);
        Ok(event)
    }

    /// Finishes an event with the outcome of its operation. Storage failures are logged: the
    /// operation already happened and its result must reach the caller.
    #[tracing::instrument(skip_all)]
    pub async fn done<T>(&self, event: Event, outcome: &Result<T>, end_data: Option<Value>) {
        self.done_with_log(event, outcome, end_data, Vec::new()).await;
    }

    /// Like [`EventService::done`], also storing the operation's progress log.
    #[tracing::instrument(skip_all)]
    pub async fn done_with_log<T>(
        &self,
        mut event: Event,
        outcome: &Result<T>,
        end_data: Option<Value>,
        log: Vec<super::LogEntry>,
    ) {
        event.log.extend(log);
        event.end_time = Some(self.clock.now());
        event.running = false;
        event.locked = false;
        event.end_custom_data = end_data;
        if let Err(e) = outcome {
            event.error = e.to_string();
        }
        self.remember(&event.id, false);
        if let Err(e) = self.storage.update(&event).await {
            tracing::error!(event = %event.id, error = %e, "could not finish event");
            return;
        }
        if let Some(listener) = &self.listener {
            listener.event_finished(&event).await;
        }
    }

    /// Runs `work` inside an event: start (lock), work, finish with its outcome.
    ///
    /// # Errors
    /// The lock conflict, or whatever `work` returns.
    #[tracing::instrument(skip_all)]
    pub async fn run<T, F>(&self, new: NewEvent, work: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let event = self.start(new).await?;
        let outcome = work.await;
        self.done(event, &outcome, None).await;
        outcome
    }

    /// Like [`EventService::run`] for operations that stream progress: `work` gets a
    /// [`Progress`] that forwards to `out` and whose text is kept in the event's log.
    ///
    /// # Errors
    /// The lock conflict, or whatever `work` returns.
    #[tracing::instrument(skip_all)]
    pub async fn run_logged<T, F, Fut>(&self, new: NewEvent, out: Out, work: F) -> Result<T>
    where
        F: FnOnce(Arc<Progress>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let event = self.start(new).await?;
        let progress = Arc::new(Progress::new(out, self.clock.clone()));
        let outcome = work(progress.clone()).await;
        self.done_with_log(event, &outcome, None, progress.take_log()).await;
        outcome
    }

    /// Events visible to `identity` that match `filter`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity, mut filter: EventFilter) -> Result<Vec<Event>> {
        if filter.limit == 0 || filter.limit > MAX_EVENT_LIMIT {
            filter.limit = MAX_EVENT_LIMIT;
        }
        filter.visibility = Some(
            identity
                .permissions
                .iter()
                .map(|p| Visibility {
                    scheme: p.scheme.clone(),
                    context: (p.context.ctype != ContextType::Global).then(|| p.context.clone()),
                })
                .collect(),
        );
        self.storage.list(&filter).await
    }

    /// Events matching `filter` as stored, whoever asks: for use cases that check a permission
    /// of their own on the targets (the deploy list reads `app.deploy` events of the apps the
    /// caller may read deploys of).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list_unchecked(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        self.storage.list(filter).await
    }

    /// Distinct kinds of all stored events.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn kinds(&self) -> Result<Vec<Kind>> {
        self.storage.kinds().await
    }

    /// One event, if `identity` may read it.
    ///
    /// # Errors
    /// 400 for a malformed id, 404 `event not found`, 403 without the event's read permission.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, id: &str) -> Result<Event> {
        let event = self.find(id).await?;
        identity.require(&event.allowed.scheme, &event.allowed.contexts)?;
        Ok(event)
    }

    /// Asks a running cancelable event to stop.
    ///
    /// # Errors
    /// 400 for a bad id, no reason or a non-cancelable event; 404; 403; 409 when cancellation
    /// was already requested.
    #[tracing::instrument(skip_all)]
    pub async fn cancel(&self, identity: &Identity, id: &str, reason: &str) -> Result<()> {
        let mut event = self.find(id).await?;
        if reason.is_empty() {
            return Err(Error::bad_request("reason is mandatory"));
        }
        identity.require(&event.allowed_cancel.scheme, &event.allowed_cancel.contexts)?;
        if !event.cancelable || !event.running {
            return Err(Error::bad_request("event is not cancelable"));
        }
        if event.cancel_info.asked {
            return Err(Error::conflict("event cancel already requested"));
        }
        event.cancel_info = CancelInfo {
            owner: identity.owner().name,
            start_time: Some(self.clock.now()),
            reason: reason.to_string(),
            asked: true,
            ..CancelInfo::default()
        };
        self.storage.update(&event).await
    }

    /// Tells `listener` about every event finished through [`EventService::done`].
    #[must_use]
    pub fn with_listener(mut self, listener: Arc<dyn EventListener>) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Refreshes the heartbeat of every event this process runs; call it periodically.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn heartbeat(&self) -> Result<()> {
        let ids: Vec<String> = self.lock_mine().iter().cloned().collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.storage.touch(&ids, self.clock.now()).await
    }

    /// How many running events this process holds the lock of.
    pub fn held_locks(&self) -> usize {
        self.lock_mine().len()
    }

    /// Finishes running events whose holder stopped sending heartbeats (a crashed process).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn expire_stale(&self) -> Result<usize> {
        let now = self.clock.now();
        let stale = self.storage.list_stale(now - self.lock_expiry).await?;
        let n = stale.len();
        for e in stale {
            self.expire(e, now).await?;
        }
        Ok(n)
    }

    async fn expire(&self, mut holder: Event, now: DateTime<Utc>) -> Result<()> {
        let idle = now - holder.lock_update_time;
        holder.running = false;
        holder.locked = false;
        holder.end_time = Some(now);
        holder.error = format!("event expired, no update for {}", go_duration(idle));
        tracing::warn!(event = %holder.id, "expiring event without heartbeat");
        self.storage.update(&holder).await
    }

    async fn find(&self, id: &str) -> Result<Event> {
        if !is_object_id(id) {
            return Err(Error::bad_request(format!("uuid parameter is not ObjectId: {id}")));
        }
        self.storage.find(id).await?.ok_or_else(|| Error::not_found(super::EVENT_NOT_FOUND))
    }

    fn lock_mine(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.mine.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember(&self, id: &str, running: bool) {
        let mut mine = self.lock_mine();
        if running {
            mine.insert(id.to_string());
        } else {
            mine.remove(id);
        }
    }
}

/// Whether `id` is 24 hex digits.
pub fn is_object_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// tsuru's text for a lock conflict.
pub fn locked_message(holder: &Event) -> String {
    format!(
        "event locked: {}({}) running {:?} start by {} {} at {}",
        holder.target.ttype,
        holder.target.value,
        holder.kind.name,
        holder.owner.otype,
        holder.owner.name,
        holder.start_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// A duration the way Go prints it (`1m0s`, `5m3.25s`, `300ms`).
pub fn go_duration(d: Duration) -> String {
    let total_ms = d.num_milliseconds().max(0);
    if total_ms < 1000 {
        return format!("{total_ms}ms");
    }
    let h = total_ms / 3_600_000;
    let m = (total_ms % 3_600_000) / 60_000;
    let ms = total_ms % 60_000;
    let secs = if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        let s = format!("{}.{:03}", ms / 1000, ms % 1000);
        format!("{}s", s.trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::seconds(60)), "1m0s");
        assert_eq!(go_duration(Duration::milliseconds(303_250)), "5m3.25s");
        assert_eq!(go_duration(Duration::milliseconds(300)), "300ms");
        assert_eq!(go_duration(Duration::seconds(3661)), "1h1m1s");
    }

    #[test]
    fn object_ids() {
        assert!(is_object_id("5f1c2a3b4c5d6e7f80910a1b"));
        assert!(!is_object_id("webhooks"));
    }
}
