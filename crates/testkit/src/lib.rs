//! A real `tsurud` for tests: [`TestServer::spawn`] starts one on `127.0.0.1:0` with an admin,
//! and returns its base URL, an admin token and typed helpers.
//!
//! The store is the in-memory one, or MongoDB when `TSURU_TEST_STORAGE=mongodb`: then each
//! server gets a fresh database named `tsurud_test_<uuid>` on the server at
//! `TSURU_TEST_MONGODB_URL` (`make test` runs the API tests both ways, on FerretDB).
//!
//! A complete integration test: start a server, log in as its admin, call routes.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use tsuru_testkit::{TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};
//!
//! let server = TestServer::spawn().await;
//! let token = server.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
//! let admin = server.with_token(&token);
//! let created = admin
//!     .post_json("/1.0/teams", &serde_json::json!({"name": "infra"}))
//!     .await;
//! assert_eq!(created.status(), 201);
//! let teams: serde_json::Value = admin.get("/1.0/teams").await.json().await.unwrap();
//! assert_eq!(teams[0]["name"], "infra");
//! assert_eq!(server.anonymous().get("/1.0/teams").await.status(), 401);
//! # });
//! ```
#![warn(missing_docs)]

use reqwest::{Method, Response};
use serde_json::Value;
use tsuru_api::{Application, Settings};

/// E-mail of the admin every test server starts with.
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Its password.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// A session token of the admin (global `AllowAll` role).
    pub admin_token: String,
    client: reqwest::Client,
    events: std::sync::Arc<tsuru_domain::event::EventService>,
    auth: std::sync::Arc<tsuru_domain::user::AuthService>,
    iaas: std::sync::Arc<tsuru_domain::iaas::IaasService>,
    commands: Option<std::sync::Arc<tsuru_adapters::mongo::commands::CommandStats>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The MongoDB server the tests use: `TSURU_TEST_MONGODB_URL`. `None` when it is unset.
///
/// # Panics
/// When it is unset and `CI` is set: there a missing server is a failure, never a skip.
pub fn mongo_url() -> Option<String> {
    match std::env::var("TSURU_TEST_MONGODB_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but TSURU_TEST_MONGODB_URL is not: the MongoDB tests need a server (`make test` starts FerretDB)"
            );
            None
        }
    }
}

/// A fresh database name for one test.
pub fn fresh_database_name() -> String {
    format!("tsurud_test_{}", uuid::Uuid::new_v4().simple())
}

/// Whether test servers use MongoDB (`TSURU_TEST_STORAGE=mongodb`).
pub fn mongo_selected() -> bool {
    std::env::var("TSURU_TEST_STORAGE").is_ok_and(|s| s == "mongodb")
}

/// Points `settings` at a fresh database on the test MongoDB server.
///
/// # Panics
/// When `TSURU_TEST_MONGODB_URL` is unset.
pub fn use_fresh_mongo(settings: &mut Settings) {
    let url = mongo_url().expect("TSURU_TEST_MONGODB_URL must be set to run tests on MongoDB");
    settings.storage = "mongodb".into();
    settings.database.url = url;
    settings.database.name = fresh_database_name();
}

/// Settings for a test server: port 0, fast bcrypt, one worker, an admin, webhooks allowed to
/// call loopback; in memory, or on a fresh MongoDB database when [`mongo_selected`].
///
/// # Panics
/// When MongoDB is selected and `TSURU_TEST_MONGODB_URL` is unset.
pub fn test_settings() -> Settings {
    let mut s =
        Settings { listen: "127.0.0.1:0".into(), storage: "memory".into(), ..Settings::default() };
    if mongo_selected() {
        use_fresh_mongo(&mut s);
    }
    s.auth.hash_cost = 4;
    s.auth.jwt_secret = Some("test-secret-0123456789abcdef".into());
    s.server.workers = 1;
    s.server.shutdown_timeout = 1;
    s.admin_email = Some(ADMIN_EMAIL.into());
    s.admin_password = Some(ADMIN_PASSWORD.into());
    // Test receivers listen on loopback, which hooks may not call by default.
    s.webhook.allowed_networks = vec!["127.0.0.0/8".into(), "::1/128".into()];
    s
}

