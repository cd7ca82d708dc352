//! Hostile and careless callers: requests that must not crash, stall or corrupt the server,
//! escalate a permission or leak a secret (concurrent writers, leaks through aliases, moves
//! across teams, permission checks before input validation, bounded input). Black-box over
//! HTTP, on the in-memory store or on MongoDB with `TSURU_TEST_STORAGE=mongodb`, like
//! `tests/api`.
mod apps;
mod input;
mod platforms;

pub use tsuru_testkit::{status_text, TestServer};

/// The plain-text body of tsuru's permission denial.
pub const FORBIDDEN: &str = "You don't have permission to do this action\n";

/// A logged-in user holding `perms` on team `team` (through a new team role `r-<user>`).
pub async fn member(
    s: &TestServer,
    email: &str,
    team: &str,
    perms: &[&str],
) -> tsuru_testkit::Caller {
    let role = format!("r-{}", email.split('@').next().unwrap_or(email));
    s.role(&role, "team", perms).await;
    s.user(email).await;
    s.assign(&role, email, team).await;
    s.with_token(&s.login(email, "user-password").await)
}
