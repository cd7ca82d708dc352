use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::permission::Context;

/// Text of an update of an event that does not exist.
pub const EVENT_NOT_FOUND: &str = "event not found";

/// What an event acts on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// Target type (`app`, `team`, `user`, `role`, ...).
    #[serde(rename = "Type")]
    pub ttype: String,
    /// Target name.
    #[serde(rename = "Value")]
    pub value: String,
}

impl Target {
    /// Builds a target.
    pub fn new(ttype: &str, value: impl Into<String>) -> Self {
        Target { ttype: ttype.to_string(), value: value.into() }
    }
}

/// A secondary target, optionally locked too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtraTarget {
    /// The target.
    #[serde(rename = "Target")]
    pub target: Target,
    /// Whether it is locked while the event runs.
    #[serde(rename = "Lock")]
    pub lock: bool,
}

/// `permission` (a permission name) or `internal`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kind {
    /// `permission` or `internal`.
    #[serde(rename = "Type")]
    pub ktype: String,
    /// The permission or internal name.
    #[serde(rename = "Name")]
    pub name: String,
}

impl Kind {
    /// A permission kind.
    pub fn permission(name: &str) -> Self {
        Kind { ktype: "permission".into(), name: name.into() }
    }
    /// An internal kind.
    pub fn internal(name: &str) -> Self {
        Kind { ktype: "internal".into(), name: name.into() }
    }
}

/// Who started an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Owner {
    /// `user`, `token`, `app` or `internal`.
    #[serde(rename = "Type")]
    pub otype: String,
    /// E-mail, token id, app name, or empty.
    #[serde(rename = "Name")]
    pub name: String,
}

impl Owner {
    /// A user owner.
    pub fn user(email: &str) -> Self {
        Owner { otype: "user".into(), name: email.into() }
    }
    /// A team-token owner.
    pub fn token(id: &str) -> Self {
        Owner { otype: "token".into(), name: id.into() }
    }
    /// The server itself.
    pub fn internal() -> Self {
        Owner { otype: "internal".into(), name: String::new() }
    }
}

/// The permission needed to read (or cancel) an event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allowed {
    /// Permission name (`""` = root).
    pub scheme: String,
    /// Contexts any one of which satisfies the check (none: global only).
    pub contexts: Vec<Context>,
}

impl Allowed {
    /// Builds an allowed permission.
    pub fn new(scheme: &str, contexts: Vec<Context>) -> Self {
        Allowed { scheme: scheme.to_string(), contexts }
    }
}

/// A cancellation request and its acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CancelInfo {
    /// Who asked.
    pub owner: String,
    /// When it was asked.
    pub start_time: Option<DateTime<Utc>>,
    /// When the operation acknowledged it.
    pub ack_time: Option<DateTime<Utc>>,
    /// Why.
    pub reason: String,
    /// Whether cancellation was asked.
    pub asked: bool,
    /// Whether the operation stopped.
    pub canceled: bool,
}

/// One line of an event's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// When it was written.
    pub date: DateTime<Utc>,
    /// Text.
    pub message: String,
}

/// An audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 24 hex digits.
    pub id: String,
    /// Primary target.
    pub target: Target,
    /// Secondary targets.
    pub extra_targets: Vec<ExtraTarget>,
    /// Kind.
    pub kind: Kind,
    /// Owner.
    pub owner: Owner,
    /// Start.
    pub start_time: DateTime<Utc>,
    /// End (`None` while running).
    pub end_time: Option<DateTime<Utc>>,
    /// Heartbeat of the process running it.
    pub lock_update_time: DateTime<Utc>,
    /// Whether it holds the lock on its target (only while running).
    pub locked: bool,
    /// Whether it is running.
    pub running: bool,
    /// Whether it can be cancelled.
    pub cancelable: bool,
    /// Error text, empty on success.
    pub error: String,
    /// Client address.
    pub source_ip: String,
    /// Log lines.
    pub log: Vec<LogEntry>,
    /// Cancellation state.
    pub cancel_info: CancelInfo,
    /// Who may read it.
    pub allowed: Allowed,
    /// Who may cancel it.
    pub allowed_cancel: Allowed,
    /// Request data at start.
    pub start_custom_data: Option<Value>,
    /// Result data at end.
    pub end_custom_data: Option<Value>,
    /// Other data.
    pub other_custom_data: Option<Value>,
}

impl Event {
    /// Targets this event locks while running: the primary and locked extra targets.
    pub fn locked_targets(&self) -> Vec<&Target> {
        std::iter::once(&self.target)
            .chain(self.extra_targets.iter().filter(|t| t.lock).map(|t| &t.target))
            .collect()
    }
}

/// A read-permission grant used to filter event lists: events whose allowed scheme is `scheme`
/// or below it and, unless `context` is `None` (global), whose allowed contexts contain `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    /// Permission name (`""` = root).
    pub scheme: String,
    /// The granted context; `None` for global grants.
    pub context: Option<Context>,
}

/// Filters for listing events. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Primary or extra target type.
    pub target_type: Option<String>,
    /// Primary or extra target value.
    pub target_value: Option<String>,
    /// Kind type.
    pub kind_type: Option<String>,
    /// Kind names (any of).
    pub kind_names: Vec<String>,
    /// Owner type.
    pub owner_type: Option<String>,
    /// Owner name.
    pub owner_name: Option<String>,
    /// Start time at or after.
    pub since: Option<DateTime<Utc>>,
    /// Start time at or before.
    pub until: Option<DateTime<Utc>>,
    /// Running or finished.
    pub running: Option<bool>,
    /// Only failed events.
    pub error_only: bool,
    /// Sort key (lowercase field name), `-` prefix for descending; default `-starttime`.
    pub sort: Option<String>,
    /// Skip this many.
    pub skip: usize,
    /// At most this many (1..=100).
    pub limit: usize,
    /// Visibility grants (`None`: everything).
    pub visibility: Option<Vec<Visibility>>,
}

impl Visibility {
    /// Whether an event with `allowed` is visible through this grant (tree semantics).
    pub fn allows(&self, allowed: &Allowed) -> bool {
        crate::permission::tree::is_ancestor_or_self(&self.scheme, &allowed.scheme)
            && self.context.as_ref().is_none_or(|c| allowed.contexts.contains(c))
    }
}

impl EventFilter {
    /// Whether `e` passes every filter but paging (what storage adapters implement).
    pub fn matches(&self, e: &Event) -> bool {
        let targets =
            || std::iter::once(&e.target).chain(e.extra_targets.iter().map(|t| &t.target));
        if let Some(t) = &self.target_type {
            if !targets().any(|x| &x.ttype == t) {
                return false;
            }
        }
        if let Some(v) = &self.target_value {
            if !targets().any(|x| &x.value == v) {
                return false;
            }
        }
        self.kind_type.as_ref().is_none_or(|k| &e.kind.ktype == k)
            && (self.kind_names.is_empty() || self.kind_names.contains(&e.kind.name))
            && self.owner_type.as_ref().is_none_or(|o| &e.owner.otype == o)
            && self.owner_name.as_ref().is_none_or(|o| &e.owner.name == o)
            && self.since.is_none_or(|s| e.start_time >= s)
            && self.until.is_none_or(|u| e.start_time <= u)
            && self.running.is_none_or(|r| e.running == r)
            && (!self.error_only || !e.error.is_empty())
            && self.visibility.as_ref().is_none_or(|vs| vs.iter().any(|v| v.allows(&e.allowed)))
    }
}
