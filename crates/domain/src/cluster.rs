//! Clusters: where a provisioner runs the apps of a pool (tsuru `provision/cluster`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::ClusterStorage;
pub use service::{ClusterService, ProvisionerInfo};
