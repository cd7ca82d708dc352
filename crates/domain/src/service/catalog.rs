//! Service use cases: the catalog (registered and brokered services), instances, bindings and
//! brokers.
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use super::{
    env_manager, service_not_available_for_pool, service_not_in_pool, split_brokered,
    string_parameters, validate_instance_name, BindApp, Broker, BrokerStorage, CallInfo,
    ClusterPlacement, Placement, Service, ServiceClient, ServiceInstance, ServiceInstanceStorage,
    ServicePlan, ServiceStorage, APP_ALREADY_BOUND, APP_NOT_BOUND, BROKERED_NOT_MANAGED,
    BROKER_NOT_FOUND, CANNOT_REVOKE_OWNER, EMPTY_BROKER_NAME, INSTANCE_NOT_FOUND,
    INVALID_SERVICE_ID, NOTHING_TO_UPDATE, NO_SERVICE_FOR_POOL, SERVICE_ENDPOINT_REQUIRED,
    SERVICE_HAS_INSTANCES, SERVICE_ID_REQUIRED, SERVICE_NOT_FOUND, SERVICE_PASSWORD_REQUIRED,
    TEAM_OWNER_MISSING, UNBIND_FAILED,
};
use crate::app::{App, AppBindings, AppService};
use crate::clock::Clock;
use crate::cluster::{cluster_for_pool, ClusterStorage};
use crate::event::{Allowed, Event, EventService, ExtraTarget, NewEvent, Target};
use crate::output::{Output, Progress};
use crate::permission::{contexts_for, Context, ContextType};
use crate::pool::{constraint_for, PoolStorage, POOL_NOT_FOUND};
use crate::team::{auto_team_owner, TeamStorage};
use crate::{Error, Identity, Origin, Result};

/// A registered service's definition (the manifest `tsuru service create` reads).
#[derive(Debug, Clone, Default)]
pub struct ServiceDefinition {
    /// Service id (its name).
    pub id: String,
    /// Basic-auth user (empty: the id).
    pub username: String,
    /// Basic-auth password.
    pub password: String,
    /// Endpoint per cluster, and `production`.
    pub endpoints: BTreeMap<String, String>,
    /// Owner team (empty: the caller's only team).
    pub team: String,
    /// Multi-cluster service.
    pub multi_cluster: bool,
}

/// A new instance.
#[derive(Debug, Clone, Default)]
pub struct NewInstance {
    /// Name.
    pub name: String,
    /// Plan.
    pub plan: String,
    /// Owner team (empty: the caller's only team).
    pub team_owner: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Plan parameters.
    pub parameters: BTreeMap<String, String>,
    /// Pool (multi-cluster services).
    pub pool: String,
}

/// An instance update: a full replacement of these fields.
#[derive(Debug, Clone, Default)]
pub struct InstanceUpdate {
    /// Description.
    pub description: String,
    /// Plan.
    pub plan: String,
    /// Owner team.
    pub team_owner: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Plan parameters.
    pub parameters: BTreeMap<String, String>,
}

/// One service of an instance listing, with the instances shown.
#[derive(Debug, Clone)]
pub struct InstanceListEntry {
    /// The service.
    pub service: Service,
    /// Its instances the caller may read.
    pub instances: Vec<ServiceInstance>,
}

/// An instance of `GET /services/{name}`, with what the service API says about it.
#[derive(Debug, Clone)]
pub struct ServiceInfoEntry {
    /// The instance.
    pub instance: ServiceInstance,
    /// Custom information (`None` when the service API failed).
    pub info: Option<BTreeMap<String, String>>,
}

/// The outcome of a bind: the variable names the app got.
#[derive(Debug, Clone, Default)]
pub struct BindOutcome {
    /// Names, sorted.
    pub envs: Vec<String>,
}

/// A new broker, or the replacement of one.
#[derive(Debug, Clone, Default)]
pub struct NewBroker {
    /// The broker.
    pub broker: Broker,
}

/// The full view of one instance.
#[derive(Debug, Clone)]
pub struct InstanceInfo {
    /// The instance.
    pub instance: ServiceInstance,
    /// Plan description from the service ("" when unknown).
    pub plan_description: String,
    /// Custom information from the service API.
    pub custom_info: BTreeMap<String, String>,
}

/// Service, instance and broker use cases.
pub struct ServiceCatalog {
    services: Arc<dyn ServiceStorage>,
    instances: Arc<dyn ServiceInstanceStorage>,
    brokers: Arc<dyn BrokerStorage>,
    teams: Arc<dyn TeamStorage>,
    apps: Arc<AppService>,
    events: Arc<EventService>,
    clock: Arc<dyn Clock>,
    backends: Arc<Backends>,
}

