//! [`Records`] for every named aggregate: one implementation over the aggregate's table.
use async_trait::async_trait;
use tsuru_domain::iaas::{Machine, Template};
use tsuru_domain::permission::Role;
use tsuru_domain::plan::Plan;
use tsuru_domain::platform::Platform;
use tsuru_domain::pool::Pool;
use tsuru_domain::records::{Named, Records};
use tsuru_domain::service::{Broker, Service};
use tsuru_domain::team::Team;
use tsuru_domain::user::User;
use tsuru_domain::webhook::Webhook;
use tsuru_domain::Result;

use super::{MemoryStore, Table};

/// Where the store keeps the named aggregate `T`.
pub(crate) trait Kept<T> {
    /// Its table, by key.
    fn table(&self) -> &Table<String, T>;
    /// Keeps what else goes with a record about to be inserted; called while the table's
    /// write lock is held and the key is free.
    fn keep(&self, _record: &T) {}
    /// Forgets what else was kept for a deleted record; called while the table's write lock
    /// is held, so no write to the record's key runs meanwhile.
    fn forget(&self, _removed: &T) {}
}

#[async_trait]
impl<T: Named> Records<T> for MemoryStore
where
    MemoryStore: Kept<T>,
{
    async fn insert(&self, record: &T) -> Result<()> {
        let mut rows = self.table().write();
        if rows.contains_key(record.key()) {
            return Err(record.taken());
        }
        self.keep(record);
        rows.insert(record.key().to_string(), record.clone());
        Ok(())
    }

    async fn find(&self, key: &str) -> Result<Option<T>> {
        Ok(self.table().get(key))
    }

    async fn list(&self) -> Result<Vec<T>> {
        Ok(self.table().all())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let mut rows = self.table().write();
        let removed = rows.shift_remove(key).ok_or_else(T::missing)?;
        self.forget(&removed);
        Ok(())
    }
}

/// Names the table of each named aggregate.
macro_rules! kept {
    ($($record:ty => $table:ident),* $(,)?) => {
        $(impl Kept<$record> for MemoryStore {
            fn table(&self) -> &Table<String, $record> {
                &self.$table
            }
        })*
    };
}

kept!(
    Pool => pools,
    Service => services,
    Broker => brokers,
    Machine => machines,
    Template => iaas_templates,
    Role => roles,
    Plan => plans,
    Team => teams,
    Webhook => webhooks,
);

impl Kept<Platform> for MemoryStore {
    fn table(&self) -> &Table<String, Platform> {
        &self.platforms
    }
    /// The platform's image history goes with it (the platforms' lock is taken first, as in
    /// `add_version`, so a concurrent build cannot leave history behind a deleted platform).
    fn forget(&self, removed: &Platform) {
        self.platform_versions.write().shift_remove(&removed.name);
    }
}

/// A user's API key finds it.
impl Kept<User> for MemoryStore {
    fn table(&self) -> &Table<String, User> {
        &self.users
    }
    fn keep(&self, user: &User) {
        if !user.api_key.is_empty() {
            self.api_keys.write().insert(user.api_key.clone(), user.email.clone());
        }
    }
    fn forget(&self, removed: &User) {
        self.api_keys.write().shift_remove(&removed.api_key);
    }
}
