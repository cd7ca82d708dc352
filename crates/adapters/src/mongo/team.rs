//! Teams: tsuru's `teams` collection.
use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::quota::Quota;
use tsuru_domain::team::{Team, TeamStorage};
use tsuru_domain::{Error, Result};

use super::collections::TEAMS;
use super::insertion_stamp;
use super::records::Stored;
use super::user::{null_as_default, quota_field, QuotaDocument};

/// tsuru's team document, plus `tsurud_order` (set at insert, absent in teams tsuru created)
/// so that lists keep insertion order.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TeamDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    creatinguser: String,
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<String>,
    #[serde(default)]
    quota: QuotaDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Team> for TeamDocument {
    fn from(t: &Team) -> Self {
        TeamDocument {
            name: t.name.clone(),
            creatinguser: t.creating_user.clone(),
            tags: t.tags.clone(),
            quota: t.quota.into(),
            tsurud_order: Some(insertion_stamp()),
        }
    }
}

impl From<TeamDocument> for Team {
    fn from(d: TeamDocument) -> Self {
        Team { name: d.name, creating_user: d.creatinguser, tags: d.tags, quota: d.quota.into() }
    }
}

fn team_not_found() -> Error {
    Error::not_found(tsuru_domain::team::TEAM_NOT_FOUND)
}

impl super::MongoStore {
    /// Sets fields of a team under its write lock (so quota increments are never lost).
    async fn set_team_fields(&self, name: &str, fields: mongodb::bson::Document) -> Result<()> {
        self.lock_update::<TeamDocument>(
            name,
            doc! {"_id": name},
            doc! {"$set": fields},
            team_not_found,
        )
        .await
    }
}

#[async_trait]
impl TeamStorage for super::MongoStore {
    async fn update(&self, team: &Team) -> Result<()> {
        let quota = team.quota;
        self.set_team_fields(
            &team.name,
            doc! {
                "tags": &team.tags,
                "quota": {"limit": quota.limit, "inuse": quota.inuse},
            },
        )
        .await
    }

    async fn set_quota(&self, name: &str, quota: Quota) -> Result<()> {
        self.set_team_fields(name, quota_field(quota)).await
    }

    async fn inc_quota(&self, name: &str, delta: i64) -> Result<()> {
        self.lock_read::<TeamDocument, _>(name, doc! {"_id": name}, team_not_found, |team| {
            team.quota.adjusted(delta)
        })
        .await
    }
}

impl Stored for Team {
    type Doc = TeamDocument;
}

super::doctor::stored! {
    TeamDocument => TEAMS;
}
