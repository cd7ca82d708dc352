//! Contract of [`VolumeStorage`]: volumes and their binds.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::listed_names;
use super::{assert_admitted, assert_conflict, assert_not_found, concurrently, CONCURRENCY};
use crate::volume::{
    Volume, VolumeBind, VolumeBindId, VolumePlan, VolumeStorage, VOLUME_ALREADY_BOUND,
    VOLUME_ALREADY_EXISTS, VOLUME_BIND_NOT_FOUND, VOLUME_NOT_FOUND,
};

/// A volume with every field set.
fn volume(name: &str) -> Volume {
    Volume {
        name: name.to_string(),
        pool: "pool1".into(),
        plan: VolumePlan {
            name: "nfs".into(),
            opts: BTreeMap::from([
                ("plugin".into(), json!("nfs")),
                ("capacity".into(), json!("10Gi")),
                ("replicas".into(), json!(3)),
            ]),
        },
        team_owner: "team1".into(),
        status: String::new(),
        opts: BTreeMap::from([("path".into(), "/exports".into())]),
    }
}

fn bind(volume: &str, app: &str, mount_point: &str, read_only: bool) -> VolumeBind {
    VolumeBind {
        id: VolumeBindId {
            app: app.into(),
            mount_point: mount_point.into(),
            volume: volume.into(),
        },
        read_only,
    }
}

/// A stored volume is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn VolumeStorage) {
    let v = volume("v1");
    storage.insert_volume(&v).await.expect("insert");
    assert_eq!(storage.find_volume("v1").await.expect("find"), Some(v));
    assert_eq!(storage.find_volume("v2").await.expect("find"), None);
}

/// Inserting a taken name is a conflict `volume already exists` and keeps the first volume.
pub async fn insert_duplicate_returns_conflict(storage: &dyn VolumeStorage) {
    let first = volume("v1");
    storage.insert_volume(&first).await.expect("insert");
    let mut second = volume("v1");
    second.pool = "other".into();
    assert_conflict(storage.insert_volume(&second).await, VOLUME_ALREADY_EXISTS);
    assert_eq!(storage.find_volume("v1").await.expect("find"), Some(first));
}

/// Of concurrent inserts of one name exactly one succeeds.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(storage: Arc<dyn VolumeStorage>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert_volume(&volume("v1")).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, VOLUME_ALREADY_EXISTS));
    assert_eq!(storage.list_volumes().await.expect("list").len(), 1);
}

/// `list_volumes` returns every volume by name.
pub async fn list_returns_volumes_by_name(storage: &dyn VolumeStorage) {
    for n in ["vb", "va", "vc"] {
        storage.insert_volume(&volume(n)).await.expect("insert");
    }
    let names = listed_names(storage.list_volumes().await, |v| v.name);
    assert_eq!(names, ["va", "vb", "vc"]);
}

/// `update_volume` replaces every field; an unknown volume is `volume not found`.
pub async fn update_replaces_the_volume(storage: &dyn VolumeStorage) {
    storage.insert_volume(&volume("v1")).await.expect("insert");
    let changed = Volume {
        name: "v1".into(),
        pool: "pool2".into(),
        plan: VolumePlan { name: "ebs".into(), opts: BTreeMap::new() },
        team_owner: "team2".into(),
        status: String::new(),
        opts: BTreeMap::new(),
    };
    storage.update_volume(&changed).await.expect("update");
    assert_eq!(storage.find_volume("v1").await.expect("find"), Some(changed));
    assert_not_found(storage.update_volume(&volume("v9")).await, VOLUME_NOT_FOUND);
    assert_eq!(storage.find_volume("v9").await.expect("find"), None);
}

/// `delete_volume` removes only that volume; an unknown one is `volume not found`.
pub async fn delete_removes_the_volume(storage: &dyn VolumeStorage) {
    storage.insert_volume(&volume("v1")).await.expect("insert");
    storage.insert_volume(&volume("v2")).await.expect("insert");
    storage.delete_volume("v1").await.expect("delete");
    assert_eq!(storage.find_volume("v1").await.expect("find"), None);
    assert!(storage.find_volume("v2").await.expect("find").is_some());
    assert_not_found(storage.delete_volume("v1").await, VOLUME_NOT_FOUND);
}

/// Binds are found by volume, by app and all together; a second bind with the same
/// (app, mount point, volume) is `volume already bound in mountpoint`.
pub async fn binds_are_keyed_by_app_mount_point_and_volume(storage: &dyn VolumeStorage) {
    let a = bind("v1", "app1", "/data", true);
    let b = bind("v1", "app2", "/data", false);
    let c = bind("v2", "app1", "/logs", false);
    let d = bind("v1", "app1", "/other", false);
    for x in [&a, &b, &c, &d] {
        storage.insert_bind(x).await.expect("insert bind");
    }
    assert_conflict(
        storage.insert_bind(&bind("v1", "app1", "/data", false)).await,
        VOLUME_ALREADY_BOUND,
    );
    assert_eq!(
        storage.binds_of_volume("v1").await.expect("binds"),
        [a.clone(), d.clone(), b.clone()]
    );
    assert_eq!(
        storage.binds_of_app("app1").await.expect("binds"),
        [a.clone(), d.clone(), c.clone()]
    );
    assert_eq!(storage.all_binds().await.expect("binds"), [a, d, b, c]);
}

/// Of concurrent binds of one mount point exactly one succeeds.
pub async fn concurrent_binds_of_one_mount_point_admit_exactly_one(
    storage: Arc<dyn VolumeStorage>,
) {
    let results = concurrently(CONCURRENCY, |i| {
        let s = Arc::clone(&storage);
        async move { s.insert_bind(&bind("v1", "app1", "/data", i % 2 == 0)).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, VOLUME_ALREADY_BOUND));
    assert_eq!(storage.binds_of_volume("v1").await.expect("binds").len(), 1);
}

/// `delete_bind` removes only that bind; a missing one is `volume bind not found`.
pub async fn delete_bind_removes_only_that_bind(storage: &dyn VolumeStorage) {
    let a = bind("v1", "app1", "/data", false);
    let b = bind("v1", "app1", "/logs", true);
    storage.insert_bind(&a).await.expect("insert");
    storage.insert_bind(&b).await.expect("insert");
    storage.delete_bind(&a.id).await.expect("delete");
    assert_eq!(storage.binds_of_volume("v1").await.expect("binds"), [b]);
    assert_not_found(storage.delete_bind(&a.id).await, VOLUME_BIND_NOT_FOUND);
    // It can be made again.
    storage.insert_bind(&a).await.expect("insert again");
}
