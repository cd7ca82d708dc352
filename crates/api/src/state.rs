//! The application state: every use case, built once from settings and adapters.
use std::sync::Arc;
use std::time::Duration;

use tsuru_adapters::iaas::{Ec2Iaas, Ec2Settings};
use tsuru_adapters::jwt::JwtIssuer;
use tsuru_adapters::kubernetes::{ClientSettings, KubernetesProvisioner, KubernetesSettings};
use tsuru_adapters::mail::{LogMailer, SmtpMailer};
use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::mongo::MongoStore;
use tsuru_adapters::osb::{OsbClient, OsbSettings};
use tsuru_adapters::password::BcryptHasher;
use tsuru_adapters::service_api::NativeServiceClient;
use tsuru_adapters::simulated::SimulatedProvisioner;
use tsuru_adapters::system::{RandomIds, SystemClock};
use tsuru_adapters::template::GoTemplates;
use tsuru_adapters::webhook_http::{AllowedNetworks, HttpWebhookSender};
use tsuru_domain::app::AppService;
use tsuru_domain::app::{AppStorage, AppVersionStorage};
use tsuru_domain::clock::{Clock, IdGenerator};
use tsuru_domain::cluster::{ClusterService, ClusterStorage};
use tsuru_domain::event::{EventService, EventStorage};
use tsuru_domain::iaas::{Iaas, IaasService, IaasSettings, MachineStorage, TemplateStorage};
use tsuru_domain::mail::Mailer;
use tsuru_domain::node::NodeService;
use tsuru_domain::permission::{
    CachedRoles, RoleService, RoleStorage, StorageContextLookup, ROLE_SNAPSHOT_TTL,
};
use tsuru_domain::plan::{PlanService, PlanStorage};
use tsuru_domain::platform::{PlatformService, PlatformStorage};
use tsuru_domain::pool::{PoolService, PoolStorage};
use tsuru_domain::provision::{Provisioner, ProvisionerRegistry};
use tsuru_domain::router::{RouterDef, Routers};
use tsuru_domain::service::{
    BrokerStorage, ServiceCatalog, ServiceInstanceStorage, ServiceStorage,
};
use tsuru_domain::team::{TeamOverviewService, TeamService, TeamStorage};
use tsuru_domain::token::{TeamTokenStorage, TokenService};
use tsuru_domain::user::{
    AuthConfig, AuthService, CredentialUses, LoginThrottle, PasswordTokenStorage, SessionStorage,
    UserService, UserStorage,
};
use tsuru_domain::volume::{VolumePlans, VolumeService, VolumeStorage};
use tsuru_domain::webhook::{
    DeliveryConfig, DeliveryStorage, DeliveryWorker, WebhookDispatcher, WebhookService,
    WebhookStorage,
};
use tsuru_domain::Error;

use crate::config::{Secret, Settings};
use crate::delivery::DeliveryLoop;

/// Declares [`Store`] as the ports listed, implemented by every type that implements them all.
macro_rules! store_of {
    ($($port:ident),+ $(,)?) => {
        /// Every storage port: what a store must implement to serve the API (the in-memory
        /// store and the MongoDB store do).
        pub trait Store: $($port +)+ 'static {}

        impl<T> Store for T where T: $($port +)+ 'static {}
    };
}

store_of!(
    UserStorage,
    SessionStorage,
    PasswordTokenStorage,
    LoginThrottle,
    TeamStorage,
    RoleStorage,
    EventStorage,
    AppStorage,
    AppVersionStorage,
    PoolStorage,
    ClusterStorage,
    PlanStorage,
    PlatformStorage,
    TeamTokenStorage,
    WebhookStorage,
    DeliveryStorage,
    ServiceStorage,
    ServiceInstanceStorage,
    BrokerStorage,
    VolumeStorage,
    MachineStorage,
    TemplateStorage,
);

