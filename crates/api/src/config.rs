//! Settings: compiled-in defaults, then a YAML file (`--config` or `TSURU_CONFIG`), then
//! environment variables. tsuru's kebab-case keys are accepted as they are.
//!
//! Environment variables map onto keys: `TSURU_` is dropped, `__` separates sections and `_`
//! becomes `-`, all lowercased: `TSURU_AUTH__HASH_COST=12` sets `auth.hash-cost`,
//! `TSURU_LISTEN` sets `listen`, `TSURU_ADMIN_EMAIL` sets `admin-email`. One alias:
//! `TSURU_MONGODB_URL` sets `database.url`.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A configured secret (JWT secret, passwords): read from the configuration like a string,
/// never printed. `Debug` shows `Secret([redacted])`, so a logged `Settings` leaks nothing;
/// [`Secret::expose`] is the one way to the value.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// Variables that belong to the `tsuru` client or to the loader itself, never config keys.
const NOT_CONFIG: [&str; 4] = [
    "TSURU_CONFIG",
    "TSURU_TARGET",
    "TSURU_TOKEN",
    "TSURU_VERBOSITY",
];

/// The settings tree.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// Development mode: a random JWT secret is allowed.
    pub dev: bool,
    /// Storage adapter: `memory`, `mongodb`, or `auto` (default): memory in dev mode, MongoDB
    /// otherwise.
    pub storage: String,
    /// The MongoDB database (tsuru's `database:` section).
    pub database: DatabaseSettings,
    /// Events.
    pub event: EventSettings,
    /// Logging.
    pub log: LogSettings,
    /// Authentication.
    pub auth: AuthSettings,
    /// Default quotas.
    pub quota: QuotaSettings,
    /// Outgoing mail; password-reset mail is logged when absent.
    pub smtp: Option<SmtpSettings>,
    /// HTTP server limits.
    pub server: ServerSettings,
    /// Routers apps can use: a list, or tsuru's map of router name to settings.
    #[serde(deserialize_with = "routers_in_either_shape")]
    pub routers: Vec<RouterSettings>,
    /// The default provisioner and the simulated one's settings; tsuru's `provisioner: NAME`
    /// names the default.
    #[serde(deserialize_with = "provisioner_in_either_shape")]
    pub provisioner: ProvisionerSettings,
    /// The Kubernetes provisioner (tsuru's `kubernetes:` section).
    pub kubernetes: KubernetesSettings,
    /// Webhook delivery.
    pub webhook: WebhookSettings,
    /// Calls to service APIs and brokers.
    pub service: ServiceSettings,
    /// Volume plans (tsuru's `volume-plans`): plan name → provisioner name → options
    /// (`storage-class`, `plugin`, `capacity`, `access-modes`, ...).
    pub volume_plans: BTreeMap<String, BTreeMap<String, BTreeMap<String, serde_json::Value>>>,
    /// IaaS providers machines are created with (tsuru's `iaas:` section).
    pub iaas: IaasConfig,
    /// E-mail of the admin created at start-up when no user exists.
    pub admin_email: Option<String>,
    /// Password of that admin.
    pub admin_password: Option<Secret>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            dev: false,
            storage: "auto".into(),
            database: DatabaseSettings::default(),
            event: EventSettings::default(),
            log: LogSettings::default(),
            auth: AuthSettings::default(),
            quota: QuotaSettings::default(),
            smtp: None,
            server: ServerSettings::default(),
            routers: vec![RouterSettings {
                name: "default".into(),
                r#type: "simulated".into(),
                default: true,
            }],
            provisioner: ProvisionerSettings::default(),
            kubernetes: KubernetesSettings::default(),
            webhook: WebhookSettings::default(),
            service: ServiceSettings::default(),
            volume_plans: BTreeMap::new(),
            iaas: IaasConfig::default(),
            admin_email: None,
            admin_password: None,
        }
    }
}

