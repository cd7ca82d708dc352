//! `/1.4/volumes` and `/1.4/volumeplans` on the simulated provisioner, and on a real control
//! plane (`scripts/kube.sh exec`) where the provisioner decides.
use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_lines};

use crate::{
    expect, expect_delete, expect_forms, expect_get, get_json, status_text, Caller, TestServer,
    FORBIDDEN, UNAUTHORIZED,
};

/// Plans: `nfs` and `local` for the simulated provisioner, `ebs` for Kubernetes only.
fn plans() -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>> {
    let opts = |v: Value| -> BTreeMap<String, Value> { serde_json::from_value(v).unwrap() };
    BTreeMap::from([
        (
            "nfs".into(),
            BTreeMap::from([(
                "simulated".into(),
                opts(json!({"plugin": "nfs", "capacity": "10Gi", "access-modes": "ReadWriteMany"})),
            )]),
        ),
        (
            "local".into(),
            BTreeMap::from([("simulated".into(), opts(json!({"plugin": "emptyDir"})))]),
        ),
        (
            "ebs".into(),
            BTreeMap::from([("kubernetes".into(), opts(json!({"storage-class": "gp2"})))]),
        ),
    ])
}

/// Teams `t1` and `t2`, the public default pool `p1`, the plans above.
async fn server() -> TestServer {
    let s = TestServer::spawn_with(|c| c.volume_plans = plans()).await;
    s.team("t1").await;
    s.team("t2").await;
    s.default_pool("p1").await;
    s
}

/// The client's form for `volume-create` / `volume-update`.
async fn create(
    caller: &Caller,
    path: &str,
    name: &str,
    plan: &str,
    team: &str,
) -> reqwest::Response {
    caller
        .post_form(
            path,
            &[
                ("Binds", ""),
                ("Name", name),
                ("Opts", ""),
                ("Opts.path", "/exports"),
                ("Plan.Name", plan),
                ("Plan.Opts", ""),
                ("Pool", "p1"),
                ("Status", ""),
                ("TeamOwner", team),
            ],
        )
        .await
}

/// Asserts that `caller`'s [`create`] form for `name` (plan `nfs`, team `t1`) at `path` is
/// refused with `status` and the plain-text `text`.
async fn refused(caller: &Caller, path: &str, name: &str, status: u16, text: &str) {
    let resp = create(caller, path, name, "nfs", "t1").await;
    expect(resp, status, text, (path, name)).await;
}

/// Creates volume `name` through [`create`], which must succeed.
async fn created(caller: &Caller, name: &str, plan: &str, team: &str) {
    expect(create(caller, "/1.4/volumes", name, plan, team).await, 201, "", name).await;
}

/// A server with app `app1` and volume `v1` (plan `nfs`) of team `t1`, and its admin.
async fn with_volume() -> (TestServer, Caller) {
    let s = server().await;
    let admin = s.admin();
    s.app("app1", "t1").await;
    created(&admin, "v1", "nfs", "t1").await;
    (s, admin)
}

/// Asserts that deleting volume `v1` is refused while it has binds.
async fn refuses_delete_while_bound(admin: &Caller) {
    let text = "cannot delete volume with existing binds\n";
    expect_delete(admin, "/1.4/volumes/v1", 409, text).await;
}

/// The client's form for `volume-bind` (`ReadOnly`, `NoRestart`: `true` or empty).
async fn bind(
    caller: &Caller,
    volume: &str,
    app: &str,
    mount: &str,
    read_only: &str,
    no_restart: &str,
) -> reqwest::Response {
    caller
        .post_form(
            &format!("/1.4/volumes/{volume}/bind"),
            &[
                ("App", app),
                ("MountPoint", mount),
                ("NoRestart", no_restart),
                ("ReadOnly", read_only),
            ],
        )
        .await
}

