//! tsuru's native service API (the provider side is `reference/tsuru-service-api.yaml`): form
//! bodies, basic auth with the service's credentials, `X-Tsuru-User` / `X-Tsuru-Eventid`
//! headers, and tsuru's reading of every status code.
use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use tsuru_domain::service::{
    parameter_text, BindApp, Broker, CallInfo, CatalogService, Placement, Service, ServiceClient,
    ServiceInstance, ServicePlan, INSTANCE_EXISTS_IN_API, INSTANCE_NOT_IN_API, INSTANCE_NOT_READY,
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

fn push(fields: &mut Fields, k: &str, v: &str) {
    fields.push((k.to_string(), v.to_string()));
}

fn push_params<'a>(fields: &mut Fields, params: impl IntoIterator<Item = (&'a String, String)>) {
    for (k, v) in params {
        fields.push((format!("parameters.{}", k.replace('.', "\\.")), v));
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
        let url = if url.contains("://") {
            url.clone()
        } else {
            format!("http://{url}")
        };
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
        req = if method == Method::GET {
            req.query(&fields)
        } else {
            req.form(&fields)
        };
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

    fn base_fields(call: &CallInfo) -> Fields {
        let mut f = Fields::new();
        push(&mut f, "user", &call.user);
        push(&mut f, "eventid", &call.event_id);
        f
    }
}

#[async_trait]
impl ServiceClient for NativeServiceClient {
    async fn create(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        call: &CallInfo,
    ) -> Result<()> {
        let context = format!("Failed to create the instance {}", instance.name);
        let mut f = Self::base_fields(call);
        push(&mut f, "name", &instance.name);
        push(&mut f, "team", &instance.team_owner);
        for t in &instance.tags {
            push(&mut f, "tags", t);
        }
        if !instance.plan_name.is_empty() {
            push(&mut f, "plan", &instance.plan_name);
        }
        if !instance.description.is_empty() {
            push(&mut f, "description", &instance.description);
        }
        push_params(
            &mut f,
            instance
                .parameters
                .iter()
                .map(|(k, v)| (k, parameter_text(v))),
        );
        let a = self
            .call(service, Method::POST, "resources", f, call, &context)
            .await?;
        match a.status.as_u16() {
            s if s < 300 => Ok(()),
            409 => Err(Error::conflict(INSTANCE_EXISTS_IN_API)),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn update(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        call: &CallInfo,
    ) -> Result<()> {
        let context = format!("Failed to update the instance {}", instance.name);
        let mut f = Self::base_fields(call);
        push(&mut f, "description", &instance.description);
        push(&mut f, "team", &instance.team_owner);
        for t in &instance.tags {
            push(&mut f, "tags", t);
        }
        push(&mut f, "plan", &instance.plan_name);
        push_params(
            &mut f,
            instance
                .parameters
                .iter()
                .map(|(k, v)| (k, parameter_text(v))),
        );
        let path = format!("resources/{}", instance.api_id());
        let a = self
            .call(service, Method::PUT, &path, f, call, &context)
            .await?;
        match a.status.as_u16() {
            s if s < 300 || s == 404 => Ok(()),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn destroy(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        call: &CallInfo,
    ) -> Result<()> {
        let context = format!("Failed to destroy the instance {}", instance.name);
        let path = format!("resources/{}", instance.api_id());
        let a = self
            .call(
                service,
                Method::DELETE,
                &path,
                Self::base_fields(call),
                call,
                &context,
            )
            .await?;
        match a.status.as_u16() {
            s if s < 300 => Ok(()),
            404 => Err(Error::not_found(INSTANCE_NOT_IN_API)),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn bind_app(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        app: &BindApp,
        call: &CallInfo,
    ) -> Result<BTreeMap<String, String>> {
        let context = format!(
            "Failed to bind the instance \"{}/{}\" to the app {:?}",
            service.name, instance.name, app.name
        );
        let mut f = Self::base_fields(call);
        push_params(&mut f, app.parameters.iter().map(|(k, v)| (k, v.clone())));
        push(&mut f, "app-name", &app.name);
        for h in &app.hosts {
            push(&mut f, "app-hosts", h);
        }
        if let Some(h) = app.hosts.first() {
            push(&mut f, "app-host", h);
        }
        if let Some(p) = &app.placement {
            push(&mut f, "app-pool-name", &p.pool);
            push(&mut f, "app-pool-provisioner", &p.provisioner);
            if let Some(c) = &p.cluster {
                push(&mut f, "app-cluster-name", &c.name);
                push(&mut f, "app-cluster-provisioner", &c.provisioner);
                for a in &c.addresses {
                    push(&mut f, "app-cluster-addresses", a);
                }
            }
        }
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
                .call(
                    service,
                    Method::POST,
                    &format!("resources/{id}/bind"),
                    f,
                    call,
                    &context,
                )
                .await?;
        }
        match a.status.as_u16() {
            s if s < 300 => {
                if a.body.trim().is_empty() {
                    return Ok(BTreeMap::new());
                }
                let map: BTreeMap<String, serde_json::Value> = serde_json::from_str(&a.body)
                    .map_err(|_| {
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
            412 => Err(Error::PreconditionFailed(INSTANCE_NOT_READY.into())),
            404 => Err(Error::upstream(INSTANCE_NOT_IN_API)),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn unbind_app(
        &self,
        service: &Service,
        instance: &mut ServiceInstance,
        app: &BindApp,
        call: &CallInfo,
    ) -> Result<()> {
        let path = format!("resources/{}/bind-app", instance.api_id());
        let context = format!("Failed to unbind ({:?})", format!("/{path}"));
        let mut f = Self::base_fields(call);
        for h in &app.hosts {
            push(&mut f, "app-hosts", h);
        }
        push(&mut f, "app-name", &app.name);
        if let Some(h) = app.hosts.first() {
            push(&mut f, "app-host", h);
        }
        let a = self
            .call(service, Method::DELETE, &path, f, call, &context)
            .await?;
        match a.status.as_u16() {
            s if s < 300 => Ok(()),
            404 => Err(Error::not_found(INSTANCE_NOT_IN_API)),
            _ => Err(Error::upstream(format!("{context}: {}", a.invalid()))),
        }
    }

    async fn status(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        call: &CallInfo,
    ) -> Result<String> {
        let context = format!("Failed to get status of instance {}", instance.name);
        let path = format!("resources/{}/status", instance.api_id());
        let a = self
            .call(service, Method::GET, &path, Fields::new(), call, &context)
            .await?;
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
        let a = self
            .call(service, Method::GET, &path, Fields::new(), call, &context)
            .await?;
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
            .call(
                service,
                Method::GET,
                "resources/plans",
                Fields::new(),
                call,
                &context,
            )
            .await?;
        if a.status != StatusCode::OK {
            return Ok(Vec::new());
        }
        let plans: Vec<Plan> = serde_json::from_str(&a.body).unwrap_or_default();
        Ok(plans
            .into_iter()
            .map(|p| ServicePlan {
                name: p.name,
                description: p.description,
                schemas: None,
            })
            .collect())
    }

    async fn catalog(&self, _broker: &Broker) -> Result<Vec<CatalogService>> {
        Ok(Vec::new())
    }
}
