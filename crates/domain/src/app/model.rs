use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::permission::{Context, ContextType};
use crate::plan::Plan;
use crate::quota::Quota;
use crate::{Error, Result};

static NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9-]{0,39}$").expect("static regex"));
static ENV_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[_a-zA-Z][_a-zA-Z0-9]*$").expect("static regex"));
static ENV_APP_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][-_a-zA-Z0-9]*$").expect("static regex"));

/// Whether `name` follows tsuru's rule for apps, pools and platforms: 1 to 40 of
/// `[a-z0-9-]`, starting with a letter.
pub fn valid_name(name: &str) -> bool {
    NAME_RE.is_match(name)
}

/// tsuru's text for an invalid app name.
pub const INVALID_APP_NAME: &str = "Invalid app name, your app should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.";

/// Validates an app name (`tsr` is reserved).
///
/// # Errors
/// 400 [`INVALID_APP_NAME`].
pub fn validate_app_name(name: &str) -> Result<()> {
    if valid_name(name) && name != "tsr" {
        Ok(())
    } else {
        Err(Error::bad_request(INVALID_APP_NAME))
    }
}

/// tsuru's text for a missing app: `App <name> not found.` (404).
pub fn app_not_found(name: &str) -> Error {
    Error::not_found(format!("App {name} not found."))
}

/// tsuru's text for an app name already taken (409).
pub fn app_already_exists(name: &str) -> Error {
    Error::conflict(format!(
        "tsuru failed to create the app {name:?}: there is already an app with this name"
    ))
}

/// Names the API refuses to set: tsuru writes them itself.
pub const RESERVED_ENVS: [&str; 5] =
    ["TSURU_APPNAME", "TSURU_APPDIR", "TSURU_SERVICES", "TSURU_APP_TOKEN", "TSURU_SERVICE"];

/// What private variables read back as.
pub const PRIVATE_VALUE: &str = "*** (private variable)";

/// Checks one variable name as tsuru's env-set does before the permission check.
pub fn env_name_error(name: &str) -> Option<String> {
    if RESERVED_ENVS.contains(&name) {
        return Some(format!(
            "cannot change an internal environment variable ({name}): write-protected environment variable"
        ));
    }
    if !ENV_RE.is_match(name) {
        return Some(format!("{name:?} is not valid environment variable name: a valid environment variable name must consist of alphabetic characters, digits, '_' and must not start with a digit: invalid environment variable name"));
    }
    None
}

/// The stricter rule applied when variables are stored.
pub fn env_name_storable(name: &str) -> bool {
    ENV_APP_RE.is_match(name)
}

/// An environment variable of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Name of another variable whose value this one takes.
    pub alias: String,
    /// Whether the value may be read back.
    pub public: bool,
    /// Tool managing it (for pruning).
    pub managed_by: String,
}

/// A router an app is exposed through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRouter {
    /// Router name.
    pub name: String,
    /// Router options.
    pub opts: BTreeMap<String, String>,
}

/// A label or annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataItem {
    /// Key.
    pub name: String,
    /// Value.
    pub value: String,
}

/// Labels and annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Labels.
    pub labels: Vec<MetadataItem>,
    /// Annotations.
    pub annotations: Vec<MetadataItem>,
}

/// An app (tsuru collection `apps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Unique name.
    pub name: String,
    /// Platform name.
    pub platform: String,
    /// Platform version (`""`: latest).
    pub platform_version: String,
    /// Teams with access (the owner first).
    pub teams: Vec<String>,
    /// Owning team.
    pub team_owner: String,
    /// Creator e-mail.
    pub owner: String,
    /// Plan (a copy, with overrides).
    pub plan: Plan,
    /// Pool.
    pub pool: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Labels and annotations.
    pub metadata: Metadata,
    /// Routers.
    pub routers: Vec<AppRouter>,
    /// Extra host names.
    pub cname: Vec<String>,
    /// Environment, by name.
    pub env: BTreeMap<String, EnvVar>,
    /// Deploy count.
    pub deploys: i64,
    /// Whether the next deploy rebuilds from the platform image.
    pub update_platform: bool,
    /// Unit quota.
    pub quota: Quota,
}

impl App {
    /// The contexts app permissions are checked against: its teams, itself and its pool.
    pub fn contexts(&self) -> Vec<Context> {
        let mut out: Vec<Context> = self.teams.iter().map(Context::team).collect();
        out.push(Context::new(ContextType::App, &self.name));
        out.push(Context::new(ContextType::Pool, &self.pool));
        out
    }

    /// `name`, or `name:version` when a version is pinned.
    pub fn platform_label(&self) -> String {
        if self.platform_version.is_empty() || self.platform_version == "latest" {
            self.platform.clone()
        } else {
            format!("{}:{}", self.platform, self.platform_version)
        }
    }

    /// Whether the alias chain of variable `name` reaches a private variable: its resolved
    /// value is then as secret as that one's.
    pub fn alias_reaches_private(&self, name: &str) -> bool {
        let mut seen = vec![name.to_string()];
        let mut target = self.env.get(name).map(|e| e.alias.clone()).unwrap_or_default();
        while !target.is_empty() && !seen.contains(&target) {
            match self.env.get(&target) {
                Some(t) if !t.public => return true,
                Some(t) => {
                    seen.push(target.clone());
                    target = t.alias.clone();
                }
                None => return false,
            }
        }
        false
    }

    /// The environment with aliases resolved (in sorted order, chains followed, unknown
    /// targets left as they are).
    pub fn resolved_env(&self) -> Vec<EnvVar> {
        let mut out: BTreeMap<String, EnvVar> = self.env.clone();
        let names: Vec<String> = out.keys().cloned().collect();
        for name in names {
            let mut seen = vec![name.clone()];
            let mut target = out.get(&name).map(|e| e.alias.clone()).unwrap_or_default();
            while !target.is_empty() && !seen.contains(&target) {
                match self.env.get(&target) {
                    Some(t) if !t.alias.is_empty() => {
                        seen.push(target.clone());
                        target = t.alias.clone();
                    }
                    Some(t) => {
                        let value = t.value.clone();
                        if let Some(e) = out.get_mut(&name) {
                            e.value = value;
                        }
                        break;
                    }
                    None => break,
                }
            }
        }
        out.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names() {
        assert!(validate_app_name("my-app1").is_ok());
        for bad in ["tsr", "My", "1a", "", "a_b", &"a".repeat(41)] {
            assert_eq!(validate_app_name(bad).unwrap_err().to_string(), INVALID_APP_NAME, "{bad}");
        }
    }

    #[test]
    fn env_names() {
        assert!(env_name_error("FOO_1").is_none());
        assert!(env_name_error("_X").is_none());
        assert!(!env_name_storable("_X"));
        assert!(env_name_error("TSURU_APPNAME").unwrap().contains("write-protected"));
        assert!(env_name_error("1X").unwrap().contains("is not valid environment variable name"));
    }
}
