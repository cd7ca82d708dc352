//! Instance use cases: create, update, remove, info, status and access.
use super::*;

impl ServiceCatalog {
    /// Creates an instance: at the service API first, then stored; when storing fails the
    /// remote instance is removed again.
    ///
    /// # Errors
    /// 404 service; 403; 400 name, team or pool; 409 duplicate; 502 the service API.
    #[tracing::instrument(skip_all, fields(service = %service_name))]
    pub async fn create_instance(
        &self,
        call: &Call,
        service_name: &str,
        new: NewInstance,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let owner = if new.team_owner.is_empty() {
            auto_team_owner(call, "service-instance.create", self.teams.as_ref()).await?
        } else {
            new.team_owner.clone()
        };
        call.require("service-instance.create", &[Context::team(&owner)])?;
        if service.is_restricted {
            call.require("service.read", &service.team_contexts())?;
        }
        let contexts = vec![
            Context::team(&owner),
            Context::new(ContextType::ServiceInstance, format!("{}/{}", service.name, new.name)),
        ];
        let ev = self.instance_event(
            &service.name,
            &new.name,
            "service-instance.create",
            call,
            contexts,
        );
        self.run(ev, Arc::new(crate::output::Discard), |info, _| async move {
            validate_instance_name(&new.name)?;
            if self.instances.find(&service.name, &new.name).await?.is_some() {
                return Err(Error::conflict(crate::service::INSTANCE_ALREADY_EXISTS));
            }
            if self.teams.find(&owner).await?.is_none() {
                return Err(Error::bad_request(TEAM_OWNER_MISSING));
            }
            if !service.is_multi_cluster && !new.pool.is_empty() {
                return Err(Error::bad_request(
                    "regular (non-multi-cluster) service instance cannot belong to a pool",
                ));
            }
            if service.is_multi_cluster && new.pool.is_empty() {
                return Err(Error::bad_request(
                    "multi-cluster service instance requires a pool",
                ));
            }
            // 404 for an unknown pool; the endpoint named after the pool's cluster.
            let info = self.call_in(&service, &new.pool, info).await?;
            if service.is_multi_cluster {
                if let Some(allowed) = self.backends.pool_refuses(&new.pool, &service.name).await? {
                    return Err(Error::bad_request(if allowed.is_empty() {
                        NO_SERVICE_FOR_POOL.to_string()
                    } else {
                        service_not_in_pool(&service.name, &new.pool)
                    }));
                }
            }
            let mut instance = ServiceInstance {
                name: new.name.clone(),
                service_name: service.name.clone(),
                plan_name: new.plan,
                teams: vec![owner.clone()],
                team_owner: owner,
                description: new.description,
                tags: clean_tags(new.tags),
                parameters: string_parameters(new.parameters),
                pool: new.pool,
                ..ServiceInstance::default()
            };
            self.client(&service)
                .create(InstanceCall::new(&service, &mut instance, &info))
                .await?;
            if let Err(e) = self.instances.insert(&instance).await {
                if let Err(undo) = self
                    .client(&service)
                    .destroy(InstanceCall::new(&service, &mut instance, &info))
                    .await
                {
                    tracing::error!(error = %undo, "could not remove the instance at the service API after a failed store");
                }
                return Err(e);
            }
            Ok(())
        })
        .await
    }

    /// Updates an instance (a full replacement of its editable fields), then tells the
    /// service API.
    ///
    /// # Errors
    /// 404; 403 for each changed field without its permission; 400 nothing changed or unknown
    /// team; 502 the service API.
    #[tracing::instrument(skip_all)]
    pub async fn update_instance(
        &self,
        call: &Call,
        service_name: &str,
        name: &str,
        upd: InstanceUpdate,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let mut instance = self.find_instance(&service.name, name).await?;
        let ctxs = instance.contexts();
        let tags = clean_tags(upd.tags);
        let parameters = string_parameters(upd.parameters);
        let mut changed = false;
        for (differs, perm) in [
            (upd.description != instance.description, "description"),
            (upd.team_owner != instance.team_owner, "teamowner"),
            (upd.plan != instance.plan_name, "plan"),
            (tags != instance.tags, "tags"),
            (parameters != instance.parameters, "parameters"),
        ] {
            if differs {
                call.require(&format!("service-instance.update.{perm}"), &ctxs)?;
                changed = true;
            }
        }
        if !changed {
            return Err(Error::bad_request(NOTHING_TO_UPDATE));
        }
        if upd.team_owner.is_empty() {
            return Err(Error::bad_request(
                "please specify the team that owns the service instance",
            ));
        }
        let ev = self.instance_event(&service.name, name, "service-instance.update", call, ctxs);
        self.run(ev, Arc::new(crate::output::Discard), |info, _| async move {
            if self.teams.find(&upd.team_owner).await?.is_none() {
                return Err(Error::bad_request(TEAM_OWNER_MISSING));
            }
            let info = self.call_in(&service, &instance.pool, info).await?;
            let before = instance.clone();
            instance.description = upd.description;
            instance.plan_name = upd.plan;
            instance.tags = tags;
            instance.parameters = parameters;
            if !instance.teams.contains(&upd.team_owner) {
                instance.teams.push(upd.team_owner.clone());
            }
            instance.team_owner = upd.team_owner;
            self.client(&service)
                .update(InstanceCall::new(&service, &mut instance, &info))
                .await?;
            if let Err(e) = self.instances.update(&instance).await {
                let mut back = before;
                if let Err(undo) = self.client(&service).update(InstanceCall::new(&service, &mut back, &info)).await {
                    tracing::error!(error = %undo, "could not restore the instance at the service API after a failed store");
                }
                return Err(e);
            }
            Ok(())
        })
        .await
    }

