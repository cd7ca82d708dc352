//! Clusters: where a provisioner runs the apps of a pool (tsuru `provision/cluster`).
mod model;
mod ports;

pub use model::*;
pub use ports::ClusterStorage;
