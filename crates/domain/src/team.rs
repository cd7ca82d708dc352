//! Teams (tsuru `auth/team.go`, `types/auth/team.go`).
mod model;
mod owner;
mod ports;
mod service;

pub use model::*;
pub use owner::auto_team_owner;
pub use ports::TeamStorage;
pub use service::{TeamInfo, TeamListEntry, TeamService};
