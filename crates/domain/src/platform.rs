//! Platforms: base images apps are built on (tsuru `app/platform.go`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::PlatformStorage;
pub use service::PlatformService;
