//! Platforms and their image history: tsuru's `platforms` and `platform_images` collections.
use async_trait::async_trait;
use mongodb::bson::{doc, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::platform::{Platform, PlatformStorage, PlatformVersion, PLATFORM_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::collections::{PLATFORMS, PLATFORM_IMAGES};
use super::null_as_default;
use super::records::Stored;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PlatformDocument {
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
        Platform { name: d.name, disabled: d.disabled }
    }
}

fn platform_not_found() -> Error {
    Error::not_found(PLATFORM_NOT_FOUND)
}

#[async_trait]
impl PlatformStorage for super::MongoStore {
    async fn update(&self, platform: &Platform) -> Result<()> {
        self.update_or::<PlatformDocument>(
            doc! {"_id": &platform.name},
            doc! {"$set": {"disabled": platform.disabled}},
            platform_not_found,
        )
        .await
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        let d = self.one::<PlatformImagesDocument>(doc! {"_id": name}).await?;
        let mut versions: Vec<PlatformVersion> = d
            .map(|d| {
                d.versions
                    .into_iter()
                    .map(|v| PlatformVersion { version: v.version, images: v.images })
                    .collect()
            })
            .unwrap_or_default();
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()> {
        self.exclusive(format!("{PLATFORM_IMAGES}/{name}"), || async {
            let mut d = self.one::<PlatformImagesDocument>(doc! {"_id": name}).await?.unwrap_or(
                PlatformImagesDocument { name: name.to_string(), versions: Vec::new(), count: 0 },
            );
            d.versions
                .push(VersionDocument { version: version.version, images: version.images.clone() });
            d.count = d.count.max(version.version);
            self.upsert::<PlatformImagesDocument>(doc! {"_id": name}, d).await?;
            Ok(())
        })
        .await
    }
}

/// A platform's image history goes with it; platforms list by name.
impl Stored for Platform {
    type Doc = PlatformDocument;
    const WITH: Option<&'static str> = Some(PLATFORM_IMAGES);
    fn order() -> Document {
        doc! {"_id": 1}
    }
}

impl From<&Platform> for PlatformDocument {
    fn from(platform: &Platform) -> Self {
        PlatformDocument { name: platform.name.clone(), disabled: platform.disabled }
    }
}

super::doctor::stored! {
    PlatformDocument => PLATFORMS;
    PlatformImagesDocument => PLATFORM_IMAGES;
}
