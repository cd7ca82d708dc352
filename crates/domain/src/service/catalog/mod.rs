//! Service use cases: the catalog (registered and brokered services), instances, bindings and
//! brokers.

mod backends;
mod binds;
mod brokers;
mod instances;
mod services;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use super::{
    env_manager, service_not_available_for_pool, service_not_in_pool, split_brokered,
    string_parameters, validate_instance_name, BindApp, Broker, BrokerStorage, CallInfo,
    ClusterPlacement, InstanceCall, Placement, Service, ServiceClient, ServiceInstance,
    ServiceInstanceStorage, ServicePlan, ServiceStorage, APP_ALREADY_BOUND, APP_NOT_BOUND,
    BROKERED_NOT_MANAGED, BROKER_NOT_FOUND, CANNOT_REVOKE_OWNER, EMPTY_BROKER_NAME,
    INSTANCE_NOT_FOUND, INVALID_SERVICE_ID, NOTHING_TO_UPDATE, NO_SERVICE_FOR_POOL,
    SERVICE_ENDPOINT_REQUIRED, SERVICE_HAS_INSTANCES, SERVICE_ID_REQUIRED, SERVICE_NOT_FOUND,
    SERVICE_PASSWORD_REQUIRED, TEAM_OWNER_MISSING, UNBIND_FAILED,
};
use crate::app::{App, AppBindings, AppService};
use crate::clock::Clock;
use crate::cluster::{cluster_for_pool, ClusterStorage};
use crate::event::{Allowed, Event, EventService, ExtraTarget, NewEvent, Target};
use crate::output::{Out, Output, Progress};
use crate::permission::{contexts_for, Context, ContextType};
use crate::pool::{constraint_for, PoolStorage, POOL_NOT_FOUND};
use crate::team::{auto_team_owner, TeamStorage};
use crate::{Call, Error, Identity, Result};

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

/// An app's binding to a service instance, as the route names it, and whether the app
/// restarts after the change.
#[derive(Debug, Clone, Default)]
pub struct AppBinding {
    /// The service.
    pub service: String,
    /// The instance of the service.
    pub instance: String,
    /// The app.
    pub app: String,
    /// Leave the app's units as they are (they get the change at their next restart).
    pub no_restart: bool,
}

impl AppBinding {
    /// The service, instance and app names, and `no_restart`.
    fn parts(&self) -> (&str, &str, &str, bool) {
        (&self.service, &self.instance, &self.app, self.no_restart)
    }
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
fn target(service: &str, instance: &str) -> Target {
    Target::new("service-instance", format!("{service}/{instance}"))
}

/// The owner-side permission contexts of the teams the caller holds `scheme` on, plus the
/// named services.
fn caller_contexts(identity: &Identity, scheme: &str) -> (bool, Vec<String>, Vec<String>) {
    let ctxs = contexts_for(&identity.permissions, scheme, &[]);
    let global = crate::permission::any_global(&ctxs);
    let pick = |t: ContextType| -> Vec<String> {
        ctxs.iter().filter(|c| c.ctype == t).map(|c| c.value.clone()).collect()
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
fn validate_broker(b: &Broker) -> Result<()> {
    if b.name.is_empty() || b.name.contains(crate::service::BROKER_SEPARATOR) {
        return Err(Error::bad_request("unable to parse broker: invalid broker name"));
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
        name: format!("{}{}{name}", broker.name, crate::service::BROKER_SEPARATOR),
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
        ServiceCatalog { services, instances, brokers, teams: store, apps, events, clock, backends }
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
    async fn run<T, F, Fut>(&self, ev: NewEvent, out: Out, work: F) -> Result<T>
    where
        F: FnOnce(CallInfo, Arc<Progress>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let event: Event = self.events.start(ev).await?;
        let call =
            CallInfo { user: event.owner.name.clone(), event_id: event.id.clone(), pool: None };
        let progress = Arc::new(Progress::new(out, self.clock.clone()));
        let outcome = work(call, progress.clone()).await;
        self.events.done_with_log(event, &outcome, None, progress.take_log()).await;
        outcome
    }

    fn instance_event(
        &self,
        service: &str,
        instance: &str,
        kind: &str,
        call: &Call,
        contexts: Vec<Context>,
    ) -> NewEvent {
        NewEvent::new(
            target(service, instance),
            kind,
            call,
            Allowed::new("service-instance.read.events", contexts),
        )
    }

    fn service_event(&self, service: &Service, kind: &str, call: &Call) -> NewEvent {
        NewEvent::new(
            Target::new("service", &service.name),
            kind,
            call,
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
}
