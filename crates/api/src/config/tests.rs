use super::*;

#[test]
fn env_names_map_to_kebab_keys() {
    assert_eq!(env_key("TSURU_AUTH__HASH_COST").as_deref(), Some("auth.hash-cost"));
    assert_eq!(env_key("TSURU_LISTEN").as_deref(), Some("listen"));
    assert_eq!(env_key("TSURU_ADMIN_EMAIL").as_deref(), Some("admin-email"));
    assert_eq!(env_key("TSURU_TOKEN"), None);
    assert_eq!(env_key("TSURU_MONGODB_URL").as_deref(), Some("database.url"));
    assert_eq!(env_key("TSURU_DATABASE__NAME").as_deref(), Some("database.name"));
    assert_eq!(env_key("TSURU_EVENT__LOCK_EXPIRY").as_deref(), Some("event.lock-expiry"));
    assert_eq!(env_key("HOME"), None);
}

#[test]
fn secrets_never_print() {
    let yaml = "auth:\n  jwt-secret: jwt-0123456789abcdef\nadmin-email: a@example.com\nadmin-password: admin-pass-42\nsmtp:\n  server: mail.example.com\n  user: u@example.com\n  password: smtp-pass-42\n";
    let s: Settings = config::Config::builder()
        .add_source(config::File::from_str(yaml, config::FileFormat::Yaml))
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap();
    assert_eq!(
        s.auth.jwt_secret.as_ref().map(Secret::expose),
        Some("jwt-0123456789abcdef"),
        "the value is read"
    );
    let printed = format!("{s:?} {s:#?}");
    for secret in ["jwt-0123456789abcdef", "admin-pass-42", "smtp-pass-42"] {
        assert!(!printed.contains(secret), "{secret} printed: {printed}");
    }
    assert!(printed.contains("Secret([redacted])"));
    assert!(printed.contains("mail.example.com"), "the rest still prints");
}

fn from_yaml(yaml: &str) -> Settings {
    config::Config::builder()
        .add_source(config::File::from_str(yaml, config::FileFormat::Yaml))
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap()
}

