//! App versions: per app, its versions in insertion order.
use async_trait::async_trait;
use tsuru_domain::app::{version_exists, version_not_found, AppVersion, AppVersionStorage};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl AppVersionStorage for MemoryStore {
    async fn insert(&self, version: &AppVersion) -> Result<()> {
        let mut all = self.app_versions.write();
        let list = all.entry(version.app.clone()).or_default();
        if list.iter().any(|v| v.version == version.version) {
            return Err(version_exists(&version.app, version.version));
        }
        list.push(version.clone());
        list.sort_by_key(|v| v.version);
        Ok(())
    }

    async fn update(&self, version: &AppVersion) -> Result<()> {
        let mut all = self.app_versions.write();
        let stored = all
            .get_mut(&version.app)
            .and_then(|list| list.iter_mut().find(|v| v.version == version.version))
            .ok_or_else(|| version_not_found(&version.app, version.version))?;
        *stored = version.clone();
        Ok(())
    }

    async fn list(&self, app: &str) -> Result<Vec<AppVersion>> {
        Ok(self.app_versions.read().get(app).cloned().unwrap_or_default())
    }

    async fn delete_all(&self, app: &str) -> Result<()> {
        self.app_versions.write().shift_remove(app);
        Ok(())
    }
}
