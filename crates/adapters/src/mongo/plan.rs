//! Plans: tsuru's `plans` collection (and the plan embedded in each app).
use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::plan::{Plan, PlanOverride, PlanStorage, PLAN_ALREADY_EXISTS, PLAN_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::collections::PLANS;
use super::doctor::{Reader, StoredDocument};
use super::{db_error, insertion_stamp, null_as_default};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct OverrideDocument {
    #[serde(default)]
    pub(super) memory: Option<i64>,
    #[serde(default)]
    pub(super) cpumilli: Option<i64>,
}

/// tsuru's plan (embedded in apps, and the `plans` documents with `_id` = name).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlanDocument {
    #[serde(rename = "_id", alias = "name")]
    name: String,
    #[serde(default)]
    memory: i64,
    #[serde(default)]
    cpumilli: i64,
    #[serde(default)]
    default: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    r#override: OverrideDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Plan> for PlanDocument {
    fn from(p: &Plan) -> Self {
        PlanDocument {
            name: p.name.clone(),
            memory: p.memory,
            cpumilli: p.cpumilli,
            default: p.default,
            r#override: OverrideDocument {
                memory: p.r#override.memory,
                cpumilli: p.r#override.cpumilli,
            },
            tsurud_order: None,
        }
    }
}

impl From<PlanDocument> for Plan {
    fn from(d: PlanDocument) -> Self {
        Plan {
            name: d.name,
            memory: d.memory,
            cpumilli: d.cpumilli,
            default: d.default,
            r#override: PlanOverride {
                memory: d.r#override.memory,
                cpumilli: d.r#override.cpumilli,
            },
        }
    }
}

#[async_trait]
impl PlanStorage for super::MongoStore {
    async fn insert(&self, plan: &Plan) -> Result<()> {
        let mut d = PlanDocument::from(plan);
        d.tsurud_order = Some(insertion_stamp());
        self.insert_or::<PlanDocument>(d, || Error::conflict(PLAN_ALREADY_EXISTS))
            .await
    }

    async fn list(&self) -> Result<Vec<Plan>> {
        let docs = self
            .all::<PlanDocument>(doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(docs.into_iter().map(Plan::from).collect())
    }

    async fn find(&self, name: &str) -> Result<Option<Plan>> {
        self.find_as::<PlanDocument, _>(doc! {"_id": name}).await
    }

    async fn clear_default(&self) -> Result<()> {
        self.docs::<PlanDocument>()
            .update_many(doc! {"default": true}, doc! {"$set": {"default": false}})
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.delete_or::<PlanDocument>(doc! {"_id": name}, || Error::not_found(PLAN_NOT_FOUND))
            .await
    }
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] = &[Reader::of::<PlanDocument>()];

impl StoredDocument for PlanDocument {
    const COLLECTION: &'static str = PLANS;
}
