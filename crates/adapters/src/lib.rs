//! Implementations of tsuru-domain's ports.
//!
//! - [`memory`]: the in-memory store, a first-class adapter serving `make run`, the test kit and
//!   every API test;
//! - [`mongo`]: MongoDB, on tsuru's collections, for production and several replicas;
//! - [`password`], [`jwt`]: bcrypt hashing and JWT sessions;
//! - [`mail`]: SMTP delivery (lettre) or logging when no relay is configured;
//! - [`simulated`], [`kubernetes`]: the simulated provisioner and the Kubernetes one;
//! - [`system`]: the real clock and id generator;
//! - [`template`], [`webhook_http`]: webhook bodies (Go templates) and calls (reqwest).
//!
//! Every store implements the same ports, so code written against them runs on either:
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use tsuru_adapters::memory::MemoryStore;
//! use tsuru_domain::quota::Quota;
//! use tsuru_domain::records::Records;
//! use tsuru_domain::user::{User, UserStorage};
//!
//! async fn register(users: &dyn UserStorage, email: &str) -> tsuru_domain::Result<()> {
//!     users.insert(&User::new(email, "", Quota::unlimited())).await
//! }
//!
//! let store = MemoryStore::new();
//! register(&store, "dev@example.com").await.unwrap();
//! let found = Records::<User>::find(&store, "dev@example.com").await.unwrap();
//! assert!(found.is_some());
//! assert!(register(&store, "dev@example.com").await.is_err(), "e-mails are unique");
//! # });
//! ```

#![warn(missing_docs)]

pub mod iaas;
pub mod jwt;
pub mod kubernetes;
pub mod mail;
pub mod memory;
pub mod mongo;
pub mod osb;
pub mod password;
pub mod service_api;
pub mod simulated;
pub mod system;
pub mod template;
pub mod webhook_http;

/// An error with its causes, `a: b: c` (a cause whose text is already there is left out).
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}
