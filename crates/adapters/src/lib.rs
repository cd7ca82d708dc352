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
