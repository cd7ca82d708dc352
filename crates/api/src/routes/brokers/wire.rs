//! Wire types of `/brokers`. Credentials are read, never rendered: a broker's password and
//! token read back empty.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsuru_domain::service::{Broker, BrokerAuth};
use utoipa::ToSchema;

/// Basic auth.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct BasicAuthBody {
    #[serde(rename = "Username", default)]
    pub username: String,
    /// Write-only: always empty in answers.
    #[serde(rename = "Password", default)]
    pub password: String,
}

/// Bearer token.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct BearerBody {
    /// Write-only: always empty in answers.
    #[serde(rename = "Token", default)]
    pub token: String,
}

/// Either basic or bearer authentication.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct AuthConfigBody {
    #[serde(rename = "BasicAuthConfig", default)]
    pub basic_auth_config: Option<BasicAuthBody>,
    #[serde(rename = "BearerConfig", default)]
    pub bearer_config: Option<BearerBody>,
}

/// How to reach the broker.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct BrokerConfigBody {
    #[serde(rename = "AuthConfig", default)]
    pub auth_config: Option<AuthConfigBody>,
    #[serde(rename = "Insecure", default)]
    pub insecure: bool,
    /// Entries merged into every OSB `context`.
    #[serde(rename = "Context", default)]
    pub context: Option<BTreeMap<String, String>>,
    /// Catalog cache lifetime (0: keep the stored value on update, else an hour).
    #[serde(rename = "CacheExpirationSeconds", default)]
    pub cache_expiration_seconds: i64,
}

/// A broker, as sent and as listed (without credentials).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct BrokerBody {
    #[serde(rename = "Name", default)]
    #[schema(min_length = 1)]
    pub name: String,
    #[serde(rename = "URL", default)]
    pub url: String,
    #[serde(rename = "Config", default)]
    pub config: BrokerConfigBody,
}

impl From<BrokerBody> for Broker {
    fn from(b: BrokerBody) -> Self {
        let auth = b.config.auth_config.unwrap_or_default();
        Broker {
            name: b.name,
            url: b.url,
            auth: BrokerAuth {
                basic: auth
                    .basic_auth_config
                    .filter(|c| !c.username.is_empty() || !c.password.is_empty())
                    .map(|c| (c.username, c.password)),
                bearer: auth.bearer_config.map(|c| c.token).filter(|t| !t.is_empty()),
            },
            insecure: b.config.insecure,
            context: b.config.context.unwrap_or_default(),
            cache_expiration_seconds: b.config.cache_expiration_seconds,
        }
    }
}

impl From<Broker> for BrokerBody {
    fn from(b: Broker) -> Self {
        let auth = (b.auth.basic.is_some() || b.auth.bearer.is_some()).then(|| AuthConfigBody {
            basic_auth_config: b
                .auth
                .basic
                .map(|(username, _)| BasicAuthBody { username, password: String::new() }),
            bearer_config: b.auth.bearer.map(|_| BearerBody { token: String::new() }),
        });
        BrokerBody {
            name: b.name,
            url: b.url,
            config: BrokerConfigBody {
                auth_config: auth,
                insecure: b.insecure,
                context: (!b.context.is_empty()).then_some(b.context),
                cache_expiration_seconds: b.cache_expiration_seconds,
            },
        }
    }
}

/// `{"brokers": [...]}`.
#[derive(Serialize, ToSchema)]
pub struct BrokerListResponse {
    pub brokers: Vec<BrokerBody>,
}
