//! Broker use cases.
use super::*;

impl ServiceCatalog {
    /// Every broker (credentials are the caller's to hide).
    ///
    /// # Errors
    /// 403 without a global `service-broker.read`.
    pub async fn list_brokers(&self, identity: &Identity) -> Result<Vec<Broker>> {
        identity.require("service-broker.read", &[])?;
        self.brokers.list().await
    }

    pub(super) fn broker_event(
        &self,
        name: &str,
        kind: &str,
        identity: &Identity,
        origin: &Origin,
    ) -> NewEvent {
        NewEvent::new(
            Target::new("service-broker", name),
            kind,
            identity,
            origin,
            Allowed::new("service-broker.read.events", Vec::new()),
        )
    }

    /// Adds a broker.
    ///
    /// # Errors
    /// 403; 400 without name or URL; 409 [`crate::service::BROKER_ALREADY_EXISTS`].
    pub async fn create_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        new: NewBroker,
    ) -> Result<()> {
        identity.require("service-broker.create", &[])?;
        validate_broker(&new.broker)?;
        let ev = self.broker_event(&new.broker.name, "service-broker.create", identity, origin);
        self.events
            .run(ev, async { self.brokers.insert(&new.broker).await })
            .await
    }

    /// Replaces a broker (the body may rename it); a cache expiry of 0 keeps the stored one.
    ///
    /// # Errors
    /// 403; 400; 404 [`BROKER_NOT_FOUND`].
    pub async fn update_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
        new: NewBroker,
    ) -> Result<()> {
        identity.require("service-broker.update", &[])?;
        if name.is_empty() {
            return Err(Error::bad_request(EMPTY_BROKER_NAME));
        }
        let mut broker = new.broker;
        validate_broker(&broker)?;
        let ev = self.broker_event(&broker.name, "service-broker.update", identity, origin);
        self.events
            .run(ev, async {
                let stored = self
                    .brokers
                    .find(name)
                    .await?
                    .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))?;
                if broker.cache_expiration_seconds == 0 {
                    broker.cache_expiration_seconds = stored.cache_expiration_seconds;
                } else if broker.cache_expiration_seconds < 0 {
                    broker.cache_expiration_seconds = 0;
                }
                self.brokers.update(name, &broker).await
            })
            .await
    }

    /// Removes a broker (its instances stay).
    ///
    /// # Errors
    /// 403; 404 [`BROKER_NOT_FOUND`].
    pub async fn delete_broker(
        &self,
        identity: &Identity,
        origin: &Origin,
        name: &str,
    ) -> Result<()> {
        identity.require("service-broker.delete", &[])?;
        let ev = self.broker_event(name, "service-broker.delete", identity, origin);
        self.events
            .run(ev, async { self.brokers.delete(name).await })
            .await
    }
}
