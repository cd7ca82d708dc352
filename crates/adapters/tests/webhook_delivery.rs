//! The delivery worker and dispatcher on the in-memory store, with a scripted sender and a
//! manual clock: retry schedule, leases shared by several workers, request building.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::template::GoTemplates;
use tsuru_domain::clock::{Clock, IdGenerator};
use tsuru_domain::event::{Allowed, Owner};
use tsuru_domain::permission::Context;
use tsuru_domain::records::Records;
use tsuru_domain::testing::{at, delivery, event, finished, object_id, webhook};
use tsuru_domain::webhook::{
    signature, DeliveryConfig, DeliveryState, DeliveryStorage, DeliveryWorker, HookRequest,
    HookResponse, Webhook, WebhookDispatcher, WebhookSender, WebhookStorage,
};

struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn at(secs: i64) -> Arc<Self> {
        Arc::new(ManualClock(Mutex::new(at(secs))))
    }
    fn set(&self, secs: i64) {
        *self.0.lock().unwrap() = at(secs);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    fn sleep(&self, _: std::time::Duration) -> futures::future::BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

struct Ids;

impl IdGenerator for Ids {
    fn object_id(&self) -> String {
        object_id()
    }
    fn random_bytes(&self, n: usize) -> Vec<u8> {
        vec![7; n]
    }
}

/// Answers `statuses` in turn (the last repeats; 0 means "no response") and records every
/// request.
struct Scripted {
    statuses: Vec<u16>,
    sent: Mutex<Vec<HookRequest>>,
}

impl Scripted {
    fn new(statuses: &[u16]) -> Arc<Self> {
        Arc::new(Scripted { statuses: statuses.to_vec(), sent: Mutex::new(Vec::new()) })
    }
    fn sent(&self) -> Vec<HookRequest> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait]
impl WebhookSender for Scripted {
    async fn send(&self, req: &HookRequest) -> Result<HookResponse, String> {
        let n = {
            let mut sent = self.sent.lock().unwrap();
            sent.push(req.clone());
            sent.len()
        };
        // Yield so that concurrent workers interleave.
        tokio::task::yield_now().await;
        match self.statuses[(n - 1).min(self.statuses.len() - 1)] {
            0 => Err("connection refused".into()),
            status => Ok(HookResponse { status }),
        }
    }
}

fn header<'a>(req: &'a HookRequest, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn worker(
    store: &Arc<MemoryStore>,
    sender: &Arc<Scripted>,
    clock: &Arc<ManualClock>,
    id: &str,
    max_attempts: u32,
) -> DeliveryWorker {
    DeliveryWorker::new(
        store.clone(),
        sender.clone(),
        clock.clone(),
        id,
        DeliveryConfig {
            max_attempts,
            backoff: std::time::Duration::from_secs(10),
            lease: std::time::Duration::from_secs(60),
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_one_store_send_each_delivery_exactly_once() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::at(10);
    let sender = Scripted::new(&[200]);
    for i in 0..200 {
        DeliveryStorage::insert(&*store, &delivery("h", &format!("e{i}"), 0)).await.unwrap();
    }
    let workers: Vec<Arc<DeliveryWorker>> =
        ["w1", "w2"].iter().map(|id| Arc::new(worker(&store, &sender, &clock, id, 3))).collect();
    let tasks: Vec<_> = workers
        .iter()
        .map(|w| {
            let w = w.clone();
            tokio::spawn(async move {
                let mut sent = 0;
                loop {
                    let n = w.run_once(7).await.unwrap();
                    if n == 0 {
                        return sent;
                    }
                    sent += n;
                }
            })
        })
        .collect();
    let mut per_worker = Vec::new();
    for t in tasks {
        per_worker.push(t.await.unwrap());
    }
    assert_eq!(per_worker.iter().sum::<usize>(), 200, "{per_worker:?}");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for req in sender.sent() {
        *counts.entry(header(&req, "X-Tsuru-Delivery").unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(counts.len(), 200);
    assert!(counts.values().all(|&n| n == 1), "a delivery was sent twice");
    for d in store.list_by_webhook("h", 1000).await.unwrap() {
        assert_eq!(d.state, DeliveryState::Delivered);
        assert_eq!(d.claimed_by, None);
    }
}

#[tokio::test]
async fn retries_back_off_exponentially_and_give_up_after_the_last_attempt() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::at(0);
    let sender = Scripted::new(&[503, 0, 502, 500]);
    let w = worker(&store, &sender, &clock, "w", 4);
    let d = delivery("h", "e1", 0);
    DeliveryStorage::insert(&*store, &d).await.unwrap();
    // Attempt n waits 10 * 2^(n-1) s after attempt n: due at 10, 30, 70.
    let mut now = 0;
    for (attempt, wait) in [(1, 10), (2, 20), (3, 40)] {
        assert_eq!(w.run_once(10).await.unwrap(), 1, "attempt {attempt}");
        let stored = DeliveryStorage::find(&*store, &d.id).await.unwrap().unwrap();
        assert_eq!(stored.state, DeliveryState::Pending);
        assert_eq!(stored.attempts.len(), attempt);
        assert_eq!(stored.next_attempt_at, at(now + wait));
        clock.set(now + wait - 1);
        assert_eq!(w.run_once(10).await.unwrap(), 0, "not due yet");
        now += wait;
        clock.set(now);
    }
    assert_eq!(w.run_once(10).await.unwrap(), 1);
    let stored = DeliveryStorage::find(&*store, &d.id).await.unwrap().unwrap();
    assert_eq!(stored.state, DeliveryState::Failed);
    let statuses: Vec<Option<u16>> = stored.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(503), None, Some(502), Some(500)]);
    assert_eq!(stored.attempts[1].error, "connection refused");
    assert_eq!(stored.last_error, "invalid status code calling hook: 500");
    clock.set(100_000);
    assert_eq!(w.run_once(10).await.unwrap(), 0, "given up for good");
    assert_eq!(sender.sent().len(), 4);
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_does_not_overwrite_the_new_holder() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::at(0);
    let sender = Scripted::new(&[200]);
    let slow = worker(&store, &sender, &clock, "slow", 3);
    let other = worker(&store, &sender, &clock, "other", 3);
    let d = delivery("h", "e1", 0);
    DeliveryStorage::insert(&*store, &d).await.unwrap();
    let mine = slow.claim(10).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(other.claim(10).await.unwrap().is_empty(), "held");
    clock.set(61); // the lease of 60 s ran out
    let theirs = other.claim(10).await.unwrap();
    assert_eq!(theirs.len(), 1);
    let stale = slow.deliver(mine[0].clone()).await.unwrap();
    assert_eq!(stale.state, DeliveryState::Delivered);
    let stored = DeliveryStorage::find(&*store, &d.id).await.unwrap().unwrap();
    assert_eq!(stored.claimed_by.as_deref(), Some("other"), "not overwritten");
    assert!(stored.attempts.is_empty());
    other.deliver(theirs[0].clone()).await.unwrap();
    let stored = DeliveryStorage::find(&*store, &d.id).await.unwrap().unwrap();
    assert_eq!(stored.state, DeliveryState::Delivered);
    assert_eq!(stored.attempts.len(), 1);
}

#[tokio::test]
async fn signed_calls_carry_a_timestamp_and_an_hmac_of_it_and_the_body() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::at(0);
    let sender = Scripted::new(&[200]);
    let mut d = delivery("h", "e1", 0);
    d.secret = "s3cret".into();
    DeliveryStorage::insert(&*store, &d).await.unwrap();
    worker(&store, &sender, &clock, "w", 3).run_once(1).await.unwrap();
    let req = &sender.sent()[0];
    let ts = at(0).timestamp();
    assert_eq!(header(req, "X-Tsuru-Timestamp"), Some(ts.to_string().as_str()));
    assert_eq!(header(req, "X-Tsuru-Signature"), Some(signature("s3cret", ts, b"{}").as_str()));
    assert_eq!(header(req, "X-Tsuru-Delivery"), Some(d.id.as_str()));
}

#[tokio::test]
async fn the_dispatcher_queues_one_delivery_per_matching_hook_and_wakes_the_worker() {
    let store = Arc::new(MemoryStore::new());
    let clock = ManualClock::at(5);
    let woken = Arc::new(Mutex::new(0));
    let count = woken.clone();
    let dispatcher = WebhookDispatcher::new(
        store.clone(),
        store.clone(),
        Arc::new(GoTemplates),
        clock.clone(),
        Arc::new(Ids),
    )
    .with_wake(Arc::new(move || *count.lock().unwrap() += 1));
    let mut all = webhook("all", "infra");
    all.headers.insert("User-Agent".into(), vec!["mine/2".into()]);
    all.secret = "k".into();
    let mut apps = webhook("apps", "infra");
    apps.filter.target_types = vec!["app".into()];
    let mut put = webhook("put", "infra");
    put.method = "put".into();
    put.body = "{{.Owner.Name}} {{.Kind.Name}}".into();
    put.proxy_url = "proxy:3128".into();
    put.insecure = true;
    for h in [&all, &apps, &put] {
        Records::<Webhook>::insert(&*store, h).await.unwrap();
    }
    let mut e = finished(event("team", "t1", "team.create"), at(5));
    e.owner = Owner::token("ci");
    let mut elsewhere = e.clone();
    elsewhere.allowed = Allowed::new("team.read.events", vec![Context::team("t1")]);
    assert_eq!(
        dispatcher.dispatch(&elsewhere).await.unwrap(),
        0,
        "hooks of infra do not see events of t1"
    );
    e.allowed = Allowed::new("team.read.events", vec![Context::team("infra")]);
    assert_eq!(dispatcher.dispatch(&e).await.unwrap(), 2);
    assert_eq!(*woken.lock().unwrap(), 1);
    let to_all = &store.list_by_webhook("all", 10).await.unwrap()[0];
    assert_eq!(to_all.event_id, e.id);
    assert_eq!(to_all.event_kind, "team.create");
    assert_eq!(to_all.state, DeliveryState::Pending);
    assert_eq!(to_all.next_attempt_at, at(5));
    assert_eq!(to_all.secret, "k");
    assert_eq!(to_all.request.method, "POST");
    assert_eq!(header(&to_all.request, "User-Agent"), Some("mine/2"), "kept");
    assert_eq!(header(&to_all.request, "Content-Type"), Some("application/json"));
    let body: serde_json::Value =
        serde_json::from_str(to_all.request.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["UniqueID"], e.id.as_str());
    assert_eq!(body["Owner"], serde_json::json!({"Type": "token", "Name": "ci"}));
    let to_put = &store.list_by_webhook("put", 10).await.unwrap()[0];
    assert_eq!(to_put.request.method, "PUT");
    assert_eq!(to_put.request.body.as_deref(), Some("ci team.create"));
    assert_eq!(header(&to_put.request, "Content-Type"), None);
    assert_eq!(header(&to_put.request, "User-Agent"), Some("tsuru-webhook-client/1.0"));
    assert_eq!(to_put.request.proxy_url.as_deref(), Some("http://proxy:3128"));
    assert!(to_put.request.insecure);
    assert!(store.list_by_webhook("apps", 10).await.unwrap().is_empty());

    let mut none = finished(event("app", "a1", "app.deploy"), at(6));
    none.allowed = Allowed::new(
        "app.read.events",
        vec![
            Context::team("infra"),
            Context::new(tsuru_domain::permission::ContextType::App, "a1"),
        ],
    );
    let mut only_put = put.clone();
    only_put.filter.kind_names = vec!["team".into()];
    WebhookStorage::update(&*store, &only_put).await.unwrap();
    Records::<Webhook>::delete(&*store, "all").await.unwrap();
    assert_eq!(dispatcher.dispatch(&none).await.unwrap(), 1, "only `apps`");
    assert_eq!(*woken.lock().unwrap(), 2);
}
