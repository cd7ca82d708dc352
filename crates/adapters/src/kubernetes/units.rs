//! Pods as tsuru units (tsuru's `podsToUnits`).
use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;
use tsuru_domain::provision::{Unit, UnitStatus};

use super::objects::{APP_NAME, APP_PROCESS, APP_VERSION};

/// Whether a pod is left out of the units: being deleted, or failed for a reason that means
/// it is gone (shutdown, eviction, node affinity, termination).
pub fn skipped(pod: &Pod) -> bool {
    if pod.metadata.deletion_timestamp.is_some() {
        return true;
    }
    if pod.spec.as_ref().and_then(|s| s.active_deadline_seconds).is_some_and(|s| s >= 0) {
        return true;
    }
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Failed")
        && status.and_then(|s| s.reason.as_deref()).is_some_and(|r| {
            matches!(
                r.to_ascii_lowercase().as_str(),
                "shutdown" | "evicted" | "nodeaffinity" | "terminated"
            )
        })
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref().and_then(|l| l.get(key)).map(String::as_str)
}

/// The app a pod belongs to.
pub fn app_of(pod: &Pod) -> Option<&str> {
    label(pod, APP_NAME)
}

fn image_version(pod: &Pod) -> i64 {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.as_deref())
        .and_then(|i| i.rsplit_once(':'))
        .and_then(|(_, tag)| tag.strip_prefix('v'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The status and its reason (tsuru's mapping of phases and container states).
pub fn status(pod: &Pod) -> (UnitStatus, String) {
    let Some(st) = pod.status.as_ref() else {
        return (UnitStatus::Created, String::new());
    };
    let reason = st.reason.clone().unwrap_or_default();
    match st.phase.as_deref() {
        Some("Running") => {}
        Some("Succeeded") => return (UnitStatus::Stopped, reason),
        Some("Failed" | "Unknown") => return (UnitStatus::Error, reason),
        _ => return (UnitStatus::Created, reason),
    }
    let Some(cs) = st.container_statuses.as_ref() else {
        return (UnitStatus::Started, String::new());
    };
    let Some(c) = cs.iter().find(|c| !c.ready) else {
        return (UnitStatus::Started, String::new());
    };
    let last = c.last_state.as_ref().and_then(|l| l.terminated.as_ref());
    if let Some(w) = c.state.as_ref().and_then(|s| s.waiting.as_ref()) {
        let why = w.reason.clone().unwrap_or_default();
        if why == "CrashLoopBackOff" {
            if let Some(t) = last {
                let r = if t.reason.as_deref() == Some("Error") && t.exit_code > 0 {
                    format!("exitCode: {}", t.exit_code)
                } else {
                    t.reason.clone().unwrap_or_default()
                };
                return (UnitStatus::Error, r);
            }
        }
        return (UnitStatus::Error, why);
    }
    if let Some(t) = last {
        return (UnitStatus::Error, t.reason.clone().unwrap_or_default());
    }
    (UnitStatus::Starting, String::new())
}

/// One pod as a unit.
pub fn unit(pod: &Pod) -> Unit {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let st = pod.status.as_ref();
    let labelled_version: i64 = label(pod, APP_VERSION).and_then(|v| v.parse().ok()).unwrap_or(0);
    let version = if labelled_version > 0 { labelled_version } else { image_version(pod) };
    let routable =
        label(pod, APP_VERSION).is_none() || label(pod, "tsuru.io/is-routable") == Some("true");
    let statuses = st.and_then(|s| s.container_statuses.as_deref()).unwrap_or(&[]);
    let (status, status_reason) = status(pod);
    Unit {
        id: name.clone(),
        name,
        app_name: label(pod, APP_NAME).unwrap_or_default().to_string(),
        process_name: label(pod, APP_PROCESS).unwrap_or_default().to_string(),
        unit_type: label(pod, "tsuru.io/app-platform").unwrap_or_default().to_string(),
        ip: st.and_then(|s| s.host_ip.clone()).unwrap_or_default(),
        internal_ip: st.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
        status,
        status_reason,
        address: None,
        version,
        routable,
        restarts: statuses.iter().map(|c| i64::from(c.restart_count)).sum(),
        created_at: pod
            .metadata
            .creation_timestamp
            .as_ref()
            .and_then(|t| {
                DateTime::<Utc>::from_timestamp(
                    t.0.as_second(),
                    u32::try_from(t.0.subsec_nanosecond()).unwrap_or(0),
                )
            })
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        ready: !statuses.is_empty() && statuses.iter().all(|c| c.ready),
    }
}

/// The units of the pods given, skipping pods that no longer count, sorted by name.
pub fn units<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Vec<Unit> {
    let mut out: Vec<Unit> = pods.into_iter().filter(|p| !skipped(p)).map(unit).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus, PodStatus,
    };

    fn pod(phase: &str, statuses: Vec<ContainerStatus>) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": "myapp-web-abc",
                "creationTimestamp": "2026-08-21T10:00:00Z",
                "labels": {
                    "tsuru.io/app-name": "myapp",
                    "tsuru.io/app-process": "web",
                    "tsuru.io/app-platform": "python",
                    "tsuru.io/app-version": "3",
                    "tsuru.io/is-routable": "true"
                }
            },
            "spec": {"containers": [{"name": "c", "image": "tsuru/app-myapp:v3"}]}
        }))
        .map(|mut p: Pod| {
            p.status = Some(PodStatus {
                phase: Some(phase.into()),
                host_ip: Some("10.0.0.12".into()),
                pod_ip: Some("172.16.3.9".into()),
                container_statuses: Some(statuses),
                ..PodStatus::default()
            });
            p
        })
        .unwrap()
    }

    fn container(ready: bool, restarts: i32) -> ContainerStatus {
        ContainerStatus {
            name: "c".into(),
            ready,
            restart_count: restarts,
            ..ContainerStatus::default()
        }
    }

    #[test]
    fn a_running_ready_pod_is_a_started_unit() {
        let u = unit(&pod("Running", vec![container(true, 2)]));
        assert_eq!(u.name, "myapp-web-abc");
        assert_eq!((u.app_name.as_str(), u.process_name.as_str()), ("myapp", "web"));
        assert_eq!(u.unit_type, "python");
        assert_eq!((u.ip.as_str(), u.internal_ip.as_str()), ("10.0.0.12", "172.16.3.9"));
        assert_eq!((u.status, u.version, u.restarts), (UnitStatus::Started, 3, 2));
        assert!(u.ready && u.routable);
        assert_eq!(u.created_at.to_rfc3339(), "2026-08-21T10:00:00+00:00");
        assert_eq!(u.address, None);
    }

    #[test]
    fn phases_and_container_states_map_to_tsurus_statuses() {
        assert_eq!(status(&pod("Pending", vec![])).0, UnitStatus::Created);
        assert_eq!(status(&pod("Succeeded", vec![])).0, UnitStatus::Stopped);
        assert_eq!(status(&pod("Failed", vec![])).0, UnitStatus::Error);
        assert_eq!(
            status(&pod("Running", vec![container(false, 0)])),
            (UnitStatus::Starting, String::new())
        );
        let mut crashing = container(false, 4);
        crashing.state = Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("CrashLoopBackOff".into()),
                ..ContainerStateWaiting::default()
            }),
            ..ContainerState::default()
        });
        crashing.last_state = Some(ContainerState {
            terminated: Some(ContainerStateTerminated {
                reason: Some("Error".into()),
                exit_code: 3,
                ..ContainerStateTerminated::default()
            }),
            ..ContainerState::default()
        });
        assert_eq!(
            status(&pod("Running", vec![crashing])),
            (UnitStatus::Error, "exitCode: 3".to_string())
        );
    }

    #[test]
    fn gone_pods_are_not_units_and_versions_fall_back_to_the_image_tag() {
        let mut evicted = pod("Failed", vec![]);
        evicted.status.as_mut().unwrap().reason = Some("Evicted".into());
        let mut deleting = pod("Running", vec![container(true, 0)]);
        deleting.metadata.deletion_timestamp = deleting.metadata.creation_timestamp.clone();
        assert!(units([&evicted, &deleting]).is_empty());
        let mut unlabelled = pod("Running", vec![container(true, 0)]);
        unlabelled.metadata.labels.as_mut().unwrap().remove("tsuru.io/app-version");
        let u = unit(&unlabelled);
        assert_eq!(u.version, 3);
        assert!(u.routable);
    }
}
