//! Open Service Broker API 2.13 client: the catalog (cached per broker for its expiry),
//! provision / update / deprovision with `accepts_incomplete=true` and `last_operation`
//! polling, bind / unbind with credentials, and the originating identity of each call.
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tsuru_domain::service::{
    parameter_text, split_brokered, string_parameters, BindApp, Broker, BrokerBind, BrokerData,
    CallInfo, CatalogService, InstanceCall, Parameters, Service, ServiceClient, ServiceInstance,
    ServicePlan, Variables, INSTANCE_EXISTS_IN_API, SERVICE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

/// The OSB API version sent.
pub const API_VERSION: &str = "2.13";
/// Catalog cache lifetime when the broker sets none.
pub const DEFAULT_CACHE_SECONDS: i64 = 3600;

/// Timeouts and polling of the OSB client.
#[derive(Debug, Clone, Copy)]
pub struct OsbSettings {
    /// Longest one call may take.
    pub timeout: Duration,
    /// Longest connecting may take.
    pub connect_timeout: Duration,
    /// How long an asynchronous operation is polled before the call returns with it still
    /// in progress (the instance's status then tells how it ends).
    pub poll_timeout: Duration,
    /// Pause between two `last_operation` polls.
    pub poll_interval: Duration,
}

/// An OSB client for every broker.
pub struct OsbClient {
    settings: OsbSettings,
    secure: reqwest::Client,
    insecure: reqwest::Client,
    catalogs: Mutex<HashMap<String, (Instant, CachedCatalog)>>,
}

/// A catalog, or the failure to read one (kept briefly, so that listing services does not
/// wait on a broker that is down at every request).
type CachedCatalog = std::result::Result<Vec<CatalogService>, String>;

/// A broker's 410 Gone to `last_operation`: the instance no longer exists there.
struct Gone;

/// The error of a 410 Gone while polling an operation other than a deprovision.
const GONE_DURING_OPERATION: &str = "the broker no longer knows the instance (410 Gone)";

/// How long a failure to read a catalog is remembered.
const FAILED_CATALOG_TTL: Duration = Duration::from_secs(10);

impl std::fmt::Debug for OsbClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsbClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (also the native service API's kubeconfig header).
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct CatalogDoc {
    #[serde(default)]
    services: Vec<CatalogServiceDoc>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CatalogServiceDoc {
    id: String,
    name: String,
    description: String,
    plans: Vec<CatalogPlanDoc>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CatalogPlanDoc {
    id: String,
    name: String,
    description: String,
    schemas: Option<Value>,
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    /// tsuru's rendering of a broker error.
    fn error(&self) -> Error {
        let field = |k: &str| {
            self.body
                .get(k)
                .and_then(Value::as_str)
                .map_or_else(|| "<nil>".to_string(), str::to_string)
        };
        Error::upstream(format!(
            "Status: {}; ErrorMessage: {}; Description: {}; ResponseError: <nil>",
            self.status.as_u16(),
            field("error"),
            field("description")
        ))
    }

    fn operation(&self) -> String {
        self.body.get("operation").and_then(Value::as_str).unwrap_or_default().to_string()
    }
}

fn params_json(p: &Parameters) -> Value {
    Value::Object(p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

impl OsbClient {
    /// A client with `settings`.
    ///
    /// # Errors
    /// The HTTP clients cannot be built.
    pub fn new(settings: OsbSettings) -> anyhow::Result<Self> {
        let build = |insecure: bool| {
            reqwest::Client::builder()
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.timeout)
                .redirect(reqwest::redirect::Policy::none())
                .danger_accept_invalid_certs(insecure)
                .build()
        };
        Ok(OsbClient {
            settings,
            secure: build(false)?,
            insecure: build(true)?,
            catalogs: Mutex::new(HashMap::new()),
        })
    }

    fn broker_of(service: &Service) -> Result<&Broker> {
        service
            .broker
            .as_ref()
            .ok_or_else(|| Error::unexpected("a registered service given to the broker client"))
    }

    /// What the broker told us of `instance` when it provisioned it.
    fn data_of(instance: &ServiceInstance) -> Result<BrokerData> {
        instance.broker_data.clone().ok_or_else(|| Error::upstream("Invalid broker data"))
    }

    /// Sends `body`, with the instance's parameters, to the instance's endpoint by `method`,
    /// accepting an asynchronous answer, on behalf of the caller.
    async fn instance_call(
        &self,
        broker: &Broker,
        method: Method,
        instance: &ServiceInstance,
        uuid: &str,
        mut body: Value,
        call: &CallInfo,
    ) -> Result<Answer> {
        if !instance.parameters.is_empty() {
            body["parameters"] = params_json(&instance.parameters);
        }
        self.call(
            broker,
            method,
            &format!("v2/service_instances/{uuid}"),
            &[("accepts_incomplete", "true")],
            Some(body),
            Some(json!({"user": call.user})),
        )
        .await
    }

    async fn call(
        &self,
        broker: &Broker,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        identity: Option<Value>,
    ) -> Result<Answer> {
        let http = if broker.insecure { &self.insecure } else { &self.secure };
        let url = format!("{}/{}", broker.url.trim_end_matches('/'), path);
        let mut req =
            http.request(method, &url).header("X-Broker-API-Version", API_VERSION).query(query);
        if let Some((user, pass)) = &broker.auth.basic {
            req = req.basic_auth(user, Some(pass));
        } else if let Some(token) = &broker.auth.bearer {
            req = req.bearer_auth(token);
        }
        if let Some(id) = identity {
            req = req.header(
                "X-Broker-API-Originating-Identity",
                format!("tsuru {}", base64(id.to_string().as_bytes())),
            );
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| {
            let (timeout, connect) = (e.is_timeout(), e.is_connect());
            tracing::warn!(error = %e.without_url(), broker = %broker.name, "broker call failed");
            let why = if timeout {
                format!("did not answer within {:?}", self.settings.timeout)
            } else if connect {
                "cannot be reached (connection failed)".to_string()
            } else {
                "connection failed".to_string()
            };
            Error::upstream(format!("service broker {:?} {why}", broker.name))
        })?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(Answer { status, body })
    }

    fn context(broker: &Broker, call: &CallInfo, data: &BrokerData) -> Value {
        let mut ctx = Map::new();
        ctx.insert("platform".into(), json!("tsuru"));
        ctx.insert("request_id".into(), json!(call.event_id));
        ctx.insert("event_id".into(), json!(call.event_id));
        ctx.insert("organization_guid".into(), json!(data.org_id));
        ctx.insert("space_guid".into(), json!(data.space_id));
        for (k, v) in &broker.context {
            ctx.insert(k.clone(), json!(v));
        }
        Value::Object(ctx)
    }

    async fn find_in_catalog(
        &self,
        service: &Service,
        plan: &str,
    ) -> Result<(String, Option<String>)> {
        let broker = Self::broker_of(service)?;
        let name = split_brokered(&service.name).map_or(service.name.as_str(), |(_, s)| s);
        let catalog = self.catalog(broker).await?;
        let svc = catalog
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))?;
        let plan_id = svc.plans.iter().find(|(_, p)| p.name == plan).map(|(id, _)| id.clone());
        Ok((svc.id, plan_id))
    }

    async fn fetch_catalog(&self, broker: &Broker) -> Result<CatalogDoc> {
        let a = self.call(broker, Method::GET, "v2/catalog", &[], None, None).await?;
        if a.status != StatusCode::OK {
            return Err(a.error());
        }
        serde_json::from_value(a.body).map_err(|_| {
            Error::upstream(format!("service broker {:?}: invalid catalog", broker.name))
        })
    }

    /// Polls `last_operation` until it ends or the poll timeout passes: `Ok(None)` when it
    /// succeeded, `Ok(Some(<state - description>))` when it is still running. For a
    /// deprovision (`gone_is_done`), a 410 Gone answer is its success, as OSB says.
    ///
    /// # Errors
    /// The operation failed (with the broker's description); the broker failed.
    async fn wait(
        &self,
        broker: &Broker,
        instance: &ServiceInstance,
        data: &BrokerData,
        gone_is_done: bool,
    ) -> Result<Option<String>> {
        let started = Instant::now();
        loop {
            let (state, description) = match self.last_operation(broker, instance, data).await {
                Err(Gone) if gone_is_done => return Ok(None),
                Err(Gone) => return Err(Error::upstream(GONE_DURING_OPERATION)),
                Ok(answer) => answer?,
            };
            match state.as_str() {
                "succeeded" => return Ok(None),
                "failed" => {
                    return Err(Error::upstream(format!(
                        "the broker's operation failed: {description}"
                    )))
                }
                _ => {}
            }
            if started.elapsed() >= self.settings.poll_timeout {
                return Ok(Some(if description.is_empty() {
                    state
                } else {
                    format!("{state} - {description}")
                }));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        }
    }

    /// `last_operation`'s state and description; `Err(Gone)` when the broker answers 410.
    async fn last_operation(
        &self,
        broker: &Broker,
        instance: &ServiceInstance,
        data: &BrokerData,
    ) -> std::result::Result<Result<(String, String)>, Gone> {
        match self.last_operation_answer(broker, instance, data).await {
            Ok(a) if a.status == StatusCode::GONE => Err(Gone),
            Ok(a) if a.status != StatusCode::OK => Ok(Err(a.error())),
            Ok(a) => {
                let s =
                    |k: &str| a.body.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                Ok(Ok((s("state"), s("description"))))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    async fn last_operation_answer(
        &self,
        broker: &Broker,
        instance: &ServiceInstance,
        data: &BrokerData,
    ) -> Result<Answer> {
        let mut query =
            vec![("service_id", data.service_id.as_str()), ("plan_id", data.plan_id.as_str())];
        if !data.last_operation_key.is_empty() {
            query.push(("operation", data.last_operation_key.as_str()));
        }
        self.call(
            broker,
            Method::GET,
            &format!("v2/service_instances/{}/last_operation", data.uuid),
            &query,
            None,
            Some(json!({"team": instance.team_owner})),
        )
        .await
    }
}

#[async_trait]
impl ServiceClient for OsbClient {
    async fn create(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let broker = Self::broker_of(service)?;
        let (service_id, plan_id) = self.find_in_catalog(service, &instance.plan_name).await?;
        let plan_id = plan_id
            .ok_or_else(|| Error::bad_request(format!("invalid plan: {}", instance.plan_name)))?;
        let org = uuid::Uuid::new_v4().to_string();
        let mut data = BrokerData {
            uuid: uuid::Uuid::new_v4().to_string(),
            service_id,
            plan_id,
            org_id: org.clone(),
            space_id: org,
            ..BrokerData::default()
        };
        let body = json!({
            "service_id": data.service_id,
            "plan_id": data.plan_id,
            "organization_guid": data.org_id,
            "space_guid": data.space_id,
            "context": Self::context(broker, call, &data),
        });
        let a = self.instance_call(broker, Method::PUT, instance, &data.uuid, body, call).await?;
        match a.status.as_u16() {
            200 | 201 => {}
            202 => {
                data.last_operation_key = a.operation();
                instance.broker_data = Some(data.clone());
                if let Err(e) = self.wait(broker, instance, &data, false).await {
                    // The broker gave up on it: ask it to forget the instance.
                    let _ = self.destroy(InstanceCall::new(service, &mut *instance, call)).await;
                    instance.broker_data = None;
                    return Err(e);
                }
            }
            409 => return Err(Error::conflict(INSTANCE_EXISTS_IN_API)),
            _ => return Err(a.error()),
        }
        instance.broker_data = Some(data);
        Ok(())
    }

    async fn update(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let broker = Self::broker_of(service)?;
        let mut data = Self::data_of(instance)?;
        let (service_id, plan_id) = self.find_in_catalog(service, &instance.plan_name).await?;
        let plan_id = plan_id
            .ok_or_else(|| Error::bad_request(format!("invalid plan: {}", instance.plan_name)))?;
        let body = json!({
            "service_id": service_id,
            "plan_id": plan_id,
            "context": Self::context(broker, call, &data),
            "previous_values": {
                "plan_id": data.plan_id,
                "service_id": data.service_id,
                "organization_id": data.org_id,
                "space_id": data.space_id,
            },
        });
        let a = self.instance_call(broker, Method::PATCH, instance, &data.uuid, body, call).await?;
        data.service_id = service_id;
        data.plan_id = plan_id;
        match a.status.as_u16() {
            200 | 201 => {}
            202 => {
                data.last_operation_key = a.operation();
                self.wait(broker, instance, &data, false).await?;
            }
            _ => return Err(a.error()),
        }
        instance.broker_data = Some(data);
        Ok(())
    }

    async fn destroy(&self, at: InstanceCall<'_>) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let broker = Self::broker_of(service)?;
        let Some(mut data) = instance.broker_data.clone() else {
            return Ok(());
        };
        let a = self
            .call(
                broker,
                Method::DELETE,
                &format!("v2/service_instances/{}", data.uuid),
                &[
                    ("service_id", &data.service_id),
                    ("plan_id", &data.plan_id),
                    ("accepts_incomplete", "true"),
                ],
                None,
                Some(json!({"user": call.user})),
            )
            .await?;
        match a.status.as_u16() {
            200 | 410 => Ok(()),
            202 => {
                // Polled until the broker is done (tsuru dropped the instance at once): one
                // that failed or is still running stays, its status telling why.
                data.last_operation_key = a.operation();
                instance.broker_data = Some(data.clone());
                match self.wait(broker, instance, &data, true).await? {
                    None => Ok(()),
                    Some(state) => Err(Error::upstream(format!(
                        "the broker did not finish removing the instance within {:?} ({state})",
                        self.settings.poll_timeout
                    ))),
                }
            }
            _ => Err(a.error()),
        }
    }

    async fn bind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<Variables> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let broker = Self::broker_of(service)?;
        let mut data = Self::data_of(instance)?;
        let bind = BrokerBind {
            uuid: uuid::Uuid::new_v4().to_string(),
            operation_key: String::new(),
            parameters: string_parameters(app.parameters.clone()),
        };
        let mut body = json!({
            "service_id": data.service_id,
            "plan_id": data.plan_id,
            "bind_resource": {"app_guid": app.name},
            "context": Self::context(broker, call, &data),
        });
        if !bind.parameters.is_empty() {
            body["parameters"] = params_json(&bind.parameters);
        }
        let a = self
            .call(
                broker,
                Method::PUT,
                &format!("v2/service_instances/{}/service_bindings/{}", data.uuid, bind.uuid),
                &[],
                Some(body),
                Some(json!({"user": call.user})),
            )
            .await?;
        if !matches!(a.status.as_u16(), 200 | 201) {
            return Err(a.error());
        }
        let envs = a
            .body
            .get("credentials")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        data.binds.insert(app.name.clone(), bind);
        instance.broker_data = Some(data);
        Ok(envs)
    }

    async fn unbind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<()> {
        let (service, instance, call) = (at.service, at.instance, at.call);
        let broker = Self::broker_of(service)?;
        let Some(mut data) = instance.broker_data.clone() else {
            return Ok(());
        };
        let Some(bind) = data.binds.get(&app.name).cloned() else {
            return Ok(());
        };
        let a = self
            .call(
                broker,
                Method::DELETE,
                &format!("v2/service_instances/{}/service_bindings/{}", data.uuid, bind.uuid),
                &[("service_id", &data.service_id), ("plan_id", &data.plan_id)],
                None,
                Some(json!({"user": call.user})),
            )
            .await?;
        if !matches!(a.status.as_u16(), 200 | 410) {
            return Err(a.error());
        }
        data.binds.remove(&app.name);
        instance.broker_data = Some(data);
        Ok(())
    }

    async fn status(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        _call: &CallInfo,
    ) -> Result<String> {
        let broker = Self::broker_of(service)?;
        let Some(data) = instance.broker_data.as_ref() else {
            return Err(Error::upstream("Invalid broker data"));
        };
        let (state, description) = match self.last_operation(broker, instance, data).await {
            Ok(answer) => answer?,
            // Removed at the broker: its deprovision succeeded.
            Err(Gone) => ("gone".to_string(), String::new()),
        };
        Ok(if description.is_empty() { state } else { format!("{state} - {description}") })
    }

    async fn info(
        &self,
        _service: &Service,
        instance: &ServiceInstance,
        _call: &CallInfo,
    ) -> Result<Vec<(String, String)>> {
        Ok(instance.parameters.iter().map(|(k, v)| (k.clone(), parameter_text(v))).collect())
    }

    async fn plans(
        &self,
        service: &Service,
        _pool: &str,
        _call: &CallInfo,
    ) -> Result<Vec<ServicePlan>> {
        let broker = Self::broker_of(service)?;
        let name = split_brokered(&service.name).map_or(service.name.as_str(), |(_, s)| s);
        Ok(self
            .catalog(broker)
            .await?
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.plans.into_iter().map(|(_, p)| p).collect())
            .unwrap_or_default())
    }

    async fn catalog(&self, broker: &Broker) -> Result<Vec<CatalogService>> {
        let key = format!("{}\n{}", broker.name, broker.url);
        if let Some((until, cached)) =
            self.catalogs.lock().unwrap_or_else(PoisonError::into_inner).get(&key)
        {
            if Instant::now() < *until {
                return cached.clone().map_err(Error::upstream);
            }
        }
        let doc = match self.fetch_catalog(broker).await {
            Ok(doc) => doc,
            Err(e) => {
                self.catalogs
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key, (Instant::now() + FAILED_CATALOG_TTL, Err(e.to_string())));
                return Err(e);
            }
        };
        let catalog: Vec<CatalogService> = doc
            .services
            .into_iter()
            .map(|s| CatalogService {
                id: s.id,
                name: s.name,
                description: s.description,
                plans: s
                    .plans
                    .into_iter()
                    .map(|p| {
                        (
                            p.id,
                            ServicePlan {
                                name: p.name,
                                description: p.description,
                                schemas: p.schemas,
                            },
                        )
                    })
                    .collect(),
            })
            .collect();
        let secs = if broker.cache_expiration_seconds > 0 {
            broker.cache_expiration_seconds
        } else {
            DEFAULT_CACHE_SECONDS
        };
        self.catalogs.lock().unwrap_or_else(PoisonError::into_inner).insert(
            key,
            (Instant::now() + Duration::from_secs(secs.unsigned_abs()), Ok(catalog.clone())),
        );
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(br#"{"user":"a"}"#), "eyJ1c2VyIjoiYSJ9");
    }
}
