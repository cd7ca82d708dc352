//! Hostile and careless callers (issue 15): one module per hole, each a regression test that
//! failed before its fix. Black-box over HTTP against real servers, on the in-memory store or
//! on MongoDB (`TSURU_TEST_STORAGE=mongodb`, with `scripts/ferretdb.sh exec`).
mod hook_probe;
mod login;
mod reset_throttle;
mod role_escalation;
mod ssrf;
mod teams_cleanup;
mod templates;
mod versions;
mod webhook_headers;
mod webhook_visibility;
