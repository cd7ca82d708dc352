//! Wire types of `/iaas/machines` and `/iaas/templates`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::iaas::{Machine, Template, TemplateData};
use utoipa::{IntoParams, ToSchema};

/// A machine created through an IaaS (custom data and certificates are never sent).
#[derive(Serialize, ToSchema)]
pub struct MachineResponse {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Iaas")]
    iaas: String,
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "Address")]
    address: String,
    #[serde(rename = "Port")]
    port: i64,
    #[serde(rename = "Protocol")]
    protocol: String,
    #[serde(rename = "CreationParams")]
    creation_params: BTreeMap<String, String>,
}

impl From<Machine> for MachineResponse {
    fn from(m: Machine) -> Self {
        MachineResponse {
            id: m.id,
            iaas: m.iaas,
            status: m.status,
            address: m.address,
            port: m.port,
            protocol: m.protocol,
            creation_params: m.creation_params,
        }
    }
}

/// `?force=true` forgets the machine even when the IaaS cannot destroy it.
#[derive(Deserialize, ToSchema, IntoParams)]
pub struct DestroyMachineQuery {
    #[serde(default)]
    pub force: bool,
}

/// One template parameter.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TemplateDataBody {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

/// A machine template: named creation parameters for one IaaS.
#[derive(Serialize, ToSchema)]
pub struct TemplateResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "IaaSName")]
    iaas_name: String,
    #[serde(rename = "Data")]
    data: Vec<TemplateDataBody>,
}

impl From<Template> for TemplateResponse {
    fn from(t: Template) -> Self {
        TemplateResponse {
            name: t.name,
            iaas_name: t.iaas_name,
            data: t
                .data
                .into_iter()
                .map(|d| TemplateDataBody { name: d.name, value: d.value })
                .collect(),
        }
    }
}

/// A new template (form: `Name`, `IaaSName`, `Data.0.Name`, `Data.0.Value`, ...).
#[derive(Deserialize, ToSchema)]
pub struct CreateTemplateRequest {
    #[serde(rename = "Name", default)]
    #[schema(min_length = 1, required = true)]
    pub name: String,
    #[serde(rename = "IaaSName", default)]
    #[schema(required = true)]
    pub iaas_name: String,
    #[serde(rename = "Data", default)]
    pub data: Vec<TemplateDataBody>,
}

/// A template change: a new `IaaSName`, and parameters to set (an empty `Value` removes one).
#[derive(Deserialize, ToSchema)]
pub struct UpdateTemplateRequest {
    #[serde(rename = "IaaSName", default)]
    pub iaas_name: Option<String>,
    #[serde(rename = "Data", default)]
    pub data: Vec<TemplateDataBody>,
}

/// The domain's template data.
pub fn data(list: Vec<TemplateDataBody>) -> Vec<TemplateData> {
    list.into_iter().map(|d| TemplateData { name: d.name, value: d.value }).collect()
}
