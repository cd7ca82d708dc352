//! Settings: compiled-in defaults, then a YAML file (`--config` or `TSURU_CONFIG`), then
//! environment variables. tsuru's kebab-case keys are accepted as they are.
//!
//! Environment variables map onto keys: `TSURU_` is dropped, `__` separates sections and `_`
//! becomes `-`, all lowercased: `TSURU_AUTH__HASH_COST=12` sets `auth.hash-cost`,
//! `TSURU_LISTEN` sets `listen`, `TSURU_ADMIN_EMAIL` sets `admin-email`. One alias:
//! `TSURU_MONGODB_URL` sets `database.url`.
mod provisioning;
mod sections;

pub use provisioning::*;
pub use sections::*;

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
const NOT_CONFIG: [&str; 4] = ["TSURU_CONFIG", "TSURU_TARGET", "TSURU_TOKEN", "TSURU_VERBOSITY"];

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

impl Settings {
    /// Loads defaults, then `file` (or `TSURU_CONFIG`) when given, then the environment.
    ///
    /// # Errors
    /// An unreadable file, a value of the wrong type (with its key), or invalid settings.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let (cfg, _) = Self::sources(file)?;
        let settings: Settings =
            cfg.try_deserialize().map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
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
            anyhow::bail!("auth.scheme: only \"native\" is supported, got {:?}", self.auth.scheme);
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
            anyhow::bail!("log.format must be \"pretty\" or \"json\", got {:?}", self.log.format);
        }
        if self.admin_email.is_some() != self.admin_password.is_some() {
            anyhow::bail!("admin-email and admin-password go together");
        }
        self.webhook.validate()?;
        for (key, v) in [
            ("api-timeout", self.kubernetes.api_timeout),
            ("deployment-progress-timeout", self.kubernetes.deployment_progress_timeout),
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
mod tests;
