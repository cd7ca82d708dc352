use std::sync::Arc;

use derive_new::new;

use super::{
    Delivery, DeliveryStorage, RenderError, TemplateRenderer, Webhook, WebhookStorage,
    WEBHOOK_NOT_FOUND,
};
use crate::event::json::template_data;
use crate::event::{Allowed, Event, EventService, Kind, NewEvent, Target};
use crate::permission::{team_scope, Context};
use crate::team::{auto_team_owner, TeamStorage};
use crate::{Call, Error, Identity, Result};

/// What a set secret reads back as; sending it back on update keeps the secret.
pub const SECRET_MASK: &str = "*****";

/// Most deliveries one read returns.
const MAX_DELIVERIES: usize = 100;

/// Webhook use cases.
#[derive(new)]
pub struct WebhookService {
    webhooks: Arc<dyn WebhookStorage>,
    deliveries: Arc<dyn DeliveryStorage>,
    teams: Arc<dyn TeamStorage>,
    events: Arc<EventService>,
    #[new(default)]
    templates: Option<Arc<dyn TemplateRenderer>>,
}

/// `hook` with its header values replaced by [`SECRET_MASK`] unless `identity` may update it.
fn masked(identity: &Identity, mut hook: Webhook) -> Webhook {
    if !identity.can("webhook.update", &[Context::team(&hook.team_owner)]) {
        for values in hook.headers.values_mut() {
            values.iter_mut().for_each(|v| *v = SECRET_MASK.to_string());
        }
    }
    hook
}

/// The event a body template is tried on before a hook is stored: the hook's own creation,
/// with every field set and empty custom data.
fn sample_event(hook: &Webhook, identity: &Identity, kind: &str) -> Event {
    let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let empty = Some(serde_json::json!({}));
    Event {
        id: "000000000000000000000000".into(),
        target: Target::new("webhook", &hook.name),
        extra_targets: Vec::new(),
        kind: Kind::permission(kind),
        owner: identity.owner(),
        start_time: t,
        end_time: Some(t),
        lock_update_time: t,
        locked: false,
        running: false,
        cancelable: false,
        error: String::new(),
        source_ip: String::new(),
        log: Vec::new(),
        cancel_info: crate::event::CancelInfo::default(),
        allowed: Allowed::default(),
        allowed_cancel: Allowed::default(),
        start_custom_data: empty.clone(),
        end_custom_data: empty.clone(),
        other_custom_data: empty,
    }
}

fn hook_event(name: &str, team: &str, kind: &str, call: &Call) -> NewEvent {
    NewEvent::new(
        Target::new("webhook", name),
        kind,
        call,
        Allowed::new("webhook.read.events", vec![Context::team(team)]),
    )
}

impl WebhookService {
    /// Tries body templates with `templates` on create and update, refusing those that fail
    /// or exceed the renderer's bounds.
    #[must_use]
    pub fn with_templates(mut self, templates: Arc<dyn TemplateRenderer>) -> Self {
        self.templates = Some(templates);
        self
    }

    /// 400 when the hook's body template fails on [`sample_event`] or goes past a bound. A
    /// template that does not parse is accepted: tsuru sends it as it is.
    async fn check_template(&self, hook: &Webhook, identity: &Identity, kind: &str) -> Result<()> {
        let Some(templates) = &self.templates else {
            return Ok(());
        };
        if hook.body.is_empty() {
            return Ok(());
        }
        let data = template_data(&sample_event(hook, identity, kind));
        match templates.render_async(&hook.name, &hook.body, &data).await {
            Ok(_) | Err(RenderError::Parse(_)) => Ok(()),
            Err(RenderError::Execute(e) | RenderError::Limit(e)) => {
                Err(Error::bad_request(format!("webhook body template cannot be rendered: {e}")))
            }
        }
    }

