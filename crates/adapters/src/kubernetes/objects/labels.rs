//! Labels, annotations and selectors.
use super::*;

pub(super) fn metadata_labels(app: &App) -> BTreeMap<String, String> {
    app.metadata.labels.iter().map(|l| (l.name.clone(), l.value.clone())).collect()
}

pub(super) fn metadata_annotations(app: &App) -> BTreeMap<String, String> {
    app.metadata.annotations.iter().map(|l| (l.name.clone(), l.value.clone())).collect()
}

pub(super) fn custom_tags(app: &App) -> BTreeMap<String, String> {
    app.tags
        .iter()
        .filter_map(|t| t.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.len() <= 63
                && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
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
    process_selector(app, process, ("is-isolated-run", "false"))
}

/// The selector of the base and headless Services.
pub fn routable_selector(app: &str, process: &str) -> BTreeMap<String, String> {
    process_selector(app, process, ("is-routable", "true"))
}

/// The labels of the non-build units of `process`, with `extra` (a tsuru label and its value).
fn process_selector(app: &str, process: &str, extra: (&str, &str)) -> BTreeMap<String, String> {
    BTreeMap::from([
        (APP_NAME.to_string(), app.to_string()),
        (APP_PROCESS.to_string(), process.to_string()),
        (p("is-build"), "false".to_string()),
        (p(extra.0), extra.1.to_string()),
    ])
}
