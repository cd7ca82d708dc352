//! `tsurud doctor`: what `tsurud` makes of a tsuru installation before it takes over, its
//! configuration file and its database. Only reads, unless asked to create missing indexes.
//!
//! The database check is [`tsuru_adapters::mongo::doctor`], which reads every document with
//! the store's own document types. This module adds the configuration (which settings of the
//! file `tsurud` does not read, told apart with [`TSURU_SETTINGS`]), the exit status and the
//! report, as text or JSON.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tsuru_adapters::mongo::doctor::{Doctor, IndexStatus, Report};

use crate::config::{DatabaseSettings, Settings};

/// tsuru's settings (`tsuru.conf`, in its colon notation) and what each was for, so that a key
/// of the file `tsurud` does not read can be told apart from a typo. A key is looked up by
/// itself, then by its sections (`docker:registry` under `docker`). Whether `tsurud` reads a
/// key is never decided here but by the settings themselves, so this list cannot claim a
/// setting is ignored that `tsurud` has learnt to read.
pub const TSURU_SETTINGS: &[(&str, &str)] = &[
    (
        "admin-team",
        "tsuru's old admin team; admins hold a global role here (tsurud root-user-create)",
    ),
    ("apps", "tsuru's app defaults (bootstrap image, shell, ...)"),
    ("auth:max-simultaneous-sessions", "a cap on sessions per user; not enforced here"),
    ("auth:oauth", "the OAuth scheme; only the native scheme is served here"),
    ("auth:peer", "tsuru's peer token between API servers; replicas here share the database"),
    ("clusters", "defaults of tsuru's clusters"),
    ("cors", "CORS headers"),
    ("database:driver", "tsuru's storage driver; MongoDB is the only store here"),
    ("database:logdb-name", "where tsuru kept app logs"),
    ("database:logdb-url", "where tsuru kept app logs"),
    ("debug", "tsuru's debug logging; here log:level (or RUST_LOG)"),
    ("disable-index-page", "tsuru's HTML index page; none is served here"),
    ("docker", "tsuru's Docker provisioner and image registry"),
    ("event:throttling", "tsuru's event throttling"),
    ("events", "tsuru's event options (suppress-sensitive-envs, ...)"),
    ("git", "tsuru's git repositories; deploys here are image deploys"),
    ("hipache", "the Hipache router"),
    ("host", "tsuru's public URL"),
    // tsurud reads iaas:default, iaas:node-protocol, iaas:node-port and iaas:ec2.
    ("iaas:collection", "machines are always in the iaas_machines collection here"),
    ("iaas:cloudstack", "the CloudStack IaaS; only EC2 is served here"),
    ("iaas:custom", "custom IaaSes; only EC2 is served here"),
    ("iaas:dockermachine", "the docker-machine IaaS; only EC2 is served here"),
    ("index-page-template", "tsuru's HTML index page; none is served here"),
    // tsurud reads kubernetes:api-timeout, kubernetes:deployment-progress-timeout and
    // kubernetes:register-node.
    (
        "kubernetes:use-pool-namespaces",
        "one namespace per pool; tsurud uses the cluster's namespace",
    ),
    ("kubernetes:deploy-sidecar-image", "the image builds run with; tsurud deploys images only"),
    ("kubernetes:deploy-inspect-image", "the image builds run with; tsurud deploys images only"),
    ("kubernetes:pod-ready-timeout", "tsurud waits by kubernetes:deployment-progress-timeout"),
    ("kubernetes:pod-running-timeout", "tsurud waits by kubernetes:deployment-progress-timeout"),
    ("kubernetes:attach-after-finish-timeout", "build containers; tsurud deploys images only"),
    ("kubernetes:headless-service-port", "headless services are not created here"),
    ("log:disable-syslog", "tsuru's syslog; logs go to stderr here (log:format, log:level)"),
    ("log:file", "tsuru's log file; logs go to stderr here (log:format, log:level)"),
    ("log:queue-size", "tsuru's log queue; logs go to stderr here"),
    ("log:syslog-tag", "tsuru's syslog; logs go to stderr here"),
    ("log:use-stderr", "logs always go to stderr here"),
    ("pubsub", "Redis for following app logs"),
    ("queue", "tsuru's work queue (IaaS machines)"),
    ("redis-queue", "Redis for following app logs (old name of pubsub)"),
    ("repo-manager", "tsuru's git repository manager; deploys here are image deploys"),
    ("request-id-header", "a request id header copied into logs"),
    ("server:read-timeout", "tsuru's request read timeout"),
    ("server:write-timeout", "tsuru's response write timeout"),
    ("shutdown-timeout", "tsuru's drain time; here server:shutdown-timeout"),
    ("tls", "TLS; tsurud serves plain HTTP (terminate TLS in front of it)"),
    ("use-tls", "TLS; tsurud serves plain HTTP (terminate TLS in front of it)"),
];

