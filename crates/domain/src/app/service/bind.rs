//! Variables that service bindings set (`managed_by` = `tsuru-service/<service>/<instance>`),
//! for the service aggregate: no event and no permission check of their own, they run inside
//! the bind's event, which holds the app's lock.
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{AppService, UnitsWanted};
use crate::app::{env_name_error, env_name_storable, App, EnvVar};
use crate::output::{Output, Progress};
use crate::service::ENV_MANAGER_PREFIX;
use crate::{Error, Result};

/// `TSURU_SERVICES`: `{"<service>":[{"instance_name","envs":{name:value}}]}` from the bound
/// variables.
pub(super) fn services_json(app: &App) -> String {
    let mut by_service: BTreeMap<String, BTreeMap<String, Map<String, Value>>> = BTreeMap::new();
    for e in app.env.values() {
        let Some(rest) = e.managed_by.strip_prefix(ENV_MANAGER_PREFIX) else {
            continue;
        };
        let Some((service, instance)) = rest.split_once('/') else {
            continue;
        };
        by_service
            .entry(service.to_string())
            .or_default()
            .entry(instance.to_string())
            .or_default()
            .insert(e.name.clone(), Value::String(e.value.clone()));
    }
    let out: Map<String, Value> = by_service
        .into_iter()
        .map(|(svc, instances)| {
            let list: Vec<Value> = instances
                .into_iter()
                .map(|(name, envs)| json!({"instance_name": name, "envs": envs}))
                .collect();
            (svc, Value::Array(list))
        })
        .collect();
    Value::Object(out).to_string()
}

impl AppService {
    /// The external addresses of an app, for the service API.
    pub async fn bind_hosts(&self, app: &App) -> Vec<String> {
        self.describe(app.clone(), UnitsWanted::None)
            .await
            .addresses
            .into_iter()
            .map(|(_, a)| a)
            .collect()
    }

    /// Replaces the variables managed by `manager` with `envs` (private), then restarts the
    /// app unless `no_restart`. Runs under the caller's event.
    ///
    /// # Errors
    /// 404 for the app; 502 when a name is not a valid variable name (the service API's
    /// fault); storage and restart failures.
    pub async fn set_bound_env(
        &self,
        app: &str,
        manager: &str,
        envs: &BTreeMap<String, String>,
        no_restart: bool,
        progress: &Progress,
    ) -> Result<()> {
        if let Some(bad) =
            envs.keys().find(|n| env_name_error(n).is_some() || !env_name_storable(n))
        {
            return Err(Error::upstream(format!(
                "the service returned an invalid environment variable name: {bad:?}"
            )));
        }
        let mut app = self.find(app).await?;
        app.env.retain(|_, e| e.managed_by != manager);
        for (name, value) in envs {
            app.env.insert(
                name.clone(),
                EnvVar {
                    name: name.clone(),
                    value: value.clone(),
                    alias: String::new(),
                    public: false,
                    managed_by: manager.to_string(),
                },
            );
        }
        self.apps.update(&app).await?;
        self.restart_if_running(&app, no_restart, progress).await
    }

    /// Removes the variables managed by `manager`, then restarts unless `no_restart` (or
    /// nothing was removed).
    ///
    /// # Errors
    /// 404 for the app; storage and restart failures.
    pub async fn unset_bound_env(
        &self,
        app: &str,
        manager: &str,
        no_restart: bool,
        progress: &Progress,
    ) -> Result<()> {
        let mut app = self.find(app).await?;
        let before = app.env.len();
        app.env.retain(|_, e| e.managed_by != manager);
        if app.env.len() == before {
            return Ok(());
        }
        self.apps.update(&app).await?;
        self.restart_if_running(&app, no_restart, progress).await
    }

    /// Restarts the app after its volume binds changed, when it runs units, under the
    /// caller's event (which holds the app's lock).
    ///
    /// # Errors
    /// Provisioner failures.
    pub async fn restart_for_volumes(&self, app: &App, progress: &Progress) -> Result<()> {
        progress.write(&format!("---- Restarting the app {:?} ----\n", app.name));
        self.restart_if_running(app, false, progress).await
    }
}
