//! Item 1: webhook body templates can neither crash nor stall the server. Hostile templates
//! are refused at create and update with 400, quickly; one already stored (as an older server
//! could have stored it) fails its delivery with the reason, and the server keeps serving.
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::mongo::MongoStore;
use tsuru_domain::records::Records;
use tsuru_domain::webhook::Webhook;
use tsuru_testkit::{fresh_database_name, mongo_selected, mongo_url, status_text, TestServer};

use crate::hook_probe::{create_hook, fast, finished};

fn hostile() -> Vec<(&'static str, String)> {
    vec![
        (
            "self-recursive template",
            r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#.to_string(),
        ),
        ("20,000 nested ifs", "{{if 1}}".repeat(20_000)),
        ("5,000 nested ifs", "{{if 1}}".repeat(5_000)),
        (
            "20,000 nested parentheses",
            format!("{{{{{}1{}}}}}", "(".repeat(20_000), ")".repeat(20_000)),
        ),
        ("a 999,999-wide printf", r#"{{printf "%0999999d" 1}}"#.to_string()),
    ]
}

async fn alive(s: &TestServer) {
    assert_eq!(s.anonymous().get("/healthcheck").await.status(), 200);
}

#[tokio::test]
async fn hostile_templates_are_refused_at_create_and_update() {
    let s = TestServer::spawn_with(fast).await;
    s.team("infra").await;
    let hook = |name: &str, body: &str| {
        json!({"name": name, "team_owner": "infra", "url": "https://hooks.example.com/x",
               "body": body})
    };
    for (label, body) in hostile() {
        let started = Instant::now();
        let (status, text) = create_hook(&s, &hook("h", &body)).await;
        let took = started.elapsed();
        eprintln!("create with {label}: {status} in {took:?}: {}", text.trim_end());
        assert_eq!(status, 400, "{label}: {text}");
        assert!(
            text.starts_with("webhook body template cannot be rendered: template: h: "),
            "{label}: {text}"
        );
        assert!(took < Duration::from_secs(5), "{label}: {took:?}");
        alive(&s).await;
    }
    assert_eq!(create_hook(&s, &hook("h", "{{.Kind.Name}}")).await.0, 200);
    for (label, body) in hostile() {
        let resp = s.admin().put_json("/1.6/events/webhooks/h", &hook("h", &body)).await;
        let (status, text) = status_text(resp).await;
        assert_eq!(status, 400, "update with {label}: {text}");
    }
    alive(&s).await;
    let stored = s.admin().get("/1.6/events/webhooks/h").await;
    let stored: serde_json::Value = stored.json().await.unwrap();
    assert_eq!(stored["body"], "{{.Kind.Name}}", "refused updates change nothing");
}

#[tokio::test]
async fn a_stored_hostile_hook_fails_its_deliveries_and_the_server_lives() {
    let hooks: Vec<Webhook> = hostile()
        .into_iter()
        .enumerate()
        .map(|(i, (_, body))| Webhook {
            name: format!("bad-{i}"),
            team_owner: "infra".into(),
            url: "http://127.0.0.1:9/".into(),
            body,
            ..Webhook::default()
        })
        .collect();
    // Stored behind the API's back, as a server without the checks could have.
    let s = if mongo_selected() {
        let (url, db) = (mongo_url().unwrap(), fresh_database_name());
        let store = Arc::new(MongoStore::connect(&url, &db).await.unwrap());
        for h in &hooks {
            Records::<Webhook>::insert(&*store, h).await.unwrap();
        }
        TestServer::spawn_with(|s| {
            fast(s);
            s.database.name = db;
        })
        .await
    } else {
        let store = Arc::new(MemoryStore::new());
        for h in &hooks {
            Records::<Webhook>::insert(&*store, h).await.unwrap();
        }
        TestServer::spawn_on(store, fast).await
    };
    let started = Instant::now();
    s.team("infra").await; // an event the hooks see
    for h in &hooks {
        let list = finished(&s, &h.name, 1).await;
        assert_eq!(list[0]["state"], "failed", "{}", h.name);
        assert_eq!(list[0]["attempts"], json!([]), "nothing was called");
        let err = list[0]["last_error"].as_str().unwrap();
        assert!(
            err.starts_with(&format!("unable to render the body template: template: {}: ", h.name)),
            "{err}"
        );
    }
    eprintln!("5 stored hostile hooks rendered and failed in {:?}", started.elapsed());
    alive(&s).await;
}
