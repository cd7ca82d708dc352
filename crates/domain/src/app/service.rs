//! App use cases, one file per use case under `service/`; what they share is here.
use std::sync::Arc;

use derive_new::new;

use super::{app_not_found, App, AppBindings, AppStorage, AppVersionStorage};
use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::output::Progress;
use crate::plan::{Plan, PlanService};
use crate::platform::PlatformService;
use crate::pool::{PoolRules, PoolService};
use crate::provision::{Provisioner, ProvisionerRegistry, Restart, Unit};
use crate::quota::Quota;
use crate::router::Routers;
use crate::team::TeamStorage;
use crate::user::UserStorage;
use crate::volume::{VolumeBind, VolumePlans, VolumeStorage};
use crate::{Call, Error, Result};

mod bind;
mod create;
mod deploy;
mod env;
mod list;
mod quota;
mod remove;
mod start_stop;
mod units;
mod update;

pub use create::NewApp;
pub use deploy::{DeployData, DeployQuery, NewDeploy};
pub use env::EnvSet;
pub use list::AppListQuery;
pub use start_stop::StateChange;
pub use units::UnitChange;
pub use update::AppUpdate;

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
    /// Volume binds of the app (filled by app info only).
    pub volume_binds: Vec<VolumeBind>,
    /// Problems met while gathering the above.
    pub errors: Vec<String>,
}

/// App use cases.
#[derive(new)]
#[allow(clippy::too_many_arguments)]
pub struct AppService {
    apps: Arc<dyn AppStorage>,
    versions: Arc<dyn AppVersionStorage>,
    pools: Arc<PoolService>,
    plans: Arc<PlanService>,
    platforms: Arc<PlatformService>,
    teams: Arc<dyn TeamStorage>,
    users: Arc<dyn UserStorage>,
    /// App operations go to the provisioner of the app's pool, found here.
    provisioners: Arc<ProvisionerRegistry>,
    routers: Routers,
    events: Arc<EventService>,
    /// The default unit quota of new apps.
    units_per_app: Option<i64>,
    #[new(default)]
    bindings: std::sync::OnceLock<Arc<dyn AppBindings>>,
    #[new(default)]
    volumes: Option<AppVolumes>,
}

/// Where the apps' volume binds are kept, and whether app info reads them.
struct AppVolumes {
    storage: Arc<dyn VolumeStorage>,
    /// No volume plan configured: no volume can be created, so no app has binds and app info
    /// spares the store the look.
    shown: bool,
}

fn app_event(app: &App, kind: &str, call: &Call, cancelable: bool) -> NewEvent {
    let mut ev = NewEvent::new(
        Target::new("app", &app.name),
        kind,
        call,
        Allowed::new("app.read.events", app.contexts()),
    );
    ev.cancelable = cancelable;
    ev.allowed_cancel = Allowed::new("app.update.events", app.contexts());
    ev
}

/// The provisioner of each pool (or why it cannot be used), by pool name.
type ProvisionersByPool =
    std::collections::HashMap<String, std::result::Result<Arc<dyn Provisioner>, String>>;

impl AppService {
    /// Reads the apps' volume binds from `storage`: app info shows them (when `plans` has any
    /// plan: without one no volume exists) and app removal deletes them.
    #[must_use]
    pub fn with_volumes(mut self, storage: Arc<dyn VolumeStorage>, plans: &VolumePlans) -> Self {
        self.volumes = Some(AppVolumes { storage, shown: !plans.0.is_empty() });
        self
    }

    /// Sets what app removal unbinds the app from (the service instances); the first one set
    /// stays. Without it, removal has no bindings to undo.
    pub fn set_bindings(&self, bindings: Arc<dyn AppBindings>) {
        if self.bindings.set(bindings).is_err() {
            tracing::warn!("app bindings already set: the first ones stay");
        }
    }

    /// The app named `name`.
    ///
    /// # Errors
    /// 404 `App <name> not found.`
    pub async fn find(&self, name: &str) -> Result<App> {
        self.apps.find(name).await?.ok_or_else(|| app_not_found(name))
    }

