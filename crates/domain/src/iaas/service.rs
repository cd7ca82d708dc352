use std::collections::BTreeMap;
use std::sync::Arc;

use derive_new::new;

use super::{
    iaas_not_registered, template_already_exists, Iaas, Machine, MachineStorage, Template,
    TemplateData, TemplateStorage, DESTROY_FAILED, MACHINE_NOT_FOUND, NO_DEFAULT_IAAS,
    TEMPLATE_NAME_REQUIRED, TEMPLATE_NOT_FOUND,
};
use crate::event::{EventService, NewEvent};
use crate::permission::{contexts_for, Context, ContextType};
use crate::{Call, Error, Identity, Result};

/// Configuration of the IaaS use cases (tsuru `iaas:*` keys).
#[derive(Debug, Clone)]
pub struct IaasSettings {
    /// `iaas:default`: the IaaS used when the parameters name none.
    pub default: Option<String>,
    /// `iaas:node-protocol` (tsuru: `http`).
    pub node_protocol: String,
    /// `iaas:node-port` (tsuru: 2375).
    pub node_port: i64,
}

impl Default for IaasSettings {
    fn default() -> Self {
        IaasSettings { default: None, node_protocol: "http".into(), node_port: 2375 }
    }
}

/// A template change: a new IaaS name (when `Some` and not empty) and data to merge.
#[derive(Debug, Clone, Default)]
pub struct TemplateUpdate {
    /// New IaaS name.
    pub iaas_name: Option<String>,
    /// Keys to set; an empty value removes the key.
    pub data: Vec<TemplateData>,
}

/// Machine and template use cases.
#[derive(new)]
pub struct IaasService {
    machines: Arc<dyn MachineStorage>,
    templates: Arc<dyn TemplateStorage>,
    /// The configured providers, by IaaS name.
    providers: BTreeMap<String, Arc<dyn Iaas>>,
    settings: IaasSettings,
    events: Arc<EventService>,
}

fn iaas_ctx(name: &str) -> [Context; 1] {
    [Context::new(ContextType::Iaas, name)]
}

/// IaaS names `scheme` is granted on; `None` when granted globally.
fn allowed_iaases(identity: &Identity, scheme: &str) -> Option<Vec<String>> {
    let contexts = contexts_for(&identity.permissions, scheme, &[]);
    if crate::permission::any_global(&contexts) {
        return None;
    }
    Some(contexts.into_iter().filter(|c| c.ctype == ContextType::Iaas).map(|c| c.value).collect())
}

/// The `items` of the IaaSes (`iaas_of`) the caller holds `scheme` on.
fn readable<T>(
    identity: &Identity,
    scheme: &str,
    mut items: Vec<T>,
    iaas_of: fn(&T) -> &String,
) -> Vec<T> {
    if let Some(names) = allowed_iaases(identity, scheme) {
        items.retain(|item| names.contains(iaas_of(item)));
    }
    items
}

impl IaasService {
    /// Names of the configured IaaSes.
    pub fn iaas_names(&self) -> Vec<String> {
        self.providers.keys().cloned().collect()
    }

    fn provider(&self, name: &str) -> Result<&Arc<dyn Iaas>> {
        self.providers.get(name).ok_or_else(|| Error::bad_request(iaas_not_registered(name)))
    }

    /// What the IaaS named `name` takes (its parameters), `None` when it is not configured.
    pub fn describe(&self, name: &str) -> Option<String> {
        self.providers.get(name).map(|p| p.describe())
    }

    /// The IaaS used when parameters name none: `iaas:default`, else the only configured one,
    /// else `ec2` when configured.
    ///
    /// # Errors
    /// 400 `no default iaas configured`.
    pub fn default_iaas(&self) -> Result<String> {
        if let Some(d) = &self.settings.default {
            return Ok(d.clone());
        }
        if self.providers.len() == 1 {
            return Ok(self.providers.keys().next().cloned().unwrap_or_default());
        }
        if self.providers.contains_key("ec2") {
            return Ok("ec2".into());
        }
        Err(Error::bad_request(NO_DEFAULT_IAAS))
    }

