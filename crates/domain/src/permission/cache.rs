//! Role definitions as authentication reads them: from a snapshot of every role, taken again
//! when older than a second, so a request costs no role lookup while the permissions of a
//! changed role reach every process within that second (at once in the process that changed
//! it).
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{Role, RoleStorage};
use crate::records::Records;
use crate::Result;

/// How old a snapshot may get before the next lookup takes a new one.
pub const ROLE_SNAPSHOT_TTL: Duration = Duration::from_secs(1);

/// Every role by name, and when that was read.
type Snapshot = (Instant, Arc<HashMap<String, Role>>);

/// A [`RoleStorage`] whose `find_many` answers from a shared snapshot; every other call, and
/// every write, goes to the wrapped storage (writes also drop the snapshot).
pub struct CachedRoles {
    storage: Arc<dyn RoleStorage>,
    ttl: Duration,
    snapshot: Mutex<Option<Snapshot>>,
}

impl std::fmt::Debug for CachedRoles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedRoles").field("ttl", &self.ttl).finish()
    }
}

impl CachedRoles {
    /// Role lookups on `storage` with snapshots at most `ttl` old.
    pub fn new(storage: Arc<dyn RoleStorage>, ttl: Duration) -> Self {
        CachedRoles { storage, ttl, snapshot: Mutex::new(None) }
    }

    fn drop_snapshot(&self) {
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    async fn current(&self) -> Result<Arc<HashMap<String, Role>>> {
        if let Some((taken, roles)) = &*self.snapshot.lock().unwrap_or_else(PoisonError::into_inner)
        {
            if taken.elapsed() < self.ttl {
                return Ok(roles.clone());
            }
        }
        let taken = Instant::now();
        let roles: Arc<HashMap<String, Role>> =
            Arc::new(self.storage.list().await?.into_iter().map(|r| (r.name.clone(), r)).collect());
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((taken, roles.clone()));
        Ok(roles)
    }
}

#[async_trait]
impl Records<Role> for CachedRoles {
    async fn insert(&self, role: &Role) -> Result<()> {
        let result = self.storage.insert(role).await;
        self.drop_snapshot();
        result
    }

    async fn find(&self, name: &str) -> Result<Option<Role>> {
        self.storage.find(name).await
    }

    async fn list(&self) -> Result<Vec<Role>> {
        self.storage.list().await
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let result = self.storage.delete(name).await;
        self.drop_snapshot();
        result
    }
}

#[async_trait]
impl RoleStorage for CachedRoles {
    async fn update(&self, role: &Role) -> Result<()> {
        let result = self.storage.update(role).await;
        self.drop_snapshot();
        result
    }

    async fn find_many(&self, names: &[String]) -> Result<Vec<Role>> {
        let roles = self.current().await?;
        Ok(names.iter().filter_map(|n| roles.get(n).cloned()).collect())
    }

    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>> {
        self.storage.list_by_event(event).await
    }
}
