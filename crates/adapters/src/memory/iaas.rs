//! IaaS machines and templates.
use async_trait::async_trait;
use tsuru_domain::iaas::{
    template_already_exists, Machine, MachineStorage, Template, TemplateStorage,
    MACHINE_ALREADY_EXISTS, MACHINE_NOT_FOUND, TEMPLATE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl MachineStorage for MemoryStore {
    async fn insert(&self, machine: &Machine) -> Result<()> {
        let mut all = self.machines.write();
        if all.contains_key(&machine.id) {
            return Err(Error::conflict(MACHINE_ALREADY_EXISTS));
        }
        all.insert(machine.id.clone(), machine.clone());
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<Machine>> {
        Ok(self.machines.read().get(id).cloned())
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
        Ok(self.machines.read().values().cloned().collect())
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.machines
            .write()
            .shift_remove(id)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(MACHINE_NOT_FOUND))
    }
}

#[async_trait]
impl TemplateStorage for MemoryStore {
    async fn insert(&self, template: &Template) -> Result<()> {
        let mut all = self.iaas_templates.write();
        if all.contains_key(&template.name) {
            return Err(Error::conflict(template_already_exists(&template.name)));
        }
        all.insert(template.name.clone(), template.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Template>> {
        Ok(self.iaas_templates.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Template>> {
        Ok(self.iaas_templates.read().values().cloned().collect())
    }

    async fn update(&self, template: &Template) -> Result<()> {
        match self.iaas_templates.write().get_mut(&template.name) {
            Some(t) => {
                *t = template.clone();
                Ok(())
            }
            None => Err(Error::not_found(TEMPLATE_NOT_FOUND)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.iaas_templates
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(TEMPLATE_NOT_FOUND))
    }
}
