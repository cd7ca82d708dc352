use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// One deployable version of an app (tsuru `app_versions`): version `N` runs `image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppVersion {
    /// App name.
    pub app: String,
    /// Version number, from 1.
    pub version: i64,
    /// Image the version runs, as the deploy named it.
    pub image: String,
    /// Commands by process (`web` ...); empty: one `web` process running the image's own
    /// entrypoint and command.
    pub processes: BTreeMap<String, Vec<String>>,
    /// Ports the processes listen on (`8888/tcp` when none is known).
    pub exposed_ports: Vec<String>,
    /// Whether its deploy finished.
    pub deploy_successful: bool,
    /// Whether the deploy failed (kept for the deploy list).
    pub deploy_failed: bool,
    /// Units per process when the app was last stopped (start restores them).
    pub past_units: BTreeMap<String, i64>,
    /// Event id of the deploy that made it.
    pub event_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl AppVersion {
    /// Process names, `web` when the version declares none.
    pub fn process_names(&self) -> Vec<String> {
        if self.processes.is_empty() {
            vec!["web".to_string()]
        } else {
            self.processes.keys().cloned().collect()
        }
    }
}

/// Storage of app versions.
#[async_trait]
pub trait AppVersionStorage: Send + Sync {
    /// Stores a new version.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] when (`app`, `version`) exists.
    async fn insert(&self, version: &AppVersion) -> Result<()>;
    /// Replaces a stored version.
    async fn update(&self, version: &AppVersion) -> Result<()>;
    /// Versions of `app`, oldest first.
    async fn list(&self, app: &str) -> Result<Vec<AppVersion>>;
    /// Deletes every version of `app`.
    async fn delete_all(&self, app: &str) -> Result<()>;
}
