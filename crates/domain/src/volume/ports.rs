use async_trait::async_trait;

use super::{Volume, VolumeBind, VolumeBindId};
use crate::Result;

/// Storage of volumes and their binds (tsuru collections `volumes`, `volume_binds`).
#[async_trait]
pub trait VolumeStorage: Send + Sync {
    /// Stores a new volume.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `volume already exists` when the name is taken.
    async fn insert_volume(&self, volume: &Volume) -> Result<()>;
    /// Replaces a volume.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `volume not found` when it does not exist.
    async fn update_volume(&self, volume: &Volume) -> Result<()>;
    /// One volume.
    async fn find_volume(&self, name: &str) -> Result<Option<Volume>>;
    /// Every volume, by name.
    async fn list_volumes(&self) -> Result<Vec<Volume>>;
    /// Deletes a volume (not its binds).
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `volume not found` when it does not exist.
    async fn delete_volume(&self, name: &str) -> Result<()>;
    /// Stores a bind.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] `volume already bound in mountpoint` when a bind
    /// with the same id exists.
    async fn insert_bind(&self, bind: &VolumeBind) -> Result<()>;
    /// Deletes a bind.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `volume bind not found` when there is none.
    async fn delete_bind(&self, id: &VolumeBindId) -> Result<()>;
    /// Binds of one volume, by app then mount point.
    async fn binds_of_volume(&self, volume: &str) -> Result<Vec<VolumeBind>>;
    /// Binds of one app, by volume then mount point.
    async fn binds_of_app(&self, app: &str) -> Result<Vec<VolumeBind>>;
    /// Every bind, by volume, app, mount point.
    async fn all_binds(&self) -> Result<Vec<VolumeBind>>;
}
