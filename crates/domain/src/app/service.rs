use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    env_name_error, env_name_storable, validate_app_name, App, AppFilter, AppRouter, AppStorage,
    AppVisibility, EnvVar, Metadata, MetadataItem,
};
use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::output::{Discard, Output, Progress};
use crate::permission::{contexts_for, Context, ContextType};
use crate::plan::{Plan, PlanOverride, PlanService};
use crate::platform::PlatformService;
use crate::pool::{PoolService, POOL_NOT_FOUND};
use crate::provision::{Provisioner, Unit};
use crate::quota::Quota;
use crate::router::Routers;
use crate::team::{clean_tags, TeamStorage};
use crate::user::UserStorage;
use crate::{Error, Identity, Origin, Result};

/// Input of app creation.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    /// Name.
    pub name: String,
    /// `platform[:version]`.
    pub platform: String,
    /// Plan name (default plan when empty).
    pub plan: String,
    /// Owning team (picked from the caller's permissions when empty).
    pub team_owner: String,
    /// Description.
    pub description: String,
    /// Pool (picked from the team when empty).
    pub pool: String,
    /// Router name, `none`, or empty for the pool default.
    pub router: String,
    /// Router options.
    pub router_opts: BTreeMap<String, String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Labels and annotations.
    pub metadata: Metadata,
}

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

/// Input of env-set.
#[derive(Debug, Clone, Default)]
pub struct EnvSet {
    /// Variables as (name, value, alias, private).
    pub envs: Vec<(String, String, String, bool)>,
    /// Tool managing them.
    pub managed_by: String,
    /// Skip the restart.
    pub no_restart: bool,
    /// Make every variable private.
    pub private: bool,
    /// Remove variables of `managed_by` that are not in `envs`.
    pub prune_unused: bool,
}

/// An app with what its provisioner and routers report.
#[derive(Debug, Clone)]
pub struct AppInfo {
    /// The app.
    pub app: App,
    /// Units.
    pub units: Vec<Unit>,
    /// Address per router, in the app's router order.
    pub addresses: Vec<(String, String)>,
    /// Unit quota with `inuse` counted from the units.
    pub quota: Quota,
    /// Provisioner name.
    pub provisioner: String,
    /// Problems met while gathering the above.
    pub errors: Vec<String>,
}

/// App use cases.
pub struct AppService {
    apps: Arc<dyn AppStorage>,
    pools: Arc<PoolService>,
    plans: Arc<PlanService>,
    platforms: Arc<PlatformService>,
    teams: Arc<dyn TeamStorage>,
    users: Arc<dyn UserStorage>,
    provisioner: Arc<dyn Provisioner>,
    routers: Routers,
    events: Arc<EventService>,
    units_per_app: Option<i64>,
}

/// tsuru's text for a missing app.
pub fn app_not_found(name: &str) -> Error {
    Error::not_found(format!("App {name} not found."))
}

fn app_event(
    app: &App,
    kind: &str,
    identity: &Identity,
    origin: &Origin,
    cancelable: bool,
) -> NewEvent {
    let mut ev = NewEvent::new(
        Target::new("app", &app.name),
        kind,
        identity,
        origin,
        Allowed::new("app.read.events", app.contexts()),
    );
    ev.cancelable = cancelable;
    ev.allowed_cancel = Allowed::new("app.update.events", app.contexts());
    ev
}

