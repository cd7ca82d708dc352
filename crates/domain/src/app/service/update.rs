//! App update, including moves to another team.

use super::{app_event, AppService};
use crate::app::{App, Metadata, MetadataItem};
use crate::output::{Out, Progress};
use crate::permission::Context;
use crate::plan::PlanOverride;
use crate::pool::POOL_NOT_FOUND;
use crate::provision::Restart;
use crate::team::{clean_tags, TEAM_NOT_FOUND};
use crate::{Call, Error, Identity, Result};

/// Input of app update: empty or absent fields are left alone.
#[derive(Debug, Clone, Default)]
pub struct AppUpdate {
    /// New description.
    pub description: String,
    /// New tags (replace when non-empty).
    pub tags: Vec<String>,
    /// New plan.
    pub plan: String,
    /// Plan override changes (`Some(0)` clears one).
    pub plan_override: PlanOverride,
    /// New pool.
    pub pool: String,
    /// New owning team.
    pub team_owner: String,
    /// New `platform[:version]`.
    pub platform: String,
    /// Rebuild from the platform image on the next deploy.
    pub image_reset: bool,
    /// Do not restart after a plan change.
    pub no_restart: bool,
    /// Labels and annotations to set (`delete` names in `metadata_delete`).
    pub metadata: Metadata,
    /// Labels and annotations to remove, by name.
    pub metadata_delete: Vec<String>,
    /// Whether `router` or `routeropts` was sent (refused).
    pub router_given: bool,
}

