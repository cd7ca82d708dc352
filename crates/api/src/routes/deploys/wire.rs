//! Wire types of `/deploys`.
use serde::{Deserialize, Serialize};
use tsuru_domain::app::DeployData;
use utoipa::{IntoParams, ToSchema};

use crate::json::{go_time, ZERO_TIME};

/// Filters of the deploy list.
#[derive(Deserialize, IntoParams)]
pub struct DeployListQuery {
    /// Only this app's deploys.
    pub app: Option<String>,
    /// Skip this many, newest first.
    pub skip: Option<i64>,
    /// At most this many (at most 100).
    pub limit: Option<i64>,
}

/// One deploy or rollback (tsuru's `DeployData`).
#[derive(Serialize, ToSchema)]
pub struct DeployResponse {
    /// The deploy's event id.
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "App")]
    pub app: String,
    /// Start, RFC 3339.
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    /// Nanoseconds.
    #[serde(rename = "Duration")]
    pub duration: i64,
    #[serde(rename = "Commit")]
    pub commit: String,
    /// Why it failed; empty on success.
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Image")]
    pub image: String,
    /// Always empty here (the log is the event's).
    #[serde(rename = "Log")]
    pub log: String,
    #[serde(rename = "User")]
    pub user: String,
    #[serde(rename = "Origin")]
    pub origin: String,
    /// Whether `app deploy rollback` can bring the image back.
    #[serde(rename = "CanRollback")]
    pub can_rollback: bool,
    /// Always the zero time.
    #[serde(rename = "RemoveDate")]
    pub remove_date: String,
    #[serde(rename = "Diff")]
    pub diff: String,
    #[serde(rename = "Message")]
    pub message: String,
}

impl From<DeployData> for DeployResponse {
    fn from(d: DeployData) -> Self {
        DeployResponse {
            id: d.id,
            app: d.app,
            timestamp: go_time(&d.timestamp),
            duration: d.duration.num_nanoseconds().unwrap_or(i64::MAX),
            commit: d.commit,
            error: d.error,
            image: d.image,
            log: String::new(),
            user: d.user,
            origin: d.origin,
            can_rollback: d.can_rollback,
            remove_date: ZERO_TIME.to_string(),
            diff: String::new(),
            message: d.message,
        }
    }
}
