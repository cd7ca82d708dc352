//! The MongoDB store: every storage port on tsuru's collections and document shapes, so that
//! `tsurud` can serve an existing tsuru database. `docs/mongodb.md` has the mapping.
//!
//! Atomicity comes only from what FerretDB 1.x keeps atomic as well as MongoDB: an insert
//! against a unique index, and a delete by `_id`. There are no multi-document transactions
//! (FerretDB has none, and tsuru used none), and FerretDB's updates are not atomic
//! read-modify-writes, so documents that several writers change are changed under a short
//! write lock (module `write_lock`). Event locks are documents of their own in `event_locks`, one
//! per locked target, so acquiring one is a unique insert that every `tsurud` sharing the
//! database sees.
mod app;
mod app_version;
mod cluster;
pub mod commands;
pub mod doctor;
mod error;
mod event;
mod iaas;
mod plan;
mod platform;
mod pool;
mod records;
mod role;
mod service;
mod team;
mod token;
mod user;
mod volume;
mod webhook;
mod write_lock;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{self, doc, Document};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use tsuru_domain::Result;

use commands::CommandStats;
use doctor::StoredDocument;

pub(crate) use error::{bad_document, db_error, is_duplicate_key};
pub(crate) use user::null_as_default;

/// How long opening a connection may take, unless the URL sets `connectTimeoutMS`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// How long an operation waits for a reachable server, unless the URL sets
/// `serverSelectionTimeoutMS`. Together with [`CONNECT_TIMEOUT`] it bounds how long a request
/// waits for a database that is down before it is answered 503.
pub const SERVER_SELECTION_TIMEOUT: Duration = Duration::from_millis(1500);

/// Collection names, all of them: tsuru's, plus four of ours (`event_locks`, `login_failures`,
/// `write_locks`, `webhook_deliveries`).
pub mod collections {
    /// Users (tsuru).
    pub const USERS: &str = "users";
    /// Login sessions (tsuru's session tokens).
    pub const TOKENS: &str = "tokens";
    /// Password-reset tokens (tsuru).
    pub const PASSWORD_TOKENS: &str = "password_tokens";
    /// Failed-login counters (ours).
    pub const LOGIN_FAILURES: &str = "login_failures";
    /// Teams (tsuru).
    pub const TEAMS: &str = "teams";
    /// Roles (tsuru).
    pub const ROLES: &str = "roles";
    /// Events (tsuru).
    pub const EVENTS: &str = "events";
    /// One document per locked event target (ours; tsuru kept the lock in the event).
    pub const EVENT_LOCKS: &str = "event_locks";
    /// Short locks serializing read-modify-write of one document (ours).
    pub const WRITE_LOCKS: &str = "write_locks";
    /// Apps (tsuru).
    pub const APPS: &str = "apps";
    /// App versions, one document per app (tsuru).
    pub const APP_VERSIONS: &str = "app_versions";
    /// Pools (tsuru).
    pub const POOLS: &str = "pool";
    /// Clusters (tsuru).
    pub const CLUSTERS: &str = "provisioner_clusters";
    /// Pool constraints (tsuru).
    pub const POOL_CONSTRAINTS: &str = "pool_constraints";
    /// Plans (tsuru).
    pub const PLANS: &str = "plans";
    /// Platforms (tsuru).
    pub const PLATFORMS: &str = "platforms";
    /// Platform image history (tsuru).
    pub const PLATFORM_IMAGES: &str = "platform_images";
    /// Team tokens (tsuru).
    pub const TEAM_TOKENS: &str = "team_tokens";
    /// Webhooks (tsuru).
    pub const WEBHOOKS: &str = "webhook";
    /// The webhook delivery queue and history (ours: tsuru kept deliveries in memory).
    pub const DELIVERIES: &str = "webhook_deliveries";
    /// Volumes (tsuru).
    pub const VOLUMES: &str = "volumes";
    /// Volume binds, keyed by (app, mount point, volume) (tsuru).
    pub const VOLUME_BINDS: &str = "volume_binds";
    /// IaaS machines (tsuru, config `iaas:collection`).
    pub const IAAS_MACHINES: &str = "iaas_machines";
    /// IaaS machine templates (tsuru).
    pub const IAAS_TEMPLATES: &str = "iaas_template";
}

/// Every storage port on one MongoDB database.
#[derive(Debug, Clone)]
pub struct MongoStore {
    db: Database,
    commands: Option<Arc<CommandStats>>,
}

/// Adds `mongodb://` to a bare `host:port` URL, as tsuru's `database:url` allows.
pub fn normalize_url(url: &str) -> String {
    if url.contains("://") {
        url.to_string()
    } else {
        format!("mongodb://{url}")
    }
}

