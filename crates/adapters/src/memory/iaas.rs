//! IaaS machines and templates.
use async_trait::async_trait;
use tsuru_domain::iaas::{Machine, MachineStorage, Template, TemplateStorage, TEMPLATE_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl MachineStorage for MemoryStore {
    async fn find_by_address(&self, address: &str) -> Result<Option<Machine>> {
        Ok(self.machines.read().values().find(|m| m.address == address).cloned())
    }
}

#[async_trait]
impl TemplateStorage for MemoryStore {
    async fn update(&self, template: &Template) -> Result<()> {
        self.iaas_templates.replace(&template.name, template, TEMPLATE_NOT_FOUND)
    }
}
