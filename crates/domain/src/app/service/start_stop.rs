//! Starting, stopping and restarting an app (or one process, or one version). Stop records
//! each version's unit counts (`past_units`) so that start brings the same counts back. Before
//! the first deploy start and stop succeed and do nothing, as in tsuru.

use super::{app_event, AppService};
use crate::app::{unknown_process, App, AppVersion};
use crate::output::{Out, Output, Progress};
use crate::provision::{ProcessUnits, Provisioner, Restart, UnitStatus};
use crate::{Call, Result};

/// A change of the state of an app's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// Starts the stopped units with the counts recorded at stop.
    Start,
    /// Stops the units, recording how many ran.
    Stop,
    /// Restarts the units.
    Restart,
}

impl StateChange {
    /// The event kind, which is also the permission needed.
    fn kind(self) -> &'static str {
        match self {
            StateChange::Start => "app.update.start",
            StateChange::Stop => "app.update.stop",
            StateChange::Restart => "app.update.restart",
        }
    }
}

impl AppService {
    /// The versions a start or stop applies to: the one named, else every deployed one; each
    /// must run `process` when one is given.
    async fn versions_to_change(
        &self,
        app: &App,
        provisioner: &dyn Provisioner,
        process: &str,
        version: &str,
    ) -> Result<Vec<AppVersion>> {
        let version = version.trim();
        let chosen = if !version.is_empty() && version != "0" {
            vec![self.named_version(app, version).await?]
        } else {
            let deployed = provisioner.deployed_versions(app).await?;
            self.versions
                .list(&app.name)
                .await?
                .into_iter()
                .filter(|v| deployed.contains(&v.version))
                .collect()
        };
        if !process.is_empty() {
            if let Some(v) = chosen.iter().find(|v| !v.has_process(process)) {
                return Err(unknown_process(process, v));
            }
        }
        Ok(chosen)
    }

    /// Starts, stops or restarts the app's units (of `process`, or all; of `version`, or
    /// every deployed one), streaming the provisioner's output in the change's event.
    ///
    /// # Errors
    /// 404; 403 without `app.update.start`, `app.update.stop` or `app.update.restart` on the
    /// app; 400 for an unknown version or process; provisioner failures.
    #[tracing::instrument(skip_all, fields(app = %name, change = ?change))]
    #[allow(clippy::too_many_arguments)]
    pub async fn change_state(
        &self,
        call: &Call,
        name: &str,
        change: StateChange,
        process: &str,
        version: &str,
        out: Out,
    ) -> Result<()> {
        let app = self.find(name).await?;
        call.require(change.kind(), &app.contexts())?;
        // Only a restart can be canceled, as in tsuru.
        let cancelable = change == StateChange::Restart;
        self.events
            .run_logged(
                app_event(&app, change.kind(), call, cancelable),
                out,
                |progress| async move {
                    if change == StateChange::Restart {
                        progress.write(&if process.is_empty() {
                            format!("---- Restarting the app {:?} ----\n", app.name)
                        } else {
                            format!("---- Restarting process {process:?} ----\n")
                        });
                        return self
                            .provisioner_of(&app)
                            .await?
                            .restart(Restart::parse(&app, process, version)?, progress.as_ref())
                            .await;
                    }
                    let provisioner = self.provisioner_of(&app).await?;
                    let versions = self
                        .versions_to_change(&app, provisioner.as_ref(), process, version)
                        .await?;
                    let verb = if change == StateChange::Stop { "Stopping" } else { "Starting" };
                    progress.write(&if process.is_empty() {
                        format!("\n ---> {verb} the app {:?}\n", app.name)
                    } else {
                        format!("\n ---> {verb} the process {process:?}\n")
                    });
                    if change == StateChange::Stop {
                        self.stop_versions(&app, provisioner.as_ref(), process, versions, &progress)
                            .await
                    } else {
                        for v in versions {
                            provisioner
                                .start(ProcessUnits::new(&app, process, &v), progress.as_ref())
                                .await?;
                        }
                        Ok(())
                    }
                },
            )
            .await
    }

    /// Stops each version's units, recording first how many of each process ran.
    async fn stop_versions(
        &self,
        app: &App,
        provisioner: &dyn Provisioner,
        process: &str,
        versions: Vec<AppVersion>,
        progress: &Progress,
    ) -> Result<()> {
        let units = provisioner.units(app).await?;
        for mut v in versions {
            for p in v.process_names() {
                if !process.is_empty() && p != process {
                    continue;
                }
                let running = units
                    .iter()
                    .filter(|u| {
                        u.version == v.version
                            && u.process_name == p
                            && u.status != UnitStatus::Stopped
                    })
                    .count() as i64;
                if running > 0 {
                    v.past_units.insert(p, running);
                }
            }
            self.versions.update(&v).await?;
            provisioner.stop(ProcessUnits::new(app, process, &v), progress).await?;
        }
        Ok(())
    }
}