/// Use cases shared by every handler.
pub struct AppState {
    /// Login, sessions, user creation, passwords.
    pub auth: Arc<AuthService>,
    /// Users.
    pub users: Arc<UserService>,
    /// Teams.
    pub teams: Arc<TeamService>,
    /// Team info: the team with its members, apps and pools.
    pub team_overview: Arc<TeamOverviewService>,
    /// Roles and permissions.
    pub roles: Arc<RoleService>,
    /// Events.
    pub events: Arc<EventService>,
    /// Apps.
    pub apps: Arc<AppService>,
    /// Pools.
    pub pools: Arc<PoolService>,
    /// Clusters and provisioners.
    pub clusters: Arc<ClusterService>,
    /// Plans.
    pub plans: Arc<PlanService>,
    /// Platforms.
    pub platforms: Arc<PlatformService>,
    /// Team tokens.
    pub tokens: Arc<TokenService>,
    /// Webhooks.
    pub webhooks: Arc<WebhookService>,
    /// Services, service instances, bindings and brokers.
    pub services: Arc<ServiceCatalog>,
    /// Volumes, their plans and binds.
    pub volumes: Arc<VolumeService>,
    /// IaaS machines and templates.
    pub iaas: Arc<IaasService>,
    /// Nodes of node-capable provisioners.
    pub nodes: Arc<NodeService>,
    /// This process's webhook delivery worker.
    pub deliveries: Arc<DeliveryLoop>,
    /// Configured routers.
    pub routers: Routers,
    /// Request body limit.
    pub max_body_size: usize,
    /// Version reported by `/info`.
    pub version: String,
    /// The MongoDB store when it is the storage, for `/healthcheck`.
    pub database: Option<Arc<MongoStore>>,
    /// What `/metrics` shows.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// Builds every use case on the store `settings` name: in memory, or on MongoDB (connected,
    /// its indexes created).
    ///
    /// # Errors
    /// Invalid settings (JWT secret, hash cost, SMTP address), or a MongoDB that cannot be
    /// reached.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Vec::new()).await
    }

    /// Like [`AppState::build`], with `extra` provisioners registered next to the built-in
    /// ones (see [`AppState::with_provisioners`]).
    ///
    /// # Errors
    /// As [`AppState::build`].
    pub async fn build_with(
        settings: &Settings,
        extra: Vec<Arc<dyn Provisioner>>,
    ) -> anyhow::Result<Self> {
        match settings.storage_kind() {
            "mongodb" => {
                let db = &settings.database;
                let store = Arc::new(MongoStore::connect(&db.url, &db.name).await?);
                let mut state = Self::with_provisioners(settings, store.clone(), extra)?;
                state.database = Some(store);
                Ok(state)
            }
            _ => Self::with_provisioners(settings, Arc::new(MemoryStore::new()), extra),
        }
    }

    /// Builds every use case on `store`.
    ///
    /// # Errors
    /// Invalid settings (JWT secret, hash cost, SMTP address).
    pub fn with_store<S: Store>(settings: &Settings, store: Arc<S>) -> anyhow::Result<Self> {
        Self::with_provisioners(settings, store, Vec::new())
    }

    /// Builds every use case on `store`, with `extra` provisioners registered next to the
    /// simulated one (`provisioner.default` may name any of them).
    ///
    /// # Errors
    /// As [`AppState::with_store`]; a default provisioner that is not registered.
    pub fn with_provisioners<S: Store>(
        settings: &Settings,
        store: Arc<S>,
        extra: Vec<Arc<dyn Provisioner>>,
    ) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ids: Arc<dyn IdGenerator> = Arc::new(RandomIds::default());
        let secret = match &settings.auth.jwt_secret {
            Some(s) => s.expose().as_bytes().to_vec(),
            None => ids.random_bytes(32),
        };
        let mailer: Arc<dyn Mailer> = match &settings.smtp {
            Some(s) => Arc::new(SmtpMailer::new(
                &s.server,
                &s.user,
                s.password.as_ref().map(Secret::expose),
                s.starttls,
            )?),
            None => Arc::new(LogMailer),
        };
        let (webhook_dispatcher, deliveries) = delivery_parts(settings, &store, &clock, &ids)?;
        let events = Arc::new(
            EventService::new(store.clone(), clock.clone(), ids.clone())
                .with_app_lock_wait(std::time::Duration::from_secs(settings.event.app_lock_wait))
                .with_lock_expiry(chrono::Duration::seconds(
                    i64::try_from(settings.event.lock_expiry).unwrap_or(i64::MAX / 1000),
                ))
                .with_listener(webhook_dispatcher),
        );
        let webhooks = Arc::new(
            WebhookService::new(store.clone(), store.clone(), store.clone(), events.clone())
                .with_templates(Arc::new(GoTemplates)),
        );
        let routers = Routers(
            settings
                .routers
                .iter()
                .map(|r| RouterDef {
                    name: r.name.clone(),
                    rtype: r.r#type.clone(),
                    default: r.default,
                })
                .collect(),
        );
        let simulated: Arc<dyn Provisioner> =
            Arc::new(SimulatedProvisioner::new(clock.clone(), settings.provisioner.domain.clone()));
        let provisioners = Arc::new(
            extra
                .into_iter()
                .fold(
                    ProvisionerRegistry::new(simulated).with(Arc::new(
                        KubernetesProvisioner::new(
                            store.clone(),
                            KubernetesSettings {
                                client: ClientSettings {
                                    api_timeout: Duration::from_secs_f64(
                                        settings.kubernetes.api_timeout,
                                    ),
                                    ..ClientSettings::default()
                                },
                                rollout_timeout: Duration::from_secs_f64(
                                    settings.kubernetes.deployment_progress_timeout,
                                ),
                                register_node: settings.kubernetes.register_node,
                                ..KubernetesSettings::default()
                            },
                        )
                        .with_volumes(store.clone()),
                    )),
                    ProvisionerRegistry::with,
                )
                .with_default(&settings.provisioner.default)
                .map_err(|e| anyhow::anyhow!("provisioner.default: {e}"))?,
        );
        let lookup = Arc::new(StorageContextLookup {
            teams: store.clone(),
            users: store.clone(),
            others: vec![(
                tsuru_domain::permission::ContextType::Pool,
                Arc::new(tsuru_domain::pool::PoolContextLookup(store.clone())),
            )],
        });
        // Authentication reads role definitions from a snapshot at most a second old; role
        // changes made here drop it at once.
        let role_lookups: Arc<dyn RoleStorage> =
            Arc::new(CachedRoles::new(store.clone(), ROLE_SNAPSHOT_TTL));
        let roles = Arc::new(
            RoleService::new(role_lookups.clone(), store.clone(), events.clone(), lookup.clone())
                .with_team_tokens(store.clone()),
        );
        let tokens = Arc::new(TokenService::new(
            store.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            lookup,
            events.clone(),
            clock.clone(),
            ids.clone(),
        ));
        let users = Arc::new(UserService::new(
            store.clone(),
            store.clone(),
            store.clone(),
            events.clone(),
            clock.clone(),
            ids.clone(),
        ));
        let auth = Arc::new(AuthService {
            users: store.clone(),
            sessions: store.clone(),
            password_tokens: store.clone(),
            throttle: store.clone(),
            hasher: Arc::new(BcryptHasher::new(settings.auth.hash_cost)?),
            issuer: Arc::new(JwtIssuer::new(&secret)?),
            roles: role_lookups,
            team_tokens: store.clone(),
            role_service: roles.clone(),
            events: events.clone(),
            clock: clock.clone(),
            ids,
            mailer,
            config: AuthConfig {
                token_expire_days: settings.auth.token_expire_days,
                user_registration: settings.auth.user_registration,
                max_failed_logins: settings.auth.max_failed_logins,
                failed_login_window_secs: settings.auth.failed_login_window,
                max_password_resets: settings.auth.max_password_resets,
                password_reset_window_secs: settings.auth.password_reset_window,
                apps_per_user: settings.quota.apps_per_user,
            },
            uses: Arc::new(CredentialUses::new(chrono::Duration::seconds(
                i64::try_from(settings.auth.last_use_interval).unwrap_or(i64::MAX / 1000),
            ))),
        });
        let teams = Arc::new(TeamService::new(
            store.clone(),
            store.clone(),
            users.clone(),
            roles.clone(),
            events.clone(),
            settings.quota.apps_per_team,
        ));
        let plans = Arc::new(PlanService::new(store.clone(), events.clone()));
        let pools = Arc::new(PoolService::new(
            store.clone(),
            store.clone(),
            store.clone(),
            store.clone(),
            routers.clone(),
            provisioners.names(),
            events.clone(),
        ));
        let platforms = Arc::new(PlatformService::new(
            store.clone(),
            store.clone(),
            provisioners.default_provisioner(),
            events.clone(),
        ));
        let clusters = Arc::new(ClusterService::new(
            store.clone(),
            store.clone(),
            provisioners.clone(),
            events.clone(),
        ));
        let volume_plans = VolumePlans(settings.volume_plans.clone());
        let apps = Arc::new(
            AppService::new(
                store.clone(),
                store.clone(),
                pools.clone(),
                plans.clone(),
                platforms.clone(),
                store.clone(),
                store.clone(),
                provisioners.clone(),
                routers.clone(),
                events.clone(),
                settings.quota.units_per_app,
            )
            .with_volumes(store.clone(), &volume_plans),
        );
        let volumes = Arc::new(VolumeService::new(
            store.clone(),
            store.clone(),
            store.clone(),
            apps.clone(),
            provisioners.clone(),
            volume_plans,
            events.clone(),
        ));
        let team_overview =
            Arc::new(TeamOverviewService::new(teams.clone(), apps.clone(), pools.clone()));
        let services = Arc::new(service_catalog(
            settings,
            &store,
            apps.clone(),
            events.clone(),
            clock.clone(),
        )?);
        // App removal unbinds the app from its service instances.
        apps.set_bindings(services.app_bindings());
        let iaas = Arc::new(iaas_service(settings, &store, events.clone())?);
        let nodes =
            Arc::new(NodeService::new(provisioners, store.clone(), iaas.clone(), events.clone()));
        Ok(AppState {
            volumes,
            services,
            iaas,
            nodes,
            team_overview,
            apps,
            pools,
            clusters,
            plans,
            platforms,
            tokens,
            webhooks,
            deliveries,
            routers,
            auth,
            users,
            teams,
            roles,
            events,
            max_body_size: settings.server.max_body_size,
            version: env!("CARGO_PKG_VERSION").to_string(),
            database: None,
            metrics: Arc::default(),
        })
    }

    /// In dev mode: a default public pool named `default` when there is no pool, so apps can be
    /// created right away.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn ensure_dev_pool(&self) -> Result<(), Error> {
        self.pools.ensure_default_pool("default").await
    }
}

