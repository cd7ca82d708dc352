use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use tsuru_adapters::memory::MemoryStore;
use tsuru_api::Settings;
use tsuru_testkit::Caller;

use crate::receiver::{free_port, header, self_signed, Receiver};
use crate::{status_text, TestServer, ADMIN_EMAIL, FORBIDDEN, UNAUTHORIZED};

/// Fast delivery for tests: short polls, 200 ms first backoff, 3 attempts.
fn fast(s: &mut Settings) {
    s.webhook.poll_interval = 0.05;
    s.webhook.retry_backoff = 0.2;
    s.webhook.max_attempts = 3;
}

async fn server() -> TestServer {
    TestServer::spawn_with(fast).await
}

async fn create_hook(s: &TestServer, body: Value) {
    let resp = s.admin().post_json("/1.6/events/webhooks", &body).await;
    assert_eq!(status_text(resp).await, (200, String::new()), "{body}");
}

async fn hook_info(s: &TestServer, name: &str) -> Value {
    let resp = s.admin().get(&format!("/1.6/events/webhooks/{name}")).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn finished(list: &[Value], n: usize) -> bool {
    list.len() >= n && list.iter().all(|d| d["state"] != "pending")
}

/// An event the hooks of team `name` see (a hook sees only its owner team's events): a
/// successful `team.update` on `team:<name>`.
async fn team_event(s: &TestServer, name: &str) {
    let resp = s.admin().put_json(&format!("/1.6/teams/{name}"), &json!({"tags": ["x"]})).await;
    assert_eq!(resp.status(), 200, "update of team {name}");
}

#[tokio::test]
async fn creating_reading_and_listing_webhooks() {
    let s = server().await;
    s.team("infra").await;
    let body = json!({
        "name": "deploys",
        "description": "deploy news",
        "team_owner": "infra",
        "event_filter": {"target_types": ["app"], "kind_names": ["app.deploy"], "error_only": true},
        "url": "https://hooks.example.com/deploys",
        "proxy_url": "proxy.example.com:3128",
        "headers": {"X-Token": ["abc", "def"], "X-One": "single"},
        "method": "PUT",
        "body": "{{.Kind.Name}}",
        "insecure": true,
        "secret": "s3cret"
    });
    create_hook(&s, body).await;
    let resp = s.admin().get("/1.6/events/webhooks/deploys").await;
    assert_eq!(resp.headers()["content-type"], "application/json");
    let text = resp.text().await.unwrap();
    assert!(text.ends_with("}\n"));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({
            "name": "deploys",
            "description": "deploy news",
            "team_owner": "infra",
            "event_filter": {
                "target_types": ["app"], "target_values": [], "kind_types": [],
                "kind_names": ["app.deploy"], "error_only": true, "success_only": false
            },
            "url": "https://hooks.example.com/deploys",
            "proxy_url": "proxy.example.com:3128",
            "headers": {"X-One": ["single"], "X-Token": ["abc", "def"]},
            "method": "PUT",
            "body": "{{.Kind.Name}}",
            "insecure": true,
            "secret": "*****"
        })
    );
    // The form encoding of the official client's era works too, without a secret.
    let form = [
        ("name", "formed"),
        ("team_owner", "infra"),
        ("url", "http://hooks.example.com/f"),
        ("event_filter.kind_names.0", "app"),
        ("event_filter.kind_names.1", "team"),
        ("event_filter.success_only", "true"),
        ("headers.X-Foo.0", "bar"),
        ("headers.X-Foo.1", "baz"),
    ];
    let resp = s.admin().post_form("/1.6/events/webhooks", &form).await;
    assert_eq!(status_text(resp).await, (200, String::new()));
    let formed = hook_info(&s, "formed").await;
    assert_eq!(formed["event_filter"]["kind_names"], json!(["app", "team"]));
    assert_eq!(formed["event_filter"]["success_only"], true);
    assert_eq!(formed["headers"], json!({"X-Foo": ["bar", "baz"]}));
    assert!(formed.get("secret").is_none(), "no secret: no key");

    let list: Value = s.admin().get("/1.6/events/webhooks").await.json().await.unwrap();
    let names: Vec<&str> =
        list.as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["deploys", "formed"]);
    // The bare path reaches the list too; tsuru's 1.1 prefix still means an event id.
    assert_eq!(s.admin().get("/events/webhooks").await.status(), 200);
    assert_eq!(
        status_text(s.admin().get("/1.1/events/webhooks").await).await,
        (400, "uuid parameter is not ObjectId: webhooks\n".into())
    );

    let events = s.events("target.type=webhook&target.value=deploys").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Kind"]["Name"], "webhook.create");
    assert_eq!(
        events[0]["Allowed"],
        json!({"Scheme": "webhook.read.events", "Contexts": [{"CtxType": "team", "Value": "infra"}]})
    );
    let full: Value = s
        .admin()
        .get(&format!("/1.1/events/{}", events[0]["UniqueID"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    let data = full["CustomData"]["Start"].as_array().unwrap();
    assert!(data.contains(&json!({"name": "secret", "value": "*****"})), "{data:?}");
    assert!(
        data.contains(&json!({"name": "headers", "value": {"X-Token": "*****", "X-One": "*****"}})),
        "{data:?}"
    );
}

#[tokio::test]
async fn webhook_creation_errors_are_4xx() {
    let s = server().await;
    s.team("infra").await;
    s.team("web").await;
    let admin = s.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        async move { status_text(admin.post_json("/1.6/events/webhooks", &body).await).await }
    };
    let ok =
        |name: &str| json!({"name": name, "team_owner": "infra", "url": "http://x.example.com/"});
    let with = |key: &str, v: Value| {
        let mut b = ok("h");
        b[key] = v;
        b
    };
    assert_eq!(
        post(with("name", json!(""))).await,
        (400, "webhook name must not be empty\n".into())
    );
    assert_eq!(
        post(with("name", json!("Bad_Name"))).await,
        (400, "Invalid webhook name, webhook name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.\n".into())
    );
    assert_eq!(post(with("url", json!(""))).await, (400, "webhook url must not be empty\n".into()));
    let (status, body) = post(with("url", json!("no scheme"))).await;
    assert_eq!(status, 400);
    assert!(body.starts_with("webhook url is not valid: "), "{body}");
    let (status, body) = post(with("proxy_url", json!("http://[::1"))).await;
    assert_eq!(status, 400);
    assert!(body.starts_with("webhook proxy url is not valid: "), "{body}");
    assert_eq!(
        post(with("method", json!("GE T"))).await,
        (400, "webhook method is not valid: \"GE T\"\n".into())
    );
    assert_eq!(
        post(with("headers", json!({"X-A": ["a\r\nX-Evil: 1"]}))).await,
        (400, "webhook header is not valid: \"X-A\"\n".into())
    );
    let (status, body) = post(with("headers", json!({"X-A": [1]}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(with("insecure", json!("maybe"))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(post(with("team_owner", json!("ghost"))).await, (404, "team not found\n".into()));
    assert_eq!(
        post(json!({"name": "h", "url": "http://x.example.com/"})).await,
        (400, "You must provide a team to execute this action.\n".into())
    );
    assert_eq!(post(ok("h")).await, (200, String::new()));
    assert_eq!(post(ok("h")).await, (409, "webhook already exists with the same name\n".into()));
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(bob.post_json("/1.6/events/webhooks", &ok("b")).await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(s.anonymous().post_json("/1.6/events/webhooks", &ok("b")).await).await,
        (401, UNAUTHORIZED.into())
    );
    // A member of one team gets it picked.
    let carol = s.member("carol@example.com", "web", &["webhook"]).await;
    let resp = carol
        .post_json(
            "/1.6/events/webhooks",
            &json!({"name": "carols", "url": "http://x.example.com/"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(hook_info(&s, "carols").await["team_owner"], "web");
    let events = s.events("target.type=webhook&target.value=h").await;
    assert!(events.iter().any(|e| e["Error"] == "webhook url must not be empty"));
}

#[tokio::test]
async fn updating_webhooks() {
    let s = server().await;
    s.team("infra").await;
    s.team("web").await;
    create_hook(
        &s,
        json!({"name": "h", "team_owner": "infra", "url": "http://a.example.com/",
               "description": "d", "secret": "one", "headers": {"X-A": ["1"]}}),
    )
    .await;
    let put = |caller: Caller, body: Value| async move {
        status_text(caller.put_json("/1.6/events/webhooks/h", &body).await).await
    };
    // A full replacement: omitted fields become empty; the secret stays unless sent.
    assert_eq!(
        put(s.admin(), json!({"team_owner": "infra", "url": "http://b.example.com/"})).await,
        (200, String::new())
    );
    let h = hook_info(&s, "h").await;
    assert_eq!(h["url"], "http://b.example.com/");
    assert_eq!(h["description"], "");
    assert_eq!(h["headers"], json!({}));
    assert_eq!(h["secret"], "*****");
    // Sending back what GET shows keeps it too; an empty one removes it.
    assert_eq!(
        put(s.admin(), json!({"url": "http://b.example.com/", "secret": "*****"})).await,
        (200, String::new())
    );
    assert_eq!(hook_info(&s, "h").await["secret"], "*****");
    assert_eq!(hook_info(&s, "h").await["team_owner"], "infra", "empty keeps the owner");
    assert_eq!(
        put(s.admin(), json!({"url": "http://b.example.com/", "secret": ""})).await,
        (200, String::new())
    );
    assert!(hook_info(&s, "h").await.get("secret").is_none());
    assert_eq!(
        put(s.admin(), json!({"url": ""})).await,
        (400, "webhook url must not be empty\n".into())
    );
    assert_eq!(
        put(s.admin(), json!({"url": "http://b.example.com/", "team_owner": "ghost"})).await,
        (404, "team not found\n".into())
    );
    let missing = s
        .admin()
        .put_json("/1.6/events/webhooks/nope", &json!({"url": "http://b.example.com/"}))
        .await;
    assert_eq!(status_text(missing).await, (404, "webhook not found\n".into()));

    // Moving a hook needs the update permission on both teams (tsuru checked only the new
    // one, so anyone could take another team's hook).
    let web = s.member("web@example.com", "web", &["webhook"]).await;
    assert_eq!(
        put(web.clone(), json!({"url": "http://evil.example.com/", "team_owner": "web"})).await,
        (403, FORBIDDEN.into())
    );
    let infra = s.member("infra@example.com", "infra", &["webhook"]).await;
    assert_eq!(
        put(infra.clone(), json!({"url": "http://b.example.com/", "team_owner": "web"})).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(hook_info(&s, "h").await["url"], "http://b.example.com/");
    s.assign("r-infra", "infra@example.com", "web").await;
    assert_eq!(
        put(infra, json!({"url": "http://c.example.com/", "team_owner": "web"})).await,
        (200, String::new())
    );
    assert_eq!(hook_info(&s, "h").await["team_owner"], "web");
    assert_eq!(
        status_text(s.anonymous().put_json("/1.6/events/webhooks/h", &json!({})).await).await,
        (401, UNAUTHORIZED.into())
    );
    let events = s.events("target.type=webhook&target.value=h&kindname=webhook.update").await;
    assert_eq!(events.len(), 6, "every update that passed the checks");
}

#[tokio::test]
async fn deleting_webhooks_and_reading_them_needs_the_teams_permissions() {
    let s = server().await;
    s.team("infra").await;
    s.team("web").await;
    for (name, team) in [("i1", "infra"), ("w1", "web")] {
        create_hook(&s, json!({"name": name, "team_owner": team, "url": "http://x.example.com/"}))
            .await;
    }
    let reader = s.member("reader@example.com", "web", &["webhook.read"]).await;
    let list: Value = reader.get("/1.6/events/webhooks").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "w1");
    assert_eq!(reader.get("/1.6/events/webhooks/w1").await.status(), 200);
    assert_eq!(
        status_text(reader.get("/1.6/events/webhooks/i1").await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(reader.get("/1.6/events/webhooks/i1/deliveries").await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(reader.delete("/1.6/events/webhooks/w1").await).await,
        (403, FORBIDDEN.into()),
        "read is not delete"
    );
    let nobody = s.user("nobody@example.com").await;
    assert_eq!(
        status_text(nobody.get("/1.6/events/webhooks").await).await,
        (204, String::new()),
        "tsuru listed every webhook, headers included, here"
    );
    assert_eq!(
        status_text(nobody.get("/1.6/events/webhooks/nope").await).await,
        (404, "webhook not found\n".into())
    );
    for path in
        ["/1.6/events/webhooks", "/1.6/events/webhooks/w1", "/1.6/events/webhooks/w1/deliveries"]
    {
        assert_eq!(
            status_text(s.anonymous().get(path).await).await,
            (401, UNAUTHORIZED.into()),
            "{path}"
        );
    }
    assert_eq!(
        status_text(s.anonymous().delete("/1.6/events/webhooks/w1").await).await,
        (401, UNAUTHORIZED.into())
    );
    assert_eq!(
        status_text(s.admin().delete("/1.6/events/webhooks/w1").await).await,
        (200, String::new())
    );
    assert_eq!(
        status_text(s.admin().delete("/1.6/events/webhooks/w1").await).await,
        (404, "webhook not found\n".into())
    );
    assert_eq!(
        status_text(s.admin().get("/1.6/events/webhooks/w1/deliveries").await).await,
        (404, "webhook not found\n".into())
    );
    let events = s.events("target.type=webhook&target.value=w1&kindname=webhook.delete").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Owner"]["Name"], ADMIN_EMAIL);
}

#[tokio::test]
async fn matching_hooks_get_the_event_json_with_tsurus_headers() {
    let r = Receiver::start(&[]);
    let s = server().await;
    s.team("infra").await;
    let filter = |extra: Value| {
        let mut f = json!({"target_types": ["team"], "kind_names": ["team"]});
        f.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        f
    };
    create_hook(
        &s,
        json!({"name": "ok", "team_owner": "infra", "url": r.url("/ok"),
               "event_filter": filter(json!({"success_only": true})),
               "headers": {"X-Custom": ["yes"], "Content-Type": ["text/plain"]}}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "err", "team_owner": "infra", "url": r.url("/err"),
               "event_filter": filter(json!({"error_only": true}))}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "apps", "team_owner": "infra", "url": r.url("/apps"),
               "event_filter": {"target_types": ["app"]}}),
    )
    .await;
    s.team("other").await;
    team_event(&s, "infra").await; // team.update on infra: "ok"
    let dup = s.admin().put_json("/1.6/teams/infra", &json!({"newname": "other"})).await;
    assert_eq!(dup.status(), 409); // a failed team.update: "err"
    create_hook(
        &s,
        json!({"name": "get", "team_owner": "infra", "url": r.url("/get"), "method": "get",
               "event_filter": {"target_values": ["infra"]}}),
    )
    .await;
    team_event(&s, "infra").await; // "ok" and "get"
    r.wait_for(4).await;
    let got = r.settle(4, Duration::from_millis(300)).await;
    let by_path = |p: &str| -> Vec<&Value> { got.iter().filter(|q| q["path"] == p).collect() };
    assert_eq!(by_path("/ok").len(), 2);
    assert_eq!(by_path("/err").len(), 1);
    assert_eq!(by_path("/get").len(), 1);
    assert!(by_path("/apps").is_empty(), "no app event happened");

    let ev = s.events("target.type=team&target.value=infra&kindname=team.update").await;
    let success = ev.iter().find(|e| e["Error"] == "").unwrap();
    let failure = ev.iter().find(|e| e["Error"] != "").unwrap();
    let success_id = success["UniqueID"].as_str().unwrap();
    let req = by_path("/ok")
        .into_iter()
        .find(|q| q["body"].as_str().unwrap().contains(success_id))
        .unwrap();
    assert_eq!(req["method"], "POST");
    assert_eq!(header(req, "content-type"), Some("application/json"), "the stored one is replaced");
    assert_eq!(header(req, "user-agent"), Some("tsuru-webhook-client/1.0"));
    assert_eq!(header(req, "x-custom"), Some("yes"));
    assert_eq!(header(req, "x-tsuru-signature"), None, "no secret, no signature");
    assert_eq!(header(req, "x-tsuru-delivery").map(str::len), Some(24));
    let body: Value = serde_json::from_str(req["body"].as_str().unwrap()).unwrap();
    assert_eq!(&body, success, "the body is the event as the event list shows it");
    assert!(!req["body"].as_str().unwrap().ends_with('\n'));
    let err: Value = serde_json::from_str(by_path("/err")[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(err["UniqueID"], failure["UniqueID"]);
    assert_eq!(err["Error"], "team already exists");
    let get = by_path("/get")[0];
    assert_eq!(get["method"], "GET");
    assert_eq!(get["body"], "", "GET without a template sends no body");
    assert_eq!(header(get, "content-type"), None);

    let list = s.wait_deliveries("ok", |l| finished(l, 2)).await;
    assert_eq!(list.len(), 2);
    let d = &list[0];
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["webhook"], "ok");
    assert_eq!(d["event_kind"], "team.update");
    assert_eq!(d["method"], "POST");
    assert_eq!(d["url"], r.url("/ok"));
    assert_eq!(d["last_error"], "");
    assert_eq!(d["next_attempt_at"], "0001-01-01T00:00:00Z");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(d["attempts"][0]["number"], 1);
    assert_eq!(d["attempts"][0]["status"], 200);
    assert_eq!(d["attempts"][0]["error"], "");
    let newest_first: Vec<&str> = list.iter().map(|d| d["event_id"].as_str().unwrap()).collect();
    assert_eq!(newest_first[0], success_id, "the newest success first");
    assert!(s.deliveries("apps").await.is_empty());
    let resp = s.admin().get("/1.6/events/webhooks/ok/deliveries?limit=1").await;
    assert_eq!(resp.json::<Vec<Value>>().await.unwrap().len(), 1);
    assert_eq!(s.admin().get("/1.6/events/webhooks/ok/deliveries?limit=-1").await.status(), 400);
    assert_eq!(
        status_text(s.admin().get("/1.6/events/webhooks/apps/deliveries").await).await,
        (204, String::new())
    );
}

#[tokio::test]
async fn template_bodies_are_rendered_with_tsurus_field_names() {
    let r = Receiver::start(&[]);
    let s = server().await;
    s.team("infra").await;
    let only_t1 = json!({"target_values": ["infra"], "target_types": ["team"]});
    create_hook(
        &s,
        json!({"name": "tmpl", "team_owner": "infra", "url": r.url("/tmpl"), "method": "PUT",
               "event_filter": only_t1,
               "body": "{\"text\":\"{{.Kind.Name}} on {{.Target.Type}} {{.Target.Value}} by {{.Owner.Name}} id={{.UniqueID.Hex}} at {{.StartTime}}{{if .Error}} failed{{end}}\"}"}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "unparsable", "team_owner": "infra", "url": r.url("/raw"),
               "event_filter": only_t1, "body": "raw {{.Kind.Name"}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "broken", "team_owner": "infra", "url": r.url("/broken"),
               "event_filter": only_t1,
               // Renders on the hook's own creation event (tried at create), fails on a team's.
               "body": "{{if eq .Target.Type \"team\"}}{{.NoSuchField.X}}{{end}}"}),
    )
    .await;
    team_event(&s, "infra").await;
    r.wait_for(2).await;
    let got = r.settle(2, Duration::from_millis(300)).await;
    let ev = &s.events("target.type=team&target.value=infra&kindname=team.update").await[0];
    let id = ev["UniqueID"].as_str().unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(ev["StartTime"].as_str().unwrap()).unwrap();
    let go_time = start.format("%Y-%m-%d %H:%M:%S%.f +0000 UTC").to_string();
    let go_time = match go_time.split_once('.') {
        Some((a, b)) => {
            let (frac, rest) = b.split_once(' ').unwrap();
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{a} {rest}")
            } else {
                format!("{a}.{frac} {rest}")
            }
        }
        None => go_time,
    };
    let tmpl = got.iter().find(|q| q["path"] == "/tmpl").unwrap();
    assert_eq!(tmpl["method"], "PUT");
    assert_eq!(
        tmpl["body"],
        format!("{{\"text\":\"team.update on team infra by {ADMIN_EMAIL} id={id} at {go_time}\"}}")
    );
    assert_eq!(header(tmpl, "content-type"), None, "no Content-Type is added to templates");
    let raw = got.iter().find(|q| q["path"] == "/raw").unwrap();
    assert_eq!(raw["body"], "raw {{.Kind.Name", "an unparsable template is sent as it is");
    assert!(got.iter().all(|q| q["path"] != "/broken"), "a failing template calls nothing");
    let broken = s.wait_deliveries("broken", |l| finished(l, 1)).await;
    assert_eq!(broken[0]["state"], "failed");
    assert_eq!(broken[0]["attempts"], json!([]));
    let err = broken[0]["last_error"].as_str().unwrap();
    assert!(err.starts_with("unable to render the body template: template: broken: "), "{err}");
}

#[tokio::test]
async fn calls_of_hooks_with_a_secret_are_signed() {
    let r = Receiver::start(&["--secret", "s3cret"]);
    let s = server().await;
    s.team("infra").await;
    create_hook(
        &s,
        json!({"name": "signed", "team_owner": "infra", "url": r.url("/s"), "secret": "s3cret",
               "event_filter": {"target_types": ["team"]}}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "wrong", "team_owner": "infra", "url": r.url("/w"), "secret": "other",
               "event_filter": {"target_types": ["team"]}}),
    )
    .await;
    team_event(&s, "infra").await;
    let got = r.wait_for(2).await;
    let signed = got.iter().find(|q| q["path"] == "/s").unwrap();
    let ts: i64 = header(signed, "x-tsuru-timestamp").unwrap().parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    assert!(header(signed, "x-tsuru-signature").unwrap().starts_with("sha256="));
    assert_eq!(signed["signature_ok"], true, "the receiver's own HMAC agrees");
    let wrong = got.iter().find(|q| q["path"] == "/w").unwrap();
    assert_eq!(wrong["signature_ok"], false, "a different secret does not verify");
}

#[tokio::test]
async fn a_503_is_retried_with_backoff_until_it_succeeds() {
    let r = Receiver::start(&["--statuses", "503,200"]);
    let s = server().await;
    s.team("infra").await;
    create_hook(
        &s,
        json!({"name": "flaky", "team_owner": "infra", "url": r.url("/"),
               "event_filter": {"target_types": ["team"]}}),
    )
    .await;
    team_event(&s, "infra").await;
    r.wait_for(2).await;
    let got = r.settle(2, Duration::from_millis(700)).await;
    assert_eq!(
        header(&got[0], "x-tsuru-delivery"),
        header(&got[1], "x-tsuru-delivery"),
        "one delivery, two attempts"
    );
    assert_eq!(got[0]["body"], got[1]["body"]);
    let list = s.wait_deliveries("flaky", |l| finished(l, 1)).await;
    let d = &list[0];
    assert_eq!(d["state"], "delivered");
    assert_eq!(d["last_error"], "");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status"], 503);
    assert_eq!(attempts[0]["error"], "invalid status code calling hook: 503");
    assert_eq!(attempts[1]["status"], 200);
    let t = |a: &Value| chrono::DateTime::parse_from_rfc3339(a["time"].as_str().unwrap()).unwrap();
    assert!(
        (t(&attempts[1]) - t(&attempts[0])).num_milliseconds() >= 200,
        "the retry waited for the backoff"
    );
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_5xx_stop_after_the_last_attempt() {
    let bad = Receiver::start(&["--statuses", "400"]);
    let down = Receiver::start(&["--statuses", "503"]);
    let s = server().await;
    s.team("infra").await;
    for (name, r) in [("bad", &bad), ("down", &down)] {
        create_hook(
            &s,
            json!({"name": name, "team_owner": "infra", "url": r.url("/"),
                   "event_filter": {"target_types": ["team"]}}),
        )
        .await;
    }
    team_event(&s, "infra").await;
    let failed = s.wait_deliveries("down", |l| finished(l, 1)).await;
    // 3 attempts with 0.2 s and 0.4 s waits are over; a retry of the 400 would be too.
    bad.settle(1, Duration::from_millis(300)).await;
    down.settle(3, Duration::ZERO).await;
    let d = &failed[0];
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(d["last_error"], "invalid status code calling hook: 503");
    let b = &s.deliveries("bad").await[0];
    assert_eq!(b["state"], "failed");
    assert_eq!(b["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(b["attempts"][0]["status"], 400);
    assert_eq!(b["last_error"], "invalid status code calling hook: 400");
}

#[tokio::test]
async fn deliveries_left_by_a_stopped_process_are_sent_by_the_next_one() {
    let store = Arc::new(MemoryStore::new());
    let port = free_port();
    let first = TestServer::spawn_on(store.clone(), |s| {
        fast(s);
        s.webhook.retry_backoff = 0.5;
        s.webhook.max_attempts = 10;
    })
    .await;
    first.team("infra").await;
    create_hook(
        &first,
        json!({"name": "later", "team_owner": "infra",
               "url": format!("http://127.0.0.1:{port}/later"),
               "event_filter": {"target_types": ["team"], "target_values": ["infra"]}}),
    )
    .await;
    team_event(&first, "infra").await;
    // Nobody listens yet: the first attempt fails to connect and a retry is scheduled.
    let list = first
        .wait_deliveries("later", |l| {
            l.len() == 1 && !l[0]["attempts"].as_array().unwrap().is_empty()
        })
        .await;
    assert_eq!(list[0]["state"], "pending");
    assert_eq!(list[0]["attempts"][0]["status"], Value::Null);
    assert!(!list[0]["attempts"][0]["error"].as_str().unwrap().is_empty());
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The receiver comes up while no tsurud runs: nothing arrives, the stopped process's
    // worker is gone.
    let r = Receiver::start(&["--port", &port.to_string()]);
    r.settle(0, Duration::from_millis(1200)).await;

    let second = TestServer::spawn_on(store, fast).await;
    let got = r.wait_for(1).await;
    r.settle(1, Duration::from_millis(300)).await;
    assert_eq!(got[0]["path"], "/later");
    let list = second.wait_deliveries("later", |l| finished(l, 1)).await;
    let d = &list[0];
    assert_eq!(d["state"], "delivered");
    let attempts = d["attempts"].as_array().unwrap();
    assert!(attempts.len() >= 2, "{attempts:?}");
    assert_eq!(attempts.last().unwrap()["status"], 200);
}

#[tokio::test]
async fn processes_sharing_a_store_send_each_delivery_once() {
    let r = Receiver::start(&[]);
    let store = Arc::new(MemoryStore::new());
    let a = TestServer::spawn_on(store.clone(), fast).await;
    let b = TestServer::spawn_on(store, fast).await;
    a.team("infra").await;
    create_hook(
        &a,
        json!({"name": "shared", "team_owner": "infra", "url": r.url("/"),
               "event_filter": {"kind_names": ["team.update"]}}),
    )
    .await;
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        team_event(server, "infra").await;
    }
    r.wait_for(10).await;
    let got = r.settle(10, Duration::from_millis(500)).await;
    let mut ids: Vec<&str> = got.iter().map(|q| header(q, "x-tsuru-delivery").unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10, "no delivery was sent twice");
    let mut events: Vec<String> = got
        .iter()
        .map(|q| {
            let body: Value = serde_json::from_str(q["body"].as_str().unwrap()).unwrap();
            body["UniqueID"].as_str().unwrap().to_string()
        })
        .collect();
    events.sort();
    let mut want: Vec<String> = a
        .events("target.type=team&target.value=infra&kindname=team.update")
        .await
        .iter()
        .map(|e| e["UniqueID"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert_eq!(events, want, "each of the 10 events once");
}

#[tokio::test]
async fn tls_receivers_with_a_self_signed_certificate_need_insecure() {
    let c = self_signed();
    let r = Receiver::start(&["--tls-cert", &c.cert, "--tls-key", &c.key]);
    let s = TestServer::spawn_with(|s| {
        fast(s);
        s.webhook.max_attempts = 2;
        s.webhook.retry_backoff = 0.05;
    })
    .await;
    s.team("infra").await;
    let filter = json!({"target_types": ["team"], "target_values": ["infra"]});
    create_hook(
        &s,
        json!({"name": "insecure", "team_owner": "infra", "url": r.url("/insecure"),
               "insecure": true, "event_filter": filter}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "verified", "team_owner": "infra", "url": r.url("/verified"),
               "event_filter": filter}),
    )
    .await;
    team_event(&s, "infra").await;
    let failed = s.wait_deliveries("verified", |l| finished(l, 1)).await;
    s.wait_deliveries("insecure", |l| finished(l, 1)).await;
    let got = r.settle(1, Duration::from_millis(100)).await;
    assert_eq!(got[0]["path"], "/insecure");
    assert_eq!(s.deliveries("insecure").await[0]["state"], "delivered");
    let d = &failed[0];
    assert_eq!(d["state"], "failed");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2, "TLS failures are retried");
    let err = d["last_error"].as_str().unwrap();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
}

#[tokio::test]
async fn a_proxy_is_used_together_with_insecure() {
    let c = self_signed();
    let tls = Receiver::start(&["--tls-cert", &c.cert, "--tls-key", &c.key]);
    let plain = Receiver::start(&[]);
    let proxy = Receiver::start(&["--proxy"]);
    let s = server().await;
    s.team("infra").await;
    let filter = json!({"target_types": ["team"], "target_values": ["infra"]});
    create_hook(
        &s,
        json!({"name": "tunnelled", "team_owner": "infra", "url": tls.url("/tunnelled"),
               "insecure": true, "proxy_url": format!("127.0.0.1:{}", proxy.port),
               "event_filter": filter}),
    )
    .await;
    create_hook(
        &s,
        json!({"name": "forwarded", "team_owner": "infra", "url": plain.url("/forwarded"),
               "proxy_url": format!("http://127.0.0.1:{}", proxy.port),
               "event_filter": filter}),
    )
    .await;
    team_event(&s, "infra").await;
    assert_eq!(tls.wait_for(1).await[0]["path"], "/tunnelled");
    assert_eq!(plain.wait_for(1).await[0]["path"], "/forwarded");
    let via = proxy.wait_for(2).await;
    assert!(
        via.contains(&json!({"method": "CONNECT", "target": format!("127.0.0.1:{}", tls.port)})),
        "{via:?}"
    );
    assert!(via.contains(&json!({"method": "POST", "target": plain.url("/forwarded")})), "{via:?}");
}

#[tokio::test]
async fn a_slow_receiver_delays_neither_the_api_nor_other_hooks() {
    let slow = Receiver::start(&["--delay", "3"]);
    let quick = Receiver::start(&[]);
    let s = server().await;
    s.team("infra").await;
    let filter = json!({"target_types": ["team"], "target_values": ["infra"]});
    for (name, r) in [("slow", &slow), ("quick", &quick)] {
        create_hook(
            &s,
            json!({"name": name, "team_owner": "infra", "url": r.url("/"), "event_filter": filter}),
        )
        .await;
    }
    let started = Instant::now();
    let resp = s
        .admin()
        .request(Method::PUT, "/1.6/teams/infra")
        .json(&json!({"tags": ["x"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    slow.wait_for(1).await;
    quick.wait_for(1).await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "the quick hook did not wait for the slow one: {:?}",
        started.elapsed()
    );
    assert_eq!(s.deliveries("slow").await[0]["state"], "pending", "still in its call");
    let done = s.wait_deliveries("slow", |l| finished(l, 1)).await;
    assert_eq!(done[0]["state"], "delivered");
    assert!(done[0]["attempts"][0]["duration_ms"].as_u64().unwrap() >= 2900);
}

#[tokio::test]
async fn deleting_a_webhook_drops_its_pending_deliveries() {
    let port = free_port();
    let s = TestServer::spawn_with(|s| {
        fast(s);
        s.webhook.retry_backoff = 0.3;
        s.webhook.max_attempts = 10;
    })
    .await;
    s.team("infra").await;
    create_hook(
        &s,
        json!({"name": "gone", "team_owner": "infra",
               "url": format!("http://127.0.0.1:{port}/"),
               "event_filter": {"target_types": ["team"], "target_values": ["infra"]}}),
    )
    .await;
    team_event(&s, "infra").await;
    s.wait_deliveries("gone", |l| l.len() == 1 && !l[0]["attempts"].as_array().unwrap().is_empty())
        .await;
    assert_eq!(
        status_text(s.admin().delete("/1.6/events/webhooks/gone").await).await,
        (200, String::new())
    );
    let r = Receiver::start(&["--port", &port.to_string()]);
    r.settle(0, Duration::from_millis(1000)).await;
}
