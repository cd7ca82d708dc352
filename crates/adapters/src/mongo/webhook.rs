//! Webhooks (tsuru's `webhook` collection) and their delivery queue (`webhook_deliveries`,
//! ours: tsuru kept deliveries in memory).
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, oid::ObjectId, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::webhook::{
    Attempt, Delivery, DeliveryState, DeliveryStorage, HookRequest, Lease, Webhook, WebhookFilter,
    WebhookStorage,
};
use tsuru_domain::{Error, Result};

use super::collections::{DELIVERIES, WEBHOOKS};
use super::doctor::{InvalidField, Reader, StoredDocument};
use super::event::{escape_key, unescape_key};
use super::records::Stored;
use super::user::null_as_default;
use super::write_lock::Write;
use super::{bad_document, db_error, from_bson_time, insertion_stamp, to_bson_time};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct FilterDocument {
    #[serde(deserialize_with = "null_as_default")]
    targettypes: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    targetvalues: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    kindtypes: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    kindnames: Vec<String>,
    erroronly: bool,
    successonly: bool,
}

/// tsuru's webhook document (header names escaped as event data keys are), plus `secret`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WebhookDocument {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    teamowner: String,
    #[serde(default, deserialize_with = "null_as_default")]
    eventfilter: FilterDocument,
    #[serde(default)]
    url: String,
    #[serde(default)]
    proxyurl: String,
    #[serde(default, deserialize_with = "null_as_default")]
    headers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    method: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    secret: String,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

impl WebhookDocument {
    fn new(h: &Webhook, order: ObjectId) -> Self {
        let f = &h.filter;
        WebhookDocument {
            name: h.name.clone(),
            description: h.description.clone(),
            teamowner: h.team_owner.clone(),
            eventfilter: FilterDocument {
                targettypes: f.target_types.clone(),
                targetvalues: f.target_values.clone(),
                kindtypes: f.kind_types.clone(),
                kindnames: f.kind_names.clone(),
                erroronly: f.error_only,
                successonly: f.success_only,
            },
            url: h.url.clone(),
            proxyurl: h.proxy_url.clone(),
            headers: h.headers.iter().map(|(k, v)| (escape_key(k), v.clone())).collect(),
            method: h.method.clone(),
            body: h.body.clone(),
            insecure: h.insecure,
            secret: h.secret.clone(),
            tsurud_order: order,
        }
    }
}

/// Webhooks are keyed by their `name` field.
impl Stored for Webhook {
    type Doc = WebhookDocument;
    const KEY: &'static str = "name";
}

impl From<&Webhook> for WebhookDocument {
    fn from(hook: &Webhook) -> Self {
        WebhookDocument::new(hook, insertion_stamp())
    }
}

impl From<WebhookDocument> for Webhook {
    fn from(d: WebhookDocument) -> Self {
        let f = d.eventfilter;
        Webhook {
            name: d.name,
            description: d.description,
            team_owner: d.teamowner,
            filter: WebhookFilter {
                target_types: f.targettypes,
                target_values: f.targetvalues,
                kind_types: f.kindtypes,
                kind_names: f.kindnames,
                error_only: f.erroronly,
                success_only: f.successonly,
            },
            url: d.url,
            proxy_url: d.proxyurl,
            headers: d.headers.into_iter().map(|(k, v)| (unescape_key(&k), v)).collect(),
            method: d.method,
            body: d.body,
            insecure: d.insecure,
            secret: d.secret,
        }
    }
}

fn webhook_not_found() -> Error {
    Error::not_found(tsuru_domain::webhook::WEBHOOK_NOT_FOUND)
}

