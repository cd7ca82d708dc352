//! Volumes on Kubernetes (tsuru's `provision/kubernetes/volume.go`): the checks of a volume,
//! the PersistentVolume and PersistentVolumeClaim of each bound volume, and the pod volumes and
//! mounts of the app's processes.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EphemeralVolumeSource, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimTemplate, PersistentVolumeClaimVolumeSource, PersistentVolumeSpec,
    Volume as PodVolume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::{Map, Value};
use tsuru_domain::volume::{Volume, VolumeBind};
use tsuru_domain::{Error, Result};

use super::objects::{IS_TSURU, PREFIX};

/// Label naming the volume.
pub const VOLUME_NAME: &str = "tsuru.io/volume-name";

/// A volume bound to the app being rendered, with this app's binds of it.
#[derive(Debug, Clone)]
pub struct BoundVolume {
    /// The volume.
    pub volume: Volume,
    /// The app's binds (mount points) of it.
    pub binds: Vec<VolumeBind>,
}

/// `<volume>-tsuru`: the PersistentVolume and the pod volume.
pub fn volume_name(volume: &str) -> String {
    format!("{volume}-tsuru")
}

/// `<volume>-tsuru-claim`: the PersistentVolumeClaim.
pub fn claim_name(volume: &str) -> String {
    format!("{volume}-tsuru-claim")
}

/// The labels of a volume's objects.
pub fn labels(v: &Volume) -> BTreeMap<String, String> {
    BTreeMap::from([
        (IS_TSURU.to_string(), "true".to_string()),
        (VOLUME_NAME.to_string(), v.name.clone()),
        (format!("{PREFIX}volume-pool"), v.pool.clone()),
        (format!("{PREFIX}volume-plan"), v.plan.name.clone()),
        (format!("{PREFIX}volume-team"), v.team_owner.clone()),
        (format!("{PREFIX}provisioner"), "kubernetes".to_string()),
    ])
}

/// An option of the volume, else of its plan; empty counts as unset.
fn opt(v: &Volume, key: &str) -> Option<String> {
    v.opts.get(key).cloned().or_else(|| v.plan.opt(key)).filter(|s| !s.is_empty())
}

fn plugin(v: &Volume) -> Option<String> {
    v.plan.opt("plugin").filter(|s| !s.is_empty())
}

/// Plugins that make no cluster object (the volume lives with the pod).
fn is_ephemeral(plugin: &str) -> bool {
    plugin == "emptyDir" || plugin == "ephemeral"
}

/// Whether `s` reads as a Kubernetes quantity (`10Gi`, `500M`, `1.5`).
fn is_quantity(s: &str) -> bool {
    let digits_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    !number.is_empty()
        && number.parse::<f64>().is_ok()
        && ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E"]
            .contains(&suffix)
}

/// tsuru's `ValidateVolume`.
///
/// # Errors
/// 400 with tsuru's text.
pub fn validate(v: &Volume) -> Result<()> {
    let plugin = plugin(v);
    let class = v.plan.opt("storage-class").filter(|s| !s.is_empty());
    match (&plugin, &class) {
        (Some(p), Some(_)) if !is_ephemeral(p) => {
            return Err(Error::bad_request(
                "both volume plan plugin and storage-class cannot be set",
            ))
        }
        (None, None) => {
            return Err(Error::bad_request("both volume plan plugin and storage-class are empty"))
        }
        _ => {}
    }
    if plugin.as_deref() == Some("emptyDir") {
        return Ok(());
    }
    match opt(v, "capacity") {
        None => {
            return Err(Error::bad_request(
                "capacity is mandatory either in plan or as volume opts",
            ))
        }
        Some(c) if !is_quantity(&c) => {
            return Err(Error::bad_request("unable to parse `capacity` opt"))
        }
        Some(_) => {}
    }
    if opt(v, "access-modes").is_none() {
        return Err(Error::bad_request(
            "access-modes is mandatory either in plan or as volume opts",
        ));
    }
    Ok(())
}

fn access_modes(v: &Volume) -> Vec<String> {
    opt(v, "access-modes").map(|m| m.split(',').map(String::from).collect()).unwrap_or_default()
}

fn storage(v: &Volume) -> BTreeMap<String, Quantity> {
    opt(v, "capacity")
        .map(|c| BTreeMap::from([("storage".to_string(), Quantity(c))]))
        .unwrap_or_default()
}

