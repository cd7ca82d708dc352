//! Target locks and heartbeats.
use super::*;

/// `insert_locked` on targets nobody holds stores the event and returns `None`.
pub async fn locked_insert_on_a_free_target_is_stored(storage: &dyn EventStorage) {
    let a = event("app", "web", "app.deploy");
    let b = event("app", "api", "app.deploy");
    assert_eq!(locks(storage, &a).await, None);
    assert_eq!(locks(storage, &b).await, None);
    assert_eq!(sorted(&storage.list(&all()).await.expect("list"), |e| e.id.clone()), {
        let mut v = ids(&[&a, &b]);
        v.sort();
        v
    });
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
    via_extra.extra_targets =
        vec![extra_target("team", "t", true), extra_target("app", "web", true)];
    assert_eq!(locks(storage, &via_extra).await, Some(holder.clone()));
    assert_eq!(storage.find(&via_extra.id).await.expect("find"), None);
    // Nothing of the refused event was held: its other targets are still free.
    assert_eq!(locks(storage, &event("team", "t", "team.update")).await, None);
    assert_eq!(locks(storage, &event("app", "other", "app.update")).await, None);
}

/// Extra targets without `lock` are neither held by a running event nor checked on insert.
pub async fn unlocked_extra_targets_are_not_held(storage: &dyn EventStorage) {
    let mut holder = event("app", "web", "app.deploy");
    holder.extra_targets = vec![extra_target("pool", "p1", false)];
    assert_eq!(locks(storage, &holder).await, None);
    assert_eq!(locks(storage, &event("pool", "p1", "pool.update")).await, None);

    let mut mentions_web = event("app", "api", "app.deploy");
    mentions_web.extra_targets = vec![extra_target("app", "web", false)];
    assert_eq!(locks(storage, &mentions_web).await, None);
}

/// A lock covers one target type and value: the same value of another type, or another value
/// of the same type, is free.
pub async fn locks_are_per_target_type_and_value(storage: &dyn EventStorage) {
    let holder = event("app", "web", "app.deploy");
    assert_eq!(locks(storage, &holder).await, None);
    assert_eq!(locks(storage, &event("team", "web", "team.update")).await, None);
    assert_eq!(locks(storage, &event("app", "web2", "app.deploy")).await, None);
    assert_eq!(locks(storage, &event("app", "web", "app.deploy")).await, Some(holder));
}

/// Events stored with `insert`, finished or running without a lock, hold no target.
pub async fn events_inserted_without_lock_hold_nothing(storage: &dyn EventStorage) {
    let done = past("app", "web", "app.deploy", 0);
    let mut unlocked = event("app", "web", "app.update");
    unlocked.locked = false;
    insert_all(storage, &[&done, &unlocked]).await;
    assert_eq!(locks(storage, &event("app", "web", "app.deploy")).await, None);
}

/// Updating an event so that it no longer runs releases every target it held.
pub async fn finishing_an_event_releases_its_lock(storage: &dyn EventStorage) {
    let mut a = event("app", "web", "app.deploy");
    a.extra_targets = vec![extra_target("pool", "p1", true)];
    assert_eq!(locks(storage, &a).await, None);
    storage.update(&finished(a.clone(), at(5))).await.expect("finish");
    assert_eq!(locks(storage, &event("app", "web", "app.deploy")).await, None);
    assert_eq!(locks(storage, &event("pool", "p1", "pool.update")).await, None);

    // Stopping is what releases, even if the stored flag `locked` is left as it was.
    let b = event("team", "t", "team.update");
    assert_eq!(locks(storage, &b).await, None);
    let stopped = Event { running: false, end_time: Some(at(5)), ..b };
    storage.update(&stopped).await.expect("stop");
    assert_eq!(locks(storage, &event("team", "t", "team.update")).await, None);
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
    assert_eq!(locks(storage, &event("app", "web", "app.deploy")).await, Some(a));
}

/// Concurrent `insert_locked` of distinct events on one target: exactly one is stored, and
/// every other caller gets it back as the holder.
pub async fn concurrent_locked_inserts_on_one_target_admit_exactly_one(
    storage: Arc<dyn EventStorage>,
) {
    let events: Vec<Event> = (0..CONCURRENCY).map(|_| event("app", "web", "app.deploy")).collect();
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        let e = events[i].clone();
        async move { s.insert_locked(&e).await }
    })
    .await;
    let results: Vec<Option<Event>> = results.into_iter().map(|r| r.expect("lock")).collect();
    let winners: Vec<&Event> =
        events.iter().zip(&results).filter(|(_, r)| r.is_none()).map(|(e, _)| e).collect();
    assert_eq!(winners.len(), 1, "{} callers got the lock", winners.len());
    let winner = winners[0];
    for holder in results.iter().flatten() {
        assert_eq!(holder.id, winner.id);
    }
    assert_eq!(storage.list(&all()).await.expect("list"), std::slice::from_ref(winner));
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
    assert_eq!(locks(&*storage, &event("app", "contended", "app.deploy")).await, None);
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
    let named = [running.id.clone(), done.id.clone(), crate::testing::object_id()];
    storage.touch(&named, at(100)).await.expect("touch");
    assert_eq!(stored(storage, &running.id).await, Event { lock_update_time: at(100), ..running });
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
    assert_eq!(storage.list_stale(at(50)).await.expect("stale"), std::slice::from_ref(&stale));
    storage.touch(std::slice::from_ref(&stale.id), at(60)).await.expect("touch");
    assert!(storage.list_stale(at(50)).await.expect("stale").is_empty());
}
