//! Platforms and their image history.
use async_trait::async_trait;
use tsuru_domain::platform::{Platform, PlatformStorage, PlatformVersion, PLATFORM_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl PlatformStorage for MemoryStore {
    async fn update(&self, platform: &Platform) -> Result<()> {
        self.platforms.replace(&platform.name, platform, PLATFORM_NOT_FOUND)
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        Ok(self.platform_versions.get(name).unwrap_or_default())
    }

    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()> {
        let _platforms = self.platforms.read();
        self.platform_versions.write().entry(name.to_string()).or_default().push(version.clone());
        Ok(())
    }
}
