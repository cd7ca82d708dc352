//! Store commands per request, counted with the driver's command monitoring: each route's
//! budget holds whatever the number of apps, and a GET sends no write.
use std::collections::BTreeMap;

use tsuru_testkit::{mongo_url, use_fresh_mongo, Caller, TestServer};

/// Routes and their budgets: store commands per request, authentication included, once the
/// role snapshot and the pools' provisioner memo are warm (each is read again at most once a
/// second per process: up to two more commands then).
const BUDGETS: [(&str, u64); 5] = [
    ("/1.0/apps/app-0", 3),
    ("/1.0/apps", 4),
    ("/1.0/apps?simplified=true", 4),
    ("/1.0/teams", 3),
    ("/1.1/events?limit=10", 3),
];

async fn server_with_apps(url: &str, apps: usize) -> (TestServer, Caller) {
    let _ = url;
    let s = TestServer::spawn_with(|s| {
        use_fresh_mongo(s);
        // A volume plan, so that app info reads the app's volume binds too (its costliest
        // shape).
        s.volume_plans = std::collections::BTreeMap::from([(
            "local".into(),
            std::collections::BTreeMap::from([(
                "simulated".into(),
                std::collections::BTreeMap::from([(
                    "plugin".to_string(),
                    serde_json::json!("emptyDir"),
                )]),
            )]),
        )]);
        // No background work during the counts.
        s.webhook.poll_interval = 3600.0;
        s.event.lock_expiry = 3600;
        s.auth.last_use_interval = 3600;
    })
    .await;
    s.team("budget").await;
    let admin = s.admin();
    let key: String = admin.get("/1.0/users/api-key").await.json().await.expect("API key");
    s.default_pool("p1").await;
    for i in 0..apps {
        s.app(&format!("app-{i}"), "budget").await;
    }
    let by_key = s.with_token(&key);
    // The key's first use is written now, not during the counts.
    assert_eq!(by_key.get("/1.0/teams").await.status(), 200);
    s.record_credential_uses().await;
    (s, by_key)
}

/// Waits until the server has sent no store command for 300 ms (at most 10 s), so that work
/// still finishing after the set-up (on a loaded machine) is not counted against a request.
async fn until_quiet(s: &TestServer) {
    let total = |s: &TestServer| s.store_commands_by_kind().values().sum::<u64>();
    for _ in 0..33 {
        let before = total(s);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        if total(s) == before {
            return;
        }
    }
    panic!("the server kept sending store commands for 10 s after the set-up");
}

/// Commands one GET sent: their number and which they were.
async fn commands_of(s: &TestServer, caller: &Caller, path: &str) -> (u64, Vec<String>) {
    let before = s.store_commands_by_kind();
    let resp = caller.get(path).await;
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    let _ = resp.bytes().await;
    sent_since(s, &before)
}

/// The store commands sent since `before` (a [`TestServer::store_commands_by_kind`]): their
/// number and which they were.
fn sent_since(s: &TestServer, before: &BTreeMap<String, u64>) -> (u64, Vec<String>) {
    let mut sent = Vec::new();
    let mut n = 0;
    for (kind, count) in s.store_commands_by_kind() {
        let new = count - before.get(&kind).copied().unwrap_or(0);
        if new > 0 {
            n += new;
            sent.push(format!("{kind} x{new}"));
        }
    }
    (n, sent)
}

#[tokio::test]
async fn each_read_stays_within_its_store_command_budget_whatever_the_number_of_apps() {
    let Some(url) = mongo_url() else { return };
    // 150: more than the 101 documents of a first reply, so that a list in several replies
    // would show.
    for apps in [2, 150] {
        let (s, caller) = server_with_apps(&url, apps).await;
        for (path, budget) in BUDGETS {
            until_quiet(&s).await;
            let (cold, cold_sent) = commands_of(&s, &caller, path).await;
            let (n, sent) = commands_of(&s, &caller, path).await;
            println!("{apps} apps: GET {path}: {n} store commands {sent:?} (cold: {cold_sent:?})");
            assert!(
                n <= budget,
                "GET {path} with {apps} apps: {n} store commands (budget {budget}): {sent:?}"
            );
            assert!(
                cold <= budget + 2,
                "GET {path} with {apps} apps, cold: {cold} store commands: {cold_sent:?}"
            );
            assert!(
                sent.iter().all(|c| c.contains(".find ")
                    || c.contains(".aggregate ")
                    || c.contains(".count")),
                "GET {path} wrote: {sent:?}"
            );
        }
    }
}

/// An idle process (default settings) sends at most one store command every 2 s: the webhook
/// worker's look for other replicas' work.
#[tokio::test]
async fn an_idle_process_is_quiet() {
    let Some(_) = mongo_url() else { return };
    let s = TestServer::spawn_with(use_fresh_mongo).await;
    // Start-up work (indexes, the admin, the first looks at the queues) is over within a
    // second.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let before = s.store_commands_by_kind();
    let window = 6;
    tokio::time::sleep(std::time::Duration::from_secs(window)).await;
    let (n, sent) = sent_since(&s, &before);
    println!("idle for {window} s: {n} store commands {sent:?}");
    // One per 2 s, plus one for where the window falls.
    assert!(n <= window / 2 + 1, "idle for {window} s: {n} store commands: {sent:?}");
}

/// Store commands of one app creation, with the event, its lock, both quotas and the write
/// locks they take: at most [`APP_CREATE_BUDGET`], the same for the 1st and the 20th app. The
/// role snapshot, taken again at most once a second, is not counted.
const APP_CREATE_BUDGET: u64 = 24;

#[tokio::test]
async fn app_creation_stays_within_its_store_command_budget() {
    let Some(url) = mongo_url() else { return };
    let (s, _caller) = server_with_apps(&url, 3).await;
    for i in 0..20 {
        until_quiet(&s).await;
        let before = s.store_commands_by_kind();
        let secs = s.store_command_seconds_by_kind();
        let started = std::time::Instant::now();
        s.app(&format!("created-{i}"), "budget").await;
        let took = started.elapsed();
        let mut n = 0;
        let mut sent = Vec::new();
        let mut store_ms = 0.0;
        for (kind, count) in s.store_commands_by_kind() {
            let new = count - before.get(&kind).copied().unwrap_or(0);
            if new > 0 && kind != "roles.find" {
                n += new;
                sent.push(format!("{kind} x{new}"));
            }
        }
        for (kind, total) in s.store_command_seconds_by_kind() {
            store_ms += (total - secs.get(&kind).copied().unwrap_or(0.0)) * 1000.0;
        }
        if i == 0 || i == 19 {
            println!("app create #{i}: {n} store commands in {took:?} ({store_ms:.1} ms in the store): {sent:?}");
        }
        assert!(
            n <= APP_CREATE_BUDGET,
            "app create #{i}: {n} store commands (budget {APP_CREATE_BUDGET}): {sent:?}"
        );
    }
}
