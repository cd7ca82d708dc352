//! Events with target locks, indexed like the MongoDB collection: by start time, by target
//! value, by kind name and by owner name, so that a filtered or limited list reads only what it
//! returns (plus what a filter on other fields skips), whatever the number of events.
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use tsuru_domain::event::{Event, EventFilter, EventStorage, Kind};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

fn lock_keys(e: &Event) -> Vec<(String, String)> {
    e.locked_targets().into_iter().map(|t| (t.ttype.clone(), t.value.clone())).collect()
}

/// The field a list is sorted by, read once from the `sort` key (start time by default).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Start,
    End,
    Id,
    Kind,
    TargetValue,
    TargetType,
    Owner,
    Running,
}

impl SortKey {
    fn parse(key: &str) -> Self {
        match key.to_lowercase().as_str() {
            "endtime" => Self::End,
            "uniqueid" | "_id" => Self::Id,
            "kind" | "kind.name" => Self::Kind,
            "target" | "target.value" => Self::TargetValue,
            "target.type" => Self::TargetType,
            "owner" | "owner.name" => Self::Owner,
            "running" => Self::Running,
            _ => Self::Start,
        }
    }

    fn compare(self, a: &Event, b: &Event) -> Ordering {
        match self {
            Self::End => a.end_time.cmp(&b.end_time),
            Self::Id => a.id.cmp(&b.id),
            Self::Kind => a.kind.name.cmp(&b.kind.name),
            Self::TargetValue => a.target.value.cmp(&b.target.value),
            Self::TargetType => a.target.ttype.cmp(&b.target.ttype),
            Self::Owner => a.owner.name.cmp(&b.owner.name),
            Self::Running => a.running.cmp(&b.running),
            Self::Start => a.start_time.cmp(&b.start_time),
        }
    }
}

/// Position of an event in insertion order (events are never removed).
type Pos = usize;

/// The fields the indexes are built on.
#[derive(PartialEq)]
struct Keys {
    start: DateTime<Utc>,
    targets: Vec<String>,
    kind: String,
    owner: String,
    running: bool,
}

impl Keys {
    fn of(e: &Event) -> Self {
        let mut targets: Vec<String> = std::iter::once(&e.target)
            .chain(e.extra_targets.iter().map(|t| &t.target))
            .map(|t| t.value.clone())
            .collect();
        targets.sort();
        targets.dedup();
        Self {
            start: e.start_time,
            targets,
            kind: e.kind.name.clone(),
            owner: e.owner.name.clone(),
            running: e.running,
        }
    }
}

/// Every event, with its indexes.
#[derive(Debug, Default)]
pub(crate) struct EventTable {
    events: IndexMap<String, Event>,
    by_start: BTreeSet<(DateTime<Utc>, Pos)>,
    by_target: HashMap<String, BTreeSet<Pos>>,
    by_kind: HashMap<String, BTreeSet<Pos>>,
    by_owner: HashMap<String, BTreeSet<Pos>>,
    running: BTreeSet<Pos>,
    kinds: Vec<Kind>,
}

impl EventTable {
    fn get(&self, id: &str) -> Option<&Event> {
        self.events.get(id)
    }

    fn index(&mut self, pos: Pos, k: &Keys) {
        self.by_start.insert((k.start, pos));
        for t in &k.targets {
            self.by_target.entry(t.clone()).or_default().insert(pos);
        }
        self.by_kind.entry(k.kind.clone()).or_default().insert(pos);
        self.by_owner.entry(k.owner.clone()).or_default().insert(pos);
        if k.running {
            self.running.insert(pos);
        }
    }

    fn unindex(&mut self, pos: Pos, k: &Keys) {
        self.by_start.remove(&(k.start, pos));
        for t in &k.targets {
            if let Some(set) = self.by_target.get_mut(t) {
                set.remove(&pos);
            }
        }
        if let Some(set) = self.by_kind.get_mut(&k.kind) {
            set.remove(&pos);
        }
        if let Some(set) = self.by_owner.get_mut(&k.owner) {
            set.remove(&pos);
        }
        self.running.remove(&pos);
    }

    /// Inserts or replaces an event, keeping the indexes true.
    fn put(&mut self, event: Event) {
        let keys = Keys::of(&event);
        if !self.kinds.contains(&event.kind) {
            self.kinds.push(event.kind.clone());
        }
        match self.events.get_full(&event.id) {
            Some((pos, _, old)) => {
                let old = Keys::of(old);
                if old != keys {
                    self.unindex(pos, &old);
                    self.index(pos, &keys);
                }
                self.events[pos] = event;
            }
            None => {
                let (pos, _) = self.events.insert_full(event.id.clone(), event);
                self.index(pos, &keys);
            }
        }
    }

