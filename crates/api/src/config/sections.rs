//! The storage, event, log, auth, quota, webhook, SMTP and server sections.
use super::*;

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
        DatabaseSettings { url: "mongodb://127.0.0.1:27017".into(), name: "tsuru".into() }
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
        EventSettings { lock_expiry: 300, app_lock_wait: 10 }
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
        LogSettings { format: "pretty".into(), level: "info".into() }
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
pub(super) fn list_or_csv<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(l) => l,
        ListOrCsv::Csv(s) => {
            s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
        }
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
    pub(super) fn validate(&self) -> anyhow::Result<()> {
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(anyhow::anyhow!("webhook.{key} must be a positive number of seconds"))
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
        ServerSettings { max_body_size: 10 * 1024 * 1024, shutdown_timeout: 30, workers: 0 }
    }
}
