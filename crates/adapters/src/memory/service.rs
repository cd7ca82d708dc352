//! Services, service instances and brokers.
use async_trait::async_trait;
use tsuru_domain::service::{
    Broker, BrokerStorage, Service, ServiceInstance, ServiceInstanceStorage, ServiceStorage,
    BROKER_ALREADY_EXISTS, BROKER_NOT_FOUND, INSTANCE_ALREADY_EXISTS, INSTANCE_NOT_FOUND,
    SERVICE_ALREADY_EXISTS, SERVICE_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl ServiceStorage for MemoryStore {
    async fn insert(&self, service: &Service) -> Result<()> {
        let mut all = self.services.write();
        if all.contains_key(&service.name) {
            return Err(Error::conflict(SERVICE_ALREADY_EXISTS));
        }
        all.insert(service.name.clone(), service.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Service>> {
        Ok(self.services.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Service>> {
        Ok(self.services.read().values().cloned().collect())
    }

    async fn update(&self, service: &Service) -> Result<()> {
        match self.services.write().get_mut(&service.name) {
            Some(s) => {
                *s = service.clone();
                Ok(())
            }
            None => Err(Error::not_found(SERVICE_NOT_FOUND)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.services
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))
    }
}

fn key(service: &str, name: &str) -> (String, String) {
    (service.to_string(), name.to_string())
}

#[async_trait]
impl ServiceInstanceStorage for MemoryStore {
    async fn insert(&self, instance: &ServiceInstance) -> Result<()> {
        let mut all = self.service_instances.write();
        let k = key(&instance.service_name, &instance.name);
        if all.contains_key(&k) {
            return Err(Error::conflict(INSTANCE_ALREADY_EXISTS));
        }
        all.insert(k, instance.clone());
        Ok(())
    }

    async fn find(&self, service: &str, name: &str) -> Result<Option<ServiceInstance>> {
        Ok(self
            .service_instances
            .read()
            .get(&key(service, name))
            .cloned())
    }

    async fn list(&self, service: Option<&str>) -> Result<Vec<ServiceInstance>> {
        Ok(self
            .service_instances
            .read()
            .values()
            .filter(|i| service.is_none_or(|s| i.service_name == s))
            .cloned()
            .collect())
    }

    async fn update(&self, instance: &ServiceInstance) -> Result<()> {
        match self
            .service_instances
            .write()
            .get_mut(&key(&instance.service_name, &instance.name))
        {
            Some(i) => {
                *i = instance.clone();
                Ok(())
            }
            None => Err(Error::not_found(INSTANCE_NOT_FOUND)),
        }
    }

    async fn delete(&self, service: &str, name: &str) -> Result<()> {
        self.service_instances
            .write()
            .shift_remove(&key(service, name))
            .map(|_| ())
            .ok_or_else(|| Error::not_found(INSTANCE_NOT_FOUND))
    }
}

#[async_trait]
impl BrokerStorage for MemoryStore {
    async fn insert(&self, broker: &Broker) -> Result<()> {
        let mut all = self.brokers.write();
        if all.contains_key(&broker.name) {
            return Err(Error::conflict(BROKER_ALREADY_EXISTS));
        }
        all.insert(broker.name.clone(), broker.clone());
        Ok(())
    }

    async fn find(&self, name: &str) -> Result<Option<Broker>> {
        Ok(self.brokers.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Broker>> {
        Ok(self.brokers.read().values().cloned().collect())
    }

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

    async fn delete(&self, name: &str) -> Result<()> {
        self.brokers
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))
    }
}
