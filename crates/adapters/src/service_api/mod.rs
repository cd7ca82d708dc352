//! tsuru's native service API (the provider side is `reference/tsuru-service-api.yaml`): form
//! bodies, basic auth with the service's credentials, `X-Tsuru-User` / `X-Tsuru-Eventid`
//! headers, and tsuru's reading of every status code.
use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use tsuru_domain::service::{
    parameter_text, BindApp, Broker, CallInfo, CatalogService, InstanceCall, Placement, Service,
    ServiceClient, ServiceInstance, ServicePlan, Variables, INSTANCE_EXISTS_IN_API,
    INSTANCE_NOT_IN_API, INSTANCE_NOT_READY,
};
use tsuru_domain::{Error, Result};

use crate::osb::base64;

/// Longest part of an unexpected answer's body repeated in an error.
const MAX_BODY_IN_ERROR: usize = 1024;

/// A client of native service APIs.
#[derive(Debug, Clone)]
pub struct NativeServiceClient {
    http: reqwest::Client,
    timeout: Duration,
}

/// An answer: status and body text.
struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    /// tsuru's `invalid response: <body> (code: <status>)`.
    fn invalid(&self) -> String {
        let mut body = self.body.trim().to_string();
        if body.len() > MAX_BODY_IN_ERROR {
            let mut cut = MAX_BODY_IN_ERROR;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push_str("...");
        }
        format!("invalid response: {body} (code: {})", self.status.as_u16())
    }
}

type Fields = Vec<(String, String)>;

/// The form of a call, field by field in the order tsuru sends them; every call that sends
/// one starts with `user` and `eventid`.
struct Form(Fields);

impl Form {
    fn new(call: &CallInfo) -> Self {
        Form(Fields::new()).field("user", &call.user).field("eventid", &call.event_id)
    }

    fn field(mut self, k: &str, v: &str) -> Self {
        self.0.push((k.to_string(), v.to_string()));
        self
    }

    /// The field, unless `v` is empty.
    fn non_empty(self, k: &str, v: &str) -> Self {
        if v.is_empty() {
            self
        } else {
            self.field(k, v)
        }
    }

    /// The field once per value.
    fn each<'a>(self, k: &str, vs: impl IntoIterator<Item = &'a String>) -> Self {
        vs.into_iter().fold(self, |f, v| f.field(k, v))
    }

    /// `parameters.<name>` per parameter, dots in names escaped.
    fn params<'a>(mut self, params: impl IntoIterator<Item = (&'a String, String)>) -> Self {
        for (k, v) in params {
            self.0.push((format!("parameters.{}", k.replace('.', "\\.")), v));
        }
        self
    }
}

/// How a call reads a status code of 300 or more (below is success): as done anyway, or as
/// an error of the domain's; a code the table does not name is an invalid response.
#[derive(Clone, Copy)]
enum Reading {
    Done,
    Fails(fn(&'static str) -> Error, &'static str),
}

/// Create: an instance of the name exists in the service API.
const CREATE: &[(u16, Reading)] = &[(409, Reading::Fails(conflict, INSTANCE_EXISTS_IN_API))];
/// Update: an instance the service API does not know is left alone.
const UPDATE: &[(u16, Reading)] = &[(404, Reading::Done)];
/// Destroy and unbind: the service API does not know the instance.
const GONE: &[(u16, Reading)] = &[(404, Reading::Fails(not_found, INSTANCE_NOT_IN_API))];
/// Bind: the instance is not ready, or unknown to the service API.
const BIND: &[(u16, Reading)] = &[
    (412, Reading::Fails(not_ready, INSTANCE_NOT_READY)),
    (404, Reading::Fails(upstream, INSTANCE_NOT_IN_API)),
];

fn conflict(text: &'static str) -> Error {
    Error::conflict(text)
}

fn not_found(text: &'static str) -> Error {
    Error::not_found(text)
}

fn not_ready(text: &'static str) -> Error {
    Error::PreconditionFailed(text.into())
}

fn upstream(text: &'static str) -> Error {
    Error::upstream(text)
}

/// The answer read by `table`; `context` prefixes an invalid response.
fn read(a: &Answer, context: &str, table: &[(u16, Reading)]) -> Result<()> {
    let status = a.status.as_u16();
    if status < 300 {
        return Ok(());
    }
    match table.iter().find(|(code, _)| *code == status) {
        Some((_, Reading::Done)) => Ok(()),
        Some((_, Reading::Fails(error, text))) => Err(error(text)),
        None => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
    }
}

impl NativeServiceClient {
    /// A client whose calls take at most `timeout` (`connect_timeout` to connect).
    ///
    /// # Errors
    /// The HTTP client cannot be built (TLS back-end).
    pub fn new(connect_timeout: Duration, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(NativeServiceClient { http, timeout })
    }