impl AppService {
    /// Updates an app, streaming what the provisioner does.
    ///
    /// # Errors
    /// 404; 400 for invalid or missing fields; 403 without the permission of each field.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn update(&self, call: &Call, name: &str, upd: AppUpdate, out: Out) -> Result<()> {
        let app = self.find(name).await?;
        if upd.router_given {
            return Err(Error::bad_request(
                "updating router was deprecated, please add the wanted router and remove the old one",
            ));
        }
        let ctxs = app.contexts();
        let override_set =
            upd.plan_override.memory.is_some() || upd.plan_override.cpumilli.is_some();
        let metadata_set = !upd.metadata.labels.is_empty()
            || !upd.metadata.annotations.is_empty()
            || !upd.metadata_delete.is_empty();
        let mut needed: Vec<&str> = Vec::new();
        if !upd.description.is_empty() {
            needed.push("app.update.description");
        }
        if !upd.tags.is_empty() {
            needed.push("app.update.tags");
        }
        if !upd.plan.is_empty() {
            needed.push("app.update.plan");
        }
        if override_set {
            needed.push("app.update.planoverride");
        }
        if !upd.pool.is_empty() {
            if upd.no_restart {
                return Err(Error::bad_request("You must restart the app when changing the pool."));
            }
            needed.push("app.update.pool");
        }
        if !upd.team_owner.is_empty() {
            needed.push("app.update.teamowner");
        }
        if !upd.platform.is_empty() {
            let platform = upd.platform.split(':').next().unwrap_or_default();
            self.platforms.usable(call, platform).await?;
            needed.push("app.update.platform");
        }
        if upd.image_reset || !upd.platform.is_empty() {
            needed.push("app.update.image-reset");
        }
        if metadata_set {
            needed.push("app.update.metadata");
        }
        if needed.is_empty() {
            return Err(Error::bad_request(
                "Neither the description, tags, plan, pool, team owner or platform were set. You must define at least one.",
            ));
        }
        for perm in &needed {
            call.require(perm, &ctxs)?;
        }
        upd.plan_override.validate()?;
        self.events
            .run_logged(app_event(&app, "app.update", call, true), out, |progress| async move {
                self.apply_update(call, &app.name, upd, &progress).await
            })
            .await
    }

    async fn apply_update(
        &self,
        identity: &Identity,
        name: &str,
        upd: AppUpdate,
        out: &Progress,
    ) -> Result<()> {
        // Read under the app's lock, as `set_env` does.
        let old = self.find(name).await?;
        let mut app = old.clone();
        if !upd.description.is_empty() {
            app.description = upd.description.clone();
        }
        if !upd.tags.is_empty() {
            app.tags = clean_tags(upd.tags.clone());
        }
        merge_metadata(&mut app.metadata, &upd.metadata, &upd.metadata_delete)?;
        let plan_changed = !upd.plan.is_empty() && upd.plan != app.plan.name;
        if !upd.plan.is_empty() {
            let overrides = app.plan.r#override;
            app.plan =
                self.plans.find(&upd.plan).await.map_err(|e| Error::bad_request(e.to_string()))?;
            app.plan.default = false;
            app.plan.r#override = overrides;
        }
        if let Some(m) = upd.plan_override.memory {
            app.plan.r#override.memory = (m != 0).then_some(m);
        }
        if let Some(c) = upd.plan_override.cpumilli {
            app.plan.r#override.cpumilli = (c != 0).then_some(c);
        }
        let new_owner = (!upd.team_owner.is_empty() && upd.team_owner != old.team_owner)
            .then(|| upd.team_owner.clone());
        if !upd.team_owner.is_empty() {
            if self.teams.find(&upd.team_owner).await?.is_none() {
                return Err(Error::bad_request(TEAM_NOT_FOUND));
            }
            // Moving an app into a team takes the caller's right on that team too.
            identity.require("app.update.teamowner", &[Context::team(&upd.team_owner)])?;
            app.team_owner = upd.team_owner.clone();
            if !app.teams.contains(&upd.team_owner) {
                app.teams.push(upd.team_owner.clone());
            }
        }
        if !upd.platform.is_empty() {
            let (p, v) = match upd.platform.split_once(':') {
                Some((p, v)) => (p.to_string(), v.to_string()),
                None => (upd.platform.clone(), String::new()),
            };
            app.platform = p;
            app.platform_version = v;
        }
        if upd.image_reset
            || app.platform != old.platform
            || app.platform_version != old.platform_version
        {
            app.update_platform = true;
        }
        if !upd.pool.is_empty() {
            app.pool = self
                .pools
                .find(&upd.pool)
                .await
                .map_err(|_| Error::bad_request(POOL_NOT_FOUND))?
                .name;
            let allowed = self.pools.allowed(&app.pool, "team").await?;
            if !allowed.contains(&app.team_owner) {
                return Err(Error::bad_request(format!(
                    "App team owner {:?} has no access to pool {:?}",
                    app.team_owner, app.pool
                )));
            }
        }
        self.check_pool_allows(&app).await?;
        match &new_owner {
            Some(team) => self.move_team(&old, &app, team).await?,
            None => self.apps.update(&app).await?,
        }
        let provisioner = self.provisioner_of(&app).await?;
        provisioner.update(&old, &app, out).await?;
        if plan_changed && !upd.no_restart {
            provisioner.restart(Restart::all(&app), out).await?;
        }
        Ok(())
    }

    /// Stores `app`, moved from `old`'s owner to `team`: the new team's quota is charged first
    /// (refused past its limit), released again when the app cannot be stored, and the old
    /// team's quota is released once the app is stored.
    async fn move_team(&self, old: &App, app: &App, team: &str) -> Result<()> {
        self.teams.inc_quota(team, 1).await?;
        if let Err(e) = self.apps.update(app).await {
            self.release_team_quota(team).await;
            return Err(e);
        }
        self.release_team_quota(&old.team_owner).await;
        Ok(())
    }
}

fn merge_metadata(current: &mut Metadata, set: &Metadata, delete: &[String]) -> Result<()> {
    for item in set.labels.iter().chain(&set.annotations) {
        if item.name.starts_with("tsuru.io/") {
            return Err(Error::bad_request("prefix tsuru.io/ is private"));
        }
    }
    let apply = |list: &mut Vec<MetadataItem>, items: &[MetadataItem]| {
        list.retain(|i| !delete.contains(&i.name));
        for item in items {
            match list.iter_mut().find(|i| i.name == item.name) {
                Some(existing) => existing.value = item.value.clone(),
                None => list.push(item.clone()),
            }
        }
    };
    apply(&mut current.labels, &set.labels);
    apply(&mut current.annotations, &set.annotations);
    Ok(())
}
