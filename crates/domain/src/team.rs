//! Teams (tsuru `auth/team.go`, `types/auth/team.go`).
mod model;
mod overview;
mod owner;
mod ports;
mod service;

pub use model::*;
pub use overview::{TeamOverview, TeamOverviewService};
pub use owner::auto_team_owner;
pub use ports::TeamStorage;
pub use service::{TeamInfo, TeamListEntry, TeamService};
