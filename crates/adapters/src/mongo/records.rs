//! The record operations the collections share: insert unless a unique key is taken, find one
//! as a domain value, and update, replace or delete one that must exist. Each takes the
//! aggregate's own error for a taken or a missing record.
use mongodb::bson::Document;
use mongodb::Collection;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tsuru_domain::{Error, Result};

use super::{db_error, is_duplicate_key};

/// Inserts `doc`; a taken unique key is `taken()`.
pub(crate) async fn insert_or<T: Serialize + Send + Sync>(
    coll: &Collection<T>,
    doc: T,
    taken: impl FnOnce() -> Error,
) -> Result<()> {
    match coll.insert_one(doc).await {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate_key(&e) => Err(taken()),
        Err(e) => Err(db_error(e)),
    }
}

/// The document matching `filter`, as a domain value.
pub(crate) async fn find_as<T, D>(coll: &Collection<T>, filter: Document) -> Result<Option<D>>
where
    T: DeserializeOwned + Send + Sync,
    D: From<T>,
{
    Ok(coll.find_one(filter).await.map_err(db_error)?.map(D::from))
}

/// Applies `update` to the document matching `filter`; none matching is `missing()`.
pub(crate) async fn update_or<T: Send + Sync>(
    coll: &Collection<T>,
    filter: Document,
    update: Document,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let r = coll.update_one(filter, update).await.map_err(db_error)?;
    if r.matched_count == 0 {
        return Err(missing());
    }
    Ok(())
}

/// Replaces the document matching `filter` with `doc`; none matching is `missing()`.
pub(crate) async fn replace_or<T: Serialize + Send + Sync>(
    coll: &Collection<T>,
    filter: Document,
    doc: T,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let r = coll.replace_one(filter, doc).await.map_err(db_error)?;
    if r.matched_count == 0 {
        return Err(missing());
    }
    Ok(())
}

/// Deletes the document matching `filter`; none matching is `missing()`.
pub(crate) async fn delete_or<T: Send + Sync>(
    coll: &Collection<T>,
    filter: Document,
    missing: impl FnOnce() -> Error,
) -> Result<()> {
    let r = coll.delete_one(filter).await.map_err(db_error)?;
    if r.deleted_count == 0 {
        return Err(missing());
    }
    Ok(())
}