/// What reaching a service's API takes: the stored services, instances and brokers, the pools
/// and clusters that choose an endpoint, and the two clients. Shared by the use cases and by
/// app removal (which holds it as its [`AppBindings`], without a cycle back to the apps).
struct Backends {
    services: Arc<dyn ServiceStorage>,
    instances: Arc<dyn ServiceInstanceStorage>,
    brokers: Arc<dyn BrokerStorage>,
    pools: Arc<dyn PoolStorage>,
    clusters: Arc<dyn ClusterStorage>,
    native: Arc<dyn ServiceClient>,
    osb: Arc<dyn ServiceClient>,
}

impl Backends {
    fn client(&self, service: &Service) -> &dyn ServiceClient {
        if service.broker.is_some() {
            self.osb.as_ref()
        } else {
            self.native.as_ref()
        }
    }

    async fn find_service(&self, name: &str) -> Result<Service> {
        if let Some((broker, svc)) = split_brokered(name) {
            let b = self
                .brokers
                .find(broker)
                .await?
                .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))?;
            let catalog = self.osb.catalog(&b).await?;
            let found = catalog
                .into_iter()
                .find(|c| c.name == svc)
                .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))?;
            return Ok(brokered(&b, &found.name, &found.description));
        }
        self.services
            .find(name)
            .await?
            .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))
    }

    /// Every brokered service (brokers whose catalog fails are skipped and logged).
    async fn brokered_services(&self) -> Result<Vec<Service>> {
        let mut out = Vec::new();
        for b in self.brokers.list().await? {
            match self.osb.catalog(&b).await {
                Ok(catalog) => {
                    out.extend(
                        catalog
                            .iter()
                            .map(|c| brokered(&b, &c.name, &c.description)),
                    );
                }
                Err(e) => tracing::warn!(broker = %b.name, error = %e, "broker catalog failed"),
            }
        }
        Ok(out)
    }

    /// `pool` with the cluster serving it (tsuru's `FindByPool`: the cluster of the pool's
    /// provisioner that lists it, else that provisioner's default cluster); `None` for no pool.
    ///
    /// # Errors
    /// 404 [`POOL_NOT_FOUND`]; storage failures.
    async fn placement(&self, pool: &str) -> Result<Option<Placement>> {
        if pool.is_empty() {
            return Ok(None);
        }
        let pool = self
            .pools
            .find(pool)
            .await?
            .ok_or_else(|| Error::not_found(POOL_NOT_FOUND))?;
        let clusters = self.clusters.list().await?;
        let cluster =
            cluster_for_pool(&clusters, &pool.provisioner, &pool.name).map(|c| ClusterPlacement {
                name: c.name.clone(),
                provisioner: c.provisioner.clone(),
                addresses: c.addresses.clone(),
                kube_config: c
                    .custom_data
                    .get("propagate-kubeconfig")
                    .filter(|v| v.as_str() == "true")
                    .and(c.kube_config.as_ref())
                    .and_then(|k| serde_json::to_string(k).ok()),
            });
        Ok(Some(Placement {
            pool: pool.name,
            provisioner: pool.provisioner,
            cluster,
        }))
    }

    /// `call` for an instance of `service` in `pool` (brokers learn nothing of pools).
    ///
    /// # Errors
    /// As [`Backends::placement`].
    async fn call_in(&self, service: &Service, pool: &str, mut call: CallInfo) -> Result<CallInfo> {
        if service.broker.is_none() {
            call.pool = self.placement(pool).await?;
        }
        Ok(call)
    }

    /// Whether `pool` allows `service` (its `service` constraint); when it does not, the
    /// services it allows, registered and brokered.
    ///
    /// # Errors
    /// Storage failures.
    async fn pool_refuses(&self, pool: &str, service: &str) -> Result<Option<Vec<String>>> {
        let constraints = self.pools.constraints().await?;
        let Some(c) = constraint_for(&constraints, pool, "service") else {
            return Ok(None);
        };
        if c.allows(service) {
            return Ok(None);
        }
        let mut names: Vec<String> = self
            .services
            .list()
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        names.extend(self.brokered_services().await?.into_iter().map(|s| s.name));
        Ok(Some(names.into_iter().filter(|n| c.allows(n)).collect()))
    }

    /// Unbinds one instance from a removed app: the remote unbind is forced (its failure is
    /// reported on `progress`), then the instance, read again, lets go of the app.
    async fn unbind_removed(
        &self,
        mut instance: ServiceInstance,
        target: &BindApp,
        call: &CallInfo,
        progress: &Progress,
    ) -> Result<()> {
        let remote = async {
            let service = self.find_service(&instance.service_name).await?;
            let call = self.call_in(&service, &instance.pool, call.clone()).await?;
            match self
                .client(&service)
                .unbind_app(&service, &mut instance, target, &call)
                .await
            {
                Err(e) if e.is_not_found() => Ok(()),
                other => other,
            }
        }
        .await;
        if let Err(e) = &remote {
            tracing::warn!(error = %e, instance = %instance.name, "[unbind-app-endpoint] ignored error due to force");
            progress.write(&format!(
                "[unbind-app-endpoint] ignored error due to force: {e}\n"
            ));
        }
        // Read again: a bind of another app may have landed since the list.
        let Some(mut fresh) = self
            .instances
            .find(&instance.service_name, &instance.name)
            .await?
        else {
            return Ok(());
        };
        fresh.apps.retain(|a| a != &target.name);
        if remote.is_ok() {
            if let Some(data) = fresh.broker_data.as_mut() {
                data.binds.remove(&target.name);
            }
        }
        self.instances.update(&fresh).await
    }
}

