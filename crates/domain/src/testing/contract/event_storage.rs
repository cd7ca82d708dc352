//! Contract of [`EventStorage`]: storage, target locks, heartbeats and listing.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{assert_not_found, concurrently, sorted, CONCURRENCY};
use crate::event::{
    Allowed, CancelInfo, Event, EventFilter, EventStorage, Kind, LogEntry, Owner, Visibility,
};
use crate::permission::{Context, ContextType};
use crate::testing::{at, event, extra_target, finished};

/// A filter that lets everything through, with the largest page.
fn all() -> EventFilter {
    EventFilter {
        limit: 100,
        ..EventFilter::default()
    }
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
    storage
        .find(id)
        .await
        .expect("find")
        .unwrap_or_else(|| panic!("event {id} is not stored"))
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
    let got: Vec<String> = storage
        .list(&filter)
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.id)
        .collect();
    if filter.sort.is_none() {
        let mut want: Vec<&&Event> = universe.iter().filter(|e| filter.matches(e)).collect();
        want.sort_by_key(|e| std::cmp::Reverse(e.start_time));
        let want: Vec<String> = want
            .into_iter()
            .skip(filter.skip)
            .take(filter.limit)
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(
            got, want,
            "list disagrees with EventFilter::matches for {filter:?}"
        );
    }
    got
}

fn ids(events: &[&Event]) -> Vec<String> {
    events.iter().map(|e| e.id.clone()).collect()
}

/// Events stored by `insert` and by `insert_locked` are found by id with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn EventStorage) {
    let mut done = past("app", "web", "app.deploy", 10);
    done.extra_targets = vec![
        extra_target("pool", "p1", false),
        extra_target("team", "t", true),
    ];
    done.owner = Owner::token("team-token-id");
    done.cancelable = true;
    done.error = "deploy failed".into();
    done.log = vec![
        LogEntry {
            date: at(10),
            message: "building".into(),
        },
        LogEntry {
            date: at(11),
            message: "failed".into(),
        },
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
    assert_eq!(
        storage
            .find(&crate::testing::object_id())
            .await
            .expect("find"),
        None
    );
}

/// `insert_locked` on targets nobody holds stores the event and returns `None`.
pub async fn locked_insert_on_a_free_target_is_stored(storage: &dyn EventStorage) {
    let a = event("app", "web", "app.deploy");
    let b = event("app", "api", "app.deploy");
    assert_eq!(locks(storage, &a).await, None);
    assert_eq!(locks(storage, &b).await, None);
    assert_eq!(
        sorted(&storage.list(&all()).await.expect("list"), |e| e.id.clone()),
        {
            let mut v = ids(&[&a, &b]);
            v.sort();
            v
        }
    );
}

/// A second `insert_locked` on a held target returns the holder and stores nothing.
pub async fn second_locked_insert_on_same_target_returns_the_holder(storage: &dyn EventStorage) {
    let first = event("app", "web", "app.deploy");
    assert_eq!(locks(storage, &first).await, None);
    let mut second = event("app", "web", "app.update.env.set");
    second.owner = Owner::user("other@example.com");
    assert_eq!(locks(storage, &second).await, Some(first.clone()));
    assert_eq!(storage.find(&second.id).await.expect("find"), None);
    assert_eq!(storage.list(&all()).await.expect("list"), [first]);
}

/// Locked extra targets are held like the primary one, in both directions: a holder's locked
/// extra target blocks a new primary target, and a new locked extra target is blocked by a
/// holder's primary.
pub async fn locked_extra_targets_are_held_too(storage: &dyn EventStorage) {
    let mut holder = event("app", "web", "app.deploy");
    holder.extra_targets = vec![extra_target("pool", "p1", true)];
    assert_eq!(locks(storage, &holder).await, None);

    let on_pool = event("pool", "p1", "pool.update");
    assert_eq!(locks(storage, &on_pool).await, Some(holder.clone()));

    let mut via_extra = event("app", "other", "app.deploy");
    via_extra.extra_targets = vec![
        extra_target("team", "t", true),
        extra_target("app", "web", true),
    ];
    assert_eq!(locks(storage, &via_extra).await, Some(holder.clone()));
    assert_eq!(storage.find(&via_extra.id).await.expect("find"), None);
    // Nothing of the refused event was held: its other targets are still free.
    assert_eq!(
        locks(storage, &event("team", "t", "team.update")).await,
        None
    );
    assert_eq!(
        locks(storage, &event("app", "other", "app.update")).await,
        None
    );
}

