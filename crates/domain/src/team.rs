//! Teams (tsuru `auth/team.go`, `types/auth/team.go`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::TeamStorage;
pub use service::{TeamInfo, TeamListEntry, TeamService};
