//! IaaS machines and templates: tsuru's `iaas_machines` and `iaas_template` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::iaas::{
    Machine, MachineStorage, Template, TemplateData, TemplateStorage, TEMPLATE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::collections::{IAAS_MACHINES, IAAS_TEMPLATES};
use super::records::Stored;
use super::{insertion_stamp, null_as_default};

/// tsuru's `iaas.Machine` as mgo stored it (lower-cased field names).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MachineDocument {
    #[serde(rename = "_id")]
    id: String,
    #[serde(default)]
    iaas: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    port: i64,
    #[serde(default)]
    protocol: String,
    /// Any BSON values (tsuru's `map[string]interface{}`).
    #[serde(default, deserialize_with = "null_as_default")]
    customdata: Document,
    #[serde(default, deserialize_with = "null_as_default")]
    creationparams: BTreeMap<String, String>,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
struct TemplateDataDocument {
    name: String,
    value: String,
}

/// tsuru's `iaas.Template`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TemplateDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    iaasname: String,
    #[serde(default, deserialize_with = "null_as_default")]
    data: Vec<TemplateDataDocument>,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

fn bson_text(v: &Bson) -> String {
    match v {
        Bson::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl From<MachineDocument> for Machine {
    fn from(d: MachineDocument) -> Self {
        Machine {
            id: d.id,
            iaas: d.iaas,
            status: d.status,
            address: d.address,
            port: d.port,
            protocol: d.protocol,
            creation_params: d.creationparams,
            custom_data: d.customdata.iter().map(|(k, v)| (k.clone(), bson_text(v))).collect(),
        }
    }
}

impl From<TemplateDocument> for Template {
    fn from(d: TemplateDocument) -> Self {
        Template {
            name: d.name,
            iaas_name: d.iaasname,
            data: d
                .data
                .into_iter()
                .map(|x| TemplateData { name: x.name, value: x.value })
                .collect(),
        }
    }
}

fn template_data(t: &Template) -> Vec<TemplateDataDocument> {
    t.data
        .iter()
        .map(|d| TemplateDataDocument { name: d.name.clone(), value: d.value.clone() })
        .collect()
}

#[async_trait]
impl MachineStorage for super::MongoStore {
    async fn find_by_address(&self, address: &str) -> Result<Option<Machine>> {
        let all = self
            .all::<MachineDocument>(doc! {"address": address}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(all.into_iter().next().map(Machine::from))
    }
}

#[async_trait]
impl TemplateStorage for super::MongoStore {
    async fn update(&self, template: &Template) -> Result<()> {
        let data = mongodb::bson::to_bson(&template_data(template))
            .map_err(|e| Error::unexpected(format!("cannot encode template data: {e}")))?;
        self.update_or::<TemplateDocument>(
            doc! {"_id": &template.name},
            doc! {"$set": {"iaasname": &template.iaas_name, "data": data}},
            || Error::not_found(TEMPLATE_NOT_FOUND),
        )
        .await
    }
}

impl Stored for Machine {
    type Doc = MachineDocument;
}

impl From<&Machine> for MachineDocument {
    fn from(machine: &Machine) -> Self {
        MachineDocument {
            id: machine.id.clone(),
            iaas: machine.iaas.clone(),
            status: machine.status.clone(),
            address: machine.address.clone(),
            port: machine.port,
            protocol: machine.protocol.clone(),
            customdata: machine
                .custom_data
                .iter()
                .map(|(k, v)| (k.clone(), Bson::String(v.clone())))
                .collect(),
            creationparams: machine.creation_params.clone(),
            tsurud_order: insertion_stamp(),
        }
    }
}

impl Stored for Template {
    type Doc = TemplateDocument;
}

impl From<&Template> for TemplateDocument {
    fn from(template: &Template) -> Self {
        TemplateDocument {
            name: template.name.clone(),
            iaasname: template.iaas_name.clone(),
            data: template_data(template),
            tsurud_order: insertion_stamp(),
        }
    }
}

super::doctor::stored! {
    MachineDocument => IAAS_MACHINES;
    TemplateDocument => IAAS_TEMPLATES;
}
