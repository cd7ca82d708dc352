//! Platforms and their image history: tsuru's `platforms` and `platform_images` collections.
use async_trait::async_trait;
use mongodb::bson::doc;
use serde::{Deserialize, Serialize};
use tsuru_domain::platform::{
    Platform, PlatformStorage, PlatformVersion, DUPLICATE_PLATFORM, PLATFORM_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::collections::{PLATFORMS, PLATFORM_IMAGES};
use super::doctor::{Reader, StoredDocument};
use super::{db_error, null_as_default};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlatformDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    disabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionDocument {
    version: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    images: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlatformImagesDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    versions: Vec<VersionDocument>,
    #[serde(default)]
    count: i64,
}

impl From<PlatformDocument> for Platform {
    fn from(d: PlatformDocument) -> Self {
        Platform {
            name: d.name,
            disabled: d.disabled,
        }
    }
}

fn platform_not_found() -> Error {
    Error::not_found(PLATFORM_NOT_FOUND)
}

#[async_trait]
impl PlatformStorage for super::MongoStore {
    async fn insert(&self, platform: &Platform) -> Result<()> {
        let d = PlatformDocument {
            name: platform.name.clone(),
            disabled: platform.disabled,
        };
        self.insert_or::<PlatformDocument>(d, || Error::conflict(DUPLICATE_PLATFORM))
            .await
    }

    async fn find(&self, name: &str) -> Result<Option<Platform>> {
        self.find_as::<PlatformDocument, _>(doc! {"_id": name})
            .await
    }

    async fn list(&self) -> Result<Vec<Platform>> {
        let docs = self
            .all::<PlatformDocument>(doc! {}, doc! {"_id": 1})
            .await?;
        Ok(docs.into_iter().map(Platform::from).collect())
    }

    async fn update(&self, platform: &Platform) -> Result<()> {
        self.update_or::<PlatformDocument>(
            doc! {"_id": &platform.name},
            doc! {"$set": {"disabled": platform.disabled}},
            platform_not_found,
        )
        .await
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.exclusive(format!("{PLATFORM_IMAGES}/{name}"), || async {
            let r = self
                .docs::<PlatformDocument>()
                .delete_one(doc! {"_id": name})
                .await
                .map_err(db_error)?;
            if r.deleted_count == 0 {
                return Err(platform_not_found());
            }
            self.docs::<PlatformImagesDocument>()
                .delete_one(doc! {"_id": name})
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        let d = self
            .docs::<PlatformImagesDocument>()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        let mut versions: Vec<PlatformVersion> = d
            .map(|d| {
                d.versions
                    .into_iter()
                    .map(|v| PlatformVersion {
                        version: v.version,
                        images: v.images,
                    })
                    .collect()
            })
            .unwrap_or_default();
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()> {
        self.exclusive(format!("{PLATFORM_IMAGES}/{name}"), || async {
            let mut d = self
                .docs::<PlatformImagesDocument>()
                .find_one(doc! {"_id": name})
                .await
                .map_err(db_error)?
                .unwrap_or(PlatformImagesDocument {
                    name: name.to_string(),
                    versions: Vec::new(),
                    count: 0,
                });
            d.versions.push(VersionDocument {
                version: version.version,
                images: version.images.clone(),
            });
            d.count = d.count.max(version.version);
            self.docs::<PlatformImagesDocument>()
                .replace_one(doc! {"_id": name}, d)
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] = &[
    Reader::of::<PlatformDocument>(),
    Reader::of::<PlatformImagesDocument>(),
];

impl StoredDocument for PlatformDocument {
    const COLLECTION: &'static str = PLATFORMS;
}

impl StoredDocument for PlatformImagesDocument {
    const COLLECTION: &'static str = PLATFORM_IMAGES;
}
