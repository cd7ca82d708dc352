//! tsuru's domain: entities, validation, the permission model, the use cases and the ports
//! (async traits) that adapters implement.
//!
//! Nothing here depends on a web framework, a database driver or an HTTP client, so other Rust
//! tools can embed the use cases with their own adapters.
//!
//! The permission model, for example, is plain data and functions:
//!
//! ```
//! use tsuru_domain::permission::{check, Context, ContextType, Role};
//!
//! let mut deployer = Role::new("deployer", ContextType::Team, "deploys the team's apps").unwrap();
//! deployer.scheme_names = vec!["app.deploy".into()];
//! let granted = deployer.expand("web");
//! assert!(check(&granted, "app.deploy", &[Context::team("web")]));
//! assert!(check(&granted, "app.deploy.rollback", &[Context::team("web")]));
//! assert!(!check(&granted, "app.deploy", &[Context::team("db")]));
//! ```
//!
//! The use cases take their ports as `Arc<dyn Port>`; `tsuru-adapters` has in-memory and
//! MongoDB implementations, and `examples/permission-audit` embeds both.
#![warn(missing_docs)]

pub mod app;
pub mod bootstrap;
pub mod clock;
pub mod cluster;
pub mod error;
pub mod event;
pub mod iaas;
pub mod identity;
pub mod mail;
pub mod node;
pub mod output;
pub mod permission;
pub mod plan;
pub mod platform;
pub mod pool;
pub mod provision;
pub mod quota;
pub mod records;
pub mod router;
pub mod service;
pub mod team;
pub mod token;
pub mod user;
pub mod volume;
pub mod webhook;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{Error, Result};
pub use identity::{Call, Identity, Origin};
