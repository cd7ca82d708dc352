//! The pure mapping of an app, one of its versions and its cluster onto Kubernetes objects,
//! with tsuru's names, labels, selectors and environment (no API calls here).
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EnvVarSource, ExecAction, Lifecycle, LifecycleHandler,
    Namespace, PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements, Secret,
    SecretKeySelector, Service, ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::ByteString;
use sha2::{Digest, Sha256};
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::cluster::Cluster;
use tsuru_domain::{Error, Result};

/// Prefix of every label and annotation tsuru writes.
pub const PREFIX: &str = "tsuru.io/";
/// Where apps' code lives in tsuru's images.
pub const APP_DIR: &str = "/home/application/current";
/// Port apps listen on unless their image says otherwise.
pub const DEFAULT_PORT: i32 = 8888;
/// Annotation holding the hash of the env Secret (a change forces a rollout).
pub const SECRET_HASH: &str = "tsuru.io/secret-sha256";
/// Label counting restarts.
pub const RESTARTS: &str = "tsuru.io/restarts";
/// Label marking a stopped app's objects.
pub const IS_STOPPED: &str = "tsuru.io/is-stopped";
/// Label naming the app.
pub const APP_NAME: &str = "tsuru.io/app-name";
/// Label naming the process.
pub const APP_PROCESS: &str = "tsuru.io/app-process";
/// Label holding the version number.
pub const APP_VERSION: &str = "tsuru.io/app-version";
/// Label on everything tsuru runs.
pub const IS_TSURU: &str = "tsuru.io/is-tsuru";
/// Node label selecting a pool's nodes.
pub const POOL_NODE_LABEL: &str = "tsuru.io/pool";

fn p(key: &str) -> String {
    format!("{PREFIX}{key}")
}

/// tsuru's `ValidKubeName`: lower-case, every char outside `[a-z0-9.-]` becomes `-`.
pub fn valid_kube_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// tsuru's `AppProcessName`: `<app>-<proc>[-v<N>|-<suffix>]`, hashed down to 55 chars.
pub fn app_process_name(app: &str, process: &str, version: i64, suffix: &str) -> String {
    let name = valid_kube_name(app);
    let mut pv = valid_kube_name(process);
    if version > 0 {
        pv.push_str(&format!("-v{version}"));
    } else if !suffix.is_empty() {
        pv.push('-');
        pv.push_str(suffix);
    }
    let label = format!("{name}-{pv}");
    if label.len() <= 55 {
        return label;
    }
    let hash = hex::encode(Sha256::digest(pv.as_bytes()));
    let keep = 55usize.saturating_sub(name.len() + 1).min(hash.len());
    format!("{name}-{}", &hash[..keep])
}

/// The base Deployment (and Service, PDB) of a process: `<app>-<proc>`.
pub fn deployment_name(app: &str, process: &str) -> String {
    app_process_name(app, process, 0, "")
}

/// The headless Service of a process: `<app>-<proc>-units`.
pub fn headless_name(app: &str, process: &str) -> String {
    app_process_name(app, process, 0, "units")
}

/// The env Secret of a Deployment: `tsuru-app-<deployment>`.
pub fn secret_name(deployment: &str) -> String {
    format!("tsuru-app-{deployment}")
}

/// The app's ServiceAccount: `app-<app>`.
pub fn service_account_name(app: &str) -> String {
    format!("app-{}", valid_kube_name(app))
}

/// Selector of everything of an app.
pub fn app_selector(app: &str) -> String {
    format!("{APP_NAME}={app}")
}

/// What a process's objects carry that is not in the app or the version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessState {
    /// Replicas wanted.
    pub replicas: i32,
    /// Restart count (`None`: never restarted since the deploy).
    pub restarts: Option<i64>,
    /// Whether the app is stopped.
    pub stopped: bool,
}

/// Server-wide settings the mapping reads (tsuru config keys).
#[derive(Debug, Clone)]
pub struct RenderSettings {
    /// `host`: the API address apps see as `TSURU_HOST`.
    pub host: String,
    /// `docker:uid`: the user pods run as (`None`: the image's).
    pub run_as_user: Option<i64>,
}