/// The plugin's part of a PersistentVolume spec: `{"<plugin>": <volume opts>}` decoded (keys
/// the plugin does not know, such as `capacity`, are dropped).
fn plugin_spec(plugin: &str, v: &Volume) -> Result<PersistentVolumeSpec> {
    let opts: Map<String, Value> = v
        .opts
        .iter()
        .filter(|(k, _)| !["capacity", "access-modes"].contains(&k.as_str()))
        .map(|(k, s)| (k.clone(), Value::String(s.clone())))
        .collect();
    let mut spec = Map::new();
    spec.insert(plugin.to_string(), Value::Object(opts));
    serde_json::from_value(Value::Object(spec)).map_err(|e| {
        Error::bad_request(format!(
            "volume {:?}: invalid options for plugin {plugin:?}: {e}",
            v.name
        ))
    })
}

/// The cluster objects of a volume: a PersistentVolume (persistent plugins) and a
/// PersistentVolumeClaim in `namespace`; none for `emptyDir` and `ephemeral`.
///
/// # Errors
/// 400 when the volume options do not fit the plugin.
pub fn claim_objects(
    v: &Volume,
    namespace: &str,
) -> Result<(Option<PersistentVolume>, Option<PersistentVolumeClaim>)> {
    let meta = |name: String, ns: Option<String>| ObjectMeta {
        name: Some(name),
        namespace: ns,
        labels: Some(labels(v)),
        ..ObjectMeta::default()
    };
    let resources = Some(VolumeResourceRequirements {
        requests: Some(storage(v)),
        ..VolumeResourceRequirements::default()
    });
    match plugin(v) {
        Some(p) if is_ephemeral(&p) => Ok((None, None)),
        Some(p) => {
            let mut spec = plugin_spec(&p, v)?;
            spec.capacity = Some(storage(v));
            spec.access_modes = Some(access_modes(v));
            let pv = PersistentVolume {
                metadata: meta(volume_name(&v.name), None),
                spec: Some(spec),
                ..PersistentVolume::default()
            };
            let pvc = PersistentVolumeClaim {
                metadata: meta(claim_name(&v.name), Some(namespace.to_string())),
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(access_modes(v)),
                    resources,
                    selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            VOLUME_NAME.to_string(),
                            v.name.clone(),
                        )])),
                        ..LabelSelector::default()
                    }),
                    volume_name: Some(volume_name(&v.name)),
                    storage_class_name: Some(String::new()),
                    ..PersistentVolumeClaimSpec::default()
                }),
                ..PersistentVolumeClaim::default()
            };
            Ok((Some(pv), Some(pvc)))
        }
        None => {
            let pvc = PersistentVolumeClaim {
                metadata: meta(claim_name(&v.name), Some(namespace.to_string())),
                spec: Some(PersistentVolumeClaimSpec {
                    access_modes: Some(access_modes(v)),
                    resources,
                    storage_class_name: v.plan.opt("storage-class"),
                    ..PersistentVolumeClaimSpec::default()
                }),
                ..PersistentVolumeClaim::default()
            };
            Ok((None, Some(pvc)))
        }
    }
}

/// The pod volumes (one per bound volume) and container mounts (one per bind) of an app:
/// a claim of the volume's PersistentVolumeClaim, an `emptyDir` from the volume options, or
/// (plugin `ephemeral`) a claim template the pod's lifetime bounds.
///
/// # Errors
/// 400 when an `emptyDir` volume's options do not fit.
pub fn pod_volumes(bound: &[BoundVolume]) -> Result<(Vec<PodVolume>, Vec<VolumeMount>)> {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for b in bound {
        let v = &b.volume;
        let name = volume_name(&v.name);
        let mut pod_volume = match plugin(v).as_deref() {
            Some("emptyDir") => {
                let opts: Map<String, Value> =
                    v.opts.iter().map(|(k, s)| (k.clone(), Value::String(s.clone()))).collect();
                let mut obj = Map::new();
                obj.insert("name".into(), Value::String(name.clone()));
                obj.insert("emptyDir".into(), Value::Object(opts));
                serde_json::from_value::<PodVolume>(Value::Object(obj)).map_err(|e| {
                    Error::bad_request(format!(
                        "volume {:?}: invalid emptyDir options: {e}",
                        v.name
                    ))
                })?
            }
            Some("ephemeral") => PodVolume {
                ephemeral: Some(EphemeralVolumeSource {
                    volume_claim_template: Some(PersistentVolumeClaimTemplate {
                        metadata: Some(ObjectMeta {
                            labels: Some(labels(v)),
                            ..ObjectMeta::default()
                        }),
                        spec: PersistentVolumeClaimSpec {
                            access_modes: Some(access_modes(v)),
                            resources: Some(VolumeResourceRequirements {
                                requests: Some(storage(v)),
                                ..VolumeResourceRequirements::default()
                            }),
                            storage_class_name: v.plan.opt("storage-class"),
                            ..PersistentVolumeClaimSpec::default()
                        },
                    }),
                }),
                ..PodVolume::default()
            },
            _ => PodVolume {
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim_name(&v.name),
                    read_only: Some(b.binds.iter().all(|x| x.read_only)),
                }),
                ..PodVolume::default()
            },
        };
        pod_volume.name.clone_from(&name);
        volumes.push(pod_volume);
        for bind in &b.binds {
            mounts.push(VolumeMount {
                name: name.clone(),
                mount_path: bind.id.mount_point.clone(),
                read_only: Some(bind.read_only),
                ..VolumeMount::default()
            });
        }
    }
    Ok((volumes, mounts))
}