    /// Removes an instance (unbinding its apps first with `unbind_all`), streaming progress.
    ///
    /// # Errors
    /// 404; 403; 400 while apps are bound; 502 the service API (unless `ignore_errors`).
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(skip_all)]
    pub async fn remove_instance(
        &self,
        call: &Call,
        service_name: &str,
        name: &str,
        unbind_all: bool,
        ignore_errors: bool,
        out: Out,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let instance = self.find_instance(&service.name, name).await?;
        call.require("service-instance.delete", &instance.contexts())?;
        let ev = self.instance_event(
            &service.name,
            name,
            "service-instance.delete",
            call,
            instance.contexts(),
        );
        self.run(ev, out, |info, progress| async move {
            let mut instance = instance;
            if unbind_all {
                for app in instance.apps.clone() {
                    progress.write(&format!("Unbind app {app:?} ...\n"));
                    self.unbind_steps(&service, &mut instance, &app, false, ignore_errors, &info, &progress)
                        .await?;
                    progress.write(&format!(
                        "\nInstance {name:?} is not bound to the app {app:?} anymore.\n"
                    ));
                }
                instance = self.find_instance(&service.name, name).await?;
            }
            if !instance.apps.is_empty() {
                let apps = instance.apps.join(",");
                return Err(Error::bad_request(format!("Applications bound to the service \"{name}\": \"{apps}\"\n: This service instance is bound to at least one app. Unbind them before removing it")));
            }
            let operation = instance.broker_data.clone();
            let destroyed = match self.call_in(&service, &instance.pool, info).await {
                Ok(info) => {
                    self.client(&service)
                        .destroy(InstanceCall::new(&service, &mut instance, &info))
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = destroyed {
                if !ignore_errors {
                    // A broker's removal that failed or is still running is kept with its
                    // operation, so the instance's status tells how it went.
                    if instance.broker_data != operation {
                        if let Err(store) = self.instances.update(&instance).await {
                            tracing::error!(error = %store, "could not store the broker's operation");
                        }
                    }
                    return Err(e);
                }
                progress.write(&format!("could not delete the service instance on service api: {e}. ignoring this error due to force removal...\n"));
            }
            self.instances.delete(&service.name, name).await?;
            progress.write("service instance successfully removed\n");
            Ok(())
        })
        .await
    }

    /// An instance with its plan description and custom information.
    ///
    /// # Errors
    /// 404; 403 without `service-instance.read`; 502 when the service API is unreachable.
    #[tracing::instrument(skip_all)]
    pub async fn instance_info(
        &self,
        identity: &Identity,
        service_name: &str,
        name: &str,
    ) -> Result<InstanceInfo> {
        let service = self.find_service(service_name).await?;
        let instance = self.find_instance(&service.name, name).await?;
        identity.require("service-instance.read", &instance.contexts())?;
        let call = self.call_in(&service, &instance.pool, CallInfo::default()).await?;
        let client = self.client(&service);
        let custom_info = client.info(&service, &instance, &call).await?.into_iter().collect();
        let plan_description = client
            .plans(&service, &instance.pool, &call)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.name == instance.plan_name)
            .map(|p| p.description)
            .unwrap_or_default();
        Ok(InstanceInfo { instance, plan_description, custom_info })
    }

    /// The instance's status as the service API reports it.
    ///
    /// # Errors
    /// 404; 403 without `service-instance.read.status`; 502
    /// `Could not retrieve status of service instance, error: <err>`.
    #[tracing::instrument(skip_all)]
    pub async fn instance_status(
        &self,
        identity: &Identity,
        service_name: &str,
        name: &str,
    ) -> Result<String> {
        let service = self.find_service(service_name).await?;
        let instance = self.find_instance(&service.name, name).await?;
        identity.require("service-instance.read.status", &instance.contexts())?;
        let status = match self.call_in(&service, &instance.pool, CallInfo::default()).await {
            Ok(call) => self.client(&service).status(&service, &instance, &call).await,
            Err(e) => Err(e),
        };
        status.map_err(|e| {
            Error::upstream(format!("Could not retrieve status of service instance, error: {e}"))
        })
    }

    /// Gives (or takes away) a team access to an instance.
    ///
    /// # Errors
    /// 404 instance or team; 403; 400 revoking the owner.
    #[tracing::instrument(skip_all)]
    pub async fn instance_access(
        &self,
        call: &Call,
        service_name: &str,
        name: &str,
        team: &str,
        grant: bool,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let mut instance = self.find_instance(&service.name, name).await?;
        let kind =
            if grant { "service-instance.update.grant" } else { "service-instance.update.revoke" };
        call.require(kind, &instance.contexts())?;
        let ev = self.instance_event(&service.name, name, kind, call, instance.contexts());
        self.events
            .run(ev, async {
                if self.teams.find(team).await?.is_none() {
                    return Err(Error::not_found("team not found"));
                }
                if grant {
                    if !instance.teams.iter().any(|t| t == team) {
                        instance.teams.push(team.to_string());
                    }
                } else {
                    if instance.team_owner == team {
                        return Err(Error::bad_request(CANNOT_REVOKE_OWNER));
                    }
                    instance.teams.retain(|t| t != team);
                }
                self.instances.update(&instance).await
            })
            .await
    }
}
