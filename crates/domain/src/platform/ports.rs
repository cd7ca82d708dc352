use async_trait::async_trait;

use super::{Platform, PlatformVersion};
use crate::Result;

/// Storage of platforms and their image history (tsuru `platforms`, `platform_images`).
#[async_trait]
pub trait PlatformStorage: Send + Sync {
    /// Stores a platform.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `Duplicate platform` when the name is taken.
    async fn insert(&self, platform: &Platform) -> Result<()>;
    /// One platform.
    async fn find(&self, name: &str) -> Result<Option<Platform>>;
    /// Every platform.
    async fn list(&self) -> Result<Vec<Platform>>;
    /// Replaces a platform.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Platform doesn't exist.` when it does not exist.
    async fn update(&self, platform: &Platform) -> Result<()>;
    /// Deletes a platform and its image history.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Platform doesn't exist.` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
    /// The image history, oldest first.
    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>>;
    /// Appends a version to the history.
    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()>;
}