/// What tsuru's setting `key` (colon notation) was for, if it is one of [`TSURU_SETTINGS`].
pub fn tsuru_setting(key: &str) -> Option<&'static str> {
    let mut prefix = key;
    loop {
        if let Some((_, note)) = TSURU_SETTINGS.iter().find(|(k, _)| *k == prefix) {
            return Some(note);
        }
        prefix = prefix.rsplit_once(':')?.0;
    }
}

/// A key of the configuration file that `tsurud` does not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredSetting {
    /// The key, in tsuru's colon notation (`docker:registry`).
    pub key: String,
    /// What tsuru used it for; none when it is not a tsuru setting either (a typo?).
    pub tsuru: Option<&'static str>,
}

/// What `tsurud api` would make of the configuration.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigReport {
    /// The file read (`--config` or `TSURU_CONFIG`), if any.
    pub file: Option<PathBuf>,
    /// Why `tsurud api` would refuse to start with these settings, if it would.
    pub refused: Option<String>,
    /// Whether `auth.jwt-secret` is unset (tsuru has no such setting; `tsurud api` needs it).
    pub jwt_secret_missing: bool,
    /// The storage `tsurud api` would use (`mongodb`, or `memory`: then it would not use the
    /// database checked).
    pub storage: String,
    /// Keys of the file `tsurud` does not read.
    pub ignored: Vec<IgnoredSetting>,
    /// The database checked.
    #[serde(skip)]
    pub database: DatabaseSettings,
}

/// Reads the configuration as `tsurud api` does (the file, then the environment) and notes
/// what it would refuse and which keys of the file it does not read.
///
/// # Errors
/// A file that does not exist or does not parse.
pub fn inspect_config(file: Option<&Path>) -> anyhow::Result<ConfigReport> {
    let (cfg, file) = Settings::sources(file)?;
    let mut ignored_paths: Vec<Vec<String>> = Vec::new();
    let parsed: Result<Settings, _> =
        serde_ignored::deserialize(cfg.clone(), |path| ignored_paths.push(segments(&path)));
    let file_keys = match &file {
        Some(f) => config::Config::builder()
            .add_source(config::File::from(f.as_path()).format(config::FileFormat::Yaml))
            .build()?
            .try_deserialize::<config::Map<String, config::Value>>()?,
        None => Default::default(),
    };
    ignored_paths.sort();
    ignored_paths.dedup();
    let ignored = ignored_paths
        .into_iter()
        .filter(|p| in_file(&file_keys, p))
        .map(|p| {
            let key = p.join(":");
            IgnoredSetting { tsuru: tsuru_setting(&key), key }
        })
        .collect();
    let (refused, jwt_secret_missing, storage, database) = match parsed {
        Ok(mut settings) => {
            let missing = settings.auth.jwt_secret.is_none();
            if missing {
                // Checked on its own: every other setting is checked as `tsurud api` would.
                settings.auth.jwt_secret = Some("placeholder-for-the-check".into());
            }
            let refused = settings.validate().err().map(|e| e.to_string());
            (
                refused,
                missing && !settings.dev,
                settings.storage_kind().to_string(),
                settings.database,
            )
        }
        Err(e) => {
            // The database section alone, to check the database all the same.
            let database = cfg.get::<DatabaseSettings>("database").unwrap_or_default();
            (
                Some(format!("invalid configuration: {e}")),
                cfg.get::<String>("auth.jwt-secret").is_err(),
                "mongodb".to_string(),
                database,
            )
        }
    };
    Ok(ConfigReport { file, refused, jwt_secret_missing, storage, ignored, database })
}

/// The keys of an ignored path (sequence indexes as numbers).
fn segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path as P;
    let mut out = match path {
        P::Root => return Vec::new(),
        P::Seq { parent, .. }
        | P::Map { parent, .. }
        | P::Some { parent }
        | P::NewtypeStruct { parent }
        | P::NewtypeVariant { parent } => segments(parent),
    };
    match path {
        P::Seq { index, .. } => out.push(index.to_string()),
        P::Map { key, .. } => out.push(key.clone()),
        _ => {}
    }
    out
}

/// Whether `path` is a key of the file (and not only of the environment).
fn in_file(map: &config::Map<String, config::Value>, path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Some(mut value) = map.get(first) else {
        return false;
    };
    for key in rest {
        let next = match &value.kind {
            config::ValueKind::Table(t) => t.get(key),
            config::ValueKind::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => return false,
        }
    }
    true
}