    /// The provisioner of the app's pool (the default one when the pool names none or is
    /// gone).
    ///
    /// # Errors
    /// 500 when the pool names a provisioner that is not registered; storage failures.
    async fn provisioner_of(&self, app: &App) -> Result<Arc<dyn Provisioner>> {
        // With one provisioner there is nothing to choose: spare the pool lookup (app lists
        // describe every app).
        if let Some(only) = self.provisioners.only() {
            return Ok(only);
        }
        match self.pools.provisioner_name(&app.pool).await? {
            Some(name) => self.provisioners.get(&name),
            None => Ok(self.provisioners.default_provisioner()),
        }
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

    async fn check_pool_allows(&self, app: &App) -> Result<()> {
        let (rules, plans): (PoolRules, Vec<Plan>) =
            futures::try_join!(self.pools.rules(&app.pool), self.plans.list())?;
        self.check_rules(app, &rules, &plans)
    }

    /// The pool's router and plan rules hold for `app`.
    fn check_rules(&self, app: &App, rules: &PoolRules, plans: &[Plan]) -> Result<()> {
        let routers = rules.filter("router", self.routers.names());
        for r in &app.routers {
            if !routers.contains(&r.name) {
                let list = routers.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ");
                return Err(Error::bad_request(format!(
                    "router {:?} is not available for pool {:?}. Available routers are: {list}",
                    r.name, app.pool
                )));
            }
        }
        let known = plans.iter().any(|p| p.name == app.plan.name);
        if !known || !rules.allows("plan", &app.plan.name) {
            return Err(Error::bad_request(format!(
                "App plan {:?} is not allowed on pool {:?}",
                app.plan.name, app.pool
            )));
        }
        Ok(())
    }

    /// The provisioner of every pool, by pool name (one storage call).
    async fn provisioners_by_pool(&self) -> std::result::Result<ProvisionersByPool, String> {
        if self.provisioners.only().is_some() {
            // Every pool uses the default one.
            return Ok(std::collections::HashMap::new());
        }
        let pools = self.pools.all().await.map_err(|e| e.to_string())?;
        Ok(pools
            .into_iter()
            .map(|p| {
                let provisioner = self.provisioners.get(&p.provisioner).map_err(|e| e.to_string());
                (p.name, provisioner)
            })
            .collect())
    }

    async fn describe(&self, app: App, units: UnitsWanted) -> AppInfo {
        let provisioner = self.provisioner_of(&app).await.map_err(|e| e.to_string());
        self.describe_with(app, units, provisioner).await
    }

    async fn describe_with(
        &self,
        app: App,
        units: UnitsWanted,
        provisioner: std::result::Result<Arc<dyn Provisioner>, String>,
    ) -> AppInfo {
        let mut errors = Vec::new();
        let provisioner = match provisioner {
            Ok(p) => p,
            Err(e) => {
                errors.push(format!("unable to find the app's provisioner: {e}"));
                self.provisioners.default_provisioner()
            }
        };
        let units = match units {
            UnitsWanted::None => Vec::new(),
            UnitsWanted::Known(units) => units,
            UnitsWanted::Ask => match provisioner.units(&app).await {
                Ok(u) => u,
                Err(e) => {
                    errors.push(format!("unable to list app units: {e}"));
                    Vec::new()
                }
            },
        };
        let mut addresses = Vec::new();
        for r in &app.routers {
            match provisioner.router_address(&app, &r.name).await {
                Ok(a) => addresses.push((r.name.clone(), a)),
                Err(e) => errors.push(format!("unable to get app addresses: {e}")),
            }
        }
        let inuse = units.iter().filter(|u| u.status.counts_for_quota()).count() as i64;
        let quota = Quota { limit: app.quota.limit, inuse };
        AppInfo {
            app,
            units,
            addresses,
            quota,
            provisioner: provisioner.name().to_string(),
            volume_binds: Vec::new(),
            errors,
        }
    }

    async fn restart_if_running(&self, app: &App, no_restart: bool, out: &Progress) -> Result<()> {
        if no_restart {
            return Ok(());
        }
        let provisioner = self.provisioner_of(app).await?;
        if provisioner.units(app).await?.is_empty() {
            return Ok(());
        }
        provisioner.restart(Restart::all(app), out).await
    }
}

/// What an app's description does about units.
enum UnitsWanted {
    /// Leaves them out.
    None,
    /// Asks the provisioner for this app's units.
    Ask,
    /// Already fetched (with other apps').
    Known(Vec<Unit>),
}