impl Default for RenderSettings {
    fn default() -> Self {
        RenderSettings {
            host: String::new(),
            run_as_user: Some(1000),
        }
    }
}

/// Everything one process of one version renders from.
#[derive(Debug, Clone, Copy)]
pub struct ProcessContext<'a> {
    /// The app.
    pub app: &'a App,
    /// The version deployed.
    pub version: &'a AppVersion,
    /// The process.
    pub process: &'a str,
    /// The cluster it runs on.
    pub cluster: &'a Cluster,
    /// The app namespace.
    pub namespace: &'a str,
    /// Server settings.
    pub settings: &'a RenderSettings,
    /// The volumes bound to the app, with its binds of each.
    pub volumes: &'a [super::volume::BoundVolume],
}

/// One service port of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    /// `http-default-<i>` / `udp-default-<i>`.
    pub name: String,
    /// `TCP` or `UDP`.
    pub protocol: String,
    /// Service port.
    pub port: i32,
    /// Container port.
    pub target_port: i32,
}

/// The ports of a process from the image's exposed ports (`8888/tcp` when none): with one
/// port the Service listens on 8888, with several on each exposed port.
///
/// # Errors
/// 400 for an exposed port that is not `<n>[/tcp|/udp]`.
pub fn ports(version: &AppVersion) -> Result<Vec<PortSpec>> {
    let exposed: Vec<String> = if version.exposed_ports.is_empty() {
        vec![format!("{DEFAULT_PORT}/tcp")]
    } else {
        version.exposed_ports.clone()
    };
    let single = exposed.len() == 1;
    exposed
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (num, proto) = e.split_once('/').unwrap_or((e.as_str(), "tcp"));
            let target: i32 = num
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=65535).contains(n))
                .ok_or_else(|| Error::bad_request(format!("invalid exposed port {e:?}")))?;
            let protocol = proto.trim().to_ascii_uppercase();
            if protocol != "TCP" && protocol != "UDP" {
                return Err(Error::bad_request(format!("invalid exposed port {e:?}")));
            }
            let kind = if protocol == "UDP" { "udp" } else { "http" };
            Ok(PortSpec {
                name: format!("{kind}-default-{}", i + 1),
                protocol,
                port: if single { DEFAULT_PORT } else { target },
                target_port: target,
            })
        })
        .collect()
}

fn is_default_ports(ports: &[PortSpec]) -> bool {
    ports.len() == 1 && ports[0].port == DEFAULT_PORT && ports[0].target_port == DEFAULT_PORT
}

/// The container command (tsuru's `LeanContainerCmds`): the process command wrapped in
/// `/bin/sh -lc` from the app dir. A version without processes runs the image's own entrypoint
/// (no command).
///
/// # Errors
/// 400 for an unknown process or an empty command.
pub fn command(version: &AppVersion, process: &str) -> Result<Option<Vec<String>>> {
    if version.processes.is_empty() {
        return if process == "web" {
            Ok(None)
        } else {
            Err(Error::bad_request(format!("process {process:?} not found")))
        };
    }
    let cmd = version
        .processes
        .get(process)
        .ok_or_else(|| Error::bad_request(format!("process {process:?} not found")))?;
    let prefix = format!("[ -d {APP_DIR} ] && cd {APP_DIR}; ");
    match cmd.as_slice() {
        [] => Err(Error::bad_request(format!(
            "no command declared in Procfile for process {process:?}"
        ))),
        [one] => Ok(Some(vec![
            "/bin/sh".into(),
            "-lc".into(),
            format!("{prefix}exec {one}"),
        ])),
        many => {
            let mut out = vec![
                "/bin/sh".to_string(),
                "-lc".to_string(),
                format!("{prefix}exec $0 \"$@\""),
            ];
            out.extend(many.iter().cloned());
            Ok(Some(out))
        }
    }
}

