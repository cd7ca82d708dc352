//! Roles.
use async_trait::async_trait;
use tsuru_domain::permission::{Role, RoleStorage, ROLE_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl RoleStorage for MemoryStore {
    async fn update(&self, role: &Role) -> Result<()> {
        self.roles.replace(&role.name, role, ROLE_NOT_FOUND)
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

    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>> {
        Ok(self.roles.filtered(|r| r.events.iter().any(|e| e == event)))
    }
}
