use std::sync::Arc;

use chrono::Duration;
use derive_new::new;

use super::{default_token_id, token_email, validate_token_id, TeamToken, TeamTokenStorage};
use crate::app::{AppFilter, AppStorage};
use crate::clock::{sha256_hex, Clock, IdGenerator};
use crate::event::{EventService, NewEvent};
use crate::permission::{can_use_role, team_scope, Context, ContextLookup, Grant, RoleStorage};
use crate::team::{auto_team_owner, TeamStorage};
use crate::{Call, Error, Identity, Result};

/// Text of a missing token.
pub const TOKEN_NOT_FOUND: &str = "team token not found";

/// The create command of `POST /1.6/tokens`.
#[derive(Debug, Clone, Default)]
pub struct NewTeamToken {
    /// Id; empty for `<team>-<5 hex digits>`.
    pub token_id: String,
    /// Free text.
    pub description: String,
    /// Seconds until expiry; 0 never expires (negative values give a past expiry, as tsuru).
    pub expires_in: i64,
    /// Owning team; empty picks the caller's only team.
    pub team: String,
}

/// The patch of `PUT /1.6/tokens/{token_id}`.
#[derive(Debug, Clone, Default)]
pub struct TeamTokenUpdate {
    /// Issue a new value.
    pub regenerate: bool,
    /// New description; empty keeps it.
    pub description: String,
    /// `> 0`: expire that many seconds from now; `< 0`: never expire; 0: unchanged.
    pub expires_in: i64,
}

/// Team-token use cases.
#[derive(new)]
#[allow(clippy::too_many_arguments)]
pub struct TokenService {
    tokens: Arc<dyn TeamTokenStorage>,
    teams: Arc<dyn TeamStorage>,
    apps: Arc<dyn AppStorage>,
    roles: Arc<dyn RoleStorage>,
    /// Validates context values on role assignment.
    lookup: Arc<dyn ContextLookup>,
    events: Arc<EventService>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl TokenService {
    /// Tokens of the teams on which the caller holds `team.token.read` (a global grant: all;
    /// no grant: none), values blanked as [`TokenService::info`] does.
    ///
    /// tsuru listed every token to callers without any grant; tokens are credentials, so we
    /// show them only to their team's readers.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<TeamToken>> {
        let Some(teams) = team_scope(&identity.permissions, "team.token.read") else {
            return Ok(Vec::new());
        };
        let tokens = self.tokens.list(teams.as_deref()).await?;
        self.reveal(identity, tokens).await
    }

