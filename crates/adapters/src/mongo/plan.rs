//! Plans: tsuru's `plans` collection (and the plan embedded in each app).
use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::plan::{Plan, PlanOverride, PlanStorage};
use tsuru_domain::Result;

use super::collections::PLANS;
use super::records::Stored;
use super::{db_error, insertion_stamp, null_as_default};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct OverrideDocument {
    #[serde(default)]
    pub(super) memory: Option<i64>,
    #[serde(default)]
    pub(super) cpumilli: Option<i64>,
}

impl From<&PlanOverride> for OverrideDocument {
    fn from(o: &PlanOverride) -> Self {
        OverrideDocument { memory: o.memory, cpumilli: o.cpumilli }
    }
}

impl From<OverrideDocument> for PlanOverride {
    fn from(o: OverrideDocument) -> Self {
        PlanOverride { memory: o.memory, cpumilli: o.cpumilli }
    }
}

/// tsuru's plan (embedded in apps, and the `plans` documents with `_id` = name).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PlanDocument {
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
            r#override: OverrideDocument::from(&p.r#override),
            tsurud_order: Some(insertion_stamp()),
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
            r#override: PlanOverride::from(d.r#override),
        }
    }
}

#[async_trait]
impl PlanStorage for super::MongoStore {
    async fn clear_default(&self) -> Result<()> {
        self.docs::<PlanDocument>()
            .update_many(doc! {"default": true}, doc! {"$set": {"default": false}})
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

impl Stored for Plan {
    type Doc = PlanDocument;
}

super::doctor::stored! {
    PlanDocument => PLANS;
}
