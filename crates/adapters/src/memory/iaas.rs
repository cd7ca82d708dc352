//! IaaS machines and templates.
use async_trait::async_trait;
use tsuru_domain::iaas::{
    template_already_exists, Machine, MachineStorage, Template, TemplateStorage,
    MACHINE_ALREADY_EXISTS, MACHINE_NOT_FOUND, TEMPLATE_NOT_FOUND,
};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl MachineStorage for MemoryStore {
    async fn insert(&self, machine: &Machine) -> Result<()> {
        self.machines
            .add(machine.id.clone(), machine, MACHINE_ALREADY_EXISTS)
    }

    async fn find(&self, id: &str) -> Result<Option<Machine>> {
        Ok(self.machines.get(id))
    }

    async fn find_by_address(&self, address: &str) -> Result<Option<Machine>> {
        Ok(self
            .machines
            .read()
            .values()
            .find(|m| m.address == address)
            .cloned())
    }

    async fn list(&self) -> Result<Vec<Machine>> {
        Ok(self.machines.all())
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.machines.remove(id, MACHINE_NOT_FOUND).map(drop)
    }
}

#[async_trait]
impl TemplateStorage for MemoryStore {
    async fn insert(&self, template: &Template) -> Result<()> {
        self.iaas_templates.add(
            template.name.clone(),
            template,
            template_already_exists(&template.name).as_str(),
        )
    }

    async fn find(&self, name: &str) -> Result<Option<Template>> {
        Ok(self.iaas_templates.get(name))
    }

    async fn list(&self) -> Result<Vec<Template>> {
        Ok(self.iaas_templates.all())
    }

    async fn update(&self, template: &Template) -> Result<()> {
        self.iaas_templates
            .replace(&template.name, template, TEMPLATE_NOT_FOUND)
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.iaas_templates
            .remove(name, TEMPLATE_NOT_FOUND)
            .map(drop)
    }
}
