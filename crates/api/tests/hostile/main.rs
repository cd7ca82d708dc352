//! Hostile and careless callers: requests that must not crash, stall or corrupt the server,
//! escalate a permission or leak a secret. One module per hole, each a regression test that
//! failed before its fix. Black-box over HTTP against real servers, on the in-memory store or
//! on MongoDB (`TSURU_TEST_STORAGE=mongodb`, with `scripts/ferretdb.sh exec`).
mod apps;
mod hook_probe;
mod input;
mod login;
mod platforms;
mod reset_throttle;
mod role_escalation;
mod ssrf;
mod teams_cleanup;
mod templates;
mod versions;
mod webhook_headers;
mod webhook_visibility;

pub use tsuru_testkit::{status_text, TestServer};

/// The plain-text body of tsuru's permission denial.
pub const FORBIDDEN: &str = "You don't have permission to do this action\n";
