//! Brokers, and brokered services against an Open Service Broker (openbrokerapi) on loopback.
use std::time::Instant;

use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_error, stream_lines, streamed_ok};

use crate::peers::{closed_port, Peer};
use crate::{
    expect, expect_delete, expect_get, get_json, status_text, Caller, TestServer, FORBIDDEN,
};

async fn add_broker(admin: &Caller, name: &str, url: &str) -> (u16, String) {
    status_text(
        admin
            .post_json(
                "/1.7/brokers",
                &json!({
                    "name": name,
                    "url": url,
                    "config": {
                        "authConfig": {"basicAuthConfig": {"username": "broker", "password": "broker-pass"}},
                        "context": {"cluster": "local"},
                        "cacheExpirationSeconds": 60,
                    },
                }),
            )
            .await,
    )
    .await
}

async fn add_instance(admin: &Caller, name: &str, plan: &str) -> (u16, String) {
    status_text(
        admin
            .post_form(
                "/1.0/services/b1::pgsql/instances",
                &[("name", name), ("plan", plan), ("owner", "t1")],
            )
            .await,
    )
    .await
}

/// A server with team `t1`, a default pool, app `web1`, and broker `b1` at `url`.
async fn server_with(url: &str, poll_timeout: f64) -> TestServer {
    let s = TestServer::spawn_with(|c| {
        c.service.broker_poll_interval = 0.05;
        c.service.broker_poll_timeout = poll_timeout;
        c.service.broker_timeout = 2.0;
    })
    .await;
    s.team("t1").await;
    s.default_pool("p1").await;
    s.app("web1", "t1").await;
    assert_eq!(add_broker(&s.admin(), "b1", url).await.0, 201);
    s
}

