//! Services, service instances and brokers.
use async_trait::async_trait;
use tsuru_domain::service::{
    Broker, BrokerStorage, Service, ServiceInstance, ServiceInstanceStorage, ServiceStorage,
    BROKER_ALREADY_EXISTS, BROKER_NOT_FOUND, INSTANCE_ALREADY_EXISTS, INSTANCE_NOT_FOUND,
    SERVICE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl ServiceStorage for MemoryStore {
    async fn update(&self, service: &Service) -> Result<()> {
        self.services.replace(&service.name, service, SERVICE_NOT_FOUND)
    }
}

fn key(service: &str, name: &str) -> (String, String) {
    (service.to_string(), name.to_string())
}

#[async_trait]
impl ServiceInstanceStorage for MemoryStore {
    async fn insert(&self, instance: &ServiceInstance) -> Result<()> {
        self.service_instances.add(
            key(&instance.service_name, &instance.name),
            instance,
            INSTANCE_ALREADY_EXISTS,
        )
    }

    async fn find(&self, service: &str, name: &str) -> Result<Option<ServiceInstance>> {
        Ok(self.service_instances.get(&key(service, name)))
    }

    async fn list(&self, service: Option<&str>) -> Result<Vec<ServiceInstance>> {
        Ok(self.service_instances.filtered(|i| service.is_none_or(|s| i.service_name == s)))
    }

    async fn update(&self, instance: &ServiceInstance) -> Result<()> {
        self.service_instances.replace(
            &key(&instance.service_name, &instance.name),
            instance,
            INSTANCE_NOT_FOUND,
        )
    }

    async fn delete(&self, service: &str, name: &str) -> Result<()> {
        self.service_instances.remove(&key(service, name), INSTANCE_NOT_FOUND).map(drop)
    }
}

#[async_trait]
impl BrokerStorage for MemoryStore {
    async fn update(&self, name: &str, broker: &Broker) -> Result<()> {
        let mut all = self.brokers.write();
        let Some(index) = all.get_index_of(name) else {
            return Err(Error::not_found(BROKER_NOT_FOUND));
        };
        if broker.name != name && all.contains_key(&broker.name) {
            return Err(Error::conflict(BROKER_ALREADY_EXISTS));
        }
        all.shift_remove_index(index);
        all.shift_insert(index, broker.name.clone(), broker.clone());
        Ok(())
    }
}
