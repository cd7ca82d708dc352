//! The permission model: context types, the permission tree, roles and the check algorithm
//! (tsuru `permission/`, `types/permission/`).
mod cache;
mod grant;
mod model;
mod ports;
mod service;
pub mod tree;

pub use cache::{CachedRoles, ROLE_SNAPSHOT_TTL};
pub use grant::Grant;
pub use model::*;
pub use ports::RoleStorage;
pub use service::{can_use_role, ContextLookup, RoleService, RoleUpdate, StorageContextLookup};
