use std::sync::Arc;

use async_trait::async_trait;
use derive_new::new;

use super::{clean_tags, parse_team_name, Team, TeamStorage};
use crate::app::AppStorage;
use crate::event::{EventService, NewEvent};
use crate::permission::{tree, Context, ContextType, RoleService};
use crate::quota::{parse_limit, Quota, QuotaUseCases};
use crate::user::{UserService, UserView};
use crate::{Call, Error, Identity, Result};

/// One entry of the team list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamListEntry {
    /// Team name.
    pub name: String,
    /// Top-most team-capable permissions the caller holds on it.
    pub permissions: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// Team info.
#[derive(Debug, Clone)]
pub struct TeamInfo {
    /// The team.
    pub team: Team,
    /// Members (filled for callers with a global `team` grant).
    pub users: Vec<UserView>,
}

/// Team use cases.
#[derive(new)]
pub struct TeamService {
    teams: Arc<dyn TeamStorage>,
    apps: Arc<dyn AppStorage>,
    users: Arc<UserService>,
    roles: Arc<RoleService>,
    events: Arc<EventService>,
    /// The default app quota of new teams.
    apps_per_team: Option<i64>,
}

impl TeamService {
    /// Teams on which the caller holds at least one team-capable permission.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<TeamListEntry>> {
        let capable: Vec<&str> = tree::all()
            .iter()
            .filter(|n| n.contexts.contains(&ContextType::Team))
            .map(|n| n.name)
            .collect();
        let mut out = Vec::new();
        for team in self.teams.list().await? {
            let ctx = [Context::team(&team.name)];
            let mut accepted: Vec<String> = Vec::new();
            for name in &capable {
                if accepted.last().is_some_and(|last| tree::is_ancestor_or_self(last, name)) {
                    continue;
                }
                if identity.can(name, &ctx) {
                    accepted.push((*name).to_string());
                }
            }
            if !accepted.is_empty() {
                out.push(TeamListEntry { name: team.name, permissions: accepted, tags: team.tags });
            }
        }
        Ok(out)
    }

    /// Creates a team; the caller gets the roles bound to `team-create` on it.
    ///
    /// # Errors
    /// 403 without a global `team.create`; 400 for an invalid name; 409 `team already exists`.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, call: &Call, name: &str, tags: Vec<String>) -> Result<Team> {
        call.require("team.create", &[])?;
        let ev = NewEvent::on("team", name, "team.create", call);
        self.events.run(ev, self.insert(call, name, tags)).await
    }

    async fn insert(&self, identity: &Identity, name: &str, tags: Vec<String>) -> Result<Team> {
        let team = Team {
            name: parse_team_name(name)?,
            creating_user: identity.email.clone(),
            tags: clean_tags(tags),
            quota: Quota::from_config(self.apps_per_team),
        };
        self.teams.insert(&team).await?;
        if !identity.is_team_token() {
            self.roles.apply_role_event("team-create", &identity.email, &team.name).await;
        }
        Ok(team)
    }

    /// Removes a team. Without permission the team is reported missing, so its existence stays
    /// hidden.
    ///
    /// # Errors
    /// 404 `Team "<name>" not found.`
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        let not_found = || Error::not_found(format!("Team {name:?} not found."));
        if !call.can("team.delete", &[Context::team(name)]) {
            return Err(not_found());
        }
        let ev = NewEvent::on("team", name, "team.delete", call);
        self.events
            .run(ev, async {
                self.teams.find(name).await?.ok_or_else(not_found)?;
                let apps = self.apps.names_by_team(name).await?;
                if !apps.is_empty() {
                    return Err(Error::Forbidden(format!(
                        "This team cannot be removed because there are still references to it:\nApps: {}",
                        apps.join(", ")
                    )));
                }
                self.teams.delete(name).await.map_err(|e| {
                    if e.is_not_found() {
                        not_found()
                    } else {
                        e
                    }
                })?;
                // Grants and tokens on the team go with it: a team created later under the
                // same name must not inherit them.
                self.roles.forget_team(name).await
            })
            .await
    }

    /// A team with its members.
    ///
    /// # Errors
    /// 404 `team not found`; 403 without a global `team.read`.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<TeamInfo> {
        let team = self.find(name).await?;
        identity.require("team.read", &[])?;
        let users = if identity.can("team", &[]) {
            self.users.team_members(identity, name).await?
        } else {
            Vec::new()
        };
        Ok(TeamInfo { team, users })
    }

    /// Replaces the tags (an empty list clears them) and, with `new_name`, renames the team.
    ///
    /// # Errors
    /// 403 without `team.update` on the team; 404 `team not found`; 400/409 for the new name.
    #[tracing::instrument(skip_all)]
    pub async fn update(
        &self,
        call: &Call,
        name: &str,
        new_name: Option<&str>,
        tags: Vec<String>,
    ) -> Result<()> {
        call.require("team.update", &[Context::team(name)])?;
        let mut team = self.find(name).await?;
        let ev = NewEvent::on("team", name, "team.update", call);
        self.events
            .run(ev, async {
                match new_name.map(str::trim).filter(|n| !n.is_empty() && *n != name) {
                    None => {
                        team.tags = clean_tags(tags);
                        self.teams.update(&team).await
                    }
                    Some(new_name) => {
                        self.insert(call, new_name, tags).await?;
                        if let Err(e) = self.apps.rename_team(name, new_name).await {
                            let _ = self.teams.delete(new_name).await;
                            return Err(e);
                        }
                        self.teams.delete(name).await
                    }
                }
            })
            .await
    }

    async fn find(&self, name: &str) -> Result<Team> {
        self.teams.find(name).await?.ok_or_else(|| Error::not_found(super::TEAM_NOT_FOUND))
    }
}

#[async_trait]
impl QuotaUseCases for TeamService {
    /// A team's app quota.
    ///
    /// # Errors
    /// 403 without `team.read.quota` on the team; 404 `team not found`.
    #[tracing::instrument(skip_all)]
    async fn quota(&self, identity: &Identity, name: &str) -> Result<Quota> {
        identity.require("team.read.quota", &[Context::team(name)])?;
        Ok(self.find(name).await?.quota)
    }

    /// Sets a team's app quota limit.
    ///
    /// # Errors
    /// 403 without `team.update.quota` on the team; 404; 400 `Invalid limit`; 403 when below use.
    #[tracing::instrument(skip_all)]
    async fn set_quota(&self, call: &Call, name: &str, limit: &str) -> Result<()> {
        call.require("team.update.quota", &[Context::team(name)])?;
        let team = self.find(name).await?;
        let ev = NewEvent::on("team", name, "team.update.quota", call);
        self.events
            .run(ev, async {
                let n = parse_limit(limit)?;
                self.teams.set_quota(name, team.quota.with_limit(n)?).await
            })
            .await
    }
}
