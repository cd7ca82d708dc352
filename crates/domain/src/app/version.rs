use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Deploys that would need a build (an archive, uploaded files, a Dockerfile) are refused: only
/// images are deployed (400).
pub const BUILDS_NOT_SUPPORTED: &str = "builds are not supported; deploy an image";
/// A deploy that names no image (400).
pub const DEPLOY_NEEDS_IMAGE: &str = "you must specify the image to deploy";
/// `--new-version` deploys (several versions running side by side) are refused (400).
pub const NEW_VERSION_NOT_SUPPORTED: &str =
    "deploys with a new version beside the current ones are not supported";
/// Unit changes before the app has a successful version (400).
pub const NO_VERSIONS_AVAILABLE: &str = "no versions available for app";
/// Unit changes without a version when several are deployed (400).
pub const MORE_THAN_ONE_VERSION: &str = "more than one version deployed, you must select one";
/// Unit changes before the first deploy (400).
pub const UNITS_BEFORE_FIRST_DEPLOY: &str = "units can only be modified after the first deploy";
/// Adding 0 units (400).
pub const ZERO_UNITS: &str = "Cannot add zero units.";
/// Adding units while some are stopped (400).
pub const STOPPED_UNITS: &str = "Cannot add units to an app that has stopped units";
/// A unit count that is not a whole number (400).
pub const INVALID_UNITS: &str =
    "Invalid number of units: the number must be an integer greater than 0.";
/// Unit changes without a process when the version runs several (400).
pub const PROCESS_REQUIRED: &str =
    "no process name specified and more than one declared in Procfile";

/// A version or image the app does not have (or that never deployed): `Invalid version: <v>`
/// (400).
pub fn invalid_version(version: &str) -> Error {
    Error::bad_request(format!("Invalid version: {version}"))
}

/// Storing a version number the app already has (409).
pub fn version_exists(app: &str, version: i64) -> Error {
    Error::conflict(format!("version {version} of app {app:?} already exists"))
}

/// Replacing a version that is not stored (404).
pub fn version_not_found(app: &str, version: i64) -> Error {
    Error::not_found(format!("version {version} of app {app:?} not found"))
}

/// A process the version does not run (400).
pub fn unknown_process(process: &str, version: &AppVersion) -> Error {
    Error::bad_request(format!(
        "process {process:?} is not declared in version {} (processes: {})",
        version.version,
        version.process_names().join(", ")
    ))
}

/// Parses a unit count as tsuru does (a whole number, 0 included).
///
/// # Errors
/// 400 [`INVALID_UNITS`].
pub fn parse_units(units: &str) -> Result<u32> {
    units.trim().parse::<u32>().map_err(|_| Error::bad_request(INVALID_UNITS))
}

/// Reads a Procfile (`name: command` per line, `#` comments) into commands by process.
///
/// # Errors
/// 400 naming the first line that is not `name: command`.
pub fn parse_procfile(text: &str) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.split_once(':').and_then(|(name, cmd)| {
            let (name, cmd) = (name.trim(), cmd.trim());
            let name_ok = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            (name_ok && !cmd.is_empty()).then(|| (name.to_string(), cmd.to_string()))
        });
        match parsed {
            Some((name, cmd)) => {
                out.insert(name, vec![cmd]);
            }
            None => {
                return Err(Error::bad_request(format!(
                    "invalid Procfile line {line:?}: expected \"<process>: <command>\""
                )))
            }
        }
    }
    Ok(out)
}

/// One deployable version of an app (tsuru `app_versions`): version `N` runs `image`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppVersion {
    /// App name.
    pub app: String,
    /// Version number, from 1.
    pub version: i64,
    /// Image the version runs, as the deploy named it.
    pub image: String,
    /// Commands by process (`web` ...); empty: one `web` process running the image's own
    /// entrypoint and command.
    pub processes: BTreeMap<String, Vec<String>>,
    /// Ports the processes listen on (`8888/tcp` when none is known).
    pub exposed_ports: Vec<String>,
    /// Whether its deploy finished.
    pub deploy_successful: bool,
    /// Whether the deploy failed (kept for the deploy list).
    pub deploy_failed: bool,
    /// Units per process when the app was last stopped (start restores them).
    pub past_units: BTreeMap<String, i64>,
    /// Event id of the deploy that made it.
    pub event_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl AppVersion {
    /// Process names, `web` when the version declares none.
    pub fn process_names(&self) -> Vec<String> {
        if self.processes.is_empty() {
            vec!["web".to_string()]
        } else {
            self.processes.keys().cloned().collect()
        }
    }

    /// Whether the version runs `process`.
    pub fn has_process(&self, process: &str) -> bool {
        self.process_names().iter().any(|p| p == process)
    }

    /// Whether `reference` names this version: its image, `v<N>` or `<N>`.
    pub fn is_named(&self, reference: &str) -> bool {
        let r = reference.trim();
        r == self.image
            || r.strip_prefix('v').unwrap_or(r).parse::<i64>().ok() == Some(self.version)
    }
}

/// Storage of app versions.
#[async_trait]
pub trait AppVersionStorage: Send + Sync {
    /// Stores a new version.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] when (`app`, `version`) exists.
    async fn insert(&self, version: &AppVersion) -> Result<()>;
    /// Replaces a stored version.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] when (`app`, `version`) is not stored.
    async fn update(&self, version: &AppVersion) -> Result<()>;
    /// Versions of `app`, oldest first.
    async fn list(&self, app: &str) -> Result<Vec<AppVersion>>;
    /// Deletes every version of `app` (none stored is not an error).
    async fn delete_all(&self, app: &str) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procfiles_and_unit_counts() {
        let p = parse_procfile("# comment\nweb: ./run --port 8888\n\nworker:  ./work\n").unwrap();
        assert_eq!(p["web"], vec!["./run --port 8888".to_string()]);
        assert_eq!(p["worker"], vec!["./work".to_string()]);
        assert!(parse_procfile("web ./run").is_err());
        assert!(parse_procfile("we b: x").is_err());
        assert_eq!(parse_units(" 3 ").unwrap(), 3);
        for bad in ["", "-1", "x", "1.5"] {
            assert_eq!(parse_units(bad).unwrap_err().to_string(), INVALID_UNITS);
        }
    }
}
