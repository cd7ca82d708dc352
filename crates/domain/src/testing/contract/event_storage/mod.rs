//! Contract of [`EventStorage`]: storage, target locks, heartbeats and listing.
mod listing;
mod locks;

pub use listing::*;
pub use locks::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::listed_names;
use super::{assert_not_found, concurrently, present, sorted, CONCURRENCY};
use crate::event::{
    Allowed, CancelInfo, Event, EventFilter, EventStorage, Kind, LogEntry, Owner, Visibility,
};
use crate::permission::{Context, ContextType};
use crate::testing::{at, event, extra_target, finished};

/// A filter that lets everything through, with the largest page.
fn all() -> EventFilter {
    EventFilter { limit: 100, ..EventFilter::default() }
}

/// A finished event on `target_type(value)` that started `secs` after `t0` and took a second.
fn past(target_type: &str, value: &str, kind: &str, secs: i64) -> Event {
    let mut e = event(target_type, value, kind);
    e.start_time = at(secs);
    e.lock_update_time = at(secs);
    finished(e, at(secs + 1))
}

async fn insert_all(storage: &dyn EventStorage, events: &[&Event]) {
    for e in events {
        storage.insert(e).await.expect("insert");
    }
}

async fn stored(storage: &dyn EventStorage, id: &str) -> Event {
    present(storage.find(id).await, &format!("event {id}"))
}

async fn locks(storage: &dyn EventStorage, e: &Event) -> Option<Event> {
    storage.insert_locked(e).await.expect("insert_locked")
}

/// Ids of `list(filter)`, in the order returned; also checks the result against
/// [`EventFilter::matches`] over `universe`, sorted newest first.
async fn listed(
    storage: &dyn EventStorage,
    filter: EventFilter,
    universe: &[&Event],
) -> Vec<String> {
    let got = listed_names(storage.list(&filter).await, |e| e.id);
    if filter.sort.is_none() {
        let mut want: Vec<&&Event> = universe.iter().filter(|e| filter.matches(e)).collect();
        want.sort_by_key(|e| std::cmp::Reverse(e.start_time));
        let want: Vec<String> =
            want.into_iter().skip(filter.skip).take(filter.limit).map(|e| e.id.clone()).collect();
        assert_eq!(got, want, "list disagrees with EventFilter::matches for {filter:?}");
    }
    got
}

fn ids(events: &[&Event]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

/// Events stored by `insert` and by `insert_locked` are found by id with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn EventStorage) {
    let mut done = past("app", "web", "app.deploy", 10);
    done.extra_targets = vec![extra_target("pool", "p1", false), extra_target("team", "t", true)];
    done.owner = Owner::token("team-token-id");
    done.cancelable = true;
    done.error = "deploy failed".into();
    done.log = vec![
        LogEntry { date: at(10), message: "building".into() },
        LogEntry { date: at(11), message: "failed".into() },
    ];
    done.cancel_info = CancelInfo {
        owner: "me@example.com".into(),
        start_time: Some(at(10)),
        ack_time: Some(at(11)),
        reason: "because".into(),
        asked: true,
        canceled: true,
    };
    done.allowed = Allowed::new(
        "app.read.events",
        vec![Context::new(ContextType::App, "web"), Context::team("t")],
    );
    done.allowed_cancel = Allowed::new("app.update.events", vec![Context::team("t")]);
    done.start_custom_data = Some(json!({"image": "web:v1", "units": 2}));
    done.end_custom_data = Some(json!(["a", "b"]));
    done.other_custom_data = Some(json!({"nested": {"ok": true}}));
    storage.insert(&done).await.expect("insert");
    assert_eq!(stored(storage, &done.id).await, done);

    let running = event("app", "api", "app.update");
    assert_eq!(locks(storage, &running).await, None);
    assert_eq!(stored(storage, &running.id).await, running);
}

/// An unknown id finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn EventStorage) {
    let e = past("app", "web", "app.deploy", 0);
    storage.insert(&e).await.expect("insert");
    assert_eq!(storage.find(&crate::testing::object_id()).await.expect("find"), None);
}

/// `update` replaces the stored event.
pub async fn update_replaces_the_stored_event(storage: &dyn EventStorage) {
    let a = event("app", "web", "app.deploy");
    let other = past("app", "api", "app.deploy", 0);
    storage.insert(&other).await.expect("insert");
    assert_eq!(locks(storage, &a).await, None);
    let mut done = finished(a, at(9));
    done.error = "it failed".into();
    done.log.push(LogEntry { date: at(8), message: "oops".into() });
    done.end_custom_data = Some(json!({"result": 1}));
    storage.update(&done).await.expect("update");
    assert_eq!(stored(storage, &done.id).await, done);
    assert_eq!(stored(storage, &other.id).await, other);
}

/// Updating an unknown event is `NotFound` and stores nothing.
pub async fn update_unknown_returns_not_found(storage: &dyn EventStorage) {
    let e = event("app", "web", "app.deploy");
    assert_not_found(storage.update(&e).await, crate::event::EVENT_NOT_FOUND);
    assert_eq!(storage.find(&e.id).await.expect("find"), None);
}
