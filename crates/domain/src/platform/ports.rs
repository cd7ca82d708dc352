use async_trait::async_trait;

use super::{Platform, PlatformVersion};
use crate::records::Records;
use crate::Result;

/// Storage of platforms and their image history (tsuru `platforms`, `platform_images`).
/// Deleting a platform deletes its history too.
#[async_trait]
pub trait PlatformStorage: Records<Platform> {
    /// Replaces a platform.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `Platform doesn't exist.` when it does not exist.
    async fn update(&self, platform: &Platform) -> Result<()>;
    /// The image history, oldest first.
    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>>;
    /// Appends a version to the history.
    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()>;
}
