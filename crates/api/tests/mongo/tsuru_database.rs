//! An existing tsuru database, written the way tsuru writes it, served as it is; and what
//! `tsurud` writes keeps tsuru's shapes.
use futures::TryStreamExt;
use mongodb::bson::{doc, oid::ObjectId, Bson, DateTime, Document};
use serde_json::{json, Value};
use tsuru_testkit::{status_text, Caller, TestServer};

use crate::support::{fresh_database_name, mongo_url};

/// Go's zero `time.Time`, as tsuru stores "never".
fn go_zero() -> DateTime {
    DateTime::from_millis(-62_135_596_800_000)
}

fn go_bcrypt(password: &str) -> String {
    // Go's bcrypt writes the `$2a$` prefix.
    bcrypt::hash_with_result(password, 4).unwrap().format_for_version(bcrypt::Version::TwoA)
}

const API_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// What tsuru leaves in its database: users (one admin, one team member with an API key),
/// a team, two roles and a finished event.
async fn seed(db: &mongodb::Database) -> ObjectId {
    db.collection::<Document>("users")
        .insert_many([
            doc! {
                "_id": ObjectId::new(), "email": "legacy@example.com",
                "password": go_bcrypt("legacy-password"), "apikey": "",
                "apikey_last_access": go_zero(), "apikey_usage_counter": 0_i64,
                "roles": [{"name": "AllowAll", "contextvalue": ""}], "groups": Bson::Null,
                "disabled": false, "quota": {"limit": -1_i64, "inuse": 0_i64},
            },
            doc! {
                "_id": ObjectId::new(), "email": "dev@example.com",
                "password": go_bcrypt("dev-password"), "apikey": API_KEY,
                "apikey_last_access": go_zero(), "apikey_usage_counter": 3_i64,
                "roles": [{"name": "team-member", "contextvalue": "legacy-team"}],
                "groups": ["ops"], "disabled": false, "quota": {"limit": 2_i64, "inuse": 1_i64},
            },
        ])
        .await
        .unwrap();
    db.collection::<Document>("teams")
        .insert_one(doc! {
            "_id": "legacy-team", "creatinguser": "legacy@example.com",
            "tags": ["a", "b"], "quota": {"limit": -1_i64, "inuse": 0_i64},
        })
        .await
        .unwrap();
    db.collection::<Document>("roles")
        .insert_many([
            doc! {"_id": "AllowAll", "contexttype": "global", "description": "",
            "schemenames": ["*"], "events": Bson::Null},
            doc! {"_id": "team-member", "contexttype": "team", "description": "members",
            "schemenames": ["app", "team.read"], "events": ["team-create"]},
        ])
        .await
        .unwrap();
    let id = ObjectId::new();
    let start = DateTime::from_millis(1_700_000_000_000);
    db.collection::<Document>("events")
        .insert_one(doc! {
            "_id": id, "uniqueid": id, "starttime": start,
            "endtime": DateTime::from_millis(1_700_000_001_500), "expireat": go_zero(),
            "target": {"type": "team", "value": "legacy-team"}, "extratargets": Bson::Null,
            "kind": {"type": "permission", "name": "team.create"},
            "owner": {"type": "user", "name": "legacy@example.com"},
            "sourceip": "10.0.0.1", "lockupdatetime": start, "error": "", "log": "",
            "structuredlog": Bson::Null,
            "cancelinfo": {"owner": "", "starttime": go_zero(), "acktime": go_zero(),
                           "reason": "", "asked": false, "canceled": false},
            "cancelable": false, "running": false,
            "allowed": {"scheme": "team.read.events",
                        "contexts": [{"ctxtype": "team", "value": "legacy-team"}]},
            "allowedcancel": {"scheme": "", "contexts": Bson::Null},
            "instance": {"name": "tsuru-api-0", "port": 8080_i32},
            "startcustomdata": [{"name": "name", "value": "legacy-team"}],
            "endcustomdata": Bson::Null, "othercustomdata": Bson::Null,
        })
        .await
        .unwrap();
    id
}

/// The JSON body of `GET path` as `caller`.
async fn get_json<T: serde::de::DeserializeOwned>(caller: &Caller, path: &str) -> T {
    caller.get(path).await.json().await.expect(path)
}

async fn raw(db: &mongodb::Database, coll: &str, filter: Document) -> Document {
    db.collection::<Document>(coll)
        .find_one(filter.clone())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {coll} document matches {filter}"))
}

