//! Image deploys, the deploy list, rollbacks, start/stop and units add/remove, on the simulated
//! provisioner.
use serde_json::Value;
use tsuru_testkit::{messages, stream_error, stream_lines, streamed_ok, Caller};

use crate::{
    expect, expect_delete, expect_get, get_json, post_raw, status_text, strings, with_pool, Case,
    TestServer, FORBIDDEN, UNAUTHORIZED,
};

const IMAGE_V1: &str = "registry.example.com/shop:v1";
const IMAGE_V2: &str = "registry.example.com/shop:v2";

/// A server with team `t1`, a public default pool and app `app1`, never deployed.
async fn with_app() -> TestServer {
    let s = with_pool().await;
    s.app("app1", "t1").await;
    s
}

async fn info(caller: &Caller) -> Value {
    get_json(caller, "/1.0/apps/app1").await
}

/// `(process, status, version)` of each unit.
fn units(info: &Value) -> Vec<(String, String, i64)> {
    info["units"]
        .as_array()
        .expect("units is a list")
        .iter()
        .map(|u| {
            (
                u["ProcessName"].as_str().unwrap().to_string(),
                u["Status"].as_str().unwrap().to_string(),
                u["Version"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn web(n: usize, status: &str, version: i64) -> Vec<(String, String, i64)> {
    vec![("web".to_string(), status.to_string(), version); n]
}

async fn deploy_form(caller: &Caller, form: &[(&str, &str)]) -> (u16, String) {
    status_text(caller.post_form("/1.0/apps/app1/deploy", form).await).await
}

/// Asserts that `caller` posting the form `image=<image>` to `path` gets `status` and the
/// plain-text `text`.
async fn posts_image(caller: &Caller, path: &str, image: &str, status: u16, text: &str) {
    let resp = caller.post_form(path, &[("image", image)]).await;
    expect(resp, status, text, (path, image)).await;
}

async fn add_units(caller: &Caller, form: &[(&str, &str)]) -> reqwest::Response {
    caller.put_form("/1.0/apps/app1/units", form).await
}

#[tokio::test]
async fn an_image_deploy_creates_a_version_and_its_units() {
    let s = with_app().await;
    let admin = s.admin();
    let before = info(&admin).await;
    assert_eq!(before["units"], Value::Array(vec![]), "no units before a deploy");
    assert_eq!(before["quota"]["inuse"], 0);
    assert_eq!(before["deploys"], 0);

    let (status, body) =
        deploy_form(&admin, &[("image", IMAGE_V1), ("origin", "image"), ("message", "first")])
            .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with(&format!("---- Deploying image {IMAGE_V1} as version 1 ----\n")),
        "{body}"
    );
    assert!(body.contains(" ---> Unit app1-web-"), "{body}");
    assert!(body.ends_with("\nOK\n"), "the client looks for OK: {body}");
    let after = info(&admin).await;
    assert_eq!(units(&after), web(1, "started", 1), "one unit per process");
    assert_eq!(after["deploys"], 1);
    assert_eq!(after["quota"]["inuse"], 1);

    // A redeploy keeps the unit count and replaces the version.
    let resp = add_units(&admin, &[("units", "2")]).await;
    assert_eq!(stream_lines(resp).await.0, 200);
    let body = s.deploy("app1", IMAGE_V2).await;
    assert!(body.contains("as version 2"), "{body}");
    let after = info(&admin).await;
    assert_eq!(units(&after), web(3, "started", 2));
    assert_eq!(after["deploys"], 2);

    let events = s.events("kindname=app.deploy").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["Target"]["Value"], "app1");
    assert_eq!(events[0]["Error"], "");
    let full = crate::event_info(&s, &events[1]).await;
    assert_eq!(full["CustomData"]["Start"]["image"], IMAGE_V1, "{full}");
    assert_eq!(full["CustomData"]["Start"]["message"], "first");
    assert_eq!(full["CustomData"]["Start"]["origin"], "image");
    assert_eq!(full["CustomData"]["End"]["image"], IMAGE_V1);
    assert!(full["Log"].as_str().unwrap().contains("Deploying image"));
}

#[tokio::test]
async fn a_procfile_declares_the_processes() {
    let s = with_app().await;
    let admin = s.admin();
    let (status, body) = deploy_form(
        &admin,
        &[("image", IMAGE_V1), ("procfile", "web: ./serve --port 8888\nworker: ./work\n")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut got = units(&info(&admin).await);
    got.sort();
    assert_eq!(
        got,
        [
            ("web".to_string(), "started".to_string(), 1),
            ("worker".to_string(), "started".to_string(), 1)
        ]
    );
    expect(
        add_units(&admin, &[("units", "1")]).await,
        400,
        "no process name specified and more than one declared in Procfile\n",
        "two processes",
    )
    .await;
    let resp = add_units(&admin, &[("units", "1"), ("process", "worker")]).await;
    assert_eq!(stream_lines(resp).await.0, 200);
    let workers = units(&info(&admin).await).into_iter().filter(|u| u.0 == "worker").count();
    assert_eq!(workers, 2);
    expect(
        add_units(&admin, &[("units", "1"), ("process", "cron")]).await,
        400,
        "process \"cron\" is not declared in version 1 (processes: web, worker)\n",
        "unknown process",
    )
    .await;
}

#[tokio::test]
async fn deploys_refuse_builds_and_bad_input() {
    let s = with_app().await;
    let admin = s.admin();
    let builds = "builds are not supported; deploy an image\n";
    let cases: &[Case] = &[
        (&[("archive-url", "https://example.com/a.tar.gz")], 400, builds),
        (&[("dockerfile", "FROM alpine\n")], 400, builds),
        (&[("origin", "app-deploy")], 400, "you must specify the image to deploy\n"),
        (
            &[("image", IMAGE_V1), ("new-version", "true")],
            400,
            "deploys with a new version beside the current ones are not supported\n",
        ),
        (
            &[("image", "bad image")],
            400,
            "invalid image name \"bad image\": it must not contain spaces\n",
        ),
        (
            &[("image", IMAGE_V1), ("procfile", "web ./run")],
            400,
            "invalid Procfile line \"web ./run\": expected \"<process>: <command>\"\n",
        ),
    ];
    for (form, status, text) in cases {
        let got = deploy_form(&admin, form).await;
        assert_eq!(got, (*status, text.to_string()), "{form:?}");
    }
    let upload = post_raw(
        &admin,
        "/1.0/apps/app1/deploy",
        "multipart/form-data; boundary=XyZ",
        "--XyZ\r\nContent-Disposition: form-data; name=\"origin\"\r\n\r\napp-deploy\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"archive.tar.gz\"\r\nContent-Type: application/octet-stream\r\n\r\nnot really a tarball\r\n--XyZ--\r\n",
    )
    .await;
    expect(upload, 400, builds, "an uploaded archive").await;
    posts_image(&s.anonymous(), "/1.0/apps/app1/deploy", IMAGE_V1, 401, UNAUTHORIZED).await;
    posts_image(&admin, "/1.0/apps/nope/deploy", IMAGE_V1, 404, "App nope not found.\n").await;
    let reader = s.member("bob@example.com", "t1", &["app.read"]).await;
    posts_image(&reader, "/1.0/apps/app1/deploy", IMAGE_V1, 403, FORBIDDEN).await;
    let deployer = s.member("ann@example.com", "t1", &["app.deploy.image"]).await;
    let (status, body) = deploy_form(&deployer, &[("image", IMAGE_V1)]).await;
    assert_eq!(status, 200, "{body}");
    let after = info(&admin).await;
    assert_eq!(after["deploys"], 1, "only the accepted deploy counts");
}

#[tokio::test]
async fn a_failed_deploy_keeps_what_ran_and_records_the_error() {
    let s = with_app().await;
    let admin = s.admin();
    s.deploy("app1", IMAGE_V1).await;
    let (status, body) = deploy_form(&admin, &[("image", "registry.example.com/shop:crash")]).await;
    assert_eq!(status, 200, "the failure comes after the first line");
    let error = "units of version 2 (image registry.example.com/shop:crash) did not start: the container exited with status 1";
    assert!(body.ends_with(&format!("{error}\n")), "{body}");
    assert!(!body.contains("\nOK\n"));
    let after = info(&admin).await;
    assert_eq!(after["deploys"], 1, "the count is unchanged");
    assert_eq!(units(&after), web(1, "started", 1), "version 1 still runs");
    let events = s.events("kindname=app.deploy").await;
    assert_eq!(events[0]["Error"], error);
    // The next deploy is version 3: the failed version keeps its number.
    let body = s.deploy("app1", IMAGE_V2).await;
    assert!(body.contains("as version 3"), "{body}");
    expect(
        admin
            .post_form(
                "/1.0/apps/app1/deploy/rollback",
                &[("image", "registry.example.com/shop:crash")],
            )
            .await,
        400,
        "Invalid version: registry.example.com/shop:crash\n",
        "a failed version cannot come back",
    )
    .await;
}

#[tokio::test]
async fn the_deploy_list_shows_what_the_client_prints() {
    let s = with_app().await;
    let admin = s.admin();
    let resp = admin.get("/1.0/deploys?app=app1&limit=10").await;
    assert_eq!(status_text(resp).await, (204, String::new()));
    s.deploy("app1", IMAGE_V1).await;
    let (status, _) = deploy_form(&admin, &[("image", "registry.example.com/shop:crash")]).await;
    assert_eq!(status, 200);
    s.deploy("app1", IMAGE_V2).await;
    s.app("app2", "t1").await;
    s.deploy("app2", "registry.example.com/other:v1").await;

    let list: Vec<Value> = get_json(&admin, "/1.0/deploys?app=app1&limit=10").await;
    assert_eq!(
        strings(&list, "Image"),
        [IMAGE_V2, "registry.example.com/shop:crash", IMAGE_V1],
        "newest first"
    );
    let first = &list[0];
    for key in [
        "ID",
        "App",
        "Timestamp",
        "Duration",
        "Commit",
        "Error",
        "Image",
        "Log",
        "User",
        "Origin",
        "CanRollback",
        "RemoveDate",
        "Diff",
        "Message",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert_eq!(first["App"], "app1");
    assert_eq!(first["Origin"], "image");
    assert_eq!(first["User"], crate::ADMIN_EMAIL);
    assert!(first["Duration"].as_i64().unwrap() >= 0);
    assert_eq!(
        list.iter().map(|d| d["CanRollback"].as_bool().unwrap()).collect::<Vec<_>>(),
        [true, false, true]
    );
    assert!(list[1]["Error"].as_str().unwrap().contains("did not start"));

    let page: Vec<Value> = get_json(&admin, "/1.0/deploys?app=app1&skip=1&limit=1").await;
    assert_eq!(strings(&page, "Image"), ["registry.example.com/shop:crash"]);
    let all: Vec<Value> = get_json(&admin, "/1.0/deploys").await;
    assert_eq!(all.len(), 4, "every app's deploys");
    assert_eq!(all[0]["App"], "app2");

    let reader = s.member("bob@example.com", "t1", &["app.read.deploy"]).await;
    let seen: Vec<Value> = get_json(&reader, "/1.0/deploys?app=app1").await;
    assert_eq!(seen.len(), 3);
    let other = s.member("eve@example.com", "t1", &["app.read.info"]).await;
    assert_eq!(status_text(other.get("/1.0/deploys").await).await.0, 204);
    assert_eq!(status_text(admin.get("/1.0/deploys?app=ghost").await).await.0, 204);
    expect_get(&admin, "/1.0/deploys?limit=-1", 400, "invalid limit: it must not be negative\n")
        .await;
    expect_get(&s.anonymous(), "/1.0/deploys", 401, UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_rollback_runs_the_older_image() {
    let s = with_app().await;
    let admin = s.admin();
    s.deploy("app1", IMAGE_V1).await;
    s.deploy("app1", IMAGE_V2).await;
    let (status, lines) = stream_lines(
        admin
            .post_form(
                "/1.0/apps/app1/deploy/rollback",
                &[("image", IMAGE_V1), ("origin", "rollback")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stream_error(&lines), None);
    assert!(
        messages(&lines)
            .starts_with(&format!("---- Rolling back to version 1 (image {IMAGE_V1}) ----\n")),
        "{}",
        messages(&lines)
    );
    let after = info(&admin).await;
    assert_eq!(units(&after), web(1, "started", 1), "version 1 runs again");
    assert_eq!(after["deploys"], 3);
    let list: Vec<Value> = get_json(&admin, "/1.0/deploys?app=app1").await;
    assert_eq!(list[0]["Origin"], "rollback");
    assert_eq!(list[0]["Image"], IMAGE_V1);
    // By version number too.
    streamed_ok(admin.post_form("/1.0/apps/app1/deploy/rollback", &[("image", "v2")]).await).await;
    assert_eq!(units(&info(&admin).await), web(1, "started", 2));
    posts_image(
        &admin,
        "/1.0/apps/app1/deploy/rollback",
        "nope:v9",
        400,
        "Invalid version: nope:v9\n",
    )
    .await;
    let deployer = s.member("ann@example.com", "t1", &["app.deploy.image"]).await;
    posts_image(&deployer, "/1.0/apps/app1/deploy/rollback", IMAGE_V1, 403, FORBIDDEN).await;
}

#[tokio::test]
async fn stop_keeps_the_units_stopped_and_start_restores_them() {
    let s = with_app().await;
    let admin = s.admin();
    // Before the first deploy both succeed and do nothing.
    for op in ["stop", "start"] {
        let (status, lines) =
            stream_lines(admin.post_form(&format!("/1.0/apps/app1/{op}"), &[]).await).await;
        assert_eq!((status, stream_error(&lines)), (200, None), "{op}");
    }
    assert_eq!(units(&info(&admin).await), []);
    s.deploy("app1", IMAGE_V1).await;
    let resp = add_units(&admin, &[("units", "2")]).await;
    assert_eq!(stream_lines(resp).await.0, 200);

    let (status, lines) = stream_lines(
        admin.post_form("/1.0/apps/app1/stop", &[("process", ""), ("version", "")]).await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(messages(&lines).starts_with("\n ---> Stopping the app \"app1\"\n"));
    let stopped = info(&admin).await;
    assert_eq!(units(&stopped), web(3, "stopped", 1));
    assert_eq!(stopped["quota"]["inuse"], 3, "stopped units count");
    expect(
        add_units(&admin, &[("units", "1")]).await,
        400,
        "Cannot add units to an app that has stopped units\n",
        "stopped",
    )
    .await;

    let (status, lines) = stream_lines(
        admin.post_json("/1.0/apps/app1/start", &serde_json::json!({"process": "web"})).await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(messages(&lines).starts_with("\n ---> Starting the process \"web\"\n"));
    assert_eq!(units(&info(&admin).await), web(3, "started", 1));

    expect(
        admin.post_form("/1.0/apps/app1/stop", &[("process", "worker")]).await,
        400,
        "process \"worker\" is not declared in version 1 (processes: web)\n",
        "unknown process",
    )
    .await;
    expect(
        admin.post_form("/1.0/apps/app1/stop", &[("version", "7")]).await,
        400,
        "Invalid version: 7\n",
        "unknown version",
    )
    .await;
    assert_eq!(s.events("kindname=app.update.stop").await.len(), 4);
    assert_eq!(s.events("kindname=app.update.start").await.len(), 2);
    let reader = s.member("bob@example.com", "t1", &["app.update.start"]).await;
    expect(reader.post_form("/1.0/apps/app1/stop", &[]).await, 403, FORBIDDEN, "no stop").await;
    let (status, _) = stream_lines(reader.post_form("/1.0/apps/app1/start", &[]).await).await;
    assert_eq!(status, 200, "start is allowed");
    expect(s.anonymous().post_form("/1.0/apps/app1/start", &[]).await, 401, UNAUTHORIZED, "anon")
        .await;
    expect(admin.post_form("/1.0/apps/nope/stop", &[]).await, 404, "App nope not found.\n", "404")
        .await;
}

#[tokio::test]
async fn units_are_added_and_removed_within_the_quota() {
    let s = with_app().await;
    let admin = s.admin();
    expect(
        add_units(&admin, &[("units", "1")]).await,
        400,
        "no versions available for app\n",
        "before the first deploy",
    )
    .await;
    expect_delete(&admin, "/1.0/apps/app1/units?units=1", 400, "no versions available for app\n")
        .await;
    s.deploy("app1", IMAGE_V1).await;
    let invalid = "Invalid number of units: the number must be an integer greater than 0.\n";
    for bad in ["", "x", "-1"] {
        expect(add_units(&admin, &[("units", bad)]).await, 400, invalid, bad).await;
    }
    expect(add_units(&admin, &[("units", "0")]).await, 400, "Cannot add zero units.\n", "zero")
        .await;
    let (status, lines) =
        stream_lines(add_units(&admin, &[("units", "2"), ("process", ""), ("version", "")]).await)
            .await;
    assert_eq!((status, stream_error(&lines)), (200, None));
    assert!(messages(&lines)
        .starts_with("---- Adding 2 unit(s) to process \"web\" of version 1 ----\n"));
    assert_eq!(units(&info(&admin).await), web(3, "started", 1));

    let resp = admin.put_form("/1.0/apps/app1/quota", &[("limit", "4")]).await;
    assert_eq!(resp.status(), 200);
    expect(
        add_units(&admin, &[("units", "2")]).await,
        403,
        "Quota exceeded. Available: 1, Requested: 2.\n",
        "over the quota",
    )
    .await;
    assert_eq!(units(&info(&admin).await).len(), 3, "nothing added");
    let (status, _) =
        stream_lines(add_units(&admin, &[("units", "1"), ("version", "v1")]).await).await;
    assert_eq!(status, 200, "up to the limit");

    streamed_ok(admin.delete("/1.0/apps/app1/units?units=1&process=web").await).await;
    let after = info(&admin).await;
    assert_eq!(units(&after), web(3, "started", 1));
    assert_eq!(after["quota"], serde_json::json!({"limit": 4, "inuse": 3}));
    let (status, _) = stream_lines(admin.delete("/1.0/apps/app1/units?units=9").await).await;
    assert_eq!(status, 200);
    assert_eq!(units(&info(&admin).await), [], "removing them all stops the process");
    let (status, _) = stream_lines(add_units(&admin, &[("units", "2")]).await).await;
    assert_eq!(status, 200, "a stopped process scales up again");
    assert_eq!(units(&info(&admin).await), web(2, "started", 1));

    assert_eq!(s.events("kindname=app.update.unit.add").await.len(), 6);
    assert_eq!(s.events("kindname=app.update.unit.remove").await.len(), 3);
    let remover = s.member("bob@example.com", "t1", &["app.update.unit.remove"]).await;
    expect(add_units(&remover, &[("units", "1")]).await, 403, FORBIDDEN, "no add").await;
    let (status, _) = stream_lines(remover.delete("/1.0/apps/app1/units?units=1").await).await;
    assert_eq!(status, 200);
    expect(
        admin.put_form("/1.0/apps/nope/units", &[("units", "1")]).await,
        404,
        "App nope not found.\n",
        "404",
    )
    .await;
    expect_delete(&s.anonymous(), "/1.0/apps/app1/units?units=1", 401, UNAUTHORIZED).await;
}

#[tokio::test]
async fn removing_an_app_removes_its_versions() {
    let s = with_app().await;
    s.deploy("app1", IMAGE_V1).await;
    let (status, _) = stream_lines(s.admin().delete("/1.0/apps/app1").await).await;
    assert_eq!(status, 200);
    s.app("app1", "t1").await;
    let body = s.deploy("app1", IMAGE_V2).await;
    assert!(body.contains("as version 1"), "a new app starts over: {body}");
}