    /// Webhooks of the teams on which the caller holds `webhook.read` (a global grant: all;
    /// no grant: none). Header values (often credentials) read back as [`SECRET_MASK`] unless
    /// the caller may update the hook.
    ///
    /// tsuru listed every webhook, headers included, to callers without a team-scoped grant.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<Webhook>> {
        let Some(teams) = team_scope(&identity.permissions, "webhook.read") else {
            return Ok(Vec::new());
        };
        let hooks = match teams {
            Some(teams) => self.webhooks.owned_by(&teams).await?,
            None => self.webhooks.list().await?,
        };
        Ok(hooks.into_iter().map(|h| masked(identity, h)).collect())
    }

    /// One webhook; header values masked as in [`WebhookService::list`].
    ///
    /// # Errors
    /// 404 `webhook not found` (before the permission check, as tsuru); 403 without
    /// `webhook.read` on its team.
    #[tracing::instrument(skip_all)]
    pub async fn find(&self, identity: &Identity, name: &str) -> Result<Webhook> {
        let hook = self.get(name).await?;
        identity.require("webhook.read", &[Context::team(&hook.team_owner)])?;
        Ok(masked(identity, hook))
    }

    /// Creates a webhook.
    ///
    /// # Errors
    /// 403 without `webhook.create` on the team; 400 when no team is given and several fit,
    /// or for invalid fields; 404 `team not found`; 409 `webhook already exists with the same
    /// name`.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, call: &Call, mut hook: Webhook) -> Result<()> {
        if hook.team_owner.is_empty() {
            hook.team_owner = auto_team_owner(call, "webhook.create", &*self.teams).await?;
        }
        call.require("webhook.create", &[Context::team(&hook.team_owner)])?;
        self.store(call, &hook, "webhook.create").await
    }

    /// Replaces a webhook with `hook` (named by the path, as tsuru). An empty `team_owner`
    /// keeps the owner; a new owner needs `webhook.update` on both teams (tsuru checked only
    /// the new one, so anyone could take over another team's hook). `secret`: `None` or
    /// [`SECRET_MASK`] keeps it, `Some("")` removes it, anything else replaces it.
    ///
    /// # Errors
    /// 404 `webhook not found`; 403; 400 for invalid fields; 404 `team not found`.
    #[tracing::instrument(skip_all)]
    pub async fn update(
        &self,
        call: &Call,
        name: &str,
        mut hook: Webhook,
        secret: Option<String>,
    ) -> Result<()> {
        let stored = self.get(name).await?;
        call.require("webhook.update", &[Context::team(&stored.team_owner)])?;
        if hook.team_owner.is_empty() {
            hook.team_owner = stored.team_owner.clone();
        }
        if hook.team_owner != stored.team_owner {
            call.require("webhook.update", &[Context::team(&hook.team_owner)])?;
        }
        hook.name = name.to_string();
        hook.secret = match secret {
            None => stored.secret.clone(),
            Some(s) if s == SECRET_MASK => stored.secret.clone(),
            Some(s) => s,
        };
        self.store(call, &hook, "webhook.update").await
    }

    /// Deletes a webhook and its deliveries (pending ones are not sent).
    ///
    /// # Errors
    /// 404 `webhook not found`; 403 without `webhook.delete` on its team.
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        let stored = self.get(name).await?;
        call.require("webhook.delete", &[Context::team(&stored.team_owner)])?;
        let ev = hook_event(name, &stored.team_owner, "webhook.delete", call);
        self.events
            .run(ev, async {
                self.webhooks.delete(name).await?;
                self.deliveries.delete_by_webhook(name).await?;
                Ok(())
            })
            .await
    }

    /// The latest deliveries of a webhook (at most `limit`, capped at 100), newest first.
    ///
    /// # Errors
    /// 404 `webhook not found`; 403 without `webhook.read` on its team.
    #[tracing::instrument(skip_all)]
    pub async fn deliveries(
        &self,
        identity: &Identity,
        name: &str,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        self.find(identity, name).await?;
        let limit = if limit == 0 { MAX_DELIVERIES } else { limit.min(MAX_DELIVERIES) };
        self.deliveries.list_by_webhook(name, limit).await
    }

    async fn get(&self, name: &str) -> Result<Webhook> {
        self.webhooks.find(name).await?.ok_or_else(|| Error::not_found(WEBHOOK_NOT_FOUND))
    }

    /// Validates `hook` (a name only on create), tries its template, checks its team and
    /// inserts it (`webhook.create`) or replaces the stored one, in an event of `kind`.
    async fn store(&self, call: &Call, hook: &Webhook, kind: &str) -> Result<()> {
        let create = kind == "webhook.create";
        let ev = hook_event(&hook.name, &hook.team_owner, kind, call);
        self.events
            .run(ev, async {
                hook.validate(create)?;
                self.check_template(hook, call, kind).await?;
                self.team_exists(&hook.team_owner).await?;
                if create {
                    self.webhooks.insert(hook).await
                } else {
                    self.webhooks.update(hook).await
                }
            })
            .await
    }

    async fn team_exists(&self, team: &str) -> Result<()> {
        match self.teams.find(team).await? {
            Some(_) => Ok(()),
            None => Err(Error::not_found(crate::team::TEAM_NOT_FOUND)),
        }
    }
}
