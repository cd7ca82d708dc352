//! Short write locks, so read-modify-write of one document is atomic on FerretDB too.
//!
//! FerretDB 1.x applies every update by reading the document, changing it in Go and writing the
//! whole document back, with nothing in between held: two concurrent `$inc` lose one, and a
//! `$set` of one field can undo a concurrent change of another. What it does keep atomic is
//! an insert against a unique index, and a delete by `_id` (exactly one deleter counts it).
//! So a writer that must not lose updates first inserts `{key, acquired}` into `write_locks`
//! (unique on `key`; `_id` unique per acquisition, so removing a lock never removes a later
//! one), updates, then deletes its lock. A lock older than [`LEASE`] belongs to a writer that
//! died or lost the database mid-update, and the next writer removes it. On MongoDB the same
//! code runs; it costs two small round-trips per write.
use std::future::Future;
use std::time::Duration;

use mongodb::bson::{self, doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::{Error, Result};

use super::collections::WRITE_LOCKS;
use super::doctor::StoredDocument;
use super::{db_error, is_duplicate_key};

/// How long a lock may be held before others take it over.
pub(crate) const LEASE: Duration = Duration::from_secs(5);
/// How long a writer waits for a lock before giving up.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Serialize, Deserialize)]
struct WriteLockDocument {
    #[serde(rename = "_id")]
    id: ObjectId,
    key: String,
    acquired: bson::DateTime,
}

impl super::MongoStore {
    /// Runs `f` holding the write lock `key` (`<collection>/<document key>`).
    pub(crate) async fn exclusive<T, F, Fut>(&self, key: String, f: F) -> Result<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let id = self.lock(&key).await?;
        let out = f().await;
        if let Err(e) =
            self.docs::<WriteLockDocument>().delete_one(doc! {"_id": id}).await.map_err(db_error)
        {
            // It expires after LEASE.
            tracing::warn!(key, error = %e, "could not release a write lock");
        }
        out
    }

    async fn lock(&self, key: &str) -> Result<ObjectId> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let id = ObjectId::new();
            let mine =
                WriteLockDocument { id, key: key.to_string(), acquired: bson::DateTime::now() };
            match self.docs::<WriteLockDocument>().insert_one(mine).await {
                Ok(_) => return Ok(id),
                Err(e) if is_duplicate_key(&e) => {}
                Err(e) => return Err(db_error(e)),
            }
            let held = self.one::<WriteLockDocument>(doc! {"key": key}).await?;
            if let Some(held) = held {
                let age =
                    bson::DateTime::now().timestamp_millis() - held.acquired.timestamp_millis();
                if age > i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX) {
                    tracing::warn!(key, "taking over an expired write lock");
                    self.docs::<WriteLockDocument>()
                        .delete_one(doc! {"_id": held.id})
                        .await
                        .map_err(db_error)?;
                    continue;
                }
            }
            if started.elapsed() > WAIT {
                return Err(Error::Unavailable(format!(
                    "database busy: {key} stayed locked for {}s",
                    WAIT.as_secs()
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }
}

/// The two shared write patterns: "lock, read, change, write back" on one document, under its
/// write lock `<collection>/<key>`.
impl super::MongoStore {
    /// Lock, read, write: reads the document matching `filter` under the write lock
    /// `<collection>/<key>`, and writes back what `change` makes of it: a whole replacement
    /// (which keeps nothing of the stored document that `T` does not model) or an update
    /// document (`{"$set": ..}`, which keeps the fields `T` does not model).
    ///
    /// # Errors
    /// `not_found()` when no document matches; what `change` returns; storage failures.
    pub(crate) async fn lock_read<T, F>(
        &self,
        key: &str,
        filter: bson::Document,
        not_found: impl FnOnce() -> Error + Send,
        change: F,
    ) -> Result<()>
    where
        T: StoredDocument + Serialize + Send + Sync,
        F: FnOnce(T) -> Result<Write<T>> + Send,
    {
        let coll = self.docs::<T>();
        self.exclusive(format!("{}/{key}", T::COLLECTION), || async move {
            let current =
                coll.find_one(filter.clone()).await.map_err(db_error)?.ok_or_else(not_found)?;
            match change(current)? {
                Write::Replace(t) => coll.replace_one(filter, t).await.map(drop),
                Write::Update(u) => coll.update_one(filter, u).await.map(drop),
            }
            .map_err(db_error)
        })
        .await
    }

    /// Applies `update` to the document matching `filter` under the write lock
    /// `<collection>/<key>`.
    ///
    /// # Errors
    /// `not_found()` when no document matches; storage failures.
    pub(crate) async fn lock_update<T>(
        &self,
        key: &str,
        filter: bson::Document,
        update: bson::Document,
        not_found: impl FnOnce() -> Error + Send,
    ) -> Result<()>
    where
        T: StoredDocument + Send + Sync,
    {
        self.exclusive(format!("{}/{key}", T::COLLECTION), || {
            self.update_or::<T>(filter, update, not_found)
        })
        .await
    }
}

/// What a locked read turns into.
pub(crate) enum Write<T> {
    /// A whole replacement.
    Replace(T),
    /// An update document.
    Update(bson::Document),
}

super::doctor::stored! {
    WriteLockDocument => WRITE_LOCKS, label "key";
}