    /// The service's URL for a call: the endpoint named after the cluster of the call's pool,
    /// else `production` (tsuru's `getClientForPool`).
    fn endpoint(service: &Service, call: &CallInfo) -> Result<String> {
        let mut url = None;
        let mut missing = "";
        for name in Placement::endpoint_names(call.pool.as_ref()) {
            match service.endpoints.get(name).filter(|u| !u.is_empty()) {
                Some(u) => {
                    url = Some(u);
                    break;
                }
                None => missing = name,
            }
        }
        let url = url.ok_or_else(|| Error::upstream(format!("Unknown endpoint: {missing}")))?;
        let url = if url.contains("://") { url.clone() } else { format!("http://{url}") };
        Ok(url.trim_end_matches('/').to_string())
    }

    /// One call; `context` prefixes transport errors.
    async fn call(
        &self,
        service: &Service,
        method: Method,
        path: &str,
        fields: Fields,
        call: &CallInfo,
        context: &str,
    ) -> Result<Answer> {
        let url = format!("{}/{}", Self::endpoint(service, call)?, path);
        let mut req = self
            .http
            .request(method.clone(), &url)
            .basic_auth(service.api_user(), Some(&service.password))
            .header("Accept", "application/json");
        if !call.user.is_empty() {
            req = req.header("X-Tsuru-User", &call.user);
        }
        if !call.event_id.is_empty() {
            req = req.header("X-Tsuru-Eventid", &call.event_id);
        }
        if let Some(p) = &call.pool {
            req = req
                .header("X-Tsuru-Pool-Name", &p.pool)
                .header("X-Tsuru-Pool-Provisioner", &p.provisioner);
            if let Some(c) = &p.cluster {
                req = req
                    .header("X-Tsuru-Cluster-Name", &c.name)
                    .header("X-Tsuru-Cluster-Provisioner", &c.provisioner);
                for a in &c.addresses {
                    req = req.header("X-Tsuru-Cluster-Addresses", a);
                }
                if let Some(k) = &c.kube_config {
                    req = req.header("X-Tsuru-Cluster-Kube-Config", base64(k.as_bytes()));
                }
            }
        }
        req = if method == Method::GET { req.query(&fields) } else { req.form(&fields) };
        let resp = req.send().await.map_err(|e| self.transport(context, e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.transport(context, e))?;
        Ok(Answer { status, body })
    }

    fn transport(&self, context: &str, e: reqwest::Error) -> Error {
        let why = if e.is_timeout() {
            format!("the service API did not answer within {:?}", self.timeout)
        } else if e.is_connect() {
            "the service API cannot be reached (connection failed)".to_string()
        } else {
            "the connection to the service API failed".to_string()
        };
        // The URL may carry credentials (`http://user:pass@host`): never log it.
        tracing::warn!(error = %e.without_url(), "service API call failed");
        Error::upstream(format!("{context}: {why}"))
    }
}

#[async_trait]
impl ServiceClient for NativeServiceClient {
    async fn create(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let context = format!("Failed to create the instance {}", instance.name);
        let form = Form::new(call)
            .field("name", &instance.name)
            .field("team", &instance.team_owner)
            .each("tags", &instance.tags)
            .non_empty("plan", &instance.plan_name)
            .non_empty("description", &instance.description)
            .params(instance.parameters.iter().map(|(k, v)| (k, parameter_text(v))));
        let a = self.call(service, Method::POST, "resources", form.0, call, &context).await?;
        read(&a, &context, CREATE)
    }

    async fn update(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let context = format!("Failed to update the instance {}", instance.name);
        let form = Form::new(call)
            .field("description", &instance.description)
            .field("team", &instance.team_owner)
            .each("tags", &instance.tags)
            .field("plan", &instance.plan_name)
            .params(instance.parameters.iter().map(|(k, v)| (k, parameter_text(v))));
        let path = format!("resources/{}", instance.api_id());
        let a = self.call(service, Method::PUT, &path, form.0, call, &context).await?;
        read(&a, &context, UPDATE)
    }

