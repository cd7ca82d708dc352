//! Pools and their constraints: tsuru's `pool` and `pool_constraints` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_ALREADY_EXISTS, POOL_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::collections::{POOLS, POOL_CONSTRAINTS};
use super::doctor::{Reader, StoredDocument};
use super::write_lock::delete_or;
use super::{db_error, insertion_stamp, is_duplicate_key, null_as_default};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PoolDocument {
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

impl super::MongoStore {
    fn pools(&self) -> Collection<PoolDocument> {
        self.coll(POOLS)
    }

    fn pool_constraints(&self) -> Collection<ConstraintDocument> {
        self.coll(POOL_CONSTRAINTS)
    }
}

#[async_trait]
impl PoolStorage for super::MongoStore {
    async fn insert(&self, pool: &Pool) -> Result<()> {
        let d = PoolDocument {
            name: pool.name.clone(),
            default: pool.default,
            provisioner: pool.provisioner.clone(),
            labels: pool.labels.clone(),
            tsurud_order: insertion_stamp(),
        };
        match self.pools().insert_one(d).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict(POOL_ALREADY_EXISTS)),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<Pool>> {
        let d = self
            .pools()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        Ok(d.map(|d| Pool {
            name: d.name,
            default: d.default,
            provisioner: d.provisioner,
            labels: d.labels,
        }))
    }

    async fn list(&self) -> Result<Vec<Pool>> {
        let docs = self
            .all(self.pools(), doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Pool {
                name: d.name,
                default: d.default,
                provisioner: d.provisioner,
                labels: d.labels,
            })
            .collect())
    }

    async fn update(&self, pool: &Pool) -> Result<()> {
        let labels: Document = pool
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Bson::String(v.clone())))
            .collect();
        let r = self
            .pools()
            .update_one(
                doc! {"_id": &pool.name},
                doc! {"$set": {"default": pool.default, "provisioner": &pool.provisioner, "labels": labels}},
            )
            .await
            .map_err(db_error)?;
        if r.matched_count == 0 {
            return Err(Error::not_found(POOL_NOT_FOUND));
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        delete_or(&self.pools(), doc! {"_id": name}, || {
            Error::not_found(POOL_NOT_FOUND)
        })
        .await
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        let docs = self
            .all(
                self.pool_constraints(),
                doc! {},
                doc! {"poolexpr": 1, "field": 1},
            )
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Constraint {
                pool_expr: d.poolexpr,
                field: d.field,
                values: d.values,
                blacklist: d.blacklist,
            })
            .collect())
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
            self.pool_constraints()
                .replace_one(doc! {"poolexpr": &c.pool_expr, "field": &c.field}, d)
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        let key = format!("{POOL_CONSTRAINTS}/{pool_expr}/{field}");
        self.exclusive(key, || async {
            self.pool_constraints()
                .delete_many(doc! {"poolexpr": pool_expr, "field": field})
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] = &[
    Reader::of::<PoolDocument>(),
    Reader::of::<ConstraintDocument>(),
];

impl StoredDocument for PoolDocument {
    const COLLECTION: &'static str = POOLS;
}

impl StoredDocument for ConstraintDocument {
    const COLLECTION: &'static str = POOL_CONSTRAINTS;
    const LABEL: Option<&'static str> = Some("poolexpr");
}
