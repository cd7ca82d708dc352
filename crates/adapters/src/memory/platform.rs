//! Platforms and their image history.
use async_trait::async_trait;
use tsuru_domain::platform::{Platform, PlatformStorage, PlatformVersion};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

fn platform_not_found() -> Error {
    Error::not_found(tsuru_domain::platform::PLATFORM_NOT_FOUND)
}

#[async_trait]
impl PlatformStorage for MemoryStore {
    async fn insert(&self, platform: &Platform) -> Result<()> {
        let mut all = self.platforms.write();
        if all.contains_key(&platform.name) {
            return Err(Error::conflict(tsuru_domain::platform::DUPLICATE_PLATFORM));
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
