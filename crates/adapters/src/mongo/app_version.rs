//! App versions: tsuru's `app_versions` collection, one document per app (`appname`) holding
//! its versions by number (`versions."<n>"`), the highest number (`count`) and the latest
//! successful one (`lastsuccessfulversion`). A failed deploy's version is `markedtoremoval`,
//! as tsuru marks it.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::doc;
use serde::{Deserialize, Serialize};
use tsuru_domain::app::{version_exists, version_not_found, AppVersion, AppVersionStorage};
use tsuru_domain::Result;

use super::collections::APP_VERSIONS;
use super::{db_error, from_bson_time, null_as_default, to_bson_time};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionDocument {
    version: i64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    buildimage: String,
    #[serde(default)]
    deployimage: String,
    #[serde(default, deserialize_with = "null_as_default")]
    processes: BTreeMap<String, Vec<String>>,
    #[serde(default, deserialize_with = "null_as_default")]
    exposedports: Vec<String>,
    #[serde(default)]
    eventid: String,
    createdat: mongodb::bson::DateTime,
    updatedat: mongodb::bson::DateTime,
    #[serde(default)]
    deploysuccessful: bool,
    #[serde(default)]
    markedtoremoval: bool,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    disabledreason: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pastunits: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppVersionsDocument {
    appname: String,
    #[serde(default)]
    count: i64,
    #[serde(default)]
    lastsuccessfulversion: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    versions: BTreeMap<String, VersionDocument>,
    #[serde(default)]
    markedtoremoval: bool,
}

impl From<&AppVersion> for VersionDocument {
    fn from(v: &AppVersion) -> Self {
        VersionDocument {
            version: v.version,
            description: String::new(),
            buildimage: String::new(),
            deployimage: v.image.clone(),
            processes: v.processes.clone(),
            exposedports: v.exposed_ports.clone(),
            eventid: v.event_id.clone(),
            createdat: to_bson_time(v.created_at),
            updatedat: to_bson_time(chrono::Utc::now()),
            deploysuccessful: v.deploy_successful,
            markedtoremoval: v.deploy_failed,
            disabled: false,
            disabledreason: String::new(),
            pastunits: v.past_units.clone(),
        }
    }
}

impl VersionDocument {
    fn into_version(self, app: &str) -> AppVersion {
        AppVersion {
            app: app.to_string(),
            version: self.version,
            image: if self.deployimage.is_empty() { self.buildimage } else { self.deployimage },
            processes: self.processes,
            exposed_ports: self.exposedports,
            deploy_successful: self.deploysuccessful,
            deploy_failed: self.markedtoremoval,
            past_units: self.pastunits,
            event_id: self.eventid,
            created_at: from_bson_time(self.createdat),
        }
    }
}

impl super::MongoStore {
    /// Reads the app's document, lets `change` edit it, and writes it back, all under the
    /// app's write lock.
    async fn change_versions<F>(&self, app: &str, change: F) -> Result<()>
    where
        F: FnOnce(&mut AppVersionsDocument) -> Result<()> + Send,
    {
        self.exclusive(format!("{APP_VERSIONS}/{app}"), move || async move {
            let mut d = self.one::<AppVersionsDocument>(doc! {"appname": app}).await?.unwrap_or(
                AppVersionsDocument {
                    appname: app.to_string(),
                    count: 0,
                    lastsuccessfulversion: 0,
                    versions: BTreeMap::new(),
                    markedtoremoval: false,
                },
            );
            change(&mut d)?;
            d.count = d.versions.values().map(|v| v.version).fold(d.count, i64::max);
            d.lastsuccessfulversion = d
                .versions
                .values()
                .filter(|v| v.deploysuccessful)
                .map(|v| v.version)
                .max()
                .unwrap_or(0);
            self.upsert::<AppVersionsDocument>(doc! {"appname": app}, d).await?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AppVersionStorage for super::MongoStore {
    async fn insert(&self, version: &AppVersion) -> Result<()> {
        self.change_versions(&version.app, |d| {
            let key = version.version.to_string();
            if d.versions.contains_key(&key) {
                return Err(version_exists(&version.app, version.version));
            }
            d.versions.insert(key, VersionDocument::from(version));
            Ok(())
        })
        .await
    }

    async fn update(&self, version: &AppVersion) -> Result<()> {
        self.change_versions(&version.app, |d| {
            let key = version.version.to_string();
            if !d.versions.contains_key(&key) {
                return Err(version_not_found(&version.app, version.version));
            }
            d.versions.insert(key, VersionDocument::from(version));
            Ok(())
        })
        .await
    }

    async fn list(&self, app: &str) -> Result<Vec<AppVersion>> {
        let d = self.one::<AppVersionsDocument>(doc! {"appname": app}).await?;
        let mut out: Vec<AppVersion> = d
            .map(|d| d.versions.into_values().map(|v| v.into_version(app)).collect())
            .unwrap_or_default();
        out.sort_by_key(|v| v.version);
        Ok(out)
    }

    async fn delete_all(&self, app: &str) -> Result<()> {
        self.docs::<AppVersionsDocument>()
            .delete_many(doc! {"appname": app})
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

super::doctor::stored! {
    AppVersionsDocument => APP_VERSIONS, label "appname";
}