impl TestServer {
    /// Starts a server with [`test_settings`].
    ///
    /// # Panics
    /// When the server cannot start (a test setup failure).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server with [`test_settings`] changed by `f`.
    ///
    /// # Panics
    /// When the server cannot start.
    pub async fn spawn_with(f: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings();
        f(&mut settings);
        Self::start(Application::build(settings).await).await
    }

    /// Starts a server with [`test_settings`] and `extra` provisioners registered next to the
    /// built-in ones.
    ///
    /// # Panics
    /// When the server cannot start.
    pub async fn spawn_with_provisioners(
        extra: Vec<std::sync::Arc<dyn tsuru_domain::provision::Provisioner>>,
    ) -> Self {
        Self::start(Application::build_with(test_settings(), extra).await).await
    }

    /// Like [`TestServer::spawn_on`] (with [`test_settings`]), with `extra` provisioners.
    ///
    /// # Panics
    /// When the server cannot start.
    pub async fn spawn_on_with_provisioners(
        store: std::sync::Arc<tsuru_adapters::memory::MemoryStore>,
        extra: Vec<std::sync::Arc<dyn tsuru_domain::provision::Provisioner>>,
    ) -> Self {
        Self::start(Application::build_on_with(test_settings(), store, extra).await).await
    }

    /// Starts a server with [`test_settings`] changed by `f`, on `store`: servers sharing a
    /// store behave as `tsurud` processes sharing a database, and a server started on the
    /// store of a stopped one as that process restarted. The admin is created only when the
    /// store has no user yet.
    ///
    /// # Panics
    /// When the server cannot start.
    pub async fn spawn_on(
        store: std::sync::Arc<tsuru_adapters::memory::MemoryStore>,
        f: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = test_settings();
        f(&mut settings);
        Self::start(Application::build_on(settings, store).await).await
    }

    /// The one start path of [`TestServer::spawn_with`] and [`TestServer::spawn_on`]: serves
    /// the built application in the background and opens an admin session.
    async fn start(app: anyhow::Result<Application>) -> Self {
        let app = app.expect("test server builds");
        let base_url = format!("http://127.0.0.1:{}", app.port());
        let admin_token = app.state().auth.new_session(ADMIN_EMAIL).await.expect("admin session");
        let events = app.state().events.clone();
        let auth = app.state().auth.clone();
        let iaas = app.state().iaas.clone();
        let commands = app.state().database.as_ref().and_then(|db| db.commands());
        let task = tokio::spawn(async move {
            let _ = app.run_until_stopped().await;
        });
        TestServer {
            base_url,
            admin_token,
            client: reqwest::Client::new(),
            events,
            auth,
            iaas,
            commands,
            task,
        }
    }

    /// A client authenticated as the admin.
    pub fn admin(&self) -> Caller {
        self.with_token(&self.admin_token)
    }

    /// A client sending `token` (`bearer <token>`).
    pub fn with_token(&self, token: &str) -> Caller {
        Caller {
            base_url: self.base_url.clone(),
            token: Some(token.to_string()),
            client: self.client.clone(),
        }
    }

