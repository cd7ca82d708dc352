//! Platforms and their image history.
use async_trait::async_trait;
use tsuru_domain::platform::{
    Platform, PlatformStorage, PlatformVersion, DUPLICATE_PLATFORM, PLATFORM_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl PlatformStorage for MemoryStore {
    async fn insert(&self, platform: &Platform) -> Result<()> {
        self.platforms
            .add(platform.name.clone(), platform, DUPLICATE_PLATFORM)
    }

    async fn find(&self, name: &str) -> Result<Option<Platform>> {
        Ok(self.platforms.get(name))
    }

    async fn list(&self) -> Result<Vec<Platform>> {
        Ok(self.platforms.all())
    }

    async fn update(&self, platform: &Platform) -> Result<()> {
        self.platforms
            .replace(&platform.name, platform, PLATFORM_NOT_FOUND)
    }

    async fn delete(&self, name: &str) -> Result<()> {
        // Platforms before versions, as in `add_version`, so a concurrent build cannot leave
        // history behind a deleted platform.
        let mut platforms = self.platforms.write();
        if platforms.shift_remove(name).is_none() {
            return Err(Error::not_found(PLATFORM_NOT_FOUND));
        }
        self.platform_versions.write().shift_remove(name);
        Ok(())
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        Ok(self.platform_versions.get(name).unwrap_or_default())
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