#[tokio::test]
async fn volume_plans_come_from_the_configuration() {
    let s = server().await;
    let got: Value = get_json(&s.admin(), "/1.4/volumeplans").await;
    assert_eq!(
        got,
        json!({
            "kubernetes": [{"Name": "ebs", "Opts": {"storage-class": "gp2"}}],
            "simulated": [
                {"Name": "local", "Opts": {"plugin": "emptyDir"}},
                {"Name": "nfs", "Opts": {"access-modes": "ReadWriteMany", "capacity": "10Gi", "plugin": "nfs"}},
            ],
        })
    );
    expect_get(&s.anonymous(), "/1.4/volumeplans", 401, UNAUTHORIZED).await;
    let bob = s.user("bob@example.com").await;
    expect(bob.get("/1.4/volumeplans").await, 403, FORBIDDEN, "bob").await;
    // Any volume.create context will do.
    let creator = s.member("c@example.com", "t1", &["volume.create"]).await;
    assert_eq!(creator.get("/1.4/volumeplans").await.status(), 200);
    let bare = TestServer::spawn().await;
    let (status, body) = status_text(bare.admin().get("/1.4/volumeplans").await).await;
    assert_eq!((status, body.as_str()), (204, ""), "no plans configured");
}

#[tokio::test]
async fn creating_volumes() {
    let s = server().await;
    let admin = s.admin();
    created(&admin, "v1", "nfs", "t1").await;
    let v1: Value = get_json(&admin, "/1.4/volumes/v1").await;
    assert_eq!(
        v1,
        json!({
            "Name": "v1", "Pool": "p1", "TeamOwner": "t1", "Status": "", "Binds": [],
            "Plan": {"Name": "nfs", "Opts": {"plugin": "nfs", "capacity": "10Gi", "access-modes": "ReadWriteMany"}},
            "Opts": {"path": "/exports"},
        })
    );
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("v1", "nfs", "t1", 409, "volume already exists\n"),
        ("", "nfs", "t1", 400, "volume name cannot be empty\n"),
        ("1bad", "nfs", "t1", 400, "Invalid volume name, volume name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.\n"),
        ("v2", "ebs", "t1", 400, "volume-plan not present in pool constraint\n"),
        ("v2", "nope", "t1", 400, "volume-plan not present in pool constraint\n"),
        ("v2", "nfs", "nope", 400, "team not found\n"),
    ];
    for (name, plan, team, status, text) in cases {
        let resp = create(&admin, "/1.4/volumes", name, plan, team).await;
        expect(resp, *status, text, (name, plan, team)).await;
    }
    let no_pool = [("Name", "v2"), ("Plan.Name", "nfs"), ("Pool", "nope"), ("TeamOwner", "t1")];
    let cases = [(no_pool, 400, "Pool does not exist.\n")];
    expect_forms(&admin, Method::POST, "/1.4/volumes", &cases).await;
    // JSON works too, keys in any case.
    let by_json = admin
        .post_json(
            "/1.4/volumes",
            &json!({"name": "v3", "plan": {"name": "local"}, "pool": "p1", "teamOwner": "t2"}),
        )
        .await;
    expect(by_json, 201, "", "json").await;
    // A constraint that leaves the pool no plan.
    let resp = admin
        .put_json("/1.3/constraints", &json!({"PoolExpr": "p1", "Field": "volume-plan", "Values": ["nfs", "local"], "Blacklist": true}))
        .await;
    assert_eq!(resp.status(), 200);
    refused(&admin, "/1.4/volumes", "v4", 400, "no volume-plan found for pool\n").await;
    refused(&s.anonymous(), "/1.4/volumes", "v5", 401, UNAUTHORIZED).await;
    let bob = s.member("bob@example.com", "t2", &["volume.create"]).await;
    refused(&bob, "/1.4/volumes", "v5", 403, FORBIDDEN).await;
    let events = s.events("kindname=volume.create").await;
    assert_eq!(
        events.len(),
        4,
        "name, pool and plan are checked before the event (v1 twice, v2, v3)"
    );
    assert!(events.iter().any(|e| e["Target"] == json!({"Type": "volume", "Value": "v1"})));
}

