//! Plans: memory and CPU sizes for apps (tsuru `app/plan.go`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::PlanStorage;
pub use service::{default_of, PlanService};
