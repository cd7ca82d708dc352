//! Apps, pools, plans and platforms.
use async_trait::async_trait;
use tsuru_domain::app::{App, AppFilter, AppStorage};
use tsuru_domain::plan::{Plan, PlanStorage};
use tsuru_domain::platform::{Platform, PlatformStorage, PlatformVersion};
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

fn app_not_found(name: &str) -> Error {
    Error::not_found(format!("App {name} not found."))
}

#[async_trait]
impl AppStorage for MemoryStore {
    async fn insert(&self, app: &App) -> Result<()> {
        let mut apps = self.apps.write();
        if apps.contains_key(&app.name) {
            return Err(Error::conflict(format!(
                "tsuru failed to create the app {:?}: there is already an app with this name",
                app.name
            )));
        }
        apps.insert(app.name.clone(), app.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<App>> {
        Ok(self.apps.read().get(name).cloned())
    }

    async fn list(&self, filter: &AppFilter) -> Result<Vec<App>> {
        Ok(self
            .apps
            .read()
            .values()
            .filter(|a| filter.matches(a))
            .cloned()
            .collect())
    }

    async fn update(&self, app: &App) -> Result<()> {
        match self.apps.write().get_mut(&app.name) {
            Some(a) => {
                *a = app.clone();
                Ok(())
            }
            None => Err(app_not_found(&app.name)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.apps
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| app_not_found(name))
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
        Ok(self
            .apps
            .read()
            .values()
            .filter(|a| a.platform == platform)
            .count())
    }

    async fn mark_platform_updated(&self, platform: &str) -> Result<()> {
        for a in self
            .apps
            .write()
            .values_mut()
            .filter(|a| a.platform == platform)
        {
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

#[async_trait]
impl PoolStorage for MemoryStore {
    async fn insert(&self, pool: &Pool) -> Result<()> {
        let mut pools = self.pools.write();
        if pools.contains_key(&pool.name) {
            return Err(Error::conflict("Pool already exists."));
        }
        pools.insert(pool.name.clone(), pool.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Pool>> {
        Ok(self.pools.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Pool>> {
        Ok(self.pools.read().values().cloned().collect())
    }

    async fn update(&self, pool: &Pool) -> Result<()> {
        match self.pools.write().get_mut(&pool.name) {
            Some(p) => {
                *p = pool.clone();
                Ok(())
            }
            None => Err(Error::not_found(POOL_NOT_FOUND)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.pools
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(POOL_NOT_FOUND))
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        Ok(self.constraints.read().values().cloned().collect())
    }

    async fn set_constraint(&self, c: &Constraint) -> Result<()> {
        self.constraints
            .write()
            .insert((c.pool_expr.clone(), c.field.clone()), c.clone());
        Ok(())
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        self.constraints
            .write()
            .shift_remove(&(pool_expr.to_string(), field.to_string()));
        Ok(())
    }
}

#[async_trait]
impl PlanStorage for MemoryStore {
    async fn insert(&self, plan: &Plan) -> Result<()> {
        let mut plans = self.plans.write();
        if plans.contains_key(&plan.name) {
            return Err(Error::conflict("plan already exists"));
        }
        plans.insert(plan.name.clone(), plan.clone());
        Ok(())
    }

    async fn list(&self) -> Result<Vec<Plan>> {
        Ok(self.plans.read().values().cloned().collect())
    }

    async fn find(&self, name: &str) -> Result<Option<Plan>> {
        Ok(self.plans.read().get(name).cloned())
    }

    async fn clear_default(&self) -> Result<()> {
        for p in self.plans.write().values_mut() {
            p.default = false;
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.plans
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found("plan not found"))
    }
}

fn platform_not_found() -> Error {
    Error::not_found("Platform doesn't exist.")
}

#[async_trait]
impl PlatformStorage for MemoryStore {
    async fn insert(&self, platform: &Platform) -> Result<()> {
        let mut all = self.platforms.write();
        if all.contains_key(&platform.name) {
            return Err(Error::conflict("Duplicate platform"));
        }
        all.insert(platform.name.clone(), platform.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Platform>> {
        Ok(self.platforms.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Platform>> {
        Ok(self.platforms.read().values().cloned().collect())
    }

    async fn update(&self, platform: &Platform) -> Result<()> {
        match self.platforms.write().get_mut(&platform.name) {
            Some(p) => {
                *p = platform.clone();
                Ok(())
            }
            None => Err(platform_not_found()),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        // Platforms before versions, as in `add_version`, so a concurrent build cannot leave
        // history behind a deleted platform.
        let mut platforms = self.platforms.write();
        platforms
            .shift_remove(name)
            .ok_or_else(platform_not_found)?;
        self.platform_versions.write().shift_remove(name);
        Ok(())
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        Ok(self
            .platform_versions
            .read()
            .get(name)
            .cloned()
            .unwrap_or_default())
    }

    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()> {
        let _platforms = self.platforms.read();
        self.platform_versions
            .write()
            .entry(name.to_string())
            .or_default()
            .push(version.clone());
        Ok(())
    }
}
