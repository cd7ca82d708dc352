//! Audit events with target locks (tsuru `event/`, `types/event`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::EventStorage;
pub use service::{EventService, NewEvent};
