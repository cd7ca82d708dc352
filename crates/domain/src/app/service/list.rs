//! Reading apps: the list, one app, a team's apps.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{AppInfo, AppService, UnitsWanted};
use crate::app::{App, AppFilter, AppVisibility};
use crate::permission::{contexts_for, ContextType};
use crate::provision::{Provisioner, Unit};
use crate::{Identity, Result};

/// The app list as clients ask for it: storage filters plus the unit status and lock filters
/// applied to what the provisioner reports.
#[derive(Debug, Clone, Default)]
pub struct AppListQuery {
    /// What storage filters on (name, platform, team owner, owner, pool, tags).
    pub filter: AppFilter,
    /// Leave units out (and do not filter on their status).
    pub simplified: bool,
    /// Keep apps with at least one unit in one of these statuses (each entry may hold several,
    /// comma-separated, as clients send `status=started,stopped`).
    pub statuses: Vec<String>,
    /// Only apps under tsuru's legacy app lock. No app here ever holds one (operations lock
    /// through events), so this answers no app, as tsuru does for apps it never locked.
    pub locked: bool,
}

impl AppListQuery {
    /// The unit statuses asked for, commas split and blanks dropped.
    pub fn status_names(&self) -> Vec<String> {
        self.statuses
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

impl AppService {
    /// Apps the caller may see, filtered as `query` asks.
    ///
    /// # Errors
    /// Storage or provisioner failures.
    #[tracing::instrument(skip_all)]
    pub async fn search(&self, identity: &Identity, query: AppListQuery) -> Result<Vec<AppInfo>> {
        let statuses = query.status_names();
        let mut apps = self.list(identity, query.filter, query.simplified).await?;
        if query.locked {
            apps.clear();
        }
        if !statuses.is_empty() && !query.simplified {
            apps.retain(|a| {
                a.units.iter().any(|u| statuses.iter().any(|s| s == u.status.as_str()))
            });
        }
        Ok(apps)
    }

    /// Apps the caller may see, filtered; units are left out when `simplified`.
    ///
    /// # Errors
    /// Storage or provisioner failures.
    #[tracing::instrument(skip_all)]
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
        if !crate::permission::any_global(&ctxs) {
            let of = |t: ContextType| {
                ctxs.iter().filter(|c| c.ctype == t).map(|c| c.value.clone()).collect()
            };
            filter.visibility = Some(AppVisibility {
                teams: of(ContextType::Team),
                names: of(ContextType::App),
                pools: of(ContextType::Pool),
            });
        }
        let apps = self.apps.list(&filter).await?;
        // One look at the pools for the whole list (not one per app).
        let provisioners = self.provisioners_by_pool().await;
        let of = |app: &App| match &provisioners {
            Ok(by_pool) => by_pool
                .get(&app.pool)
                .cloned()
                .unwrap_or_else(|| Ok(self.provisioners.default_provisioner())),
            Err(e) => Err(e.clone()),
        };
        // Units: one call per provisioner for all of its apps (not one per app).
        let mut known: HashMap<String, Vec<Unit>> = HashMap::new();
        if !simplified {
            let mut groups: BTreeMap<String, (Arc<dyn Provisioner>, Vec<App>)> = BTreeMap::new();
            for app in &apps {
                if let Ok(p) = of(app) {
                    groups
                        .entry(p.name().to_string())
                        .or_insert_with(|| (p, Vec::new()))
                        .1
                        .push(app.clone());
                }
            }
            for (p, group) in groups.into_values() {
                // On failure each app asks alone, so that the error shows on the apps it is about.
                if let Ok(mut units) = p.units_of_apps(&group).await {
                    for app in group {
                        let u = units.remove(&app.name).unwrap_or_default();
                        known.insert(app.name, u);
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(apps.len());
        for app in apps {
            let provisioner = of(&app);
            let units = if simplified {
                UnitsWanted::None
            } else {
                known.remove(&app.name).map_or(UnitsWanted::Ask, UnitsWanted::Known)
            };
            out.push(self.describe_with(app, units, provisioner).await);
        }
        Ok(out)
    }

    /// One app with units and addresses.
    ///
    /// # Errors
    /// 404; 403 without `app.read.info` on the app.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<AppInfo> {
        let app = self.find(name).await?;
        identity.require("app.read.info", &app.contexts())?;
        let mut info = self.describe(app, UnitsWanted::Ask).await;
        if let Some(volumes) = self.volumes.as_ref().filter(|v| v.shown) {
            match volumes.storage.binds_of_app(&info.app.name).await {
                Ok(binds) => info.volume_binds = binds,
                Err(e) => info.errors.push(format!("unable to get volume binds: {e}")),
            }
        }
        Ok(info)
    }
}