    /// Machines of the IaaSes the caller may read (`machine.read`), in creation order.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list_machines(&self, identity: &Identity) -> Result<Vec<Machine>> {
        Ok(readable(identity, "machine.read", self.machines.list().await?, |m| &m.iaas))
    }

    /// The machine with this id, unchecked (for node use cases).
    ///
    /// # Errors
    /// 404 `machine not found`.
    pub async fn find_machine(&self, id: &str) -> Result<Machine> {
        self.machines.find(id).await?.ok_or_else(|| Error::not_found(MACHINE_NOT_FOUND))
    }

    /// The machine at this host (name or IP, no scheme or port), unchecked.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn find_machine_by_address(&self, address: &str) -> Result<Option<Machine>> {
        self.machines.find_by_address(address).await
    }

    /// The template with this name, unchecked (node add expands `Metadata.template`).
    ///
    /// # Errors
    /// 404 `template not found`.
    pub async fn find_template(&self, name: &str) -> Result<Template> {
        self.templates.find(name).await?.ok_or_else(|| Error::not_found(TEMPLATE_NOT_FOUND))
    }

    /// Creates a machine, unchecked (the caller's use case checks and records its event).
    ///
    /// The IaaS is `params["iaas"]` or the default one. A `template` parameter is expanded
    /// first (the other parameters win). The machine is recorded with the parameters, `iaas`
    /// included; if recording fails the machine is destroyed again, so nothing is left
    /// half-made.
    ///
    /// # Errors
    /// 400 for an unknown IaaS or template, or parameters the IaaS refuses; the provider's
    /// failure; storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn create_machine(&self, params: BTreeMap<String, String>) -> Result<Machine> {
        let mut params = params;
        if let Some(name) = params.remove("template") {
            let template = self
                .templates
                .find(&name)
                .await?
                .ok_or_else(|| Error::bad_request(TEMPLATE_NOT_FOUND))?;
            params = template.expand(&params);
        }
        let iaas_name = match params.get("iaas").filter(|v| !v.is_empty()) {
            Some(n) => n.clone(),
            None => self.default_iaas()?,
        };
        let provider = self.provider(&iaas_name)?;
        params.insert("iaas".into(), iaas_name.clone());
        let made = provider.create_machine(&params).await?;
        let machine = Machine {
            iaas: iaas_name,
            creation_params: params,
            protocol: self.settings.node_protocol.clone(),
            port: self.settings.node_port,
            ..made
        };
        if let Err(e) = self.machines.insert(&machine).await {
            if let Err(undo) = provider.destroy_machine(&machine.id).await {
                tracing::warn!(machine = %machine.id, error = %undo, "could not destroy a machine that was not recorded");
            }
            return Err(e);
        }
        Ok(machine)
    }

    /// Destroys a machine in its IaaS and forgets it, unchecked (node removal). With `force` the
    /// record goes even when the IaaS refuses.
    ///
    /// # Errors
    /// 502 `failed to destroy machine in the IaaS: <err>`; 400 when its IaaS is no longer
    /// configured (without `force`).
    #[tracing::instrument(skip_all, fields(machine = %machine.id))]
    pub async fn remove_machine(&self, machine: &Machine, force: bool) -> Result<()> {
        let destroyed = match self.provider(&machine.iaas) {
            Ok(p) => p
                .destroy_machine(&machine.id)
                .await
                .map_err(|e| Error::upstream(format!("{DESTROY_FAILED}: {e}"))),
            Err(e) => Err(e),
        };
        if let Err(e) = destroyed {
            if !force {
                return Err(e);
            }
            tracing::warn!(error = %e, "forced removal of a machine the IaaS did not destroy");
        }
        match self.machines.delete(&machine.id).await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }

    /// `DELETE /iaas/machines/{id}`: destroys a machine for a caller with `machine.delete` on
    /// its IaaS.
    ///
    /// # Errors
    /// 404 `machine not found`; 403; the IaaS failure (see [`IaasService::remove_machine`]).
    #[tracing::instrument(skip_all, fields(machine = %id))]
    pub async fn destroy_machine(&self, call: &Call, id: &str, force: bool) -> Result<()> {
        let machine = self.find_machine(id).await?;
        call.require("machine.delete", &iaas_ctx(&machine.iaas))?;
        let ev = NewEvent::on("iaas", &machine.iaas, "machine.delete", call);
        self.events.run(ev, self.remove_machine(&machine, force)).await
    }

    /// Templates of the IaaSes the caller may read (`machine.template.read`).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list_templates(&self, identity: &Identity) -> Result<Vec<Template>> {
        let all = self.templates.list().await?;
        Ok(readable(identity, "machine.template.read", all, |t| &t.iaas_name))
    }

    /// Creates a template for a caller with `machine.template.create` on its IaaS.
    ///
    /// # Errors
    /// 403; 400 `template name cannot be empty` or an IaaS that is not configured; 409
    /// `template name "<n>" already used`.
    #[tracing::instrument(skip_all, fields(template = %template.name))]
    pub async fn create_template(&self, call: &Call, template: Template) -> Result<()> {
        call.require("machine.template.create", &iaas_ctx(&template.iaas_name))?;
        if template.name.is_empty() {
            return Err(Error::bad_request(TEMPLATE_NAME_REQUIRED));
        }
        let ev = NewEvent::on("iaas", &template.iaas_name, "machine.template.create", call);
        self.events
            .run(ev, async {
                if self.templates.find(&template.name).await?.is_some() {
                    return Err(Error::conflict(template_already_exists(&template.name)));
                }
                self.provider(&template.iaas_name)?;
                self.templates.insert(&template).await
            })
            .await
    }

    /// Changes a template for a caller with `machine.template.update` on its IaaS (and on the
    /// new IaaS when it moves).
    ///
    /// # Errors
    /// 404 `template not found`; 403; 400 for an IaaS that is not configured.
    #[tracing::instrument(skip_all, fields(template = %name))]
    pub async fn update_template(
        &self,
        call: &Call,
        name: &str,
        update: TemplateUpdate,
    ) -> Result<()> {
        let mut template = self.find_template(name).await?;
        call.require("machine.template.update", &iaas_ctx(&template.iaas_name))?;
        let new_iaas = update.iaas_name.filter(|n| !n.is_empty());
        if let Some(n) = &new_iaas {
            call.require("machine.template.update", &iaas_ctx(n))?;
            self.provider(n)?;
        }
        let ev = NewEvent::on("iaas", &template.iaas_name, "machine.template.update", call);
        self.events
            .run(ev, async {
                if let Some(n) = new_iaas {
                    template.iaas_name = n;
                }
                template.merge(&update.data);
                self.templates.update(&template).await
            })
            .await
    }

    /// Deletes a template for a caller with `machine.template.delete` on its IaaS.
    ///
    /// # Errors
    /// 404 `template not found`; 403.
    #[tracing::instrument(skip_all, fields(template = %name))]
    pub async fn delete_template(&self, call: &Call, name: &str) -> Result<()> {
        let template = self.find_template(name).await?;
        call.require("machine.template.delete", &iaas_ctx(&template.iaas_name))?;
        let ev = NewEvent::on("iaas", &template.iaas_name, "machine.template.delete", call);
        self.events.run(ev, self.templates.delete(name)).await
    }
}
