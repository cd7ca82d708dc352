//! Nodes: the machines a provisioner runs units on (tsuru's `/node` API of 2023). Nodes are not
//! stored here: node-capable provisioners own them (Kubernetes `Node` objects); a node added
//! on a new machine creates that machine through the IaaS first.
mod model;
mod service;

pub use model::*;
pub use service::{NodeList, NodeService, PendingAdd};