    /// One token.
    ///
    /// # Errors
    /// 404 `team token not found` (before the permission check, as tsuru); 403 without
    /// `team.token.read` on its team.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, token_id: &str) -> Result<TeamToken> {
        let token = self.find(token_id).await?;
        identity.require("team.token.read", &[Context::team(&token.team)])?;
        Ok(self.reveal(identity, vec![token]).await?.remove(0))
    }

    /// Creates a token without roles; the response carries its value.
    ///
    /// # Errors
    /// 403 without `team.token.create` on the team; 400 when no team is given and several fit,
    /// for an invalid id or expiry; 404 `team not found`; 409 `team token already exists`.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, call: &Call, new: NewTeamToken) -> Result<TeamToken> {
        let team = if new.team.is_empty() {
            auto_team_owner(call, "team.token.create", &*self.teams).await?
        } else {
            new.team.clone()
        };
        call.require("team.token.create", &[Context::team(&team)])?;
        let ev = NewEvent::on("team", &team, "team.token.create", call);
        self.events
            .run(ev, async {
                if self.teams.find(&team).await?.is_none() {
                    return Err(Error::not_found(crate::team::TEAM_NOT_FOUND));
                }
                let now = self.clock.now();
                let value = self.new_value(&team);
                let token_id = if new.token_id.is_empty() {
                    default_token_id(&team, &value)
                } else {
                    new.token_id.clone()
                };
                validate_token_id(&token_id)?;
                let expires_at = match new.expires_in {
                    0 => None,
                    secs => Some(expiry(now, secs)?),
                };
                let token = TeamToken {
                    token: value,
                    token_id,
                    description: new.description.clone(),
                    created_at: now,
                    expires_at,
                    last_access: None,
                    creator_email: call.email.clone(),
                    team: team.clone(),
                    roles: Vec::new(),
                };
                self.tokens.insert(&token).await?;
                Ok(token)
            })
            .await
    }

    /// Changes the description or expiry, or issues a new value.
    ///
    /// # Errors
    /// 404 `team token not found`; 403 without `team.token.update` on its team; 400 for an
    /// expiry out of range.
    #[tracing::instrument(skip_all)]
    pub async fn update(
        &self,
        call: &Call,
        token_id: &str,
        upd: TeamTokenUpdate,
    ) -> Result<TeamToken> {
        let mut token = self.find(token_id).await?;
        call.require("team.token.update", &[Context::team(&token.team)])?;
        let ev = NewEvent::on("team", &token.team, "team.token.update", call);
        let token = self
            .events
            .run(ev, async {
                let now = self.clock.now();
                if !upd.description.is_empty() {
                    token.description = upd.description.clone();
                }
                match upd.expires_in {
                    0 => {}
                    n if n < 0 => token.expires_at = None,
                    n => token.expires_at = Some(expiry(now, n)?),
                }
                if upd.regenerate {
                    token.token = self.new_value(&token.team);
                }
                self.tokens.update(&token).await?;
                Ok(token)
            })
            .await?;
        Ok(self.reveal(call, vec![token]).await?.remove(0))
    }

    /// Deletes a token that owns no app.
    ///
    /// # Errors
    /// 404 `team token not found`; 403 without `team.token.delete` on its team; 409
    /// `cannot remove team token who owns apps`.
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, token_id: &str) -> Result<()> {
        let token = self.find(token_id).await?;
        call.require("team.token.delete", &[Context::team(&token.team)])?;
        let ev = NewEvent::on("team", &token.team, "team.token.delete", call);
        self.events
            .run(ev, async {
                let owned = self
                    .apps
                    .list(&AppFilter { owner: Some(token_email(token_id)), ..AppFilter::default() })
                    .await?;
                if !owned.is_empty() {
                    return Err(Error::conflict("cannot remove team token who owns apps"));
                }
                self.tokens.delete(token_id).await
            })
            .await
    }

    /// Gives a role instance to a team token, or takes one from it (set semantics).
    ///
    /// # Errors
    /// 403 without a global `role.update.assign` (`role.update.dissociate` to take) or when
    /// the caller may not use the role's permissions in that context; 404 `role not found` /
    /// `team token not found`; 400 for a bad context value.
    #[tracing::instrument(skip_all)]
    pub async fn grant(&self, grant: Grant<'_>, token_id: &str) -> Result<()> {
        let add = grant.assign;
        let (roles, lookup) = (self.roles.as_ref(), self.lookup.as_ref());
        grant
            .run(&self.events, roles, lookup, async { Ok(()) }, |r| async move {
                if add {
                    self.tokens.add_role(token_id, &r).await
                } else {
                    self.tokens.remove_role(token_id, &r).await
                }
            })
            .await
    }

    async fn find(&self, token_id: &str) -> Result<TeamToken> {
        self.tokens.find(token_id).await?.ok_or_else(|| Error::not_found(TOKEN_NOT_FOUND))
    }

    fn new_value(&self, team: &str) -> String {
        let now = self.clock.now().to_rfc3339();
        sha256_hex(&[team.as_bytes(), &self.ids.random_bytes(32), now.as_bytes()])
    }

    /// Blanks the value of every token having a role the caller could not grant itself
    /// (tsuru's canUseRole rule); tokens without roles keep their value.
    async fn reveal(
        &self,
        identity: &Identity,
        mut tokens: Vec<TeamToken>,
    ) -> Result<Vec<TeamToken>> {
        let mut names: Vec<String> =
            tokens.iter().flat_map(|t| t.roles.iter().map(|r| r.name.clone())).collect();
        names.sort();
        names.dedup();
        let roles =
            if names.is_empty() { Vec::new() } else { self.roles.find_many(&names).await? };
        for token in &mut tokens {
            let usable = token.roles.iter().all(|inst| {
                roles
                    .iter()
                    .find(|r| r.name == inst.name)
                    .is_none_or(|r| can_use_role(identity, r, &inst.context_value).is_ok())
            });
            if !usable {
                token.token.clear();
            }
        }
        Ok(tokens)
    }
}

/// `now + secs`, or a 400 when out of range.
fn expiry(now: chrono::DateTime<chrono::Utc>, secs: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    Duration::try_seconds(secs)
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| Error::bad_request("invalid expires_in: out of range"))
}
