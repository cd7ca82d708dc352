//! Roles: tsuru's `roles` collection.
use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::permission::{ContextType, Role, RoleStorage};
use tsuru_domain::{Error, Result};

use super::collections::ROLES;
use super::doctor::{InvalidField, Reader, StoredDocument};
use super::records::Stored;
use super::user::null_as_default;
use super::{bad_document, insertion_stamp};

/// tsuru's role document, plus `tsurud_order` as in teams.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RoleDocument {
    #[serde(rename = "_id")]
    name: String,
    contexttype: String,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    schemenames: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Role> for RoleDocument {
    fn from(r: &Role) -> Self {
        RoleDocument {
            name: r.name.clone(),
            contexttype: r.context_type.as_str().to_string(),
            description: r.description.clone(),
            schemenames: r.scheme_names.clone(),
            events: r.events.clone(),
            tsurud_order: Some(insertion_stamp()),
        }
    }
}

impl RoleDocument {
    /// The context type, if this build knows it.
    fn context_type(&self) -> std::result::Result<ContextType, InvalidField> {
        ContextType::parse(&self.contexttype).map_err(|_| InvalidField {
            field: "contexttype",
            message: format!(
                "unknown context type {:?} (known: {})",
                self.contexttype,
                ContextType::ALL.map(ContextType::as_str).join(", ")
            ),
        })
    }
}

impl TryFrom<RoleDocument> for Role {
    type Error = Error;

    fn try_from(d: RoleDocument) -> Result<Self> {
        let context_type =
            d.context_type().map_err(|e| bad_document(ROLES, format!("role {:?}: {e}", d.name)))?;
        Ok(Role {
            name: d.name,
            context_type,
            description: d.description,
            scheme_names: d.schemenames,
            events: d.events,
        })
    }
}

fn role_not_found() -> Error {
    Error::not_found(tsuru_domain::permission::ROLE_NOT_FOUND)
}

impl super::MongoStore {
    async fn find_roles(&self, filter: Document) -> Result<Vec<Role>> {
        let docs = self.all::<RoleDocument>(filter, doc! {"tsurud_order": 1, "_id": 1}).await?;
        // A role this build cannot represent (a context type it does not know) grants nothing;
        // leaving it out keeps every permission computation working.
        Ok(docs
            .into_iter()
            .filter_map(|d| match Role::try_from(d) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(error = %e, "skipping a role");
                    None
                }
            })
            .collect())
    }
}

#[async_trait]
impl RoleStorage for super::MongoStore {
    async fn update(&self, role: &Role) -> Result<()> {
        // Everything but the insertion stamp.
        self.update_or::<RoleDocument>(
            doc! {"_id": &role.name},
            doc! {"$set": {
                "contexttype": role.context_type.as_str(),
                "description": &role.description,
                "schemenames": &role.scheme_names,
                "events": &role.events,
            }},
            role_not_found,
        )
        .await
    }

    async fn find_many(&self, names: &[String]) -> Result<Vec<Role>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.find_roles(doc! {"_id": {"$in": names}}).await?;
        // In the order asked, once each.
        let mut out: Vec<Role> = Vec::with_capacity(found.len());
        for n in names {
            if let Some(r) = found.iter().find(|r| &r.name == n) {
                if !out.iter().any(|o| &o.name == n) {
                    out.push(r.clone());
                }
            }
        }
        Ok(out)
    }

    async fn list_by_event(&self, event: &str) -> Result<Vec<Role>> {
        self.find_roles(doc! {"events": event}).await
    }
}

impl Stored for Role {
    type Doc = RoleDocument;
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] = &[Reader::of::<RoleDocument>()];

impl StoredDocument for RoleDocument {
    const COLLECTION: &'static str = ROLES;

    fn check(&self) -> std::result::Result<(), InvalidField> {
        self.context_type().map(drop)
    }
}
