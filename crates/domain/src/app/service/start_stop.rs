//! Starting and stopping an app (or one process, or one version). Stop records each version's
//! unit counts (`past_units`) so that start brings the same counts back. Before the first
//! deploy both succeed and do nothing, as in tsuru.
use std::sync::Arc;

use super::{app_event, AppService};
use crate::app::{unknown_process, App, AppVersion};
use crate::output::Output;
use crate::provision::Provisioner;
use crate::{Error, Identity, Origin, Result};

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

    /// Stops the app's units (of `process`, or all; of `version`, or every deployed one),
    /// recording how many ran so that start restores them.
    ///
    /// # Errors
    /// 404; 403 without `app.update.stop` on the app; 400 for an unknown version or process;
    /// provisioner failures.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn stop(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        process: &str,
        version: &str,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.update.stop", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.update.stop", identity, origin, false),
                out,
                |progress| async move {
                    let provisioner = self.provisioner_of(&app).await?;
                    let versions = self
                        .versions_to_change(&app, provisioner.as_ref(), process, version)
                        .await?;
                    progress.write(&if process.is_empty() {
                        format!("\n ---> Stopping the app {:?}\n", app.name)
                    } else {
                        format!("\n ---> Stopping the process {process:?}\n")
                    });
                    let units = provisioner.units(&app).await?;
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
                                        && u.status != crate::provision::UnitStatus::Stopped
                                })
                                .count() as i64;
                            if running > 0 {
                                v.past_units.insert(p, running);
                            }
                        }
                        self.versions.update(&v).await?;
                        provisioner
                            .stop(&app, process, &v, progress.as_ref())
                            .await?;
                    }
                    Ok(())
                },
            )
            .await
    }

    /// Starts the app's stopped units (of `process`, or all; of `version`, or every deployed
    /// one) with the counts recorded at stop.
    ///
    /// # Errors
    /// 404; 403 without `app.update.start` on the app; 400 for an unknown version or process;
    /// provisioner failures.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn start(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        process: &str,
        version: &str,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.update.start", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.update.start", identity, origin, false),
                out,
                |progress| async move {
                    let provisioner = self.provisioner_of(&app).await?;
                    let versions = self
                        .versions_to_change(&app, provisioner.as_ref(), process, version)
                        .await?;
                    progress.write(&if process.is_empty() {
                        format!("\n ---> Starting the app {:?}\n", app.name)
                    } else {
                        format!("\n ---> Starting the process {process:?}\n")
                    });
                    for v in versions {
                        provisioner
                            .start(&app, process, &v, progress.as_ref())
                            .await?;
                    }
                    Ok::<(), Error>(())
                },
            )
            .await
    }
}
