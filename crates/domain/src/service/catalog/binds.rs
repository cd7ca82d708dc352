//! Binding an app to an instance and unbinding it.
use super::*;

impl ServiceCatalog {
    pub(super) async fn bind_checks(
        &self,
        identity: &Identity,
        service_name: &str,
        name: &str,
        app: &str,
        scheme: &str,
    ) -> Result<(Service, ServiceInstance, App)> {
        let app = self.apps.find(app).await?;
        let service = self.find_service(service_name).await?;
        let instance = self.find_instance(&service.name, name).await?;
        // tsuru checks the instance's name alone (not `<service>/<instance>`); both count here.
        let mut ctxs = instance.contexts();
        ctxs.push(Context::team(&instance.team_owner));
        ctxs.push(Context::new(ContextType::ServiceInstance, &instance.name));
        identity.require(&format!("service-instance.update.{scheme}"), &ctxs)?;
        identity.require(&format!("app.update.{scheme}"), &app.contexts())?;
        if scheme == "bind" {
            self.check_pool_allows(&app, &service).await?;
        }
        Ok((service, instance, app))
    }

    /// tsuru's `ValidateService`: the app's pool exists and its `service` constraint allows
    /// the service.
    ///
    /// # Errors
    /// 404 [`POOL_NOT_FOUND`]; 400 [`NO_SERVICE_FOR_POOL`] or
    /// [`crate::service::service_not_available_for_pool`].
    pub(super) async fn check_pool_allows(&self, app: &App, service: &Service) -> Result<()> {
        if self.backends.pools.find(&app.pool).await?.is_none() {
            return Err(Error::not_found(POOL_NOT_FOUND));
        }
        match self.backends.pool_refuses(&app.pool, &service.name).await? {
            None => Ok(()),
            Some(allowed) if allowed.is_empty() => Err(Error::bad_request(NO_SERVICE_FOR_POOL)),
            Some(allowed) => Err(Error::bad_request(service_not_available_for_pool(
                &service.name,
                &app.pool,
                &allowed,
            ))),
        }
    }

    pub(super) fn bind_event(
        &self,
        app: &crate::app::App,
        service: &str,
        instance: &str,
        kind: &str,
        call: &Call,
    ) -> NewEvent {
        let mut ev = NewEvent::new(
            Target::new("app", &app.name),
            kind,
            call,
            Allowed::new("app.read.events", app.contexts()),
        );
        ev.extra_targets.push(ExtraTarget { target: target(service, instance), lock: true });
        ev
    }

