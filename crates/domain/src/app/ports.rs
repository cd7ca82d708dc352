use async_trait::async_trait;
use regex::Regex;

use super::App;
use crate::Result;

/// Which apps a caller may see: any of these (empty lists: none; `None` overall: all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppVisibility {
    /// Apps of these teams.
    pub teams: Vec<String>,
    /// These apps.
    pub names: Vec<String>,
    /// Apps in these pools.
    pub pools: Vec<String>,
}

/// Filters of the app list; all set fields must match.
#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    /// Unanchored regular expression on the name.
    pub name: Option<Regex>,
    /// Platform name and optional version (`latest` matches unpinned apps).
    pub platform: Option<(String, Option<String>)>,
    /// Owning team.
    pub team_owner: Option<String>,
    /// Creator e-mail.
    pub owner: Option<String>,
    /// Pool.
    pub pool: Option<String>,
    /// Tags the app must all have.
    pub tags: Vec<String>,
    /// Visibility (`None`: everything).
    pub visibility: Option<AppVisibility>,
}

impl AppFilter {
    /// Whether `app` passes (what storage adapters implement).
    pub fn matches(&self, app: &App) -> bool {
        let platform_ok = self.platform.as_ref().is_none_or(|(name, version)| {
            app.platform == *name
                && match version.as_deref() {
                    None => true,
                    Some("latest") => {
                        app.platform_version.is_empty() || app.platform_version == "latest"
                    }
                    Some(v) => app.platform_version == v,
                }
        });
        platform_ok
            && self.name.as_ref().is_none_or(|re| re.is_match(&app.name))
            && self.team_owner.as_ref().is_none_or(|t| &app.team_owner == t)
            && self.owner.as_ref().is_none_or(|o| &app.owner == o)
            && self.pool.as_ref().is_none_or(|p| &app.pool == p)
            && self.tags.iter().all(|t| app.tags.contains(t))
            && self.visibility.as_ref().is_none_or(|v| {
                app.teams.iter().any(|t| v.teams.contains(t))
                    || v.names.contains(&app.name)
                    || v.pools.contains(&app.pool)
            })
    }
}

/// Storage of apps (tsuru collection `apps`).
#[async_trait]
pub trait AppStorage: Send + Sync {
    /// Stores a new app.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `tsuru failed to create the app "<name>": there is
    /// already an app with this name` when the name is taken.
    async fn insert(&self, app: &App) -> Result<()>;
    /// One app.
    async fn find(&self, name: &str) -> Result<Option<App>>;
    /// Apps matching `filter`, in insertion order.
    async fn list(&self, filter: &AppFilter) -> Result<Vec<App>>;
    /// Replaces an app.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `App <name> not found.` when it does not exist.
    async fn update(&self, app: &App) -> Result<()>;
    /// Deletes an app.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `App <name> not found.` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
    /// How many apps are in `pool`.
    async fn count_in_pool(&self, pool: &str) -> Result<usize>;
    /// Names of apps whose teams include `team`.
    async fn names_by_team(&self, team: &str) -> Result<Vec<String>>;
    /// How many apps use platform `platform`.
    async fn count_by_platform(&self, platform: &str) -> Result<usize>;
    /// Marks every app on `platform` to rebuild from the platform image on its next deploy.
    async fn mark_platform_updated(&self, platform: &str) -> Result<()>;
    /// Renames a team in every app's owner and team list.
    async fn rename_team(&self, old: &str, new: &str) -> Result<()>;
}

/// Service instances bound to apps, seen from app removal: the service aggregate implements
/// it ([`crate::service::ServiceCatalog::app_bindings`]), and the wiring hands it to
/// [`super::AppService::set_bindings`].
#[async_trait]
pub trait AppBindings: Send + Sync {
    /// Unbinds the app being removed from every service instance bound to it, as tsuru's
    /// forced unbind without restart: a service API or broker that refuses or cannot be
    /// reached is reported on `progress` (`[unbind-app-endpoint] ignored error due to force:
    /// <err>`) and the instance lets go of the app all the same. `hosts` are the app's
    /// addresses; `call` names the removal's event and its owner.
    ///
    /// # Errors
    /// [`crate::service::UNBIND_FAILED`] followed by a `- <instance> (<error>)` line for each
    /// instance that could not be updated and still lists the app.
    async fn unbind_removed_app(
        &self,
        app: &App,
        hosts: Vec<String>,
        call: &crate::service::CallInfo,
        progress: &crate::output::Progress,
    ) -> Result<()>;
}