#[tokio::test]
async fn listing_and_reading_volumes() {
    let s = server().await;
    let admin = s.admin();
    for (name, team) in [("v1", "t1"), ("v2", "t2"), ("w1", "t1")] {
        created(&admin, name, "nfs", team).await;
    }
    let names = |list: &[Value]| -> Vec<String> {
        list.iter().map(|v| v["Name"].as_str().unwrap().to_string()).collect()
    };
    let all: Vec<Value> = get_json(&admin, "/1.4/volumes").await;
    assert_eq!(names(&all), ["v1", "v2", "w1"]);
    let filtered: Vec<Value> = get_json(&admin, "/1.4/volumes?name=v&teamOwner=t1").await;
    assert_eq!(names(&filtered), ["v1"]);
    let reader = s.member("r@example.com", "t1", &["volume.read"]).await;
    let mine: Vec<Value> = get_json(&reader, "/1.4/volumes").await;
    assert_eq!(names(&mine), ["v1", "w1"], "only team t1's");
    let bob = s.user("bob@example.com").await;
    let (status, body) = status_text(bob.get("/1.4/volumes").await).await;
    assert_eq!((status, body.as_str()), (204, ""));
    expect(bob.get("/1.4/volumes/v1").await, 403, FORBIDDEN, "bob info").await;
    expect_get(&reader, "/1.4/volumes/v2", 403, FORBIDDEN).await;
    let v1: Value = get_json(&reader, "/1.4/volumes/v1").await;
    assert_eq!(v1["TeamOwner"], "t1");
    expect_get(&admin, "/1.4/volumes/nope", 404, "volume not found\n").await;
    expect_get(&s.anonymous(), "/1.4/volumes", 401, UNAUTHORIZED).await;
    expect_get(&s.anonymous(), "/1.4/volumes/v1", 401, UNAUTHORIZED).await;
}

#[tokio::test]
async fn updating_volumes_replaces_the_whole_record() {
    let s = server().await;
    let admin = s.admin();
    created(&admin, "v1", "nfs", "t1").await;
    let update = [
        ("Name", "v1"),
        ("Plan.Name", "local"),
        ("Pool", "p1"),
        ("TeamOwner", "t2"),
        ("Opts.medium", "Memory"),
    ];
    expect_forms(&admin, Method::POST, "/1.4/volumes/v1", &[(update, 200, "")]).await;
    let v1: Value = get_json(&admin, "/1.4/volumes/v1").await;
    assert_eq!(v1["Plan"], json!({"Name": "local", "Opts": {"plugin": "emptyDir"}}));
    assert_eq!(v1["TeamOwner"], "t2");
    assert_eq!(v1["Opts"], json!({"medium": "Memory"}), "the old opts are gone");
    let no_pool = [("Plan.Name", "local"), ("TeamOwner", "t2")];
    let cases = [(no_pool, 400, "Pool does not exist.\n")];
    expect_forms(&admin, Method::POST, "/1.4/volumes/v1", &cases).await;
    refused(&admin, "/1.4/volumes/nope", "nope", 404, "volume not found\n").await;
    let bob = s.member("bob@example.com", "t1", &["volume.read"]).await;
    refused(&bob, "/1.4/volumes/v1", "v1", 403, FORBIDDEN).await;
    refused(&s.anonymous(), "/1.4/volumes/v1", "v1", 401, UNAUTHORIZED).await;
    assert_eq!(s.events("kindname=volume.update").await.len(), 2);
}

