//! The objects of a namespace, an app and a process.
use super::*;

pub(super) fn meta(name: &str, namespace: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

pub(super) fn small_labels(app: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (IS_TSURU.to_string(), "true".to_string()),
        (APP_NAME.to_string(), app.to_string()),
    ])
}

/// A namespace tsuru creates (`name` label plus the cluster's `namespace-labels`).
pub fn namespace(name: &str, cluster: &Cluster) -> Namespace {
    let mut labels = BTreeMap::from([("name".to_string(), name.to_string())]);
    if let Some(extra) = cluster.setting(name, "namespace-labels") {
        for pair in extra.split(',') {
            if let Some((k, v)) = pair.split_once('=') {
                labels.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

/// The app's ServiceAccount.
pub fn service_account(app: &str, namespace: &str) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(&service_account_name(app), namespace, small_labels(app)),
        ..ServiceAccount::default()
    }
}

/// The env Secret of a process.
pub fn secret(
    app: &str,
    process: &str,
    namespace: &str,
    data: &BTreeMap<String, String>,
) -> Secret {
    Secret {
        metadata: meta(&secret_name(&deployment_name(app, process)), namespace, small_labels(app)),
        data: Some(
            data.iter().map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes()))).collect(),
        ),
        ..Secret::default()
    }
}

/// Every object of one process: the Deployment, its env Secret and its Services.
#[derive(Debug, Clone)]
pub struct ProcessObjects {
    /// The base Deployment `<app>-<proc>`.
    pub deployment: Deployment,
    /// `tsuru-app-<app>-<proc>`.
    pub secret: Secret,
    /// The base Service (none without ports).
    pub service: Option<Service>,
    /// The headless Service (none without ports or with `disable-headless`).
    pub headless: Option<Service>,
    /// The PodDisruptionBudget (none with `disable-pdb`).
    pub pdb: Option<PodDisruptionBudget>,
}