/// Extra targets without `lock` are neither held by a running event nor checked on insert.
pub async fn unlocked_extra_targets_are_not_held(storage: &dyn EventStorage) {
    let mut holder = event("app", "web", "app.deploy");
    holder.extra_targets = vec![extra_target("pool", "p1", false)];
    assert_eq!(locks(storage, &holder).await, None);
    assert_eq!(
        locks(storage, &event("pool", "p1", "pool.update")).await,
        None
    );

    let mut mentions_web = event("app", "api", "app.deploy");
    mentions_web.extra_targets = vec![extra_target("app", "web", false)];
    assert_eq!(locks(storage, &mentions_web).await, None);
}

/// A lock covers one target type and value: the same value of another type, or another value
/// of the same type, is free.
pub async fn locks_are_per_target_type_and_value(storage: &dyn EventStorage) {
    let holder = event("app", "web", "app.deploy");
    assert_eq!(locks(storage, &holder).await, None);
    assert_eq!(
        locks(storage, &event("team", "web", "team.update")).await,
        None
    );
    assert_eq!(
        locks(storage, &event("app", "web2", "app.deploy")).await,
        None
    );
    assert_eq!(
        locks(storage, &event("app", "web", "app.deploy")).await,
        Some(holder)
    );
}

/// Events stored with `insert`, finished or running without a lock, hold no target.
pub async fn events_inserted_without_lock_hold_nothing(storage: &dyn EventStorage) {
    let done = past("app", "web", "app.deploy", 0);
    let mut unlocked = event("app", "web", "app.update");
    unlocked.locked = false;
    insert_all(storage, &[&done, &unlocked]).await;
    assert_eq!(
        locks(storage, &event("app", "web", "app.deploy")).await,
        None
    );
}

/// Updating an event so that it no longer runs releases every target it held.
pub async fn finishing_an_event_releases_its_lock(storage: &dyn EventStorage) {
    let mut a = event("app", "web", "app.deploy");
    a.extra_targets = vec![extra_target("pool", "p1", true)];
    assert_eq!(locks(storage, &a).await, None);
    storage
        .update(&finished(a.clone(), at(5)))
        .await
        .expect("finish");
    assert_eq!(
        locks(storage, &event("app", "web", "app.deploy")).await,
        None
    );
    assert_eq!(
        locks(storage, &event("pool", "p1", "pool.update")).await,
        None
    );

    // Stopping is what releases, even if the stored flag `locked` is left as it was.
    let b = event("team", "t", "team.update");
    assert_eq!(locks(storage, &b).await, None);
    let stopped = Event {
        running: false,
        end_time: Some(at(5)),
        ..b
    };
    storage.update(&stopped).await.expect("stop");
    assert_eq!(
        locks(storage, &event("team", "t", "team.update")).await,
        None
    );
}

/// Updating a running locked event (a cancel request, a heartbeat) keeps the lock, and the
/// holder returned afterwards is the updated event.
pub async fn updating_a_running_event_keeps_its_lock(storage: &dyn EventStorage) {
    let mut a = event("app", "web", "app.deploy");
    a.cancelable = true;
    assert_eq!(locks(storage, &a).await, None);
    a.cancel_info = CancelInfo {
        owner: "me@example.com".into(),
        start_time: Some(at(3)),
        reason: "stop it".into(),
        asked: true,
        ..CancelInfo::default()
    };
    storage.update(&a).await.expect("update");
    assert_eq!(
        locks(storage, &event("app", "web", "app.deploy")).await,
        Some(a)
    );
}

