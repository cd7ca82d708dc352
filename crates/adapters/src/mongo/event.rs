//! Events (tsuru's `events` collection) and their target locks (`event_locks`).
//!
//! tsuru locked a target with a unique sparse index on the event's `lock` field. FerretDB has
//! no partial indexes and does not keep the sparse option, so a lock is a document of its own
//! in `event_locks`: `key` = `<type>/<value>` (unique), `event` = the holder, and an `_id` of
//! its own per acquisition, so that removing one lock can never remove a later one. Acquiring
//! is a unique insert. The event is stored first, so a lock always names an event that exists;
//! a lock whose event is no longer running (its process died between the two writes of a
//! release) is removed by the next acquirer. The event keeps tsuru's `lock` field while it
//! runs, for tsuru's tools.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, oid::ObjectId, Bson, Document};
use mongodb::options::FindOptions;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tsuru_domain::event::{
    Allowed, CancelInfo, Event, EventFilter, EventStorage, ExtraTarget, Kind, LogEntry, Owner,
    Target,
};
use tsuru_domain::permission::{Context, ContextType};
use tsuru_domain::{Error, Result};

use super::collections::{EVENTS, EVENT_LOCKS};
use super::user::null_as_default;
use super::{
    bad_document, db_error, from_bson_time, from_go_time, is_duplicate_key, to_bson_time,
    to_go_time,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TargetDocument {
    #[serde(rename = "type", default)]
    ttype: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExtraTargetDocument {
    target: TargetDocument,
    #[serde(default)]
    lock: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct KindDocument {
    #[serde(rename = "type", default)]
    ktype: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OwnerDocument {
    #[serde(rename = "type", default)]
    otype: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct LogDocument {
    date: Option<bson::DateTime>,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct CancelInfoDocument {
    owner: String,
    starttime: Option<bson::DateTime>,
    acktime: Option<bson::DateTime>,
    reason: String,
    asked: bool,
    canceled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
struct ContextDocument {
    ctxtype: String,
    value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct AllowedDocument {
    scheme: String,
    #[serde(deserialize_with = "null_as_default")]
    contexts: Vec<ContextDocument>,
}

/// tsuru's event document: the lowercase names of tsuru's event fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EventDocument {
    #[serde(rename = "_id")]
    id: ObjectId,
    #[serde(default)]
    uniqueid: Option<ObjectId>,
    starttime: bson::DateTime,
    #[serde(default)]
    endtime: Option<bson::DateTime>,
    target: TargetDocument,
    #[serde(default, deserialize_with = "null_as_default")]
    extratargets: Vec<ExtraTargetDocument>,
    kind: KindDocument,
    owner: OwnerDocument,
    #[serde(default)]
    sourceip: String,
    #[serde(default)]
    lockupdatetime: Option<bson::DateTime>,
    #[serde(default)]
    error: String,
    #[serde(default, deserialize_with = "null_as_default")]
    structuredlog: Vec<LogDocument>,
    #[serde(default)]
    cancelinfo: CancelInfoDocument,
    #[serde(default)]
    cancelable: bool,
    #[serde(default)]
    running: bool,
    #[serde(default)]
    allowed: AllowedDocument,
    #[serde(default)]
    allowedcancel: AllowedDocument,
    /// The locked target while the event runs holding its lock; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock: Option<TargetDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    startcustomdata: Option<Bson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endcustomdata: Option<Bson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    othercustomdata: Option<Bson>,
}

/// An event id as an ObjectId.
fn object_id(id: &str) -> Result<ObjectId> {
    ObjectId::parse_str(id)
        .map_err(|_| Error::unexpected(format!("event id {id:?} is not an ObjectId")))
}

impl From<&Target> for TargetDocument {
    fn from(t: &Target) -> Self {
        TargetDocument { ttype: t.ttype.clone(), value: t.value.clone() }
    }
}

impl From<TargetDocument> for Target {
    fn from(t: TargetDocument) -> Self {
        Target { ttype: t.ttype, value: t.value }
    }
}

impl From<&Allowed> for AllowedDocument {
    fn from(a: &Allowed) -> Self {
        AllowedDocument {
            scheme: a.scheme.clone(),
            contexts: a
                .contexts
                .iter()
                .map(|c| ContextDocument {
                    ctxtype: c.ctype.as_str().to_string(),
                    value: c.value.clone(),
                })
                .collect(),
        }
    }
}

impl From<AllowedDocument> for Allowed {
    fn from(a: AllowedDocument) -> Self {
        // A context type this build does not know grants nothing here: drop it (the event
        // stays visible to holders of a global grant).
        Allowed {
            scheme: a.scheme,
            contexts: a
                .contexts
                .into_iter()
                .filter_map(|c| {
                    ContextType::parse(&c.ctxtype).ok().map(|t| Context::new(t, c.value))
                })
                .collect(),
        }
    }
}

impl TryFrom<&Event> for EventDocument {
    type Error = Error;

    fn try_from(e: &Event) -> Result<Self> {
        let id = object_id(&e.id)?;
        Ok(EventDocument {
            id,
            uniqueid: Some(id),
            starttime: to_bson_time(e.start_time),
            endtime: Some(to_go_time(e.end_time)),
            target: (&e.target).into(),
            extratargets: e
                .extra_targets
                .iter()
                .map(|t| ExtraTargetDocument { target: (&t.target).into(), lock: t.lock })
                .collect(),
            kind: KindDocument { ktype: e.kind.ktype.clone(), name: e.kind.name.clone() },
            owner: OwnerDocument { otype: e.owner.otype.clone(), name: e.owner.name.clone() },
            sourceip: e.source_ip.clone(),
            lockupdatetime: Some(to_bson_time(e.lock_update_time)),
            error: e.error.clone(),
            structuredlog: e
                .log
                .iter()
                .map(|l| LogDocument {
                    date: Some(to_bson_time(l.date)),
                    message: l.message.clone(),
                })
                .collect(),
            cancelinfo: CancelInfoDocument {
                owner: e.cancel_info.owner.clone(),
                starttime: Some(to_go_time(e.cancel_info.start_time)),
                acktime: Some(to_go_time(e.cancel_info.ack_time)),
                reason: e.cancel_info.reason.clone(),
                asked: e.cancel_info.asked,
                canceled: e.cancel_info.canceled,
            },
            cancelable: e.cancelable,
            running: e.running,
            allowed: (&e.allowed).into(),
            allowedcancel: (&e.allowed_cancel).into(),
            lock: (e.running && e.locked).then(|| (&e.target).into()),
            startcustomdata: e.start_custom_data.as_ref().map(json_to_bson),
            endcustomdata: e.end_custom_data.as_ref().map(json_to_bson),
            othercustomdata: e.other_custom_data.as_ref().map(json_to_bson),
        })
    }
}

impl From<EventDocument> for Event {
    fn from(d: EventDocument) -> Self {
        let start_time = from_bson_time(d.starttime);
        Event {
            id: d.uniqueid.unwrap_or(d.id).to_hex(),
            locked: d.lock.is_some(),
            target: d.target.into(),
            extra_targets: d
                .extratargets
                .into_iter()
                .map(|t| ExtraTarget { target: t.target.into(), lock: t.lock })
                .collect(),
            kind: Kind { ktype: d.kind.ktype, name: d.kind.name },
            owner: Owner { otype: d.owner.otype, name: d.owner.name },
            start_time,
            end_time: from_go_time(d.endtime),
            lock_update_time: from_go_time(d.lockupdatetime).unwrap_or(start_time),
            running: d.running,
            cancelable: d.cancelable,
            error: d.error,
            source_ip: d.sourceip,
            log: d
                .structuredlog
                .into_iter()
                .map(|l| LogEntry {
                    date: from_go_time(l.date).unwrap_or_default(),
                    message: l.message,
                })
                .collect(),
            cancel_info: CancelInfo {
                owner: d.cancelinfo.owner,
                start_time: from_go_time(d.cancelinfo.starttime),
                ack_time: from_go_time(d.cancelinfo.acktime),
                reason: d.cancelinfo.reason,
                asked: d.cancelinfo.asked,
                canceled: d.cancelinfo.canceled,
            },
            allowed: d.allowed.into(),
            allowed_cancel: d.allowedcancel.into(),
            start_custom_data: d.startcustomdata.and_then(bson_to_json),
            end_custom_data: d.endcustomdata.and_then(bson_to_json),
            other_custom_data: d.othercustomdata.and_then(bson_to_json),
        }
    }
}

/// Field names MongoDB servers refuse (FerretDB refuses any `$` prefix or `.`) are stored with
/// the full-width look-alikes MongoDB's documentation recommends, and restored on reading.
pub(crate) fn escape_key(k: &str) -> String {
    let k = match k.strip_prefix('$') {
        Some(rest) => format!("\u{FF04}{rest}"),
        None => k.to_string(),
    };
    k.replace('.', "\u{FF0E}")
}

pub(crate) fn unescape_key(k: &str) -> String {
    let k = match k.strip_prefix('\u{FF04}') {
        Some(rest) => format!("${rest}"),
        None => k.to_string(),
    };
    k.replace('\u{FF0E}', ".")
}

/// Request data as plain BSON: objects as documents, integers as Int64, other numbers as
/// doubles.
fn json_to_bson(v: &Value) -> Bson {
    match v {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Bson::Int64(i),
            None => Bson::Double(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(json_to_bson).collect()),
        Value::Object(map) => {
            Bson::Document(map.iter().map(|(k, v)| (escape_key(k), json_to_bson(v))).collect())
        }
    }
}

/// Stored custom data as JSON (also what tsuru wrote: documents, arrays and scalars); null is
/// "none".
fn bson_to_json(b: Bson) -> Option<Value> {
    fn convert(b: Bson) -> Value {
        match b {
            Bson::Null | Bson::Undefined => Value::Null,
            Bson::Boolean(x) => Value::Bool(x),
            Bson::Int32(i) => Value::from(i),
            Bson::Int64(i) => Value::from(i),
            Bson::Double(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            Bson::String(s) => Value::String(s),
            Bson::Array(items) => Value::Array(items.into_iter().map(convert).collect()),
            Bson::Document(d) => {
                Value::Object(d.into_iter().map(|(k, v)| (unescape_key(&k), convert(v))).collect())
            }
            Bson::DateTime(t) => Value::String(
                from_bson_time(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
            Bson::ObjectId(o) => Value::String(o.to_hex()),
            other => other.into_relaxed_extjson(),
        }
    }
    match b {
        Bson::Null | Bson::Undefined => None,
        other => Some(convert(other)),
    }
}

/// The key of a lock document: target types never contain `/`.
fn lock_key(t: &Target) -> String {
    format!("{}/{}", t.ttype, t.value)
}

/// A lock document of `event_locks`.
#[derive(Debug, Serialize, Deserialize)]
struct LockDocument {
    #[serde(rename = "_id")]
    id: ObjectId,
    key: String,
    event: ObjectId,
    target: TargetDocument,
    acquired: bson::DateTime,
}

/// `^<scheme>(\.|$)` with regex metacharacters escaped: the scheme and its descendants.
fn scheme_and_below(scheme: &str) -> String {
    let mut re = String::from("^");
    for c in scheme.chars() {
        if !c.is_ascii_alphanumeric() && c != '_' {
            re.push('\\');
        }
        re.push(c);
    }
    re.push_str("(\\.|$)");
    re
}

/// The MongoDB filter for everything in `f` but paging and sorting; `None` when nothing can
/// match.
fn list_filter(f: &EventFilter) -> Option<Document> {
    let mut and: Vec<Document> = Vec::new();
    if let Some(t) = &f.target_type {
        and.push(doc! {"$or": [{"target.type": t}, {"extratargets.target.type": t}]});
    }
    if let Some(v) = &f.target_value {
        and.push(doc! {"$or": [{"target.value": v}, {"extratargets.target.value": v}]});
    }
    if let Some(k) = &f.kind_type {
        and.push(doc! {"kind.type": k});
    }
    if !f.kind_names.is_empty() {
        and.push(doc! {"kind.name": {"$in": &f.kind_names}});
    }
    if let Some(o) = &f.owner_type {
        and.push(doc! {"owner.type": o});
    }
    if let Some(o) = &f.owner_name {
        and.push(doc! {"owner.name": o});
    }
    if let Some(s) = f.since {
        and.push(doc! {"starttime": {"$gte": to_bson_time(s)}});
    }
    if let Some(u) = f.until {
        and.push(doc! {"starttime": {"$lte": to_bson_time(u)}});
    }
    if let Some(r) = f.running {
        and.push(doc! {"running": r});
    }
    if f.error_only {
        and.push(doc! {"error": {"$nin": ["", Bson::Null]}});
    }
    if let Some(grants) = &f.visibility {
        if grants.is_empty() {
            return None;
        }
        if !grants.iter().any(|g| g.scheme.is_empty() && g.context.is_none()) {
            let any: Vec<Document> = grants
                .iter()
                .map(|g| {
                    let mut d = Document::new();
                    if !g.scheme.is_empty() {
                        d.insert("allowed.scheme", doc! {"$regex": scheme_and_below(&g.scheme)});
                    }
                    if let Some(c) = &g.context {
                        // `$all` of one document: the array holds that exact element
                        // (FerretDB lacks `$elemMatch` on fields).
                        d.insert(
                            "allowed.contexts",
                            doc! {"$all": [{"ctxtype": c.ctype.as_str(), "value": &c.value}]},
                        );
                    }
                    d
                })
                .collect();
            and.push(doc! {"$or": any});
        }
    }
    Some(if and.is_empty() {
        Document::new()
    } else {
        doc! {"$and": and}
    })
}

/// The sort of a list: tsuru's lowercase field names, `-` for descending, newest first by
/// default; ties by id (insertion order within a process) in the same direction.
fn list_sort(sort: Option<&str>) -> Document {
    let sort = sort.unwrap_or("-starttime");
    let (dir, key) = match sort.strip_prefix('-') {
        Some(k) => (-1, k),
        None => (1, sort),
    };
    let field = match key.to_lowercase().as_str() {
        "endtime" => "endtime",
        "uniqueid" | "_id" => "_id",
        "kind" | "kind.name" => "kind.name",
        "target" | "target.value" => "target.value",
        "target.type" => "target.type",
        "owner" | "owner.name" => "owner.name",
        "running" => "running",
        _ => "starttime",
    };
    if field == "_id" {
        doc! {"_id": dir}
    } else {
        doc! {field: dir, "_id": dir}
    }
}

impl super::MongoStore {
    async fn find_event(&self, id: ObjectId) -> Result<Option<Event>> {
        self.find_as::<EventDocument, _>(doc! {"_id": id}).await
    }

    async fn find_events(&self, filter: Document, opts: FindOptions) -> Result<Vec<Event>> {
        let docs: Vec<EventDocument> = self
            .docs::<EventDocument>()
            .find(filter)
            .with_options(opts)
            .batch_size(super::LIST_BATCH)
            .await
            .map_err(db_error)?
            .try_collect()
            .await
            .map_err(db_error)?;
        Ok(docs.into_iter().map(Event::from).collect())
    }

    /// Takes the lock on `target` for `event`, or returns the running event holding it.
    async fn acquire(&self, target: &Target, event: ObjectId) -> Result<Option<Event>> {
        let key = lock_key(target);
        loop {
            let lock = LockDocument {
                id: ObjectId::new(),
                key: key.clone(),
                event,
                target: target.into(),
                acquired: bson::DateTime::now(),
            };
            match self.docs::<LockDocument>().insert_one(lock).await {
                Ok(_) => return Ok(None),
                Err(e) if is_duplicate_key(&e) => {}
                Err(e) => return Err(db_error(e)),
            }
            let Some(held) = self.one::<LockDocument>(doc! {"key": &key}).await? else {
                continue; // released meanwhile
            };
            match self.find_event(held.event).await? {
                Some(holder) if holder.running => return Ok(Some(holder)),
                // Its event finished (or is gone): the lock outlived a process that died
                // mid-release. Remove exactly that lock and try again.
                _ => {
                    self.docs::<LockDocument>()
                        .delete_one(doc! {"_id": held.id})
                        .await
                        .map_err(db_error)?;
                }
            }
        }
    }

    async fn release(&self, event: ObjectId) -> Result<()> {
        self.docs::<LockDocument>().delete_many(doc! {"event": event}).await.map_err(db_error)?;
        Ok(())
    }

    /// Undoes a refused `insert_locked`: its locks, then the event.
    async fn abort(&self, event: ObjectId) -> Result<()> {
        self.release(event).await?;
        self.docs::<EventDocument>().delete_one(doc! {"_id": event}).await.map_err(db_error)?;
        Ok(())
    }
}

#[async_trait]
impl EventStorage for super::MongoStore {
    async fn insert_locked(&self, event: &Event) -> Result<Option<Event>> {
        let doc = EventDocument::try_from(event)?;
        let id = doc.id;
        if let Err(e) = self.docs::<EventDocument>().insert_one(&doc).await {
            if !is_duplicate_key(&e) {
                return Err(db_error(e));
            }
            // A database shared with tsuru has its unique index on `lock`: a running event
            // written by tsuru holds the target.
            let locks: Vec<Bson> = event
                .locked_targets()
                .into_iter()
                .map(|t| bson::to_bson(&TargetDocument::from(t)).unwrap_or(Bson::Null))
                .collect();
            let holder = self
                .find_events(doc! {"lock": {"$in": locks}, "running": true}, FindOptions::default())
                .await?;
            return match holder.into_iter().next() {
                Some(h) => Ok(Some(h)),
                None => Err(db_error(e)),
            };
        }
        let mut targets: Vec<&Target> = event.locked_targets();
        targets.sort_by_key(|t| lock_key(t));
        targets.dedup();
        for t in targets {
            match self.acquire(t, id).await {
                Ok(None) => {}
                Ok(Some(holder)) => {
                    self.abort(id).await?;
                    return Ok(Some(holder));
                }
                Err(e) => {
                    // Best effort: the stored event would otherwise hold its locks until
                    // it expires.
                    if let Err(undo) = self.abort(id).await {
                        tracing::warn!(event = %event.id, error = %undo, "could not undo a failed lock");
                    }
                    return Err(e);
                }
            }
        }
        Ok(None)
    }

    async fn insert(&self, event: &Event) -> Result<()> {
        let doc = EventDocument::try_from(event)?;
        self.docs::<EventDocument>().insert_one(doc).await.map_err(db_error)?;
        Ok(())
    }

    async fn update(&self, event: &Event) -> Result<()> {
        let doc = EventDocument::try_from(event)?;
        let id = doc.id;
        let mut fields = bson::to_document(&doc).map_err(|e| bad_document(EVENTS, e))?;
        fields.remove("_id");
        // `$set` rather than a replacement keeps fields tsuru wrote that we do not model.
        let mut update = doc! {"$set": fields};
        if doc.lock.is_none() {
            update.insert("$unset", doc! {"lock": ""});
        }
        self.lock_update::<EventDocument>(&id.to_string(), doc! {"_id": id}, update, || {
            Error::not_found(tsuru_domain::event::EVENT_NOT_FOUND)
        })
        .await?;
        if !(event.running && event.locked) {
            self.release(id).await?;
        }
        Ok(())
    }

    async fn touch(&self, ids: &[String], now: DateTime<Utc>) -> Result<()> {
        for id in ids.iter().filter_map(|id| ObjectId::parse_str(id).ok()) {
            // Under the event's write lock, so that a heartbeat never writes back a running
            // event that was finished meanwhile.
            self.exclusive(format!("{EVENTS}/{id}"), || async {
                self.docs::<EventDocument>()
                    .update_one(
                        doc! {"_id": id, "running": true},
                        doc! {"$set": {"lockupdatetime": to_bson_time(now)}},
                    )
                    .await
                    .map_err(db_error)
            })
            .await?;
        }
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<Event>> {
        match ObjectId::parse_str(id) {
            Ok(oid) => self.find_event(oid).await,
            Err(_) => Ok(None),
        }
    }

    async fn list(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        let Some(query) = list_filter(filter) else {
            return Ok(Vec::new());
        };
        if filter.limit == 0 {
            return Ok(Vec::new());
        }
        let opts = FindOptions::builder()
            .sort(list_sort(filter.sort.as_deref()))
            .skip(u64::try_from(filter.skip).unwrap_or(u64::MAX))
            .limit(i64::try_from(filter.limit).unwrap_or(i64::MAX))
            .build();
        self.find_events(query, opts).await
    }

    async fn kinds(&self) -> Result<Vec<Kind>> {
        let values =
            self.docs::<EventDocument>().distinct("kind", doc! {}).await.map_err(db_error)?;
        let mut out: Vec<Kind> = Vec::with_capacity(values.len());
        for v in values {
            let k: KindDocument = bson::from_bson(v).map_err(|e| bad_document(EVENTS, e))?;
            let k = Kind { ktype: k.ktype, name: k.name };
            if !out.contains(&k) {
                out.push(k);
            }
        }
        Ok(out)
    }

    async fn list_stale(&self, before: DateTime<Utc>) -> Result<Vec<Event>> {
        self.find_events(
            doc! {"running": true, "lockupdatetime": {"$lt": to_bson_time(before)}},
            FindOptions::builder().sort(doc! {"_id": 1}).build(),
        )
        .await
    }
}

super::doctor::stored! {
    EventDocument => EVENTS;
    LockDocument => EVENT_LOCKS, label "key";
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_data_keys_mongodb_refuses_survive_a_round_trip() {
        let data = json!([{"name": "meta", "value": {"$set": {"a.b": 1, "c": [1.5, null, true]}}}]);
        let stored = json_to_bson(&data);
        let text = stored.to_string();
        assert!(!text.contains("\"$set\"") && !text.contains("\"a.b\""), "{text}");
        assert_eq!(bson_to_json(stored), Some(data));
    }

    #[test]
    fn schemes_match_themselves_and_their_descendants_only() {
        let re = regex_lite(&scheme_and_below("app.read"));
        assert!(re("app.read"));
        assert!(re("app.read.events"));
        assert!(!re("app.readx"));
        assert!(!re("xapp.read"));
    }

    /// A tiny matcher for the anchored patterns `scheme_and_below` builds.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let re = regex::Regex::new(pattern).unwrap();
        move |s| re.is_match(s)
    }
}