/// The MongoDB database (tsuru's `database:url` and `database:name`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct DatabaseSettings {
    /// Connection string; a bare `host:port` is accepted, as tsuru does. Connect and
    /// server-selection timeouts default to 1 s and 1.5 s unless it sets `connectTimeoutMS` /
    /// `serverSelectionTimeoutMS`.
    pub url: String,
    /// Database name.
    pub name: String,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: "mongodb://127.0.0.1:27017".into(),
            name: "tsuru".into(),
        }
    }
}

/// Event settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct EventSettings {
    /// Seconds without a heartbeat after which a running event's lock is expired (its
    /// process is taken as dead). Heartbeats are sent every third of this, at most every 30 s.
    pub lock_expiry: u64,
    /// Seconds an operation on an app waits for the app's lock before failing with 409.
    pub app_lock_wait: u64,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            lock_expiry: 300,
            app_lock_wait: 10,
        }
    }
}

/// Logging settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: String,
    /// An `EnvFilter` directive (`RUST_LOG` wins when set).
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: "pretty".into(),
            level: "info".into(),
        }
    }
}

/// Authentication settings (tsuru's `auth:` section).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct AuthSettings {
    /// Only `native` is served.
    pub scheme: String,
    /// HS256 secret for session tokens; required unless `dev`.
    pub jwt_secret: Option<Secret>,
    /// Session lifetime in days.
    pub token_expire_days: i64,
    /// bcrypt cost, 4 to 31.
    pub hash_cost: u32,
    /// Whether anyone may create a user.
    pub user_registration: bool,
    /// Failed logins per e-mail allowed within the window before 429.
    pub max_failed_logins: u32,
    /// Window for failed logins, seconds.
    pub failed_login_window: i64,
    /// Password-reset mails per e-mail allowed within the window before 429.
    pub max_password_resets: u32,
    /// Window for password resets, seconds.
    pub password_reset_window: i64,
    /// Shortest time between two writes of one credential's last use (API keys, team
    /// tokens), seconds; uses in between are counted and written together, off the request
    /// path.
    pub last_use_interval: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            scheme: "native".into(),
            jwt_secret: None,
            token_expire_days: 7,
            hash_cost: 10,
            user_registration: false,
            max_failed_logins: 5,
            failed_login_window: 300,
            max_password_resets: 3,
            password_reset_window: 3600,
            last_use_interval: 60,
        }
    }
}

/// Default quotas (tsuru's `quota:` section); unset or negative means unlimited.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct QuotaSettings {
    /// Apps per new user.
    pub apps_per_user: Option<i64>,
    /// Apps per new team.
    pub apps_per_team: Option<i64>,
    /// Units per new app.
    pub units_per_app: Option<i64>,
}

/// A router apps can be exposed through.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RouterSettings {
    /// Unique name.
    pub name: String,
    /// Router type.
    #[serde(default)]
    pub r#type: String,
    /// Whether apps use it when none is chosen.
    #[serde(default)]
    pub default: bool,
}

/// `routers:` as a list of `{name, type, default}`, or as tsuru writes it: a map from router name
/// to its settings (keys other than `type` and `default` belong to router types not served here).
fn routers_in_either_shape<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<RouterSettings>, D::Error> {
    #[derive(Deserialize)]
    struct Named {
        #[serde(default)]
        r#type: String,
        #[serde(default)]
        default: bool,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<RouterSettings>),
        Map(std::collections::BTreeMap<String, Named>),
    }
    Ok(match Shape::deserialize(d)? {
        Shape::List(list) => list,
        Shape::Map(map) => map
            .into_iter()
            .map(|(name, r)| RouterSettings {
                name,
                r#type: r.r#type,
                default: r.default,
            })
            .collect(),
    })
}

/// `provisioner:` as a section, or as tsuru writes it: the default provisioner's name.
fn provisioner_in_either_shape<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<ProvisionerSettings, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Name(String),
        Section(ProvisionerSettings),
    }
    Ok(match Shape::deserialize(d)? {
        Shape::Name(default) => ProvisionerSettings {
            default,
            ..ProvisionerSettings::default()
        },
        Shape::Section(s) => s,
    })
}

