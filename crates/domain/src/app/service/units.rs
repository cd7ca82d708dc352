//! Adding and removing units of a process of a deployed version.

use super::{app_event, AppService};
use crate::app::{
    invalid_version, parse_units, unknown_process, App, AppVersion, MORE_THAN_ONE_VERSION,
    NO_VERSIONS_AVAILABLE, PROCESS_REQUIRED, STOPPED_UNITS, UNITS_BEFORE_FIRST_DEPLOY, ZERO_UNITS,
};
use crate::output::{Out, Output};
use crate::provision::{ProcessUnits, Provisioner, UnitStatus};
use crate::quota::Quota;
use crate::{Call, Error, Result};

/// The process of `version` a unit change applies to: `process`, or the version's only one.
fn resolve_process(version: &AppVersion, process: &str) -> Result<String> {
    if process.is_empty() {
        match version.process_names().as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(Error::bad_request(PROCESS_REQUIRED)),
        }
    } else if version.has_process(process) {
        Ok(process.to_string())
    } else {
        Err(unknown_process(process, version))
    }
}

/// Units to add to or remove from a process of a version, as sent.
#[derive(Debug, Clone, Default)]
pub struct UnitChange {
    /// Add (`true`) or remove.
    pub add: bool,
    /// How many, as sent (a whole number).
    pub units: String,
    /// The process (`""`: the version's only one).
    pub process: String,
    /// The version (`""`: the one deployed).
    pub version: String,
}

impl AppService {
    /// The stored successful version `reference` names (its image, `v<N>` or `<N>`).
    ///
    /// # Errors
    /// 400 `Invalid version: <reference>`; storage failures.
    pub(super) async fn named_version(&self, app: &App, reference: &str) -> Result<AppVersion> {
        self.versions
            .list(&app.name)
            .await?
            .into_iter()
            .rev()
            .find(|v| v.deploy_successful && v.is_named(reference))
            .ok_or_else(|| invalid_version(reference))
    }

    /// The version a unit change applies to: the one asked for; else the one deployed; else,
    /// when none is deployed, the latest successful one.
    ///
    /// # Errors
    /// 400 [`NO_VERSIONS_AVAILABLE`], [`MORE_THAN_ONE_VERSION`], [`UNITS_BEFORE_FIRST_DEPLOY`]
    /// or `Invalid version: <v>`.
    async fn unit_version(
        &self,
        app: &App,
        provisioner: &dyn Provisioner,
        version: &str,
    ) -> Result<AppVersion> {
        let version = version.trim();
        if !version.is_empty() && version != "0" {
            return self.named_version(app, version).await;
        }
        let stored = self.versions.list(&app.name).await?;
        match provisioner.deployed_versions(app).await?.as_slice() {
            [] => {
                let latest = stored
                    .into_iter()
                    .rev()
                    .find(|v| v.deploy_successful)
                    .ok_or_else(|| Error::bad_request(NO_VERSIONS_AVAILABLE))?;
                if app.deploys == 0 {
                    return Err(Error::bad_request(UNITS_BEFORE_FIRST_DEPLOY));
                }
                Ok(latest)
            }
            [one] => stored
                .into_iter()
                .find(|v| v.version == *one)
                .ok_or_else(|| invalid_version(&one.to_string())),
            _ => Err(Error::bad_request(MORE_THAN_ONE_VERSION)),
        }
    }

    /// Adds or removes units of a process (`""`: the version's only process) of a version
    /// (`""`: the one deployed). Adding stays within the app's unit quota; removing them all
    /// stops the process.
    ///
    /// # Errors
    /// 400 for a count that is not a whole number, before anything else; 404; 403 without
    /// `app.update.unit.add` (or `.remove`) on the app; when adding, 400 [`ZERO_UNITS`],
    /// [`STOPPED_UNITS`] and 403 `Quota exceeded...`; 400 for the version and process errors;
    /// provisioner failures.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn change_units(
        &self,
        call: &Call,
        name: &str,
        change: UnitChange,
        out: Out,
    ) -> Result<()> {
        let n = i64::from(parse_units(&change.units)?);
        let kind = if change.add { "app.update.unit.add" } else { "app.update.unit.remove" };
        let app = self.find(name).await?;
        call.require(kind, &app.contexts())?;
        self.events
            .run_logged(app_event(&app, kind, call, false), out, |progress| async move {
                if change.add && n == 0 {
                    return Err(Error::bad_request(ZERO_UNITS));
                }
                let provisioner = self.provisioner_of(&app).await?;
                let current = if change.add {
                    let current = provisioner.units(&app).await?;
                    if current.iter().any(|u| u.status == UnitStatus::Stopped) {
                        return Err(Error::bad_request(STOPPED_UNITS));
                    }
                    current
                } else {
                    Vec::new()
                };
                let version =
                    self.unit_version(&app, provisioner.as_ref(), &change.version).await?;
                let process = resolve_process(&version, &change.process)?;
                let delta = if change.add {
                    // The app's lock (this event) keeps other unit changes out until the
                    // units exist, so counting them is the reservation.
                    let inuse =
                        current.iter().filter(|u| u.status.counts_for_quota()).count() as i64;
                    Quota { limit: app.quota.limit, inuse }.check_inc(n)?;
                    progress.write(&format!(
                        "---- Adding {n} unit(s) to process {process:?} of version {} ----\n",
                        version.version
                    ));
                    n
                } else {
                    progress.write(&format!(
                        "---- Removing {n} unit(s) from process {process:?} of version {} ----\n",
                        version.version
                    ));
                    -n
                };
                provisioner
                    .scale(ProcessUnits::new(&app, &process, &version), delta, progress.as_ref())
                    .await
            })
            .await
    }
}
