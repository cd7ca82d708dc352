//! Volumes and their binds.
use async_trait::async_trait;
use tsuru_domain::volume::{
    Volume, VolumeBind, VolumeBindId, VolumeStorage, VOLUME_ALREADY_BOUND, VOLUME_ALREADY_EXISTS,
    VOLUME_BIND_NOT_FOUND, VOLUME_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

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
        let mut volumes = self.volumes.write();
        if volumes.contains_key(&volume.name) {
            return Err(Error::conflict(VOLUME_ALREADY_EXISTS));
        }
        volumes.insert(volume.name.clone(), volume.clone());
        Ok(())
    }

    async fn update_volume(&self, volume: &Volume) -> Result<()> {
        match self.volumes.write().get_mut(&volume.name) {
            Some(v) => {
                *v = volume.clone();
                Ok(())
            }
            None => Err(Error::not_found(VOLUME_NOT_FOUND)),
        }
    }

    async fn find_volume(&self, name: &str) -> Result<Option<Volume>> {
        Ok(self.volumes.read().get(name).cloned())
    }

    async fn list_volumes(&self) -> Result<Vec<Volume>> {
        let mut all: Vec<Volume> = self.volumes.read().values().cloned().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    async fn delete_volume(&self, name: &str) -> Result<()> {
        self.volumes
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(VOLUME_NOT_FOUND))
    }

    async fn insert_bind(&self, bind: &VolumeBind) -> Result<()> {
        let mut binds = self.volume_binds.write();
        if binds.contains_key(&bind.id) {
            return Err(Error::conflict(VOLUME_ALREADY_BOUND));
        }
        binds.insert(bind.id.clone(), bind.clone());
        Ok(())
    }

    async fn delete_bind(&self, id: &VolumeBindId) -> Result<()> {
        self.volume_binds
            .write()
            .shift_remove(id)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(VOLUME_BIND_NOT_FOUND))
    }

    async fn binds_of_volume(&self, volume: &str) -> Result<Vec<VolumeBind>> {
        let binds = self
            .volume_binds
            .read()
            .values()
            .filter(|b| b.id.volume == volume)
            .cloned()
            .collect();
        Ok(sorted_by(binds, |b| {
            (b.id.app.clone(), b.id.mount_point.clone())
        }))
    }

    async fn binds_of_app(&self, app: &str) -> Result<Vec<VolumeBind>> {
        let binds = self
            .volume_binds
            .read()
            .values()
            .filter(|b| b.id.app == app)
            .cloned()
            .collect();
        Ok(sorted_by(binds, |b| {
            (b.id.volume.clone(), b.id.mount_point.clone())
        }))
    }

    async fn all_binds(&self) -> Result<Vec<VolumeBind>> {
        let binds = self.volume_binds.read().values().cloned().collect();
        Ok(sorted_by(binds, |b| {
            (
                b.id.volume.clone(),
                b.id.app.clone(),
                b.id.mount_point.clone(),
            )
        }))
    }
}
