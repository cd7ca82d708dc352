//! Insert, find and list on the in-memory store and on MongoDB, side by side.
//!
//! ```sh
//! bash scripts/ferretdb.sh exec cargo bench -p tsuru-adapters --bench storage
//! ```
//!
//! MongoDB is the server at `TSURU_TEST_MONGODB_URL` (set by `scripts/ferretdb.sh exec`; any
//! MongoDB works); without it only the in-memory store is measured. Each run uses a fresh
//! database. Operations run one after the other from one task, so the figures are latencies
//! of a single caller, not throughput under load.
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::mongo::MongoStore;
use tsuru_domain::event::{EventFilter, EventStorage};
use tsuru_domain::records::Records;
use tsuru_domain::team::{Team, TeamStorage};
use tsuru_domain::testing::{at, event, finished, team};

const TEAMS: usize = 1000;
const EVENTS: usize = 1000;
const LISTS: usize = 50;
const LOCK_CYCLES: usize = 200;

trait Store: TeamStorage + EventStorage {}
impl<T: TeamStorage + EventStorage> Store for T {}

/// Runs `op(i)` for `i` in `0..n` and returns the mean time per call.
async fn time<F, Fut>(n: usize, mut op: F) -> Duration
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let started = Instant::now();
    for i in 0..n {
        op(i).await;
    }
    started.elapsed() / u32::try_from(n).unwrap_or(u32::MAX)
}

async fn measure(store: Arc<dyn Store>) -> Vec<(&'static str, usize, Duration)> {
    let s = &store;
    let mut out = Vec::new();
    let d = time(TEAMS, |i| async move {
        Records::<Team>::insert(&**s, &team(&format!("team-{i:05}"))).await.unwrap();
    })
    .await;
    out.push(("team insert", TEAMS, d));
    let d = time(TEAMS, |i| async move {
        let name = format!("team-{:05}", (i * 7919) % TEAMS);
        assert!(Records::<Team>::find(&**s, &name).await.unwrap().is_some());
    })
    .await;
    out.push(("team find by name", TEAMS, d));
    let d = time(LISTS, |_| async move {
        assert_eq!(Records::<Team>::list(&**s).await.unwrap().len(), TEAMS);
    })
    .await;
    out.push(("team list (1000 teams)", LISTS, d));

    let d = time(EVENTS, |i| async move {
        let kind = if i % 2 == 0 { "app.deploy" } else { "app.update" };
        let secs = i64::try_from(i).unwrap_or_default();
        let mut e = event("app", &format!("app-{}", i % 50), kind);
        e.start_time = at(secs);
        EventStorage::insert(&**s, &finished(e, at(secs + 1))).await.unwrap();
    })
    .await;
    out.push(("event insert", EVENTS, d));
    let d = time(LISTS, |i| async move {
        let app = Some(format!("app-{}", i % 50));
        let filter = EventFilter { target_type: Some("app".into()), target_value: app, ..newest() };
        assert_eq!(EventStorage::list(&**s, &filter).await.unwrap().len(), 20);
    })
    .await;
    out.push(("event list by target (20 of 1000)", LISTS, d));
    let d = time(LISTS, |_| async move {
        let filter = EventFilter { kind_names: vec!["app.deploy".into()], ..newest() };
        assert_eq!(EventStorage::list(&**s, &filter).await.unwrap().len(), 100);
    })
    .await;
    out.push(("event list by kind, newest 100", LISTS, d));
    let d = time(LOCK_CYCLES, |_| async move {
        let e = event("app", "contended", "app.deploy");
        assert!(s.insert_locked(&e).await.unwrap().is_none());
        EventStorage::update(&**s, &finished(e, at(1))).await.unwrap();
    })
    .await;
    out.push(("event lock + finish", LOCK_CYCLES, d));
    out
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let memory = measure(Arc::new(MemoryStore::new())).await;
        let mongo = match std::env::var("TSURU_TEST_MONGODB_URL") {
            Ok(url) => {
                let db = format!("tsurud_bench_{}", uuid::Uuid::new_v4().simple());
                let store = MongoStore::connect(&url, &db).await.expect("MongoDB");
                Some(measure(Arc::new(store)).await)
            }
            Err(_) => {
                eprintln!("TSURU_TEST_MONGODB_URL is not set: measuring the in-memory store only");
                None
            }
        };
        println!("{:<36} {:>6} {:>14} {:>14}", "operation", "calls", "memory/call", "mongodb/call");
        for (i, (name, n, mem)) in memory.iter().enumerate() {
            let m = mongo.as_ref().map_or_else(|| "-".to_string(), |m| format!("{:.1?}", m[i].2));
            println!("{name:<36} {n:>6} {:>14} {m:>14}", format!("{mem:.1?}"));
        }
    });
}

/// The newest 100 events.
fn newest() -> EventFilter {
    EventFilter { limit: 100, ..EventFilter::default() }
}
