use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_error, stream_lines};

use crate::{
    event_info, expect, get_json, post_raw, private_pool, status_text, strings, with_pool,
    with_teams, Case, TestServer, ADMIN_EMAIL, FORBIDDEN, UNAUTHORIZED,
};

/// A server with team `t1`, a public default pool `p1` and app `app1`, deployed once (one
/// `web` unit).
async fn with_app() -> TestServer {
    let s = with_pool().await;
    s.app("app1", "t1").await;
    s.deploy("app1", "registry.example.com/app1:v1").await;
    s
}

#[tokio::test]
async fn creating_an_app_picks_pool_plan_and_router_and_units_come_with_the_first_deploy() {
    let s = with_pool().await;
    let form = [
        ("name", "app1"),
        ("platform", ""),
        ("plan", ""),
        ("teamOwner", ""),
        ("pool", ""),
        ("router", ""),
        ("routeropts", ""),
        ("description", "d"),
        ("tag", "b"),
        ("tag", "a"),
    ];
    let (status, body) = status_text(s.admin().post_form("/1.0/apps", &form).await).await;
    assert_eq!(
        (status, body.as_str()),
        (201, "{\"ip\":\"app1.tsuru.localhost\",\"status\":\"success\"}\n")
    );
    let info: Value = get_json(&s.admin(), "/1.0/apps/app1").await;
    assert_eq!(info["teamowner"], "t1", "the only team is picked");
    assert_eq!(info["teams"], json!(["t1"]));
    assert_eq!(info["owner"], ADMIN_EMAIL);
    assert_eq!(info["pool"], "p1");
    assert_eq!(info["plan"]["name"], "c0.1m0.2");
    assert_eq!(info["router"], "default");
    assert_eq!(info["tags"], json!(["b", "a"]));
    assert_eq!(info["cname"], json!([]), "empty lists are [], as tsuru writes them");
    assert_eq!(info["metadata"], json!({"labels": [], "annotations": []}));
    assert_eq!(info["description"], "d");
    assert_eq!(info["quota"], json!({"limit": -1, "inuse": 0}));
    assert_eq!(info["units"], json!([]), "no units before the first deploy");
    s.deploy("app1", "registry.example.com/app1:v1").await;
    let info: Value = get_json(&s.admin(), "/1.0/apps/app1").await;
    assert_eq!(info["quota"], json!({"limit": -1, "inuse": 1}));
    let units = info["units"].as_array().unwrap();
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["Status"], "started");
    assert_eq!(units[0]["ProcessName"], "web");
    assert_eq!(units[0]["Address"]["Host"].as_str().unwrap().split(':').nth(1), Some("8888"));
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "app info keys are sorted like Go's map");
    let team: Value = get_json(&s.admin(), "/1.12/teams/t1/quota").await;
    assert_eq!(team["inuse"], 1);
    let user: Value = get_json(&s.admin(), &format!("/1.0/users/{ADMIN_EMAIL}/quota")).await;
    assert_eq!(user["inuse"], 1);
    let events = s.events("target.type=app&target.value=app1").await;
    assert_eq!(events.len(), 2, "create, then deploy");
    assert_eq!(events[1]["Kind"]["Name"], "app.create");
    assert_eq!(events[1]["Cancelable"], false);
    assert_eq!(events[0]["Kind"]["Name"], "app.deploy");
}

