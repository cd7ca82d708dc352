//! Black-box tests of every endpoint against a real server on 127.0.0.1:0.
mod apps;
mod auth;
mod conventions;
mod events;
mod openapi;
mod plans;
mod platforms;
mod pools;
mod receiver;
mod roles;
mod teams;
mod tokens;
mod users;
mod webhooks;

pub use tsuru_testkit::{status_text, TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};

/// The plain-text body of tsuru's permission denial.
pub const FORBIDDEN: &str = "You don't have permission to do this action\n";
/// The plain-text body of a 401.
pub const UNAUTHORIZED: &str = "You must provide a valid Authorization header\n";
