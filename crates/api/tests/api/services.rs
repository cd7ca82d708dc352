//! Services, instances and bindings against the native service API stand-in on loopback.
use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_error, stream_lines, streamed_ok};

use crate::peers::{closed_port, Peer};
use crate::{
    expect, expect_forms, expect_get, get_json, status_text, Caller, TestServer, FORBIDDEN,
    UNAUTHORIZED,
};

/// A server with team `t1`, a default pool and app `web1` of `t1`.
pub(crate) async fn server() -> TestServer {
    let s = crate::with_pool().await;
    s.app("web1", "t1").await;
    s
}

/// Registers service `name` whose production endpoint is `url` (as the admin).
pub(crate) async fn register(admin: &Caller, name: &str, url: &str) {
    let resp = admin
        .post_form(
            "/1.0/services",
            &[
                ("id", name),
                ("username", "svc"),
                ("password", "svc-pass"),
                ("endpoint", url),
                ("team", "t1"),
            ],
        )
        .await;
    expect(resp, 201, "success", name).await;
}

/// Updates service `name` with the `service-update` form (user `svc`), which must succeed.
async fn update_service(admin: &Caller, name: &str, password: &str, endpoint: &str) {
    let form = [("password", password), ("endpoint", endpoint), ("username", "svc")];
    let resp = admin.put_form(&format!("/1.0/services/{name}"), &form).await;
    expect(resp, 200, "", name).await;
}

pub(crate) async fn add_instance(admin: &Caller, service: &str, name: &str) -> (u16, String) {
    status_text(
        admin
            .post_form(
                &format!("/1.0/services/{service}/instances"),
                &[
                    ("name", name),
                    ("plan", "small"),
                    ("owner", "t1"),
                    ("description", "my db"),
                    ("tag", "prod"),
                    ("parameters.size", "10"),
                ],
            )
            .await,
    )
    .await
}

pub(crate) async fn bind(
    caller: &Caller,
    service: &str,
    instance: &str,
    app: &str,
) -> (u16, Vec<Value>) {
    let form = [("noRestart", "false")];
    stream_lines(bind_form(caller, [service, instance, app], &form).await).await
}

/// A bind with an empty form, read as status and text (for the refusals).
/// Binds `[service, instance, app]` as `caller`, expecting a 502 whose text holds every one of
/// `parts`.
pub(crate) async fn bind_fails(caller: &Caller, bind: [&str; 3], parts: &[&str]) {
    let (status, body) = try_bind(caller, bind[0], bind[1], bind[2]).await;
    assert_eq!(status, 502, "{body}");
    assert!(parts.iter().all(|p| body.contains(p)), "{parts:?} in {body}");
}

pub(crate) async fn try_bind(
    caller: &Caller,
    service: &str,
    instance: &str,
    app: &str,
) -> (u16, String) {
    status_text(bind_form(caller, [service, instance, app], &[]).await).await
}

/// `form` put to the bind path of app `app` and instance `instance` of `service`.
async fn bind_form(
    caller: &Caller,
    [service, instance, app]: [&str; 3],
    form: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/1.13/services/{service}/instances/{instance}/apps/{app}");
    caller.put_form(&path, form).await
}

/// A server like [`server`] whose service API calls give up after a second.
pub(crate) async fn impatient_server() -> TestServer {
    let s = TestServer::spawn_with(|c| {
        c.service.timeout = 1.0;
        c.service.connect_timeout = 1.0;
    })
    .await;
    s.team("t1").await;
    s.default_pool("p1").await;
    s.app("web1", "t1").await;
    s
}

pub(crate) async fn env(caller: &Caller, app: &str) -> Vec<Value> {
    get_json(caller, &format!("/1.0/apps/{app}/env")).await
}

pub(crate) fn env_value<'a>(envs: &'a [Value], name: &str) -> Option<&'a Value> {
    envs.iter().find(|e| e["name"] == name)
}

