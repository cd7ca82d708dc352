//! Black-box tests of every endpoint against a real server on 127.0.0.1:0.
mod apps;
mod auth;
mod brokers;
mod clusters;
mod conventions;
mod deploys;
mod events;
mod iaas;
mod metrics;
mod nodes;
mod openapi;
#[path = "../../../../tests/support/peers.rs"]
mod peers;
mod plans;
mod platforms;
mod pools;
mod receiver;
mod roles;
mod services;
mod services_errors;
mod services_pools;
mod teams;
mod tokens;
mod users;
mod volumes;
mod webhooks;

use std::fmt::Debug;

use serde::de::DeserializeOwned;
pub use tsuru_testkit::{status_text, Caller, TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};

/// The plain-text body of tsuru's permission denial.
pub const FORBIDDEN: &str = "You don't have permission to do this action\n";
/// The plain-text body of a 401.
pub const UNAUTHORIZED: &str = "You must provide a valid Authorization header\n";

/// A form, the status it gets and the plain-text body.
pub type Case = (&'static [(&'static str, &'static str)], u16, &'static str);

/// Asserts that `resp` has `status` and the plain-text body `text`; the failure message names
/// `case` and the URL.
pub async fn expect(resp: reqwest::Response, status: u16, text: &str, case: impl Debug) {
    let url = resp.url().clone();
    let (got, body) = status_text(resp).await;
    assert_eq!((got, body.as_str()), (status, text), "{case:?} ({url})");
}

/// Asserts that `GET path` as `caller` answers `status` with the plain-text body `text`.
pub async fn expect_get(caller: &Caller, path: &str, status: u16, text: &str) {
    expect(caller.get(path).await, status, text, "GET").await;
}

/// Asserts that `DELETE path` as `caller` answers `status` with the plain-text body `text`.
pub async fn expect_delete(caller: &Caller, path: &str, status: u16, text: &str) {
    expect(caller.delete(path).await, status, text, "DELETE").await;
}

/// Sends each form of `cases` to `path` as `caller` with `method`, and asserts the status and
/// the plain-text body each gets.
pub async fn expect_forms<'a, F>(
    caller: &Caller,
    method: reqwest::Method,
    path: &str,
    cases: &[(F, u16, &str)],
) where
    F: AsRef<[(&'a str, &'a str)]> + Debug,
{
    for (form, status, text) in cases {
        let resp = caller.form(method.clone(), path, form.as_ref()).await;
        expect(resp, *status, text, form).await;
    }
}

/// Asserts that a removed thing is gone: removing it again at `remove` and reading `read`
/// answer 404 with `text`.
pub async fn assert_gone(caller: &Caller, remove: &str, read: &str, text: &str) {
    expect(caller.delete(remove).await, 404, text, "removed twice").await;
    expect(caller.get(read).await, 404, text, "read after removal").await;
}

/// The string `key` of each object in `list`.
///
/// # Panics
/// When one has no such string.
pub fn strings<'a>(list: &'a [serde_json::Value], key: &str) -> Vec<&'a str> {
    list.iter().map(|v| v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}"))).collect()
}

/// A server with `teams`.
pub async fn with_teams(teams: &[&str]) -> TestServer {
    let s = TestServer::spawn().await;
    for team in teams {
        s.team(team).await;
    }
    s
}

/// A server with team `t1` and a public default pool `p1`.
pub async fn with_pool() -> TestServer {
    let s = with_teams(&["t1"]).await;
    s.default_pool("p1").await;
    s
}

/// Creates pool `name` open to `team` only (as the admin; the answers are not checked).
pub async fn private_pool(s: &TestServer, name: &str, team: &str) {
    let admin = s.admin();
    admin.post_json("/1.0/pools", &serde_json::json!({ "name": name })).await;
    admin.post_form(&format!("/1.0/pools/{name}/team"), &[("team", team)]).await;
}

/// The full record of `event` (an item of an event list), as the admin.
pub async fn event_info(s: &TestServer, event: &serde_json::Value) -> serde_json::Value {
    let id = event["UniqueID"].as_str().expect("UniqueID");
    get_json(&s.admin(), &format!("/1.1/events/{id}")).await
}

/// `POST path` as `caller` with `body` sent as it is, as `content_type`.
///
/// # Panics
/// When the server cannot be reached.
pub async fn post_raw(
    caller: &Caller,
    path: &str,
    content_type: &str,
    body: &'static str,
) -> reqwest::Response {
    caller
        .request(reqwest::Method::POST, path)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("request")
}

/// The JSON body of `GET path` as `caller`.
///
/// # Panics
/// When the body is not that JSON.
pub async fn get_json<T: DeserializeOwned>(caller: &Caller, path: &str) -> T {
    caller.get(path).await.json().await.expect(path)
}
