//! Services, service instances and brokers: tsuru's `services`, `service_instances` and
//! `service_broker` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::service::{
    Broker, BrokerAuth, BrokerBind, BrokerData, BrokerStorage, Parameters, Service,
    ServiceInstance, ServiceInstanceStorage, ServiceStorage, BROKER_ALREADY_EXISTS,
    BROKER_NOT_FOUND, INSTANCE_ALREADY_EXISTS, INSTANCE_NOT_FOUND, SERVICE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::records::Stored;
use super::{db_error, insertion_stamp, is_duplicate_key, null_as_default};

/// tsuru's services collection.
pub const SERVICES: &str = "services";
/// tsuru's service instances collection.
pub const SERVICE_INSTANCES: &str = "service_instances";
/// tsuru's brokers collection.
pub const BROKERS: &str = "service_broker";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ServiceDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    username: String,
    #[serde(default, deserialize_with = "null_as_default")]
    password: String,
    #[serde(default, deserialize_with = "null_as_default")]
    endpoint: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_default")]
    owner_teams: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    teams: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    doc: String,
    #[serde(default)]
    is_restricted: bool,
    #[serde(default)]
    is_multi_cluster: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Service> for ServiceDocument {
    fn from(s: &Service) -> Self {
        ServiceDocument {
            name: s.name.clone(),
            username: s.username.clone(),
            password: s.password.clone(),
            endpoint: s.endpoints.clone(),
            owner_teams: s.owner_teams.clone(),
            teams: s.teams.clone(),
            doc: s.doc.clone(),
            is_restricted: s.is_restricted,
            is_multi_cluster: s.is_multi_cluster,
            tsurud_order: Some(insertion_stamp()),
        }
    }
}

