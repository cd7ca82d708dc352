//! App removal.
use std::sync::Arc;

use super::{app_event, AppService};
use crate::app::App;
use crate::output::{Discard, Out, Output, Progress};
use crate::service::CallInfo;
use crate::volume::VolumeStorage;
use crate::{Call, Result};

impl AppService {
    /// Removes an app, streaming each step; failed steps are reported, not fatal. The app is
    /// first unbound from its service instances (forced, without restart, as tsuru does), so
    /// no instance keeps listing a removed app, then from its volumes.
    ///
    /// # Errors
    /// 404; 403 without `app.delete` on the app; a lock conflict.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn remove(&self, call: &Call, name: &str, out: Out) -> Result<()> {
        let app = self.find(name).await?;
        call.require("app.delete", &app.contexts())?;
        let event = self.events.start(app_event(&app, "app.delete", call, false)).await?;
        let info =
            CallInfo { user: event.owner.name.clone(), event_id: event.id.clone(), pool: None };
        let progress = Arc::new(Progress::new(out, self.events.clock()));
        progress.write(&format!("---- Removing application {:?}...\n", app.name));
        let mut failed = false;
        let mut step = |what: &str, r: Result<()>| {
            if let Err(e) = r {
                failed = true;
                progress.write(&format!("{what}: {e}\n"));
            }
        };
        if let Some(bindings) = self.bindings.get() {
            let hosts = self.bind_hosts(&app).await;
            step(
                "Unable to unbind app",
                bindings.unbind_removed_app(&app, hosts, &info, &progress).await,
            );
        }
        if let Some(volumes) = &self.volumes {
            step(
                "Unable to unbind volumes",
                self.unbind_volumes(&app, volumes.storage.as_ref()).await,
            );
        }
        step(
            "Unable to destroy app in provisioner",
            match self.provisioner_of(&app).await {
                Ok(p) => p.destroy(&app, &Discard).await,
                Err(e) => Err(e),
            },
        );
        step("Unable to release app quota", self.users.inc_quota(&app.owner, -1).await.map(|_| ()));
        step(
            "Unable to release team quota",
            self.teams.inc_quota(&app.team_owner, -1).await.map(|_| ()),
        );
        step("Unable to remove app versions", self.versions.delete_all(&app.name).await);
        step("Unable to remove app from db", self.apps.delete(&app.name).await);
        progress.write(if failed {
            "---- Done removing application. Some errors occurred during removal.\n"
        } else {
            "---- Done removing application.\n"
        });
        let outcome = Ok(());
        self.events.done_with_log(event, &outcome, None, progress.take_log()).await;
        outcome
    }

    /// Deletes every volume bind of the app (the volumes stay, and can be deleted then).
    async fn unbind_volumes(&self, app: &App, volumes: &dyn VolumeStorage) -> Result<()> {
        for bind in volumes.binds_of_app(&app.name).await? {
            match volumes.delete_bind(&bind.id).await {
                Ok(()) => {}
                // Removed meanwhile by an unbind: what this step wants.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
