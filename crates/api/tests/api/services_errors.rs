//! The failure paths of every service route: no token, no permission, unknown service,
//! instance, app or team, and a service API that refuses, is down or is slow (nothing is
//! half-stored).
use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{stream_error, streamed_ok};

use crate::peers::{closed_port, Peer};
use crate::services::{
    add_instance, bind, bind_fails, bound_apps, env, env_value, impatient_server, register,
    try_bind,
};
use crate::{
    expect, expect_delete, expect_get, get_json, status_text, Caller, TestServer, FORBIDDEN,
    UNAUTHORIZED,
};

/// A server whose service API calls give up after a second, with team `t1`, a default pool,
/// apps `web1` and `web2`, service `mysql` at `api` with instance `db1` bound to `web1`.
async fn bound_server(api: &Peer) -> TestServer {
    let s = impatient_server().await;
    s.app("web2", "t1").await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    assert_eq!(add_instance(&admin, "mysql", "db1").await.0, 201);
    let (status, lines) = bind(&admin, "mysql", "db1", "web1").await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    s
}

/// Points `mysql` at `url`.
async fn move_service(admin: &Caller, url: &str) {
    let resp = admin
        .put_form(
            "/1.0/services/mysql",
            &[("password", "svc-pass"), ("endpoint", url), ("username", "svc")],
        )
        .await;
    assert_eq!(resp.status(), 200);
}

/// Updates instance `db1` of `mysql` to `plan` (description `new`, owner `t1`).
async fn update_db1(admin: &Caller, plan: &str) -> (u16, String) {
    let form = [("description", "new"), ("plan", plan), ("teamowner", "t1")];
    status_text(admin.put_form("/1.0/services/mysql/instances/db1", &form).await).await
}

async fn unbind(admin: &Caller, app: &str, query: &str) -> (u16, String) {
    status_text(
        admin.delete(&format!("/1.13/services/mysql/instances/db1/apps/{app}{query}")).await,
    )
    .await
}

/// The routes of the family with a form that would do something.
const ROUTES: [(&str, &str); 22] = [
    ("GET", "/1.0/services"),
    ("GET", "/1.0/services/instances"),
    ("POST", "/1.0/services"),
    ("PUT", "/1.0/services/mysql"),
    ("DELETE", "/1.0/services/mysql"),
    ("GET", "/1.0/services/mysql"),
    ("GET", "/1.0/services/mysql/plans"),
    ("GET", "/1.0/services/mysql/doc"),
    ("PUT", "/1.0/services/mysql/doc"),
    ("PUT", "/1.0/services/mysql/team/t1"),
    ("DELETE", "/1.0/services/mysql/team/t1"),
    ("POST", "/1.0/services/mysql/instances"),
    ("GET", "/1.0/services/mysql/instances/db1"),
    ("PUT", "/1.0/services/mysql/instances/db1"),
    ("DELETE", "/1.0/services/mysql/instances/db1"),
    ("GET", "/1.0/services/mysql/instances/db1/status"),
    ("PUT", "/1.0/services/mysql/instances/permission/db1/t1"),
    ("DELETE", "/1.0/services/mysql/instances/permission/db1/t1"),
    ("PUT", "/1.13/services/mysql/instances/db1/apps/web1"),
    ("DELETE", "/1.13/services/mysql/instances/db1/apps/web1"),
    ("PUT", "/1.0/services/mysql/instances/db1/web1"),
    ("GET", "/1.7/brokers"),
];

#[tokio::test]
async fn every_route_wants_a_token() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let anon = s.anonymous();
    for (method, path) in ROUTES {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let resp = anon.form(method.clone(), path, &[("name", "x")]).await;
        expect(resp, 401, UNAUTHORIZED, (&method, path)).await;
    }
    for (method, path) in
        [("POST", "/1.7/brokers"), ("PUT", "/1.7/brokers/b1"), ("DELETE", "/1.7/brokers/b1")]
    {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let resp = anon.form(method.clone(), path, &[("name", "b1")]).await;
        expect(resp, 401, UNAUTHORIZED, (&method, path)).await;
    }
    // Nothing reached the service API after the set-up.
    let reqs = api.requests().await;
    assert_eq!(reqs.len(), 2, "create and bind only: {reqs:?}");
}

#[tokio::test]
async fn a_caller_without_the_permission_changes_nothing() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let before = api.requests().await.len();
    let bob = s.user("bob@example.com").await;
    for (method, path) in ROUTES {
        if method == "GET"
            && matches!(
                path,
                "/1.0/services"
                    | "/1.0/services/instances"
                    | "/1.0/services/mysql"
                    | "/1.0/services/mysql/plans"
                    | "/1.0/services/mysql/doc"
            )
        {
            continue; // readable by anyone (filtered, or a service that is not restricted)
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let resp = bob.form(method.clone(), path, &[("name", "x"), ("owner", "t1")]).await;
        expect(resp, 403, FORBIDDEN, (&method, path)).await;
    }
    assert_eq!(api.requests().await.len(), before, "the API was not called");
    let admin = s.admin();
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!(["web1"]));
    let services: Vec<Value> = get_json(&admin, "/1.0/services").await;
    assert_eq!(services.len(), 1);
}

