//! `tsurud doctor`, the binary, on FerretDB: a database the API wrote reads entirely; broken
//! documents (a wrong type, a missing required field, an unknown enum value) are named by
//! collection, id and field with exit status 1; documents shaped as tsuru writes them
//! (`docs/mongodb.md`) read; missing indexes are reported, then created by `--fix-indexes`;
//! nothing is written without it; tsuru's settings are told apart from typos.
use std::collections::BTreeMap;
use std::process::Command;

use futures::TryStreamExt;
use mongodb::bson::{doc, oid::ObjectId, spec::BinarySubtype, Binary, Bson, DateTime, Document};
use mongodb::Database;
use serde_json::{json, Value};
use tsuru_testkit::{status_text, TestServer};

use crate::support::{fresh_database_name, mongo_url};

/// What one run of `tsurud doctor` printed and its exit status.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// `tsurud doctor ARGS` with a configuration file holding `extra` and the database section.
async fn doctor_with(url: &str, db: &str, extra: &str, args: &[&str]) -> Run {
    let dir = std::env::temp_dir().join(format!("tsurud-doctor-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tsuru.conf");
    std::fs::write(&file, format!("{extra}database:\n  url: \"{url}\"\n  name: {db}\n")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tsurud"));
    cmd.arg("doctor").arg("--config").arg(&file).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TSURU_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "warn");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run tsurud doctor"))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Run {
        status: out.status.code().expect("an exit status"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

async fn doctor(url: &str, db: &str, args: &[&str]) -> Run {
    doctor_with(url, db, "", args).await
}

async fn database(url: &str, name: &str) -> Database {
    mongodb::Client::with_uri_str(url).await.unwrap().database(name)
}

/// The indexes of `coll`.
async fn indexes(coll: &mongodb::Collection<Document>) -> Vec<mongodb::IndexModel> {
    let cursor = coll.list_indexes().await.unwrap();
    cursor.try_collect().await.unwrap()
}

/// Every collection with its documents and its indexes (name, keys, unique): what a run that
/// writes nothing leaves as it found.
async fn snapshot(db: &Database) -> BTreeMap<String, (Vec<Document>, Vec<String>)> {
    let mut all = BTreeMap::new();
    for name in db.list_collection_names().await.unwrap() {
        let coll = db.collection::<Document>(&name);
        let docs: Vec<Document> =
            coll.find(doc! {}).sort(doc! {"_id": 1}).await.unwrap().try_collect().await.unwrap();
        let mut indexes: Vec<String> = indexes(&coll)
            .await
            .into_iter()
            .map(|m| format!("{} {:?}", m.keys, m.options.and_then(|o| o.unique)))
            .collect();
        indexes.sort();
        all.insert(name, (docs, indexes));
    }
    all
}

/// The report's entry for `collection`.
fn collection<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["database"]["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report:#}"))
}

#[tokio::test]
async fn a_database_the_api_wrote_reads_entirely() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let s = TestServer::spawn_with(|st| {
        st.storage = "mongodb".into();
        st.database.url = url.clone();
        st.database.name = name.clone();
    })
    .await;
    let admin = s.admin();
    s.team("web").await;
    s.user("dev@example.com").await;
    s.role("deployer", "team", &["app.deploy"]).await;
    s.assign("deployer", "dev@example.com", "web").await;
    s.default_pool("main").await;
    let put = admin
        .put_json(
            "/1.3/constraints",
            &json!({"PoolExpr": "main", "Field": "team", "Values": ["web"]}),
        )
        .await;
    assert_eq!(put.status(), 200);
    let plan = admin.post_form("/1.0/plans", &[("name", "small"), ("memory", "128M")]).await;
    assert_eq!(plan.status(), 201);
    s.app("site", "web").await;
    let env = admin
        .post_json(
            "/1.0/apps/site/env",
            &json!({"envs": [{"name": "FOO", "value": "bar"}], "noRestart": true}),
        )
        .await;
    assert_eq!(status_text(env).await.0, 200);
    s.deploy("site", "nginx:1").await;
    let token = admin.post_json("/1.6/tokens", &json!({"team": "web", "token_id": "ci"})).await;
    assert_eq!(token.status(), 201);
    let hook = admin
        .post_json(
            "/1.6/events/webhooks",
            &json!({"name": "hook", "url": "http://127.0.0.1:1/", "team_owner": "web"}),
        )
        .await;
    assert_eq!(status_text(hook).await.0, 200);
    let service = admin
        .post_form(
            "/1.0/services",
            &[
                ("id", "mysql"),
                ("username", "svc"),
                ("password", "svc-pass"),
                ("endpoint", "http://127.0.0.1:1"),
                ("team", "web"),
            ],
        )
        .await;
    assert_eq!(service.status(), 201);
    let platform = admin
        .request(reqwest::Method::POST, "/1.0/platforms")
        .multipart(reqwest::multipart::Form::new().text("name", "python").part(
            "dockerfile_content",
            reqwest::multipart::Part::bytes(b"FROM python:3\n".to_vec()).file_name("Dockerfile"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(status_text(platform).await.0, 200);
    let wrong = s
        .anonymous()
        .post_form(
            "/1.0/auth/login",
            &[("email", "dev@example.com"), ("password", "not-the-password")],
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let reset = s.anonymous().post_form("/1.0/users/dev@example.com/password", &[]).await;
    assert!(reset.status().is_success(), "{}", reset.status());

    let db = database(&url, &name).await;
    let before = snapshot(&db).await;
    let run = doctor(&url, &name, &["--json"]).await;
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["status"], 0);
    assert_eq!(
        report["database"]["other_collections"],
        json!([]),
        "every collection the API writes is one the doctor reads"
    );
    assert_eq!(report["database"]["tsuru_lock_index"], false);
    for (coll, (docs, _)) in &before {
        let c = collection(&report, coll);
        assert_eq!(c["readable"], docs.len(), "{coll}: {c:#}");
        assert_eq!(c["unreadable"], 0, "{coll}: {c:#}");
        for index in c["indexes"].as_array().unwrap() {
            assert_eq!(index["status"], "present", "{coll}: {index}");
        }
    }
    for written in [
        "users",
        "tokens",
        "password_tokens",
        "login_failures",
        "teams",
        "roles",
        "team_tokens",
        "events",
        "apps",
        "app_versions",
        "pool",
        "pool_constraints",
        "plans",
        "platforms",
        "platform_images",
        "webhook",
        "services",
    ] {
        let n = collection(&report, written)["readable"].as_u64().unwrap();
        assert!(n > 0, "the API wrote no {written}");
    }
    assert_eq!(snapshot(&db).await, before, "the doctor wrote nothing");

    let text = doctor(&url, &name, &[]).await;
    assert_eq!(text.status, 0, "{}", text.stdout);
    let apps = before["apps"].0.len();
    assert!(
        text.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["apps", &apps.to_string(), "readable"]),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("  documents: "), "{}", text.stdout);
    assert!(text.stdout.contains(", 0 unreadable\n"), "{}", text.stdout);
    assert!(
        text.stdout.contains("ready: tsurud reads every document of this database"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("UNREADABLE"), "{}", text.stdout);
}

/// A database prepared as `tsurud api` prepares it (the indexes), then `docs` written raw.
async fn prepared(url: &str, name: &str) -> Database {
    tsuru_adapters::mongo::MongoStore::connect(url, name).await.unwrap();
    database(url, name).await
}

#[tokio::test]
async fn broken_documents_are_named_by_collection_id_and_field() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let db = prepared(&url, &name).await;
    let app_id = ObjectId::new();
    let user_id = ObjectId::new();
    let event_id = ObjectId::new();
    db.collection::<Document>("apps")
        .insert_many([
            doc! {"_id": app_id, "name": "myapp", "teamowner": "t",
            "plan": {"name": "c1m1", "memory": "x", "cpumilli": 1000_i64}},
            doc! {"_id": ObjectId::new(), "name": "fine", "teamowner": "t",
            "plan": {"name": "c1m1", "memory": 1_i64, "cpumilli": 1000_i64}},
        ])
        .await
        .unwrap();
    // A user without its e-mail (required).
    db.collection::<Document>("users")
        .insert_one(doc! {"_id": user_id, "password": "$2a$04$x", "roles": []})
        .await
        .unwrap();
    // A role with a context type tsuru never had.
    db.collection::<Document>("roles")
        .insert_many([
            doc! {"_id": "galaxy-admin", "contexttype": "galaxy", "schemenames": ["*"]},
            doc! {"_id": "team-member", "contexttype": "team", "schemenames": ["app"]},
        ])
        .await
        .unwrap();
    // An event whose `running` is a string.
    db.collection::<Document>("events")
        .insert_one(doc! {
            "_id": event_id, "uniqueid": event_id, "starttime": DateTime::now(),
            "target": {"type": "app", "value": "myapp"},
            "kind": {"type": "permission", "name": "app.deploy"},
            "owner": {"type": "user", "name": "a@example.com"},
            "running": "yes",
        })
        .await
        .unwrap();
    let before = snapshot(&db).await;

    let run = doctor(&url, &name, &[]).await;
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().map(str::trim).collect();
    for want in [
        format!(
            r#"apps _id={} (name=myapp): field "plan.memory": invalid type: string "x", expected i64"#,
            app_id.to_hex()
        ),
        format!(
            r#"users _id={}: field "email": required, missing"#,
            user_id.to_hex()
        ),
        r#"roles _id=galaxy-admin: field "contexttype": unknown context type "galaxy" (known: global, app, team, user, pool, service, service-instance, volume, router, job, iaas)"#.to_string(),
        format!(
            r#"events _id={}: field "running": invalid type: string "yes", expected a boolean"#,
            event_id.to_hex()
        ),
        "apps       1 readable, 1 UNREADABLE".to_string(),
        "documents: 2 readable, 4 unreadable".to_string(),
        "NOT READY: fix what is marked above, then run tsurud doctor again".to_string(),
    ] {
        let squeezed = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            lines.iter().any(|l| squeezed(l) == squeezed(&want)),
            "no line {want:?} in\n{}",
            run.stdout
        );
    }
    assert_eq!(snapshot(&db).await, before, "the doctor wrote nothing");

    let report = doctor(&url, &name, &["--json"]).await;
    assert_eq!(report.status, 1);
    let report = report.json();
    assert_eq!(report["status"], 1);
    let apps = collection(&report, "apps");
    assert_eq!(apps["readable"], 1);
    assert_eq!(apps["unreadable"], 1);
    assert_eq!(
        apps["failures"],
        json!([{"id": app_id.to_hex(), "label": "name=myapp", "field": "plan.memory",
                "error": "invalid type: string \"x\", expected i64"}])
    );
    assert_eq!(collection(&report, "roles")["readable"], 1);

    // Mended, the same database passes.
    db.collection::<Document>("apps")
        .update_one(doc! {"_id": app_id}, doc! {"$set": {"plan.memory": 1_i64}})
        .await
        .unwrap();
    db.collection::<Document>("users")
        .update_one(doc! {"_id": user_id}, doc! {"$set": {"email": "u@example.com"}})
        .await
        .unwrap();
    db.collection::<Document>("roles").delete_one(doc! {"_id": "galaxy-admin"}).await.unwrap();
    db.collection::<Document>("events")
        .update_one(doc! {"_id": event_id}, doc! {"$set": {"running": false}})
        .await
        .unwrap();
    let run = doctor(&url, &name, &[]).await;
    assert_eq!(run.status, 0, "{}", run.stdout);
}

#[tokio::test]
async fn missing_indexes_are_reported_then_created_by_fix_indexes() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let db = database(&url, &name).await;
    // A database tsurud never started on: documents, no index but `_id`.
    db.collection::<Document>("users")
        .insert_one(doc! {"_id": ObjectId::new(), "email": "a@example.com", "password": ""})
        .await
        .unwrap();
    let before = snapshot(&db).await;
    let run = doctor(&url, &name, &[]).await;
    assert_eq!(run.status, 0, "missing indexes alone do not fail: {}", run.stdout);
    assert!(run.stdout.contains("    index { \"email\": 1 } unique: missing\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            " missing (tsurud api creates them at start-up; tsurud doctor --fix-indexes creates them now)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(snapshot(&db).await, before, "the doctor wrote nothing");

    let fixed = doctor(&url, &name, &["--fix-indexes"]).await;
    assert_eq!(fixed.status, 0, "{}", fixed.stdout);
    assert!(
        fixed.stdout.contains("    index { \"email\": 1 } unique: created\n"),
        "{}",
        fixed.stdout
    );
    assert!(fixed.stdout.contains("0 missing"), "{}", fixed.stdout);
    let unique_email = indexes(&db.collection("users"))
        .await
        .into_iter()
        .any(|m| m.keys == doc! {"email": 1} && m.options.and_then(|o| o.unique) == Some(true));
    assert!(unique_email, "the unique e-mail index exists");
    let again = doctor(&url, &name, &["--json"]).await.json();
    for c in again["database"]["collections"].as_array().unwrap() {
        for index in c["indexes"].as_array().unwrap() {
            assert_eq!(index["status"], "present", "{}: {index}", c["name"]);
        }
    }
}

#[tokio::test]
async fn an_index_that_differs_in_uniqueness_is_a_conflict_left_alone() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let db = database(&url, &name).await;
    let plain = mongodb::IndexModel::builder().keys(doc! {"name": 1}).build();
    db.collection::<Document>("webhook").create_index(plain).await.unwrap();
    let run = doctor(&url, &name, &["--fix-indexes"]).await;
    assert_eq!(run.status, 1, "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("index { \"name\": 1 } unique: CONFLICT"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("\"name_1\""), "{line}");
    assert!(line.contains("tsurud api cannot start"), "{line}");
    assert!(run.stdout.contains("1 conflicting"), "{}", run.stdout);
}

/// Go's zero `time.Time`, as tsuru stores "never".
fn go_zero() -> DateTime {
    DateTime::from_millis(-62_135_596_800_000)
}

fn binary(bytes: &[u8]) -> Binary {
    Binary { subtype: BinarySubtype::Generic, bytes: bytes.to_vec() }
}

/// One document per collection, in the shapes tsuru writes them (`docs/mongodb.md`), with the
/// nulls Go writes for nil lists and maps and fields tsurud does not model; and a collection of
/// tsuru's own that tsurud never reads.
async fn seed_tsuru(db: &Database) -> BTreeMap<&'static str, usize> {
    let t = DateTime::from_millis(1_700_000_000_000);
    let event = ObjectId::new();
    let docs: Vec<(&'static str, Vec<Document>)> = vec![
        (
            "users",
            vec![doc! {
                "_id": ObjectId::new(), "email": "legacy@example.com", "password": "$2a$10$abc",
                "apikey": "", "apikey_last_access": go_zero(), "apikey_usage_counter": 0_i64,
                "roles": [{"name": "AllowAll", "contextvalue": ""}], "groups": Bson::Null,
                "disabled": false, "quota": {"limit": -1_i64, "inuse": 0_i64}, "keys": Bson::Null,
            }],
        ),
        (
            "tokens",
            vec![doc! {
                "_id": ObjectId::new(), "token": "0f1e2d3c", "creation": t,
                "expires": 604_800_000_000_000_i64, "appname": "", "useremail": "legacy@example.com",
            }],
        ),
        (
            "password_tokens",
            vec![doc! {
                "_id": "a1b2c3", "useremail": "legacy@example.com", "creation": t, "used": false,
            }],
        ),
        (
            "teams",
            vec![doc! {
                "_id": "legacy-team", "creatinguser": "legacy@example.com", "tags": Bson::Null,
                "quota": {"limit": -1_i64, "inuse": 1_i64},
            }],
        ),
        (
            "roles",
            vec![
                doc! {"_id": "AllowAll", "contexttype": "global", "description": "",
                "schemenames": ["*"], "events": Bson::Null},
                doc! {"_id": "team-member", "contexttype": "team", "description": "",
                "schemenames": ["app"], "events": ["team-create"]},
            ],
        ),
        (
            "events",
            vec![doc! {
                "_id": event, "uniqueid": event, "starttime": t, "endtime": t, "expireat": go_zero(),
                "target": {"type": "app", "value": "legacy-app"}, "extratargets": Bson::Null,
                "kind": {"type": "permission", "name": "app.deploy"},
                "owner": {"type": "user", "name": "legacy@example.com"}, "sourceip": "10.0.0.1",
                "lockupdatetime": t, "error": "", "log": "", "structuredlog": Bson::Null,
                "cancelinfo": {"owner": "", "starttime": go_zero(), "acktime": go_zero(),
                               "reason": "", "asked": false, "canceled": false},
                "cancelable": true, "running": false,
                "allowed": {"scheme": "app.read.events",
                            "contexts": [{"ctxtype": "app", "value": "legacy-app"}]},
                "allowedcancel": {"scheme": "app.update.events", "contexts": Bson::Null},
                "instance": {"name": "tsuru-api-0"}, "startcustomdata": {"image": "nginx"},
                "endcustomdata": Bson::Null, "othercustomdata": Bson::Null,
            }],
        ),
        (
            "apps",
            vec![doc! {
                "_id": ObjectId::new(), "name": "legacy-app", "framework": "python",
                "platformversion": "latest", "teams": ["legacy-team"], "teamowner": "legacy-team",
                "owner": "legacy@example.com",
                "plan": {"name": "c1m1", "memory": 1_073_741_824_i64, "cpumilli": 1000_i64,
                         "override": {"memory": Bson::Null, "cpumilli": Bson::Null}},
                "pool": "legacy-pool", "description": "", "tags": Bson::Null,
                "metadata": {"labels": Bson::Null, "annotations": Bson::Null},
                "routers": [{"name": "default", "opts": Bson::Null}], "cname": Bson::Null,
                "env": {"FOO": {"name": "FOO", "value": "bar", "alias": "", "public": true,
                                "managedby": ""}},
                "deploys": 2_i64, "updateplatform": false, "quota": {"limit": -1_i64, "inuse": 1_i64},
                "lock": {"locked": false}, "servicesenvs": Bson::Null,
            }],
        ),
        (
            "app_versions",
            vec![doc! {
                "_id": ObjectId::new(), "appname": "legacy-app", "count": 1_i64,
                "lastsuccessfulversion": 1_i64, "markedtoremoval": false,
                "versions": {"1": {
                    "version": 1_i64, "description": "", "buildimage": "",
                    "deployimage": "registry.example.com/legacy-app:v1",
                    "processes": {"web": ["python app.py"]}, "exposedports": ["8888/tcp"],
                    "eventid": event.to_hex(), "createdat": t, "updatedat": t,
                    "deploysuccessful": true, "markedtoremoval": false, "disabled": false,
                    "disabledreason": "", "pastunits": Bson::Null, "customdata": Bson::Null,
                }},
            }],
        ),
        (
            "pool",
            vec![doc! {
                "_id": "legacy-pool", "default": true, "provisioner": "kubernetes",
                "labels": Bson::Null,
            }],
        ),
        (
            "pool_constraints",
            vec![doc! {
                "_id": ObjectId::new(), "poolexpr": "legacy-pool", "field": "team",
                "values": ["legacy-team"], "blacklist": false,
            }],
        ),
        (
            "plans",
            vec![doc! {
                "_id": "c1m1", "memory": 1_073_741_824_i64, "cpumilli": 1000_i64, "default": true,
                "override": Bson::Null,
            }],
        ),
        ("platforms", vec![doc! {"_id": "python", "disabled": false}]),
        (
            "platform_images",
            vec![doc! {
                "_id": "python", "versions": [{"version": 1_i64, "images": ["tsuru/python:v1"]}],
                "count": 1_i64,
            }],
        ),
        (
            "team_tokens",
            vec![doc! {
                "_id": ObjectId::new(), "token": "team-token-value", "token_id": "ci",
                "description": "", "created_at": t, "expires_at": go_zero(),
                "last_access": go_zero(), "creator_email": "legacy@example.com",
                "team": "legacy-team", "roles": [{"name": "team-member", "contextvalue": "legacy-team"}],
            }],
        ),
        (
            "webhook",
            vec![doc! {
                "_id": ObjectId::new(), "name": "notify", "description": "",
                "teamowner": "legacy-team",
                "eventfilter": {"targettypes": Bson::Null, "targetvalues": Bson::Null,
                                "kindtypes": Bson::Null, "kindnames": ["app.deploy"],
                                "erroronly": false, "successonly": false},
                "url": "https://hooks.example.com/", "proxyurl": "",
                "headers": {"X-Token": ["abc"]}, "method": "POST", "body": "", "insecure": false,
            }],
        ),
        (
            "provisioner_clusters",
            vec![doc! {
                "_id": "kube1", "addresses": ["https://10.0.0.1:6443"], "provisioner": "kubernetes",
                "cacert": binary(b"CA"), "clientcert": binary(b"CERT"), "clientkey": binary(b"KEY"),
                "pools": ["legacy-pool"], "customdata": {"namespace": "tsuru"}, "local": false,
                "default": false, "kubeconfig": Bson::Null, "httpproxy": "",
            }],
        ),
        (
            "services",
            vec![doc! {
                "_id": "mysql", "username": "mysql", "password": "secret",
                "endpoint": {"production": "http://mysql-api.example.com"},
                "owner_teams": ["legacy-team"], "teams": Bson::Null, "doc": "",
                "is_restricted": false, "is_multi_cluster": false,
            }],
        ),
        (
            "service_instances",
            vec![
                doc! {
                    "_id": ObjectId::new(), "name": "db1", "id": 0_i64, "service_name": "mysql",
                    "plan_name": "small", "apps": ["legacy-app"], "jobs": Bson::Null,
                    "teams": ["legacy-team"], "teamowner": "legacy-team", "description": "",
                    "tags": Bson::Null, "parameters": Bson::Null, "pool": "",
                    "broker_data": Bson::Null,
                },
                doc! {
                    // tsuru keeps parameters of any JSON type.
                    "_id": ObjectId::new(), "name": "db2", "id": 0_i64, "service_name": "mysql",
                    "plan_name": "small", "apps": Bson::Null, "jobs": Bson::Null,
                    "teams": ["legacy-team"], "teamowner": "legacy-team", "description": "",
                    "tags": Bson::Null, "pool": "",
                    "parameters": {"size": 10_i64, "ha": true, "zones": ["a", "b"], "engine": "8.0"},
                    "broker_data": Bson::Null,
                },
            ],
        ),
        (
            "service_broker",
            vec![doc! {
                "_id": ObjectId::new(), "name": "aws", "url": "https://broker.example.com",
                "config": {"authconfig": {"basicauthconfig": {"username": "u", "password": "p"},
                                          "bearerconfig": Bson::Null},
                           "insecure": false, "context": Bson::Null,
                           "cacheexpirationseconds": 60_i64},
            }],
        ),
        // tsuru's own, which tsurud has no use for.
        ("docker_containers", vec![doc! {"_id": "c0ffee", "appname": "legacy-app"}]),
    ];
    let mut counts = BTreeMap::new();
    for (coll, list) in docs {
        counts.insert(coll, list.len());
        db.collection::<Document>(coll)
            .insert_many(list)
            .await
            .unwrap_or_else(|e| panic!("{coll}: {e}"));
    }
    counts
}

#[tokio::test]
async fn a_database_tsuru_wrote_reads_and_tsurus_settings_are_named() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let db = prepared(&url, &name).await;
    let counts = seed_tsuru(&db).await;
    // tsuru's own index on the running event's `lock`.
    let lock = mongodb::IndexModel::builder()
        .keys(doc! {"lock": 1})
        .options(mongodb::options::IndexOptions::builder().unique(true).sparse(true).build())
        .build();
    db.collection::<Document>("events").create_index(lock).await.unwrap();
    let tsuru_conf = "\
listen: \"0.0.0.0:8080\"
provisioner: kubernetes
routers:
  ingress:
    type: simulated
    default: true
host: http://tsuru.example.com:8080
debug: true
auth:
  scheme: native
  user-registration: true
  max-simultaneous-sessions: 3
docker:
  registry: registry.example.com
pubsub:
  redis-host: redis.example.com
databse:
  url: a-typo
";
    let run = doctor_with(&url, &name, tsuru_conf, &["--json"]).await;
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let report = run.json();
    for (coll, n) in &counts {
        if *coll == "docker_containers" {
            continue;
        }
        let c = collection(&report, coll);
        assert_eq!(c["readable"], *n, "{coll}: {c:#}");
        assert_eq!(c["unreadable"], 0, "{coll}: {c:#}");
    }
    assert_eq!(report["database"]["other_collections"], json!(["docker_containers"]));
    assert_eq!(report["database"]["tsuru_lock_index"], true);
    assert_eq!(report["config"]["refused"], Value::Null);
    assert_eq!(report["config"]["jwt_secret_missing"], true);
    let ignored: BTreeMap<String, bool> = report["config"]["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["key"].as_str().unwrap().to_string(), !i["tsuru"].is_null()))
        .collect();
    let want: BTreeMap<String, bool> = [
        ("host", true),
        ("debug", true),
        ("auth:max-simultaneous-sessions", true),
        ("docker", true),
        ("pubsub", true),
        ("databse", false),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(ignored, want);

    let text = doctor_with(&url, &name, tsuru_conf, &[]).await;
    assert_eq!(text.status, 0, "{}", text.stdout);
    for want in [
        "  tsurud api accepts it\n",
        "  tsuru settings tsurud does not use:\n",
        "  settings neither tsurud nor tsuru knows (a typo?): databse\n",
        "Other collections (tsurud neither reads nor changes them): docker_containers\n",
        "  beside tsuru: tsuru's unique index on events.lock is present: ",
    ] {
        assert!(text.stdout.contains(want), "no {want:?} in\n{}", text.stdout);
    }
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("    docker ") && l.contains("Docker provisioner")),
        "{}",
        text.stdout
    );
}

#[tokio::test]
async fn a_configuration_tsurud_api_refuses_fails_the_check_but_the_database_is_read() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let db = prepared(&url, &name).await;
    db.collection::<Document>("teams").insert_one(doc! {"_id": "t1"}).await.unwrap();
    let run = doctor_with(&url, &name, "auth:\n  hash-cost: 99\n", &[]).await;
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("  tsurud api would refuse it: Invalid value for setting \"auth:hash-cost\": it must be between 4 and 31.\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["teams", "1", "readable"]),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn an_unreachable_database_or_a_missing_file_is_status_2() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = doctor(&format!("mongodb://127.0.0.1:{port}/"), "x", &[]).await;
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.starts_with("tsurud doctor: the check could not run: "), "{}", run.stderr);
    let out = Command::new(env!("CARGO_BIN_EXE_tsurud"))
        .args(["doctor", "--config", "/nonexistent/tsuru.conf"])
        .env_remove("TSURU_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}