/// Provisioners: which registered one pools without a provisioner of their own use, and the
/// settings of the simulated one (the domain routers serve apps on).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ProvisionerSettings {
    /// Name of the default provisioner (`simulated`, the one this build registers).
    pub default: String,
    /// Apps are served at `<app>.<domain>`.
    pub domain: String,
}

impl Default for ProvisionerSettings {
    fn default() -> Self {
        ProvisionerSettings {
            default: "simulated".into(),
            domain: "tsuru.localhost".into(),
        }
    }
}

/// Calls to native service APIs and Open Service Brokers (durations in seconds).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ServiceSettings {
    /// Longest a service API call may take (tsuru: 5 minutes).
    pub timeout: f64,
    /// Longest connecting to a service API or broker may take.
    pub connect_timeout: f64,
    /// Longest a broker call may take (tsuru: 60 s).
    pub broker_timeout: f64,
    /// How long an asynchronous broker operation is polled before the request returns with
    /// it still in progress.
    pub broker_poll_timeout: f64,
    /// Pause between two polls of a broker's `last_operation`.
    pub broker_poll_interval: f64,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            timeout: 300.0,
            connect_timeout: 15.0,
            broker_timeout: 60.0,
            broker_poll_timeout: 30.0,
            broker_poll_interval: 1.0,
        }
    }
}

/// tsuru's `iaas:` section: the providers and how node addresses are built.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct IaasConfig {
    /// The IaaS used when a request names none (else the only one configured, else `ec2`).
    pub default: Option<String>,
    /// Scheme of node addresses built from machines.
    pub node_protocol: String,
    /// Port of node addresses built from machines.
    pub node_port: i64,
    /// Amazon EC2, or any server speaking its Query API; absent: no EC2 IaaS.
    pub ec2: Option<Ec2Config>,
}

impl Default for IaasConfig {
    fn default() -> Self {
        IaasConfig {
            default: None,
            node_protocol: "http".into(),
            node_port: 2375,
            ec2: None,
        }
    }
}

/// `iaas: ec2:` (durations in seconds). The credentials are write-only: never logged, never
/// sent back.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Ec2Config {
    /// Base URL; empty: `https://ec2.<region>.amazonaws.com`.
    pub endpoint: String,
    /// Region requests are signed for.
    pub region: String,
    /// Access key id.
    pub key_id: Secret,
    /// Secret access key.
    pub secret_key: Secret,
    /// Longest one EC2 call may take.
    pub timeout: f64,
    /// Longest a new machine may take to run (tsuru's `wait-timeout`: 300).
    pub wait_timeout: f64,
    /// Pause between two looks at a booting machine.
    pub poll_interval: f64,
}

impl Default for Ec2Config {
    fn default() -> Self {
        Ec2Config {
            endpoint: String::new(),
            region: "us-east-1".into(),
            key_id: Secret::from(""),
            secret_key: Secret::from(""),
            timeout: 30.0,
            wait_timeout: 300.0,
            poll_interval: 2.0,
        }
    }
}

/// The Kubernetes provisioner (durations in seconds, as tsuru's `kubernetes:` keys).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct KubernetesSettings {
    /// Bound of each request to a cluster's API server.
    pub api_timeout: f64,
    /// How long a rollout may go without a new ready unit.
    pub deployment_progress_timeout: f64,
    /// Whether adding a node creates its `Node` object (otherwise it must exist).
    pub register_node: bool,
}

impl Default for KubernetesSettings {
    fn default() -> Self {
        KubernetesSettings {
            api_timeout: 60.0,
            deployment_progress_timeout: 600.0,
            register_node: false,
        }
    }
}

/// Webhook delivery: retries, timeouts and the delivery worker (durations in seconds).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct WebhookSettings {
    /// Calls per delivery before giving up (5xx, timeouts and connection errors are retried;
    /// 4xx are not).
    pub max_attempts: u32,
    /// Wait before the first retry; it doubles for each next one (capped at an hour).
    pub retry_backoff: f64,
    /// How often the worker looks for due deliveries (it is also woken by new events).
    pub poll_interval: f64,
    /// Longest a call may take, from connecting to reading the response.
    pub timeout: f64,
    /// Longest connecting (and the TLS handshake) may take.
    pub connect_timeout: f64,
    /// Calls in flight at once in this process.
    pub concurrency: usize,
    /// Days finished deliveries stay readable.
    pub retention_days: u64,
    /// CIDR blocks hooks may call although they are not public (loopback, private,
    /// link-local, ...): by default hooks reach public addresses only. A list, or a
    /// comma-separated string (`TSURU_WEBHOOK__ALLOWED_NETWORKS=10.0.0.0/8,::1/128`).
    #[serde(deserialize_with = "list_or_csv")]
    pub allowed_networks: Vec<String>,
}