#[tokio::test]
async fn brokers_are_added_listed_renamed_and_removed_without_showing_credentials() {
    let s = crate::with_teams(&["t1"]).await;
    let admin = s.admin();
    assert_eq!(admin.get("/1.7/brokers").await.status(), 204);
    assert_eq!(add_broker(&admin, "b1", "http://127.0.0.1:1").await, (201, String::new()));
    assert_eq!(
        add_broker(&admin, "b1", "http://127.0.0.1:1").await,
        (409, "Broker already exists.\n".into())
    );
    assert_eq!(add_broker(&admin, "b2", "not a url").await.0, 400);
    let (status, body) = status_text(admin.get("/1.7/brokers").await).await;
    assert_eq!(status, 200);
    assert!(!body.contains("broker-pass"), "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    let b = &list["brokers"][0];
    assert_eq!(b["Name"], "b1");
    assert_eq!(b["URL"], "http://127.0.0.1:1");
    assert_eq!(b["Config"]["AuthConfig"]["BasicAuthConfig"]["Username"], "broker");
    assert_eq!(b["Config"]["AuthConfig"]["BasicAuthConfig"]["Password"], "");
    assert_eq!(b["Config"]["CacheExpirationSeconds"], 60);
    assert_eq!(b["Config"]["Context"], json!({"cluster": "local"}));
    let evs = s.events("kindname=service-broker.create").await;
    assert!(!serde_json::to_string(&evs).unwrap().contains("broker-pass"));

    // Rename by update; a cache expiry of 0 keeps the stored one.
    let resp = admin
        .put_form(
            "/1.7/brokers/b1",
            &[
                ("name", "b9"),
                ("url", "http://127.0.0.1:2"),
                ("config.authconfig.bearerconfig.token", "tok-secret"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let list: Value = get_json(&admin, "/1.7/brokers").await;
    assert_eq!(list["brokers"][0]["Name"], "b9");
    assert_eq!(list["brokers"][0]["Config"]["CacheExpirationSeconds"], 60);
    assert_eq!(list["brokers"][0]["Config"]["AuthConfig"]["BearerConfig"]["Token"], "");
    expect(
        admin.put_form("/1.7/brokers/b1", &[("name", "b1"), ("url", "http://h")]).await,
        404,
        "service broker not found\n",
        "renamed away",
    )
    .await;

    let bob = s.user("bob@example.com").await;
    expect(bob.get("/1.7/brokers").await, 403, FORBIDDEN, "read").await;
    expect_delete(&bob, "/1.7/brokers/b9", 403, FORBIDDEN).await;
    assert_eq!(admin.delete("/1.7/brokers/b9").await.status(), 200);
    expect_delete(&admin, "/1.7/brokers/b9", 404, "service broker not found\n").await;
}

#[tokio::test]
async fn a_brokered_instance_is_provisioned_bound_unbound_and_removed() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 5.0).await;
    let admin = s.admin();

    let services: Vec<Value> = get_json(&admin, "/1.0/services").await;
    assert!(services.iter().any(|e| e["service"] == "b1::pgsql"), "{services:?}");
    let plans: Vec<Value> = get_json(&admin, "/1.0/services/b1::pgsql/plans").await;
    let names: Vec<&str> = plans.iter().map(|p| p["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["small", "async"]);
    expect_get(&admin, "/1.0/services/b1::pgsql/doc", 200, "PostgreSQL databases").await;

    let started = Instant::now();
    assert_eq!(add_instance(&admin, "pg1", "small").await, (201, String::new()));
    let (status, lines) =
        stream_lines(admin.put_form("/1.13/services/b1::pgsql/instances/pg1/apps/web1", &[]).await)
            .await;
    eprintln!("create+bind against the OSB broker: {:?}", started.elapsed());
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    let text = messages(&lines);
    assert!(text.contains("- PG_URL\n") && text.contains("- PG_PASSWORD\n"), "{text}");
    assert!(!text.contains("PG_PORT"), "numbers are dropped: {text}");
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/web1/env").await;
    let url = envs.iter().find(|e| e["name"] == "PG_URL").expect("PG_URL");
    assert_eq!(url["value"], "*** (private variable)");

    let reqs = broker.requests().await;
    let provision = reqs
        .iter()
        .find(|r| r["method"] == "PUT" && r["path"].as_str().unwrap().matches('/').count() == 3)
        .expect("provision");
    assert_eq!(provision["query"]["accepts_incomplete"], "true");
    assert_eq!(provision["headers"]["x-broker-api-version"], "2.13");
    assert!(provision["headers"]["x-broker-api-originating-identity"]
        .as_str()
        .is_some_and(|h| h.starts_with("tsuru ")));
    assert_eq!(provision["body"]["service_id"], "svc-pg");
    assert_eq!(provision["body"]["plan_id"], "plan-small");
    assert_eq!(provision["body"]["context"]["cluster"], "local");
    let bind = reqs
        .iter()
        .find(|r| r["path"].as_str().unwrap().contains("/service_bindings/"))
        .expect("bind");
    assert_eq!(bind["body"]["bind_resource"]["app_guid"], "web1");

    streamed_ok(admin.delete("/1.13/services/b1::pgsql/instances/pg1/apps/web1").await).await;
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/web1/env").await;
    assert!(envs.iter().all(|e| e["name"] != "PG_URL"));

    // The asynchronous plan: polled until it succeeded.
    assert_eq!(add_instance(&admin, "pg2", "async").await, (201, String::new()));
    expect(
        admin.get("/1.0/services/b1::pgsql/instances/pg2/status").await,
        200,
        "Service instance \"pg2\" is succeeded",
        "async done",
    )
    .await;
    let polls = broker
        .requests()
        .await
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/last_operation"))
        .count();
    assert!(polls >= 2, "in progress, then succeeded: {polls}");

    for name in ["pg1", "pg2"] {
        streamed_ok(admin.delete(&format!("/1.0/services/b1::pgsql/instances/{name}")).await).await;
    }
    let deprovisions = broker
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "DELETE" && !r["path"].as_str().unwrap().contains("bindings"))
        .count();
    assert_eq!(deprovisions, 2);
}

#[tokio::test]
async fn broker_failures_keep_nothing() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 0.5).await;
    let admin = s.admin();
    let gone = |name: &'static str| {
        let admin = admin.clone();
        async move {
            expect(
                admin.get(&format!("/1.0/services/b1::pgsql/instances/{name}")).await,
                404,
                "service instance not found\n",
                name,
            )
            .await;
        }
    };
    assert_eq!(add_instance(&admin, "pg0", "huge").await, (400, "invalid plan: huge\n".into()));
    for (mode, code) in [("provision-500", 500), ("provision-410", 410), ("provision-422", 422)] {
        broker.control(json!({"fail": mode})).await;
        let (status, body) = add_instance(&admin, "pg1", "small").await;
        assert_eq!(status, 502, "{mode}: {body}");
        assert!(body.starts_with(&format!("Status: {code}; ")), "{mode}: {body}");
        gone("pg1").await;
    }
    broker.control(json!({"fail": "async-failed"})).await;
    let (status, body) = add_instance(&admin, "pg1", "async").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("the disk is full"), "{body}");
    gone("pg1").await;

    // Never finishing: the request returns after the poll timeout with the instance kept
    // (the broker has it), and its status says so.
    broker.control(json!({"fail": "async-never"})).await;
    assert_eq!(add_instance(&admin, "pg2", "async").await.0, 201);
    expect(
        admin.get("/1.0/services/b1::pgsql/instances/pg2/status").await,
        200,
        "Service instance \"pg2\" is in progress - still working",
        "pending",
    )
    .await;

    // A failing bind stores nothing.
    broker.control(json!({"fail": null})).await;
    assert_eq!(add_instance(&admin, "pg3", "small").await.0, 201);
    broker.control(json!({"fail": "bind-500"})).await;
    let (status, body) =
        status_text(admin.put_form("/1.13/services/b1::pgsql/instances/pg3/apps/web1", &[]).await)
            .await;
    assert_eq!(status, 502, "{body}");
    let info: Value = get_json(&admin, "/1.0/services/b1::pgsql/instances/pg3").await;
    assert_eq!(info["Apps"], json!([]));

    // A broker that is down.
    assert_eq!(
        add_broker(&admin, "b2", &format!("http://127.0.0.1:{}", closed_port())).await.0,
        201
    );
    let (status, body) = status_text(
        admin
            .post_form(
                "/1.0/services/b2::pgsql/instances",
                &[("name", "x1"), ("plan", "small"), ("owner", "t1")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("cannot be reached"), "{body}");
    // Its services are left out of the catalog, the others stay.
    let services: Vec<Value> = get_json(&admin, "/1.0/services").await;
    assert!(services.iter().any(|e| e["service"] == "b1::pgsql"));
    assert!(services.iter().all(|e| e["service"] != "b2::pgsql"));
}

fn deprovisions(reqs: &[Value]) -> usize {
    reqs.iter()
        .filter(|r| r["method"] == "DELETE" && !r["path"].as_str().unwrap().contains("bindings"))
        .count()
}

async fn remove_instance(admin: &Caller, name: &str, query: &str) -> (u16, Vec<Value>) {
    stream_lines(admin.delete(&format!("/1.0/services/b1::pgsql/instances/{name}{query}")).await)
        .await
}

#[tokio::test]
async fn an_asynchronous_deprovision_is_polled_before_the_instance_is_forgotten() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 5.0).await;
    let admin = s.admin();
    assert_eq!(add_instance(&admin, "pg1", "async").await.0, 201);

    let (status, lines) = remove_instance(&admin, "pg1", "").await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    assert!(messages(&lines).contains("service instance successfully removed"));
    expect_get(
        &admin,
        "/1.0/services/b1::pgsql/instances/pg1",
        404,
        "service instance not found\n",
    )
    .await;
    // The broker answered 202, was polled with its operation ("in progress", then 410 Gone),
    // and no longer has the instance: a second deprovision is a 410 there.
    let reqs = broker.requests().await;
    let polls: Vec<&Value> = reqs
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/last_operation"))
        .filter(|r| r["query"]["operation"].as_str().is_some_and(|o| o.starts_with("deprovision-")))
        .collect();
    assert_eq!(polls.len(), 2, "{polls:?}");
    assert_eq!(deprovisions(&reqs), 1);
}

