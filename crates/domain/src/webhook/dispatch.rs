use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chrono::Duration;
use derive_new::new;

use super::{
    signature, Attempt, Delivery, DeliveryState, DeliveryStorage, HookRequest, Lease, RenderError,
    TemplateRenderer, Webhook, WebhookSender, WebhookStorage,
};
use crate::clock::{Clock, IdGenerator};
use crate::event::json::{go_json, template_data, to_json};
use crate::event::{Event, EventListener, Visibility};
use crate::permission::Context;
use crate::Result;

/// `User-Agent` of webhook calls unless the hook sets one (tsuru's).
pub const USER_AGENT: &str = "tsuru-webhook-client/1.0";

/// Queues deliveries for finished events: one per webhook whose filter matches. It only
/// writes to storage; [`DeliveryWorker`]s send.
#[derive(new)]
pub struct WebhookDispatcher {
    webhooks: Arc<dyn WebhookStorage>,
    deliveries: Arc<dyn DeliveryStorage>,
    renderer: Arc<dyn TemplateRenderer>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    #[new(default)]
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl WebhookDispatcher {
    /// Calls `wake` after queueing deliveries, so a local worker need not wait for its next
    /// poll.
    #[must_use]
    pub fn with_wake(mut self, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        self.wake = Some(wake);
        self
    }

    /// Queues the deliveries of `event`; returns how many.
    ///
    /// # Errors
    /// Storage failures (deliveries queued before the failure stay queued).
    pub async fn dispatch(&self, event: &Event) -> Result<usize> {
        let hooks = self.webhooks.list().await?;
        let mut queued = 0;
        let visible =
            hooks.iter().filter(|h| h.filter.matches(event) && team_may_see(&h.team_owner, event));
        for hook in visible {
            let delivery = self.delivery(hook, event).await;
            self.deliveries.insert(&delivery).await?;
            queued += 1;
        }
        if queued > 0 {
            if let Some(wake) = &self.wake {
                wake();
            }
        }
        Ok(queued)
    }

    /// The delivery of `event` to `hook`: the request as tsuru builds it, fixed now.
    pub async fn delivery(&self, hook: &Webhook, event: &Event) -> Delivery {
        let now = self.clock.now();
        let method = hook.http_method();
        let mut headers: Vec<(String, String)> = hook
            .headers
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
            .collect();
        let mut failure = String::new();
        let body = if !hook.body.is_empty() {
            match self.renderer.render_async(&hook.name, &hook.body, &template_data(event)).await {
                Ok(text) => Some(text),
                // tsuru sends an unparsable template as it is.
                Err(RenderError::Parse(_)) => Some(hook.body.clone()),
                Err(RenderError::Execute(e) | RenderError::Limit(e)) => {
                    failure = format!("unable to render the body template: {e}");
                    None
                }
            }
        } else if ["POST", "PUT", "PATCH"].contains(&method.as_str()) {
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(go_json(&to_json(event, false)))
        } else {
            None
        };
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("user-agent")) {
            headers.push(("User-Agent".into(), USER_AGENT.into()));
        }
        Delivery {
            id: self.ids.object_id(),
            webhook: hook.name.clone(),
            event_id: event.id.clone(),
            event_kind: event.kind.name.clone(),
            request: HookRequest {
                method,
                url: hook.url.clone(),
                headers,
                body,
                proxy_url: hook.proxy(),
                insecure: hook.insecure,
            },
            secret: hook.secret.clone(),
            state: if failure.is_empty() { DeliveryState::Pending } else { DeliveryState::Failed },
            attempts: Vec::new(),
            last_error: failure,
            created_at: now,
            next_attempt_at: now,
            claimed_by: None,
            lease_until: None,
        }
    }
}

#[async_trait]
impl EventListener for WebhookDispatcher {
    async fn event_finished(&self, event: &Event) {
        if let Err(e) = self.dispatch(event).await {
            tracing::error!(event = %event.id, error = %e, "could not queue webhook deliveries");
        }
    }
}

/// Whether `team` may see `event`: what its members see through the team's context on
/// `GET /1.1/events` (a team-scoped grant of every permission), so a hook never learns of
/// other teams', users' or global events.
pub fn team_may_see(team: &str, event: &Event) -> bool {
    Visibility { scheme: String::new(), context: Some(Context::team(team)) }.allows(&event.allowed)
}

/// Retry policy and lease of a [`DeliveryWorker`].
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Calls per delivery before giving up (at least 1).
    pub max_attempts: u32,
    /// Wait before the second call; doubles for each next one (capped at an hour).
    pub backoff: std::time::Duration,
    /// How long a claim holds: longer than one call can take.
    pub lease: std::time::Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            max_attempts: 5,
            backoff: std::time::Duration::from_secs(2),
            lease: std::time::Duration::from_secs(90),
        }
    }
}

