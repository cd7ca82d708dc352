//! The record operations the collections share: insert unless a unique key is taken, find one
//! as a domain value, and update, replace or delete one that must exist. Each works on the
//! collection of its document type ([`StoredDocument::COLLECTION`]) and takes the aggregate's
//! own error for a taken or a missing record.
//!
//! On them, [`Records`] for every named aggregate that is [`Stored`].
use async_trait::async_trait;
use mongodb::bson::{doc, Document};
use serde::Serialize;
use tsuru_domain::records::{Named, Records};
use tsuru_domain::{Error, Result};

use super::doctor::StoredDocument;
use super::{db_error, is_duplicate_key};

/// How a named aggregate is stored: its document (made from a new record, stamped with its
/// insertion order, and read back with `TryFrom`), the field holding its key and its list order.
pub(crate) trait Stored: Named {
    /// Its document.
    type Doc: StoredDocument + Serialize + for<'a> From<&'a Self> + Send + Sync + Unpin;
    /// The field holding the record's key.
    const KEY: &'static str = "_id";
    /// A collection whose document of the same `_id` goes with the record: deleted with it,
    /// under that collection's write lock.
    const WITH: Option<&'static str> = None;
    /// The list order.
    fn order() -> Document {
        doc! {"tsurud_order": 1, Self::KEY: 1}
    }
}

#[async_trait]
impl<T> Records<T> for super::MongoStore
where
    T: Stored + TryFrom<T::Doc>,
    Error: From<T::Error>,
{
    async fn insert(&self, record: &T) -> Result<()> {
        self.insert_or::<T::Doc>(T::Doc::from(record), || record.taken()).await
    }

    async fn find(&self, key: &str) -> Result<Option<T>> {
        let found = self.one::<T::Doc>(doc! {T::KEY: key}).await?;
        Ok(found.map(T::try_from).transpose()?)
    }

    async fn list(&self) -> Result<Vec<T>> {
        let docs = self.all::<T::Doc>(doc! {}, T::order()).await?;
        // A record this build cannot represent is left out, so the others stay usable.
        Ok(docs
            .into_iter()
            .filter_map(|d| match T::try_from(d).map_err(Error::from) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, collection = T::Doc::COLLECTION, "skipping a record");
                    None
                }
            })
            .collect())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let filter = doc! {T::KEY: key};
        let Some(with) = T::WITH else {
            return self.delete_or::<T::Doc>(filter, T::missing).await;
        };
        self.exclusive(format!("{with}/{key}"), || async {
            self.delete_or::<T::Doc>(filter, T::missing).await?;
            self.coll::<Document>(with).delete_one(doc! {"_id": key}).await.map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

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

    /// The document `D` matching `filter`.
    pub(crate) async fn one<D: StoredDocument + Send + Sync>(
        &self,
        filter: Document,
    ) -> Result<Option<D>> {
        self.docs::<D>().find_one(filter).await.map_err(db_error)
    }

    /// The document `D` matching `filter`, as the domain value `T`.
    pub(crate) async fn find_as<D, T>(&self, filter: Document) -> Result<Option<T>>
    where
        D: StoredDocument + Send + Sync,
        T: From<D>,
    {
        Ok(self.one::<D>(filter).await?.map(T::from))
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

    /// Replaces the document `D` matching `filter` with `doc`, or inserts `doc`.
    pub(crate) async fn upsert<D>(
        &self,
        filter: Document,
        doc: impl std::borrow::Borrow<D> + Send + Sync,
    ) -> Result<()>
    where
        D: StoredDocument + Serialize + Send + Sync,
    {
        self.docs::<D>().replace_one(filter, doc).upsert(true).await.map_err(db_error)?;
        Ok(())
    }

    /// How many documents `D` match `filter`.
    pub(crate) async fn count<D: StoredDocument + Send + Sync>(
        &self,
        filter: Document,
    ) -> Result<usize> {
        let n = self.docs::<D>().count_documents(filter).await.map_err(db_error)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

/// `missing()` when a write matched no document (`count` is 0).
fn found(count: u64, missing: impl FnOnce() -> Error) -> Result<()> {
    if count == 0 {
        return Err(missing());
    }
    Ok(())
}
