//! Roles.
use async_trait::async_trait;
use tsuru_domain::permission::{Role, RoleStorage};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl RoleStorage for MemoryStore {
    async fn insert(&self, role: &Role) -> Result<()> {
        let mut roles = self.roles.write();
        if roles.contains_key(&role.name) {
            return Err(Error::conflict(
                tsuru_domain::permission::ROLE_ALREADY_EXISTS,
            ));
        }
        roles.insert(role.name.clone(), role.clone());
        Ok(())
    }

    async fn update(&self, role: &Role) -> Result<()> {
        match self.roles.write().get_mut(&role.name) {
            Some(r) => {
                *r = role.clone();
                Ok(())
            }
            None => Err(Error::not_found(tsuru_domain::permission::ROLE_NOT_FOUND)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<Role>> {
        Ok(self.roles.read().get(name).cloned())
    }

    async fn find_many(&self, names: &[String]) -> Result<Vec<Role>> {
        let roles = self.roles.read();
        let mut out: Vec<Role> = Vec::new();
        for n in names {
            if let Some(r) = roles.get(n) {
                if !out.iter().any(|o| &o.name == n) {
                    out.push(r.clone());
                }
            }
        }
        Ok(out)
    }

    async fn list(&self) -> Result<Vec<Role>> {
        Ok(self.roles.read().values().cloned().collect())
    }

    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>> {
        Ok(self
            .roles
            .read()
            .values()
            .filter(|r| r.events.iter().any(|e| e == event))
            .cloned()
            .collect())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.roles
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(tsuru_domain::permission::ROLE_NOT_FOUND))
    }
}