/// Renders one process of a version.
///
/// # Errors
/// 400 for an unknown process, an empty command, bad exposed ports or bad cluster settings.
pub fn render(ctx: &ProcessContext<'_>, state: &ProcessState) -> Result<ProcessObjects> {
    let app = ctx.app;
    let pool = &app.pool;
    let process = ctx.process;
    let name = deployment_name(&app.name, process);
    let ports = ports(ctx.version)?;
    let command = command(ctx.version, process)?;
    let (env, secret_data) = env(ctx, &ports);
    let (pod_volumes, volume_mounts) = crate::kubernetes::volume::pod_volumes(ctx.volumes)?;
    let hash = secret_hash(&secret_data);
    let mut annotations = metadata_annotations(app);
    annotations.insert(SECRET_HASH.to_string(), hash);
    let labels = object_labels(app, process, state);
    let pre_stop: i64 = match ctx.cluster.setting(pool, "pre-stop-sleep") {
        Some(v) => v.trim().parse().map_err(|_| {
            Error::bad_request(format!("invalid pre-stop-sleep {v:?} for pool {pool:?}"))
        })?,
        None => 10,
    };
    let no_selector = match ctx.cluster.custom_data.get("disable-default-node-selector") {
        Some(v) => parse_go_bool(v).ok_or_else(|| {
            Error::bad_request(format!(
                "invalid disable-default-node-selector {v:?}: not a boolean"
            ))
        })?,
        None => false,
    } || ctx
        .cluster
        .custom_data
        .get("single-pool")
        .is_some_and(|v| parse_go_bool(v) == Some(true));
    let intstr = |v: &str| match v.trim().parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(v.trim().to_string()),
    };
    let max_surge = intstr(ctx.cluster.setting(pool, "max-surge").unwrap_or("100%"));
    let max_unavailable = intstr(ctx.cluster.setting(pool, "max-unavailable").unwrap_or("0"));
    let container = Container {
        name: name.clone(),
        image: Some(ctx.version.image.clone()),
        command,
        env: Some(env),
        ports: Some(
            ports
                .iter()
                .map(|p| ContainerPort {
                    container_port: p.target_port,
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        resources: Some(resources(app, ctx.cluster)),
        volume_mounts: (!volume_mounts.is_empty()).then_some(volume_mounts),
        lifecycle: Some(Lifecycle {
            pre_stop: (pre_stop > 0).then(|| LifecycleHandler {
                exec: Some(ExecAction {
                    command: Some(vec![
                        "sh".into(),
                        "-c".into(),
                        format!("sleep {pre_stop} || true"),
                    ]),
                }),
                ..LifecycleHandler::default()
            }),
            ..Lifecycle::default()
        }),
        ..Container::default()
    };
    let pod_spec = PodSpec {
        service_account_name: Some(service_account_name(&app.name)),
        enable_service_links: Some(false),
        restart_policy: Some("Always".into()),
        security_context: ctx.settings.run_as_user.map(|uid| PodSecurityContext {
            run_as_user: Some(uid),
            ..PodSecurityContext::default()
        }),
        termination_grace_period_seconds: Some(30 + pre_stop),
        subdomain: Some(headless_name(&app.name, process)),
        node_selector: (!no_selector)
            .then(|| BTreeMap::from([(POOL_NODE_LABEL.to_string(), pool.clone())])),
        containers: vec![container],
        volumes: (!pod_volumes.is_empty()).then_some(pod_volumes),
        ..PodSpec::default()
    };
    let deployment = Deployment {
        metadata: ObjectMeta {
            annotations: Some(annotations.clone()),
            ..meta(&name, ctx.namespace, labels.clone())
        },
        spec: DeploymentSpec {
            replicas: Some(state.replicas),
            revision_history_limit: Some(10),
            selector: LabelSelector {
                match_labels: Some(base_selector(&app.name, process)),
                ..LabelSelector::default()
            },
            strategy: Some(DeploymentStrategy {
                type_: Some("RollingUpdate".into()),
                rolling_update: Some(RollingUpdateDeployment {
                    max_surge: Some(max_surge),
                    max_unavailable: Some(max_unavailable),
                }),
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels(app, process, ctx.version.version, state)),
                    annotations: Some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod_spec),
            },
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    };
    let service_ports = |kind: &str| -> Vec<ServicePort> {
        ports
            .iter()
            .enumerate()
            .map(|(i, p)| ServicePort {
                name: Some(if kind.is_empty() {
                    p.name.clone()
                } else {
                    format!("{kind}-{}", i + 1)
                }),
                protocol: Some(p.protocol.clone()),
                port: p.port,
                target_port: Some(IntOrString::Int(p.target_port)),
                ..ServicePort::default()
            })
            .collect()
    };
    let service = (!ports.is_empty()).then(|| Service {
        metadata: meta(&name, ctx.namespace, labels.clone()),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(routable_selector(&app.name, process)),
            ports: Some(service_ports("")),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    });
    let headless = (!ports.is_empty() && !setting_bool(ctx.cluster, pool, "disable-headless"))
        .then(|| {
            let mut l = labels.clone();
            l.insert(p("is-headless-service"), "true".into());
            Service {
                metadata: meta(&headless_name(&app.name, process), ctx.namespace, l),
                spec: Some(ServiceSpec {
                    type_: Some("ClusterIP".into()),
                    cluster_ip: Some("None".into()),
                    selector: Some(routable_selector(&app.name, process)),
                    ports: Some(service_ports("http-headless")),
                    ..ServiceSpec::default()
                }),
                ..Service::default()
            }
        });
    let pdb = (!setting_bool(ctx.cluster, pool, "disable-pdb")).then(|| PodDisruptionBudget {
        metadata: meta(
            &name,
            ctx.namespace,
            BTreeMap::from([
                (IS_TSURU.to_string(), "true".to_string()),
                (APP_NAME.to_string(), app.name.clone()),
                (APP_PROCESS.to_string(), process.to_string()),
                (p("app-team"), app.team_owner.clone()),
            ]),
        ),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::String("10%".into())),
            selector: Some(LabelSelector {
                match_labels: Some(BTreeMap::from([
                    (APP_NAME.to_string(), app.name.clone()),
                    (APP_PROCESS.to_string(), process.to_string()),
                    (p("is-routable"), "true".to_string()),
                ])),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    });
    Ok(ProcessObjects {
        deployment,
        secret: secret(&app.name, process, ctx.namespace, &secret_data),
        service,
        headless,
        pdb,
    })
}