impl From<ServiceDocument> for Service {
    fn from(d: ServiceDocument) -> Self {
        Service {
            name: d.name,
            username: d.username,
            password: d.password,
            endpoints: d.endpoint,
            owner_teams: d.owner_teams,
            teams: d.teams,
            doc: d.doc,
            is_restricted: d.is_restricted,
            is_multi_cluster: d.is_multi_cluster,
            broker: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct BindDocument {
    uuid: String,
    operationkey: String,
    #[serde(deserialize_with = "null_as_default")]
    parameters: Parameters,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct BrokerDataDocument {
    uuid: String,
    serviceid: String,
    planid: String,
    orgid: String,
    spaceid: String,
    lastoperationkey: String,
    #[serde(deserialize_with = "null_as_default")]
    binds: BTreeMap<String, BindDocument>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InstanceDocument {
    name: String,
    #[serde(default)]
    id: i64,
    service_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    plan_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    apps: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    jobs: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    teams: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    teamowner: String,
    #[serde(default, deserialize_with = "null_as_default")]
    description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    parameters: Parameters,
    #[serde(default, deserialize_with = "null_as_default")]
    pool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    broker_data: Option<BrokerDataDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&ServiceInstance> for InstanceDocument {
    fn from(i: &ServiceInstance) -> Self {
        InstanceDocument {
            name: i.name.clone(),
            id: i.id,
            service_name: i.service_name.clone(),
            plan_name: i.plan_name.clone(),
            apps: i.apps.clone(),
            jobs: i.jobs.clone(),
            teams: i.teams.clone(),
            teamowner: i.team_owner.clone(),
            description: i.description.clone(),
            tags: i.tags.clone(),
            parameters: i.parameters.clone(),
            pool: i.pool.clone(),
            broker_data: i.broker_data.as_ref().map(|b| BrokerDataDocument {
                uuid: b.uuid.clone(),
                serviceid: b.service_id.clone(),
                planid: b.plan_id.clone(),
                orgid: b.org_id.clone(),
                spaceid: b.space_id.clone(),
                lastoperationkey: b.last_operation_key.clone(),
                binds: b
                    .binds
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            BindDocument {
                                uuid: v.uuid.clone(),
                                operationkey: v.operation_key.clone(),
                                parameters: v.parameters.clone(),
                            },
                        )
                    })
                    .collect(),
            }),
            tsurud_order: None,
        }
    }
}

impl From<InstanceDocument> for ServiceInstance {
    fn from(d: InstanceDocument) -> Self {
        ServiceInstance {
            name: d.name,
            id: d.id,
            service_name: d.service_name,
            plan_name: d.plan_name,
            apps: d.apps,
            jobs: d.jobs,
            teams: d.teams,
            team_owner: d.teamowner,
            description: d.description,
            tags: d.tags,
            parameters: d.parameters,
            pool: d.pool,
            broker_data: d.broker_data.map(|b| BrokerData {
                uuid: b.uuid,
                service_id: b.serviceid,
                plan_id: b.planid,
                org_id: b.orgid,
                space_id: b.spaceid,
                last_operation_key: b.lastoperationkey,
                binds: b
                    .binds
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            BrokerBind {
                                uuid: v.uuid,
                                operation_key: v.operationkey,
                                parameters: v.parameters,
                            },
                        )
                    })
                    .collect(),
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct BasicDocument {
    username: String,
    password: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BearerDocument {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct AuthDocument {
    basicauthconfig: Option<BasicDocument>,
    bearerconfig: Option<BearerDocument>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct BrokerConfigDocument {
    authconfig: Option<AuthDocument>,
    insecure: bool,
    #[serde(deserialize_with = "null_as_default")]
    context: BTreeMap<String, String>,
    cacheexpirationseconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BrokerDocument {
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default, deserialize_with = "null_as_default")]
    config: BrokerConfigDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Broker> for BrokerDocument {
    fn from(b: &Broker) -> Self {
        let auth = (b.auth.basic.is_some() || b.auth.bearer.is_some()).then(|| AuthDocument {
            basicauthconfig: b
                .auth
                .basic
                .as_ref()
                .map(|(u, p)| BasicDocument { username: u.clone(), password: p.clone() }),
            bearerconfig: b.auth.bearer.as_ref().map(|t| BearerDocument { token: t.clone() }),
        });
        BrokerDocument {
            name: b.name.clone(),
            url: b.url.clone(),
            config: BrokerConfigDocument {
                authconfig: auth,
                insecure: b.insecure,
                context: b.context.clone(),
                cacheexpirationseconds: b.cache_expiration_seconds,
            },
            tsurud_order: Some(insertion_stamp()),
        }
    }
}

impl From<BrokerDocument> for Broker {
    fn from(d: BrokerDocument) -> Self {
        let auth = d.config.authconfig.unwrap_or_default();
        Broker {
            name: d.name,
            url: d.url,
            auth: BrokerAuth {
                basic: auth.basicauthconfig.map(|b| (b.username, b.password)),
                bearer: auth.bearerconfig.map(|b| b.token),
            },
            insecure: d.config.insecure,
            context: d.config.context,
            cache_expiration_seconds: d.config.cacheexpirationseconds,
        }
    }
}

#[async_trait]
impl ServiceStorage for super::MongoStore {
    async fn update(&self, service: &Service) -> Result<()> {
        let old = self
            .one::<ServiceDocument>(doc! {"_id": &service.name})
            .await?
            .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))?;
        let mut d = ServiceDocument::from(service);
        d.tsurud_order = old.tsurud_order;
        self.replace_or::<ServiceDocument>(doc! {"_id": &service.name}, d, || {
            Error::not_found(SERVICE_NOT_FOUND)
        })
        .await
    }
}

#[async_trait]
impl ServiceInstanceStorage for super::MongoStore {
    async fn insert(&self, instance: &ServiceInstance) -> Result<()> {
        let mut d = InstanceDocument::from(instance);
        d.tsurud_order = Some(insertion_stamp());
        self.insert_or::<InstanceDocument>(d, || Error::conflict(INSTANCE_ALREADY_EXISTS)).await
    }

    async fn find(&self, service: &str, name: &str) -> Result<Option<ServiceInstance>> {
        self.find_as::<InstanceDocument, _>(doc! {"service_name": service, "name": name}).await
    }

    async fn list(&self, service: Option<&str>) -> Result<Vec<ServiceInstance>> {
        let filter = match service {
            Some(s) => doc! {"service_name": s},
            None => doc! {},
        };
        let docs = self
            .all::<InstanceDocument>(filter, doc! {"tsurud_order": 1, "service_name": 1, "name": 1})
            .await?;
        Ok(docs.into_iter().map(ServiceInstance::from).collect())
    }

    async fn update(&self, instance: &ServiceInstance) -> Result<()> {
        let filter = doc! {"service_name": &instance.service_name, "name": &instance.name};
        let old = self
            .one::<InstanceDocument>(filter.clone())
            .await?
            .ok_or_else(|| Error::not_found(INSTANCE_NOT_FOUND))?;
        let mut d = InstanceDocument::from(instance);
        d.tsurud_order = old.tsurud_order;
        self.replace_or::<InstanceDocument>(filter, d, || Error::not_found(INSTANCE_NOT_FOUND))
            .await
    }

    async fn delete(&self, service: &str, name: &str) -> Result<()> {
        self.delete_or::<InstanceDocument>(doc! {"service_name": service, "name": name}, || {
            Error::not_found(INSTANCE_NOT_FOUND)
        })
        .await
    }
}

#[async_trait]
impl BrokerStorage for super::MongoStore {
    async fn update(&self, name: &str, broker: &Broker) -> Result<()> {
        let old = self
            .one::<BrokerDocument>(doc! {"name": name})
            .await?
            .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))?;
        // FerretDB reports a unique-index violation on replace as an internal error: look
        // first (the unique index still guards a race).
        if broker.name != name
            && self.one::<BrokerDocument>(doc! {"name": &broker.name}).await?.is_some()
        {
            return Err(Error::conflict(BROKER_ALREADY_EXISTS));
        }
        let mut d = BrokerDocument::from(broker);
        d.tsurud_order = old.tsurud_order;
        match self.docs::<BrokerDocument>().replace_one(doc! {"name": name}, d).await {
            Ok(r) if r.matched_count == 0 => Err(Error::not_found(BROKER_NOT_FOUND)),
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict(BROKER_ALREADY_EXISTS)),
            Err(e) => Err(db_error(e)),
        }
    }
}

impl Stored for Service {
    type Doc = ServiceDocument;
}

/// Brokers are keyed by their `name` field.
impl Stored for Broker {
    type Doc = BrokerDocument;
    const KEY: &'static str = "name";
}

super::doctor::stored! {
    ServiceDocument => SERVICES;
    InstanceDocument => SERVICE_INSTANCES, label "name";
    BrokerDocument => BROKERS, label "name";
}