#[tokio::test]
async fn a_failed_or_unfinished_asynchronous_deprovision_keeps_the_instance() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 0.5).await;
    let admin = s.admin();
    assert_eq!(add_instance(&admin, "pg1", "async").await.0, 201);
    let info = "/1.0/services/b1::pgsql/instances/pg1";
    let status_path = "/1.0/services/b1::pgsql/instances/pg1/status";

    // Failed: the broker's description is the error, the instance stays and its status
    // tells the failed removal.
    broker.control(json!({"fail": "async-failed"})).await;
    let (status, body) =
        status_text(admin.delete("/1.0/services/b1::pgsql/instances/pg1").await).await;
    assert_eq!((status, body.as_str()), (502, "the broker's operation failed: the disk is full\n"));
    assert_eq!(admin.get(info).await.status(), 200, "kept");
    expect_get(&admin, status_path, 200, "Service instance \"pg1\" is failed - the disk is full")
        .await;

    // Never finishing: the request gives up after the poll timeout, the instance stays.
    broker.control(json!({"fail": "async-never"})).await;
    let (status, body) =
        status_text(admin.delete("/1.0/services/b1::pgsql/instances/pg1").await).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body.starts_with("the broker did not finish removing the instance within 500ms (in progress - still working)"),
        "{body}"
    );
    assert_eq!(admin.get(info).await.status(), 200, "kept");
    expect_get(&admin, status_path, 200, "Service instance \"pg1\" is in progress - still working")
        .await;

    // ignoreerrors removes it anyway, saying what was ignored.
    let (status, lines) = remove_instance(&admin, "pg1", "?ignoreerrors=true").await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    let text = messages(&lines);
    assert!(
        text.contains("could not delete the service instance on service api: the broker did not finish removing the instance")
            && text.contains("ignoring this error due to force removal...")
            && text.contains("service instance successfully removed"),
        "{text}"
    );
    expect_get(&admin, info, 404, "service instance not found\n").await;
    assert_eq!(deprovisions(&broker.requests().await), 3);
}