#[tokio::test]
async fn app_creation_errors() {
    let s = with_teams(&["t1", "t2"]).await;
    let admin = s.admin();
    let create = |form: &'static [(&'static str, &'static str)]| {
        let admin = admin.clone();
        async move { admin.post_form("/1.0/apps", form).await }
    };
    let no_team = "You must provide a team to execute this action.\n";
    expect(create(&[("name", "a1")]).await, 400, no_team, "no team").await;
    let no_pool = create(&[("name", "a1"), ("teamOwner", "t1")]).await;
    expect(no_pool, 400, "Pool does not exist.\n", "no default pool").await;
    s.default_pool("p1").await;
    let bad_name = "Invalid app name, your app should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.\n";
    #[rustfmt::skip]
    let cases: [Case; 5] = [
        (&[("name", "a1"), ("teamOwner", "t1"), ("pool", "nope")], 400, "Pool does not exist.\n"),
        (&[("name", "a1"), ("teamOwner", "t1"), ("plan", "nope")], 400, "plan not found\n"),
        (&[("name", "a1"), ("teamOwner", "t1"), ("router", "nope")], 400, "router \"nope\" not found\n"),
        (&[("name", "a1"), ("teamOwner", "t1"), ("platform", "nope")], 400, "Invalid platform\n"),
        (&[("name", "Bad_Name"), ("teamOwner", "t1")], 400, bad_name),
    ];
    for (form, status, text) in cases {
        expect(create(form).await, status, text, form).await;
    }
    let a1 = &[("name", "a1"), ("teamOwner", "t1")];
    assert_eq!(create(a1).await.status(), 201);
    let taken = "tsuru failed to create the app \"a1\": there is already an app with this name\n";
    expect(create(a1).await, 409, taken, "taken").await;
    private_pool(&s, "private", "t2").await;
    let no_access = "App team owner \"t1\" has no access to pool \"private\"\n";
    let private = create(&[("name", "a2"), ("teamOwner", "t1"), ("pool", "private")]).await;
    expect(private, 400, no_access, "private pool").await;
    assert_eq!(
        create(&[("name", "a2"), ("teamOwner", "t2")]).await.status(),
        201,
        "t2's own pool is picked"
    );
    let a2: Value = get_json(&admin, "/1.0/apps/a2").await;
    assert_eq!(a2["pool"], "private");
    let bob = s.user("bob@example.com").await;
    let cases: [&[(&str, &str)]; 2] = [&[("name", "b1"), ("teamOwner", "t1")], &[("name", "b1")]];
    for form in cases {
        expect(bob.post_form("/1.0/apps", form).await, 403, FORBIDDEN, form).await;
    }
    let anonymous = s.anonymous().post_form("/1.0/apps", &[("name", "b1")]).await;
    expect(anonymous, 401, UNAUTHORIZED, "anonymous").await;
    let failed = s.events("kindname=app.create&erroronly=true").await;
    assert_eq!(failed.len(), 7, "checks before the event (team, platform, permission) record none");
}

#[tokio::test]
async fn quotas_limit_app_creation_and_are_released_on_removal() {
    let s = with_pool().await;
    let admin = s.admin();
    admin.put_form("/1.12/teams/t1/quota", &[("limit", "1")]).await;
    s.app("a1", "t1").await;
    let create = |name: &'static str| {
        let admin = admin.clone();
        async move { admin.post_form("/1.0/apps", &[("name", name), ("teamOwner", "t1")]).await }
    };
    let exceeded = "Quota exceeded. Available: 0, Requested: 1.\n";
    expect(create("a2").await, 403, exceeded, "the team's quota").await;
    assert_eq!(admin.get("/1.0/apps/a2").await.status(), 404, "nothing stored");
    let user: Value = get_json(&admin, &format!("/1.0/users/{ADMIN_EMAIL}/quota")).await;
    assert_eq!(user["inuse"], 1, "the user's quota is not charged for the refused app");
    let (status, _) = stream_lines(admin.delete("/1.0/apps/a1").await).await;
    assert_eq!(status, 200);
    let team: Value = get_json(&admin, "/1.12/teams/t1/quota").await;
    assert_eq!(team, json!({"limit": 1, "inuse": 0}));
    s.app("a2", "t1").await;
    admin.put_form(&format!("/1.0/users/{ADMIN_EMAIL}/quota"), &[("limit", "1")]).await;
    admin.put_form("/1.12/teams/t1/quota", &[("limit", "-1")]).await;
    expect(create("a3").await, 403, exceeded, "the user's quota").await;
    let team: Value = get_json(&s.admin(), "/1.12/teams/t1/quota").await;
    assert_eq!(team["inuse"], 1, "the team's charge is undone when the user's quota refuses");
}

