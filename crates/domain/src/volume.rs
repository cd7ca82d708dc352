//! Persistent volumes, their plans and their binds to apps (tsuru `volume`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::VolumeStorage;
pub use service::{BindRequest, NewVolume, UnbindRequest, VolumeFilter, VolumeService};
