//! `GET /1.0/apps` and `GET /1.0/apps/{app}` over HTTP with 1,000, 10,000 and 100,000 apps, on
//! the in-memory store and on MongoDB.
//!
//! ```sh
//! bash scripts/ferretdb.sh exec cargo bench -p tsuru-api --bench apps          # both stores
//! cargo bench -p tsuru-api --bench apps                                         # memory only
//! BENCH_SIZES=1000,10000 cargo bench -p tsuru-api --bench apps                  # fewer sizes
//! ```
//!
//! Apps are written straight into the store (creating 100,000 through the API would measure
//! creation instead); the simulated provisioner therefore reports no units for them, so the
//! figures are those of listing and rendering the apps themselves. Requests are sent one after
//! the other by one client over loopback, as the admin (who sees every app).
use std::sync::Arc;
use std::time::{Duration, Instant};

use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::mongo::MongoStore;
use tsuru_domain::app::AppStorage;
use tsuru_domain::testing::app;
use tsuru_testkit::{mongo_url, TestServer};

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

fn rounds(n: usize) -> usize {
    match n {
        0..=1_000 => 30,
        1_001..=10_000 => 10,
        _ => 3,
    }
}

async fn seed(store: &dyn AppStorage, n: usize) {
    for i in 0..n {
        let mut a = app(&format!("app-{i:06}"));
        a.teams = vec!["bench".into()];
        a.team_owner = "bench".into();
        store.insert(&a).await.expect("seed app");
    }
}

/// Median and mean of `rounds` timed calls, and the last body's size.
async fn time(server: &TestServer, path: &str, rounds: usize) -> (Duration, Duration, usize) {
    let (times, body) = server.admin().timed_gets(path, rounds).await;
    let mean = times.iter().sum::<Duration>() / u32::try_from(rounds).unwrap_or(1);
    (times[times.len() / 2], mean, body.len())
}

async fn report(store: &str, n: usize, server: &TestServer) {
    let r = rounds(n);
    let (median, mean, size) = time(server, "/1.0/apps", r).await;
    println!("{store:8} {n:>7} apps  GET /1.0/apps                 median {median:>10.2?}  mean {mean:>10.2?}  {size:>11} bytes  ({r} rounds)");
    let (median, mean, size) = time(server, "/1.0/apps?simplified=true", r).await;
    println!("{store:8} {n:>7} apps  GET /1.0/apps?simplified=true median {median:>10.2?}  mean {mean:>10.2?}  {size:>11} bytes  ({r} rounds)");
    let (median, mean, size) = time(server, &format!("/1.0/apps/app-{:06}", n / 2), 200).await;
    println!("{store:8} {n:>7} apps  GET /1.0/apps/{{app}}           median {median:>10.2?}  mean {mean:>10.2?}  {size:>11} bytes  (200 rounds)");
}

#[tokio::main]
async fn main() {
    for n in sizes() {
        let store = Arc::new(MemoryStore::new());
        seed(store.as_ref(), n).await;
        let server = TestServer::spawn_on(store, |s| s.storage = "memory".into()).await;
        report("memory", n, &server).await;
    }
    let Some(url) = mongo_url() else {
        println!(
            "mongodb: skipped (set TSURU_TEST_MONGODB_URL, e.g. with scripts/ferretdb.sh exec)"
        );
        return;
    };
    for n in sizes() {
        let db = format!("bench_apps_{n}_{}", std::process::id());
        let store = MongoStore::connect(&url, &db).await.expect("mongodb");
        let started = Instant::now();
        seed(&store, n).await;
        let seeded = started.elapsed();
        let (url2, db2) = (url.clone(), db.clone());
        let server = TestServer::spawn_with(move |s| {
            s.storage = "mongodb".into();
            s.database.url = url2;
            s.database.name = db2;
        })
        .await;
        report("mongodb", n, &server).await;
        println!("mongodb  {n:>7} apps  (seeding took {seeded:.1?})");
        let _ = store.database().drop().await;
    }
}