#[tokio::test]
async fn the_app_list_filters_and_shows_only_what_the_caller_may_read() {
    let s = with_app().await;
    s.team("t2").await;
    s.admin().post_form("/1.0/apps", &[("name", "app2"), ("teamOwner", "t2"), ("tag", "x")]).await;
    let names = |apps: &Vec<Value>| {
        apps.iter().map(|a| a["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let all: Vec<Value> = get_json(&s.admin(), "/1.0/apps?").await;
    assert_eq!(names(&all), vec!["app1", "app2"]);
    assert_eq!(all[0]["teamowner"], "t1");
    assert_eq!(all[0]["ip"], "app1.tsuru.localhost");
    assert_eq!(all[0]["units"].as_array().unwrap().len(), 1);
    // tsuru writes empty lists as `[]`, never `null`.
    assert_eq!(all[0]["cname"], json!([]));
    assert_eq!(all[0]["tags"], json!([]));
    assert_eq!(all[1]["tags"], json!(["x"]));
    let extended: Vec<Value> = s.admin().get("/1.0/apps?extended=true").await.json().await.unwrap();
    assert_eq!(extended[0]["metadata"], json!({"labels": [], "annotations": []}));
    for (q, expected) in [
        ("name=pp2", vec!["app2"]),
        ("teamOwner=t1", vec!["app1"]),
        ("tag=x", vec!["app2"]),
        ("pool=p1", vec!["app1", "app2"]),
        (&format!("owner={ADMIN_EMAIL}"), vec!["app1", "app2"]),
        ("status=started", vec!["app1"]),
    ] {
        let apps: Vec<Value> = get_json(&s.admin(), &format!("/1.0/apps?{q}")).await;
        assert_eq!(names(&apps), expected, "{q}");
    }
    assert_eq!(s.admin().get("/1.0/apps?name=zzz").await.status(), 204);
    assert_eq!(s.admin().get("/1.0/apps?name=(").await.status(), 400);
    let simple: Vec<Value> = get_json(&s.admin(), "/1.0/apps?simplified=true").await;
    assert_eq!(simple[0]["units"], json!([]));
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let seen: Vec<Value> = get_json(&bob, "/1.0/apps").await;
    assert_eq!(names(&seen), vec!["app1"]);
    let carol = s.user("carol@example.com").await;
    assert_eq!(carol.get("/1.0/apps").await.status(), 204);
}

#[tokio::test]
async fn app_info_says_not_found_before_checking_permissions() {
    let s = with_app().await;
    let bob = s.user("bob@example.com").await;
    let resp = bob.get("/1.0/apps/nope").await;
    expect(resp, 404, "App nope not found.\n", "bob").await;
    let resp = bob.get("/1.0/apps/app1").await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    assert_eq!(s.anonymous().get("/1.0/apps/app1").await.status(), 401);
}

#[tokio::test]
async fn updating_an_app() {
    let s = with_app().await;
    let admin = s.admin();
    let nothing = "Neither the description, tags, plan, pool, team owner or platform were set. You must define at least one.\n";
    let resp = admin.put_json("/1.0/apps/app1", &json!({"planoverride": {}, "metadata": {}})).await;
    expect(resp, 400, nothing, "nothing to update").await;
    let resp = admin.put_json("/1.0/apps/app1", &json!({"router": "x"})).await;
    assert_eq!(resp.status(), 400, "router");
    let resp = admin.put_json("/1.0/apps/app1", &json!({"pool": "p1", "noRestart": true})).await;
    let must_restart = "You must restart the app when changing the pool.\n";
    expect(resp, 400, must_restart, "pool without restart").await;
    let resp = admin.put_json("/1.0/apps/app1", &json!({"description": "new", "tags": ["t"], "planoverride": {}, "metadata": {"labels": [{"name": "k", "value": "v"}]}})).await;
    assert_eq!(resp.headers()["content-type"], "application/x-json-stream");
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(status, 200);
    assert_eq!(stream_error(&lines), None);
    let info: Value = get_json(&admin, "/1.0/apps/app1").await;
    assert_eq!(info["description"], "new");
    assert_eq!(info["tags"], json!(["t"]));
    assert_eq!(info["metadata"]["labels"], json!([{"name": "k", "value": "v"}]));
    let (status, lines) =
        stream_lines(admin.put_json("/1.0/apps/app1", &json!({"plan": "c1m2"})).await).await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("---- Updating units [web] ----"), "a plan change restarts");
    let info: Value = get_json(&admin, "/1.0/apps/app1").await;
    assert_eq!(info["plan"]["name"], "c1m2");
    assert_eq!(info["units"][0]["Restarts"], 1);
    let private = json!({"metadata": {"labels": [{"name": "tsuru.io/x", "value": "v"}]}});
    let cases = [
        (json!({"plan": "nope"}), "plan not found\n"),
        (json!({"platform": "nope"}), "Invalid platform\n"),
        (private, "prefix tsuru.io/ is private\n"),
    ];
    for (body, text) in cases {
        let resp = admin.put_json("/1.0/apps/app1", &body).await;
        expect(resp, 400, text, body).await;
    }
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let by_bob = bob.put_json("/1.0/apps/app1", &json!({"description": "x"})).await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    let events = s.events("kindname=app.update").await;
    assert_eq!(events.len(), 4);
    assert_eq!(events[0]["Cancelable"], true);
}

#[tokio::test]
async fn removing_an_app_streams_its_steps() {
    let s = with_app().await;
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let resp = bob.delete("/1.0/apps/app1").await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    let (status, lines) = stream_lines(s.admin().delete("/1.0/apps/app1").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        messages(&lines),
        "---- Removing application \"app1\"...\n---- Done removing application.\n"
    );
    assert_eq!(s.admin().get("/1.0/apps/app1").await.status(), 404);
    let resp = s.admin().delete("/1.0/apps/app1").await;
    expect(resp, 404, "App app1 not found.\n", "admin").await;
    assert_eq!(s.events("kindname=app.delete").await.len(), 1);
}

#[tokio::test]
async fn a_team_with_apps_cannot_be_removed() {
    let s = with_app().await;
    let (status, body) = status_text(s.admin().delete("/1.0/teams/t1").await).await;
    assert_eq!(
        (status, body.as_str()),
        (
            403,
            "This team cannot be removed because there are still references to it:\nApps: app1\n"
        )
    );
    let info: Value = get_json(&s.admin(), "/1.4/teams/t1").await;
    assert_eq!(info["apps"][0]["name"], "app1");
    assert_eq!(info["pools"][0]["Name"], "p1");
    s.admin().put_json("/1.6/teams/t1", &json!({"newname": "t9"})).await;
    let app: Value = get_json(&s.admin(), "/1.0/apps/app1").await;
    assert_eq!(
        (app["teamowner"].clone(), app["teams"].clone()),
        (json!("t9"), json!(["t9"])),
        "renaming a team follows into apps"
    );
}

#[tokio::test]
async fn setting_and_reading_env_vars() {
    let s = with_app().await;
    let admin = s.admin();
    // What `tsuru env-set FOO=bar SECRET=s -a app1 -p`-style clients send.
    let form = "Envs.0.Alias=&Envs.0.ManagedBy=&Envs.0.Name=FOO&Envs.0.Private=&Envs.0.Value=bar&Envs.1.Alias=&Envs.1.Name=SECRET&Envs.1.Private=true&Envs.1.Value=s3cr3t&Envs.2.Name=LINK&Envs.2.Alias=FOO&Envs.2.Value=&ManagedBy=&NoRestart=&Private=&PruneUnused=";
    let urlencoded = "application/x-www-form-urlencoded";
    let resp = post_raw(&admin, "/1.0/apps/app1/env", urlencoded, form).await;
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(status, 200);
    let text = messages(&lines);
    assert!(text.starts_with("---- Setting 3 new environment variables ----\n"), "{text}");
    assert!(text.contains("---- Updating units [web] ----"), "the app restarts");
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/app1/env").await;
    let get = |n: &str| envs.iter().find(|e| e["name"] == n).cloned().unwrap();
    assert_eq!(get("FOO"), json!({"name": "FOO", "value": "bar", "alias": "", "public": true}));
    assert_eq!(
        get("SECRET"),
        json!({"name": "SECRET", "value": "*** (private variable)", "alias": "", "public": false})
    );
    assert_eq!(get("LINK")["value"], "bar", "aliases resolve in the full listing");
    assert_eq!(get("TSURU_APPNAME")["value"], "*** (private variable)");
    assert_eq!(get("TSURU_SERVICES")["public"], false);
    let some: Vec<Value> = get_json(&admin, "/1.0/apps/app1/env?env=LINK&env=FOO").await;
    assert_eq!(strings(&some, "name"), vec!["LINK", "FOO"]);
    assert_eq!(some[0]["value"], "", "no alias resolution for named variables");
    let resp = admin.get("/1.0/apps/app1/env?env=NONE").await;
    expect(resp, 200, "null\n", "admin").await;
    let event = &s.events("kindname=app.update.env.set").await[0];
    let info = event_info(&s, event).await;
    let data = info["CustomData"]["Start"].to_string();
    assert!(data.contains("\"Envs.1.Value\",\"value\":\"*****\""), "{data}");
    assert!(!data.contains("s3cr3t"));
    assert!(data.contains("\"Envs.0.Value\",\"value\":\"bar\""));
}

#[tokio::test]
async fn env_set_validation_json_prune_and_no_restart() {
    let s = with_app().await;
    let admin = s.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        async move { status_text(admin.post_json("/1.0/apps/app1/env", &body).await).await }
    };
    assert_eq!(
        post(json!({"envs": []})).await,
        (400, "You must provide the list of environment variables\n".into())
    );
    assert_eq!(
        post(json!({"envs": [{"name": "A", "value": "1"}], "pruneUnused": true})).await,
        (400, "Prune unused requires a managed-by value\n".into())
    );
    assert_eq!(
        post(json!({"envs": [{"name": "TSURU_APPNAME", "value": "x"}]})).await,
        (400, "There were errors validating environment variables: cannot change an internal environment variable (TSURU_APPNAME): write-protected environment variable\n".into())
    );
    let (status, body) =
        post(json!({"envs": [{"name": "1A", "value": "x"}, {"name": "B-C", "value": "y"}]})).await;
    assert_eq!(status, 400);
    assert!(body.starts_with("There were errors validating environment variables: multiple errors reported (2): error 0: \"1A\" is not valid"), "{body}");
    assert_eq!(
        post(json!({"envs": [{"name": "_X", "value": "1"}]})).await,
        (400, "Invalid environment variable name: '_X'\n".into())
    );
    let (status, lines) = stream_lines(admin.post_json("/1.0/apps/app1/env", &json!({"envs": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "managedBy": "tf", "norestart": true})).await).await;
    assert_eq!(status, 200);
    assert_eq!(messages(&lines), "---- Setting 2 new environment variables ----\n", "no restart");
    let (_, lines) = stream_lines(admin.post_json("/1.0/apps/app1/env", &json!({"envs": [{"name": "A", "value": "9"}], "managedBy": "tf", "pruneUnused": true, "noRestart": true, "private": true})).await).await;
    assert!(messages(&lines).contains("---- Pruning B from environment variables ----\n"));
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/app1/env?env=A&env=B").await;
    assert_eq!(
        envs,
        vec![
            json!({"name": "A", "value": "*** (private variable)", "alias": "", "public": false, "managedBy": "tf"})
        ]
    );
    let bob = s.member("bob@example.com", "t1", &["app.read.info"]).await;
    let resp =
        bob.post_json("/1.0/apps/app1/env", &json!({"envs": [{"name": "A", "value": "1"}]})).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    let resp = bob.get("/1.0/apps/app1/env").await;
    expect(resp, 403, FORBIDDEN, "bob").await;
}

#[tokio::test]
async fn unsetting_env_vars() {
    let s = with_app().await;
    let admin = s.admin();
    admin.post_json("/1.0/apps/app1/env", &json!({"envs": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}], "noRestart": true})).await;
    let resp = admin.delete("/1.0/apps/app1/env?noRestart=true").await;
    expect(resp, 400, "You must provide the list of environment variables.\n", "admin").await;
    let (status, lines) =
        stream_lines(admin.delete("/1.0/apps/app1/env?env=A&env=ZZZ&noRestart=true").await).await;
    assert_eq!(status, 200);
    assert_eq!(messages(&lines), "---- Unsetting 2 environment variables ----\n");
    let envs: Vec<Value> = get_json(&admin, "/1.0/apps/app1/env?env=A&env=B").await;
    assert_eq!(envs.len(), 1);
    let (_, lines) =
        stream_lines(admin.delete("/1.0/apps/app1/env?env=B&noRestart=false").await).await;
    assert!(messages(&lines).contains("Done updating units"), "restarts unless told not to");
    assert_eq!(s.events("kindname=app.update.env.unset").await.len(), 2);
}

