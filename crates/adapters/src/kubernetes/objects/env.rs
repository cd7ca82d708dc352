//! A process's ports, command and environment.
use super::*;

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

pub(super) fn is_default_ports(ports: &[PortSpec]) -> bool {
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
        [one] => Ok(Some(vec!["/bin/sh".into(), "-lc".into(), format!("{prefix}exec {one}")])),
        many => {
            let mut out =
                vec!["/bin/sh".to_string(), "-lc".to_string(), format!("{prefix}exec $0 \"$@\"")];
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
    vars.entry("TSURU_SERVICES".into()).or_insert_with(|| ("{}".into(), false)).1 = false;
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

pub(super) fn plain(name: &str, value: &str) -> EnvVar {
    EnvVar { name: name.to_string(), value: Some(value.replace('$', "$$")), value_from: None }
}

/// The hex sha256 of the Secret data (`<key>:<value>\n` for sorted keys).
pub fn secret_hash(data: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in data {
        h.update(format!("{k}:{v}\n").as_bytes());
    }
    hex::encode(h.finalize())
}