/// The settings of the documented file shipped as `config/tsurud.yaml`.
fn shipped() -> Settings {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/tsurud.yaml");
    from_yaml(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn tsurus_provisioner_and_routers_shapes_are_read() {
    let s = from_yaml(
        "provisioner: kubernetes\nrouters:\n  galeb:\n    type: galeb\n    api-url: http://galeb\n  ingress:\n    type: kubernetes-ingress\n    default: true\n",
    );
    assert_eq!(s.provisioner.default, "kubernetes");
    assert_eq!(s.provisioner.domain, "tsuru.localhost");
    let routers: Vec<(&str, &str, bool)> =
        s.routers.iter().map(|r| (r.name.as_str(), r.r#type.as_str(), r.default)).collect();
    assert_eq!(routers, [("galeb", "galeb", false), ("ingress", "kubernetes-ingress", true)]);

    let s = from_yaml(
        "provisioner:\n  default: simulated\n  domain: apps.example\nrouters:\n  - name: r1\n    type: simulated\n",
    );
    assert_eq!(
        (s.provisioner.default.as_str(), s.provisioner.domain.as_str()),
        ("simulated", "apps.example")
    );
    assert_eq!(s.routers[0].name, "r1");
}

#[test]
fn a_secret_is_required_outside_dev_mode() {
    let s = Settings::default();
    assert!(s.validate().unwrap_err().to_string().contains("jwt-secret"));
    let dev = Settings { dev: true, ..Settings::default() };
    assert!(dev.validate().is_ok());
}

#[test]
fn webhook_settings_are_validated() {
    let mut s = Settings { dev: true, ..Settings::default() };
    s.webhook.max_attempts = 0;
    assert!(s.validate().unwrap_err().to_string().contains("max-attempts"));
    s.webhook.max_attempts = 1;
    s.webhook.poll_interval = 0.0;
    assert!(s.validate().unwrap_err().to_string().contains("poll-interval"));
    s.webhook.poll_interval = 0.1;
    s.webhook.retry_backoff = -1.0;
    assert!(s.validate().unwrap_err().to_string().contains("retry-backoff"));
    s.webhook.retry_backoff = 0.0;
    assert!(s.validate().is_ok());
    s.webhook.allowed_networks = vec!["10.0.0.0/40".into()];
    assert!(s.validate().unwrap_err().to_string().contains("allowed-networks"));
}

#[test]
fn the_documented_webhook_section_matches_the_defaults() {
    let file = shipped();
    let (file, d) = (file.webhook, WebhookSettings::default());
    assert_eq!(file.max_attempts, d.max_attempts);
    assert_eq!(file.retry_backoff, d.retry_backoff);
    assert_eq!(file.poll_interval, d.poll_interval);
    assert_eq!(file.timeout, d.timeout);
    assert_eq!(file.connect_timeout, d.connect_timeout);
    assert_eq!(file.concurrency, d.concurrency);
    assert_eq!(file.retention_days, d.retention_days);
    assert_eq!(file.allowed_networks, d.allowed_networks);
}

#[test]
fn allowed_networks_are_a_list_or_comma_separated() {
    let from_env: Settings = config::Config::builder()
        .set_override("webhook.allowed-networks", "10.0.0.0/8, ::1/128")
        .unwrap()
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap();
    let from_yaml: Settings = config::Config::builder()
        .add_source(config::File::from_str(
            "webhook:\n  allowed-networks: [10.0.0.0/8, \"::1/128\"]\n",
            config::FileFormat::Yaml,
        ))
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap();
    let want = vec!["10.0.0.0/8".to_string(), "::1/128".to_string()];
    assert_eq!(from_env.webhook.allowed_networks, want);
    assert_eq!(from_yaml.webhook.allowed_networks, want);
}

#[test]
fn tsuru_conf_keys_are_read() {
    let dir = std::env::temp_dir().join(format!("tsurud-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("tsuru.conf");
    std::fs::write(
        &f,
        "listen: 0.0.0.0:9999\nauth:\n  hash-cost: 5\n  token-expire-days: 2\n  jwt-secret: 0123456789abcdef\nquota:\n  apps-per-user: 3\ndatabase:\n  url: 10.0.0.5:27017\n  name: tsuru-prod\n",
    )
    .unwrap();
    let s = Settings::load(Some(&f)).unwrap();
    assert_eq!(s.listen, "0.0.0.0:9999");
    assert_eq!(s.auth.hash_cost, 5);
    assert_eq!(s.auth.token_expire_days, 2);
    assert_eq!(s.quota.apps_per_user, Some(3));
    assert_eq!(s.database.url, "10.0.0.5:27017");
    assert_eq!(s.database.name, "tsuru-prod");
    assert_eq!(s.storage_kind(), "mongodb");
}

#[test]
fn auto_storage_is_memory_in_dev_mode_and_mongodb_otherwise() {
    let dev = Settings { dev: true, ..Settings::default() };
    assert_eq!(dev.storage_kind(), "memory");
    assert_eq!(Settings::default().storage_kind(), "mongodb");
    let forced = Settings { dev: true, storage: "mongodb".into(), ..Settings::default() };
    assert_eq!(forced.storage_kind(), "mongodb");
    let bad = Settings { dev: true, storage: "postgres".into(), ..Settings::default() };
    assert!(bad.validate().unwrap_err().to_string().contains("storage"));
    let no_expiry = Settings {
        dev: true,
        event: EventSettings { lock_expiry: 0, ..EventSettings::default() },
        ..Settings::default()
    };
    assert!(no_expiry.validate().unwrap_err().to_string().contains("event.lock-expiry"));
}

mod shipped_file {
    use super::*;

    #[test]
    fn the_documented_config_file_loads_and_matches_the_defaults() {
        let file = shipped();
        let d = Settings::default();
        assert_eq!(file.listen, d.listen);
        assert_eq!(file.auth.hash_cost, d.auth.hash_cost);
        assert_eq!(file.auth.token_expire_days, d.auth.token_expire_days);
        assert_eq!(file.auth.max_failed_logins, d.auth.max_failed_logins);
        assert_eq!(file.auth.max_password_resets, d.auth.max_password_resets);
        assert_eq!(file.auth.password_reset_window, d.auth.password_reset_window);
        assert_eq!(file.server.max_body_size, d.server.max_body_size);
        assert_eq!(file.log.format, d.log.format);
        assert_eq!(file.storage, d.storage);
        assert_eq!(file.database.url, d.database.url);
        assert_eq!(file.database.name, d.database.name);
        assert_eq!(file.event.lock_expiry, d.event.lock_expiry);
    }
}