#[tokio::test]
async fn app_quota() {
    let s = with_app().await;
    let admin = s.admin();
    let quota = admin.get("/1.0/apps/app1/quota").await;
    expect(quota, 200, "{\"limit\":-1,\"inuse\":1}\n", "initial").await;
    let cases = [
        ("0", 403, "New limit is less than the current allocated value\n"),
        ("x", 400, "Invalid limit\n"),
    ];
    for (limit, status, text) in cases {
        let resp = admin.put_form("/1.0/apps/app1/quota", &[("limit", limit)]).await;
        expect(resp, status, text, limit).await;
    }
    let set = admin.put_form("/1.0/apps/app1/quota", &[("limit", "5")]).await;
    assert_eq!(set.status(), 200);
    let q: Value = get_json(&admin, "/1.0/apps/app1/quota").await;
    assert_eq!(q, json!({"limit": 5, "inuse": 1}));
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    assert_eq!(bob.get("/1.0/apps/app1/quota").await.status(), 200);
    let by_bob = bob.put_form("/1.0/apps/app1/quota", &[("limit", "9")]).await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    assert_eq!(s.events("kindname=app.admin.quota").await.len(), 3);
}

#[tokio::test]
async fn restarting_an_app() {
    let s = with_app().await;
    let admin = s.admin();
    let (status, lines) = stream_lines(
        admin.post_form("/1.0/apps/app1/restart", &[("process", ""), ("version", "")]).await,
    )
    .await;
    assert_eq!(status, 200);
    let text = messages(&lines);
    assert!(text.starts_with("---- Restarting the app \"app1\" ----\n"), "{text}");
    assert!(text.contains("app1-web-") && text.contains(" started\n"));
    assert!(lines.iter().all(|l| l["Timestamp"].as_str().is_some_and(|t| t.ends_with('Z'))));
    let (_, lines) =
        stream_lines(admin.post_json("/1.0/apps/app1/restart", &json!({"process": "web"})).await)
            .await;
    assert!(messages(&lines).starts_with("---- Restarting process \"web\" ----\n"));
    let (status, lines) =
        stream_lines(admin.post_form("/1.0/apps/app1/restart", &[("process", "worker")]).await)
            .await;
    assert_eq!(status, 200, "the error comes after the header line, in-band");
    assert_eq!(stream_error(&lines).as_deref(), Some("process \"worker\" not found"));
    let info: Value = get_json(&admin, "/1.0/apps/app1").await;
    assert_eq!(info["units"][0]["Restarts"], 2);
    let events = s.events("kindname=app.update.restart").await;
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["Error"], "process \"worker\" not found");
    assert!(
        events[1]["Log"].as_str().unwrap().contains("Restarting process"),
        "progress is kept in the event log"
    );
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let resp = bob.post_form("/1.0/apps/app1/restart", &[]).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
}