    /// The smallest index that holds every match, if the filter names an indexed field: its
    /// size first (nothing copied), its positions only when asked for.
    fn smallest_index(&self, filter: &EventFilter) -> Option<(usize, Vec<&BTreeSet<Pos>>)> {
        let mut lists: Vec<Vec<&BTreeSet<Pos>>> = Vec::new();
        if let Some(v) = &filter.target_value {
            lists.push(self.by_target.get(v).into_iter().collect());
        }
        if !filter.kind_names.is_empty() {
            lists.push(filter.kind_names.iter().filter_map(|k| self.by_kind.get(k)).collect());
        }
        if let Some(o) = &filter.owner_name {
            lists.push(self.by_owner.get(o).into_iter().collect());
        }
        if filter.running == Some(true) {
            lists.push(vec![&self.running]);
        }
        lists
            .into_iter()
            .map(|sets| (sets.iter().map(|s| s.len()).sum(), sets))
            .min_by_key(|(len, _)| *len)
    }

    fn list(&self, filter: &EventFilter) -> Vec<Event> {
        if filter.limit == 0 {
            return Vec::new();
        }
        let sort = filter.sort.as_deref().unwrap_or("-starttime");
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, SortKey::parse(k)),
            None => (false, SortKey::parse(sort)),
        };
        let by_start = key == SortKey::Start;
        let page = |found: &mut dyn Iterator<Item = &Event>| -> Vec<Event> {
            found.skip(filter.skip).take(filter.limit).cloned().collect()
        };
        let index = self.smallest_index(filter);
        // Walking the start-time index reads about (skip + limit) × events / matches entries
        // before the page is full; going through the smallest index reads all its entries and
        // sorts them. The cheaper one is taken.
        let wanted = filter.skip.saturating_add(filter.limit);
        let walk = index.as_ref().is_none_or(|(len, _)| {
            wanted.saturating_mul(self.events.len()) / (*len).max(1) < len.saturating_mul(4)
        });
        if by_start && walk {
            // Walk the start-time index in order and stop once the page is full. Ties go by
            // insertion order, reversed with the sort.
            let positions: Box<dyn Iterator<Item = &(DateTime<Utc>, Pos)>> = if desc {
                Box::new(self.by_start.iter().rev())
            } else {
                Box::new(self.by_start.iter())
            };
            let mut found =
                positions.map(|(_, pos)| &self.events[*pos]).filter(|e| filter.matches(e));
            return page(&mut found);
        }
        let candidates: Option<Vec<Pos>> = index.map(|(_, sets)| {
            let mut all: Vec<Pos> = sets.into_iter().flatten().copied().collect();
            all.sort_unstable();
            all.dedup();
            all
        });
        let mut found: Vec<(Pos, &Event)> = match candidates {
            Some(c) => c
                .into_iter()
                .map(|pos| (pos, &self.events[pos]))
                .filter(|(_, e)| filter.matches(e))
                .collect(),
            None => self.events.values().enumerate().filter(|(_, e)| filter.matches(e)).collect(),
        };
        found.sort_by(|(ia, a), (ib, b)| {
            let o = key.compare(a, b).then(ia.cmp(ib));
            if desc {
                o.reverse()
            } else {
                o
            }
        });
        page(&mut found.into_iter().map(|(_, e)| e))
    }
}

impl MemoryStore {
    fn event_table(&self) -> std::sync::RwLockReadGuard<'_, EventTable> {
        self.events.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn event_table_mut(&self) -> std::sync::RwLockWriteGuard<'_, EventTable> {
        self.events.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl EventStorage for MemoryStore {
    async fn insert_locked(&self, event: &Event) -> Result<Option<Event>> {
        // Lock order: locks, then events (as in `update`).
        let mut locks = self.locks.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut events = self.event_table_mut();
        let keys = lock_keys(event);
        for k in &keys {
            if let Some(holder) = locks.get(k).and_then(|id| events.get(id)) {
                return Ok(Some(holder.clone()));
            }
        }
        for k in keys {
            locks.insert(k, event.id.clone());
        }
        events.put(event.clone());
        Ok(None)
    }

    async fn insert(&self, event: &Event) -> Result<()> {
        self.event_table_mut().put(event.clone());
        Ok(())
    }

    async fn update(&self, event: &Event) -> Result<()> {
        let mut locks = self.locks.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut events = self.event_table_mut();
        if events.get(&event.id).is_none() {
            return Err(Error::not_found(tsuru_domain::event::EVENT_NOT_FOUND));
        }
        events.put(event.clone());
        if !(event.running && event.locked) {
            for k in lock_keys(event) {
                if locks.get(&k) == Some(&event.id) {
                    locks.remove(&k);
                }
            }
        }
        Ok(())
    }

    async fn touch(&self, ids: &[String], now: DateTime<Utc>) -> Result<()> {
        let mut events = self.event_table_mut();
        for id in ids {
            if let Some(pos) = events.events.get_index_of(id) {
                let e = &mut events.events[pos];
                if e.running {
                    // Not an indexed field: no index changes.
                    e.lock_update_time = now;
                }
            }
        }
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<Event>> {
        Ok(self.event_table().get(id).cloned())
    }

    async fn list(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        Ok(self.event_table().list(filter))
    }

    async fn kinds(&self) -> Result<Vec<Kind>> {
        Ok(self.event_table().kinds.clone())
    }

    async fn list_stale(&self, before: DateTime<Utc>) -> Result<Vec<Event>> {
        let events = self.event_table();
        Ok(events
            .running
            .iter()
            .map(|pos| &events.events[*pos])
            .filter(|e| e.running && e.lock_update_time < before)
            .cloned()
            .collect())
    }
}
