//! Events with target locks.
use std::cmp::Ordering;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tsuru_domain::event::{Event, EventFilter, EventStorage, Kind};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

fn lock_keys(e: &Event) -> Vec<(String, String)> {
    e.locked_targets()
        .into_iter()
        .map(|t| (t.ttype.clone(), t.value.clone()))
        .collect()
}

fn compare(a: &Event, b: &Event, key: &str) -> Ordering {
    match key {
        "endtime" => a.end_time.cmp(&b.end_time),
        "uniqueid" | "_id" => a.id.cmp(&b.id),
        "kind" | "kind.name" => a.kind.name.cmp(&b.kind.name),
        "target" | "target.value" => a.target.value.cmp(&b.target.value),
        "target.type" => a.target.ttype.cmp(&b.target.ttype),
        "owner" | "owner.name" => a.owner.name.cmp(&b.owner.name),
        "running" => a.running.cmp(&b.running),
        _ => a.start_time.cmp(&b.start_time),
    }
}

#[async_trait]
impl EventStorage for MemoryStore {
    async fn insert_locked(&self, event: &Event) -> Result<Option<Event>> {
        // Lock order: locks, then events (as in `update`).
        let mut locks = self
            .locks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut events = self.events.write();
        let keys = lock_keys(event);
        for k in &keys {
            if let Some(holder) = locks.get(k).and_then(|id| events.get(id)) {
                return Ok(Some(holder.clone()));
            }
        }
        for k in keys {
            locks.insert(k, event.id.clone());
        }
        events.insert(event.id.clone(), event.clone());
        Ok(None)
    }

    async fn insert(&self, event: &Event) -> Result<()> {
        self.events.write().insert(event.id.clone(), event.clone());
        Ok(())
    }

    async fn update(&self, event: &Event) -> Result<()> {
        let mut locks = self
            .locks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut events = self.events.write();
        let stored = events
            .get_mut(&event.id)
            .ok_or_else(|| Error::not_found(tsuru_domain::event::EVENT_NOT_FOUND))?;
        *stored = event.clone();
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
        let mut events = self.events.write();
        for id in ids {
            if let Some(e) = events.get_mut(id) {
                if e.running {
                    e.lock_update_time = now;
                }
            }
        }
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<Event>> {
        Ok(self.events.read().get(id).cloned())
    }

    async fn list(&self, filter: &EventFilter) -> Result<Vec<Event>> {
        let events = self.events.read();
        // Ties go by insertion order, reversed with the sort: newest first by default.
        let mut found: Vec<(usize, &Event)> = events
            .values()
            .enumerate()
            .filter(|(_, e)| filter.matches(e))
            .collect();
        let sort = filter.sort.as_deref().unwrap_or("-starttime");
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, sort),
        };
        found.sort_by(|(ia, a), (ib, b)| {
            let o = compare(a, b, &key.to_lowercase()).then(ia.cmp(ib));
            if desc {
                o.reverse()
            } else {
                o
            }
        });
        Ok(found
            .into_iter()
            .skip(filter.skip)
            .take(filter.limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn kinds(&self) -> Result<Vec<Kind>> {
        let mut out: Vec<Kind> = Vec::new();
        for e in self.events.read().values() {
            if !out.contains(&e.kind) {
                out.push(e.kind.clone());
            }
        }
        Ok(out)
    }

    async fn list_stale(&self, before: DateTime<Utc>) -> Result<Vec<Event>> {
        Ok(self
            .events
            .read()
            .values()
            .filter(|e| e.running && e.lock_update_time < before)
            .cloned()
            .collect())
    }
}