/// A list of strings, or one comma-separated string (as environment variables give).
fn list_or_csv<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(l) => l,
        ListOrCsv::Csv(s) => s
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
    })
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            max_attempts: 5,
            retry_backoff: 2.0,
            poll_interval: 2.0,
            timeout: 60.0,
            connect_timeout: 15.0,
            concurrency: 16,
            retention_days: 7,
            allowed_networks: Vec::new(),
        }
    }
}

impl WebhookSettings {
    fn validate(&self) -> anyhow::Result<()> {
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "webhook.{key} must be a positive number of seconds"
                ))
            }
        };
        if self.max_attempts == 0 {
            anyhow::bail!("webhook.max-attempts must be at least 1");
        }
        if !(self.retry_backoff.is_finite() && self.retry_backoff >= 0.0) {
            anyhow::bail!("webhook.retry-backoff must be zero or a positive number of seconds");
        }
        positive("poll-interval", self.poll_interval)?;
        positive("timeout", self.timeout)?;
        positive("connect-timeout", self.connect_timeout)?;
        if self.concurrency == 0 {
            anyhow::bail!("webhook.concurrency must be at least 1");
        }
        tsuru_adapters::webhook_http::AllowedNetworks::parse(&self.allowed_networks)?;
        Ok(())
    }
}

/// SMTP relay (tsuru's `smtp:` section).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SmtpSettings {
    /// `host[:port]`, port 25 by default.
    pub server: String,
    /// Sender address, also the login user.
    pub user: String,
    /// Password for PLAIN auth.
    #[serde(default)]
    pub password: Option<Secret>,
    /// Upgrade with STARTTLS.
    #[serde(default)]
    pub starttls: bool,
}

