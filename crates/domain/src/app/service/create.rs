//! App creation.
use std::collections::BTreeMap;

use super::{app_event, AppService};
use crate::app::{app_already_exists, validate_app_name, App, AppRouter, EnvVar, Metadata};
use crate::output::Discard;
use crate::permission::{contexts_for, Context, ContextType};
use crate::plan::{default_of, Plan, PLAN_NOT_FOUND};
use crate::pool::{PoolRules, POOL_NOT_FOUND};
use crate::quota::Quota;
use crate::team::{clean_tags, TEAM_NOT_FOUND};
use crate::{Call, Error, Identity, Result};

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

impl AppService {
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
        let global = crate::permission::any_global(&ctxs);
        let teams: Vec<&Context> = ctxs.iter().filter(|c| c.ctype == ContextType::Team).collect();
        match (global, teams.as_slice()) {
            (false, [one]) => Ok(one.value.clone()),
            (false, []) => Err(Error::forbidden()),
            _ if total_teams == 1 => only_team.ok_or_else(Error::forbidden),
            _ => Err(Error::bad_request("You must provide a team to execute this action.")),
        }
    }

    /// Creates an app and provisions it; returns it with its first router's address.
    ///
    /// # Errors
    /// 403 without `app.create` on the team or over quota; 400 for invalid input (platform,
    /// pool, plan, router, name, team); 409 when the name is taken.
    #[tracing::instrument(skip_all, fields(app = %new.name))]
    pub async fn create(&self, call: &Call, new: NewApp) -> Result<(App, Option<String>)> {
        let team_owner = if new.team_owner.is_empty() {
            let teams = self.teams.list().await?;
            let only = (teams.len() == 1).then(|| teams[0].name.clone());
            self.team_owner_for(call, teams.len(), only)?
        } else {
            new.team_owner.clone()
        };
        call.require("app.create", &[Context::team(&team_owner)])?;
        let (platform, platform_version) = match new.platform.split_once(':') {
            Some((p, v)) => (p.to_string(), v.to_string()),
            None => (new.platform.clone(), String::new()),
        };
        if !platform.is_empty() {
            self.platforms.usable(call, &platform).await?;
        }
        let draft = App {
            name: new.name.clone(),
            platform,
            platform_version,
            teams: vec![team_owner.clone()],
            team_owner: team_owner.clone(),
            owner: call.email.clone(),
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
        let ev = app_event(&draft, "app.create", call, false);
        self.events.run(ev, self.create_app(call, draft, new)).await
    }

    async fn create_app(
        &self,
        identity: &Identity,
        mut app: App,
        new: NewApp,
    ) -> Result<(App, Option<String>)> {
        // Everything the checks below need, read at once: one storage call each.
        let pool = async {
            if new.pool.is_empty() {
                self.pools.pool_for_team(&app.team_owner).await
            } else {
                self.pools.find(&new.pool).await.map_err(|_| Error::bad_request(POOL_NOT_FOUND))
            }
        };
        let (existing, pool, team, plans) = futures::join!(
            self.apps.find(&app.name),
            pool,
            self.teams.find(&app.team_owner),
            self.plans.list(),
        );
        // Checked in this order whatever answered first.
        if existing?.is_some() {
            return Err(app_already_exists(&app.name));
        }
        let (pool, team, plans) = (pool?, team?, plans?);
        app.pool = pool.name.clone();
        let provisioner = self.provisioners.get(&pool.provisioner)?;
        if team.is_none() {
            return Err(Error::bad_request(TEAM_NOT_FOUND));
        }
        let rules = self.pools.rules(&pool.name).await?;
        if !rules.allows("team", &app.team_owner) {
            return Err(Error::bad_request(format!(
                "App team owner {:?} has no access to pool {:?}",
                app.team_owner, pool.name
            )));
        }
        app.plan = if new.plan.is_empty() {
            pool_default_plan(&plans, &rules)?
        } else {
            plans
                .iter()
                .find(|p| p.name == new.plan)
                .cloned()
                .ok_or_else(|| Error::bad_request(PLAN_NOT_FOUND))?
        };
        app.plan.default = false;
        app.routers = self.choose_routers(&rules, &new.router, &new.router_opts)?;
        if !app.platform_version.is_empty() && app.platform_version != "latest" {
            let v = crate::platform::parse_image_version(&app.platform_version).map_err(|_| {
                Error::bad_request(format!("unknown platform version {:?}", app.platform_version))
            })?;
            if !self.platforms.has_version(&app.platform, v).await? {
                return Err(Error::bad_request(format!(
                    "unknown platform version {:?}",
                    app.platform_version
                )));
            }
        }
        validate_app_name(&app.name)?;
        self.check_rules(&app, &rules, &plans)?;
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
        // Team and user quotas are separate documents: both are taken at once, and one that
        // was taken is given back when the other fails.
        let user_quota = async {
            if identity.is_team_token() {
                Ok(())
            } else {
                self.users.inc_quota(&identity.email, 1).await
            }
        };
        match futures::join!(self.teams.inc_quota(&app.team_owner, 1), user_quota) {
            (Ok(()), Ok(())) => {}
            (team, user) => {
                if team.is_ok() {
                    self.release_team_quota(&app.team_owner).await;
                }
                if user.is_ok() && !identity.is_team_token() {
                    self.release_user_quota(&identity.email).await;
                }
                return Err(team.and(user).unwrap_err());
            }
        }
        let created = async {
            self.apps.insert(&app).await?;
            if let Err(e) = provisioner.provision(&app, &Discard).await {
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
            Some(r) => Some(provisioner.router_address(&app, &r.name).await.unwrap_or_default()),
            None => None,
        };
        Ok((app, ip))
    }

    fn choose_routers(
        &self,
        rules: &PoolRules,
        router: &str,
        opts: &BTreeMap<String, String>,
    ) -> Result<Vec<AppRouter>> {
        if router == "none" {
            return Ok(Vec::new());
        }
        let name = if router.is_empty() {
            let allowed = rules.filter("router", self.routers.names());
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
        Ok(vec![AppRouter { name, opts: opts.clone() }])
    }
}

/// The plan an app gets when none is asked for: the default plan when the pool allows it, else
/// the first plan the pool allows, else the default plan.
fn pool_default_plan(plans: &[Plan], rules: &PoolRules) -> Result<Plan> {
    let default = default_of(plans)?;
    if rules.allows("plan", &default.name) {
        return Ok(default);
    }
    Ok(plans.iter().find(|p| rules.allows("plan", &p.name)).cloned().unwrap_or(default))
}
