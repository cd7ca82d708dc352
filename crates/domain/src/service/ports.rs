use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{BindApp, Broker, CallInfo, CatalogService, Service, ServiceInstance, ServicePlan};
use crate::records::Records;
use crate::Result;

/// Storage of registered services (tsuru collection `services`).
#[async_trait]
pub trait ServiceStorage: Records<Service> {
    /// Replaces a service.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] [`super::SERVICE_NOT_FOUND`] when it does not
    /// exist.
    async fn update(&self, service: &Service) -> Result<()>;
}

/// Storage of service instances (tsuru collection `service_instances`), keyed by (service,
/// name).
#[async_trait]
pub trait ServiceInstanceStorage: Send + Sync {
    /// Stores an instance.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Conflict`] [`super::INSTANCE_ALREADY_EXISTS`] when the
    /// service has an instance of that name (the same name in another service is fine).
    async fn insert(&self, instance: &ServiceInstance) -> Result<()>;
    /// The instance `name` of `service`.
    async fn find(&self, service: &str, name: &str) -> Result<Option<ServiceInstance>>;
    /// Every instance, or those of `service`, in insertion order.
    async fn list(&self, service: Option<&str>) -> Result<Vec<ServiceInstance>>;
    /// Replaces an instance.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] [`super::INSTANCE_NOT_FOUND`] when it does not
    /// exist.
    async fn update(&self, instance: &ServiceInstance) -> Result<()>;
    /// Deletes an instance.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] [`super::INSTANCE_NOT_FOUND`] when it does not
    /// exist.
    async fn delete(&self, service: &str, name: &str) -> Result<()>;
}

/// Storage of service brokers (tsuru collection `service_broker`).
#[async_trait]
pub trait BrokerStorage: Records<Broker> {
    /// Replaces the broker `name` by `broker` (which may carry another name).
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] [`super::BROKER_NOT_FOUND`] when `name` does not
    /// exist, and [`crate::Error::Conflict`] [`super::BROKER_ALREADY_EXISTS`] when the new name
    /// is another broker's.
    async fn update(&self, name: &str, broker: &Broker) -> Result<()>;
}

/// The variables a bind gives the app, by name.
pub type Variables = BTreeMap<String, String>;

/// What a call that changes an instance at its service API acts on: the service, the
/// instance (whose broker data the call may fill in) and what tsuru tells the API about the
/// request.
#[derive(Debug)]
pub struct InstanceCall<'a> {
    /// The service.
    pub service: &'a Service,
    /// The instance.
    pub instance: &'a mut ServiceInstance,
    /// The request, as the API is told of it.
    pub call: &'a CallInfo,
}

impl<'a> InstanceCall<'a> {
    /// A call on `instance` of `service` for the request `call`.
    pub fn new(
        service: &'a Service,
        instance: &'a mut ServiceInstance,
        call: &'a CallInfo,
    ) -> Self {
        InstanceCall { service, instance, call }
    }
}

/// A client of the API behind a service: tsuru's native service API for registered services,
/// an Open Service Broker for brokered ones ([`Service::broker`] set). Every call is bounded
/// by a timeout; transport failures and unexpected answers are errors whose text names the
/// operation, never the service's credentials.
#[async_trait]
pub trait ServiceClient: Send + Sync {
    /// Creates the instance at the service API (it may fill [`ServiceInstance::broker_data`]).
    ///
    /// # Errors
    /// [`super::INSTANCE_EXISTS_IN_API`] when the API says so; any other refusal.
    async fn create(&self, at: InstanceCall<'_>) -> Result<()>;
    /// Sends the instance's new description, plan, tags and parameters.
    ///
    /// # Errors
    /// A refusal (an instance the API does not know is not one for the native API).
    async fn update(&self, at: InstanceCall<'_>) -> Result<()>;
    /// Removes the instance at the service API.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] [`super::INSTANCE_NOT_IN_API`]; any other refusal.
    async fn destroy(&self, at: InstanceCall<'_>) -> Result<()>;
    /// Binds an app; returns the variables the app gets.
    ///
    /// # Errors
    /// [`super::INSTANCE_NOT_READY`], [`super::INSTANCE_NOT_IN_API`]; any other refusal.
    async fn bind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<Variables>;
    /// Unbinds an app.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] when the API does not know the binding; any other refusal.
    async fn unbind_app(&self, at: InstanceCall<'_>, app: &BindApp) -> Result<()>;
    /// The instance's status as a word or sentence (`up`, `pending`, `down`, ...).
    ///
    /// # Errors
    /// A transport failure or an unexpected answer.
    async fn status(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        call: &CallInfo,
    ) -> Result<String>;
    /// Custom information as (label, value) pairs; none when the API has none.
    ///
    /// # Errors
    /// A transport failure.
    async fn info(
        &self,
        service: &Service,
        instance: &ServiceInstance,
        call: &CallInfo,
    ) -> Result<Vec<(String, String)>>;
    /// The plans of the service (for `pool`, when given).
    ///
    /// # Errors
    /// A transport failure.
    async fn plans(
        &self,
        service: &Service,
        pool: &str,
        call: &CallInfo,
    ) -> Result<Vec<ServicePlan>>;
    /// The catalog of a broker (empty for the native API).
    ///
    /// # Errors
    /// A transport failure or an unexpected answer.
    async fn catalog(&self, broker: &Broker) -> Result<Vec<CatalogService>>;
}
