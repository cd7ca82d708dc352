//! Team tokens: long-lived credentials owned by a team, holding only the roles bound to them
//! (tsuru `auth/team_token.go`, `types/auth/team_token.go`).
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::TeamTokenStorage;
pub use service::{NewTeamToken, TeamTokenUpdate, TokenService, TOKEN_NOT_FOUND};
