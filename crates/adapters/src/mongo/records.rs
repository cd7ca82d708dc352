//! The record operations the collections share: insert unless a unique key is taken, find one
//! as a domain value, and update, replace or delete one that must exist. Each works on the
//! collection of its document type ([`StoredDocument::COLLECTION`]) and takes the aggregate's
//! own error for a taken or a missing record.
use mongodb::bson::Document;
use serde::Serialize;
use tsuru_domain::{Error, Result};

use super::doctor::StoredDocument;
use super::{db_error, is_duplicate_key};

impl super::MongoStore {
    /// Inserts `doc`; a taken unique key is `taken()`.
    pub(crate) async fn insert_or<D>(&self, doc: D, taken: impl FnOnce() -> Error) -> Result<()>
    where
        D: StoredDocument + Serialize + Send + Sync,
    {
        match self.docs::<D>().insert_one(doc).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(taken()),
            Err(e) => Err(db_error(e)),
        }
    }

    /// The document `D` matching `filter`, as the domain value `T`.
    pub(crate) async fn find_as<D, T>(&self, filter: Document) -> Result<Option<T>>
    where
        D: StoredDocument + Send + Sync,
        T: From<D>,
    {
        let found = self.docs::<D>().find_one(filter).await.map_err(db_error)?;
        Ok(found.map(T::from))
    }

    /// Applies `update` to the document `D` matching `filter`; none matching is `missing()`.
    pub(crate) async fn update_or<D>(
        &self,
        filter: Document,
        update: Document,
        missing: impl FnOnce() -> Error,
    ) -> Result<()>
    where
        D: StoredDocument + Send + Sync,
    {
        let coll = self.docs::<D>();
        let r = coll.update_one(filter, update).await.map_err(db_error)?;
        found(r.matched_count, missing)
    }

    /// Replaces the document matching `filter` with `doc`; none matching is `missing()`.
    pub(crate) async fn replace_or<D>(
        &self,
        filter: Document,
        doc: D,
        missing: impl FnOnce() -> Error,
    ) -> Result<()>
    where
        D: StoredDocument + Serialize + Send + Sync,
    {
        let coll = self.docs::<D>();
        let r = coll.replace_one(filter, doc).await.map_err(db_error)?;
        found(r.matched_count, missing)
    }

    /// Deletes the document `D` matching `filter`; none matching is `missing()`.
    pub(crate) async fn delete_or<D>(
        &self,
        filter: Document,
        missing: impl FnOnce() -> Error,
    ) -> Result<()>
    where
        D: StoredDocument + Send + Sync,
    {
        let coll = self.docs::<D>();
        let r = coll.delete_one(filter).await.map_err(db_error)?;
        found(r.deleted_count, missing)
    }
}

/// `missing()` when a write matched no document (`count` is 0).
fn found(count: u64, missing: impl FnOnce() -> Error) -> Result<()> {
    if count == 0 {
        return Err(missing());
    }
    Ok(())
}
