//! Records stored under a unique name: the storage operations every such aggregate shares.
//!
//! An aggregate says what its name is and how it refuses a taken or a missing one ([`Named`]);
//! its storage port extends [`Records`] with what only it needs. The adapters implement
//! [`Records`] once for every named aggregate, so a new one gets insert, find, list and delete
//! on every store, and the contract suites check them the same way.
use async_trait::async_trait;

use crate::{Error, Result};

/// An aggregate stored under a unique name.
pub trait Named: Clone + Send + Sync + 'static {
    /// The name it is stored under.
    fn key(&self) -> &str;
    /// tsuru's answer when its name is taken (a conflict).
    fn taken(&self) -> Error;
    /// tsuru's answer when no record has the name asked for (not found).
    fn missing() -> Error;
}

/// Storage of the named aggregate `T`.
#[async_trait]
pub trait Records<T: Named>: Send + Sync {
    /// Stores `record`.
    ///
    /// # Errors
    /// MUST return [`Named::taken`] when its key is taken.
    async fn insert(&self, record: &T) -> Result<()>;
    /// The record named `name`.
    async fn find(&self, name: &str) -> Result<Option<T>>;
    /// Every record, in the aggregate's list order (insertion order unless its port says
    /// otherwise).
    async fn list(&self) -> Result<Vec<T>>;
    /// Deletes the record named `name`.
    ///
    /// # Errors
    /// MUST return [`Named::missing`] when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
}

/// Makes `record` [`Named`] by its field `key`, with tsuru's conflict text `taken` and
/// not-found text `missing`.
macro_rules! named {
    ($record:ty, $key:ident, $taken:expr, $missing:expr) => {
        impl $crate::records::Named for $record {
            fn key(&self) -> &str {
                &self.$key
            }
            fn taken(&self) -> $crate::Error {
                $crate::Error::conflict($taken)
            }
            fn missing() -> $crate::Error {
                $crate::Error::not_found($missing)
            }
        }
    };
}
pub(crate) use named;
