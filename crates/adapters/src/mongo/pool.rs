//! Pools and their constraints: tsuru's `pool` and `pool_constraints` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::collections::{POOLS, POOL_CONSTRAINTS};
use super::records::Stored;
use super::{db_error, insertion_stamp, null_as_default};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PoolDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    provisioner: String,
    #[serde(default, deserialize_with = "null_as_default")]
    labels: BTreeMap<String, String>,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConstraintDocument {
    poolexpr: String,
    field: String,
    #[serde(default, deserialize_with = "null_as_default")]
    values: Vec<String>,
    #[serde(default)]
    blacklist: bool,
}

impl From<PoolDocument> for Pool {
    fn from(d: PoolDocument) -> Self {
        Pool { name: d.name, default: d.default, provisioner: d.provisioner, labels: d.labels }
    }
}

impl From<ConstraintDocument> for Constraint {
    fn from(d: ConstraintDocument) -> Self {
        Constraint {
            pool_expr: d.poolexpr,
            field: d.field,
            values: d.values,
            blacklist: d.blacklist,
        }
    }
}

#[async_trait]
impl PoolStorage for super::MongoStore {
    async fn update(&self, pool: &Pool) -> Result<()> {
        let labels: Document =
            pool.labels.iter().map(|(k, v)| (k.clone(), Bson::String(v.clone()))).collect();
        self.update_or::<PoolDocument>(doc! {"_id": &pool.name}, doc! {"$set": {"default": pool.default, "provisioner": &pool.provisioner, "labels": labels}}, || Error::not_found(POOL_NOT_FOUND)).await
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        let docs =
            self.all::<ConstraintDocument>(doc! {}, doc! {"poolexpr": 1, "field": 1}).await?;
        Ok(docs.into_iter().map(Constraint::from).collect())
    }

    async fn set_constraint(&self, c: &Constraint) -> Result<()> {
        let key = format!("{POOL_CONSTRAINTS}/{}/{}", c.pool_expr, c.field);
        self.exclusive(key, || async {
            let d = ConstraintDocument {
                poolexpr: c.pool_expr.clone(),
                field: c.field.clone(),
                values: c.values.clone(),
                blacklist: c.blacklist,
            };
            self.upsert::<ConstraintDocument>(
                doc! {"poolexpr": &c.pool_expr, "field": &c.field},
                d,
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        let key = format!("{POOL_CONSTRAINTS}/{pool_expr}/{field}");
        self.exclusive(key, || async {
            self.docs::<ConstraintDocument>()
                .delete_many(doc! {"poolexpr": pool_expr, "field": field})
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

impl Stored for Pool {
    type Doc = PoolDocument;
}

impl From<&Pool> for PoolDocument {
    fn from(pool: &Pool) -> Self {
        PoolDocument {
            name: pool.name.clone(),
            default: pool.default,
            provisioner: pool.provisioner.clone(),
            labels: pool.labels.clone(),
            tsurud_order: insertion_stamp(),
        }
    }
}

super::doctor::stored! {
    PoolDocument => POOLS;
    ConstraintDocument => POOL_CONSTRAINTS, label "poolexpr";
}
