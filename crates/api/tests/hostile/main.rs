//! Hostile and careless callers: requests that must not crash, stall or corrupt the server,
//! escalate a permission or leak a secret. Black-box over HTTP, on either store
//! (`TSURU_TEST_STORAGE=mongodb` with FerretDB).
mod input;

pub use tsuru_testkit::{status_text, TestServer};