#[async_trait]
impl AppBindings for Backends {
    async fn unbind_removed_app(
        &self,
        app: &App,
        hosts: Vec<String>,
        call: &CallInfo,
        progress: &Progress,
    ) -> Result<()> {
        let target = BindApp {
            name: app.name.clone(),
            hosts,
            placement: None,
            parameters: BTreeMap::new(),
        };
        let mut failures = Vec::new();
        for instance in self.instances.list(None).await? {
            if !instance.apps.contains(&app.name) {
                continue;
            }
            let name = instance.name.clone();
            if let Err(e) = self.unbind_removed(instance, &target, call, progress).await {
                failures.push(format!("- {name} ({e})"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Error::unexpected(format!(
                "{UNBIND_FAILED}\n{}",
                failures.join("\n")
            )))
        }
    }
}

fn target(service: &str, instance: &str) -> Target {
    Target::new("service-instance", format!("{service}/{instance}"))
}

/// The owner-side permission contexts of the teams the caller holds `scheme` on, plus the
/// named services.
fn caller_contexts(identity: &Identity, scheme: &str) -> (bool, Vec<String>, Vec<String>) {
    let ctxs = contexts_for(&identity.permissions, scheme, &[]);
    let global = ctxs.iter().any(|c| c.ctype == ContextType::Global);
    let pick = |t: ContextType| -> Vec<String> {
        ctxs.iter()
            .filter(|c| c.ctype == t)
            .map(|c| c.value.clone())
            .collect()
    };
    let teams = pick(ContextType::Team);
    let named = if scheme.starts_with("service-instance") {
        pick(ContextType::ServiceInstance)
    } else {
        pick(ContextType::Service)
    };
    (global, teams, named)
}

fn has_tags(instance: &ServiceInstance, tags: &[String]) -> bool {
    tags.iter().all(|t| instance.tags.contains(t))
}

fn clean_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

impl ServiceCatalog {
    /// Builds the use cases; `native` reaches registered services, `osb` brokers; `store`
    /// holds the teams, and the pools and clusters that choose a service endpoint. App removal
    /// unbinds the app from its instances once given [`ServiceCatalog::app_bindings`]
    /// ([`AppService::set_bindings`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new<S>(
        services: Arc<dyn ServiceStorage>,
        instances: Arc<dyn ServiceInstanceStorage>,
        brokers: Arc<dyn BrokerStorage>,
        store: Arc<S>,
        apps: Arc<AppService>,
        events: Arc<EventService>,
        clock: Arc<dyn Clock>,
        native: Arc<dyn ServiceClient>,
        osb: Arc<dyn ServiceClient>,
    ) -> Self
    where
        S: TeamStorage + PoolStorage + ClusterStorage + 'static,
    {
        let backends = Arc::new(Backends {
            services: services.clone(),
            instances: instances.clone(),
            brokers: brokers.clone(),
            pools: store.clone(),
            clusters: store.clone(),
            native,
            osb,
        });
        ServiceCatalog {
            services,
            instances,
            brokers,
            teams: store,
            apps,
            events,
            clock,
            backends,
        }
    }

    /// What app removal needs to unbind a removed app from its service instances (give it to
    /// [`AppService::set_bindings`]).
    pub fn app_bindings(&self) -> Arc<dyn AppBindings> {
        self.backends.clone()
    }

    fn client(&self, service: &Service) -> &dyn ServiceClient {
        self.backends.client(service)
    }

    /// Runs `work` under an event, with the call info the service API gets and a progress
    /// that is streamed to `out` and kept in the event's log.
    async fn run<T, F, Fut>(&self, ev: NewEvent, out: Arc<dyn Output>, work: F) -> Result<T>
    where
        F: FnOnce(CallInfo, Arc<Progress>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let event: Event = self.events.start(ev).await?;
        let call = CallInfo {
            user: event.owner.name.clone(),
            event_id: event.id.clone(),
            pool: None,
        };
        let progress = Arc::new(Progress::new(out, self.clock.clone()));
        let outcome = work(call, progress.clone()).await;
        self.events
            .done_with_log(event, &outcome, None, progress.take_log())
            .await;
        outcome
    }

    fn instance_event(
        &self,
        service: &str,
        instance: &str,
        kind: &str,
        identity: &Identity,
        origin: &Origin,
        contexts: Vec<Context>,
    ) -> NewEvent {
        NewEvent::new(
            target(service, instance),
            kind,
            identity,
            origin,
            Allowed::new("service-instance.read.events", contexts),
        )
    }

    fn service_event(
        &self,
        service: &Service,
        kind: &str,
        identity: &Identity,
        origin: &Origin,
    ) -> NewEvent {
        NewEvent::new(
            Target::new("service", &service.name),
            kind,
            identity,
            origin,
            Allowed::new("service.read.events", service.owner_contexts()),
        )
    }

    // ---- lookups ----

    /// The service `name`: registered, or brokered (`<broker>::<service>`).
    ///
    /// # Errors
    /// 404 [`SERVICE_NOT_FOUND`]; 404 [`BROKER_NOT_FOUND`] for a brokered name of an unknown
    /// broker (tsuru: 500); 502 when the broker's catalog cannot be read.
    pub async fn find_service(&self, name: &str) -> Result<Service> {
        self.backends.find_service(name).await
    }

    async fn find_instance(&self, service: &str, name: &str) -> Result<ServiceInstance> {
        self.instances
            .find(service, name)
            .await?
            .ok_or_else(|| Error::not_found(INSTANCE_NOT_FOUND))
    }

    /// Every brokered service (brokers whose catalog fails are skipped and logged).
    async fn brokered_services(&self) -> Result<Vec<Service>> {
        self.backends.brokered_services().await
    }

    /// `call` with the placement of `pool` for `service`'s API.
    async fn call_in(&self, service: &Service, pool: &str, call: CallInfo) -> Result<CallInfo> {
        self.backends.call_in(service, pool, call).await
    }

    // ---- services ----

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
        let mut services: Vec<Service> = self
            .services
            .list()
            .await?
            .into_iter()
            .filter(|s| {
                global || s.owner_teams.iter().any(|t| teams.contains(t)) || named.contains(&s.name)
            })
            .collect();
        services.extend(self.brokered_services().await?);
        let all = self.instances.list(None).await?;
        Ok(services
            .into_iter()
            .map(|service| {
                let instances = all
                    .iter()
                    .filter(|i| i.service_name == service.name && has_tags(i, tags))
                    .cloned()
                    .collect();
                InstanceListEntry { service, instances }
            })
            .collect())
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
        let mut services: Vec<Service> = self
            .services
            .list()
            .await?
            .into_iter()
            .filter(|s| {
                sglobal
                    || !s.is_restricted
                    || s.teams.iter().any(|t| steams.contains(t))
                    || snamed.contains(&s.name)
            })
            .collect();
        services.extend(self.brokered_services().await?);
        services.sort_by(|a, b| a.name.cmp(&b.name));
        let instances: Vec<ServiceInstance> = self
            .instances
            .list(None)
            .await?
            .into_iter()
            .filter(|i| {
                (iglobal || i.teams.iter().any(|t| iteams.contains(t)) || inamed.contains(&i.name))
                    && (app.is_empty() || i.apps.iter().any(|a| a == app))
                    && has_tags(i, tags)
            })
            .collect();
        Ok(services
            .into_iter()
            .map(|service| {
                let instances = instances
                    .iter()
                    .filter(|i| i.service_name == service.name)
                    .cloned()
                    .collect();
                InstanceListEntry { service, instances }
            })
            .collect())
    }

