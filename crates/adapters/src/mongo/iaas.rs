//! IaaS machines and templates: tsuru's `iaas_machines` and `iaas_template` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{doc, Bson, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::iaas::{
    template_already_exists, Machine, MachineStorage, Template, TemplateData, TemplateStorage,
    MACHINE_ALREADY_EXISTS, MACHINE_NOT_FOUND, TEMPLATE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::collections::{IAAS_MACHINES, IAAS_TEMPLATES};
use super::doctor::{Reader, StoredDocument};
use super::{db_error, insertion_stamp, null_as_default};

/// tsuru's `iaas.Machine` as mgo stored it (lower-cased field names).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MachineDocument {
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
struct TemplateDocument {
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
            custom_data: d
                .customdata
                .iter()
                .map(|(k, v)| (k.clone(), bson_text(v)))
                .collect(),
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
                .map(|x| TemplateData {
                    name: x.name,
                    value: x.value,
                })
                .collect(),
        }
    }
}

fn template_data(t: &Template) -> Vec<TemplateDataDocument> {
    t.data
        .iter()
        .map(|d| TemplateDataDocument {
            name: d.name.clone(),
            value: d.value.clone(),
        })
        .collect()
}

#[async_trait]
impl MachineStorage for super::MongoStore {
    async fn insert(&self, machine: &Machine) -> Result<()> {
        let d = MachineDocument {
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
        };
        self.insert_or::<MachineDocument>(d, || Error::conflict(MACHINE_ALREADY_EXISTS))
            .await
    }

    async fn find(&self, id: &str) -> Result<Option<Machine>> {
        self.find_as::<MachineDocument, _>(doc! {"_id": id}).await
    }

    async fn find_by_address(&self, address: &str) -> Result<Option<Machine>> {
        let all = self
            .all::<MachineDocument>(
                doc! {"address": address},
                doc! {"tsurud_order": 1, "_id": 1},
            )
            .await?;
        Ok(all.into_iter().next().map(Machine::from))
    }

    async fn list(&self) -> Result<Vec<Machine>> {
        let all = self
            .all::<MachineDocument>(doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(all.into_iter().map(Machine::from).collect())
    }

    async fn delete(&self, id: &str) -> Result<()> {
        let r = self
            .docs::<MachineDocument>()
            .delete_one(doc! {"_id": id})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(Error::not_found(MACHINE_NOT_FOUND));
        }
        Ok(())
    }
}

#[async_trait]
impl TemplateStorage for super::MongoStore {
    async fn insert(&self, template: &Template) -> Result<()> {
        let d = TemplateDocument {
            name: template.name.clone(),
            iaasname: template.iaas_name.clone(),
            data: template_data(template),
            tsurud_order: insertion_stamp(),
        };
        self.insert_or::<TemplateDocument>(d, || {
            Error::conflict(template_already_exists(&template.name))
        })
        .await
    }

    async fn find(&self, name: &str) -> Result<Option<Template>> {
        self.find_as::<TemplateDocument, _>(doc! {"_id": name})
            .await
    }

    async fn list(&self) -> Result<Vec<Template>> {
        let all = self
            .all::<TemplateDocument>(doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(all.into_iter().map(Template::from).collect())
    }

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

    async fn delete(&self, name: &str) -> Result<()> {
        let r = self
            .docs::<TemplateDocument>()
            .delete_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(Error::not_found(TEMPLATE_NOT_FOUND));
        }
        Ok(())
    }
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] = &[
    Reader::of::<MachineDocument>(),
    Reader::of::<TemplateDocument>(),
];

impl StoredDocument for MachineDocument {
    const COLLECTION: &'static str = IAAS_MACHINES;
}

impl StoredDocument for TemplateDocument {
    const COLLECTION: &'static str = IAAS_TEMPLATES;
}
