//! The app's unit quota.
use async_trait::async_trait;

use super::{app_event, AppService, UnitsWanted};
use crate::quota::{parse_limit, Quota, QuotaUseCases};
use crate::{Call, Identity, Result};

#[async_trait]
impl QuotaUseCases for AppService {
    /// The app's unit quota, `inuse` counted from its units.
    ///
    /// # Errors
    /// 404; 403 without `app.read` on the app.
    #[tracing::instrument(skip_all, fields(app = %name))]
    async fn quota(&self, identity: &Identity, name: &str) -> Result<Quota> {
        let app = self.find(name).await?;
        identity.require("app.read", &app.contexts())?;
        Ok(self.describe(app, UnitsWanted::Ask).await.quota)
    }

    /// Sets the app's unit quota limit.
    ///
    /// # Errors
    /// 404; 403 without `app.admin.quota` on the app or below the units in use; 400 `Invalid limit`.
    #[tracing::instrument(skip_all, fields(app = %name))]
    async fn set_quota(&self, call: &Call, name: &str, limit: &str) -> Result<()> {
        let app = self.find(name).await?;
        call.require("app.admin.quota", &app.contexts())?;
        let ev = app_event(&app, "app.admin.quota", call, false);
        self.events
            .run(ev, async {
                let n = parse_limit(limit)?;
                let mut app = self.find(&app.name).await?;
                let current = self.describe(app.clone(), UnitsWanted::Ask).await.quota;
                app.quota = current.with_limit(n)?;
                app.quota.inuse = 0;
                self.apps.update(&app).await
            })
            .await
    }
}
