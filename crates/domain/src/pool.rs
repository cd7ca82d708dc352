//! Pools and their constraints (tsuru `provision/pool`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::PoolStorage;
pub use service::{NewPool, PoolContextLookup, PoolService, PoolUpdate, PROVISIONER_MEMO_TTL};