#[tokio::test]
async fn binding_unbinding_and_deleting() {
    let (s, admin) = with_volume().await;
    let (status, lines) =
        stream_lines(bind(&admin, "v1", "app1", "/mnt/data", "true", "").await).await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("---- Restarting the app \"app1\" ----"), "{lines:?}");
    let (status, _) = status_text(bind(&admin, "v1", "app1", "/mnt/logs", "", "true").await).await;
    assert_eq!(status, 200);
    let v1: Value = get_json(&admin, "/1.4/volumes/v1").await;
    assert_eq!(
        v1["Binds"],
        json!([
            {"ID": {"App": "app1", "MountPoint": "/mnt/data", "Volume": "v1"}, "ReadOnly": true},
            {"ID": {"App": "app1", "MountPoint": "/mnt/logs", "Volume": "v1"}, "ReadOnly": false},
        ])
    );
    let listed: Vec<Value> = get_json(&admin, "/1.4/volumes").await;
    assert_eq!(listed[0]["Binds"], v1["Binds"], "lists carry the binds");
    let info: Value = get_json(&admin, "/1.0/apps/app1").await;
    assert_eq!(info["volumeBinds"], v1["Binds"], "app info shows the binds");
    let refused = [
        ("app1", "/mnt/data", 409, "volume already bound in mountpoint\n"),
        ("nope", "/mnt/x", 404, "App nope not found.\n"),
        ("app1", "", 400, "MountPoint is required\n"),
    ];
    for (app, mount, status, text) in refused {
        let resp = bind(&admin, "v1", app, mount, "", "true").await;
        expect(resp, status, text, (app, mount)).await;
    }
    let unknown =
        admin.post_form("/1.4/volumes/nope/bind", &[("App", "app1"), ("MountPoint", "/m")]).await;
    expect(unknown, 404, "volume not found\n", "unknown volume").await;
    expect(
        bind(&s.anonymous(), "v1", "app1", "/mnt/x", "", "true").await,
        401,
        UNAUTHORIZED,
        "anonymous",
    )
    .await;
    // Binding needs volume.update.bind on the volume and app.update.bind-volume on the app.
    let half = s.member("half@example.com", "t1", &["volume.update.bind"]).await;
    expect(
        bind(&half, "v1", "app1", "/mnt/x", "", "true").await,
        403,
        FORBIDDEN,
        "no app permission",
    )
    .await;
    let both =
        s.member("both@example.com", "t1", &["volume.update.bind", "app.update.bind-volume"]).await;
    assert_eq!(bind(&both, "v1", "app1", "/mnt/x", "", "true").await.status(), 200);

    refuses_delete_while_bound(&admin).await;
    for mount in ["/mnt/logs", "/mnt/x"] {
        let resp = admin
            .delete(&format!("/1.4/volumes/v1/bind?App=app1&MountPoint={mount}&NoRestart=true"))
            .await;
        assert_eq!(resp.status(), 200, "{mount}");
    }
    let bob = s.user("bob@example.com").await;
    expect(
        bob.delete("/1.4/volumes/v1/bind?App=app1&MountPoint=/mnt/data").await,
        403,
        FORBIDDEN,
        "bob unbind",
    )
    .await;
    let (status, lines) = stream_lines(
        admin.delete("/1.4/volumes/v1/bind?App=app1&MountPoint=/mnt/data&NoRestart=").await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("Restarting the app"), "{lines:?}");
    expect(
        admin.delete("/1.4/volumes/v1/bind?App=app1&MountPoint=/mnt/data").await,
        404,
        "volume bind not found\n",
        "unbound twice",
    )
    .await;
    let v1: Value = get_json(&admin, "/1.4/volumes/v1").await;
    assert_eq!(v1["Binds"], json!([]));
    let info: Value = get_json(&admin, "/1.0/apps/app1").await;
    assert!(info.get("volumeBinds").is_none(), "none left: {info}");
    expect_delete(&bob, "/1.4/volumes/v1", 403, FORBIDDEN).await;
    expect_delete(&s.anonymous(), "/1.4/volumes/v1", 401, UNAUTHORIZED).await;
    expect(admin.delete("/1.4/volumes/v1").await, 200, "", "delete").await;
    expect_delete(&admin, "/1.4/volumes/v1", 404, "volume not found\n").await;
    expect_get(&admin, "/1.4/volumes/v1", 404, "volume not found\n").await;
    assert_eq!(s.events("kindname=volume.update.bind").await.len(), 4, "3 binds and the 409");
    assert_eq!(s.events("kindname=volume.update.unbind").await.len(), 4);
    assert_eq!(s.events("kindname=volume.delete").await.len(), 2);
}