#[tokio::test]
async fn an_instance_is_created_bound_unbound_and_removed_through_the_service_api() {
    let api = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;

    let started = Instant::now();
    assert_eq!(add_instance(&admin, "mysql", "db1").await, (201, String::new()));
    let (status, lines) = bind(&admin, "mysql", "db1", "web1").await;
    eprintln!("create+bind against the native service API: {:?}", started.elapsed());
    assert_eq!(status, 200);
    assert_eq!(stream_error(&lines), None, "{lines:?}");
    let text = messages(&lines);
    assert!(
        text.contains("Instance \"db1\" is now bound to the app \"web1\".")
            && text.contains("- DB_HOST\n")
            && text.contains("- TSURU_SERVICES\n"),
        "{text}"
    );

    // The service API got the instance and the bind, authenticated, with the event's headers.
    let reqs = api.requests().await;
    let create = reqs
        .iter()
        .find(|r| r["method"] == "POST" && r["path"] == "/resources")
        .expect("create call");
    assert_eq!(create["form"]["name"], json!(["db1"]));
    assert_eq!(create["form"]["team"], json!(["t1"]));
    assert_eq!(create["form"]["plan"], json!(["small"]));
    assert_eq!(create["form"]["tags"], json!(["prod"]));
    assert_eq!(create["form"]["parameters.size"], json!(["10"]));
    assert_eq!(create["headers"]["x-tsuru-user"], "admin@example.com");
    assert_eq!(create["headers"]["x-tsuru-eventid"].as_str().map(str::len), Some(24));
    assert!(create["headers"]["authorization"].as_str().is_some_and(|a| a.starts_with("Basic ")));
    let bind_call =
        reqs.iter().find(|r| r["path"] == "/resources/db1/bind-app").expect("bind call");
    assert_eq!(bind_call["form"]["app-name"], json!(["web1"]));

    // The variables are private env vars of the app, TSURU_SERVICES included.
    let envs = env(&admin, "web1").await;
    let host = env_value(&envs, "DB_HOST").expect("DB_HOST");
    assert_eq!(host["public"], false);
    assert_eq!(host["value"], "*** (private variable)");
    assert!(env_value(&envs, "DB_PASSWORD").is_some());
    assert!(env_value(&envs, "TSURU_SERVICES").is_some());

    // Lists, info and status.
    let list: Vec<Value> = get_json(&admin, "/1.0/services/instances").await;
    let mysql = list.iter().find(|e| e["service"] == "mysql").expect("mysql");
    assert_eq!(mysql["instances"], json!(["db1"]));
    assert_eq!(mysql["plans"], json!(["small"]));
    assert_eq!(mysql["service_instances"][0]["apps"], json!(["web1"]));
    assert_eq!(mysql["service_instances"][0]["team_owner"], "t1");
    let filtered: Vec<Value> = get_json(&admin, "/1.0/services/instances?app=web1").await;
    assert_eq!(filtered.len(), 1);
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db1").await;
    assert_eq!(info["Apps"], json!(["web1"]));
    assert_eq!(info["PlanName"], "small");
    assert_eq!(info["CustomInfo"], json!({}), "the API answers 405 on info");
    let status_path = "/1.0/services/mysql/instances/db1/status";
    expect_get(&admin, status_path, 200, "Service instance \"db1\" is pending").await;
    expect_get(&admin, status_path, 200, "Service instance \"db1\" is up").await;

    // A second bind is refused; unbind removes the variables.
    let (status, body) = try_bind(&admin, "mysql", "db1", "web1").await;
    assert_eq!((status, body.as_str()), (409, "app is already bound to this service instance\n"));
    let msgs = streamed_ok(
        admin.delete("/1.13/services/mysql/instances/db1/apps/web1?noRestart=true").await,
    )
    .await;
    assert!(msgs.contains("is not bound to the app \"web1\" anymore"));
    let envs = env(&admin, "web1").await;
    assert!(env_value(&envs, "DB_HOST").is_none(), "{envs:?}");
    assert!(api
        .requests()
        .await
        .iter()
        .any(|r| r["method"] == "DELETE" && r["path"] == "/resources/db1/bind-app"));

    // Removal.
    let (status, lines) =
        stream_lines(admin.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!((status, stream_error(&lines)), (200, None));
    assert!(messages(&lines).contains("service instance successfully removed"));
    expect_get(&admin, "/1.0/services/mysql/instances/db1", 404, "service instance not found\n")
        .await;
    assert_eq!(admin.delete("/1.0/services/mysql").await.status(), 200);

    // Events.
    // Two bind events: the bind, and the refused second one with its error.
    let evs = s.events("kindname=app.update.bind").await;
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e["Target"]["Value"] == "web1"));
    assert_eq!(
        evs.iter()
            .filter(|e| e["Error"] == "app is already bound to this service instance")
            .count(),
        1,
        "{evs:?}"
    );
}