    /// The IaaS use cases, for making machines the way node use cases do (no route creates
    /// one).
    pub fn iaas(&self) -> &tsuru_domain::iaas::IaasService {
        &self.iaas
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Caller {
        Caller { base_url: self.base_url.clone(), token: None, client: self.client.clone() }
    }

    /// Creates a user (as the admin) and returns a client logged in as them.
    ///
    /// # Panics
    /// When creation or login fails.
    pub async fn user(&self, email: &str) -> Caller {
        let password = "user-password";
        let resp =
            self.admin().post_form("/1.0/users", &[("email", email), ("password", password)]).await;
        answered(resp, 201, format!("creating {email}")).await;
        let token = self.login(email, password).await;
        self.with_token(&token)
    }

    /// Logs in and returns the token.
    ///
    /// # Panics
    /// When login fails.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let resp = self
            .anonymous()
            .post_form("/1.0/auth/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(resp.status(), 200, "login of {email}");
        let body: Value = resp.json().await.expect("login JSON");
        body["token"].as_str().expect("token string").to_string()
    }

    /// Creates a role with permissions (as the admin).
    ///
    /// # Panics
    /// On any failure.
    pub async fn role(&self, name: &str, context: &str, permissions: &[&str]) {
        let admin = self.admin();
        let resp = admin.post_form("/1.0/roles", &[("name", name), ("context", context)]).await;
        answered(resp, 201, format!("role {name}")).await;
        if !permissions.is_empty() {
            let form: Vec<(&str, &str)> = permissions.iter().map(|p| ("permission", *p)).collect();
            let resp = admin.post_form(&format!("/1.0/roles/{name}/permissions"), &form).await;
            answered(resp, 200, format!("permissions of {name}")).await;
        }
    }

    /// Assigns a role to a user (as the admin).
    ///
    /// # Panics
    /// On any failure.
    pub async fn assign(&self, role: &str, email: &str, context: &str) {
        let resp = self
            .admin()
            .post_form(
                &format!("/1.0/roles/{role}/user"),
                &[("email", email), ("context", context)],
            )
            .await;
        answered(resp, 200, format!("assign {role} to {email}")).await;
    }

    /// A logged-in user `email` holding `permissions` in the context `value` of type
    /// `context`, through a new role `r-<user>` of that type.
    pub async fn holder(
        &self,
        email: &str,
        context: &str,
        value: &str,
        permissions: &[&str],
    ) -> Caller {
        let role = format!("r-{}", email.split('@').next().unwrap_or(email));
        self.role(&role, context, permissions).await;
        let user = self.user(email).await;
        self.assign(&role, email, value).await;
        user
    }

    /// A logged-in user `email` holding `permissions` on team `team`.
    pub async fn member(&self, email: &str, team: &str, permissions: &[&str]) -> Caller {
        self.holder(email, "team", team, permissions).await
    }

    /// Creates a team (as the admin).
    ///
    /// # Panics
    /// On any failure.
    pub async fn team(&self, name: &str) {
        let resp = self.admin().post_json("/1.0/teams", &serde_json::json!({ "name": name })).await;
        answered(resp, 201, format!("team {name}")).await;
    }

    /// Writes the credential uses (API keys, team tokens) requests noted, as the server does
    /// in the background at most once per credential per `auth.last-use-interval` and at
    /// shutdown; returns how many credentials were written.
    ///
    /// # Panics
    /// On a storage failure.
    pub async fn record_credential_uses(&self) -> usize {
        self.auth.record_uses(true).await.expect("credential uses recorded")
    }

    /// Store commands this server has sent so far (MongoDB only; `None` in memory).
    pub fn store_commands(&self) -> Option<u64> {
        self.commands.as_ref().map(|c| c.total())
    }

    /// Store commands sent so far by `collection.command` (MongoDB only; empty in memory).
    pub fn store_commands_by_kind(&self) -> std::collections::BTreeMap<String, u64> {
        self.by_command_kind(|series| series.count)
    }

    /// Seconds spent in store commands by `<collection>.<command>`, since start-up.
    pub fn store_command_seconds_by_kind(&self) -> std::collections::BTreeMap<String, f64> {
        self.by_command_kind(|series| series.seconds)
    }

    /// `figure` of each `<collection>.<command>` series so far (MongoDB only; empty in memory).
    fn by_command_kind<T>(
        &self,
        figure: impl Fn(&tsuru_adapters::mongo::commands::CommandSeries) -> T,
    ) -> std::collections::BTreeMap<String, T> {
        self.commands
            .iter()
            .flat_map(|c| c.snapshot())
            .map(|((coll, cmd), series)| (format!("{coll}.{cmd}"), figure(&series)))
            .collect()
    }

    /// Events (as the admin) matching a query string such as `target.type=team&target.value=a`.
    ///
    /// # Panics
    /// On any failure.
    pub async fn events(&self, query: &str) -> Vec<Value> {
        self.admin().list(&format!("/1.1/events?{query}")).await
    }

    /// The deliveries (as the admin) of event webhook `name`, newest first.
    ///
    /// # Panics
    /// On any failure.
    pub async fn deliveries(&self, name: &str) -> Vec<Value> {
        self.admin().list(&format!("/1.6/events/webhooks/{name}/deliveries")).await
    }

    /// Polls the deliveries of webhook `name` (up to 10 s) until `done` holds for the list.
    ///
    /// # Panics
    /// When it does not hold by then.
    pub async fn wait_deliveries(&self, name: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let start = std::time::Instant::now();
        loop {
            let list = self.deliveries(name).await;
            if done(&list) {
                return list;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "deliveries of {name}: {list:#?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

/// Sends requests with (or without) a token.
#[derive(Clone)]
pub struct Caller {
    base_url: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Caller {
    /// The token this caller sends.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A request builder for `path` with the caller's `Authorization`.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.client.request(method, format!("{}{}", self.base_url, path));
        if let Some(t) = &self.token {
            rb = rb.header("Authorization", format!("bearer {t}"));
        }
        rb
    }

    /// `GET`.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("request")
    }

    /// `rounds` timed `GET path` calls (status and body read), fastest first, and the last
    /// body: what the benchmarks measure.
    ///
    /// # Panics
    /// When the server cannot be reached or a call does not succeed.
    pub async fn timed_gets(
        &self,
        path: &str,
        rounds: usize,
    ) -> (Vec<std::time::Duration>, Vec<u8>) {
        let mut times = Vec::with_capacity(rounds);
        let mut body = Vec::new();
        for _ in 0..rounds {
            let started = std::time::Instant::now();
            let resp = self.get(path).await;
            assert!(resp.status().is_success(), "{path}: {}", resp.status());
            body = resp.bytes().await.expect("body").to_vec();
            times.push(started.elapsed());
        }
        times.sort();
        (times, body)
    }

    /// `method` on `path` with a multipart `form`.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn multipart(
        &self,
        method: Method,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Response {
        self.request(method, path).multipart(form).send().await.expect("request")
    }

    /// The JSON list at `path`: empty on 204.
    ///
    /// # Panics
    /// On any other status than 200 and 204, or a body that is not a JSON list.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        let resp = self.get(path).await;
        match resp.status().as_u16() {
            204 => Vec::new(),
            200 => resp.json().await.expect("a JSON list"),
            other => panic!("GET {path}: status {other}"),
        }
    }

    /// `DELETE`.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.expect("request")
    }

    /// A form-encoded request.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn form(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Response {
        self.request(method, path).form(form).send().await.expect("request")
    }

    /// A JSON request.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Response {
        self.request(method, path).json(body).send().await.expect("request")
    }