/// Creates the volume's objects when missing (existing ones are never changed, as tsuru).
///
/// # Errors
/// API failures, bad plugin options.
pub(super) async fn ensure_objects(
    conn: &super::ops::Conn,
    v: &Volume,
    namespace: &str,
) -> Result<()> {
    use kube::api::{Api, PostParams};
    let (pv, pvc) = claim_objects(v, namespace)?;
    let ignore_exists = |r: Result<()>| match r {
        Err(Error::Conflict(_)) => Ok(()),
        other => other,
    };
    if let Some(pv) = pv {
        let api: Api<PersistentVolume> = Api::all(conn.client.clone());
        ignore_exists(conn.call(api.create(&PostParams::default(), &pv)).await.map(|_| ()))?;
    }
    if let Some(pvc) = pvc {
        let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), namespace);
        ignore_exists(conn.call(api.create(&PostParams::default(), &pvc)).await.map(|_| ()))?;
    }
    Ok(())
}

/// Whether the volume's PersistentVolume or a claim labelled with its name (in any
/// namespace) exists: tsuru then refuses to create or change a volume of that name.
///
/// # Errors
/// API failures.
pub(super) async fn objects_exist(conn: &super::ops::Conn, name: &str) -> Result<bool> {
    use kube::api::{Api, ListParams};
    let pvs: Api<PersistentVolume> = Api::all(conn.client.clone());
    if conn.call(pvs.get_opt(&volume_name(name))).await?.is_some() {
        return Ok(true);
    }
    let claims: Api<PersistentVolumeClaim> = Api::all(conn.client.clone());
    let found = conn
        .call(claims.list(&ListParams::default().labels(&format!("{VOLUME_NAME}={name}")).limit(1)))
        .await?;
    Ok(!found.items.is_empty())
}