    fn validate_definition(def: &ServiceDefinition) -> Result<()> {
        if def.id.is_empty() {
            return Err(Error::bad_request(SERVICE_ID_REQUIRED));
        }
        if def.id.contains(super::BROKER_SEPARATOR) {
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

    async fn require_team(&self, team: &str) -> Result<()> {
        if self.teams.find(team).await?.is_none() {
            return Err(Error::bad_request(TEAM_OWNER_MISSING));
        }
        Ok(())
    }

    /// Registers a service.
    ///
    /// # Errors
    /// 400 for the definition or an unknown team; 403 without `service.create` on the team;
    /// 409 [`super::SERVICE_ALREADY_EXISTS`].
    #[tracing::instrument(skip_all)]
    pub async fn create_service(
        &self,
        identity: &Identity,
        origin: &Origin,
        def: ServiceDefinition,
    ) -> Result<()> {
        let team = if def.team.is_empty() {
            auto_team_owner(identity, "service.create", self.teams.as_ref())
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
        identity.require("service.create", &[Context::team(&team)])?;
        Self::validate_definition(&def)?;
        self.require_team(&team).await?;
        let service = Service {
            name: def.id.clone(),
            username: def.username.clone(),
            password: def.password.clone(),
            endpoints: def
                .endpoints
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            owner_teams: vec![team],
            is_multi_cluster: def.multi_cluster,
            ..Service::default()
        };
        let ev = self.service_event(&service, "service.create", identity, origin);
        self.events
            .run(ev, async { self.services.insert(&service).await })
            .await
    }

    /// Replaces a service's endpoints and credentials (and owner team when given).
    ///
    /// # Errors
    /// 404; 403 without `service.update`; 400 for the definition.
    #[tracing::instrument(skip_all)]
    pub async fn update_service(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        mut def: ServiceDefinition,
    ) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        identity.require("service.update", &service.owner_contexts())?;
        def.id = name.to_string();
        Self::validate_definition(&def)?;
        if !def.team.is_empty() {
            self.require_team(&def.team).await?;
            service.owner_teams = vec![def.team.clone()];
        }
        service.username = def.username;
        service.password = def.password;
        service.endpoints = def
            .endpoints
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let ev = self.service_event(&service, "service.update", identity, origin);
        self.events
            .run(ev, async { self.services.update(&service).await })
            .await
    }

    async fn find_registered(&self, name: &str) -> Result<Service> {
        if name.contains(super::BROKER_SEPARATOR) {
            return Err(Error::bad_request(BROKERED_NOT_MANAGED));
        }
        self.services
            .find(name)
            .await?
            .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))
    }