/// The container env and the Secret data of a process (tsuru's order: app envs sorted, then
/// the process variables and ports). Private values go through the Secret.
pub fn env(
    ctx: &ProcessContext<'_>,
    ports: &[PortSpec],
) -> (Vec<EnvVar>, BTreeMap<String, String>) {
    let app = ctx.app;
    let mut vars: BTreeMap<String, (String, bool)> = app
        .resolved_env()
        .into_iter()
        .map(|e| {
            let public = e.public && !app.alias_reaches_private(&e.name);
            (e.name, (e.value, public))
        })
        .collect();
    vars.entry("TSURU_SERVICES".into())
        .or_insert_with(|| ("{}".into(), false))
        .1 = false;
    vars.insert("TSURU_APPNAME".into(), (app.name.clone(), true));
    vars.insert("TSURU_APPDIR".into(), (APP_DIR.into(), true));
    let secrets_disabled = setting_bool(ctx.cluster, &app.pool, "disable-secrets");
    let dep = deployment_name(&app.name, ctx.process);
    let mut out = Vec::new();
    let mut secret = BTreeMap::new();
    for (name, (value, public)) in vars {
        if public || secrets_disabled {
            out.push(plain(&name, &value));
        } else {
            out.push(EnvVar {
                name: name.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret_name(&dep),
                        key: name.clone(),
                        optional: None,
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            });
        }
        if !public {
            secret.insert(name, value);
        }
    }
    let port = DEFAULT_PORT.to_string();
    out.push(plain("TSURU_PROCESSNAME", ctx.process));
    out.push(plain("TSURU_APPVERSION", &ctx.version.version.to_string()));
    out.push(plain("TSURU_HOST", &ctx.settings.host));
    let proc_port = format!("PORT_{}", ctx.process);
    if is_default_ports(ports) {
        out.push(plain("port", &port));
        out.push(plain("PORT", &port));
        out.push(plain(&proc_port, &port));
    } else if !ports.is_empty() {
        let list: Vec<String> = ports.iter().map(|p| p.target_port.to_string()).collect();
        out.push(plain(&proc_port, &list.join(",")));
    }
    (out, secret)
}

fn plain(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.replace('$', "$$")),
        value_from: None,
    }
}

