//! Service use cases: listing, registering, updating, removing, docs, plans and access.
use super::*;

impl ServiceCatalog {
    /// Services the caller may read (owner teams, or named), plus every brokered service,
    /// each with its instances carrying every tag of `tags`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list_services(
        &self,
        identity: &Identity,
        tags: &[String],
    ) -> Result<Vec<InstanceListEntry>> {
        let (global, teams, named) = caller_contexts(identity, "service.read");
        let services = self
            .services_where(|s| {
                global || s.owner_teams.iter().any(|t| teams.contains(t)) || named.contains(&s.name)
            })
            .await?;
        let all = self.instances.list(None).await?;
        Ok(grouped(services, &all, |i| has_tags(i, tags)))
    }

    /// The registered services `keep` accepts, then every brokered service.
    async fn services_where(&self, keep: impl Fn(&Service) -> bool) -> Result<Vec<Service>> {
        let mut services: Vec<Service> = self.services.list().await?;
        services.retain(keep);
        services.extend(self.brokered_services().await?);
        Ok(services)
    }

    /// Instances the caller may read (filtered by bound `app` and `tags`), grouped by the
    /// services the caller may read, sorted by service name.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list_instances(
        &self,
        identity: &Identity,
        app: &str,
        tags: &[String],
    ) -> Result<Vec<InstanceListEntry>> {
        let (iglobal, iteams, inamed) = caller_contexts(identity, "service-instance.read");
        let inamed: Vec<String> = inamed
            .into_iter()
            .map(|v| v.split_once('/').map_or(v.clone(), |(_, i)| i.to_string()))
            .collect();
        let (sglobal, steams, snamed) = caller_contexts(identity, "service.read");
        let mut services = self
            .services_where(|s| {
                sglobal
                    || !s.is_restricted
                    || s.teams.iter().any(|t| steams.contains(t))
                    || snamed.contains(&s.name)
            })
            .await?;
        services.sort_by(|a, b| a.name.cmp(&b.name));
        let all = self.instances.list(None).await?;
        Ok(grouped(services, &all, |i| {
            (iglobal || i.teams.iter().any(|t| iteams.contains(t)) || inamed.contains(&i.name))
                && (app.is_empty() || i.apps.iter().any(|a| a == app))
                && has_tags(i, tags)
        }))
    }

    pub(super) fn validate_definition(def: &ServiceDefinition) -> Result<()> {
        if def.id.is_empty() {
            return Err(Error::bad_request(SERVICE_ID_REQUIRED));
        }
        if def.id.contains(crate::service::BROKER_SEPARATOR) {
            return Err(Error::bad_request(BROKERED_NOT_MANAGED));
        }
        if !crate::app::valid_name(&def.id) {
            return Err(Error::bad_request(INVALID_SERVICE_ID));
        }
        if def.password.is_empty() {
            return Err(Error::bad_request(SERVICE_PASSWORD_REQUIRED));
        }
        if def.endpoints.values().all(String::is_empty) {
            return Err(Error::bad_request(SERVICE_ENDPOINT_REQUIRED));
        }
        Ok(())
    }

    pub(super) async fn require_team(&self, team: &str) -> Result<()> {
        if self.teams.find(team).await?.is_none() {
            return Err(Error::bad_request(TEAM_OWNER_MISSING));
        }
        Ok(())
    }

    /// Registers a service.
    ///
    /// # Errors
    /// 400 for the definition or an unknown team; 403 without `service.create` on the team;
    /// 409 [`crate::service::SERVICE_ALREADY_EXISTS`].
    #[tracing::instrument(skip_all)]
    pub async fn create_service(&self, call: &Call, def: ServiceDefinition) -> Result<()> {
        let team = if def.team.is_empty() {
            auto_team_owner(call, "service.create", self.teams.as_ref())
                .await
                .map_err(|e| match e {
                    Error::BadRequest(_) => Error::bad_request(
                        "You must provide a team responsible for this service in the manifest file.",
                    ),
                    other => other,
                })?
        } else {
            def.team.clone()
        };
        call.require("service.create", &[Context::team(&team)])?;
        Self::validate_definition(&def)?;
        self.require_team(&team).await?;
        let service = Service {
            name: def.id.clone(),
            username: def.username.clone(),
            password: def.password.clone(),
            endpoints: def.endpoints.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            owner_teams: vec![team],
            is_multi_cluster: def.multi_cluster,
            ..Service::default()
        };
        let ev = self.service_event(&service, "service.create", call);
        self.events.run(ev, async { self.services.insert(&service).await }).await
    }

    /// Replaces a service's endpoints and credentials (and owner team when given).
    ///
    /// # Errors
    /// 404; 403 without `service.update`; 400 for the definition.
    #[tracing::instrument(skip_all)]
    pub async fn update_service(
        &self,
        call: &Call,
        name: &str,
        mut def: ServiceDefinition,
    ) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        call.require("service.update", &service.owner_contexts())?;
        def.id = name.to_string();
        Self::validate_definition(&def)?;
        if !def.team.is_empty() {
            self.require_team(&def.team).await?;
            service.owner_teams = vec![def.team.clone()];
        }
        service.username = def.username;
        service.password = def.password;
        service.endpoints = def.endpoints.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let ev = self.service_event(&service, "service.update", call);
        self.events.run(ev, async { self.services.update(&service).await }).await
    }

    pub(super) async fn find_registered(&self, name: &str) -> Result<Service> {
        if name.contains(crate::service::BROKER_SEPARATOR) {
            return Err(Error::bad_request(BROKERED_NOT_MANAGED));
        }
        self.services.find(name).await?.ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))
    }

    /// Removes a service without instances.
    ///
    /// # Errors
    /// 404; 403 without `service.delete`, or while it has instances.
    #[tracing::instrument(skip_all)]
    pub async fn remove_service(&self, call: &Call, name: &str) -> Result<()> {
        let service = self.find_registered(name).await?;
        call.require("service.delete", &service.owner_contexts())?;
        let ev = self.service_event(&service, "service.delete", call);
        self.events
            .run(ev, async {
                if !self.instances.list(Some(name)).await?.is_empty() {
                    return Err(Error::Forbidden(SERVICE_HAS_INSTANCES.into()));
                }
                self.services.delete(name).await
            })
            .await
    }

    /// The instances of a service the caller may read, with each one's custom information.
    ///
    /// # Errors
    /// 404.
    #[tracing::instrument(skip_all)]
    pub async fn service_info(
        &self,
        identity: &Identity,
        name: &str,
    ) -> Result<Vec<ServiceInfoEntry>> {
        let service = self.find_service(name).await?;
        let mut out = Vec::new();
        for instance in self.instances.list(Some(&service.name)).await? {
            if !identity.can("service-instance.read", &instance.contexts()) {
                continue;
            }
            let info = match self.call_in(&service, &instance.pool, CallInfo::default()).await {
                Ok(call) => self
                    .client(&service)
                    .info(&service, &instance, &call)
                    .await
                    .ok()
                    .map(|pairs| pairs.into_iter().collect()),
                Err(_) => None,
            };
            out.push(ServiceInfoEntry { instance, info });
        }
        Ok(out)
    }

    /// A service's documentation.
    ///
    /// # Errors
    /// 404; 403 for a restricted service without `service.read.doc`.
    pub async fn doc(&self, identity: &Identity, name: &str) -> Result<String> {
        let service = self.find_service(name).await?;
        if service.is_restricted {
            identity.require("service.read.doc", &service.team_contexts())?;
        }
        Ok(service.doc)
    }

    /// Replaces a service's documentation.
    ///
    /// # Errors
    /// 404; 403 without `service.update.doc`.
    pub async fn set_doc(&self, call: &Call, name: &str, doc: String) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        call.require("service.update.doc", &service.owner_contexts())?;
        service.doc = doc;
        let ev = self.service_event(&service, "service.update.doc", call);
        self.events.run(ev, async { self.services.update(&service).await }).await
    }

    /// The plans of a service.
    ///
    /// # Errors
    /// 404; 403 for a restricted service without `service.read.plans`; 502 when the service
    /// API cannot be reached.
    pub async fn plans(
        &self,
        identity: &Identity,
        name: &str,
        pool: &str,
    ) -> Result<Vec<ServicePlan>> {
        let service = self.find_service(name).await?;
        if service.is_restricted {
            identity.require("service.read.plans", &service.team_contexts())?;
        }
        let pool = if service.is_multi_cluster { pool } else { "" };
        // A pool that cannot be placed gives no plans, as in tsuru.
        let Ok(call) = self.call_in(&service, pool, CallInfo::default()).await else {
            return Ok(Vec::new());
        };
        self.client(&service).plans(&service, pool, &call).await
    }

    /// Gives (or takes away) a team access to a restricted service.
    ///
    /// # Errors
    /// 404; 403; 400 unknown team; 409 duplicates and missing grants.
    pub async fn service_access(
        &self,
        call: &Call,
        name: &str,
        team: &str,
        grant: bool,
    ) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        let kind =
            if grant { "service.update.grant-access" } else { "service.update.revoke-access" };
        call.require(kind, &service.owner_contexts())?;
        if self.teams.find(team).await?.is_none() {
            return Err(Error::bad_request("Team not found"));
        }
        let has = service.teams.iter().any(|t| t == team);
        if grant {
            if has {
                return Err(Error::conflict("This team already has access to this service"));
            }
            service.teams.push(team.to_string());
        } else {
            if !has {
                return Err(Error::conflict("This team does not have access to this service"));
            }
            if service.teams.len() < 2 {
                return Err(Error::Forbidden("You can not revoke the access from this team, because it is the unique team with access to this service, and a service can not be orphaned".into()));
            }
            service.teams.retain(|t| t != team);
        }
        service.is_restricted = true;
        let ev = self.service_event(&service, kind, call);
        self.events.run(ev, async { self.services.update(&service).await }).await
    }
}

/// Each of `services` with the instances of `all` that are its own and that `keep` accepts.
fn grouped(
    services: Vec<Service>,
    all: &[ServiceInstance],
    keep: impl Fn(&ServiceInstance) -> bool,
) -> Vec<InstanceListEntry> {
    services
        .into_iter()
        .map(|service| {
            let instances =
                all.iter().filter(|i| i.service_name == service.name && keep(i)).cloned().collect();
            InstanceListEntry { service, instances }
        })
        .collect()
}