#[tokio::test]
async fn services_are_validated_and_their_passwords_never_shown() {
    let api = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    let url = api.url();
    let cases: [crate::Case; 5] = [
        (&[("team", "t1")], 400, "Service id is required\n"),
        (
            &[("id", "Bad_Name"), ("team", "t1"), ("password", "p"), ("endpoint", "x")],
            400,
            "Invalid service id, should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.\n",
        ),
        (
            &[("id", "a::b"), ("team", "t1")],
            400,
            "Brokered services are not managed.\n",
        ),
        (
            &[("id", "svc"), ("team", "t1"), ("endpoint", "x")],
            400,
            "Service password is required\n",
        ),
        (
            &[("id", "svc"), ("team", "t1"), ("password", "p")],
            400,
            "At least one endpoint is required\n",
        ),
    ];
    expect_forms(&admin, Method::POST, "/1.0/services", &cases).await;
    register(&admin, "mysql", &url).await;
    let resp = admin
        .post_form(
            "/1.0/services",
            &[("id", "mysql"), ("password", "x"), ("endpoint", &url), ("team", "t1")],
        )
        .await;
    expect(resp, 409, "Service already exists.\n", "duplicate").await;

    // No answer carries the password; the event masks it.
    for path in ["/1.0/services", "/1.0/services/instances", "/1.0/services/mysql"] {
        let (_, body) = status_text(admin.get(path).await).await;
        assert!(!body.contains("svc-pass"), "{path}: {body}");
    }
    let evs = s.events("kindname=service.create").await;
    let data = serde_json::to_string(&evs).unwrap();
    assert!(!data.contains("svc-pass"), "{data}");

    // Update, doc, plans (the API answers 405: no plans).
    update_service(&admin, "mysql", "new-pass", &url).await;
    let resp = admin.put_form("/1.0/services/mysql/doc", &[("doc", "use it well")]).await;
    assert_eq!(resp.status(), 200);
    expect_get(&admin, "/1.0/services/mysql/doc", 200, "use it well").await;
    let plans: Vec<Value> = get_json(&admin, "/1.0/services/mysql/plans").await;
    assert_eq!(plans, Vec::<Value>::new());

    // The new password is the one sent to the API now: the old one gets 401 there, so an
    // instance create with the stand-in's password fails.
    let (status, body) = add_instance(&admin, "mysql", "db1").await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("(code: 401)"), "{body}");
    admin
        .put_form(
            "/1.0/services/mysql",
            &[("password", "svc-pass"), ("endpoint", &url), ("username", "svc")],
        )
        .await;
    assert_eq!(add_instance(&admin, "mysql", "db1").await.0, 201);
    let resp = admin.delete("/1.0/services/mysql").await;
    expect(
        resp,
        403,
        "This service cannot be removed because it has instances.\nPlease remove these instances before removing the service.\n",
        "with instances",
    )
    .await;
}

