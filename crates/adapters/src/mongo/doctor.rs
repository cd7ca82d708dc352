//! The check behind `tsurud doctor`: can this store read a database as it is?
//!
//! Every collection the store uses is read document by document with the store's own document
//! types (each store module lists its `Reader`s), so the check and the store cannot disagree:
//! a document the doctor reads is one the store reads. A document that does not decode is
//! decoded a second time with its path tracked, to name the first field that fails. The
//! indexes are compared with the ones the store creates at start-up (`index_plan`).
//!
//! [`Doctor::check`] only reads; [`Doctor::fix_indexes`] creates the missing indexes.
use std::collections::BTreeSet;
use std::fmt;

use futures::TryStreamExt;
use mongodb::bson::{self, doc, Bson, Document, RawDocument, RawDocumentBuf};
use mongodb::{Database, IndexModel};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// How many unreadable documents of one collection a report lists (all are counted).
pub const LISTED_PER_COLLECTION: usize = 20;

/// A value decoding accepted but no domain value can hold (a name the domain does not know):
/// the field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidField {
    /// Its path in the document (`contexttype`, `plan.memory`).
    pub(crate) field: &'static str,
    /// Why it is refused.
    pub(crate) message: String,
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {:?}: {}", self.field, self.message)
    }
}

/// A document type of one collection, as the store decodes it.
pub(crate) trait StoredDocument: DeserializeOwned {
    /// The collection.
    const COLLECTION: &'static str;
    /// A field naming a document better than its `_id` (shown beside it), if any.
    const LABEL: Option<&'static str> = None;

    /// What reading checks beyond decoding, with the same code the store converts with.
    fn check(&self) -> Result<(), InvalidField> {
        Ok(())
    }
}

/// How the doctor reads one collection: its name and the store's decoding of its documents.
#[derive(Clone, Copy)]
pub(crate) struct Reader {
    collection: &'static str,
    label: Option<&'static str>,
    decode: fn(&RawDocument) -> Result<(), Failure>,
}

impl Reader {
    /// The reader of `T`'s collection.
    pub(crate) const fn of<T: StoredDocument>() -> Self {
        Reader { collection: T::COLLECTION, label: T::LABEL, decode: decode::<T> }
    }
}

/// Declares the documents a store module keeps: each one's collection (and the field that
/// labels a document beside its `_id`), and the module's `READERS` for the doctor.
macro_rules! stored {
    ($($doc:ty => $collection:expr $(, label $label:literal)?);+ $(;)?) => {
        $(
            impl $crate::mongo::doctor::StoredDocument for $doc {
                const COLLECTION: &'static str = $collection;
                $(const LABEL: Option<&'static str> = Some($label);)?
            }
        )+

        /// How `tsurud doctor` reads this module's collections.
        pub(super) const READERS: &[$crate::mongo::doctor::Reader] =
            &[$($crate::mongo::doctor::Reader::of::<$doc>()),+];
    };
}
pub(crate) use stored;

/// Every collection the store reads, with its reader: one list per store module.
fn readers() -> Vec<Reader> {
    [
        super::user::READERS,
        super::team::READERS,
        super::role::READERS,
        super::token::READERS,
        super::event::READERS,
        super::write_lock::READERS,
        super::app::READERS,
        super::app_version::READERS,
        super::pool::READERS,
        super::cluster::READERS,
        super::plan::READERS,
        super::platform::READERS,
        super::webhook::READERS,
        super::service::READERS,
        super::volume::READERS,
        super::iaas::READERS,
    ]
    .concat()
}

/// Why a document cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    field: Option<String>,
    error: String,
}

/// The store's decoding of one document: the driver's (`from_slice`), then the checks the
/// store makes when it converts the document.
fn decode<T: StoredDocument>(raw: &RawDocument) -> Result<(), Failure> {
    match bson::from_slice::<T>(raw.as_bytes()) {
        Ok(doc) => {
            doc.check().map_err(|e| Failure { field: Some(e.field.to_string()), error: e.message })
        }
        Err(e) => Err(locate::<T>(raw, e.to_string())),
    }
}