#[tokio::test]
async fn removing_an_app_removes_its_binds_and_frees_the_volume() {
    let (s, admin) = with_volume().await;
    s.app("app2", "t1").await;
    for (app, mount) in [("app1", "/a"), ("app1", "/b"), ("app2", "/a")] {
        let resp = bind(&admin, "v1", app, mount, "", "true").await;
        assert_eq!(resp.status(), 200, "{app} {mount}");
    }
    let (status, lines) = stream_lines(admin.delete("/1.0/apps/app1").await).await;
    assert_eq!(status, 200);
    let log = messages(&lines);
    assert!(log.contains("---- Done removing application.\n") && !log.contains("Unable"), "{log}");
    let v1: Value = get_json(&admin, "/1.4/volumes/v1").await;
    assert_eq!(
        v1["Binds"],
        json!([{"ID": {"App": "app2", "MountPoint": "/a", "Volume": "v1"}, "ReadOnly": false}]),
        "only the other app's bind is left"
    );
    refuses_delete_while_bound(&admin).await;
    let (status, _) = stream_lines(admin.delete("/1.0/apps/app2").await).await;
    assert_eq!(status, 200);
    expect(admin.delete("/1.4/volumes/v1").await, 200, "", "free now").await;
}

#[tokio::test]
async fn app_info_has_no_volume_binds_key_without_binds() {
    let s = server().await;
    s.app("app1", "t1").await;
    let info: Value = get_json(&s.admin(), "/1.0/apps/app1").await;
    assert!(info.get("volumeBinds").is_none(), "{info}");
    assert!(info.get("error").is_none(), "{info}");
}

/// A volume on the Kubernetes provisioner of a real control plane: refused once its objects
/// exist, shown in app info, freed by the app's removal.
#[tokio::test]
async fn a_provisioned_volume_cannot_be_updated_on_a_real_cluster() {
    let Some(cluster) = crate::clusters::real_cluster("kube", &["kubepool"]) else {
        return;
    };
    let opts = |v: Value| -> BTreeMap<String, Value> { serde_json::from_value(v).unwrap() };
    let s = TestServer::spawn_with(|c| {
        c.kubernetes.deployment_progress_timeout = 60.0;
        c.volume_plans = BTreeMap::from([(
            "nfs".into(),
            BTreeMap::from([(
                "kubernetes".into(),
                opts(json!({"plugin": "nfs", "capacity": "1Gi", "access-modes": "ReadWriteMany"})),
            )]),
        )]);
    })
    .await;
    s.team("t1").await;
    let admin = s.admin();
    crate::clusters::kube_pool(&admin).await;
    crate::clusters::connect(&admin, &cluster).await;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let app = format!("va{suffix}");
    // PersistentVolumes are cluster-wide: a name of this test's own.
    let volume = format!("v{suffix}");
    crate::clusters::kube_app(&admin, &app).await;
    s.deploy(&app, "registry.example/hello:v1").await;
    let form = |path: String| {
        let admin = admin.clone();
        let volume = volume.clone();
        async move {
            admin
                .post_form(
                    &path,
                    &[
                        ("Name", volume.as_str()),
                        ("Plan.Name", "nfs"),
                        ("Pool", "kubepool"),
                        ("TeamOwner", "t1"),
                        ("Opts.server", "10.0.0.1"),
                        ("Opts.path", "/exports"),
                    ],
                )
                .await
        }
    };
    expect(form("/1.4/volumes".into()).await, 201, "", "create").await;
    let path = format!("/1.4/volumes/{volume}");
    expect(form(path.clone()).await, 200, "", "update before any bind").await;
    let (status, lines) = stream_lines(
        admin
            .post_form(&format!("{path}/bind"), &[("App", app.as_str()), ("MountPoint", "/data")])
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!messages(&lines).contains("Error"), "{lines:?}");
    expect(
        form(path.clone()).await,
        409,
        "updating a volume already provisioned is not supported, a new volume must be created and the old one deleted if necessary\n",
        "update once the PersistentVolume exists",
    )
    .await;
    let info: Value = get_json(&admin, &format!("/1.0/apps/{app}")).await;
    assert_eq!(
        info["volumeBinds"],
        json!([{"ID": {"App": app, "MountPoint": "/data", "Volume": volume}, "ReadOnly": false}])
    );
    let (status, lines) = stream_lines(admin.delete(&format!("/1.0/apps/{app}")).await).await;
    assert_eq!(status, 200);
    assert!(!messages(&lines).contains("Unable"), "{lines:?}");
    let v: Value = get_json(&admin, &path).await;
    assert_eq!(v["Binds"], json!([]));
    expect_delete(&admin, &path, 200, "").await;
}