    /// Binds an app: the service API's variables become private env vars of the app (the app
    /// restarts unless `no_restart`). When a later step fails, the earlier ones are undone,
    /// the remote binding included.
    ///
    /// # Errors
    /// 404 app, service or instance; 403; 409 already bound; 502 the service API.
    #[tracing::instrument(skip_all)]
    pub async fn bind_app(
        &self,
        call: &Call,
        binding: AppBinding,
        parameters: BTreeMap<String, String>,
        out: Out,
    ) -> Result<BindOutcome> {
        let (service_name, name, app_name, no_restart) = binding.parts();
        let (service, instance, app) =
            self.bind_checks(call, service_name, name, app_name, "bind").await?;
        let ev = self.bind_event(&app, &service.name, name, "app.update.bind", call);
        self.run(ev, out, |info, progress| async move {
            // Read again under the event's locks.
            let mut instance = self.find_instance(&service.name, &instance.name).await?;
            if instance.apps.iter().any(|a| a == app_name) {
                return Err(Error::conflict(APP_ALREADY_BOUND));
            }
            let info = self.call_in(&service, &instance.pool, info).await?;
            // The app's pool and cluster, when the pool is still there.
            let placement = match self.backends.placement(&app.pool).await {
                Err(e) if e.is_not_found() => None,
                other => other?,
            };
            let target = BindApp {
                name: app.name.clone(),
                hosts: self.apps.bind_hosts(&app).await,
                placement,
                parameters,
            };
            let client = self.client(&service);
            let envs = match client
                .bind_app(InstanceCall::new(&service, &mut instance, &info), &target)
                .await
            {
                Ok(envs) => envs,
                Err(e) => {
                    let status = client.status(&service, &instance, &info).await;
                    return Err(with_status(e, name, status));
                }
            };
            instance.apps.push(app.name.clone());
            let manager = env_manager(&service.name, name);
            let stored = async {
                self.instances.update(&instance).await?;
                if let Err(e) =
                    self.apps.set_bound_env(&app.name, &manager, &envs, no_restart, &progress).await
                {
                    instance.apps.retain(|a| a != app_name);
                    if let Err(undo) = self.instances.update(&instance).await {
                        tracing::error!(error = %undo, "could not undo the bind in storage");
                    }
                    return Err(e);
                }
                Ok(())
            }
            .await;
            if let Err(e) = stored {
                if let Err(undo) = client
                    .unbind_app(InstanceCall::new(&service, &mut instance, &info), &target)
                    .await
                {
                    tracing::error!(error = %undo, "could not undo the bind at the service API");
                }
                return Err(e);
            }
            progress.write(&format!("\nInstance {name:?} is now bound to the app {app_name:?}.\n"));
            let mut names: Vec<String> = envs.keys().cloned().collect();
            names.sort();
            if !names.is_empty() {
                progress.write(
                    "The following environment variables are available for use in your app:\n\n",
                );
                for n in &names {
                    progress.write(&format!("- {n}\n"));
                }
                progress.write("- TSURU_SERVICES\n");
            }
            Ok(BindOutcome { envs: names })
        })
        .await
    }

    /// Unbinds an app: removes the binding at the service API (a binding it does not know is
    /// fine; other failures only with `force`) and the app's variables from it.
    ///
    /// # Errors
    /// 404 app, service or instance; 403; 400 not bound; 502 the service API.
    #[tracing::instrument(skip_all)]
    pub async fn unbind_app(
        &self,
        call: &Call,
        binding: AppBinding,
        force: bool,
        out: Out,
    ) -> Result<()> {
        let (service_name, name, app_name, no_restart) = binding.parts();
        let (service, _, app) =
            self.bind_checks(call, service_name, name, app_name, "unbind").await?;
        let ev = self.bind_event(&app, &service.name, name, "app.update.unbind", call);
        self.run(ev, out, |info, progress| async move {
            let mut instance = self.find_instance(&service.name, name).await?;
            self.unbind_steps(
                &service,
                &mut instance,
                app_name,
                no_restart,
                force,
                &info,
                &progress,
            )
            .await?;
            progress.write(&format!(
                "\nInstance {name:?} is not bound to the app {app_name:?} anymore.\n"
            ));
            Ok(())
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn unbind_steps(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        app_name: &str,
        no_restart: bool,
        force: bool,
        call: &CallInfo,
        progress: &Progress,
    ) -> Result<()> {
        if !instance.apps.iter().any(|a| a == app_name) {
            return Err(Error::bad_request(APP_NOT_BOUND));
        }
        let app = self.apps.find(app_name).await?;
        let target = BindApp {
            name: app.name.clone(),
            hosts: self.apps.bind_hosts(&app).await,
            placement: None,
            parameters: BTreeMap::new(),
        };
        // A pool that is gone (not found) skips the remote call, as in tsuru.
        let remote = match self.call_in(service, &instance.pool, call.clone()).await {
            Ok(call) => {
                self.client(service)
                    .unbind_app(InstanceCall::new(service, instance, &call), &target)
                    .await
            }
            Err(e) => Err(e),
        };
        match remote {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) if force => {
                tracing::warn!(error = %e, "[unbind-app-endpoint] ignored error due to force");
                progress.write(&format!("[unbind-app-endpoint] ignored error due to force: {e}\n"));
            }
            Err(e) => return Err(e),
        }
        instance.apps.retain(|a| a != app_name);
        self.instances.update(instance).await?;
        self.apps
            .unset_bound_env(
                app_name,
                &env_manager(&service.name, &instance.name),
                no_restart,
                progress,
            )
            .await
    }
}
