//! Environment variables: read, set, unset.

use super::{app_event, AppService};
use crate::app::{env_name_error, env_name_storable, EnvVar, PRIVATE_VALUE};
use crate::output::{Out, Output};
use crate::{Call, Error, Identity, Result};

/// Input of env-set.
#[derive(Debug, Clone, Default)]
pub struct EnvSet {
    /// Variables as (name, value, alias, private).
    pub envs: Vec<(String, String, String, bool)>,
    /// Tool managing them.
    pub managed_by: String,
    /// Skip the restart.
    pub no_restart: bool,
    /// Make every variable private.
    pub private: bool,
    /// Remove variables of `managed_by` that are not in `envs`.
    pub prune_unused: bool,
}

impl AppService {
    /// Environment variables: all (aliases resolved, plus `TSURU_SERVICES`) or the named
    /// stored ones (`None` when none matches). Private values read back masked.
    ///
    /// # Errors
    /// 404; 403 without `app.read.env` on the app.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn env(
        &self,
        identity: &Identity,
        name: &str,
        names: &[String],
    ) -> Result<Option<Vec<EnvVar>>> {
        let app = self.find(name).await?;
        identity.require("app.read.env", &app.contexts())?;
        let mask = |mut e: EnvVar| {
            if !e.public || app.alias_reaches_private(&e.name) {
                e.value = PRIVATE_VALUE.to_string();
            }
            e
        };
        if !names.is_empty() {
            let found: Vec<EnvVar> =
                names.iter().filter_map(|n| app.env.get(n).cloned()).map(mask).collect();
            return Ok((!found.is_empty()).then_some(found));
        }
        let mut all: Vec<EnvVar> =
            app.resolved_env().into_iter().filter(|e| e.name != "TSURU_SERVICES").collect();
        all.push(EnvVar {
            name: "TSURU_SERVICES".into(),
            value: super::bind::services_json(&app),
            alias: String::new(),
            public: false,
            managed_by: String::new(),
        });
        Ok(Some(all.into_iter().map(mask).collect()))
    }

    /// Sets variables, then restarts the app unless asked not to (or it has no units).
    ///
    /// # Errors
    /// 404; 400 for missing or invalid names; 403 without `app.update.env.set` on the app.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn set_env(&self, call: &Call, name: &str, set: EnvSet, out: Out) -> Result<()> {
        let app = self.find(name).await?;
        if set.managed_by.is_empty() && set.envs.is_empty() {
            return Err(Error::bad_request("You must provide the list of environment variables"));
        }
        if set.prune_unused && set.managed_by.is_empty() {
            return Err(Error::bad_request("Prune unused requires a managed-by value"));
        }
        let errors: Vec<String> = set.envs.iter().filter_map(|(n, ..)| env_name_error(n)).collect();
        if !errors.is_empty() {
            let text = if errors.len() == 1 {
                errors[0].clone()
            } else {
                let parts: Vec<String> =
                    errors.iter().enumerate().map(|(i, e)| format!("error {i}: {e}")).collect();
                format!("multiple errors reported ({}): {}", errors.len(), parts.join(" - "))
            };
            return Err(Error::bad_request(format!(
                "There were errors validating environment variables: {text}"
            )));
        }
        call.require("app.update.env.set", &app.contexts())?;
        if let Some((n, ..)) = set.envs.iter().find(|(n, ..)| !env_name_storable(n)) {
            return Err(Error::bad_request(format!("Invalid environment variable name: '{n}'")));
        }
        let ev = app_event(&app, "app.update.env.set", call, false);
        self.events
            .run_logged(ev, out, |progress| async move {
                async {
                    // Read under the app's lock: a copy read before it could overwrite
                    // what a concurrent writer stored meanwhile.
                    let mut app = self.find(&app.name).await?;
                    if !set.envs.is_empty() {
                        progress.write(&format!(
                            "---- Setting {} new environment variables ----\n",
                            set.envs.len()
                        ));
                    }
                    if set.prune_unused {
                        let keep: Vec<&String> = set.envs.iter().map(|(n, ..)| n).collect();
                        let pruned: Vec<String> = app
                            .env
                            .values()
                            .filter(|e| e.managed_by == set.managed_by && !keep.contains(&&e.name))
                            .map(|e| e.name.clone())
                            .collect();
                        for n in pruned {
                            progress.write(&format!(
                                "---- Pruning {n} from environment variables ----\n"
                            ));
                            app.env.remove(&n);
                        }
                    }
                    for (n, value, alias, private) in &set.envs {
                        let env = EnvVar {
                            name: n.clone(),
                            value: value.clone(),
                            alias: alias.clone(),
                            public: !(*private || set.private),
                            managed_by: set.managed_by.clone(),
                        };
                        app.env.insert(n.clone(), env);
                    }
                    self.apps.update(&app).await?;
                    self.restart_if_running(&app, set.no_restart, &progress).await
                }
                .await
            })
            .await
    }

    /// Unsets variables, then restarts as [`AppService::set_env`].
    ///
    /// # Errors
    /// 404; 400 without names; 403 without `app.update.env.unset` on the app.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn unset_env(
        &self,
        call: &Call,
        name: &str,
        names: &[String],
        no_restart: bool,
        out: Out,
    ) -> Result<()> {
        let app = self.find(name).await?;
        if names.first().is_none_or(String::is_empty) {
            return Err(Error::bad_request("You must provide the list of environment variables."));
        }
        call.require("app.update.env.unset", &app.contexts())?;
        let ev = app_event(&app, "app.update.env.unset", call, false);
        self.events
            .run_logged(ev, out, |progress| async move {
                async {
                    let mut app = self.find(&app.name).await?;
                    progress.write(&format!(
                        "---- Unsetting {} environment variables ----\n",
                        names.len()
                    ));
                    for n in names {
                        app.env.remove(n);
                    }
                    self.apps.update(&app).await?;
                    self.restart_if_running(&app, no_restart, &progress).await
                }
                .await
            })
            .await
    }
}