    /// Removes a service without instances.
    ///
    /// # Errors
    /// 404; 403 without `service.delete`, or while it has instances.
    #[tracing::instrument(skip_all)]
    pub async fn remove_service(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
    ) -> Result<()> {
        let service = self.find_registered(name).await?;
        identity.require("service.delete", &service.owner_contexts())?;
        let ev = self.service_event(&service, "service.delete", identity, origin);
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
            let info = match self
                .call_in(&service, &instance.pool, CallInfo::default())
                .await
            {
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
    pub async fn set_doc(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        doc: String,
    ) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        identity.require("service.update.doc", &service.owner_contexts())?;
        service.doc = doc;
        let ev = self.service_event(&service, "service.update.doc", identity, origin);
        self.events
            .run(ev, async { self.services.update(&service).await })
            .await
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
        identity: &Identity,
        origin: &Origin,
        name: &str,
        team: &str,
        grant: bool,
    ) -> Result<()> {
        let mut service = self.find_registered(name).await?;
        let kind = if grant {
            "service.update.grant-access"
        } else {
            "service.update.revoke-access"
        };
        identity.require(kind, &service.owner_contexts())?;
        if self.teams.find(team).await?.is_none() {
            return Err(Error::bad_request("Team not found"));
        }
        let has = service.teams.iter().any(|t| t == team);
        if grant {
            if has {
                return Err(Error::conflict(
                    "This team already has access to this service",
                ));
            }
            service.teams.push(team.to_string());
        } else {
            if !has {
                return Err(Error::conflict(
                    "This team does not have access to this service",
                ));
            }
            if service.teams.len() < 2 {
                return Err(Error::Forbidden("You can not revoke the access from this team, because it is the unique team with access to this service, and a service can not be orphaned".into()));
            }
            service.teams.retain(|t| t != team);
        }
        service.is_restricted = true;
        let ev = self.service_event(&service, kind, identity, origin);
        self.events
            .run(ev, async { self.services.update(&service).await })
            .await
    }

    // ---- instances ----

    /// Creates an instance: at the service API first, then stored; when storing fails the
    /// remote instance is removed again.
    ///
    /// # Errors
    /// 404 service; 403; 400 name, team or pool; 409 duplicate; 502 the service API.
    #[tracing::instrument(skip_all, fields(service = %service_name))]
    pub async fn create_instance(
        &self,
        identity: &Identity,
        origin: &Origin,
        service_name: &str,
        new: NewInstance,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let owner = if new.team_owner.is_empty() {
            auto_team_owner(identity, "service-instance.create", self.teams.as_ref()).await?
        } else {
            new.team_owner.clone()
        };
        identity.require("service-instance.create", &[Context::team(&owner)])?;
        if service.is_restricted {
            identity.require("service.read", &service.team_contexts())?;
        }
        let contexts = vec![
            Context::team(&owner),
            Context::new(
                ContextType::ServiceInstance,
                format!("{}/{}", service.name, new.name),
            ),
        ];
        let ev = self.instance_event(
            &service.name,
            &new.name,
            "service-instance.create",
            identity,
            origin,
            contexts,
        );
        self.run(ev, Arc::new(crate::output::Discard), |call, _| async move {
            validate_instance_name(&new.name)?;
            if self.instances.find(&service.name, &new.name).await?.is_some() {
                return Err(Error::conflict(super::INSTANCE_ALREADY_EXISTS));
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
            let call = self.call_in(&service, &new.pool, call).await?;
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
                .create(&service, &mut instance, &call)
                .await?;
            if let Err(e) = self.instances.insert(&instance).await {
                if let Err(undo) = self
                    .client(&service)
                    .destroy(&service, &mut instance, &call)
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
        identity: &Identity,
        origin: &Origin,
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
                identity.require(&format!("service-instance.update.{perm}"), &ctxs)?;
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
        let ev = self.instance_event(
            &service.name,
            name,
            "service-instance.update",
            identity,
            origin,
            ctxs,
        );
        self.run(ev, Arc::new(crate::output::Discard), |call, _| async move {
            if self.teams.find(&upd.team_owner).await?.is_none() {
                return Err(Error::bad_request(TEAM_OWNER_MISSING));
            }
            let call = self.call_in(&service, &instance.pool, call).await?;
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
                .update(&service, &mut instance, &call)
                .await?;
            if let Err(e) = self.instances.update(&instance).await {
                let mut back = before;
                if let Err(undo) = self.client(&service).update(&service, &mut back, &call).await {
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
        identity: &Identity,
        origin: &Origin,
        service_name: &str,
        name: &str,
        unbind_all: bool,
        ignore_errors: bool,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let instance = self.find_instance(&service.name, name).await?;
        identity.require("service-instance.delete", &instance.contexts())?;
        let ev = self.instance_event(
            &service.name,
            name,
            "service-instance.delete",
            identity,
            origin,
            instance.contexts(),
        );
        self.run(ev, out, |call, progress| async move {
            let mut instance = instance;
            if unbind_all {
                for app in instance.apps.clone() {
                    progress.write(&format!("Unbind app {app:?} ...\n"));
                    self.unbind_steps(&service, &mut instance, &app, false, ignore_errors, &call, &progress)
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
            let destroyed = match self.call_in(&service, &instance.pool, call).await {
                Ok(call) => {
                    self.client(&service)
                        .destroy(&service, &mut instance, &call)
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
        let call = self
            .call_in(&service, &instance.pool, CallInfo::default())
            .await?;
        let client = self.client(&service);
        let custom_info = client
            .info(&service, &instance, &call)
            .await?
            .into_iter()
            .collect();
        let plan_description = client
            .plans(&service, &instance.pool, &call)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.name == instance.plan_name)
            .map(|p| p.description)
            .unwrap_or_default();
        Ok(InstanceInfo {
            instance,
            plan_description,
            custom_info,
        })
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
        let status = match self
            .call_in(&service, &instance.pool, CallInfo::default())
            .await
        {
            Ok(call) => {
                self.client(&service)
                    .status(&service, &instance, &call)
                    .await
            }
            Err(e) => Err(e),
        };
        status.map_err(|e| {
            Error::upstream(format!(
                "Could not retrieve status of service instance, error: {e}"
            ))
        })
    }

    /// Gives (or takes away) a team access to an instance.
    ///
    /// # Errors
    /// 404 instance or team; 403; 400 revoking the owner.
    #[tracing::instrument(skip_all)]
    pub async fn instance_access(
        &self,
        identity: &Identity,
        origin: &Origin,
        service_name: &str,
        name: &str,
        team: &str,
        grant: bool,
    ) -> Result<()> {
        let service = self.find_service(service_name).await?;
        let mut instance = self.find_instance(&service.name, name).await?;
        let kind = if grant {
            "service-instance.update.grant"
        } else {
            "service-instance.update.revoke"
        };
        identity.require(kind, &instance.contexts())?;
        let ev = self.instance_event(
            &service.name,
            name,
            kind,
            identity,
            origin,
            instance.contexts(),
        );
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

    // ---- bind / unbind ----

    async fn bind_checks(
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
    /// [`super::service_not_available_for_pool`].
    async fn check_pool_allows(&self, app: &App, service: &Service) -> Result<()> {
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

    fn bind_event(
        &self,
        app: &crate::app::App,
        service: &str,
        instance: &str,
        kind: &str,
        identity: &Identity,
        origin: &Origin,
    ) -> NewEvent {
        let mut ev = NewEvent::new(
            Target::new("app", &app.name),
            kind,
            identity,
            origin,
            Allowed::new("app.read.events", app.contexts()),
        );
        ev.extra_targets.push(ExtraTarget {
            target: target(service, instance),
            lock: true,
        });
        ev
    }

    /// Binds an app: the service API's variables become private env vars of the app (the app
    /// restarts unless `no_restart`). When a later step fails, the earlier ones are undone,
    /// the remote binding included.
    ///
    /// # Errors
    /// 404 app, service or instance; 403; 409 already bound; 502 the service API.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(skip_all)]
    pub async fn bind_app(
        &self,
        identity: &Identity,
        origin: &Origin,
        service_name: &str,
        name: &str,
        app_name: &str,
        no_restart: bool,
        parameters: BTreeMap<String, String>,
        out: Arc<dyn Output>,
    ) -> Result<BindOutcome> {
        let (service, instance, app) = self
            .bind_checks(identity, service_name, name, app_name, "bind")
            .await?;
        let ev = self.bind_event(
            &app,
            &service.name,
            name,
            "app.update.bind",
            identity,
            origin,
        );
        self.run(ev, out, |call, progress| async move {
            // Read again under the event's locks.
            let mut instance = self.find_instance(&service.name, &instance.name).await?;
            if instance.apps.iter().any(|a| a == app_name) {
                return Err(Error::conflict(APP_ALREADY_BOUND));
            }
            let call = self.call_in(&service, &instance.pool, call).await?;
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
                .bind_app(&service, &mut instance, &target, &call)
                .await
            {
                Ok(envs) => envs,
                Err(e) => {
                    let status = client.status(&service, &instance, &call).await;
                    return Err(with_status(e, name, status));
                }
            };
            instance.apps.push(app.name.clone());
            let manager = env_manager(&service.name, name);
            let stored = async {
                self.instances.update(&instance).await?;
                if let Err(e) = self
                    .apps
                    .set_bound_env(&app.name, &manager, &envs, no_restart, &progress)
                    .await
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
                    .unbind_app(&service, &mut instance, &target, &call)
                    .await
                {
                    tracing::error!(error = %undo, "could not undo the bind at the service API");
                }
                return Err(e);
            }
            progress.write(&format!(
                "\nInstance {name:?} is now bound to the app {app_name:?}.\n"
            ));
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
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(skip_all)]
    pub async fn unbind_app(
        &self,
        identity: &Identity,
        origin: &Origin,
        service_name: &str,
        name: &str,
        app_name: &str,
        no_restart: bool,
        force: bool,
        out: Arc<dyn Output>,
    ) -> Result<()> {
        let (service, _, app) = self
            .bind_checks(identity, service_name, name, app_name, "unbind")
            .await?;
        let ev = self.bind_event(
            &app,
            &service.name,
            name,
            "app.update.unbind",
            identity,
            origin,
        );
        self.run(ev, out, |call, progress| async move {
            let mut instance = self.find_instance(&service.name, name).await?;
            self.unbind_steps(
                &service,
                &mut instance,
                app_name,
                no_restart,
                force,
                &call,
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
    async fn unbind_steps(
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
                    .unbind_app(service, instance, &target, &call)
                    .await
            }
            Err(e) => Err(e),
        };
        match remote {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) if force => {
                tracing::warn!(error = %e, "[unbind-app-endpoint] ignored error due to force");
                progress.write(&format!(
                    "[unbind-app-endpoint] ignored error due to force: {e}\n"
                ));
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

    // ---- brokers ----

    /// Every broker (credentials are the caller's to hide).
    ///
    /// # Errors
    /// 403 without a global `service-broker.read`.
    pub async fn list_brokers(&self, identity: &Identity) -> Result<Vec<Broker>> {
        identity.require("service-broker.read", &[])?;
        self.brokers.list().await
    }

    fn broker_event(
        &self,
        name: &str,
        kind: &str,
        identity: &Identity,
        origin: &Origin,
    ) -> NewEvent {
        NewEvent::new(
            Target::new("service-broker", name),
            kind,
            identity,
            origin,
            Allowed::new("service-broker.read.events", Vec::new()),
        )
    }

    /// Adds a broker.
    ///
    /// # Errors
    /// 403; 400 without name or URL; 409 [`super::BROKER_ALREADY_EXISTS`].
    pub async fn create_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        new: NewBroker,
    ) -> Result<()> {
        identity.require("service-broker.create", &[])?;
        validate_broker(&new.broker)?;
        let ev = self.broker_event(&new.broker.name, "service-broker.create", identity, origin);
        self.events
            .run(ev, async { self.brokers.insert(&new.broker).await })
            .await
    }

    /// Replaces a broker (the body may rename it); a cache expiry of 0 keeps the stored one.
    ///
    /// # Errors
    /// 403; 400; 404 [`BROKER_NOT_FOUND`].
    pub async fn update_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        new: NewBroker,
    ) -> Result<()> {
        identity.require("service-broker.update", &[])?;
        if name.is_empty() {
            return Err(Error::bad_request(EMPTY_BROKER_NAME));
        }
        let mut broker = new.broker;
        validate_broker(&broker)?;
        let ev = self.broker_event(&broker.name, "service-broker.update", identity, origin);
        self.events
            .run(ev, async {
                let stored = self
                    .brokers
                    .find(name)
                    .await?
                    .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))?;
                if broker.cache_expiration_seconds == 0 {
                    broker.cache_expiration_seconds = stored.cache_expiration_seconds;
                } else if broker.cache_expiration_seconds < 0 {
                    broker.cache_expiration_seconds = 0;
                }
                self.brokers.update(name, &broker).await
            })
            .await
    }

    /// Removes a broker (its instances stay).
    ///
    /// # Errors
    /// 403; 404 [`BROKER_NOT_FOUND`].
    pub async fn delete_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
    ) -> Result<()> {
        identity.require("service-broker.delete", &[])?;
        let ev = self.broker_event(name, "service-broker.delete", identity, origin);
        self.events
            .run(ev, async { self.brokers.delete(name).await })
            .await
    }
}

fn validate_broker(b: &Broker) -> Result<()> {
    if b.name.is_empty() || b.name.contains(super::BROKER_SEPARATOR) {
        return Err(Error::bad_request(
            "unable to parse broker: invalid broker name",
        ));
    }
    match url::Url::parse(&b.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => {
            return Err(Error::bad_request(
                "unable to parse broker: the URL must be an http or https URL",
            ))
        }
    }
    if b.auth.basic.is_some() && b.auth.bearer.is_some() {
        return Err(Error::bad_request(
            "unable to parse broker: basic and bearer authentication are exclusive",
        ));
    }
    Ok(())
}

/// A brokered service as the catalog shows it.
fn brokered(broker: &Broker, name: &str, description: &str) -> Service {
    Service {
        name: format!("{}{}{name}", broker.name, super::BROKER_SEPARATOR),
        doc: description.to_string(),
        broker: Some(broker.clone()),
        ..Service::default()
    }
}

/// tsuru's `<err> ("<instance>" is <status>)` (or `<err> (failed to retrieve instance
/// status: <status err>)`), keeping the error's kind.
fn with_status(e: Error, instance: &str, status: Result<String>) -> Error {
    let text = match status {
        Ok(status) => format!("{e} ({instance:?} is {status})"),
        Err(failed) => format!("{e} (failed to retrieve instance status: {failed})"),
    };
    match e {
        Error::NotFound(_) => Error::NotFound(text),
        Error::PreconditionFailed(_) => Error::PreconditionFailed(text),
        Error::BadRequest(_) => Error::BadRequest(text),
        Error::Unavailable(_) => Error::Unavailable(text),
        Error::Unexpected(e) => Error::Unexpected(e),
        _ => Error::Upstream(text),
    }
}
