//! Users, sessions, API keys, SSH keys and the native auth scheme (tsuru `auth/`, `auth/native/`).
mod auth;
mod credential_use;
mod model;
mod ports;
mod service;

pub use auth::{AuthConfig, AuthService, SchemeInfo};
pub use credential_use::{CredentialUses, UsedCredential};
pub use model::*;
pub use ports::*;
pub use service::{UserRoleView, UserService, UserView};
