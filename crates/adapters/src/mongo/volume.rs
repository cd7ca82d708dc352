//! Volumes and their binds: tsuru's `volumes` and `volume_binds` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, Document};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tsuru_domain::volume::{
    Volume, VolumeBind, VolumeBindId, VolumePlan, VolumeStorage, VOLUME_ALREADY_BOUND,
    VOLUME_ALREADY_EXISTS, VOLUME_BIND_NOT_FOUND, VOLUME_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::collections::{VOLUMES, VOLUME_BINDS};
use super::null_as_default;

/// tsuru's plan embedded in a volume (Go field names lower-cased).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct PlanDocument {
    name: String,
    #[serde(deserialize_with = "null_as_default")]
    opts: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VolumeDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    pool: String,
    #[serde(default, deserialize_with = "null_as_default")]
    plan: PlanDocument,
    #[serde(default)]
    teamowner: String,
    #[serde(default)]
    status: String,
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    opts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BindIdDocument {
    app: String,
    mountpoint: String,
    volume: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BindDocument {
    #[serde(rename = "_id")]
    id: BindIdDocument,
    #[serde(default)]
    readonly: bool,
}

impl From<&Volume> for VolumeDocument {
    fn from(v: &Volume) -> Self {
        VolumeDocument {
            name: v.name.clone(),
            pool: v.pool.clone(),
            plan: PlanDocument { name: v.plan.name.clone(), opts: v.plan.opts.clone() },
            teamowner: v.team_owner.clone(),
            status: v.status.clone(),
            opts: v.opts.clone(),
        }
    }
}

impl From<VolumeDocument> for Volume {
    fn from(d: VolumeDocument) -> Self {
        Volume {
            name: d.name,
            pool: d.pool,
            plan: VolumePlan { name: d.plan.name, opts: d.plan.opts },
            team_owner: d.teamowner,
            status: d.status,
            opts: d.opts,
        }
    }
}

fn bind_id(id: &VolumeBindId) -> Document {
    doc! {"_id": {"app": &id.app, "mountpoint": &id.mount_point, "volume": &id.volume}}
}

impl From<BindDocument> for VolumeBind {
    fn from(d: BindDocument) -> Self {
        VolumeBind {
            id: VolumeBindId { app: d.id.app, mount_point: d.id.mountpoint, volume: d.id.volume },
            read_only: d.readonly,
        }
    }
}

impl super::MongoStore {
    async fn binds(&self, filter: Document, sort: Document) -> Result<Vec<VolumeBind>> {
        Ok(self
            .all::<BindDocument>(filter, sort)
            .await?
            .into_iter()
            .map(VolumeBind::from)
            .collect())
    }
}

#[async_trait]
impl VolumeStorage for super::MongoStore {
    async fn insert_volume(&self, volume: &Volume) -> Result<()> {
        self.insert_or::<VolumeDocument>(VolumeDocument::from(volume), || {
            Error::conflict(VOLUME_ALREADY_EXISTS)
        })
        .await
    }

    async fn update_volume(&self, volume: &Volume) -> Result<()> {
        self.replace_or::<VolumeDocument>(
            doc! {"_id": &volume.name},
            VolumeDocument::from(volume),
            || Error::not_found(VOLUME_NOT_FOUND),
        )
        .await
    }

    async fn find_volume(&self, name: &str) -> Result<Option<Volume>> {
        self.find_as::<VolumeDocument, _>(doc! {"_id": name}).await
    }

    async fn list_volumes(&self) -> Result<Vec<Volume>> {
        Ok(self
            .all::<VolumeDocument>(doc! {}, doc! {"_id": 1})
            .await?
            .into_iter()
            .map(Volume::from)
            .collect())
    }

    async fn delete_volume(&self, name: &str) -> Result<()> {
        self.delete_or::<VolumeDocument>(doc! {"_id": name}, || Error::not_found(VOLUME_NOT_FOUND))
            .await
    }

    async fn insert_bind(&self, bind: &VolumeBind) -> Result<()> {
        let d = BindDocument {
            id: BindIdDocument {
                app: bind.id.app.clone(),
                mountpoint: bind.id.mount_point.clone(),
                volume: bind.id.volume.clone(),
            },
            readonly: bind.read_only,
        };
        self.insert_or::<BindDocument>(d, || Error::conflict(VOLUME_ALREADY_BOUND)).await
    }

    async fn delete_bind(&self, id: &VolumeBindId) -> Result<()> {
        self.delete_or::<BindDocument>(bind_id(id), || Error::not_found(VOLUME_BIND_NOT_FOUND))
            .await
    }

    async fn binds_of_volume(&self, volume: &str) -> Result<Vec<VolumeBind>> {
        self.binds(doc! {"_id.volume": volume}, doc! {"_id.app": 1, "_id.mountpoint": 1}).await
    }

    async fn binds_of_app(&self, app: &str) -> Result<Vec<VolumeBind>> {
        self.binds(doc! {"_id.app": app}, doc! {"_id.volume": 1, "_id.mountpoint": 1}).await
    }

    async fn all_binds(&self) -> Result<Vec<VolumeBind>> {
        self.binds(doc! {}, doc! {"_id.volume": 1, "_id.app": 1, "_id.mountpoint": 1}).await
    }
}

super::doctor::stored! {
    VolumeDocument => VOLUMES;
    BindDocument => VOLUME_BINDS;
}