#[tokio::test]
async fn an_existing_tsuru_database_is_served_and_written_in_tsurus_shapes() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let client = mongodb::Client::with_uri_str(&url).await.unwrap();
    let db = client.database(&name);
    let event_id = seed(&db).await;
    let s = TestServer::spawn_with(|s| {
        s.storage = "mongodb".into();
        s.database.url = url.clone();
        s.database.name = name.clone();
    })
    .await;

    // tsuru's bcrypt hashes log in; the global AllowAll role grants everything.
    let legacy = s.with_token(&s.login("legacy@example.com", "legacy-password").await);
    let info: Value = get_json(&legacy, "/1.0/users/info").await;
    assert_eq!(info["Email"], "legacy@example.com");
    assert_eq!(info["Roles"][0]["Name"], "AllowAll");

    let team: Value = get_json(&legacy, "/1.4/teams/legacy-team").await;
    assert_eq!(team["tags"], json!(["a", "b"]));
    let role: Value = get_json(&legacy, "/1.0/roles/team-member").await;
    assert_eq!(role["context"], "team");
    assert_eq!(role["scheme_names"], json!(["app", "team.read"]));
    assert_eq!(role["events"], json!(["team-create"]));

    let events: Vec<Value> = get_json(&legacy, "/1.1/events?target.value=legacy-team").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["UniqueID"], event_id.to_hex());
    assert_eq!(events[0]["Kind"], json!({"Type": "permission", "Name": "team.create"}));
    assert_eq!(events[0]["Running"], false);
    let one: Value = get_json(&legacy, &format!("/1.1/events/{}", event_id.to_hex())).await;
    assert_eq!(one["CustomData"]["Start"], json!([{"name": "name", "value": "legacy-team"}]));

    // The team member reaches the team through its role instance, and its API key works and
    // is counted on tsuru's fields.
    let dev = s.with_token(API_KEY);
    let (status, _) = status_text(dev.get("/1.4/teams/legacy-team").await).await;
    assert_eq!(status, 403, "team.read is global-only");
    let me: Value = get_json(&dev, "/1.0/users/info").await;
    assert_eq!(me["Email"], "dev@example.com");
    let stored = raw(&db, "users", doc! {"email": "dev@example.com"}).await;
    assert_eq!(stored.get_i64("apikey_usage_counter").unwrap(), 3, "requests only note uses");
    assert_eq!(s.record_credential_uses().await, 1);
    let stored = raw(&db, "users", doc! {"email": "dev@example.com"}).await;
    assert_eq!(stored.get_i64("apikey_usage_counter").unwrap(), 5);
    assert!(stored.get_datetime("apikey_last_access").unwrap() > &go_zero());
    assert_eq!(stored.get_array("groups").unwrap().len(), 1);

    // What tsurud writes is in tsuru's shapes.
    let resp = legacy.post_json("/1.0/teams", &json!({"name": "new-team", "tags": ["x"]})).await;
    assert_eq!(resp.status(), 201);
    let t = raw(&db, "teams", doc! {"_id": "new-team"}).await;
    assert_eq!(t.get_str("creatinguser").unwrap(), "legacy@example.com");
    assert_eq!(t.get_array("tags").unwrap(), &vec![Bson::from("x")]);
    assert_eq!(t.get_document("quota").unwrap(), &doc! {"limit": -1_i64, "inuse": 0_i64});
    let e = raw(&db, "events", doc! {"target.value": "new-team", "kind.name": "team.create"}).await;
    assert_eq!(e.get_object_id("uniqueid").unwrap(), e.get_object_id("_id").unwrap());
    assert_eq!(
        e.get_document("owner").unwrap(),
        &doc! {"type": "user", "name": "legacy@example.com"}
    );
    assert!(!e.get_bool("running").unwrap());
    assert!(e.get("lock").is_none(), "a finished event holds no lock: {e}");
    assert_eq!(
        e.get_document("allowed").unwrap(),
        &doc! {"scheme": "team.read.events", "contexts": [{"ctxtype": "team", "value": "new-team"}]}
    );
    assert!(e.get_datetime("endtime").unwrap() >= e.get_datetime("starttime").unwrap());
    let locks = db.collection::<Document>("event_locks").count_documents(doc! {}).await.unwrap();
    assert_eq!(locks, 0, "finished events leave no lock");

    let resp = legacy
        .put_form(
            "/1.0/users/password",
            &[
                ("old", "legacy-password"),
                ("new", "brand-new-password"),
                ("confirm", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let u = raw(&db, "users", doc! {"email": "legacy@example.com"}).await;
    assert!(u.get_str("password").unwrap().starts_with("$2"), "bcrypt: {u}");
    s.login("legacy@example.com", "brand-new-password").await;
    let token = raw(&db, "tokens", doc! {"useremail": "legacy@example.com"}).await;
    assert_eq!(token.get_str("token").unwrap().len(), 32, "the session id: {token}");
    assert_eq!(
        token.get_i64("expires").unwrap(),
        7 * 24 * 3600 * 1_000_000_000,
        "tsuru's expires is a duration in nanoseconds"
    );
}

#[tokio::test]
async fn start_up_creates_the_indexes_and_a_restart_finds_them() {
    let Some(url) = mongo_url() else { return };
    let name = fresh_database_name();
    let on_this_database = |s: &mut tsuru_api::Settings| {
        s.storage = "mongodb".into();
        s.database.url = url.clone();
        s.database.name = name.clone();
    };
    let first = TestServer::spawn_with(on_this_database).await;
    drop(first);
    let _second = TestServer::spawn_with(on_this_database).await;
    let db = mongodb::Client::with_uri_str(&url).await.unwrap().database(&name);
    let indexes = |coll: &'static str| {
        let db = db.clone();
        async move {
            let found: Vec<mongodb::IndexModel> = db
                .collection::<Document>(coll)
                .list_indexes()
                .await
                .unwrap()
                .try_collect()
                .await
                .unwrap();
            found
                .into_iter()
                .map(|i| {
                    let unique = i.options.and_then(|o| o.unique).unwrap_or(false);
                    (i.keys.keys().cloned().collect::<Vec<_>>().join(","), unique)
                })
                .collect::<Vec<_>>()
        }
    };
    for (coll, keys, unique) in [
        ("users", "email", true),
        ("tokens", "token", true),
        ("events", "uniqueid", true),
        ("events", "target.type,target.value,starttime", false),
        ("events", "extratargets.target.type,extratargets.target.value", false),
        ("events", "kind.name,starttime", false),
        ("events", "owner.name,starttime", false),
        ("events", "starttime", false),
        ("events", "running,lockupdatetime", false),
        ("event_locks", "key", true),
        ("write_locks", "key", true),
    ] {
        let found = indexes(coll).await;
        assert!(
            found.contains(&(keys.to_string(), unique)),
            "{coll}: no index on {keys} (unique: {unique}) in {found:?}"
        );
    }
}
