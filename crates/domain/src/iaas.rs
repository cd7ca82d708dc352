//! IaaS machines and machine templates (tsuru `iaas/`): machines created through a provider
//! (EC2, ...) and recorded, so nodes can be added on new machines and removed with them.
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::{Iaas, MachineStorage, TemplateStorage};
pub use service::{IaasService, IaasSettings, TemplateUpdate};
