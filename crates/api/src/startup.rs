//! Builds the HTTP server, one way for production and tests.
use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, Service as _};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpServer};
use tracing_actix_web::TracingLogger;
use tsuru_domain::bootstrap::RootUserBootstrap;

use crate::config::Settings;
use crate::routes;
use crate::state::AppState;
use crate::version::strip_version;

/// A bound, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    background: Background,
}

/// Background tasks, aborted when dropped (so a server dropped without a signal, as in tests,
/// leaves no worker behind).
struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

impl Application {
    /// Binds `settings.listen`, builds the state, creates the admin from `admin-email` /
    /// `admin-password` when no user exists, and starts the event heartbeat.
    ///
    /// # Errors
    /// Bind failures or invalid settings.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Vec::new()).await
    }

    /// Like [`Application::build`], with `extra` provisioners registered next to the
    /// built-in ones (tests, embedders).
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with(
        settings: Settings,
        extra: Vec<std::sync::Arc<dyn tsuru_domain::provision::Provisioner>>,
    ) -> anyhow::Result<Self> {
        let state = AppState::build_with(&settings, extra).await?;
        Self::serve(settings, state).await
    }

    /// Like [`Application::build`] on an existing in-memory store, shared with other
    /// applications (several processes on one database, or a restart).
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_on(
        settings: Settings,
        store: std::sync::Arc<tsuru_adapters::memory::MemoryStore>,
    ) -> anyhow::Result<Self> {
        Self::build_on_with(settings, store, Vec::new()).await
    }

    /// Like [`Application::build_on`], with `extra` provisioners registered.
    ///
    /// # Errors
    /// As [`Application::build`].
    pub async fn build_on_with(
        settings: Settings,
        store: std::sync::Arc<tsuru_adapters::memory::MemoryStore>,
        extra: Vec<std::sync::Arc<dyn tsuru_domain::provision::Provisioner>>,
    ) -> anyhow::Result<Self> {
        let state = AppState::with_provisioners(&settings, store, extra)?;
        Self::serve(settings, state).await
    }

    async fn serve(settings: Settings, state: AppState) -> anyhow::Result<Self> {
        let state = web::Data::new(state);
        state.plans.seed().await?;
        match state.clusters.connect_all().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(failed = n, "some clusters could not be connected"),
            Err(e) => tracing::warn!(error = %e, "clusters could not be read to connect them"),
        }
        if settings.dev {
            state.ensure_dev_pool().await?;
        }
        if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
            let bootstrap = RootUserBootstrap::new(state.auth.clone());
            if bootstrap.admin_if_no_users(email, password.expose()).await? {
                tracing::info!(email = %email, "admin user created");
            }
        }
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let data = state.clone();
        let mut server = HttpServer::new(move || app(data.clone()))
            .shutdown_timeout(settings.server.shutdown_timeout)
            .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let background = Background(vec![
            spawn_event_keeper(state.clone()),
            crate::delivery::spawn(state.deliveries.clone(), state.metrics.clone()),
            spawn_use_recorder(state.clone()),
        ]);
        Ok(Application { port, server: server.run(), state, background })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (to issue a token for the admin, in dev mode and tests).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGTERM/SIGINT, draining in-flight requests first.
    ///
    /// # Errors
    /// Server I/O failures.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let background = self.background;
        let result = self.server.await;
        drop(background);
        if let Err(e) = self.state.auth.record_uses(true).await {
            tracing::warn!(error = %e, "could not record the last use of credentials");
        }
        result
    }
}

/// Refreshes the heartbeat of this process's running events every third of the lock expiry
/// (at most every 30 s), and every tenth tick finishes events whose process died.
fn spawn_event_keeper(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    let expiry = state.events.lock_expiry().to_std().unwrap_or(Duration::from_secs(300));
    let period = (expiry / 3).clamp(Duration::from_millis(100), Duration::from_secs(30));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = state.events.heartbeat().await {
                tracing::warn!(error = %e, "event heartbeat failed");
            }
            if n.is_multiple_of(10) {
                if let Err(e) = state.events.expire_stale().await {
                    tracing::warn!(error = %e, "expiring stale events failed");
                }
            }
            n += 1;
        }
    })
}

/// How often noted credential uses are looked at (only due ones are written; an idle process
/// sends nothing).
const USE_RECORDER_TICK: Duration = Duration::from_secs(1);

/// Writes the credential uses requests noted (API keys, team tokens), off the request path.
fn spawn_use_recorder(state: web::Data<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(USE_RECORDER_TICK);
        loop {
            tick.tick().await;
            if state.auth.uses.pending() == 0 {
                continue;
            }
            if let Err(e) = state.auth.record_uses(false).await {
                tracing::warn!(error = %e, "could not record the last use of credentials");
            }
        }
    })
}

/// The actix application: middleware and the route table.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .default_service(web::to(routes::not_found))
        .wrap_fn(|req, srv| {
            let started = std::time::Instant::now();
            let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
            let method = req.method().to_string();
            let answer = srv.call(req);
            async move {
                let res = answer.await?;
                if let Some(metrics) = metrics {
                    let route =
                        res.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
                    metrics.request(&route, &method, res.status().as_u16(), started.elapsed());
                }
                Ok(res)
            }
        })
        .wrap_fn(strip_version)
        .wrap(DefaultHeaders::new().add(("Supported-Tsuru", "1.0.1")))
        .wrap(TracingLogger::default())
}
