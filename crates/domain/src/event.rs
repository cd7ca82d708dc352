//! Audit events with target locks (tsuru `event/`, `types/event`).
pub mod json;
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::{EventListener, EventStorage};
pub use service::{EventService, NewEvent};
