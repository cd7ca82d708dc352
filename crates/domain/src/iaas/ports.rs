use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{Machine, Template};
use crate::records::Records;
use crate::Result;

/// Recorded machines (tsuru collection `iaas_machines`, keyed by the provider's id).
#[async_trait]
pub trait MachineStorage: Records<Machine> {
    /// The first machine at this address (host name or IP, without scheme or port).
    async fn find_by_address(&self, address: &str) -> Result<Option<Machine>>;
}

/// Machine templates (tsuru collection `iaas_template`, keyed by name).
#[async_trait]
pub trait TemplateStorage: Records<Template> {
    /// Replaces a template.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `template not found` when it does not exist.
    async fn update(&self, template: &Template) -> Result<()>;
}

/// A provider of machines (tsuru `iaas.IaaS`): one configured IaaS such as EC2.
///
/// Every call is bounded in time; a failure of the provider is an
/// [`crate::Error::Upstream`] whose text names the IaaS.
#[async_trait]
pub trait Iaas: Send + Sync {
    /// Starts a machine from creation parameters; the answer carries the provider's id,
    /// status and address (the address may be empty while the machine boots).
    ///
    /// # Errors
    /// 400 for missing parameters; the provider's refusal or absence.
    async fn create_machine(&self, params: &BTreeMap<String, String>) -> Result<Machine>;
    /// The provider's current view of a machine (status and address), `None` if unknown.
    ///
    /// # Errors
    /// The provider's failure.
    async fn describe_machine(&self, id: &str) -> Result<Option<Machine>>;
    /// Destroys a machine.
    ///
    /// # Errors
    /// The provider's refusal (an unknown id included) or absence.
    async fn destroy_machine(&self, id: &str) -> Result<()>;
    /// What this IaaS needs in the creation parameters (tsuru's `Describe`).
    fn describe(&self) -> String;
}