/// Decodes again with the path tracked, to name the first field that fails. Falls back to the
/// driver's error alone if this decoding disagrees.
fn locate<T: DeserializeOwned>(raw: &RawDocument, error: String) -> Failure {
    let unplaced = Failure { field: None, error: error.clone() };
    let Ok(doc) = Document::try_from(raw) else {
        return unplaced;
    };
    // As the driver's decoder, which does not present itself as human readable.
    #[allow(deprecated)]
    let options = bson::DeserializerOptions::builder().human_readable(false).build();
    let de = bson::Deserializer::new_with_options(Bson::Document(doc), options);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(_) => unplaced,
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let parent = (path != ".").then_some(path);
            match missing_field(&message) {
                Some(name) => Failure {
                    field: Some(match parent {
                        Some(p) => format!("{p}.{name}"),
                        None => name.to_string(),
                    }),
                    error: "required, missing".to_string(),
                },
                None => Failure { field: parent, error: message },
            }
        }
    }
}

/// `name` of serde's "missing field `name`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next().filter(|n| !n.is_empty())
}

/// A document the store cannot read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    /// Its `_id` (a string as it is, an ObjectId in hex).
    pub id: String,
    /// The field naming it better than `_id` and its value, when the collection has one
    /// (`name=myapp`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The first field that fails, as a path (`plan.memory`, `roles[0].name`); none when the
    /// document as a whole fails.
    pub field: Option<String>,
    /// Why.
    pub error: String,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "_id={}", self.id)?;
        if let Some(l) = &self.label {
            write!(f, " ({l})")?;
        }
        match &self.field {
            Some(field) => write!(f, ": field {field:?}: {}", self.error),
            None => write!(f, ": {}", self.error),
        }
    }
}

/// What became of one index the store relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum IndexStatus {
    /// Present as the store wants it.
    Present,
    /// Absent: `tsurud api` creates it at start-up, as `--fix-indexes` does.
    Missing,
    /// An index on the same keys differs in uniqueness; left alone (drop or change it by
    /// hand).
    Conflict {
        /// The existing index, by name.
        existing: String,
    },
    /// Was missing and has just been created.
    Created,
    /// Was missing and could not be created.
    NotCreated {
        /// The server's answer.
        error: String,
    },
}

/// One index the store relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexFinding {
    /// Its keys, as MongoDB writes them (`{ "email": 1 }`).
    pub keys: String,
    /// Whether the store wants it unique.
    pub unique: bool,
    /// What the database has.
    #[serde(flatten)]
    pub status: IndexStatus,
}

impl IndexFinding {
    /// Whether the database lacks it or has it differently.
    pub fn is_problem(&self) -> bool {
        !matches!(self.status, IndexStatus::Present | IndexStatus::Created)
    }
}

/// One collection the store reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionReport {
    /// Its name.
    pub name: String,
    /// Whether the database has it (`tsurud` creates it on first use).
    pub exists: bool,
    /// Documents the store reads.
    pub readable: u64,
    /// Documents it cannot read.
    pub unreadable: u64,
    /// The first [`LISTED_PER_COLLECTION`] of those.
    pub failures: Vec<Unreadable>,
    /// The indexes the store relies on.
    pub indexes: Vec<IndexFinding>,
}

/// What [`Doctor::check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The database.
    pub database: String,
    /// Every collection the store reads, in a fixed order.
    pub collections: Vec<CollectionReport>,
    /// Collections of the database the store never reads (tsuru's own, which `tsurud` has
    /// no use for, or another program's): neither read nor changed.
    pub other_collections: Vec<String>,
    /// Whether `events` has tsuru's unique index on `lock`: then tsuru and `tsurud` sharing the
    /// database refuse an operation on a target the other is running one on (each stores its
    /// running event with `lock` set).
    pub tsuru_lock_index: bool,
}

impl Report {
    /// Documents the store cannot read, in all.
    pub fn unreadable(&self) -> u64 {
        self.collections.iter().map(|c| c.unreadable).sum()
    }

    /// Documents the store reads, in all.
    pub fn readable(&self) -> u64 {
        self.collections.iter().map(|c| c.readable).sum()
    }

    /// Indexes missing, conflicting or not created.
    pub fn index_problems(&self) -> usize {
        self.collections.iter().flat_map(|c| &c.indexes).filter(|i| i.is_problem()).count()
    }
}

/// Checks a database with the MongoDB store's own document types and indexes.
#[derive(Debug, Clone)]
pub struct Doctor {
    db: Database,
}

impl Doctor {
    /// Opens `url` (a bare `host:port` works) and selects `database`. Sends nothing: no index
    /// is created, unlike [`super::MongoStore::connect`].
    ///
    /// # Errors
    /// An invalid URL.
    pub async fn connect(url: &str, database: &str) -> anyhow::Result<Self> {
        Ok(Doctor { db: super::open(url, database, None).await? })
    }