/// The hex sha256 of the Secret data (`<key>:<value>\n` for sorted keys).
pub fn secret_hash(data: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in data {
        h.update(format!("{k}:{v}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

fn setting_bool(cluster: &Cluster, pool: &str, key: &str) -> bool {
    cluster
        .setting(pool, key)
        .is_some_and(|v| matches!(v.trim(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
}

fn setting_f64(cluster: &Cluster, pool: &str, key: &str) -> Option<f64> {
    cluster
        .setting(pool, key)
        .and_then(|v| v.trim().parse().ok())
}

/// Memory as Kubernetes writes binary quantities (`1Gi`, `256Mi`, or bytes).
pub fn memory_quantity(bytes: i64) -> String {
    for (suffix, unit) in [
        ("Ti", 1i64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if bytes != 0 && bytes % unit == 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// CPU as Kubernetes writes decimal quantities (`1`, `250m`).
pub fn cpu_quantity(milli: i64) -> String {
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Container resources from the app's plan and the pool's overcommit settings (§3.10).
pub fn resources(app: &App, cluster: &Cluster) -> ResourceRequirements {
    let pool = &app.pool;
    let plan = &app.plan;
    let memory = plan.r#override.memory.unwrap_or(plan.memory);
    let cpu = plan.r#override.cpumilli.unwrap_or(plan.cpumilli);
    let factor = |key: &str| {
        setting_f64(cluster, pool, key)
            .filter(|f| *f > 0.0)
            .or_else(|| setting_f64(cluster, pool, "overcommit-factor"))
            .unwrap_or(1.0)
            .max(1.0)
    };
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    if memory != 0 {
        limits.insert("memory".to_string(), Quantity(memory_quantity(memory)));
        #[expect(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let req = (memory as f64 / factor("memory-overcommit-factor")) as i64;
        requests.insert("memory".to_string(), Quantity(memory_quantity(req)));
    }
    if cpu != 0 {
        let burst = setting_f64(cluster, pool, "cpu-burst-factor")
            .unwrap_or(1.0)
            .max(1.0);
        #[expect(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let (limit, req) = (
            (cpu as f64 * burst) as i64,
            (cpu as f64 / factor("cpu-overcommit-factor")) as i64,
        );
        limits.insert("cpu".to_string(), Quantity(cpu_quantity(limit)));
        requests.insert("cpu".to_string(), Quantity(cpu_quantity(req)));
    }
    let ephemeral = cluster
        .setting(pool, "ephemeral-storage")
        .unwrap_or("100Mi")
        .trim()
        .to_string();
    if ephemeral != "0" && !ephemeral.is_empty() {
        limits.insert("ephemeral-storage".to_string(), Quantity(ephemeral));
        requests.insert("ephemeral-storage".to_string(), Quantity("0".into()));
    }
    ResourceRequirements {
        limits: Some(limits),
        requests: Some(requests),
        ..ResourceRequirements::default()
    }
}

fn metadata_labels(app: &App) -> BTreeMap<String, String> {
    app.metadata
        .labels
        .iter()
        .map(|l| (l.name.clone(), l.value.clone()))
        .collect()
}

fn metadata_annotations(app: &App) -> BTreeMap<String, String> {
    app.metadata
        .annotations
        .iter()
        .map(|l| (l.name.clone(), l.value.clone()))
        .collect()
}

fn custom_tags(app: &App) -> BTreeMap<String, String> {
    app.tags
        .iter()
        .filter_map(|t| t.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.len() <= 63
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(|(k, v)| (p(&format!("custom-tag-{k}")), v.to_string()))
        .collect()
}

/// The labels of a process's Deployment and base Service (§3.2, without version labels).
pub fn object_labels(app: &App, process: &str, state: &ProcessState) -> BTreeMap<String, String> {
    let dep = deployment_name(&app.name, process);
    let mut l = metadata_labels(app);
    l.extend(custom_tags(app));
    for (k, v) in [
        ("is-tsuru", "true"),
        ("is-stopped", if state.stopped { "true" } else { "false" }),
        ("app-name", app.name.as_str()),
        ("app-team", app.team_owner.as_str()),
        ("app-process", process),
        ("app-platform", app.platform.as_str()),
        ("app-pool", app.pool.as_str()),
        ("is-service", "true"),
        ("is-isolated-run", "false"),
        ("is-build", "false"),
        ("is-routable", "true"),
    ] {
        l.insert(p(k), v.to_string());
    }
    if let Some(r) = state.restarts {
        l.insert(RESTARTS.to_string(), r.to_string());
    }
    l.insert("app".into(), dep.clone());
    l.insert("app.kubernetes.io/name".into(), app.name.clone());
    l.insert("app.kubernetes.io/component".into(), "tsuru-app".into());
    l.insert("app.kubernetes.io/managed-by".into(), "tsuru".into());
    l.insert("app.kubernetes.io/instance".into(), dep);
    l
}

/// The labels of a process's pods.
pub fn pod_labels(
    app: &App,
    process: &str,
    version: i64,
    state: &ProcessState,
) -> BTreeMap<String, String> {
    let mut l = metadata_labels(app);
    for (k, v) in [
        ("app-name", app.name.as_str()),
        ("app-process", process),
        ("is-routable", "true"),
        ("is-tsuru", "true"),
        ("is-build", "false"),
        ("is-isolated-run", "false"),
        ("app-team", app.team_owner.as_str()),
        ("app-pool", app.pool.as_str()),
        ("app-platform", app.platform.as_str()),
    ] {
        l.insert(p(k), v.to_string());
    }
    l.insert(APP_VERSION.to_string(), version.to_string());
    if let Some(r) = state.restarts {
        l.insert(RESTARTS.to_string(), r.to_string());
    }
    l
}

/// The base Deployment's selector.
pub fn base_selector(app: &str, process: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (APP_NAME.to_string(), app.to_string()),
        (APP_PROCESS.to_string(), process.to_string()),
        (p("is-build"), "false".to_string()),
        (p("is-isolated-run"), "false".to_string()),
    ])
}

/// The selector of the base and headless Services.
pub fn routable_selector(app: &str, process: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (APP_NAME.to_string(), app.to_string()),
        (APP_PROCESS.to_string(), process.to_string()),
        (p("is-build"), "false".to_string()),
        (p("is-routable"), "true".to_string()),
    ])
}

fn meta(name: &str, namespace: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

fn small_labels(app: &str) -> BTreeMap<String, String> {
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
        metadata: meta(
            &secret_name(&deployment_name(app, process)),
            namespace,
            small_labels(app),
        ),
        data: Some(
            data.iter()
                .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes())))
                .collect(),
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
    let (pod_volumes, volume_mounts) = super::volume::pod_volumes(ctx.volumes)?;
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

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The app namespace of a pool (tsuru's `PoolNamespace`, without per-pool namespaces):
/// custom data `namespace`, else `default`.
pub fn app_namespace(cluster: &Cluster) -> String {
    cluster
        .custom_data
        .get("namespace")
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| "default".into())
}

/// The namespace of the App custom resources: `:namespace`, then `namespace`, else `tsuru`.
pub fn cr_namespace(cluster: &Cluster) -> String {
    cluster
        .setting("", "namespace")
        .filter(|n| !n.is_empty())
        .map_or_else(|| "tsuru".to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsuru_domain::app::EnvVar as AppEnv;
    use tsuru_domain::testing::app as test_app;

    fn version(processes: &[(&str, &[&str])], ports: &[&str]) -> AppVersion {
        AppVersion {
            app: "myapp".into(),
            version: 1,
            image: "registry.example/myapp:v1".into(),
            processes: processes
                .iter()
                .map(|(p, c)| (p.to_string(), c.iter().map(|s| s.to_string()).collect()))
                .collect(),
            exposed_ports: ports.iter().map(|s| s.to_string()).collect(),
            deploy_successful: false,
            deploy_failed: false,
            past_units: BTreeMap::new(),
            event_id: String::new(),
            created_at: chrono::Utc::now(),
        }
    }

    fn myapp() -> App {
        let mut a = test_app("myapp");
        a.team_owner = "admin".into();
        a.pool = "test-default".into();
        a.platform = String::new();
        a.plan.memory = 1 << 30;
        a.plan.cpumilli = 1000;
        a.env.clear();
        a
    }

    fn cluster() -> Cluster {
        Cluster {
            name: "c1".into(),
            provisioner: "kubernetes".into(),
            default: true,
            ..Cluster::default()
        }
    }

    fn render_one(app: &App, v: &AppVersion, c: &Cluster, process: &str) -> ProcessObjects {
        let settings = RenderSettings::default();
        let ctx = ProcessContext {
            app,
            version: v,
            process,
            cluster: c,
            namespace: "default",
            settings: &settings,
            volumes: &[],
        };
        render(
            &ctx,
            &ProcessState {
                replicas: 1,
                restarts: None,
                stopped: false,
            },
        )
        .unwrap()
    }

    #[test]
    fn names_follow_tsuru_and_long_ones_are_hashed_to_55_chars() {
        assert_eq!(valid_kube_name("My_App.x"), "my-app.x");
        assert_eq!(deployment_name("myapp", "web"), "myapp-web");
        assert_eq!(app_process_name("myapp", "web", 3, ""), "myapp-web-v3");
        assert_eq!(headless_name("myapp", "web"), "myapp-web-units");
        assert_eq!(secret_name("myapp-web"), "tsuru-app-myapp-web");
        assert_eq!(service_account_name("myapp"), "app-myapp");
        let app = "a".repeat(40);
        let long = app_process_name(&app, "a-very-long-process-name", 0, "units");
        assert_eq!(long.len(), 55);
        let hash = hex::encode(Sha256::digest(b"a-very-long-process-name-units"));
        assert_eq!(long, format!("{app}-{}", &hash[..14]));
    }

    #[test]
    fn the_secret_hash_of_the_default_services_is_tsurus() {
        let data = BTreeMap::from([("TSURU_SERVICES".to_string(), "{}".to_string())]);
        assert_eq!(
            secret_hash(&data),
            "f3f68faf3959035e45fe666a94854e2a76ff017ec775568944352586ca3d3fc5"
        );
    }

    #[test]
    fn a_process_renders_as_tsurus_deployment_example() {
        let app = myapp();
        let v = version(&[("p1", &["cm1"])], &[]);
        let objs = render_one(&app, &v, &cluster(), "p1");
        let d = &objs.deployment;
        assert_eq!(d.metadata.name.as_deref(), Some("myapp-p1"));
        let labels = d.metadata.labels.clone().unwrap();
        for (k, v) in [
            ("tsuru.io/is-tsuru", "true"),
            ("tsuru.io/is-service", "true"),
            ("tsuru.io/is-stopped", "false"),
            ("tsuru.io/is-routable", "true"),
            ("tsuru.io/app-name", "myapp"),
            ("tsuru.io/app-process", "p1"),
            ("tsuru.io/app-team", "admin"),
            ("tsuru.io/app-platform", ""),
            ("tsuru.io/app-pool", "test-default"),
            ("app", "myapp-p1"),
            ("app.kubernetes.io/component", "tsuru-app"),
            ("app.kubernetes.io/managed-by", "tsuru"),
            ("app.kubernetes.io/name", "myapp"),
            ("app.kubernetes.io/instance", "myapp-p1"),
        ] {
            assert_eq!(labels.get(k).map(String::as_str), Some(v), "label {k}");
        }
        assert!(!labels.contains_key(APP_VERSION));
        assert_eq!(
            d.metadata.annotations.as_ref().unwrap()[SECRET_HASH],
            "f3f68faf3959035e45fe666a94854e2a76ff017ec775568944352586ca3d3fc5"
        );
        let spec = &d.spec;
        assert_eq!(spec.replicas, Some(1));
        assert_eq!(spec.revision_history_limit, Some(10));
        assert_eq!(
            spec.selector.match_labels.clone().unwrap(),
            base_selector("myapp", "p1")
        );
        let rolling = spec
            .strategy
            .as_ref()
            .unwrap()
            .rolling_update
            .as_ref()
            .unwrap();
        assert_eq!(rolling.max_surge, Some(IntOrString::String("100%".into())));
        assert_eq!(rolling.max_unavailable, Some(IntOrString::Int(0)));
        let tpl = spec
            .template
            .metadata
            .as_ref()
            .unwrap()
            .labels
            .clone()
            .unwrap();
        assert_eq!(tpl[APP_VERSION], "1");
        assert!(!tpl.contains_key("tsuru.io/is-service"));
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(
            pod.node_selector.clone().unwrap(),
            BTreeMap::from([("tsuru.io/pool".to_string(), "test-default".to_string())])
        );
        assert_eq!(pod.termination_grace_period_seconds, Some(40));
        assert_eq!(pod.subdomain.as_deref(), Some("myapp-p1-units"));
        assert_eq!(pod.service_account_name.as_deref(), Some("app-myapp"));
        let c = &pod.containers[0];
        assert_eq!(c.name, "myapp-p1");
        assert_eq!(c.image.as_deref(), Some("registry.example/myapp:v1"));
        assert_eq!(
            c.command.clone().unwrap(),
            [
                "/bin/sh",
                "-lc",
                "[ -d /home/application/current ] && cd /home/application/current; exec cm1"
            ]
        );
        let env: Vec<(String, String)> = c
            .env
            .clone()
            .unwrap()
            .into_iter()
            .map(|e| {
                let v = e.value.unwrap_or_else(|| {
                    let r = e.value_from.unwrap().secret_key_ref.unwrap();
                    format!("secret:{}/{}", r.name, r.key)
                });
                (e.name, v)
            })
            .collect();
        let want: Vec<(String, String)> = [
            ("TSURU_APPDIR", "/home/application/current"),
            ("TSURU_APPNAME", "myapp"),
            ("TSURU_SERVICES", "secret:tsuru-app-myapp-p1/TSURU_SERVICES"),
            ("TSURU_PROCESSNAME", "p1"),
            ("TSURU_APPVERSION", "1"),
            ("TSURU_HOST", ""),
            ("port", "8888"),
            ("PORT", "8888"),
            ("PORT_p1", "8888"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(env, want);
        let res = c.resources.as_ref().unwrap();
        let q = |m: &Option<BTreeMap<String, Quantity>>, k: &str| m.as_ref().unwrap()[k].0.clone();
        assert_eq!(q(&res.limits, "cpu"), "1");
        assert_eq!(q(&res.limits, "memory"), "1Gi");
        assert_eq!(q(&res.limits, "ephemeral-storage"), "100Mi");
        assert_eq!(q(&res.requests, "cpu"), "1");
        assert_eq!(q(&res.requests, "ephemeral-storage"), "0");
        assert_eq!(c.ports.as_ref().unwrap()[0].container_port, 8888);
        let svc = objs.service.unwrap();
        let sspec = svc.spec.unwrap();
        assert_eq!(sspec.selector.unwrap(), routable_selector("myapp", "p1"));
        let port = &sspec.ports.unwrap()[0];
        assert_eq!(
            (port.name.as_deref(), port.port, port.protocol.as_deref()),
            (Some("http-default-1"), 8888, Some("TCP"))
        );
        let headless = objs.headless.unwrap();
        assert_eq!(headless.metadata.name.as_deref(), Some("myapp-p1-units"));
        assert_eq!(
            headless.metadata.labels.unwrap()["tsuru.io/is-headless-service"],
            "true"
        );
        let hspec = headless.spec.unwrap();
        assert_eq!(hspec.cluster_ip.as_deref(), Some("None"));
        assert_eq!(
            hspec.ports.unwrap()[0].name.as_deref(),
            Some("http-headless-1")
        );
        assert_eq!(
            objs.secret.metadata.name.as_deref(),
            Some("tsuru-app-myapp-p1")
        );
    }

    #[test]
    fn private_envs_go_to_the_secret_and_public_ones_are_escaped() {
        let mut app = myapp();
        for (name, value, public) in [("PUB", "a$b", true), ("DB_PASSWORD", "s3cr$t", false)] {
            app.env.insert(
                name.into(),
                AppEnv {
                    name: name.into(),
                    value: value.into(),
                    alias: String::new(),
                    public,
                    managed_by: String::new(),
                },
            );
        }
        let v = version(&[], &["3000/tcp", "53/udp"]);
        let objs = render_one(&app, &v, &cluster(), "web");
        let c = &objs.deployment.spec.template.spec.unwrap().containers[0];
        assert_eq!(c.command, None, "no processes: the image's own entrypoint");
        let env = c.env.clone().unwrap();
        let find = |n: &str| env.iter().find(|e| e.name == n).cloned();
        assert_eq!(find("PUB").unwrap().value.as_deref(), Some("a$$b"));
        let db = find("DB_PASSWORD").unwrap();
        assert_eq!(db.value, None);
        let r = db.value_from.unwrap().secret_key_ref.unwrap();
        assert_eq!(
            (r.name.as_str(), r.key.as_str()),
            ("tsuru-app-myapp-web", "DB_PASSWORD")
        );
        assert!(find("PORT").is_none(), "non-default ports drop PORT");
        assert_eq!(find("PORT_web").unwrap().value.as_deref(), Some("3000,53"));
        let data = objs.secret.data.unwrap();
        assert_eq!(data["DB_PASSWORD"].0, b"s3cr$t");
        assert_eq!(data["TSURU_SERVICES"].0, b"{}");
        assert!(!data.contains_key("PUB"));
        let ports = objs.service.unwrap().spec.unwrap().ports.unwrap();
        let got: Vec<(String, i32, String)> = ports
            .iter()
            .map(|p| (p.name.clone().unwrap(), p.port, p.protocol.clone().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("http-default-1".to_string(), 3000, "TCP".to_string()),
                ("udp-default-2".to_string(), 53, "UDP".to_string())
            ]
        );
    }

    #[test]
    fn cluster_settings_shape_scheduling_and_resources() {
        let app = myapp();
        let v = version(&[("web", &["python", "app.py"])], &["5000/tcp"]);
        let mut c = cluster();
        c.custom_data
            .insert("disable-default-node-selector".into(), "true".into());
        c.custom_data
            .insert("test-default:overcommit-factor".into(), "2".into());
        c.custom_data.insert("pre-stop-sleep".into(), "0".into());
        c.custom_data
            .insert("disable-headless".into(), "true".into());
        let objs = render_one(&app, &v, &c, "web");
        let pod = objs.deployment.spec.template.spec.unwrap();
        assert_eq!(pod.node_selector, None);
        assert_eq!(pod.termination_grace_period_seconds, Some(30));
        let cont = &pod.containers[0];
        assert_eq!(
            cont.command.clone().unwrap(),
            [
                "/bin/sh",
                "-lc",
                "[ -d /home/application/current ] && cd /home/application/current; exec $0 \"$@\"",
                "python",
                "app.py"
            ]
        );
        assert!(cont.lifecycle.as_ref().unwrap().pre_stop.is_none());
        let req = cont.resources.clone().unwrap().requests.unwrap();
        assert_eq!(req["memory"].0, "512Mi");
        assert_eq!(req["cpu"].0, "500m");
        assert!(objs.headless.is_none());
        let svc_port = &objs.service.unwrap().spec.unwrap().ports.unwrap()[0];
        assert_eq!(
            (svc_port.port, svc_port.target_port.clone()),
            (8888, Some(IntOrString::Int(5000)))
        );

        let mut bad = cluster();
        bad.custom_data
            .insert("disable-default-node-selector".into(), "maybe".into());
        let settings = RenderSettings::default();
        let ctx = ProcessContext {
            app: &app,
            version: &v,
            process: "web",
            cluster: &bad,
            namespace: "default",
            settings: &settings,
            volumes: &[],
        };
        assert!(matches!(
            render(&ctx, &ProcessState::default()),
            Err(Error::BadRequest(_))
        ));
        let ctx = ProcessContext {
            process: "worker",
            cluster: &c,
            ..ctx
        };
        assert!(matches!(
            render(&ctx, &ProcessState::default()),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn restarts_and_stop_show_in_labels() {
        let app = myapp();
        let v = version(&[], &[]);
        let settings = RenderSettings::default();
        let c = cluster();
        let ctx = ProcessContext {
            app: &app,
            version: &v,
            process: "web",
            cluster: &c,
            namespace: "ns",
            settings: &settings,
            volumes: &[],
        };
        let objs = render(
            &ctx,
            &ProcessState {
                replicas: 0,
                restarts: Some(3),
                stopped: true,
            },
        )
        .unwrap();
        let d = objs.deployment;
        assert_eq!(d.metadata.labels.as_ref().unwrap()[RESTARTS], "3");
        assert_eq!(d.metadata.labels.as_ref().unwrap()[IS_STOPPED], "true");
        let spec = d.spec;
        assert_eq!(spec.replicas, Some(0));
        assert_eq!(
            spec.template.metadata.unwrap().labels.unwrap()[RESTARTS],
            "3"
        );
        assert_eq!(d.metadata.namespace.as_deref(), Some("ns"));
    }

    #[test]
    fn quantities_are_written_as_kubernetes_does() {
        assert_eq!(memory_quantity(1 << 30), "1Gi");
        assert_eq!(memory_quantity(256 << 20), "256Mi");
        assert_eq!(memory_quantity(1000), "1000");
        assert_eq!(cpu_quantity(1000), "1");
        assert_eq!(cpu_quantity(250), "250m");
    }

    #[test]
    fn namespaces_come_from_custom_data() {
        let mut c = cluster();
        assert_eq!(
            (app_namespace(&c), cr_namespace(&c)),
            ("default".into(), "tsuru".into())
        );
        c.custom_data.insert("namespace".into(), "apps".into());
        assert_eq!(
            (app_namespace(&c), cr_namespace(&c)),
            ("apps".into(), "apps".into())
        );
    }
}