#[tokio::test]
async fn unknown_services_instances_apps_teams_and_brokers_are_404() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let admin = s.admin();
    let svc = "Service not found\n";
    let inst = "service instance not found\n";
    #[rustfmt::skip]
    let cases: [(&str, &str, &str); 20] = [
        ("PUT", "/1.0/services/nope", svc),
        ("DELETE", "/1.0/services/nope", svc),
        ("GET", "/1.0/services/nope/plans", svc),
        ("GET", "/1.0/services/nope/doc", svc),
        ("PUT", "/1.0/services/nope/doc", svc),
        ("PUT", "/1.0/services/nope/team/t1", svc),
        ("POST", "/1.0/services/nope/instances", svc),
        ("GET", "/1.0/services/nope/instances/db1/status", svc),
        ("PUT", "/1.0/services/mysql/instances/nope", inst),
        ("DELETE", "/1.0/services/mysql/instances/nope", inst),
        ("GET", "/1.0/services/mysql/instances/nope/status", inst),
        ("PUT", "/1.0/services/mysql/instances/permission/nope/t1", inst),
        ("PUT", "/1.0/services/mysql/instances/permission/db1/nope", "team not found\n"),
        ("PUT", "/1.13/services/nope/instances/db1/apps/web1", svc),
        ("DELETE", "/1.13/services/nope/instances/db1/apps/web1", svc),
        ("DELETE", "/1.13/services/mysql/instances/nope/apps/web1", inst),
        ("DELETE", "/1.13/services/mysql/instances/db1/apps/nope", "App nope not found.\n"),
        ("DELETE", "/1.0/services/mysql/instances/db1/nope", "App nope not found.\n"),
        ("GET", "/1.0/services/zz::pgsql/instances/x", "service broker not found\n"),
        ("POST", "/1.0/services/zz::pgsql/instances", "service broker not found\n"),
    ];
    for (method, path, text) in cases {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let resp = admin
            .form(
                method.clone(),
                path,
                &[
                    ("name", "x1"),
                    ("owner", "t1"),
                    ("description", "d"),
                    ("teamowner", "t1"),
                    ("password", "p"),
                    ("endpoint", "h"),
                ],
            )
            .await;
        expect(resp, 404, text, (&method, path)).await;
    }
    // An app that is not bound.
    assert_eq!(
        unbind(&admin, "web2", "").await,
        (400, "app is not bound to this service instance\n".into())
    );
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!(["web1"]));
}

#[tokio::test]
async fn a_service_api_that_is_down_fails_each_call_and_keeps_everything() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let admin = s.admin();
    move_service(&admin, &format!("http://127.0.0.1:{}", closed_port())).await;
    let down = "cannot be reached (connection failed)";

    bind_fails(&admin, ["mysql", "db1", "web2"], &[down]).await;
    assert!(env_value(&env(&admin, "web2").await, "DB_HOST").is_none());

    let (status, body) = unbind(&admin, "web1", "").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains(down), "{body}");
    let (status, body) = update_db1(&admin, "small").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains(down), "{body}");
    let (status, body) =
        status_text(admin.get("/1.0/services/mysql/instances/db1/status").await).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body.starts_with("Could not retrieve status of service instance, error: ")
            && body.contains(down),
        "{body}"
    );
    let (status, body) =
        status_text(admin.delete("/1.0/services/mysql/instances/db1?unbindall=true").await).await;
    assert_eq!(status, 200, "a stream once the unbinds started: {body}");
    assert!(body.contains(down), "{body}");

    // Nothing changed: still bound with its variables, same description.
    let list: Vec<Value> = get_json(&admin, "/1.0/services/instances").await;
    let db1 = &list[0]["service_instances"][0];
    assert_eq!(db1["apps"], json!(["web1"]));
    assert_eq!(db1["description"], "my db");
    assert!(env_value(&env(&admin, "web1").await, "DB_HOST").is_some());

    // Forced, the unbind and the removal go through, saying what they ignored.
    let msgs =
        streamed_ok(admin.delete("/1.13/services/mysql/instances/db1/apps/web1?force=true").await)
            .await;
    assert!(msgs.contains("[unbind-app-endpoint] ignored error due to force: "));
    assert!(env_value(&env(&admin, "web1").await, "DB_HOST").is_none());
    let text =
        streamed_ok(admin.delete("/1.0/services/mysql/instances/db1?ignoreerrors=true").await)
            .await;
    assert!(
        text.contains("could not delete the service instance on service api: Failed to destroy the instance db1: the service API cannot be reached (connection failed). ignoring this error due to force removal...\n")
            && text.contains("service instance successfully removed\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_slow_service_api_times_out_and_nothing_is_bound() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let admin = s.admin();
    api.control(json!({"delay": 3})).await;
    let started = Instant::now();
    let parts = ["did not answer within 1s", "(failed to retrieve instance status: "];
    bind_fails(&admin, ["mysql", "db1", "web2"], &parts).await;
    assert!(started.elapsed().as_secs_f64() < 2.9, "{:?}", started.elapsed());
    api.control(json!({})).await;
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!(["web1"]));
    assert!(env_value(&env(&admin, "web2").await, "DB_HOST").is_none());
}