/// HTTP server limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct ServerSettings {
    /// Largest accepted request body in bytes (413 beyond).
    pub max_body_size: usize,
    /// Seconds to drain in-flight requests on SIGTERM/SIGINT.
    pub shutdown_timeout: u64,
    /// Worker threads (0: one per core).
    pub workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            max_body_size: 10 * 1024 * 1024,
            shutdown_timeout: 30,
            workers: 0,
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (or `TSURU_CONFIG`) when given, then the environment.
    ///
    /// # Errors
    /// An unreadable file, a value of the wrong type (with its key), or invalid settings.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let (cfg, _) = Self::sources(file)?;
        let settings: Settings = cfg
            .try_deserialize()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The layers [`Settings::load`] reads, merged but not yet interpreted, and the file among
    /// them (`file`, or `TSURU_CONFIG`), if any.
    ///
    /// # Errors
    /// A file that does not exist or does not parse.
    pub fn sources(file: Option<&Path>) -> anyhow::Result<(config::Config, Option<PathBuf>)> {
        let env_file = std::env::var_os("TSURU_CONFIG").map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(env_file);
        let mut builder = config::Config::builder();
        if let Some(f) = &file {
            if !f.exists() {
                anyhow::bail!("config file {} does not exist", f.display());
            }
            builder = builder
                .add_source(config::File::from(f.as_path()).format(config::FileFormat::Yaml));
        }
        for (key, value) in std::env::vars() {
            if let Some(path) = env_key(&key) {
                builder = builder.set_override(path, value)?;
            }
        }
        Ok((builder.build()?, file))
    }

    /// Checks values that serde cannot.
    ///
    /// # Errors
    /// The first invalid setting, named by its key.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !["auto", "memory", "mongodb"].contains(&self.storage.as_str()) {
            anyhow::bail!(
                "storage: unknown adapter {:?} (\"auto\", \"memory\" or \"mongodb\")",
                self.storage
            );
        }
        if self.storage_kind() == "mongodb" {
            if self.database.url.trim().is_empty() {
                anyhow::bail!("database.url is required with the mongodb storage");
            }
            if self.database.name.trim().is_empty() {
                anyhow::bail!("database.name is required with the mongodb storage");
            }
        }
        if self.event.lock_expiry == 0 {
            anyhow::bail!("event.lock-expiry must be at least 1 second");
        }
        if self.auth.scheme != "native" {
            anyhow::bail!(
                "auth.scheme: only \"native\" is supported, got {:?}",
                self.auth.scheme
            );
        }
        if !(4..=31).contains(&self.auth.hash_cost) {
            anyhow::bail!(
                "Invalid value for setting \"auth:hash-cost\": it must be between 4 and 31."
            );
        }
        match &self.auth.jwt_secret {
            Some(s) if s.expose().len() < 16 => anyhow::bail!("auth.jwt-secret must be at least 16 bytes long"),
            None if !self.dev => anyhow::bail!(
                "auth.jwt-secret is required (set TSURU_AUTH__JWT_SECRET, or run with --dev for a throw-away secret)"
            ),
            _ => {}
        }
        if !["pretty", "json"].contains(&self.log.format.as_str()) {
            anyhow::bail!(
                "log.format must be \"pretty\" or \"json\", got {:?}",
                self.log.format
            );
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            anyhow::bail!("admin-email and admin-password go together");
        }
        self.webhook.validate()?;
        for (key, v) in [
            ("api-timeout", self.kubernetes.api_timeout),
            (
                "deployment-progress-timeout",
                self.kubernetes.deployment_progress_timeout,
            ),
        ] {
            if !(v.is_finite() && v > 0.0 && v < 1e9) {
                anyhow::bail!("kubernetes.{key} must be a positive number of seconds");
            }
        }
        Ok(())
    }
}

impl Settings {
    /// The storage adapter in effect: `storage`, with `auto` resolved (memory in dev mode,
    /// MongoDB otherwise).
    pub fn storage_kind(&self) -> &str {
        match self.storage.as_str() {
            "auto" if self.dev => "memory",
            "auto" => "mongodb",
            other => other,
        }
    }
}

