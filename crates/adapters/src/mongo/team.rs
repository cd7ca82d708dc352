//! Teams: tsuru's `teams` collection.
use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, oid::ObjectId};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use tsuru_domain::quota::Quota;
use tsuru_domain::team::{Team, TeamStorage};
use tsuru_domain::{Error, Result};

use super::collections::TEAMS;
use super::user::{null_as_default, QuotaDocument};
use super::{db_error, insertion_stamp, is_duplicate_key};

/// tsuru's team document, plus `tsurud_order` (set at insert, absent in teams tsuru created)
/// so that lists keep insertion order.
#[derive(Debug, Serialize, Deserialize)]
struct TeamDocument {
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
        Team {
            name: d.name,
            creating_user: d.creatinguser,
            tags: d.tags,
            quota: d.quota.into(),
        }
    }
}

fn team_not_found() -> Error {
    Error::not_found("team not found")
}

impl super::MongoStore {
    fn teams(&self) -> Collection<TeamDocument> {
        self.coll(TEAMS)
    }
}

#[async_trait]
impl TeamStorage for super::MongoStore {
    async fn insert(&self, team: &Team) -> Result<()> {
        match self.teams().insert_one(TeamDocument::from(team)).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict("team already exists")),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn update(&self, team: &Team) -> Result<()> {
        let quota = team.quota;
        let r = self
            .teams()
            .update_one(
                doc! {"_id": &team.name},
                doc! {"$set": {
                    "tags": &team.tags,
                    "quota": {"limit": quota.limit, "inuse": quota.inuse},
                }},
            )
            .await
            .map_err(db_error)?;
        if r.matched_count == 0 {
            return Err(team_not_found());
        }
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Team>> {
        let doc = self
            .teams()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        Ok(doc.map(Team::from))
    }

    async fn list(&self) -> Result<Vec<Team>> {
        let docs: Vec<TeamDocument> = self
            .teams()
            .find(doc! {})
            .sort(doc! {"tsurud_order": 1, "_id": 1})
            .await
            .map_err(db_error)?
            .try_collect()
            .await
            .map_err(db_error)?;
        Ok(docs.into_iter().map(Team::from).collect())
    }

    async fn set_quota(&self, name: &str, quota: Quota) -> Result<()> {
        let r = self
            .teams()
            .update_one(
                doc! {"_id": name},
                doc! {"$set": {"quota": {"limit": quota.limit, "inuse": quota.inuse}}},
            )
            .await
            .map_err(db_error)?;
        if r.matched_count == 0 {
            return Err(team_not_found());
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let r = self
            .teams()
            .delete_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(team_not_found());
        }
        Ok(())
    }
}