impl MongoStore {
    /// Connects to `url` (tsuru's `database:url`; `host:port` is accepted), selects `database`
    /// and creates the indexes. Connect and server-selection timeouts default to
    /// [`CONNECT_TIMEOUT`] and [`SERVER_SELECTION_TIMEOUT`].
    ///
    /// # Errors
    /// An invalid URL, or a server that cannot be reached to create the indexes.
    pub async fn connect(url: &str, database: &str) -> anyhow::Result<Self> {
        let commands = Arc::new(CommandStats::default());
        let store = MongoStore {
            db: open(url, database, Some(&commands)).await?,
            commands: Some(commands),
        };
        store
            .ensure_indexes()
            .await
            .map_err(|e| anyhow::anyhow!("cannot prepare database {database:?}: {e}"))?;
        Ok(store)
    }

    /// A store on an already opened database; call [`MongoStore::ensure_indexes`] before use.
    pub fn new(db: Database) -> Self {
        MongoStore { db, commands: None }
    }

    /// The commands sent through this store, when it opened its own client
    /// ([`MongoStore::connect`]).
    pub fn commands(&self) -> Option<Arc<CommandStats>> {
        self.commands.clone()
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Asks the server to answer (`ping`).
    ///
    /// # Errors
    /// `Unavailable` when it does not.
    pub async fn ping(&self) -> Result<()> {
        self.db.run_command(doc! { "ping": 1 }).await.map(|_| ()).map_err(db_error)
    }

    /// Creates the indexes every port relies on (idempotent): unique natural keys and the
    /// indexes event listing uses (`index_plan`, which `tsurud doctor` compares with).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn ensure_indexes(&self) -> Result<()> {
        for (name, indexes) in index_plan() {
            // One index per command: FerretDB 1.24 drops the connection when one
            // `createIndexes` names several indexes that already exist (every start but the
            // first).
            for model in indexes {
                self.db.collection::<Document>(name).create_index(model).await.map_err(db_error)?;
            }
        }
        Ok(())
    }

    fn coll<T: Send + Sync>(&self, name: &str) -> Collection<T> {
        self.db.collection(name)
    }

    /// The collection that keeps documents `D`: its name is written once, as
    /// [`StoredDocument::COLLECTION`].
    fn docs<D: StoredDocument + Send + Sync>(&self) -> Collection<D> {
        self.coll(D::COLLECTION)
    }

    /// Every document `D` matching `filter`, in `sort` order.
    async fn all<D>(&self, filter: Document, sort: Document) -> Result<Vec<D>>
    where
        D: StoredDocument + Send + Sync,
    {
        self.docs::<D>()
            .find(filter)
            .sort(sort)
            .batch_size(LIST_BATCH)
            .await
            .map_err(db_error)?
            .try_collect()
            .await
            .map_err(db_error)
    }
}

/// Documents per reply of a list: a list of any length comes back in one reply (up to the
/// server's 16 MiB per reply) instead of a first batch of 101 and one `getMore` per further
/// batch, so that a list costs one store command whatever its length.
pub(crate) const LIST_BATCH: u32 = 1_000_000;