    async fn destroy(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let context = format!("Failed to destroy the instance {}", instance.name);
        let path = format!("resources/{}", instance.api_id());
        let a =
            self.call(service, Method::DELETE, &path, Form::new(call).0, call, &context).await?;
        read(&a, &context, GONE)
    }

    async fn bind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<Variables> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let context = format!(
            "Failed to bind the instance \"{}/{}\" to the app {:?}",
            service.name, instance.name, app.name
        );
        let mut form = Form::new(call)
            .params(app.parameters.iter().map(|(k, v)| (k, v.clone())))
            .field("app-name", &app.name)
            .each("app-hosts", &app.hosts)
            .each("app-host", app.hosts.first());
        if let Some(p) = &app.placement {
            form =
                form.field("app-pool-name", &p.pool).field("app-pool-provisioner", &p.provisioner);
            if let Some(c) = &p.cluster {
                form = form
                    .field("app-cluster-name", &c.name)
                    .field("app-cluster-provisioner", &c.provisioner)
                    .each("app-cluster-addresses", &c.addresses);
            }
        }
        let f = form.0;
        let id = instance.api_id();
        let mut a = self
            .call(
                service,
                Method::POST,
                &format!("resources/{id}/bind-app"),
                f.clone(),
                call,
                &context,
            )
            .await?;
        if a.status == StatusCode::NOT_FOUND {
            a = self
                .call(service, Method::POST, &format!("resources/{id}/bind"), f, call, &context)
                .await?;
        }
        read(&a, &context, BIND)?;
        if a.body.trim().is_empty() {
            return Ok(BTreeMap::new());
        }
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&a.body).map_err(|_| {
                Error::upstream(format!(
                    "{context}: the service API answered variables that are not a JSON object"
                ))
            })?;
        Ok(map
            .into_iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect())
    }

    async fn unbind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let path = format!("resources/{}/bind-app", instance.api_id());
        let context = format!("Failed to unbind ({:?})", format!("/{path}"));
        let form = Form::new(call)
            .each("app-hosts", &app.hosts)
            .field("app-name", &app.name)
            .each("app-host", app.hosts.first());
        let a = self.call(service, Method::DELETE, &path, form.0, call, &context).await?;
        read(&a, &context, GONE)
    }

    async fn status(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        call: &CallInfo,
    ) -> Result<String> {
        let context = format!("Failed to get status of instance {}", instance.name);
        let path = format!("resources/{}/status", instance.api_id());
        let a = self.call(service, Method::GET, &path, Fields::new(), call, &context).await?;
        match a.status.as_u16() {
            200 => Ok(a.body),
            202 => Ok("pending".into()),
            204 => Ok("up".into()),
            404 => Ok("not implemented for this service".into()),
            500 => Ok("down".into()),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn info(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        call: &CallInfo,
    ) -> Result<Vec<(String, String)>> {
        #[derive(serde::Deserialize)]
        struct Item {
            #[serde(default)]
            label: String,
            #[serde(default)]
            value: String,
        }
        let context = format!("Failed to get info of instance {}", instance.name);
        let path = format!("resources/{}", instance.api_id());
        let a = self.call(service, Method::GET, &path, Fields::new(), call, &context).await?;
        if a.status != StatusCode::OK {
            return Ok(Vec::new());
        }
        let items: Vec<Item> = serde_json::from_str(&a.body).unwrap_or_default();
        Ok(items.into_iter().map(|i| (i.label, i.value)).collect())
    }

    async fn plans(
        &self,
        service: &Service,
        _pool: &str,
        call: &CallInfo,
    ) -> Result<Vec<ServicePlan>> {
        #[derive(serde::Deserialize)]
        struct Plan {
            #[serde(default)]
            name: String,
            #[serde(default)]
            description: String,
        }
        if Self::endpoint(service, call).is_err() {
            return Ok(Vec::new());
        }
        let context = format!("Failed to list the plans of {}", service.name);
        let a = self
            .call(service, Method::GET, "resources/plans", Fields::new(), call, &context)
            .await?;
        if a.status != StatusCode::OK {
            return Ok(Vec::new());
        }
        let plans: Vec<Plan> = serde_json::from_str(&a.body).unwrap_or_default();
        Ok(plans
            .into_iter()
            .map(|p| ServicePlan { name: p.name, description: p.description, schemas: None })
            .collect())
    }

    async fn catalog(&self, _broker: &Broker) -> Result<Vec<CatalogService>> {
        Ok(Vec::new())
    }
}