/// The config key an environment variable sets, if it is one of ours.
fn env_key(var: &str) -> Option<String> {
    if var == "TSURU_MONGODB_URL" {
        return Some("database.url".into());
    }
    let rest = var.strip_prefix("TSURU_")?;
    if rest.is_empty() || NOT_CONFIG.contains(&var) {
        return None;
    }
    Some(
        rest.split("__")
            .map(|part| part.to_lowercase().replace('_', "-"))
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_map_to_kebab_keys() {
        assert_eq!(
            env_key("TSURU_AUTH__HASH_COST").as_deref(),
            Some("auth.hash-cost")
        );
        assert_eq!(env_key("TSURU_LISTEN").as_deref(), Some("listen"));
        assert_eq!(env_key("TSURU_ADMIN_EMAIL").as_deref(), Some("admin-email"));
        assert_eq!(env_key("TSURU_TOKEN"), None);
        assert_eq!(
            env_key("TSURU_MONGODB_URL").as_deref(),
            Some("database.url")
        );
        assert_eq!(
            env_key("TSURU_DATABASE__NAME").as_deref(),
            Some("database.name")
        );
        assert_eq!(
            env_key("TSURU_EVENT__LOCK_EXPIRY").as_deref(),
            Some("event.lock-expiry")
        );
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
        assert!(
            printed.contains("mail.example.com"),
            "the rest still prints"
        );
    }

    fn from_yaml(yaml: &str) -> Settings {
        config::Config::builder()
            .add_source(config::File::from_str(yaml, config::FileFormat::Yaml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap()
    }

    #[test]
    fn tsurus_provisioner_and_routers_shapes_are_read() {
        let s = from_yaml(
            "provisioner: kubernetes\nrouters:\n  galeb:\n    type: galeb\n    api-url: http://galeb\n  ingress:\n    type: kubernetes-ingress\n    default: true\n",
        );
        assert_eq!(s.provisioner.default, "kubernetes");
        assert_eq!(s.provisioner.domain, "tsuru.localhost");
        let routers: Vec<(&str, &str, bool)> = s
            .routers
            .iter()
            .map(|r| (r.name.as_str(), r.r#type.as_str(), r.default))
            .collect();
        assert_eq!(
            routers,
            [
                ("galeb", "galeb", false),
                ("ingress", "kubernetes-ingress", true)
            ]
        );

        let s = from_yaml(
            "provisioner:\n  default: simulated\n  domain: apps.example\nrouters:\n  - name: r1\n    type: simulated\n",
        );
        assert_eq!(
            (
                s.provisioner.default.as_str(),
                s.provisioner.domain.as_str()
            ),
            ("simulated", "apps.example")
        );
        assert_eq!(s.routers[0].name, "r1");
    }

    #[test]
    fn a_secret_is_required_outside_dev_mode() {
        let s = Settings::default();
        assert!(s.validate().unwrap_err().to_string().contains("jwt-secret"));
        let dev = Settings {
            dev: true,
            ..Settings::default()
        };
        assert!(dev.validate().is_ok());
    }

    #[test]
    fn webhook_settings_are_validated() {
        let mut s = Settings {
            dev: true,
            ..Settings::default()
        };
        s.webhook.max_attempts = 0;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("max-attempts"));
        s.webhook.max_attempts = 1;
        s.webhook.poll_interval = 0.0;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("poll-interval"));
        s.webhook.poll_interval = 0.1;
        s.webhook.retry_backoff = -1.0;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("retry-backoff"));
        s.webhook.retry_backoff = 0.0;
        assert!(s.validate().is_ok());
        s.webhook.allowed_networks = vec!["10.0.0.0/40".into()];
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("allowed-networks"));
    }

    #[test]
    fn the_documented_webhook_section_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/tsurud.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let file: Settings = config::Config::builder()
            .add_source(config::File::from_str(&text, config::FileFormat::Yaml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
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
        let dev = Settings {
            dev: true,
            ..Settings::default()
        };
        assert_eq!(dev.storage_kind(), "memory");
        assert_eq!(Settings::default().storage_kind(), "mongodb");
        let forced = Settings {
            dev: true,
            storage: "mongodb".into(),
            ..Settings::default()
        };
        assert_eq!(forced.storage_kind(), "mongodb");
        let bad = Settings {
            dev: true,
            storage: "postgres".into(),
            ..Settings::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("storage"));
        let no_expiry = Settings {
            dev: true,
            event: EventSettings {
                lock_expiry: 0,
                ..EventSettings::default()
            },
            ..Settings::default()
        };
        assert!(no_expiry
            .validate()
            .unwrap_err()
            .to_string()
            .contains("event.lock-expiry"));
    }
}

#[cfg(test)]
mod shipped_file {
    use super::*;

    #[test]
    fn the_documented_config_file_loads_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/tsurud.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let file: Settings = config::Config::builder()
            .add_source(config::File::from_str(&text, config::FileFormat::Yaml))
            .build()
            .unwrap()
            .try_deserialize()
            .unwrap();
        let d = Settings::default();
        assert_eq!(file.listen, d.listen);
        assert_eq!(file.auth.hash_cost, d.auth.hash_cost);
        assert_eq!(file.auth.token_expire_days, d.auth.token_expire_days);
        assert_eq!(file.auth.max_failed_logins, d.auth.max_failed_logins);
        assert_eq!(file.auth.max_password_resets, d.auth.max_password_resets);
        assert_eq!(
            file.auth.password_reset_window,
            d.auth.password_reset_window
        );
        assert_eq!(file.server.max_body_size, d.server.max_body_size);
        assert_eq!(file.log.format, d.log.format);
        assert_eq!(file.storage, d.storage);
        assert_eq!(file.database.url, d.database.url);
        assert_eq!(file.database.name, d.database.name);
        assert_eq!(file.event.lock_expiry, d.event.lock_expiry);
    }
}
