//! App restart.
use std::sync::Arc;

use super::{app_event, AppService};
use crate::output::Output;
use crate::{Identity, Origin, Result};

impl AppService {
    /// Restarts the app (or one process), streaming the provisioner's output.
    ///
    /// # Errors
    /// 404; 403 without `app.update.restart` on the app; provisioner failures.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn restart(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        process: &str,
        version: &str,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let app = self.find(name).await?;
        identity.require("app.update.restart", &app.contexts())?;
        self.events
            .run_logged(
                app_event(&app, "app.update.restart", identity, origin, true),
                out,
                |progress| async move {
                    if process.is_empty() {
                        progress.write(&format!("---- Restarting the app {:?} ----\n", app.name));
                    } else {
                        progress.write(&format!("---- Restarting process {process:?} ----\n"));
                    }
                    self.provisioner_of(&app)
                        .await?
                        .restart(&app, process, version, progress.as_ref())
                        .await
                },
            )
            .await
    }
}
