//! Item 7: hooks call only public addresses unless the operator allows a network, checked on
//! every call against the resolved address; redirects are not followed; answers' bodies are
//! not kept.
use serde_json::json;
use tsuru_testkit::TestServer;

use crate::hook_probe::{create_hook, fast, finished, Probe};

/// An event hooks of team `infra` see.
async fn infra_event(s: &TestServer) {
    let resp = s.admin().put_json("/1.6/teams/infra", &json!({"tags": ["x"]})).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn hooks_do_not_reach_non_public_addresses_by_default() {
    let probe = Probe::start(200, None, "").await;
    let s = TestServer::spawn_with(|s| {
        fast(s);
        s.webhook.allowed_networks.clear(); // the default
    })
    .await;
    s.team("infra").await;
    let targets = [
        ("loopback", probe.url("/"), None),
        ("by-name", format!("http://localhost:{}/", probe.port), None),
        ("mapped", format!("http://[::ffff:127.0.0.1]:{}/", probe.port), None),
        ("metadata", "http://169.254.169.254/latest/meta-data/".to_string(), None),
        ("private", "http://10.255.255.1:9/".to_string(), None),
        ("via-proxy", "http://example.com/".to_string(), Some(format!("127.0.0.1:{}", probe.port))),
    ];
    for (name, url, proxy) in &targets {
        let mut hook = json!({"name": name, "team_owner": "infra", "url": url,
                              "event_filter": {"target_types": ["team"]}});
        if let Some(p) = proxy {
            hook["proxy_url"] = json!(p);
        }
        assert_eq!(create_hook(&s, &hook).await.0, 200, "{name}");
    }
    infra_event(&s).await;
    for (name, _, _) in &targets {
        let d = &finished(&s, name, 1).await[0];
        assert_eq!(d["state"], "failed", "{name}");
        let err = d["last_error"].as_str().unwrap();
        assert!(err.contains("is not a public address"), "{name}: {err}");
        assert!(err.contains("webhook.allowed-networks"), "{name}: {err}");
    }
    assert_eq!(probe.hits(), Vec::<String>::new(), "nothing reached loopback");
}

#[tokio::test]
async fn allowed_networks_open_loopback_but_redirects_stay_unfollowed() {
    let target = Probe::start(200, None, "").await;
    let redirect = Probe::start(307, Some(target.url("/inside")), "").await;
    let failing = Probe::start(500, None, "secret-token-123").await;
    // The test kit allows 127.0.0.0/8, as an operator could.
    let s = TestServer::spawn_with(fast).await;
    s.team("infra").await;
    for (name, url) in [("redirect", redirect.url("/hop")), ("failing", failing.url("/"))] {
        let hook = json!({"name": name, "team_owner": "infra", "url": url,
                          "event_filter": {"target_types": ["team"]}});
        assert_eq!(create_hook(&s, &hook).await.0, 200, "{name}");
    }
    infra_event(&s).await;
    let d = &finished(&s, "redirect", 1).await[0];
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["attempts"][0]["status"], 307);
    assert_eq!(redirect.hits(), vec!["POST /hop".to_string()]);
    assert_eq!(target.hits(), Vec::<String>::new(), "the redirect was not followed");
    let d = &finished(&s, "failing", 1).await[0];
    assert_eq!(d["state"], "failed");
    assert_eq!(d["last_error"], "invalid status code calling hook: 500");
    let stored = serde_json::to_string(d).unwrap();
    assert!(!stored.contains("secret-token-123"), "the answer's body is not kept: {stored}");
}
