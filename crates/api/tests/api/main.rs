//! Black-box tests of every endpoint against a real server on 127.0.0.1:0.
mod auth;
mod conventions;
mod events;
mod openapi;
mod roles;
mod teams;
mod users;

pub use tsuru_testkit::{status_text, TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};

/// The plain-text body of tsuru's permission denial.
pub const FORBIDDEN: &str = "You don't have permission to do this action\n";
/// The plain-text body of a 401.
pub const UNAUTHORIZED: &str = "You must provide a valid Authorization header\n";