    /// A doctor on an already opened database.
    pub fn new(db: Database) -> Self {
        Doctor { db }
    }

    /// Reads every document of every collection the store uses, and compares the indexes.
    /// Only reads.
    ///
    /// # Errors
    /// The database cannot be reached, or refuses a read.
    pub async fn check(&self) -> anyhow::Result<Report> {
        let present: BTreeSet<String> = self
            .db
            .list_collection_names()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list the collections: {e}"))?
            .into_iter()
            .collect();
        let plan = super::index_plan();
        let mut collections = Vec::new();
        let mut tsuru_lock_index = false;
        for reader in readers() {
            let exists = present.contains(reader.collection);
            let mut report = CollectionReport {
                name: reader.collection.to_string(),
                exists,
                readable: 0,
                unreadable: 0,
                failures: Vec::new(),
                indexes: Vec::new(),
            };
            if exists {
                self.read_all(&reader, &mut report).await?;
            }
            let wanted = plan
                .iter()
                .filter(|(name, _)| *name == reader.collection)
                .flat_map(|(_, models)| models);
            let existing =
                if exists { self.indexes_of(reader.collection).await? } else { Vec::new() };
            report.indexes = wanted.map(|m| compare(m, &existing)).collect();
            if reader.collection == super::collections::EVENTS {
                tsuru_lock_index = existing
                    .iter()
                    .any(|(_, keys, unique)| *unique && same_keys(keys, &doc! {"lock": 1}));
            }
            collections.push(report);
        }
        let read: BTreeSet<&str> = collections.iter().map(|c| c.name.as_str()).collect();
        let other_collections = present
            .iter()
            .filter(|n| !read.contains(n.as_str()) && !n.starts_with("system."))
            .cloned()
            .collect();
        Ok(Report {
            database: self.db.name().to_string(),
            collections,
            other_collections,
            tsuru_lock_index,
        })
    }

    /// Creates the indexes `report` found missing, one by one, and marks each `Created` or
    /// `NotCreated`. Conflicting indexes are left alone.
    pub async fn fix_indexes(&self, report: &mut Report) {
        let plan = super::index_plan();
        for c in &mut report.collections {
            let models =
                plan.iter().filter(|(name, _)| *name == c.name).flat_map(|(_, models)| models);
            for (finding, model) in c.indexes.iter_mut().zip(models) {
                if finding.status != IndexStatus::Missing {
                    continue;
                }
                finding.status =
                    match self.db.collection::<Document>(&c.name).create_index(model.clone()).await
                    {
                        Ok(_) => IndexStatus::Created,
                        Err(e) => IndexStatus::NotCreated { error: e.to_string() },
                    };
            }
            c.exists = c.exists || c.indexes.iter().any(|i| i.status == IndexStatus::Created);
        }
    }