/// The IaaS use cases with the configured providers (none when `iaas:` configures none).
fn iaas_service<S: Store>(
    settings: &Settings,
    store: &Arc<S>,
    events: Arc<EventService>,
) -> anyhow::Result<IaasService> {
    let cfg = &settings.iaas;
    let secs = std::time::Duration::from_secs_f64;
    let mut providers: std::collections::BTreeMap<String, Arc<dyn Iaas>> =
        std::collections::BTreeMap::new();
    if let Some(ec2) = &cfg.ec2 {
        let client = Ec2Iaas::new(Ec2Settings {
            name: "ec2".into(),
            endpoint: ec2.endpoint.clone(),
            region: ec2.region.clone(),
            key_id: ec2.key_id.expose().to_string(),
            secret_key: ec2.secret_key.expose().to_string(),
            timeout: secs(ec2.timeout),
            wait_timeout: secs(ec2.wait_timeout),
            poll_interval: secs(ec2.poll_interval),
        })?;
        providers.insert("ec2".into(), Arc::new(client));
    }
    Ok(IaasService::new(
        store.clone(),
        store.clone(),
        providers,
        IaasSettings {
            default: cfg.default.clone(),
            node_protocol: cfg.node_protocol.clone(),
            node_port: cfg.node_port,
        },
        events,
    ))
}