    /// `POST` form.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.form(Method::POST, path, form).await
    }

    /// `POST` JSON.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.json(Method::POST, path, body).await
    }

    /// `PUT` form.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn put_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.form(Method::PUT, path, form).await
    }

    /// `PUT` JSON.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn put_json(&self, path: &str, body: &Value) -> Response {
        self.json(Method::PUT, path, body).await
    }
}

/// Status and body of a response, for one-line assertions.
///
/// # Panics
/// When the body cannot be read.
pub async fn status_text(resp: Response) -> (u16, String) {
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

/// Asserts that `resp` answered `status`; when not, the panic names `what` and shows the body.
///
/// # Panics
/// When the status differs.
pub async fn answered(resp: Response, status: u16, what: impl std::fmt::Display) {
    let got = resp.status().as_u16();
    if got != status {
        let body = resp.text().await.unwrap_or_default();
        panic!("{what}: expected {status}, got {got}: {body}");
    }
}

/// The JSON objects of an `application/x-json-stream` body (blank keep-alive lines skipped).
///
/// # Panics
/// When a line is not JSON (the stream format forbids it).
pub async fn stream_lines(resp: Response) -> (u16, Vec<Value>) {
    let status = resp.status().as_u16();
    let body = resp.text().await.expect("body");
    let lines = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line {l:?}: {e}")))
        .collect();
    (status, lines)
}

/// The concatenated `Message` texts of stream lines.
pub fn messages(lines: &[Value]) -> String {
    lines.iter().filter_map(|l| l["Message"].as_str()).collect()
}

/// The messages of a stream that must succeed: status 200 and no error line.
///
/// # Panics
/// When the stream failed.
pub async fn streamed_ok(resp: Response) -> String {
    let (status, lines) = stream_lines(resp).await;
    assert_eq!((status, stream_error(&lines)), (200, None), "{lines:?}");
    messages(&lines)
}

/// The `Error` of the last stream line, if any.
pub fn stream_error(lines: &[Value]) -> Option<String> {
    lines.iter().rev().find_map(|l| l["Error"].as_str().filter(|e| !e.is_empty()).map(String::from))
}

impl TestServer {
    /// Starts a running, cancelable event of `kind` on `target_type`/`target_value`, owned by
    /// the admin, the way an operation in progress holds one (the target stays locked until
    /// [`TestServer::finish_event`]).
    ///
    /// # Panics
    /// When the target is already locked, or on a storage failure.
    pub async fn start_event(
        &self,
        target_type: &str,
        target_value: &str,
        kind: &str,
    ) -> tsuru_domain::event::Event {
        use tsuru_domain::event::{Allowed, NewEvent, Owner, Target};
        let mut new = NewEvent::with_owner(
            Target::new(target_type, target_value),
            kind,
            Owner::user(ADMIN_EMAIL),
            &tsuru_domain::Origin::default(),
            Allowed::new(&format!("{target_type}.read.events"), vec![]),
        );
        new.cancelable = true;
        new.allowed_cancel = Allowed::new(&format!("{target_type}.update.events"), vec![]);
        self.events.start(new).await.expect("start the event")
    }

    /// Finishes an event from [`TestServer::start_event`] successfully.
    pub async fn finish_event(&self, event: tsuru_domain::event::Event) {
        self.events.done(event, &Ok(()), None).await;
    }

    /// Creates a public default pool (as the admin).
    ///
    /// # Panics
    /// On any failure.
    pub async fn default_pool(&self, name: &str) {
        let resp = self
            .admin()
            .post_json(
                "/1.0/pools",
                &serde_json::json!({"name": name, "default": true, "public": true}),
            )
            .await;
        answered(resp, 201, format!("pool {name}")).await;
    }

    /// Creates an app of `team` (as the admin) in the default pool.
    ///
    /// # Panics
    /// On any failure.
    pub async fn app(&self, name: &str, team: &str) {
        let resp =
            self.admin().post_form("/1.0/apps", &[("name", name), ("teamOwner", team)]).await;
        answered(resp, 201, format!("app {name}")).await;
    }
}

impl TestServer {
    /// Deploys `image` to app `name` (as the admin) and returns the plain-text output.
    ///
    /// # Panics
    /// When the deploy does not end in `OK`.
    pub async fn deploy(&self, name: &str, image: &str) -> String {
        let resp = self
            .admin()
            .post_form(
                &format!("/1.0/apps/{name}/deploy"),
                &[("image", image), ("origin", "image")],
            )
            .await;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(
            status == 200 && text.ends_with("\nOK\n"),
            "deploy of {image} to {name}: {status} {text}"
        );
        text
    }
}