/// One request header (FerretDB stores no nested arrays, so not `[name, value]` pairs).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HeaderDocument {
    name: String,
    value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RequestDocument {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<HeaderDocument>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    proxyurl: Option<String>,
    #[serde(default)]
    insecure: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AttemptDocument {
    number: u32,
    time: bson::DateTime,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    error: String,
    #[serde(default)]
    durationms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeliveryDocument {
    #[serde(rename = "_id")]
    id: String,
    webhook: String,
    eventid: String,
    #[serde(default)]
    eventkind: String,
    request: RequestDocument,
    #[serde(default)]
    secret: String,
    state: String,
    #[serde(default)]
    attempts: Vec<AttemptDocument>,
    #[serde(default)]
    lasterror: String,
    createdat: bson::DateTime,
    nextattemptat: bson::DateTime,
    #[serde(default)]
    claimedby: Option<String>,
    #[serde(default)]
    leaseuntil: Option<bson::DateTime>,
}

impl From<&Delivery> for DeliveryDocument {
    fn from(d: &Delivery) -> Self {
        DeliveryDocument {
            id: d.id.clone(),
            webhook: d.webhook.clone(),
            eventid: d.event_id.clone(),
            eventkind: d.event_kind.clone(),
            request: RequestDocument {
                method: d.request.method.clone(),
                url: d.request.url.clone(),
                headers: d
                    .request
                    .headers
                    .iter()
                    .map(|(name, value)| HeaderDocument {
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
                body: d.request.body.clone(),
                proxyurl: d.request.proxy_url.clone(),
                insecure: d.request.insecure,
            },
            secret: d.secret.clone(),
            state: d.state.as_str().to_string(),
            attempts: d
                .attempts
                .iter()
                .map(|a| AttemptDocument {
                    number: a.number,
                    time: to_bson_time(a.time),
                    status: a.status,
                    error: a.error.clone(),
                    durationms: a.duration_ms,
                })
                .collect(),
            lasterror: d.last_error.clone(),
            createdat: to_bson_time(d.created_at),
            nextattemptat: to_bson_time(d.next_attempt_at),
            claimedby: d.claimed_by.clone(),
            leaseuntil: d.lease_until.map(to_bson_time),
        }
    }
}

impl DeliveryDocument {
    fn state(&self) -> std::result::Result<DeliveryState, InvalidField> {
        match self.state.as_str() {
            "pending" => Ok(DeliveryState::Pending),
            "delivered" => Ok(DeliveryState::Delivered),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(InvalidField {
                field: "state",
                message: format!("unknown state {other:?} (known: pending, delivered, failed)"),
            }),
        }
    }
}

impl TryFrom<DeliveryDocument> for Delivery {
    type Error = Error;

    fn try_from(d: DeliveryDocument) -> Result<Self> {
        let state =
            d.state().map_err(|e| bad_document(DELIVERIES, format!("delivery {:?}: {e}", d.id)))?;
        Ok(Delivery {
            id: d.id,
            webhook: d.webhook,
            event_id: d.eventid,
            event_kind: d.eventkind,
            request: HookRequest {
                method: d.request.method,
                url: d.request.url,
                headers: d.request.headers.into_iter().map(|h| (h.name, h.value)).collect(),
                body: d.request.body,
                proxy_url: d.request.proxyurl,
                insecure: d.request.insecure,
            },
            secret: d.secret,
            state,
            attempts: d
                .attempts
                .into_iter()
                .map(|a| Attempt {
                    number: a.number,
                    time: from_bson_time(a.time),
                    status: a.status,
                    error: a.error,
                    duration_ms: a.durationms,
                })
                .collect(),
            last_error: d.lasterror,
            created_at: from_bson_time(d.createdat),
            next_attempt_at: from_bson_time(d.nextattemptat),
            claimed_by: d.claimedby,
            lease_until: d.leaseuntil.map(from_bson_time),
        })
    }
}

impl super::MongoStore {
    async fn deliveries_where(
        &self,
        filter: Document,
        sort: Document,
        limit: Option<i64>,
    ) -> Result<Vec<Delivery>> {
        let coll = self.docs::<DeliveryDocument>();
        let mut find = coll.find(filter).sort(sort).batch_size(super::LIST_BATCH);
        if let Some(n) = limit {
            find = find.limit(n);
        }
        let docs: Vec<DeliveryDocument> =
            find.await.map_err(db_error)?.try_collect().await.map_err(db_error)?;
        docs.into_iter().map(Delivery::try_from).collect()
    }
}

#[async_trait]
impl WebhookStorage for super::MongoStore {
    async fn owned_by(&self, teams: &[String]) -> Result<Vec<Webhook>> {
        let docs = self
            .all::<WebhookDocument>(
                doc! {"teamowner": {"$in": teams}},
                <Webhook as Stored>::order(),
            )
            .await?;
        Ok(docs.into_iter().map(Webhook::from).collect())
    }

    async fn update(&self, hook: &Webhook) -> Result<()> {
        self.lock_read::<WebhookDocument, _>(
            &hook.name,
            doc! {"name": &hook.name},
            webhook_not_found,
            |current| Ok(Write::Replace(WebhookDocument::new(hook, current.tsurud_order))),
        )
        .await
    }
}

fn claimable(d: &DeliveryDocument, now: DateTime<Utc>) -> bool {
    d.state == DeliveryState::Pending.as_str()
        && from_bson_time(d.nextattemptat) <= now
        && (d.claimedby.is_none() || d.leaseuntil.is_none_or(|l| from_bson_time(l) < now))
}

#[async_trait]
impl DeliveryStorage for super::MongoStore {
    async fn insert(&self, delivery: &Delivery) -> Result<()> {
        self.insert_or::<DeliveryDocument>(DeliveryDocument::from(delivery), || {
            Error::conflict(format!("delivery {} already exists", delivery.id))
        })
        .await
    }

    async fn find(&self, id: &str) -> Result<Option<Delivery>> {
        self.one::<DeliveryDocument>(doc! {"_id": id}).await?.map(Delivery::try_from).transpose()
    }

    async fn claim_due(&self, lease: Lease<'_>, limit: usize) -> Result<Vec<Delivery>> {
        let Lease { worker, now, until: lease_until } = lease;
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Candidates first, then each one claimed under its write lock after checking again
        // that nobody took it meanwhile: FerretDB has no atomic find-and-modify.
        let due = doc! {"state": DeliveryState::Pending.as_str(), "nextattemptat": {"$lte": to_bson_time(now)}};
        let candidates =
            self.all::<DeliveryDocument>(due, doc! {"nextattemptat": 1, "_id": 1}).await?;
        let mut out = Vec::new();
        for c in candidates.into_iter().filter(|c| claimable(c, now)) {
            if out.len() >= limit {
                break;
            }
            let claimed = self
                .exclusive(format!("{DELIVERIES}/{}", c.id), || async {
                    let Some(mut d) = self.one::<DeliveryDocument>(doc! {"_id": &c.id}).await? else {
                        return Ok(None);
                    };
                    if !claimable(&d, now) {
                        return Ok(None);
                    }
                    d.claimedby = Some(worker.to_string());
                    d.leaseuntil = Some(to_bson_time(lease_until));
                    self.docs::<DeliveryDocument>()
                        .update_one(
                            doc! {"_id": &c.id},
                            doc! {"$set": {"claimedby": worker, "leaseuntil": to_bson_time(lease_until)}},
                        )
                        .await
                        .map_err(db_error)?;
                    Ok(Some(d))
                })
                .await?;
            if let Some(d) = claimed {
                out.push(Delivery::try_from(d)?);
            }
        }
        Ok(out)
    }

    async fn release(&self, delivery: &Delivery, worker: &str) -> Result<bool> {
        self.exclusive(format!("{DELIVERIES}/{}", delivery.id), || async {
            let Some(current) = self.one::<DeliveryDocument>(doc! {"_id": &delivery.id}).await?
            else {
                return Ok(false);
            };
            if current.claimedby.as_deref() != Some(worker) {
                return Ok(false);
            }
            let mut next = DeliveryDocument::from(delivery);
            next.claimedby = None;
            next.leaseuntil = None;
            self.docs::<DeliveryDocument>()
                .replace_one(doc! {"_id": &delivery.id}, next)
                .await
                .map_err(db_error)?;
            Ok(true)
        })
        .await
    }

    async fn list_by_webhook(&self, name: &str, limit: usize) -> Result<Vec<Delivery>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.deliveries_where(
            doc! {"webhook": name},
            doc! {"createdat": -1, "_id": -1},
            Some(limit),
        )
        .await
    }

    async fn delete_by_webhook(&self, name: &str) -> Result<u64> {
        Ok(self
            .docs::<DeliveryDocument>()
            .delete_many(doc! {"webhook": name})
            .await
            .map_err(db_error)?
            .deleted_count)
    }

    async fn delete_finished_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let filter = doc! {
            "state": {"$in": [DeliveryState::Delivered.as_str(), DeliveryState::Failed.as_str()]},
            "createdat": {"$lt": to_bson_time(before)},
        };
        Ok(self
            .docs::<DeliveryDocument>()
            .delete_many(filter)
            .await
            .map_err(db_error)?
            .deleted_count)
    }
}

/// How `tsurud doctor` reads this module's collections.
pub(super) const READERS: &[Reader] =
    &[Reader::of::<WebhookDocument>(), Reader::of::<DeliveryDocument>()];

impl StoredDocument for WebhookDocument {
    const COLLECTION: &'static str = WEBHOOKS;
    const LABEL: Option<&'static str> = Some("name");
}

impl StoredDocument for DeliveryDocument {
    const COLLECTION: &'static str = DELIVERIES;

    fn check(&self) -> std::result::Result<(), InvalidField> {
        self.state().map(drop)
    }
}
