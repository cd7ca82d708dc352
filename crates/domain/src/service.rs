//! Services, their instances and the clients that reach service APIs (tsuru `service`).
//!
//! A service is either registered (stored, reached through tsuru's native service API) or
//! brokered (`<broker>::<service>`, synthesized from an Open Service Broker catalog). Both are
//! reached through one port, [`ServiceClient`]. The use cases are in `catalog` (named after
//! [`ServiceCatalog`]: a `service/service.rs` would shadow its parent).
mod catalog;
mod model;
mod ports;

pub use catalog::{
    AppBinding, BindOutcome, InstanceInfo, InstanceListEntry, InstanceUpdate, NewBroker,
    NewInstance, ServiceCatalog, ServiceDefinition, ServiceInfoEntry,
};
pub use model::*;
pub use ports::{
    BrokerStorage, InstanceCall, ServiceClient, ServiceInstanceStorage, ServiceStorage, Variables,
};