/// The indexes the store relies on, by collection: what [`MongoStore::ensure_indexes`] creates
/// and what `tsurud doctor` compares a database with.
pub(crate) fn index_plan() -> Vec<(&'static str, Vec<IndexModel>)> {
    use collections::*;
    let unique = |keys: Document| index(keys, true);
    let plain = |keys: Document| index(keys, false);
    let plan: [(&'static str, Vec<IndexModel>); 17] = [
        (
            USERS,
            vec![
                unique(doc! {"email": 1}),
                plain(doc! {"apikey": 1}),
                plain(doc! {"roles.name": 1}),
            ],
        ),
        (TOKENS, vec![unique(doc! {"token": 1}), plain(doc! {"useremail": 1})]),
        (PASSWORD_TOKENS, vec![plain(doc! {"useremail": 1})]),
        (TEAMS, vec![plain(doc! {"tsurud_order": 1})]),
        (ROLES, vec![plain(doc! {"events": 1}), plain(doc! {"tsurud_order": 1})]),
        (
            EVENTS,
            vec![
                unique(doc! {"uniqueid": 1}),
                plain(doc! {"starttime": -1}),
                plain(doc! {"target.type": 1, "target.value": 1, "starttime": -1}),
                plain(doc! {"extratargets.target.type": 1, "extratargets.target.value": 1}),
                plain(doc! {"target.value": 1, "starttime": -1}),
                plain(doc! {"extratargets.target.value": 1}),
                plain(doc! {"kind.name": 1, "starttime": -1}),
                plain(doc! {"owner.name": 1, "starttime": -1}),
                plain(doc! {"running": 1, "lockupdatetime": 1}),
            ],
        ),
        (EVENT_LOCKS, vec![unique(doc! {"key": 1}), plain(doc! {"event": 1})]),
        (WRITE_LOCKS, vec![unique(doc! {"key": 1})]),
        (
            APPS,
            vec![
                unique(doc! {"name": 1}),
                plain(doc! {"teams": 1}),
                plain(doc! {"teamowner": 1}),
                plain(doc! {"owner": 1}),
                plain(doc! {"tags": 1}),
                plain(doc! {"pool": 1}),
                plain(doc! {"framework": 1}),
                plain(doc! {"tsurud_order": 1}),
            ],
        ),
        (APP_VERSIONS, vec![unique(doc! {"appname": 1})]),
        (POOLS, vec![plain(doc! {"tsurud_order": 1})]),
        (POOL_CONSTRAINTS, vec![unique(doc! {"poolexpr": 1, "field": 1})]),
        (PLANS, vec![plain(doc! {"tsurud_order": 1})]),
        (
            TEAM_TOKENS,
            vec![unique(doc! {"token": 1}), unique(doc! {"token_id": 1}), plain(doc! {"team": 1})],
        ),
        (WEBHOOKS, vec![unique(doc! {"name": 1}), plain(doc! {"teamowner": 1})]),
        (
            DELIVERIES,
            vec![
                plain(doc! {"state": 1, "nextattemptat": 1}),
                plain(doc! {"webhook": 1, "createdat": -1}),
            ],
        ),
        (
            VOLUME_BINDS,
            vec![plain(doc! {"_id.volume": 1, "_id.app": 1}), plain(doc! {"_id.app": 1})],
        ),
    ];
    let iaas: [(&'static str, Vec<IndexModel>); 2] = [
        (IAAS_MACHINES, vec![plain(doc! {"address": 1}), plain(doc! {"tsurud_order": 1})]),
        (IAAS_TEMPLATES, vec![plain(doc! {"tsurud_order": 1})]),
    ];
    let services: [(&'static str, Vec<IndexModel>); 3] = [
        (service::SERVICES, vec![plain(doc! {"tsurud_order": 1})]),
        (
            service::SERVICE_INSTANCES,
            vec![unique(doc! {"service_name": 1, "name": 1}), plain(doc! {"tsurud_order": 1})],
        ),
        (service::BROKERS, vec![unique(doc! {"name": 1}), plain(doc! {"tsurud_order": 1})]),
    ];
    plan.into_iter().chain(services).chain(iaas).collect()
}

/// Opens a client on `url` and selects `database`, sending nothing yet.
async fn open(
    url: &str,
    database: &str,
    commands: Option<&Arc<CommandStats>>,
) -> anyhow::Result<Database> {
    let mut opts = ClientOptions::parse(normalize_url(url))
        .await
        .map_err(|e| anyhow::anyhow!("database.url: {e}"))?;
    opts.app_name.get_or_insert_with(|| "tsurud".to_string());
    opts.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
    opts.server_selection_timeout.get_or_insert(SERVER_SELECTION_TIMEOUT);
    if let Some(commands) = commands {
        opts.command_event_handler = Some(commands.handler());
    }
    Ok(Client::with_options(opts)?.database(database))
}

fn index(keys: Document, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(unique.then(|| IndexOptions::builder().unique(true).build()))
        .build()
}

/// Milliseconds of Go's zero `time.Time` (0001-01-01T00:00:00Z), what tsuru stores for "never".
const GO_ZERO_MILLIS: i64 = -62_135_596_800_000;

/// A time as BSON (millisecond precision, as MongoDB keeps it).
pub(crate) fn to_bson_time(t: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

/// A BSON time.
pub(crate) fn from_bson_time(t: bson::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or_default()
}

/// An optional time the way tsuru stores it: Go's zero time for "none".
pub(crate) fn to_go_time(t: Option<DateTime<Utc>>) -> bson::DateTime {
    t.map_or(bson::DateTime::from_millis(GO_ZERO_MILLIS), to_bson_time)
}

/// Reads a tsuru time: missing, null or Go's zero time is "none".
pub(crate) fn from_go_time(t: Option<bson::DateTime>) -> Option<DateTime<Utc>> {
    t.filter(|t| t.timestamp_millis() > GO_ZERO_MILLIS).map(from_bson_time)
}

/// A fresh ObjectId, increasing within this process: the insertion order of lists.
pub(crate) fn insertion_stamp() -> bson::oid::ObjectId {
    bson::oid::ObjectId::new()
}