/// Claims due deliveries and sends them. Workers in several processes may share one storage:
/// claims are leased, so each attempt is made by one worker.
pub struct DeliveryWorker {
    deliveries: Arc<dyn DeliveryStorage>,
    sender: Arc<dyn WebhookSender>,
    clock: Arc<dyn Clock>,
    worker_id: String,
    config: DeliveryConfig,
}

const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(3600);

impl DeliveryWorker {
    /// Builds a worker named `worker_id` (unique among the processes sharing the storage).
    pub fn new(
        deliveries: Arc<dyn DeliveryStorage>,
        sender: Arc<dyn WebhookSender>,
        clock: Arc<dyn Clock>,
        worker_id: impl Into<String>,
        config: DeliveryConfig,
    ) -> Self {
        DeliveryWorker { deliveries, sender, clock, worker_id: worker_id.into(), config }
    }

    /// This worker's name, as stored in its claims.
    pub fn id(&self) -> &str {
        &self.worker_id
    }

    /// Claims up to `limit` due deliveries.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn claim(&self, limit: usize) -> Result<Vec<Delivery>> {
        let now = self.clock.now();
        let lease = Duration::from_std(self.config.lease).unwrap_or(Duration::seconds(90));
        self.deliveries.claim_due(Lease::new(&self.worker_id, now, now + lease), limit).await
    }

    /// Makes one attempt of a claimed delivery and records it: 200–399 delivered; 4xx failed
    /// for good; 5xx, other statuses and calls without a response retried with exponential
    /// backoff until `max_attempts`. Returns the delivery as recorded.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn deliver(&self, mut d: Delivery) -> Result<Delivery> {
        let now = self.clock.now();
        let number = u32::try_from(d.attempts.len()).unwrap_or(u32::MAX).saturating_add(1);
        let mut request = d.request.clone();
        if !d.secret.is_empty() {
            let ts = now.timestamp();
            let body = request.body.as_deref().unwrap_or("").as_bytes();
            request.headers.push(("X-Tsuru-Timestamp".into(), ts.to_string()));
            request.headers.push(("X-Tsuru-Signature".into(), signature(&d.secret, ts, body)));
        }
        request.headers.push(("X-Tsuru-Delivery".into(), d.id.clone()));
        let started = Instant::now();
        let result = self.sender.send(&request).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, error, retry) = match result {
            Ok(resp) if (200..400).contains(&resp.status) => {
                (Some(resp.status), String::new(), false)
            }
            Ok(resp) => (
                Some(resp.status),
                format!("invalid status code calling hook: {}", resp.status),
                !(400..500).contains(&resp.status),
            ),
            Err(e) => (None, e, true),
        };
        d.attempts.push(Attempt { number, time: now, status, error: error.clone(), duration_ms });
        if error.is_empty() {
            d.state = DeliveryState::Delivered;
        } else if retry && number < self.config.max_attempts.max(1) {
            d.state = DeliveryState::Pending;
            d.next_attempt_at = self.clock.now() + self.backoff(number);
        } else {
            d.state = DeliveryState::Failed;
        }
        if error.is_empty() {
            tracing::debug!(delivery = %d.id, webhook = %d.webhook, attempt = number, "webhook delivered");
        } else {
            tracing::warn!(delivery = %d.id, webhook = %d.webhook, attempt = number, state = d.state.as_str(), error = %error, "webhook call failed");
        }
        d.last_error = error;
        if !self.deliveries.release(&d, &self.worker_id).await? {
            tracing::warn!(delivery = %d.id, "lost the lease of a webhook delivery before recording it");
        }
        d.claimed_by = None;
        d.lease_until = None;
        Ok(d)
    }

    /// Claims up to `limit` due deliveries and sends them concurrently; returns how many were
    /// attempted.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn run_once(&self, limit: usize) -> Result<usize> {
        let claimed = self.claim(limit).await?;
        let n = claimed.len();
        let results = futures::future::join_all(claimed.into_iter().map(|d| self.deliver(d))).await;
        for r in results {
            r?;
        }
        Ok(n)
    }

    /// Deletes finished deliveries created more than `older_than` ago.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn prune(&self, older_than: std::time::Duration) -> Result<u64> {
        let age = Duration::from_std(older_than).unwrap_or(Duration::days(7));
        self.deliveries.delete_finished_before(self.clock.now() - age).await
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let wait = self.config.backoff.checked_mul(factor).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF);
        Duration::from_std(wait).unwrap_or(Duration::hours(1))
    }
}
