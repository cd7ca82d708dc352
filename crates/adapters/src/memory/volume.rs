//! Volumes and their binds.
use async_trait::async_trait;
use tsuru_domain::volume::{
    Volume, VolumeBind, VolumeBindId, VolumeStorage, VOLUME_ALREADY_BOUND, VOLUME_ALREADY_EXISTS,
    VOLUME_BIND_NOT_FOUND, VOLUME_NOT_FOUND,
};
use tsuru_domain::Result;

use super::MemoryStore;

fn sorted_by<K: Ord>(
    mut binds: Vec<VolumeBind>,
    key: impl Fn(&VolumeBind) -> K,
) -> Vec<VolumeBind> {
    binds.sort_by_key(key);
    binds
}

#[async_trait]
impl VolumeStorage for MemoryStore {
    async fn insert_volume(&self, volume: &Volume) -> Result<()> {
        self.volumes.add(volume.name.clone(), volume, VOLUME_ALREADY_EXISTS)
    }

    async fn update_volume(&self, volume: &Volume) -> Result<()> {
        self.volumes.replace(&volume.name, volume, VOLUME_NOT_FOUND)
    }

    async fn find_volume(&self, name: &str) -> Result<Option<Volume>> {
        Ok(self.volumes.get(name))
    }

    async fn list_volumes(&self) -> Result<Vec<Volume>> {
        Ok(self.volumes.by_key())
    }

    async fn delete_volume(&self, name: &str) -> Result<()> {
        self.volumes.remove(name, VOLUME_NOT_FOUND).map(drop)
    }

    async fn insert_bind(&self, bind: &VolumeBind) -> Result<()> {
        self.volume_binds.add(bind.id.clone(), bind, VOLUME_ALREADY_BOUND)
    }

    async fn delete_bind(&self, id: &VolumeBindId) -> Result<()> {
        self.volume_binds.remove(id, VOLUME_BIND_NOT_FOUND).map(drop)
    }

    async fn binds_of_volume(&self, volume: &str) -> Result<Vec<VolumeBind>> {
        let binds = self.volume_binds.filtered(|b| b.id.volume == volume);
        Ok(sorted_by(binds, |b| (b.id.app.clone(), b.id.mount_point.clone())))
    }

    async fn binds_of_app(&self, app: &str) -> Result<Vec<VolumeBind>> {
        let binds = self.volume_binds.filtered(|b| b.id.app == app);
        Ok(sorted_by(binds, |b| (b.id.volume.clone(), b.id.mount_point.clone())))
    }

    async fn all_binds(&self) -> Result<Vec<VolumeBind>> {
        let binds = self.volume_binds.all();
        Ok(sorted_by(binds, |b| (b.id.volume.clone(), b.id.app.clone(), b.id.mount_point.clone())))
    }
}