/// Concurrent `insert_locked` of distinct events on one target: exactly one is stored, and
/// every other caller gets it back as the holder.
pub async fn concurrent_locked_inserts_on_one_target_admit_exactly_one(
    storage: Arc<dyn EventStorage>,
) {
    let events: Vec<Event> = (0..CONCURRENCY)
        .map(|_| event("app", "web", "app.deploy"))
        .collect();
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        let e = events[i].clone();
        async move { s.insert_locked(&e).await }
    })
    .await;
    let results: Vec<Option<Event>> = results.into_iter().map(|r| r.expect("lock")).collect();
    let winners: Vec<&Event> = events
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_none())
        .map(|(e, _)| e)
        .collect();
    assert_eq!(winners.len(), 1, "{} callers got the lock", winners.len());
    let winner = winners[0];
    for holder in results.iter().flatten() {
        assert_eq!(holder.id, winner.id);
    }
    assert_eq!(
        storage.list(&all()).await.expect("list"),
        std::slice::from_ref(winner)
    );
}

/// Callers racing to lock, work and finish on one target never hold it at the same time, and
/// the target is free once they are all done.
pub async fn lock_excludes_concurrent_holders(storage: Arc<dyn EventStorage>) {
    const TASKS: usize = 8;
    const ATTEMPTS: usize = 25;
    let inside = Arc::new(AtomicUsize::new(0));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let acquired = concurrently(TASKS, |_| {
        let s = Arc::clone(&storage);
        let inside = Arc::clone(&inside);
        let overlaps = Arc::clone(&overlaps);
        async move {
            let mut n = 0usize;
            for _ in 0..ATTEMPTS {
                let e = event("app", "contended", "app.deploy");
                if s.insert_locked(&e).await.expect("insert_locked").is_none() {
                    if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    s.update(&finished(e, at(1))).await.expect("finish");
                    n += 1;
                }
                tokio::task::yield_now().await;
            }
            n
        }
    })
    .await;
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "two holders at once");
    let total: usize = acquired.iter().sum();
    assert!(total >= 1, "nobody ever got the lock");
    let stored = storage.list(&all()).await.expect("list");
    assert_eq!(stored.len(), total, "refused events must not be stored");
    assert!(stored.iter().all(|e| !e.running));
    assert_eq!(
        locks(&*storage, &event("app", "contended", "app.deploy")).await,
        None
    );
}