    async fn read_all(&self, reader: &Reader, report: &mut CollectionReport) -> anyhow::Result<()> {
        let mut cursor = self
            .db
            .collection::<RawDocumentBuf>(reader.collection)
            .find(Document::new())
            .await
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", reader.collection))?;
        while let Some(raw) = cursor
            .try_next()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", reader.collection))?
        {
            match (reader.decode)(&raw) {
                Ok(()) => report.readable += 1,
                Err(f) => {
                    report.unreadable += 1;
                    if report.failures.len() < LISTED_PER_COLLECTION {
                        report.failures.push(Unreadable {
                            id: raw.get("_id").ok().flatten().map_or_else(
                                || "(none)".to_string(),
                                |id| show(&Bson::try_from(id).unwrap_or(Bson::Null)),
                            ),
                            label: reader.label.and_then(|field| {
                                let value = raw.get(field).ok().flatten()?;
                                let value = Bson::try_from(value).ok()?;
                                Some(format!("{field}={}", show(&value)))
                            }),
                            field: f.field,
                            error: f.error,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The indexes of `collection`: (name, keys, unique).
    async fn indexes_of(&self, collection: &str) -> anyhow::Result<Vec<(String, Document, bool)>> {
        let models: Vec<IndexModel> = self
            .db
            .collection::<Document>(collection)
            .list_indexes()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list the indexes of {collection}: {e}"))?
            .try_collect()
            .await
            .map_err(|e| anyhow::anyhow!("cannot list the indexes of {collection}: {e}"))?;
        Ok(models
            .into_iter()
            .map(|m| {
                let opts = m.options.unwrap_or_default();
                (opts.name.unwrap_or_default(), m.keys, opts.unique.unwrap_or(false))
            })
            .collect())
    }
}

/// `_id` values and labels as a person reads them: a string as it is, an ObjectId in hex.
fn show(b: &Bson) -> String {
    match b {
        Bson::String(s) => s.clone(),
        Bson::ObjectId(o) => o.to_hex(),
        other => other.to_string(),
    }
}

/// How the database's indexes (`existing`) stand against one the store wants.
fn compare(wanted: &IndexModel, existing: &[(String, Document, bool)]) -> IndexFinding {
    let unique = wanted.options.as_ref().and_then(|o| o.unique).unwrap_or(false);
    let status = match existing.iter().find(|(_, keys, _)| same_keys(keys, &wanted.keys)) {
        None => IndexStatus::Missing,
        Some((_, _, u)) if *u == unique => IndexStatus::Present,
        Some((name, _, _)) => IndexStatus::Conflict { existing: name.clone() },
    };
    IndexFinding { keys: wanted.keys.to_string(), unique, status }
}

/// Same fields in the same order and directions (1, 1.0 and Int64 1 alike).
fn same_keys(a: &Document, b: &Document) -> bool {
    fn direction(v: &Bson) -> Option<String> {
        match v {
            Bson::Int32(i) => Some(i64::from(*i).to_string()),
            Bson::Int64(i) => Some(i.to_string()),
            #[allow(clippy::cast_possible_truncation)]
            Bson::Double(f) => Some((*f as i64).to_string()),
            Bson::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && direction(va) == direction(vb))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Plan {
        #[serde(rename = "name")]
        _name: String,
        #[serde(rename = "memory")]
        _memory: i64,
    }

    #[derive(Debug, Deserialize)]
    struct Item {
        #[serde(rename = "_id")]
        _id: String,
        #[serde(rename = "plan")]
        _plan: Plan,
        #[serde(rename = "roles", default)]
        _roles: Vec<Plan>,
    }

    impl StoredDocument for Item {
        const COLLECTION: &'static str = "items";
    }

    fn raw(d: Document) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&d).unwrap()
    }

    #[test]
    fn a_wrong_type_is_named_by_its_path() {
        let d = raw(doc! {"_id": "myapp", "plan": {"name": "p", "memory": "x"}});
        let f = decode::<Item>(&d).unwrap_err();
        assert_eq!(f.field.as_deref(), Some("plan.memory"));
        assert_eq!(f.error, r#"invalid type: string "x", expected i64"#);
    }

    #[test]
    fn a_missing_field_is_named_with_its_parent() {
        let f = decode::<Item>(&raw(doc! {"_id": "a", "plan": {"memory": 1}})).unwrap_err();
        assert_eq!(f.field.as_deref(), Some("plan.name"));
        assert_eq!(f.error, "required, missing");
        let f = decode::<Item>(&raw(doc! {"_id": "a"})).unwrap_err();
        assert_eq!(f.field.as_deref(), Some("plan"));
    }

    #[test]
    fn list_elements_are_indexed() {
        let d = raw(doc! {"_id": "a", "plan": {"name": "p", "memory": 1},
        "roles": [{"name": "r", "memory": 1}, {"name": 3, "memory": 1}]});
        let f = decode::<Item>(&d).unwrap_err();
        assert_eq!(f.field.as_deref(), Some("roles[1].name"));
        assert_eq!(f.error, "invalid type: integer `3`, expected a string");
    }

    #[test]
    fn a_readable_document_passes() {
        let d = raw(doc! {"_id": "a", "plan": {"name": "p", "memory": 1_i32}, "extra": true});
        assert_eq!(decode::<Item>(&d), Ok(()));
    }

    #[test]
    fn index_keys_compare_by_field_order_and_direction() {
        assert!(same_keys(&doc! {"a": 1, "b": -1}, &doc! {"a": 1_i64, "b": -1.0}));
        assert!(!same_keys(&doc! {"a": 1, "b": -1}, &doc! {"b": -1, "a": 1}));
        assert!(!same_keys(&doc! {"a": 1}, &doc! {"a": -1}));
        assert!(!same_keys(&doc! {"a": 1}, &doc! {"a": 1, "b": 1}));
    }

    #[test]
    fn every_collection_with_indexes_is_read() {
        let read: BTreeSet<&str> = readers().iter().map(|r| r.collection).collect();
        for (name, _) in super::super::index_plan() {
            assert!(read.contains(name), "{name} has indexes but no reader");
        }
        assert_eq!(read.len(), readers().len(), "one reader per collection");
    }
}