/// The service use cases with their two clients (native service API and OSB).
fn service_catalog<S: Store>(
    settings: &Settings,
    store: &Arc<S>,
    apps: Arc<AppService>,
    events: Arc<EventService>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<ServiceCatalog> {
    let cfg = &settings.service;
    let secs = std::time::Duration::from_secs_f64;
    let native = NativeServiceClient::new(secs(cfg.connect_timeout), secs(cfg.timeout))?;
    let osb = OsbClient::new(OsbSettings {
        timeout: secs(cfg.broker_timeout),
        connect_timeout: secs(cfg.connect_timeout),
        poll_timeout: secs(cfg.broker_poll_timeout),
        poll_interval: secs(cfg.broker_poll_interval),
    })?;
    Ok(ServiceCatalog::new(
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        apps,
        events,
        clock,
        Arc::new(native),
        Arc::new(osb),
    ))
}

/// The webhook dispatcher (an event listener) and this process's delivery worker, which the
/// dispatcher wakes when it queues deliveries.
fn delivery_parts<S>(
    settings: &Settings,
    store: &Arc<S>,
    clock: &Arc<dyn Clock>,
    ids: &Arc<dyn IdGenerator>,
) -> anyhow::Result<(Arc<WebhookDispatcher>, Arc<DeliveryLoop>)>
where
    S: WebhookStorage + DeliveryStorage + 'static,
{
    let cfg = &settings.webhook;
    let secs = std::time::Duration::from_secs_f64;
    let wake = Arc::new(tokio::sync::Notify::new());
    let notify = wake.clone();
    let dispatcher = WebhookDispatcher::new(
        store.clone(),
        store.clone(),
        Arc::new(GoTemplates),
        clock.clone(),
        ids.clone(),
    )
    .with_wake(Arc::new(move || notify.notify_one()));
    let sender = HttpWebhookSender::with_allowed(
        secs(cfg.connect_timeout),
        secs(cfg.timeout),
        AllowedNetworks::parse(&cfg.allowed_networks)?,
    )?;
    let worker = DeliveryWorker::new(
        store.clone(),
        Arc::new(sender),
        clock.clone(),
        format!("tsurud-{}", hex::encode(ids.random_bytes(6))),
        DeliveryConfig {
            max_attempts: cfg.max_attempts,
            backoff: secs(cfg.retry_backoff),
            // Longer than any call, so a live worker never loses a claim mid-call.
            lease: secs(cfg.timeout) + std::time::Duration::from_secs(30),
        },
    );
    let deliveries = DeliveryLoop {
        worker: Arc::new(worker),
        wake,
        poll_interval: secs(cfg.poll_interval),
        concurrency: cfg.concurrency,
        retention: std::time::Duration::from_secs(cfg.retention_days.saturating_mul(86_400)),
    };
    Ok((Arc::new(dispatcher), Arc::new(deliveries)))
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
