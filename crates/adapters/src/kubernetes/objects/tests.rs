use super::*;
use tsuru_domain::app::EnvVar as AppEnv;
use tsuru_domain::testing::app as test_app;

fn version(processes: &[(&str, &[&str])], ports: &[&str]) -> AppVersion {
    AppVersion {
        image: "registry.example/myapp:v1".into(),
        processes: processes
            .iter()
            .map(|(p, c)| (p.to_string(), c.iter().map(|s| s.to_string()).collect()))
            .collect(),
        exposed_ports: ports.iter().map(|s| s.to_string()).collect(),
        ..tsuru_domain::testing::app_version("myapp", 1)
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
    render(&ctx, &ProcessState { replicas: 1, restarts: None, stopped: false }).unwrap()
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
    assert_eq!(spec.selector.match_labels.clone().unwrap(), base_selector("myapp", "p1"));
    let rolling = spec.strategy.as_ref().unwrap().rolling_update.as_ref().unwrap();
    assert_eq!(rolling.max_surge, Some(IntOrString::String("100%".into())));
    assert_eq!(rolling.max_unavailable, Some(IntOrString::Int(0)));
    let tpl = spec.template.metadata.as_ref().unwrap().labels.clone().unwrap();
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
    assert_eq!(headless.metadata.labels.unwrap()["tsuru.io/is-headless-service"], "true");
    let hspec = headless.spec.unwrap();
    assert_eq!(hspec.cluster_ip.as_deref(), Some("None"));
    assert_eq!(hspec.ports.unwrap()[0].name.as_deref(), Some("http-headless-1"));
    assert_eq!(objs.secret.metadata.name.as_deref(), Some("tsuru-app-myapp-p1"));
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
    assert_eq!((r.name.as_str(), r.key.as_str()), ("tsuru-app-myapp-web", "DB_PASSWORD"));
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
    c.custom_data.insert("disable-default-node-selector".into(), "true".into());
    c.custom_data.insert("test-default:overcommit-factor".into(), "2".into());
    c.custom_data.insert("pre-stop-sleep".into(), "0".into());
    c.custom_data.insert("disable-headless".into(), "true".into());
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
    assert_eq!((svc_port.port, svc_port.target_port.clone()), (8888, Some(IntOrString::Int(5000))));

    let mut bad = cluster();
    bad.custom_data.insert("disable-default-node-selector".into(), "maybe".into());
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
    assert!(matches!(render(&ctx, &ProcessState::default()), Err(Error::BadRequest(_))));
    let ctx = ProcessContext { process: "worker", cluster: &c, ..ctx };
    assert!(matches!(render(&ctx, &ProcessState::default()), Err(Error::BadRequest(_))));
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
    let objs =
        render(&ctx, &ProcessState { replicas: 0, restarts: Some(3), stopped: true }).unwrap();
    let d = objs.deployment;
    assert_eq!(d.metadata.labels.as_ref().unwrap()[RESTARTS], "3");
    assert_eq!(d.metadata.labels.as_ref().unwrap()[IS_STOPPED], "true");
    let spec = d.spec;
    assert_eq!(spec.replicas, Some(0));
    assert_eq!(spec.template.metadata.unwrap().labels.unwrap()[RESTARTS], "3");
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
    assert_eq!((app_namespace(&c), cr_namespace(&c)), ("default".into(), "tsuru".into()));
    c.custom_data.insert("namespace".into(), "apps".into());
    assert_eq!((app_namespace(&c), cr_namespace(&c)), ("apps".into(), "apps".into()));
}
