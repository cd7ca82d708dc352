//! The in-memory store: every storage port on maps behind locks.
//!
//! Each operation takes one lock for its whole read-check-write, so concurrent callers see the
//! same atomicity the MongoDB adapter gets from single-document updates and unique indexes.
mod app;
mod app_version;
mod cluster;
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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use indexmap::{Equivalent, IndexMap};
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::iaas::{Machine, Template};
use tsuru_domain::permission::Role;
use tsuru_domain::plan::Plan;
use tsuru_domain::platform::{Platform, PlatformVersion};
use tsuru_domain::pool::{Constraint, Pool};
use tsuru_domain::service::{Broker, Service, ServiceInstance};
use tsuru_domain::team::Team;
use tsuru_domain::token::TeamToken;
use tsuru_domain::user::{PasswordToken, Session, User};
use tsuru_domain::volume::{Volume, VolumeBind, VolumeBindId};
use tsuru_domain::webhook::{Delivery, Webhook};
use tsuru_domain::{Error, Result};

/// A table: a map behind a lock that never stays poisoned.
#[derive(Debug)]
pub(crate) struct Table<K, V>(RwLock<IndexMap<K, V>>);

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table(RwLock::new(IndexMap::new()))
    }
}

impl<K, V> Table<K, V> {
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, IndexMap<K, V>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, IndexMap<K, V>> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An aggregate's answer to a taken or a missing key: its text, or its whole error.
pub(crate) trait Refusal {
    /// As a conflict.
    fn conflict(self) -> Error;
    /// As a not-found error.
    fn not_found(self) -> Error;
}

impl Refusal for &str {
    fn conflict(self) -> Error {
        Error::conflict(self)
    }
    fn not_found(self) -> Error {
        Error::not_found(self)
    }
}

impl Refusal for Error {
    fn conflict(self) -> Error {
        self
    }
    fn not_found(self) -> Error {
        self
    }
}

/// The record operations every aggregate's table shares; `exists` and `missing` are the
/// aggregate's own conflict and not-found answers.
impl<K: Hash + Eq, V: Clone> Table<K, V> {
    /// Adds `value` under `key`, unless the key is taken.
    pub(crate) fn add(&self, key: K, value: &V, exists: impl Refusal) -> Result<()> {
        let mut rows = self.write();
        if rows.contains_key(&key) {
            return Err(exists.conflict());
        }
        rows.insert(key, value.clone());
        Ok(())
    }

    /// The value under `key`.
    pub(crate) fn get<Q: ?Sized + Hash + Equivalent<K>>(&self, key: &Q) -> Option<V> {
        self.read().get(key).cloned()
    }

    /// Every value, in insertion order.
    pub(crate) fn all(&self) -> Vec<V> {
        self.read().values().cloned().collect()
    }

    /// Every value, in key order.
    pub(crate) fn by_key(&self) -> Vec<V>
    where
        K: Ord,
    {
        let rows = self.read();
        let mut all: Vec<(&K, &V)> = rows.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Every value `keep` keeps, in insertion order.
    pub(crate) fn filtered(&self, keep: impl Fn(&V) -> bool) -> Vec<V> {
        self.read().values().filter(|v| keep(v)).cloned().collect()
    }

    /// Changes the value under `key` with `change`, under the table's lock.
    pub(crate) fn modify<Q: ?Sized + Hash + Equivalent<K>, R>(
        &self,
        key: &Q,
        missing: impl Refusal,
        change: impl FnOnce(&mut V) -> Result<R>,
    ) -> Result<R> {
        match self.write().get_mut(key) {
            Some(v) => change(v),
            None => Err(missing.not_found()),
        }
    }

    /// Replaces the value under `key` with `value`.
    pub(crate) fn replace<Q: ?Sized + Hash + Equivalent<K>>(
        &self,
        key: &Q,
        value: &V,
        missing: impl Refusal,
    ) -> Result<()> {
        self.modify(key, missing, |v| {
            v.clone_from(value);
            Ok(())
        })
    }

    /// Removes the value under `key`, keeping the order of the others.
    pub(crate) fn remove<Q: ?Sized + Hash + Equivalent<K>>(
        &self,
        key: &Q,
        missing: impl Refusal,
    ) -> Result<V> {
        self.write().shift_remove(key).ok_or_else(|| missing.not_found())
    }
}

/// Failed-login window: first failure time and count.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub(crate) start: DateTime<Utc>,
    pub(crate) count: u32,
}

/// Every collection, in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    pub(crate) users: Table<String, User>,
    pub(crate) api_keys: Table<String, String>,
    pub(crate) sessions: Table<String, Session>,
    pub(crate) password_tokens: Table<String, PasswordToken>,
    pub(crate) throttle: Table<String, Window>,
    pub(crate) teams: Table<String, Team>,
    pub(crate) roles: Table<String, Role>,
    pub(crate) events: RwLock<event::EventTable>,
    pub(crate) apps: Table<String, App>,
    pub(crate) app_versions: Table<String, Vec<AppVersion>>,
    pub(crate) pools: Table<String, Pool>,
    pub(crate) clusters: Table<String, Cluster>,
    pub(crate) constraints: Table<(String, String), Constraint>,
    pub(crate) plans: Table<String, Plan>,
    pub(crate) platforms: Table<String, Platform>,
    pub(crate) platform_versions: Table<String, Vec<PlatformVersion>>,
    pub(crate) team_tokens: Table<String, TeamToken>,
    pub(crate) team_token_values: Table<String, String>,
    pub(crate) webhooks: Table<String, Webhook>,
    pub(crate) services: Table<String, Service>,
    pub(crate) service_instances: Table<(String, String), ServiceInstance>,
    pub(crate) brokers: Table<String, Broker>,
    pub(crate) deliveries: Table<String, Delivery>,
    pub(crate) pending_deliveries: Table<String, ()>,
    pub(crate) volumes: Table<String, Volume>,
    pub(crate) volume_binds: Table<VolumeBindId, VolumeBind>,
    pub(crate) machines: Table<String, Machine>,
    pub(crate) iaas_templates: Table<String, Template>,
    /// Index of running locked events by locked target, for O(1) lock checks.
    pub(crate) locks: RwLock<HashMap<(String, String), String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}