#[tokio::test]
async fn removing_an_app_unbinds_it_at_the_broker_even_when_the_broker_refuses() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 5.0).await;
    s.app("web2", "t1").await;
    let admin = s.admin();
    for name in ["pg1", "pg2"] {
        assert_eq!(add_instance(&admin, name, "small").await.0, 201);
    }
    for (instance, app) in [("pg1", "web1"), ("pg2", "web2")] {
        streamed_ok(
            admin
                .put_form(&format!("/1.13/services/b1::pgsql/instances/{instance}/apps/{app}"), &[])
                .await,
        )
        .await;
    }
    let bindings = |reqs: &[Value]| {
        reqs.iter()
            .filter(|r| {
                r["method"] == "DELETE"
                    && r["path"].as_str().unwrap().contains("/service_bindings/")
            })
            .count()
    };

    let msgs = streamed_ok(admin.delete("/1.0/apps/web1").await).await;
    assert!(msgs.ends_with("---- Done removing application.\n"));
    assert_eq!(bindings(&broker.requests().await), 1);
    let pg1: Value = get_json(&admin, "/1.0/services/b1::pgsql/instances/pg1").await;
    assert_eq!(pg1["Apps"], json!([]));

    // The broker refuses the unbind: told, and the instance lets go of the app all the same.
    broker.control(json!({"fail": "unbind-500"})).await;
    let text = streamed_ok(admin.delete("/1.0/apps/web2").await).await;
    assert!(
        text.contains("[unbind-app-endpoint] ignored error due to force: Status: 500; "),
        "{text}"
    );
    assert!(text.ends_with("---- Done removing application.\n"), "{text}");
    assert_eq!(bindings(&broker.requests().await), 2);
    let pg2: Value = get_json(&admin, "/1.0/services/b1::pgsql/instances/pg2").await;
    assert_eq!(pg2["Apps"], json!([]));
}

#[tokio::test]
async fn a_slow_or_refusing_broker_leaves_instances_and_bindings_as_they_were() {
    let broker = Peer::broker();
    let s = server_with(&broker.url(), 0.5).await;
    let admin = s.admin();
    assert_eq!(add_instance(&admin, "pg1", "small").await.0, 201);
    assert_eq!(
        add_instance(&admin, "pg1", "small").await,
        (409, "instance name already exists.\n".into())
    );
    let bind_path = "/1.13/services/b1::pgsql/instances/pg1/apps/web1";
    streamed_ok(admin.put_form(bind_path, &[]).await).await;

    // Slow: every call gives up after broker-timeout (2 s), nothing is stored.
    broker.control(json!({"delay": 3})).await;
    let started = Instant::now();
    let (status, body) = add_instance(&admin, "pg2", "small").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("service broker \"b1\" did not answer within 2s"), "{body}");
    assert!(started.elapsed().as_secs_f64() < 2.9, "{:?}", started.elapsed());
    expect_get(
        &admin,
        "/1.0/services/b1::pgsql/instances/pg2",
        404,
        "service instance not found\n",
    )
    .await;
    broker.control(json!({"fail": null})).await;

    // An unbind the broker refuses keeps the binding and its variables, unless forced.
    broker.control(json!({"fail": "unbind-500"})).await;
    let (status, body) = status_text(admin.delete(bind_path).await).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.starts_with("Status: 500; "), "{body}");
    let info: Value = get_json(&admin, "/1.0/services/b1::pgsql/instances/pg1").await;
    assert_eq!(info["Apps"], json!(["web1"]));
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/web1/env").await;
    assert!(envs.iter().any(|e| e["name"] == "PG_URL"));
    let (status, lines) =
        stream_lines(admin.delete(&format!("{bind_path}?force=true")).await).await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    assert!(messages(&lines)
        .contains("[unbind-app-endpoint] ignored error due to force: Status: 500; "));
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/web1/env").await;
    assert!(envs.iter().all(|e| e["name"] != "PG_URL"));

    // A deprovision the broker refuses keeps the instance.
    broker.control(json!({"fail": "deprovision-500"})).await;
    let (status, body) =
        status_text(admin.delete("/1.0/services/b1::pgsql/instances/pg1").await).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.starts_with("Status: 500; "), "{body}");
    assert_eq!(admin.get("/1.0/services/b1::pgsql/instances/pg1").await.status(), 200);
    broker.control(json!({"fail": null})).await;
    let (status, lines) = remove_instance(&admin, "pg1", "").await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
}
