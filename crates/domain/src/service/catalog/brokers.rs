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

    pub(super) fn broker_event(&self, name: &str, kind: &str, call: &Call) -> NewEvent {
        NewEvent::new(
            Target::new("service-broker", name),
            kind,
            call,
            Allowed::new("service-broker.read.events", Vec::new()),
        )
    }

    /// Adds a broker.
    ///
    /// # Errors
    /// 403; 400 without name or URL; 409 [`crate::service::BROKER_ALREADY_EXISTS`].
    pub async fn create_broker(&self, call: &Call, new: NewBroker) -> Result<()> {
        call.require("service-broker.create", &[])?;
        validate_broker(&new.broker)?;
        let ev = self.broker_event(&new.broker.name, "service-broker.create", call);
        self.events.run(ev, async { self.brokers.insert(&new.broker).await }).await
    }

    /// Replaces a broker (the body may rename it); a cache expiry of 0 keeps the stored one.
    ///
    /// # Errors
    /// 403; 400; 404 [`BROKER_NOT_FOUND`].
    pub async fn update_broker(&self, call: &Call, name: &str, new: NewBroker) -> Result<()> {
        call.require("service-broker.update", &[])?;
        if name.is_empty() {
            return Err(Error::bad_request(EMPTY_BROKER_NAME));
        }
        let mut broker = new.broker;
        validate_broker(&broker)?;
        let ev = self.broker_event(&broker.name, "service-broker.update", call);
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
    pub async fn delete_broker(&self, call: &Call, name: &str) -> Result<()> {
        call.require("service-broker.delete", &[])?;
        let ev = self.broker_event(name, "service-broker.delete", call);
        self.events.run(ev, async { self.brokers.delete(name).await }).await
    }
}
