//! Filtered lists at scale on the in-memory store: 100,000 apps and 1,000,000 events, each
//! filter sent 200 times over HTTP by one client, as the admin (who sees everything); p50 and
//! p99 per filter.
//!
//! ```sh
//! cargo bench -p tsuru-api --bench scale
//! SCALE_APPS=10000 SCALE_EVENTS=100000 cargo bench -p tsuru-api --bench scale   # smaller
//! ```
//!
//! Apps and events are written straight into the store (creating them through the API would
//! measure creation instead). Apps: 1,000 teams of 100 apps, 1,000 pools of 100 apps. Events:
//! one per (app, kind) in turn over 10 kinds and 1,000 owners, a second apart.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tsuru_adapters::memory::MemoryStore;
use tsuru_domain::app::AppStorage;
use tsuru_domain::event::{EventStorage, Kind, Owner};
use tsuru_domain::testing::{app, at, event, finished};
use tsuru_testkit::TestServer;

const KINDS: [&str; 10] = [
    "app.create",
    "app.update",
    "app.deploy",
    "app.restart",
    "app.update.env.set",
    "app.update.env.unset",
    "app.update.unit.add",
    "app.update.unit.remove",
    "app.start",
    "app.stop",
];
const ROUNDS: usize = 200;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn seed(store: &MemoryStore, apps: usize, events: usize) {
    for i in 0..apps {
        let mut a = app(&format!("app-{i:06}"));
        a.team_owner = format!("team-{:04}", i % 1000);
        a.teams = vec![a.team_owner.clone()];
        a.pool = format!("pool-{:04}", i % 1000);
        a.owner = format!("user-{:04}@example.com", i % 1000);
        AppStorage::insert(store, &a).await.expect("seed app");
    }
    for i in 0..events {
        let target = format!("app-{:06}", i % apps.max(1));
        let mut e = event("app", &target, KINDS[i % KINDS.len()]);
        e.kind = Kind::permission(KINDS[i % KINDS.len()]);
        e.owner = Owner::user(&format!("user-{:04}@example.com", i % 1000));
        let secs = i64::try_from(i).unwrap_or(i64::MAX);
        e.start_time = at(secs);
        e.lock_update_time = at(secs);
        let e = finished(e, at(secs + 1));
        EventStorage::insert(store, &e).await.expect("seed event");
    }
}

/// p50, p99 and max of `ROUNDS` calls of `path`, and the last body's size.
async fn measure(server: &TestServer, path: &str) -> (Duration, Duration, Duration, usize) {
    let (times, body) = server.admin().timed_gets(path, ROUNDS).await;
    let pick = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    (pick(50), pick(99), times[times.len() - 1], body.len())
}

#[tokio::main]
async fn main() {
    let apps = size("SCALE_APPS", 100_000);
    let events = size("SCALE_EVENTS", 1_000_000);
    let store = Arc::new(MemoryStore::new());
    let started = Instant::now();
    seed(&store, apps, events).await;
    println!("seeded {apps} apps and {events} events in {:.1?}", started.elapsed());
    let server = TestServer::spawn_on(store, |s| s.storage = "memory".into()).await;
    let routes = [
        "/1.0/apps?teamOwner=team-0042",
        "/1.0/apps?pool=pool-0042",
        "/1.0/apps?owner=user-0042@example.com",
        "/1.0/apps?name=app-00042",
        "/1.0/apps?teamOwner=team-0042&simplified=true",
        "/1.1/events?limit=20",
        "/1.1/events?target.type=app&target.value=app-000042&limit=20",
        "/1.1/events?kindname=app.deploy&limit=20",
        "/1.1/events?ownername=user-0042@example.com&limit=20",
        "/1.1/events?kindname=app.deploy&ownername=user-0042@example.com&limit=20&skip=20",
    ];
    println!("{:<80} {:>10} {:>10} {:>10} {:>10}", "GET", "p50", "p99", "max", "bytes");
    for path in routes {
        let (p50, p99, max, bytes) = measure(&server, path).await;
        println!("{path:<80} {p50:>10.2?} {p99:>10.2?} {max:>10.2?} {bytes:>10}");
    }
}
