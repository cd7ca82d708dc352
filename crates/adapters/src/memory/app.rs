//! Apps.
use async_trait::async_trait;
use tsuru_domain::app::{app_already_exists, app_not_found, App, AppFilter, AppStorage};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl AppStorage for MemoryStore {
    async fn insert(&self, app: &App) -> Result<()> {
        self.apps.add(app.name.clone(), app, app_already_exists(&app.name))
    }

    async fn find(&self, name: &str) -> Result<Option<App>> {
        Ok(self.apps.get(name))
    }

    async fn list(&self, filter: &AppFilter) -> Result<Vec<App>> {
        Ok(self.apps.filtered(|a| filter.matches(a)))
    }

    async fn update(&self, app: &App) -> Result<()> {
        self.apps.replace(&app.name, app, app_not_found(&app.name))
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.apps.remove(name, app_not_found(name)).map(drop)
    }

    async fn count_in_pool(&self, pool: &str) -> Result<usize> {
        Ok(self.apps.read().values().filter(|a| a.pool == pool).count())
    }

    async fn names_by_team(&self, team: &str) -> Result<Vec<String>> {
        Ok(self
            .apps
            .read()
            .values()
            .filter(|a| a.teams.iter().any(|t| t == team))
            .map(|a| a.name.clone())
            .collect())
    }

    async fn count_by_platform(&self, platform: &str) -> Result<usize> {
        Ok(self.apps.read().values().filter(|a| a.platform == platform).count())
    }

    async fn mark_platform_updated(&self, platform: &str) -> Result<()> {
        for a in self.apps.write().values_mut().filter(|a| a.platform == platform) {
            a.update_platform = true;
        }
        Ok(())
    }

    async fn rename_team(&self, old: &str, new: &str) -> Result<()> {
        for a in self.apps.write().values_mut() {
            if a.team_owner == old {
                a.team_owner = new.to_string();
            }
            for t in a.teams.iter_mut().filter(|t| *t == old) {
                *t = new.to_string();
            }
        }
        Ok(())
    }
}
