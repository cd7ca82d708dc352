//! The event service's locks on the in-memory store: conflicts, waiting for app locks, expiry.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::system::{RandomIds, SystemClock};
use tsuru_domain::event::{Allowed, EventService, NewEvent, Owner, Target};
use tsuru_domain::{Error, Origin};

fn service(store: Arc<MemoryStore>, wait: Duration) -> Arc<EventService> {
    Arc::new(
        EventService::new(store, Arc::new(SystemClock), Arc::new(RandomIds::default()))
            .with_app_lock_wait(wait),
    )
}

fn new_event(ttype: &str, value: &str, kind: &str) -> NewEvent {
    NewEvent::with_owner(
        Target::new(ttype, value),
        kind,
        Owner::user("a@example.com"),
        &Origin::default(),
        Allowed::default(),
    )
}

#[tokio::test]
async fn a_second_event_on_a_locked_target_gets_tsurus_locked_text() {
    let events = service(Arc::new(MemoryStore::new()), Duration::ZERO);
    let first = events.start(new_event("team", "t1", "team.update")).await.unwrap();
    let err = events.start(new_event("team", "t1", "team.delete")).await.unwrap_err();
    let Error::Conflict(text) = err else { panic!("expected a conflict, got {err:?}") };
    let start = first.start_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        text,
        format!(
            "event locked: team(t1) running \"team.update\" start by user a@example.com at {start}"
        )
    );
    assert!(
        events.start(new_event("team", "t2", "team.update")).await.is_ok(),
        "other targets are free"
    );
    events.done(first, &Ok::<(), Error>(()), None).await;
    assert!(
        events.start(new_event("team", "t1", "team.delete")).await.is_ok(),
        "finishing releases the lock"
    );
}

#[tokio::test]
async fn events_on_apps_wait_for_the_lock_and_give_up_after_the_configured_time() {
    let events = service(Arc::new(MemoryStore::new()), Duration::from_millis(400));
    let holder = events.start(new_event("app", "a1", "app.update")).await.unwrap();
    let started = Instant::now();
    let err = events.start(new_event("app", "a1", "app.update.restart")).await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref t) if t.starts_with("event locked: app(a1)")),
        "{err:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(400), "it waited");
    let waiter = {
        let events = events.clone();
        tokio::spawn(
            async move { events.start(new_event("app", "a1", "app.update.restart")).await },
        )
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    events.done(holder, &Ok::<(), Error>(()), None).await;
    let got = waiter.await.unwrap();
    assert!(got.is_ok(), "the waiting event takes the lock once it is released: {got:?}");
}

#[tokio::test]
async fn non_app_targets_do_not_wait() {
    let events = service(Arc::new(MemoryStore::new()), Duration::from_secs(5));
    let _holder = events.start(new_event("pool", "p1", "pool.update")).await.unwrap();
    let started = Instant::now();
    assert!(events.start(new_event("pool", "p1", "pool.update")).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn unlocked_events_neither_hold_nor_wait_for_a_lock() {
    let events = service(Arc::new(MemoryStore::new()), Duration::ZERO);
    let a = events.start_unlocked(new_event("node", "", "node.create")).await.unwrap();
    let b = events
        .start_unlocked(new_event("node", "", "node.create"))
        .await
        .expect("a second one runs too");
    assert!(a.running && !a.locked);
    let locked =
        events.start(new_event("node", "", "node.update")).await.expect("the target is not locked");
    assert!(
        events.start_unlocked(new_event("node", "", "node.create")).await.is_ok(),
        "nor does it wait for a lock"
    );
    for e in [a, b, locked] {
        events.done(e, &Ok::<(), Error>(()), None).await;
    }
}