impl AppService {
    /// Builds the service; `units_per_app` is the default unit quota of new apps.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        apps: Arc<dyn AppStorage>,
        pools: Arc<PoolService>,
        plans: Arc<PlanService>,
        platforms: Arc<PlatformService>,
        teams: Arc<dyn TeamStorage>,
        users: Arc<dyn UserStorage>,
        provisioner: Arc<dyn Provisioner>,
        routers: Routers,
        events: Arc<EventService>,
        units_per_app: Option<i64>,
    ) -> Self {
        AppService {
            apps,
            pools,
            plans,
            platforms,
            teams,
            users,
            provisioner,
            routers,
            events,
            units_per_app,
        }
    }

    /// The app named `name`.
    ///
    /// # Errors
    /// 404 `App <name> not found.`
    pub async fn find(&self, name: &str) -> Result<App> {
        self.apps
            .find(name)
            .await?
            .ok_or_else(|| app_not_found(name))
    }

    fn team_owner_for(
        &self,
        identity: &Identity,
        total_teams: usize,
        only_team: Option<String>,
    ) -> Result<String> {
        let ctxs = contexts_for(
            &identity.permissions,
            "app.create",
            &[ContextType::Team, ContextType::Global],
        );
        let global = ctxs.iter().any(|c| c.ctype == ContextType::Global);
        let teams: Vec<&Context> = ctxs
            .iter()
            .filter(|c| c.ctype == ContextType::Team)
            .collect();
        match (global, teams.as_slice()) {
            (false, [one]) => Ok(one.value.clone()),
            (false, []) => Err(Error::forbidden()),
            _ if total_teams == 1 => only_team.ok_or_else(Error::forbidden),
            _ => Err(Error::bad_request(
                "You must provide a team to execute this action.",
            )),
        }
    }

    /// Creates an app and provisions it; returns it with its first router's address.
    ///
    /// # Errors
    /// 403 without `app.create` on the team or over quota; 400 for invalid input (platform,
    /// pool, plan, router, name, team); 409 when the name is taken.
    pub async fn create(
        &self,
        identity: &Identity,
        origin: &Origin,
        new: NewApp,
    ) -> Result<(App, Option<String>)> {
        let team_owner = if new.team_owner.is_empty() {
            let teams = self.teams.list().await?;
            let only = (teams.len() == 1).then(|| teams[0].name.clone());
            self.team_owner_for(identity, teams.len(), only)?
        } else {
            new.team_owner.clone()
        };
        identity.require("app.create", &[Context::team(&team_owner)])?;
        let (platform, platform_version) = match new.platform.split_once(':') {
            Some((p, v)) => (p.to_string(), v.to_string()),
            None => (new.platform.clone(), String::new()),
        };
        if !platform.is_empty() {
            self.platforms.usable(identity, &platform).await?;
        }
        let draft = App {
            name: new.name.clone(),
            platform,
            platform_version,
            teams: vec![team_owner.clone()],
            team_owner: team_owner.clone(),
            owner: identity.email.clone(),
            plan: crate::plan::default_plans().remove(0),
            pool: new.pool.clone(),
            description: new.description.clone(),
            tags: clean_tags(new.tags.clone()),
            metadata: new.metadata.clone(),
            routers: Vec::new(),
            cname: Vec::new(),
            env: BTreeMap::new(),
            deploys: 0,
            update_platform: false,
            quota: Quota::from_config(self.units_per_app),
        };
        let ev = app_event(&draft, "app.create", identity, origin, false);
        self.events
            .run(ev, self.create_app(identity, draft, new))
            .await
    }

    async fn create_app(
        &self,
        identity: &Identity,
        mut app: App,
        new: NewApp,
    ) -> Result<(App, Option<String>)> {
        if self.apps.find(&app.name).await?.is_some() {
            return Err(Error::conflict(format!(
                "tsuru failed to create the app {:?}: there is already an app with this name",
                app.name
            )));
        }
        let pool = if new.pool.is_empty() {
            self.pools.pool_for_team(&app.team_owner).await?
        } else {
            self.pools
                .find(&new.pool)
                .await
                .map_err(|_| Error::bad_request(POOL_NOT_FOUND))?
        };
        app.pool = pool.name.clone();
        if self.teams.find(&app.team_owner).await?.is_none() {
            return Err(Error::bad_request("team not found"));
        }
        let allowed_teams = self.pools.allowed(&pool.name, "team").await?;
        if !allowed_teams.contains(&app.team_owner) {
            return Err(Error::bad_request(format!(
                "App team owner {:?} has no access to pool {:?}",
                app.team_owner, pool.name
            )));
        }
        app.plan = if new.plan.is_empty() {
            self.pool_default_plan(&pool.name).await?
        } else {
            self.plans
                .find(&new.plan)
                .await
                .map_err(|e| Error::bad_request(e.to_string()))?
        };
        app.plan.default = false;
        app.routers = self
            .choose_routers(&pool.name, &new.router, &new.router_opts)
            .await?;
        if !app.platform_version.is_empty() && app.platform_version != "latest" {
            let v = crate::platform::parse_image_version(&app.platform_version).map_err(|_| {
                Error::bad_request(format!(
                    "unknown platform version {:?}",
                    app.platform_version
                ))
            })?;
            if !self.platforms.has_version(&app.platform, v).await? {
                return Err(Error::bad_request(format!(
                    "unknown platform version {:?}",
                    app.platform_version
                )));
            }
        }
        validate_app_name(&app.name)?;
        self.check_pool_allows(&app).await?;
        for (name, value) in [
            ("TSURU_APPNAME", app.name.clone()),
            ("TSURU_APPDIR", "/home/application/current".into()),
        ] {
            app.env.insert(
                name.into(),
                EnvVar {
                    name: name.into(),
                    value,
                    alias: String::new(),
                    public: false,
                    managed_by: String::new(),
                },
            );
        }
        self.teams.inc_quota(&app.team_owner, 1).await?;
        if !identity.is_team_token() {
            if let Err(e) = self.users.inc_quota(&identity.email, 1).await {
                self.release_team_quota(&app.team_owner).await;
                return Err(e);
            }
        }
        let created = async {
            self.apps.insert(&app).await?;
            if let Err(e) = self.provisioner.provision(&app, &Discard).await {
                let _ = self.apps.delete(&app.name).await;
                return Err(e);
            }
            Ok(())
        }
        .await;
        if let Err(e) = created {
            self.release_team_quota(&app.team_owner).await;
            if !identity.is_team_token() {
                self.release_user_quota(&identity.email).await;
            }
            return Err(e);
        }
        let ip = match app.routers.first() {
            Some(r) => Some(
                self.provisioner
                    .router_address(&app, &r.name)
                    .await
                    .unwrap_or_default(),
            ),
            None => None,
        };
        Ok((app, ip))
    }

    async fn release_team_quota(&self, team: &str) {
        if let Err(e) = self.teams.inc_quota(team, -1).await {
            tracing::error!(error = %e, team, "Unable to release team quota");
        }
    }

    async fn release_user_quota(&self, email: &str) {
        if let Err(e) = self.users.inc_quota(email, -1).await {
            tracing::error!(error = %e, email, "Unable to release app quota");
        }
    }

    async fn pool_default_plan(&self, pool: &str) -> Result<Plan> {
        let default = self.plans.default_plan().await?;
        let allowed = self.pools.allowed(pool, "plan").await?;
        if allowed.contains(&default.name) {
            return Ok(default);
        }
        match allowed.first() {
            Some(first) => self.plans.find(first).await,
            None => Ok(default),
        }
    }

    async fn choose_routers(
        &self,
        pool: &str,
        router: &str,
        opts: &BTreeMap<String, String>,
    ) -> Result<Vec<AppRouter>> {
        if router == "none" {
            return Ok(Vec::new());
        }
        let name = if router.is_empty() {
            let allowed = self.pools.allowed(pool, "router").await?;
            match self.routers.default_router() {
                Some(d) if allowed.contains(&d.name) => d.name.clone(),
                _ => allowed
                    .first()
                    .cloned()
                    .ok_or_else(|| Error::bad_request("No default router found"))?,
            }
        } else {
            self.routers
                .find(router)
                .map(|r| r.name.clone())
                .ok_or_else(|| Error::bad_request(format!("router {router:?} not found")))?
        };
        Ok(vec![AppRouter {
            name,
            opts: opts.clone(),
        }])
    }

    async fn check_pool_allows(&self, app: &App) -> Result<()> {
        let routers = self.pools.allowed(&app.pool, "router").await?;
        for r in &app.routers {
            if !routers.contains(&r.name) {
                let list = routers
                    .iter()
                    .map(|x| format!("{x:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Error::bad_request(format!(
                    "router {:?} is not available for pool {:?}. Available routers are: {list}",
                    r.name, app.pool
                )));
            }
        }
        let plans = self.pools.allowed(&app.pool, "plan").await?;
        if !plans.contains(&app.plan.name) {
            return Err(Error::bad_request(format!(
                "App plan {:?} is not allowed on pool {:?}",
                app.plan.name, app.pool
            )));
        }
        Ok(())
    }

    /// Apps the caller may see, filtered; units are left out when `simplified`.
    ///
    /// # Errors
    /// Storage or provisioner failures.
    pub async fn list(
        &self,
        identity: &Identity,
        mut filter: AppFilter,
        simplified: bool,
    ) -> Result<Vec<AppInfo>> {
        let ctxs = contexts_for(&identity.permissions, "app.read.info", &[]);
        if ctxs.is_empty() {
            return Ok(Vec::new());
        }
        if !ctxs.iter().any(|c| c.ctype == ContextType::Global) {
            let of = |t: ContextType| {
                ctxs.iter()
                    .filter(|c| c.ctype == t)
                    .map(|c| c.value.clone())
                    .collect()
            };
            filter.visibility = Some(AppVisibility {
                teams: of(ContextType::Team),
                names: of(ContextType::App),
                pools: of(ContextType::Pool),
            });
        }
        let apps = self.apps.list(&filter).await?;
        let mut out = Vec::with_capacity(apps.len());
        for app in apps {
            out.push(self.describe(app, !simplified).await);
        }
        Ok(out)
    }

    /// Apps owned by, and accessible to, `team` (for team info).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn of_team(&self, team: &str) -> Result<Vec<AppInfo>> {
        let filter = AppFilter {
            team_owner: Some(team.to_string()),
            ..AppFilter::default()
        };
        let mut out = Vec::new();
        for app in self.apps.list(&filter).await? {
            if app.teams.iter().any(|t| t == team) {
                out.push(self.describe(app, true).await);
            }
        }
        Ok(out)
    }

    async fn describe(&self, app: App, with_units: bool) -> AppInfo {
        let mut errors = Vec::new();
        let units = if with_units {
            match self.provisioner.units(&app).await {
                Ok(u) => u,
                Err(e) => {
                    errors.push(format!("unable to list app units: {e}"));
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let mut addresses = Vec::new();
        for r in &app.routers {
            match self.provisioner.router_address(&app, &r.name).await {
                Ok(a) => addresses.push((r.name.clone(), a)),
                Err(e) => errors.push(format!("unable to get app addresses: {e}")),
            }
        }
        let inuse = units.iter().filter(|u| u.status.counts_for_quota()).count() as i64;
        let quota = Quota {
            limit: app.quota.limit,
            inuse,
        };
        AppInfo {
            app,
            units,
            addresses,
            quota,
            provisioner: self.provisioner.name().to_string(),
            errors,
        }
    }

    /// One app with units and addresses.
    ///
    /// # Errors
    /// 404; 403 without `app.read.info` on the app.
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<AppInfo> {
        let app = self.find(name).await?;
        identity.require("app.read.info", &app.contexts())?;
        Ok(self.describe(app, true).await)
    }

    /// Updates an app, streaming what the provisioner does.
    ///
    /// # Errors
    /// 404; 400 for invalid or missing fields; 403 without the permission of each field.
    pub async fn update(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        upd: AppUpdate,
        out: Arc<dyn Output>,
    ) -> Result<()> {
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
                return Err(Error::bad_request(
                    "You must restart the app when changing the pool.",
                ));
            }
            needed.push("app.update.pool");
        }
        if !upd.team_owner.is_empty() {
            needed.push("app.update.teamowner");
        }
        if !upd.platform.is_empty() {
            let platform = upd.platform.split(':').next().unwrap_or_default();
            self.platforms.usable(identity, platform).await?;
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
            identity.require(perm, &ctxs)?;
        }
        self.events
            .run_logged(
                app_event(&app, "app.update", identity, origin, true),
                out,
                |progress| async move { self.apply_update(app, upd, &progress).await },
            )
            .await
    }

    async fn apply_update(&self, old: App, upd: AppUpdate, out: &Progress) -> Result<()> {
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
            app.plan = self
                .plans
                .find(&upd.plan)
                .await
                .map_err(|e| Error::bad_request(e.to_string()))?;
            app.plan.default = false;
            app.plan.r#override = overrides;
        }
        if let Some(m) = upd.plan_override.memory {
            app.plan.r#override.memory = (m != 0).then_some(m);
        }
        if let Some(c) = upd.plan_override.cpumilli {
            app.plan.r#override.cpumilli = (c != 0).then_some(c);
        }
        if !upd.team_owner.is_empty() {
            if self.teams.find(&upd.team_owner).await?.is_none() {
                return Err(Error::bad_request("team not found"));
            }
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
        self.apps.update(&app).await?;
        self.provisioner.update(&old, &app, out).await?;
        if plan_changed && !upd.no_restart {
            self.provisioner.restart(&app, "", "", out).await?;
        }
        Ok(())
    }

    /// Removes an app, streaming each step; failed steps are reported, not fatal.
    ///
    /// # Errors
    /// 404; 403 without `app.delete` on the app; a lock conflict.
    pub async fn remove(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.delete", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.delete", identity, origin, false),
                out,
                |progress| async move {
                    progress.write(&format!("---- Removing application {:?}...\n", app.name));
                    let mut failed = false;
                    let mut step = |what: &str, r: Result<()>| {
                        if let Err(e) = r {
                            failed = true;
                            progress.write(&format!("{what}: {e}\n"));
                        }
                    };
                    step(
                        "Unable to destroy app in provisioner",
                        self.provisioner.destroy(&app, &Discard).await,
                    );
                    step(
                        "Unable to release app quota",
                        self.users.inc_quota(&app.owner, -1).await.map(|_| ()),
                    );
                    step(
                        "Unable to release team quota",
                        self.teams.inc_quota(&app.team_owner, -1).await.map(|_| ()),
                    );
                    step(
                        "Unable to remove app from db",
                        self.apps.delete(&app.name).await,
                    );
                    progress.write(if failed {
                        "---- Done removing application. Some errors occurred during removal.\n"
                    } else {
                        "---- Done removing application.\n"
                    });
                    Ok(())
                },
            )
            .await
    }

    /// Environment variables: all (aliases resolved, plus `TSURU_SERVICES`) or the named
    /// stored ones (`None` when none matches). Private values read back masked.
    ///
    /// # Errors
    /// 404; 403 without `app.read.env` on the app.
    pub async fn env(
        &self,
        identity: &Identity,
        name: &str,
        names: &[String],
    ) -> Result<Option<Vec<EnvVar>>> {
        let app = self.find(name).await?;
        identity.require("app.read.env", &app.contexts())?;
        let mask = |mut e: EnvVar| {
            if !e.public {
                e.value = super::PRIVATE_VALUE.to_string();
            }
            e
        };
        if !names.is_empty() {
            let found: Vec<EnvVar> = names
                .iter()
                .filter_map(|n| app.env.get(n).cloned())
                .map(mask)
                .collect();
            return Ok((!found.is_empty()).then_some(found));
        }
        let mut all: Vec<EnvVar> = app
            .resolved_env()
            .into_iter()
            .filter(|e| e.name != "TSURU_SERVICES")
            .collect();
        all.push(EnvVar {
            name: "TSURU_SERVICES".into(),
            value: "{}".into(),
            alias: String::new(),
            public: false,
            managed_by: String::new(),
        });
        Ok(Some(all.into_iter().map(mask).collect()))
    }

    /// Sets variables, then restarts the app unless asked not to (or it has no units).
    ///
    /// # Errors
    /// 404; 400 for missing or invalid names; 403 without `app.update.env.set` on the app.
    pub async fn set_env(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        set: EnvSet,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        if set.managed_by.is_empty() && set.envs.is_empty() {
            return Err(Error::bad_request(
                "You must provide the list of environment variables",
            ));
        }
        if set.prune_unused && set.managed_by.is_empty() {
            return Err(Error::bad_request(
                "Prune unused requires a managed-by value",
            ));
        }
        let errors: Vec<String> = set
            .envs
            .iter()
            .filter_map(|(n, ..)| env_name_error(n))
            .collect();
        if !errors.is_empty() {
            let text = if errors.len() == 1 {
                errors[0].clone()
            } else {
                let parts: Vec<String> = errors
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("error {i}: {e}"))
                    .collect();
                format!(
                    "multiple errors reported ({}): {}",
                    errors.len(),
                    parts.join(" - ")
                )
            };
            return Err(Error::bad_request(format!(
                "There were errors validating environment variables: {text}"
            )));
        }
        identity.require("app.update.env.set", &app.contexts())?;
        if let Some((n, ..)) = set.envs.iter().find(|(n, ..)| !env_name_storable(n)) {
            return Err(Error::bad_request(format!(
                "Invalid environment variable name: '{n}'"
            )));
        }
        self.events
            .run_logged(
                app_event(&app, "app.update.env.set", identity, origin, false),
                out,
                |progress| async move {
                    async {
                        let mut app = app;
                        if !set.envs.is_empty() {
                            progress.write(&format!(
                                "---- Setting {} new environment variables ----\n",
                                set.envs.len()
                            ));
                        }
                        if set.prune_unused {
                            let keep: Vec<&String> = set.envs.iter().map(|(n, ..)| n).collect();
                            let pruned: Vec<String> = app
                                .env
                                .values()
                                .filter(|e| {
                                    e.managed_by == set.managed_by && !keep.contains(&&e.name)
                                })
                                .map(|e| e.name.clone())
                                .collect();
                            for n in pruned {
                                progress.write(&format!(
                                    "---- Pruning {n} from environment variables ----\n"
                                ));
                                app.env.remove(&n);
                            }
                        }
                        for (n, value, alias, private) in &set.envs {
                            let env = EnvVar {
                                name: n.clone(),
                                value: value.clone(),
                                alias: alias.clone(),
                                public: !(*private || set.private),
                                managed_by: set.managed_by.clone(),
                            };
                            app.env.insert(n.clone(), env);
                        }
                        self.apps.update(&app).await?;
                        self.restart_if_running(&app, set.no_restart, &progress)
                            .await
                    }
                    .await
                },
            )
            .await
    }

    /// Unsets variables, then restarts as [`AppService::set_env`].
    ///
    /// # Errors
    /// 404; 400 without names; 403 without `app.update.env.unset` on the app.
    pub async fn unset_env(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        names: &[String],
        no_restart: bool,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        if names.first().is_none_or(String::is_empty) {
            return Err(Error::bad_request(
                "You must provide the list of environment variables.",
            ));
        }
        identity.require("app.update.env.unset", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.update.env.unset", identity, origin, false),
                out,
                |progress| async move {
                    async {
                        let mut app = app;
                        progress.write(&format!(
                            "---- Unsetting {} environment variables ----\n",
                            names.len()
                        ));
                        for n in names {
                            app.env.remove(n);
                        }
                        self.apps.update(&app).await?;
                        self.restart_if_running(&app, no_restart, &progress).await
                    }
                    .await
                },
            )
            .await
    }

    async fn restart_if_running(&self, app: &App, no_restart: bool, out: &Progress) -> Result<()> {
        if no_restart || self.provisioner.units(app).await?.is_empty() {
            return Ok(());
        }
        self.provisioner.restart(app, "", "", out).await
    }

    /// The app's unit quota, `inuse` counted from its units.
    ///
    /// # Errors
    /// 404; 403 without `app.read` on the app.
    pub async fn quota(&self, identity: &Identity, name: &str) -> Result<Quota> {
        let app = self.find(name).await?;
        identity.require("app.read", &app.contexts())?;
        Ok(self.describe(app, true).await.quota)
    }

    /// Sets the app's unit quota limit.
    ///
    /// # Errors
    /// 404; 403 without `app.admin.quota` on the app or below the units in use; 400 `Invalid limit`.
    pub async fn set_quota(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        limit: &str,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.admin.quota", &app.contexts())?;
        let ev = app_event(&app, "app.admin.quota", identity, origin, false);
        self.events
            .run(ev, async {
                let n: i64 = limit
                    .trim()
                    .parse()
                    .map_err(|_| Error::bad_request("Invalid limit"))?;
                let mut app = app.clone();
                let current = self.describe(app.clone(), true).await.quota;
                app.quota = current.with_limit(n)?;
                app.quota.inuse = 0;
                self.apps.update(&app).await
            })
            .await
    }

    /// Restarts the app (or one process), streaming the provisioner's output.
    ///
    /// # Errors
    /// 404; 403 without `app.update.restart` on the app; provisioner failures.
    pub async fn restart(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        process: &str,
        version: &str,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.update.restart", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.update.restart", identity, origin, true),
                out,
                |progress| async move {
                    if process.is_empty() {
                        progress.write(&format!("---- Restarting the app {:?} ----\n", app.name));
                    } else {
                        progress.write(&format!("---- Restarting process {process:?} ----\n"));
                    }
                    self.provisioner
                        .restart(&app, process, version, progress.as_ref())
                        .await
                },
            )
            .await
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