/// `update` replaces the stored event.
pub async fn update_replaces_the_stored_event(storage: &dyn EventStorage) {
    let a = event("app", "web", "app.deploy");
    let other = past("app", "api", "app.deploy", 0);
    storage.insert(&other).await.expect("insert");
    assert_eq!(locks(storage, &a).await, None);
    let mut done = finished(a, at(9));
    done.error = "it failed".into();
    done.log.push(LogEntry {
        date: at(8),
        message: "oops".into(),
    });
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

/// `touch` sets the heartbeat of the running events named and leaves finished events and
/// events not named alone; unknown ids are ignored.
pub async fn touch_refreshes_the_heartbeat_of_running_events_only(storage: &dyn EventStorage) {
    let running = event("app", "web", "app.deploy");
    let not_named = event("app", "api", "app.deploy");
    let done = past("app", "old", "app.deploy", 0);
    assert_eq!(locks(storage, &running).await, None);
    assert_eq!(locks(storage, &not_named).await, None);
    storage.insert(&done).await.expect("insert");
    let named = [
        running.id.clone(),
        done.id.clone(),
        crate::testing::object_id(),
    ];
    storage.touch(&named, at(100)).await.expect("touch");
    assert_eq!(
        stored(storage, &running.id).await,
        Event {
            lock_update_time: at(100),
            ..running
        }
    );
    assert_eq!(stored(storage, &not_named.id).await, not_named);
    assert_eq!(stored(storage, &done.id).await, done);
}

/// `list_stale` returns the running events whose heartbeat is older than the limit.
pub async fn list_stale_returns_running_events_with_an_old_heartbeat(storage: &dyn EventStorage) {
    let stale = event("app", "web", "app.deploy");
    let mut fresh = event("app", "api", "app.deploy");
    fresh.lock_update_time = at(100);
    let mut done = past("app", "old", "app.deploy", -100);
    done.lock_update_time = at(-100);
    assert_eq!(locks(storage, &stale).await, None);
    assert_eq!(locks(storage, &fresh).await, None);
    storage.insert(&done).await.expect("insert");
    assert_eq!(
        storage.list_stale(at(50)).await.expect("stale"),
        std::slice::from_ref(&stale)
    );
    storage
        .touch(std::slice::from_ref(&stale.id), at(60))
        .await
        .expect("touch");
    assert!(storage.list_stale(at(50)).await.expect("stale").is_empty());
}

/// `kinds` returns each kind of the stored events once.
pub async fn kinds_are_distinct(storage: &dyn EventStorage) {
    let mut healer = past("pool", "p1", "x", 3);
    healer.kind = Kind::internal("healer");
    // Same name, other type: a distinct kind.
    let mut internal_deploy = past("app", "web", "x", 4);
    internal_deploy.kind = Kind::internal("app.deploy");
    insert_all(
        storage,
        &[
            &past("app", "web", "app.deploy", 0),
            &past("app", "api", "app.deploy", 1),
            &past("team", "t", "team.create", 2),
            &healer,
            &internal_deploy,
        ],
    )
    .await;
    let kinds = storage.kinds().await.expect("kinds");
    assert_eq!(
        sorted(&kinds, |k| (k.ktype.clone(), k.name.clone())),
        [
            ("internal".to_string(), "app.deploy".to_string()),
            ("internal".to_string(), "healer".to_string()),
            ("permission".to_string(), "app.deploy".to_string()),
            ("permission".to_string(), "team.create".to_string()),
        ]
    );
}

/// Five finished-or-running events used by the filter clauses, oldest first.
fn filter_fixture() -> [Event; 5] {
    let mut e1 = past("app", "web", "app.deploy", 10);
    e1.owner = Owner::user("a@example.com");
    let mut e2 = past("app", "api", "app.deploy", 20);
    e2.owner = Owner::user("b@example.com");
    e2.error = "boom".into();
    let mut e3 = past("team", "web", "team.create", 30);
    e3.owner = Owner::user("a@example.com");
    let mut e4 = event("app", "web", "app.update.env.set");
    e4.start_time = at(40);
    e4.lock_update_time = at(40);
    e4.locked = false;
    e4.owner = Owner::token("tok1");
    let mut e5 = past("pool", "p1", "x", 50);
    e5.kind = Kind::internal("healer");
    e5.owner = Owner::internal();
    e5.extra_targets = vec![extra_target("app", "api", false)];
    [e1, e2, e3, e4, e5]
}

/// `list` keeps the events whose kind names, kind type and targets match, newest first.
pub async fn list_filters_by_kind_name_and_target(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let f = |kind_names: &[&str]| EventFilter {
        kind_names: kind_names.iter().map(|s| s.to_string()).collect(),
        ..all()
    };
    assert_eq!(
        listed(storage, all(), &u).await,
        ids(&[&e5, &e4, &e3, &e2, &e1])
    );
    assert_eq!(
        listed(storage, f(&["app.deploy"]), &u).await,
        ids(&[&e2, &e1])
    );
    assert_eq!(
        listed(storage, f(&["app.deploy", "team.create"]), &u).await,
        ids(&[&e3, &e2, &e1])
    );
    assert!(listed(storage, f(&["nope"]), &u).await.is_empty());
    let by_type = EventFilter {
        kind_type: Some("internal".into()),
        ..all()
    };
    assert_eq!(listed(storage, by_type, &u).await, ids(&[&e5]));
    let by_type_and_name = EventFilter {
        kind_type: Some("permission".into()),
        ..f(&["app.deploy", "healer"])
    };
    assert_eq!(
        listed(storage, by_type_and_name, &u).await,
        ids(&[&e2, &e1])
    );
    let app_web = EventFilter {
        target_type: Some("app".into()),
        target_value: Some("web".into()),
        ..all()
    };
    assert_eq!(listed(storage, app_web, &u).await, ids(&[&e4, &e1]));
    let teams = EventFilter {
        target_type: Some("team".into()),
        ..all()
    };
    assert_eq!(listed(storage, teams, &u).await, ids(&[&e3]));
    let deploys_of_web = EventFilter {
        target_value: Some("web".into()),
        ..f(&["app.deploy"])
    };
    assert_eq!(listed(storage, deploys_of_web, &u).await, ids(&[&e1]));
}

/// Target filters match extra targets as well as the primary one.
pub async fn list_target_filters_match_extra_targets(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let apps = EventFilter {
        target_type: Some("app".into()),
        ..all()
    };
    assert_eq!(listed(storage, apps, &u).await, ids(&[&e5, &e4, &e2, &e1]));
    let api = EventFilter {
        target_value: Some("api".into()),
        ..all()
    };
    assert_eq!(listed(storage, api, &u).await, ids(&[&e5, &e2]));
    let app_api = EventFilter {
        target_type: Some("app".into()),
        target_value: Some("api".into()),
        ..all()
    };
    assert_eq!(listed(storage, app_api, &u).await, ids(&[&e5, &e2]));
}

/// `list` filters by owner, start-time bounds (inclusive), running state and failure.
pub async fn list_filters_by_owner_time_running_and_error(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let check = |f: EventFilter, want: Vec<String>| {
        let u = &u;
        async move { assert_eq!(listed(storage, f, u).await, want) }
    };
    let owner_type = |t: &str| EventFilter {
        owner_type: Some(t.into()),
        ..all()
    };
    let owner_name = |n: &str| EventFilter {
        owner_name: Some(n.into()),
        ..all()
    };
    let between = |since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>| EventFilter {
        since,
        until,
        ..all()
    };
    let running = |r: bool| EventFilter {
        running: Some(r),
        ..all()
    };
    check(owner_type("token"), ids(&[&e4])).await;
    check(owner_type("internal"), ids(&[&e5])).await;
    check(owner_name("a@example.com"), ids(&[&e3, &e1])).await;
    check(
        EventFilter {
            owner_type: Some("user".into()),
            ..owner_name("b@example.com")
        },
        ids(&[&e2]),
    )
    .await;
    check(between(Some(at(20)), None), ids(&[&e5, &e4, &e3, &e2])).await;
    check(between(None, Some(at(30))), ids(&[&e3, &e2, &e1])).await;
    check(between(Some(at(20)), Some(at(30))), ids(&[&e3, &e2])).await;
    check(between(Some(at(21)), Some(at(29))), Vec::new()).await;
    check(running(true), ids(&[&e4])).await;
    check(running(false), ids(&[&e5, &e3, &e2, &e1])).await;
    check(
        EventFilter {
            error_only: true,
            ..all()
        },
        ids(&[&e2]),
    )
    .await;
}

/// `list` keeps only events some visibility grant allows: the grant's scheme is the event's
/// read scheme or an ancestor of it, and a scoped grant's context is among the event's.
pub async fn list_applies_visibility_grants(storage: &dyn EventStorage) {
    let app = |v: &str| Context::new(ContextType::App, v);
    let mut v1 = past("app", "web", "app.deploy", 1);
    v1.allowed = Allowed::new("app.read.events", vec![app("web")]);
    let mut v2 = past("app", "api", "app.deploy", 2);
    v2.allowed = Allowed::new("app.read.events", vec![app("api"), Context::team("t1")]);
    let mut v3 = past("team", "t1", "team.update", 3);
    v3.allowed = Allowed::new("team.read.events", vec![Context::team("t1")]);
    let mut v4 = past("pool", "p1", "pool.update", 4);
    v4.allowed = Allowed::default();
    let u = [&v1, &v2, &v3, &v4];
    insert_all(storage, &u).await;
    let grant = |scheme: &str, context: Option<Context>| Visibility {
        scheme: scheme.into(),
        context,
    };
    let seen = |grants: Vec<Visibility>| EventFilter {
        visibility: Some(grants),
        ..all()
    };
    let cases = [
        (seen(vec![]), vec![]),
        (seen(vec![grant("", None)]), ids(&[&v4, &v3, &v2, &v1])),
        (
            seen(vec![grant("app.read.events", Some(app("web")))]),
            ids(&[&v1]),
        ),
        (seen(vec![grant("app", None)]), ids(&[&v2, &v1])),
        (
            seen(vec![
                grant("app.read", Some(app("api"))),
                grant("team.read.events", Some(Context::team("t1"))),
            ]),
            ids(&[&v3, &v2]),
        ),
        (
            seen(vec![grant("app.read.events", Some(Context::team("t1")))]),
            ids(&[&v2]),
        ),
        (seen(vec![grant("app.deploy", None)]), vec![]),
        (seen(vec![grant("app.read.eve", None)]), vec![]),
    ];
    for (filter, want) in cases {
        assert_eq!(listed(storage, filter, &u).await, want);
    }
    assert_eq!(listed(storage, all(), &u).await.len(), 4);
}

/// Without `sort`, `list` returns the newest first, then skips `skip` and keeps `limit`; paging
/// applies after filtering.
pub async fn list_sorts_newest_first_and_pages(storage: &dyn EventStorage) {
    // Inserted out of order so that insertion order cannot pass for sorting.
    let events: Vec<Event> = [3, 0, 6, 1, 5, 2, 4]
        .into_iter()
        .map(|s| {
            let kind = if s % 2 == 0 {
                "app.deploy"
            } else {
                "app.update"
            };
            past("app", &format!("a{s}"), kind, s * 10)
        })
        .collect();
    let u: Vec<&Event> = events.iter().collect();
    insert_all(storage, &u).await;
    let by_start = |secs: &[i64]| -> Vec<String> {
        secs.iter()
            .map(|s| {
                events
                    .iter()
                    .find(|e| e.start_time == at(*s))
                    .map(|e| e.id.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let page = |skip: usize, limit: usize| EventFilter {
        skip,
        limit,
        ..all()
    };
    assert_eq!(
        listed(storage, all(), &u).await,
        by_start(&[60, 50, 40, 30, 20, 10, 0])
    );
    assert_eq!(
        listed(storage, page(0, 3), &u).await,
        by_start(&[60, 50, 40])
    );
    assert_eq!(
        listed(storage, page(3, 3), &u).await,
        by_start(&[30, 20, 10])
    );
    assert_eq!(listed(storage, page(6, 3), &u).await, by_start(&[0]));
    assert!(listed(storage, page(7, 3), &u).await.is_empty());
    assert_eq!(listed(storage, page(0, 1), &u).await, by_start(&[60]));
    let deploys = EventFilter {
        kind_names: vec!["app.deploy".into()],
        ..page(1, 2)
    };
    assert_eq!(listed(storage, deploys, &u).await, by_start(&[40, 20]));
}

/// A filter that matches a few events among many (as an app's events among a busy platform's)
/// gives the same order and pages as over a small set: newest first, then by `skip`/`limit`,
/// also by target, kind and owner, and once events finish.
pub async fn selective_filters_over_many_events_sort_and_page(storage: &dyn EventStorage) {
    let mut events: Vec<Event> = (0..60)
        .map(|s| past("app", "busy", "app.update", s * 10))
        .collect();
    // The rare events, inserted out of order among the others.
    for s in [33, 7, 51, 19] {
        let mut e = past("app", "quiet", "app.deploy", s * 10 + 5);
        e.owner = Owner {
            otype: "user".into(),
            name: "quiet@example.com".into(),
        };
        events.push(e);
    }
    let u: Vec<&Event> = events.iter().collect();
    insert_all(storage, &u).await;
    let quiet = |skip: usize, limit: usize| -> Vec<String> {
        let mut want: Vec<&Event> = events
            .iter()
            .filter(|e| e.target.value == "quiet")
            .collect();
        want.sort_by_key(|e| std::cmp::Reverse(e.start_time));
        want.into_iter()
            .skip(skip)
            .take(limit)
            .map(|e| e.id.clone())
            .collect()
    };
    let by_target = |skip, limit| EventFilter {
        target_value: Some("quiet".into()),
        skip,
        limit,
        ..all()
    };
    assert_eq!(listed(storage, by_target(0, 100), &u).await, quiet(0, 100));
    assert_eq!(listed(storage, by_target(1, 2), &u).await, quiet(1, 2));
    let by_kind = EventFilter {
        kind_names: vec!["app.deploy".into(), "no.such-kind".into()],
        ..all()
    };
    assert_eq!(listed(storage, by_kind, &u).await, quiet(0, 100));
    let by_owner = EventFilter {
        owner_name: Some("quiet@example.com".into()),
        limit: 3,
        ..all()
    };
    assert_eq!(listed(storage, by_owner, &u).await, quiet(0, 3));
    let oldest_first = EventFilter {
        target_value: Some("quiet".into()),
        sort: Some("starttime".into()),
        ..all()
    };
    let mut want = quiet(0, 100);
    want.reverse();
    assert_eq!(listed(storage, oldest_first, &u).await, want);

    // A running event is listed as running until it finishes, then as finished.
    let mut running = event("app", "quiet", "app.restart");
    running.start_time = at(1000);
    storage.insert(&running).await.expect("insert");
    let running_only = EventFilter {
        running: Some(true),
        ..all()
    };
    assert_eq!(
        listed(storage, running_only.clone(), &[&running]).await,
        vec![running.id.clone()]
    );
    let done = finished(running.clone(), at(1001));
    storage.update(&done).await.expect("finish");
    assert!(listed(storage, running_only, &[]).await.is_empty());
    assert!(storage
        .list_stale(at(100_000))
        .await
        .expect("stale")
        .iter()
        .all(|e| e.id != done.id));
    let finished_quiet = EventFilter {
        target_value: Some("quiet".into()),
        running: Some(false),
        limit: 1,
        ..all()
    };
    assert_eq!(
        storage
            .list(&finished_quiet)
            .await
            .expect("list")
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![done.id.clone()]
    );
}

/// `sort` names the field to order by, `-` for descending: `starttime`, `-starttime`,
/// `endtime`, `-endtime`; paging applies after sorting.
pub async fn list_sorts_by_the_requested_key(storage: &dyn EventStorage) {
    // Start order a, b, c; end order c, a, b.
    let mut a = past("app", "a", "app.deploy", 0);
    a.end_time = Some(at(50));
    let mut b = past("app", "b", "app.deploy", 10);
    b.end_time = Some(at(100));
    let c = past("app", "c", "app.deploy", 20);
    let u = [&a, &b, &c];
    insert_all(storage, &u).await;
    let sorted_by = |key: &str| EventFilter {
        sort: Some(key.into()),
        ..all()
    };
    assert_eq!(
        listed(storage, sorted_by("starttime"), &u).await,
        ids(&[&a, &b, &c])
    );
    assert_eq!(
        listed(storage, sorted_by("-starttime"), &u).await,
        ids(&[&c, &b, &a])
    );
    assert_eq!(
        listed(storage, sorted_by("endtime"), &u).await,
        ids(&[&c, &a, &b])
    );
    assert_eq!(
        listed(storage, sorted_by("-endtime"), &u).await,
        ids(&[&b, &a, &c])
    );
    let second_oldest = EventFilter {
        skip: 1,
        limit: 1,
        ..sorted_by("starttime")
    };
    assert_eq!(listed(storage, second_oldest, &u).await, ids(&[&b]));
}
