use std::collections::BTreeMap;

use serde_json::Value;

use crate::permission::{Context, ContextType};
use crate::{Error, Result};

/// tsuru's text for an unknown volume (404).
pub const VOLUME_NOT_FOUND: &str = "volume not found";
/// tsuru's text for a volume name already taken (409).
pub const VOLUME_ALREADY_EXISTS: &str = "volume already exists";
/// tsuru's text for a missing volume name (tsuru: 500; here 400).
pub const VOLUME_NAME_EMPTY: &str = "volume name cannot be empty";
/// tsuru's text for an invalid volume name (400).
pub const INVALID_VOLUME_NAME: &str = "Invalid volume name, volume name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter.";
/// tsuru's text for a pool that allows no volume plan (400).
pub const NO_VOLUME_PLAN_FOR_POOL: &str = "no volume-plan found for pool";
/// tsuru's text for a plan the pool's constraint does not allow (400).
pub const VOLUME_PLAN_NOT_IN_POOL: &str = "volume-plan not present in pool constraint";
/// tsuru's text for a second bind at the same mount point (409).
pub const VOLUME_ALREADY_BOUND: &str = "volume already bound in mountpoint";
/// tsuru's text for an unbind of a bind that does not exist (404).
pub const VOLUME_BIND_NOT_FOUND: &str = "volume bind not found";
/// tsuru's text for a delete while binds exist (tsuru: 500; here 409).
pub const VOLUME_HAS_BINDS: &str = "cannot delete volume with existing binds";
/// tsuru's text for a change to a volume the provisioner already created (409).
pub const VOLUME_ALREADY_PROVISIONED: &str = "updating a volume already provisioned is not supported, a new volume must be created and the old one deleted if necessary";
/// tsuru's text for a pool whose provisioner cannot mount volumes (400).
pub const NOT_A_VOLUME_PROVISIONER: &str = "provisioner is not a volume provisioner";
/// Our text for a bind without an app (400; tsuru looked up the empty name).
pub const BIND_APP_REQUIRED: &str = "App is required";
/// Our text for a bind without a mount point (400).
pub const BIND_MOUNT_POINT_REQUIRED: &str = "MountPoint is required";

/// tsuru's text for a plan missing from the configuration (tsuru: 500, a config error; here
/// 400).
pub fn plan_not_configured(plan: &str, provisioner: &str) -> Error {
    Error::bad_request(format!("config key \"volume-plans:{plan}:{provisioner}\" not found"))
}

/// A volume plan: its name and the options configured for one provisioner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VolumePlan {
    /// Name (the configuration key).
    pub name: String,
    /// Options for the provisioner (`storage-class`, `plugin`, `capacity`, `access-modes`, ...).
    pub opts: BTreeMap<String, Value>,
}

impl VolumePlan {
    /// The option `key` as text (numbers and booleans printed), if set.
    pub fn opt(&self, key: &str) -> Option<String> {
        match self.opts.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// The configured plans: plan name → provisioner name → options
/// (tsuru's `volume-plans:<plan>:<provisioner>:<opts>`).
#[derive(Debug, Clone, Default)]
pub struct VolumePlans(pub BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>);

impl VolumePlans {
    /// The plan `name` as configured for `provisioner`.
    pub fn find(&self, name: &str, provisioner: &str) -> Option<VolumePlan> {
        self.0
            .get(name)
            .and_then(|by| by.get(provisioner))
            .map(|opts| VolumePlan { name: name.to_string(), opts: opts.clone() })
    }

    /// Plan names configured for `provisioner`, sorted.
    pub fn names_for(&self, provisioner: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(_, by)| by.contains_key(provisioner))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Every plan per provisioner, plans sorted by name.
    pub fn by_provisioner(&self) -> BTreeMap<String, Vec<VolumePlan>> {
        let mut out: BTreeMap<String, Vec<VolumePlan>> = BTreeMap::new();
        for (name, by) in &self.0 {
            for (prov, opts) in by {
                out.entry(prov.clone())
                    .or_default()
                    .push(VolumePlan { name: name.clone(), opts: opts.clone() });
            }
        }
        out
    }
}

/// A persistent volume.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Volume {
    /// Unique name.
    pub name: String,
    /// Pool.
    pub pool: String,
    /// Plan, with its options copied from the configuration at create or update.
    pub plan: VolumePlan,
    /// Owner team.
    pub team_owner: String,
    /// Always empty (tsuru never sets it).
    pub status: String,
    /// Provisioner options (`capacity`, `access-modes`, plugin fields, ...).
    pub opts: BTreeMap<String, String>,
}

impl Volume {
    /// tsuru's `contextsForVolume`: the volume, its team owner, its pool.
    pub fn contexts(&self) -> Vec<Context> {
        vec![
            Context::new(ContextType::Volume, &self.name),
            Context::team(&self.team_owner),
            Context::new(ContextType::Pool, &self.pool),
        ]
    }
}

/// What identifies a bind: one app, one mount point, one volume.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VolumeBindId {
    /// App.
    pub app: String,
    /// Path inside the app's containers.
    pub mount_point: String,
    /// Volume.
    pub volume: String,
}

/// A volume mounted into an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeBind {
    /// Key.
    pub id: VolumeBindId,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A volume with its binds.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeInfo {
    /// The volume.
    pub volume: Volume,
    /// Its binds.
    pub binds: Vec<VolumeBind>,
}

/// Validates a volume name (tsuru's name rule: `^[a-z][a-z0-9-]{0,39}$`).
///
/// # Errors
/// 400 [`VOLUME_NAME_EMPTY`] or [`INVALID_VOLUME_NAME`].
pub fn validate_volume_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::bad_request(VOLUME_NAME_EMPTY));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !first_ok || !rest_ok || name.len() > 40 {
        return Err(Error::bad_request(INVALID_VOLUME_NAME));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_volume_name("v1").is_ok());
        assert!(validate_volume_name("a-b-0").is_ok());
        assert!(validate_volume_name(&"a".repeat(40)).is_ok());
        assert_eq!(validate_volume_name("").unwrap_err().to_string(), VOLUME_NAME_EMPTY);
        for bad in ["1v", "V", "a_b", "-a", &"a".repeat(41)] {
            assert_eq!(
                validate_volume_name(bad).unwrap_err().to_string(),
                INVALID_VOLUME_NAME,
                "{bad}"
            );
        }
    }

    #[test]
    fn plans_by_provisioner() {
        let mut p = VolumePlans::default();
        p.0.entry("nfs".into()).or_default().insert(
            "kubernetes".into(),
            BTreeMap::from([("plugin".into(), Value::String("nfs".into()))]),
        );
        p.0.entry("ebs".into()).or_default().insert("simulated".into(), BTreeMap::new());
        assert_eq!(p.names_for("kubernetes"), vec!["nfs"]);
        assert!(p.find("nfs", "simulated").is_none());
        assert_eq!(p.find("nfs", "kubernetes").unwrap().opt("plugin").unwrap(), "nfs");
        assert_eq!(p.by_provisioner().len(), 2);
    }
}