/// Exit status: everything readable and `tsurud api` would start.
pub const EXIT_READY: i32 = 0;
/// Exit status: a document cannot be read, an index conflicts with (or could not be created
/// as) one `tsurud` creates, or `tsurud api` would refuse the configuration.
pub const EXIT_PROBLEMS: i32 = 1;
/// Exit status: the check could not run (configuration file missing or unparsable, database
/// unreachable).
pub const EXIT_NOT_CHECKED: i32 = 2;

/// The whole report: the configuration and the database.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// The configuration.
    pub config: ConfigReport,
    /// The database.
    pub database: Report,
    /// The exit status, with the meanings of [`EXIT_READY`] and [`EXIT_PROBLEMS`].
    pub status: i32,
}

impl DoctorReport {
    /// Puts together the configuration's and the database's findings.
    pub fn new(config: ConfigReport, database: Report) -> Self {
        let blocking = database.unreadable() > 0
            || conflicts(&database) > 0
            || not_created(&database) > 0
            || config.refused.is_some();
        DoctorReport { config, database, status: if blocking { EXIT_PROBLEMS } else { EXIT_READY } }
    }

    /// The report for a person.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let c = &self.config;
        let db = &self.database;
        let _ = writeln!(
            out,
            "tsurud doctor: database {:?}{}",
            db.database,
            match &c.file {
                Some(f) => format!(", configuration {}", f.display()),
                None => ", no configuration file".to_string(),
            }
        );
        let _ = writeln!(out, "\nConfiguration");
        match &c.refused {
            Some(why) => {
                let _ = writeln!(out, "  tsurud api would refuse it: {why}");
            }
            None => {
                let _ = writeln!(out, "  tsurud api accepts it");
            }
        }
        if c.jwt_secret_missing {
            let _ = writeln!(
                out,
                "  auth:jwt-secret is not set: tsurud api needs it (tsuru has no such setting; \
                 set it, or TSURU_AUTH__JWT_SECRET, to 16 bytes or more)"
            );
        }
        if c.storage != "mongodb" {
            let _ = writeln!(
                out,
                "  storage is {:?}: tsurud api would not use this database",
                c.storage
            );
        }
        let (tsuru, unknown): (Vec<_>, Vec<_>) = c.ignored.iter().partition(|i| i.tsuru.is_some());
        if !tsuru.is_empty() {
            let _ = writeln!(out, "  tsuru settings tsurud does not use:");
            let width = tsuru.iter().map(|i| i.key.len()).max().unwrap_or(0);
            for i in &tsuru {
                let _ = writeln!(out, "    {:width$}  {}", i.key, i.tsuru.unwrap_or_default());
            }
        }
        if !unknown.is_empty() {
            let _ = writeln!(
                out,
                "  settings neither tsurud nor tsuru knows (a typo?): {}",
                unknown.iter().map(|i| i.key.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        let _ = writeln!(out, "\nCollections");
        let width = db.collections.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for coll in &db.collections {
            let absent = !coll.exists;
            let summary = if absent && coll.indexes.is_empty() {
                "absent (created on first write)".to_string()
            } else if absent {
                match coll.indexes.len() {
                    1 => "absent (tsurud api creates it with its index at start-up)".to_string(),
                    n => format!("absent (tsurud api creates it with its {n} indexes at start-up)"),
                }
            } else if coll.unreadable == 0 {
                format!("{} readable", coll.readable)
            } else {
                format!("{} readable, {} UNREADABLE", coll.readable, coll.unreadable)
            };
            let _ = writeln!(out, "  {:width$}  {summary}", coll.name);
            for f in &coll.failures {
                let _ = writeln!(out, "    {} {f}", coll.name);
            }
            let unlisted = coll.unreadable - coll.failures.len() as u64;
            if unlisted > 0 {
                let _ = writeln!(out, "    ... and {unlisted} more");
            }
            for i in coll.indexes.iter().filter(|i| !absent && i.status != IndexStatus::Present) {
                let unique = if i.unique { " unique" } else { "" };
                let what = match &i.status {
                    IndexStatus::Present => continue,
                    IndexStatus::Missing => "missing".to_string(),
                    IndexStatus::Created => "created".to_string(),
                    IndexStatus::Conflict { existing } => format!(
                        "CONFLICT: index {existing:?} has these keys with{} unique; \
                         tsurud api cannot start until it is dropped or changed",
                        if i.unique { "out" } else { "" }
                    ),
                    IndexStatus::NotCreated { error } => format!("NOT CREATED: {error}"),
                };
                let _ = writeln!(out, "    index {}{unique}: {what}", i.keys);
            }
        }
        if !db.other_collections.is_empty() {
            let _ = writeln!(
                out,
                "\nOther collections (tsurud neither reads nor changes them): {}",
                db.other_collections.join(", ")
            );
        }
        let missing = db
            .collections
            .iter()
            .flat_map(|c| &c.indexes)
            .filter(|i| i.status == IndexStatus::Missing)
            .count();
        let created = db
            .collections
            .iter()
            .flat_map(|c| &c.indexes)
            .filter(|i| i.status == IndexStatus::Created)
            .count();
        let _ = writeln!(out, "\nSummary");
        let _ = writeln!(
            out,
            "  documents: {} readable, {} unreadable",
            db.readable(),
            db.unreadable()
        );
        let mut indexes = format!("  indexes: {missing} missing");
        if missing > 0 {
            indexes.push_str(
                " (tsurud api creates them at start-up; tsurud doctor --fix-indexes creates them now)",
            );
        }
        let _ = write!(indexes, ", {} conflicting, {created} created", conflicts(db));
        if not_created(db) > 0 {
            let _ = write!(indexes, ", {} could not be created", not_created(db));
        }
        let _ = writeln!(out, "{indexes}");
        let _ = writeln!(
            out,
            "  beside tsuru: {}",
            if db.tsuru_lock_index {
                "tsuru's unique index on events.lock is present: while both serve this \
                 database, an operation on a target through one is refused while the other \
                 runs one on it"
            } else {
                "tsuru's unique index on events.lock is absent: operations through tsuru and \
                 through tsurud on the same target would not exclude each other"
            }
        );
        let _ = writeln!(
            out,
            "  {}",
            if self.status == EXIT_READY {
                "ready: tsurud reads every document of this database"
            } else {
                "NOT READY: fix what is marked above, then run tsurud doctor again"
            }
        );
        out
    }
}

fn conflicts(r: &Report) -> usize {
    r.collections
        .iter()
        .flat_map(|c| &c.indexes)
        .filter(|i| matches!(i.status, IndexStatus::Conflict { .. }))
        .count()
}

fn not_created(r: &Report) -> usize {
    r.collections
        .iter()
        .flat_map(|c| &c.indexes)
        .filter(|i| matches!(i.status, IndexStatus::NotCreated { .. }))
        .count()
}

/// Runs the whole check: the configuration, then the database (creating the missing indexes
/// when `fix_indexes`).
///
/// # Errors
/// The check could not run ([`EXIT_NOT_CHECKED`]): configuration file missing or unparsable,
/// database unreachable.
pub async fn run(file: Option<&Path>, fix_indexes: bool) -> anyhow::Result<DoctorReport> {
    let config = inspect_config(file)?;
    let doctor = Doctor::connect(&config.database.url, &config.database.name).await?;
    let mut report = doctor.check().await?;
    if fix_indexes {
        doctor.fix_indexes(&mut report).await;
    }
    Ok(DoctorReport::new(config, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsuru_settings_are_found_by_their_sections() {
        assert!(tsuru_setting("docker:registry").is_some());
        assert!(tsuru_setting("docker").is_some());
        assert_eq!(tsuru_setting("auth:oauth:client-id"), tsuru_setting("auth:oauth"));
        assert_eq!(tsuru_setting("databse:url"), None);
        assert_eq!(tsuru_setting("auth:nonsense"), None);
    }

    #[test]
    fn the_list_has_no_key_tsurud_reads() {
        // A key tsurud reads would never be reported; listing it would only mislead readers.
        for (k, _) in TSURU_SETTINGS {
            let parts: Vec<String> = k.split(':').map(String::from).collect();
            let mut ignored = Vec::new();
            let single = yaml_of(&parts);
            let cfg = config::Config::builder()
                .add_source(config::File::from_str(&single, config::FileFormat::Yaml))
                .build()
                .unwrap();
            let _: Result<Settings, _> =
                serde_ignored::deserialize(cfg, |p| ignored.push(segments(&p)));
            assert!(
                ignored.iter().any(|p| parts.starts_with(p) || p.starts_with(&parts)),
                "{k} is read by tsurud"
            );
        }
    }

    fn yaml_of(parts: &[String]) -> String {
        let mut s = String::new();
        for (depth, p) in parts.iter().enumerate() {
            s.push_str(&"  ".repeat(depth));
            s.push_str(p);
            s.push(':');
            s.push_str(if depth + 1 == parts.len() { " x\n" } else { "\n" });
        }
        s
    }
}