#[tokio::test]
async fn unknown_things_are_404_and_callers_need_their_permissions() {
    let api = Peer::service_api(&[]);
    let s = server().await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    assert_eq!(add_instance(&admin, "mysql", "db1").await.0, 201);
    assert_eq!(
        add_instance(&admin, "mysql", "db1").await,
        (409, "instance name already exists.\n".into())
    );
    assert_eq!(
        add_instance(&admin, "mysql", "1bad").await,
        (400, "invalid service instance name\n".into())
    );

    for (path, text) in [
        ("/1.0/services/nope/instances/db1", "Service not found\n"),
        ("/1.0/services/mysql/instances/nope", "service instance not found\n"),
        ("/1.0/services/nope", "Service not found\n"),
    ] {
        expect(admin.get(path).await, 404, text, path).await;
    }
    let (status, body) = try_bind(&admin, "mysql", "db1", "nope").await;
    assert_eq!((status, body.as_str()), (404, "App nope not found.\n"));
    let (status, body) = try_bind(&admin, "mysql", "nope", "web1").await;
    assert_eq!((status, body.as_str()), (404, "service instance not found\n"));

    let anon = s.anonymous();
    expect_get(&anon, "/1.0/services", 401, UNAUTHORIZED).await;
    expect_get(&anon, "/1.0/services/instances", 401, UNAUTHORIZED).await;

    // A user without grants sees nothing and may change nothing.
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.0/services/instances").await.status(), 200);
    let list: Vec<Value> = get_json(&bob, "/1.0/services/instances").await;
    assert!(list.iter().all(|e| e["service_instances"].is_null()), "{list:?}");
    expect_get(&bob, "/1.0/services/mysql/instances/db1", 403, FORBIDDEN).await;
    let (status, body) = status_text(
        bob.post_form("/1.0/services/mysql/instances", &[("name", "db2"), ("owner", "t1")]).await,
    )
    .await;
    assert_eq!((status, body.as_str()), (403, FORBIDDEN));
    let (status, _) = try_bind(&bob, "mysql", "db1", "web1").await;
    assert_eq!(status, 403);
    let (status, _) = status_text(bob.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!(status, 403);
    let (status, _) = status_text(
        bob.post_form(
            "/1.0/services",
            &[("id", "x"), ("password", "p"), ("endpoint", "h"), ("team", "t1")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);

    // Granting t2 to the instance lets a member of t2 read it.
    s.team("t2").await;
    s.role("reader", "team", &["service-instance.read"]).await;
    s.assign("reader", "bob@example.com", "t2").await;
    expect_get(&bob, "/1.0/services/mysql/instances/db1", 403, FORBIDDEN).await;
    let resp = admin.put_form("/1.0/services/mysql/instances/permission/db1/t2", &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(bob.get("/1.0/services/mysql/instances/db1").await.status(), 200);
    expect(
        admin.delete("/1.0/services/mysql/instances/permission/db1/t1").await,
        400,
        "cannot revoke the instance's team owner access\n",
        "owner",
    )
    .await;
    assert_eq!(admin.delete("/1.0/services/mysql/instances/permission/db1/t2").await.status(), 200);
    assert_eq!(bob.get("/1.0/services/mysql/instances/db1").await.status(), 403);
}

#[tokio::test]
async fn a_remote_failure_keeps_nothing() {
    let api = Peer::service_api(&[]);
    let s = impatient_server().await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    register(&admin, "down", &format!("http://127.0.0.1:{}", closed_port())).await;

    // The API refuses the create: 502 with its answer, nothing stored.
    api.control(json!({"fail": {"POST /resources": 500}})).await;
    let (status, body) = add_instance(&admin, "mysql", "db1").await;
    assert_eq!(
        (status, body.as_str()),
        (
            502,
            "Failed to create the instance db1: invalid response: switched to fail (code: 500)\n"
        )
    );
    expect_get(&admin, "/1.0/services/mysql/instances/db1", 404, "service instance not found\n")
        .await;

    // Down: connection refused.
    let (status, body) = add_instance(&admin, "down", "db1").await;
    assert_eq!(status, 502);
    assert!(body.contains("cannot be reached"), "{body}");
    expect_get(&admin, "/1.0/services/down/instances/db1", 404, "service instance not found\n")
        .await;

    // Slow: the call times out.
    api.control(json!({"delay": 3})).await;
    let started = Instant::now();
    let (status, body) = add_instance(&admin, "mysql", "db2").await;
    assert_eq!(status, 502);
    assert!(body.contains("did not answer within"), "{body}");
    assert!(started.elapsed().as_secs_f64() < 2.9, "{:?}", started.elapsed());
    api.control(json!({})).await;
    // The stand-in went on creating it after our timeout: the duplicate is its 500.
    assert_eq!(add_instance(&admin, "mysql", "db3").await.0, 201);

    // The bind is refused: nothing is bound, the error tells the instance's status.
    api.control(json!({"fail": {"POST bind-app": 500}})).await;
    let failed = "Failed to bind the instance \"mysql/db3\" to the app \"web1\"";
    bind_fails(&admin, ["mysql", "db3", "web1"], &[failed, "(\"db3\" is pending)"]).await;
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db3").await;
    assert_eq!(info["Apps"], json!([]));

    // The app's env update fails (a variable name the app cannot take): the bind is undone at
    // the service API and nothing is stored.
    api.control(json!({"envs": {"BAD NAME": "x", "GOOD": "y"}})).await;
    bind_fails(&admin, ["mysql", "db3", "web1"], &["invalid environment variable name"]).await;
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db3").await;
    assert_eq!(info["Apps"], json!([]));
    let envs = env(&admin, "web1").await;
    assert!(env_value(&envs, "GOOD").is_none());
    let reqs = api.requests().await;
    let binds = reqs
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/resources/db3/bind-app")
        .count();
    let unbinds = reqs
        .iter()
        .filter(|r| r["method"] == "DELETE" && r["path"] == "/resources/db3/bind-app")
        .count();
    assert_eq!((binds, unbinds), (2, 1), "the second bind was undone remotely");
}

#[tokio::test]
async fn the_old_bind_path_and_route_work_and_unbindall_removes_bound_instances() {
    let api = Peer::service_api(&[
        "--legacy-bind",
        "--plans",
        r#"[{"name":"small","description":"a small one"}]"#,
    ]);
    let s = server().await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    assert_eq!(add_instance(&admin, "mysql", "db1").await.0, 201);
    streamed_ok(
        admin.put_form("/1.0/services/mysql/instances/db1/web1", &[("noRestart", "true")]).await,
    )
    .await;
    let reqs = api.requests().await;
    assert!(reqs.iter().any(|r| r["path"] == "/resources/db1/bind"));
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db1").await;
    assert_eq!(info["PlanDescription"], "a small one");
    assert_eq!(info["CustomInfo"], json!({"Address": "127.0.0.1:3306"}));
    let plans: Vec<Value> = get_json(&admin, "/1.0/services/mysql/plans").await;
    assert_eq!(plans, vec![json!({"Name": "small", "Description": "a small one"})]);

    let (status, body) = status_text(admin.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!(
        (status, body.as_str()),
        (400, "Applications bound to the service \"db1\": \"web1\"\n: This service instance is bound to at least one app. Unbind them before removing it\n")
    );
    let text =
        streamed_ok(admin.delete("/1.0/services/mysql/instances/db1?unbindall=true").await).await;
    assert!(
        text.contains("Unbind app \"web1\" ...") && text.contains("successfully removed"),
        "{text}"
    );
    let envs = env(&admin, "web1").await;
    assert!(env_value(&envs, "DB_HOST").is_none());

    // Update: a full replacement; nothing changed is a 400.
    assert_eq!(add_instance(&admin, "mysql", "db2").await.0, 201);
    let resp = admin
        .put_form(
            "/1.0/services/mysql/instances/db2",
            &[
                ("description", "my db"),
                ("plan", "small"),
                ("teamowner", "t1"),
                ("tag", "prod"),
                ("parameters.size", "10"),
            ],
        )
        .await;
    expect(resp, 400, "Neither description, team owner, tags, plan nor plan parameters were set. You must define at least one.\n", "same").await;
    let resp = admin
        .put_form(
            "/1.0/services/mysql/instances/db2",
            &[("description", "bigger"), ("plan", "large"), ("teamowner", "t1")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let info: Value = get_json(&admin, "/1.0/services/mysql/instances/db2").await;
    assert_eq!(
        (info["Description"].clone(), info["PlanName"].clone()),
        (json!("bigger"), json!("large"))
    );
    assert!(api
        .requests()
        .await
        .iter()
        .any(|r| r["method"] == "PUT" && r["path"] == "/resources/db2"));
}

/// The instances `service/instance` lists as bound.
pub(crate) async fn bound_apps(caller: &Caller, service: &str, instance: &str) -> Value {
    let info: Value =
        get_json(caller, &format!("/1.0/services/{service}/instances/{instance}")).await;
    info["Apps"].clone()
}

#[tokio::test]
async fn removing_an_app_unbinds_it_from_its_instances_at_the_service_api() {
    let api = Peer::service_api(&[]);
    let s = server().await;
    s.app("web2", "t1").await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    for instance in ["db1", "db2"] {
        assert_eq!(add_instance(&admin, "mysql", instance).await.0, 201);
    }
    for (instance, app) in [("db1", "web1"), ("db2", "web1"), ("db2", "web2")] {
        let (status, lines) = bind(&admin, "mysql", instance, app).await;
        assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    }

    let text = streamed_ok(admin.delete("/1.0/apps/web1").await).await;
    assert!(text.ends_with("---- Done removing application.\n"), "no step failed: {text}");
    // The service API was told, once per instance, and the instances let go of the app.
    let unbinds: Vec<String> = api
        .requests()
        .await
        .iter()
        .filter(|r| r["method"] == "DELETE" && r["form"]["app-name"] == json!(["web1"]))
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(unbinds, ["/resources/db1/bind-app", "/resources/db2/bind-app"]);
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!([]));
    assert_eq!(bound_apps(&admin, "mysql", "db2").await, json!(["web2"]));
    let filtered: Vec<Value> = get_json(&admin, "/1.0/services/instances?app=web1").await;
    assert!(filtered.iter().all(|e| e["service_instances"].is_null()), "{filtered:?}");
    // db1 is free to go without unbindall; web2's binding is untouched.
    let (status, lines) =
        stream_lines(admin.delete("/1.0/services/mysql/instances/db1").await).await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    let envs = env(&admin, "web2").await;
    assert!(env_value(&envs, "DB_HOST").is_some(), "{envs:?}");
}

#[tokio::test]
async fn an_app_is_removed_and_unbound_when_its_service_api_refuses_or_is_down() {
    let api = Peer::service_api(&[]);
    let s = impatient_server().await;
    let admin = s.admin();
    register(&admin, "mysql", &api.url()).await;
    register(&admin, "pgsql", &api.url()).await;
    assert_eq!(add_instance(&admin, "mysql", "db1").await.0, 201);
    assert_eq!(add_instance(&admin, "pgsql", "pg1").await.0, 201);
    for service in ["mysql", "pgsql"] {
        let instance = if service == "mysql" { "db1" } else { "pg1" };
        let (status, lines) = bind(&admin, service, instance, "web1").await;
        assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    }
    // mysql's API now refuses unbinds; pgsql's has moved to an address nobody listens on.
    api.control(json!({"fail": {"DELETE bind-app": 500}})).await;
    let down = format!("http://127.0.0.1:{}", closed_port());
    update_service(&admin, "pgsql", "svc-pass", &down).await;

    // tsuru's forced unbind: the failures are told, the removal goes on and succeeds.
    let text = streamed_ok(admin.delete("/1.0/apps/web1").await).await;
    assert!(
        text.contains("[unbind-app-endpoint] ignored error due to force: Failed to unbind (\"/resources/db1/bind-app\"): invalid response: switched to fail (code: 500)\n"),
        "{text}"
    );
    assert!(
        text.contains("[unbind-app-endpoint] ignored error due to force: Failed to unbind (\"/resources/pg1/bind-app\"): the service API cannot be reached (connection failed)\n"),
        "{text}"
    );
    assert!(text.ends_with("---- Done removing application.\n"), "{text}");
    expect_get(&admin, "/1.0/apps/web1", 404, "App web1 not found.\n").await;
    // No instance points at the removed app.
    assert_eq!(bound_apps(&admin, "mysql", "db1").await, json!([]));
    let (status, body) = status_text(admin.get("/1.0/services/pgsql/instances/pg1").await).await;
    assert_eq!(status, 502, "info asks the API, which is down: {body}");
    let list: Vec<Value> = get_json(&admin, "/1.0/services/instances").await;
    let pgsql = list.iter().find(|e| e["service"] == "pgsql").expect("pgsql");
    assert_eq!(pgsql["service_instances"][0]["apps"], json!([]));
    // The event of the removal keeps what the stream said.
    let evs = s.events("kindname=app.delete").await;
    let ev = crate::event_info(&s, &evs[0]).await;
    assert!(ev["Log"].as_str().is_some_and(|l| l.contains("ignored error due to force")), "{ev}");
}