/// Deletes the volume's PersistentVolume and its claims in every namespace (foreground;
/// missing ones are fine).
///
/// # Errors
/// API failures.
pub(super) async fn delete_objects(conn: &super::ops::Conn, name: &str) -> Result<()> {
    use kube::api::{Api, DeleteParams, ListParams};
    use kube::ResourceExt;
    let dp = DeleteParams::foreground();
    let pvs: Api<PersistentVolume> = Api::all(conn.client.clone());
    match conn.call(pvs.delete(&volume_name(name), &dp)).await {
        Ok(_) | Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    let all: Api<PersistentVolumeClaim> = Api::all(conn.client.clone());
    let claims = conn
        .call(all.list(&ListParams::default().labels(&format!("{VOLUME_NAME}={name}"))))
        .await?;
    for c in claims.items {
        let ns = c.namespace().unwrap_or_default();
        let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), &ns);
        match conn.call(api.delete(&c.name_any(), &dp)).await {
            Ok(_) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tsuru_domain::volume::VolumeBindId;

    fn vol(plan: Value, opts: &[(&str, &str)]) -> Volume {
        tsuru_domain::testing::volume("v1", "p1", "nfs", plan, opts)
    }

    #[test]
    fn validation_follows_tsuru() {
        let cases = [
            (
                json!({"plugin": "nfs", "storage-class": "x"}),
                "both volume plan plugin and storage-class cannot be set",
            ),
            (json!({}), "both volume plan plugin and storage-class are empty"),
            (json!({"plugin": "nfs"}), "capacity is mandatory either in plan or as volume opts"),
            (json!({"plugin": "nfs", "capacity": "lots"}), "unable to parse `capacity` opt"),
            (
                json!({"storage-class": "gp2", "capacity": "1Gi"}),
                "access-modes is mandatory either in plan or as volume opts",
            ),
        ];
        for (plan, text) in cases {
            assert_eq!(validate(&vol(plan.clone(), &[])).unwrap_err().to_string(), text, "{plan}");
        }
        assert!(validate(&vol(json!({"plugin": "emptyDir"}), &[])).is_ok());
        assert!(validate(&vol(
            json!({"plugin": "nfs"}),
            &[("capacity", "10Gi"), ("access-modes", "ReadWriteMany")]
        ))
        .is_ok());
    }

    #[test]
    fn persistent_plugins_get_a_volume_and_a_claim_bound_to_it() {
        let v = vol(
            json!({"plugin": "nfs", "capacity": "10Gi", "access-modes": "ReadWriteMany,ReadOnlyMany"}),
            &[("server", "10.0.0.1"), ("path", "/exports")],
        );
        let (pv, pvc) = claim_objects(&v, "ns1").unwrap();
        let pv = serde_json::to_value(pv.unwrap()).unwrap();
        assert_eq!(pv["metadata"]["name"], "v1-tsuru");
        assert_eq!(pv["spec"]["nfs"], json!({"server": "10.0.0.1", "path": "/exports"}));
        assert_eq!(pv["spec"]["capacity"], json!({"storage": "10Gi"}));
        assert_eq!(pv["spec"]["accessModes"], json!(["ReadWriteMany", "ReadOnlyMany"]));
        let pvc = serde_json::to_value(pvc.unwrap()).unwrap();
        assert_eq!(pvc["metadata"]["name"], "v1-tsuru-claim");
        assert_eq!(pvc["metadata"]["namespace"], "ns1");
        assert_eq!(pvc["spec"]["volumeName"], "v1-tsuru");
        assert_eq!(pvc["spec"]["storageClassName"], "");
        assert_eq!(pvc["metadata"]["labels"]["tsuru.io/volume-team"], "t1");
        let sc = vol(
            json!({"storage-class": "gp2", "capacity": "1Gi", "access-modes": "ReadWriteOnce"}),
            &[],
        );
        let (pv, pvc) = claim_objects(&sc, "ns1").unwrap();
        assert!(pv.is_none());
        let spec = pvc.unwrap().spec.unwrap();
        assert_eq!(spec.storage_class_name.as_deref(), Some("gp2"));
        assert!(spec.volume_name.is_none());
    }

    #[test]
    fn non_persistent_plugins_make_no_object_and_live_in_the_pod() {
        let bind = VolumeBind {
            id: VolumeBindId { app: "a".into(), mount_point: "/tmp/x".into(), volume: "v1".into() },
            read_only: false,
        };
        let eph = vol(
            json!({"plugin": "ephemeral", "storage-class": "fast", "access-modes": "ReadWriteOnce"}),
            &[("capacity", "2Gi")],
        );
        assert!(validate(&eph).is_ok(), "a storage class goes with ephemeral");
        assert_eq!(claim_objects(&eph, "ns1").unwrap(), (None, None));
        let empty = vol(json!({"plugin": "emptyDir"}), &[("medium", "Memory")]);
        assert_eq!(claim_objects(&empty, "ns1").unwrap(), (None, None));
        let bound = [
            BoundVolume { volume: eph, binds: vec![bind.clone()] },
            BoundVolume { volume: Volume { name: "v2".into(), ..empty }, binds: vec![bind] },
        ];
        let (vols, mounts) = pod_volumes(&bound).unwrap();
        let vols = serde_json::to_value(vols).unwrap();
        assert_eq!(
            vols[0],
            json!({"name": "v1-tsuru", "ephemeral": {"volumeClaimTemplate": {
                "metadata": {"labels": {
                    "tsuru.io/is-tsuru": "true", "tsuru.io/provisioner": "kubernetes",
                    "tsuru.io/volume-name": "v1", "tsuru.io/volume-plan": "nfs",
                    "tsuru.io/volume-pool": "p1", "tsuru.io/volume-team": "t1"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                         "resources": {"requests": {"storage": "2Gi"}}}}}})
        );
        assert_eq!(vols[1], json!({"name": "v2-tsuru", "emptyDir": {"medium": "Memory"}}));
        assert_eq!(mounts.len(), 2);
    }

    #[test]
    fn mounts_are_per_bind_and_the_claim_is_read_only_when_every_bind_is() {
        let v = vol(json!({"plugin": "nfs"}), &[]);
        let bind = |mp: &str, ro: bool| VolumeBind {
            id: VolumeBindId { app: "a".into(), mount_point: mp.into(), volume: "v1".into() },
            read_only: ro,
        };
        let bound = [BoundVolume { volume: v, binds: vec![bind("/a", true), bind("/b", false)] }];
        let (vols, mounts) = pod_volumes(&bound).unwrap();
        assert_eq!(vols.len(), 1);
        assert_eq!(vols[0].name, "v1-tsuru");
        assert_eq!(vols[0].persistent_volume_claim.as_ref().unwrap().read_only, Some(false));
        assert_eq!(mounts.len(), 2);
        assert_eq!((mounts[0].mount_path.as_str(), mounts[0].read_only), ("/a", Some(true)));
    }
}