#[tokio::test]
async fn refusals_of_the_service_api_keep_the_stored_state() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    let admin = s.admin();

    // Update refused: the stored instance is as it was.
    api.control(json!({"fail": {"PUT /resources/db1": 500}})).await;
    let (status, body) = update_db1(&admin, "large").await;
    assert_eq!(
        (status, body.as_str()),
        (
            502,
            "Failed to update the instance db1: invalid response: switched to fail (code: 500)\n"
        )
    );
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db1").await;
    assert_eq!(
        (info["Description"].as_str(), info["PlanName"].as_str()),
        (Some("my db"), Some("small"))
    );

    // Not ready (412): the bind is refused with the instance's status.
    api.control(json!({"fail": {"POST bind-app": 412}})).await;
    let (status, body) = try_bind(&admin, "mysql", "db1", "web2").await;
    assert_eq!((status, body.as_str()), (412, "instance is not ready yet (\"db1\" is pending)\n"));

    // Unbind refused: still bound unless forced.
    api.control(json!({"fail": {"DELETE bind-app": 500}})).await;
    assert_eq!(
        unbind(&admin, "web1", "").await,
        (502, "Failed to unbind (\"/resources/db1/bind-app\"): invalid response: switched to fail (code: 500)\n".into())
    );
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!(["web1"]));
    assert!(env_value(&env(&admin, "web1").await, "DB_HOST").is_some());
    // A binding the API does not know (404) is gone already: the unbind goes through.
    api.control(json!({"fail": {"DELETE bind-app": 404}})).await;
    streamed_ok(admin.delete("/1.13/services/mysql/instances/db1/apps/web1").await).await;
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!([]));

    // Removal refused: kept; a 404 (the API lost it) is an error too, as tsuru says.
    api.control(json!({"fail": {"DELETE /resources/db1": 500}})).await;
    let (status, body) = status_text(admin.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!(
        (status, body.as_str()),
        (
            502,
            "Failed to destroy the instance db1: invalid response: switched to fail (code: 500)\n"
        )
    );
    api.control(json!({"fail": {"DELETE /resources/db1": 404}})).await;
    let (status, body) = status_text(admin.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!((status, body.as_str()), (404, "instance does not exist in the service API\n"));
    assert_eq!(admin.get("/1.0/services/mysql/instances/db1").await.status(), 200);
}

#[tokio::test]
async fn service_team_access_is_granted_and_revoked_as_tsuru_does() {
    let api = Peer::service_api(&[]);
    let s = bound_server(&api).await;
    s.team("t2").await;
    let admin = s.admin();
    let path = |team: &str| format!("/1.0/services/mysql/team/{team}");
    assert_eq!(admin.put_form(&path("t1"), &[]).await.status(), 200);
    expect(
        admin.put_form(&path("t1"), &[]).await,
        409,
        "This team already has access to this service\n",
        "twice",
    )
    .await;
    expect(admin.put_form(&path("nope"), &[]).await, 400, "Team not found\n", "unknown").await;
    expect_delete(&admin, &path("t2"), 409, "This team does not have access to this service\n")
        .await;
    expect_delete(&admin, &path("t1"), 403, "You can not revoke the access from this team, because it is the unique team with access to this service, and a service can not be orphaned\n").await;
    assert_eq!(admin.put_form(&path("t2"), &[]).await.status(), 200);
    assert_eq!(admin.delete(&path("t1")).await.status(), 200);
    // Restricted to t2 now: a t1 member without a service grant no longer sees its plans.
    let carol = s.member("carol@example.com", "t1", &["service-instance.read"]).await;
    expect_get(&carol, "/1.0/services/mysql/plans", 403, FORBIDDEN).await;
    let evs = s.events("kindname=service.update.grant-access").await;
    assert_eq!(evs.len(), 2, "the two grants that went through");
}
