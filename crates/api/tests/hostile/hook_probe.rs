//! Webhook helpers: a loopback HTTP listener that records what reaches it, and a way to
//! wait for a hook's deliveries.
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tsuru_api::Settings;
use tsuru_testkit::{status_text, TestServer};

/// Quick deliveries: short polls and backoff, 2 attempts.
pub fn fast(s: &mut Settings) {
    s.webhook.poll_interval = 0.05;
    s.webhook.retry_backoff = 0.1;
    s.webhook.max_attempts = 2;
}

/// A listener on 127.0.0.1 answering every request with one status (and `Location`, for
/// redirects) and recording `METHOD /path` of each.
pub struct Probe {
    pub port: u16,
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Probe {
    pub async fn start(status: u16, location: Option<String>, body: &str) -> Probe {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (seen, body) = (hits.clone(), body.to_string());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut conn, _)) = listener.accept().await else {
                    return;
                };
                let (seen, body, location) = (seen.clone(), body.clone(), location.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 1 << 20 {
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let line = head.lines().next().unwrap_or_default();
                    let mut parts = line.split(' ');
                    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    seen.lock().unwrap().push(format!("{method} {path}"));
                    let location =
                        location.map(|l| format!("Location: {l}\r\n")).unwrap_or_default();
                    let reply = format!(
                        "HTTP/1.1 {status} Probe\r\nContent-Length: {}\r\nConnection: close\r\n{location}\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(reply.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Probe { port, hits, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

/// `POST /1.6/events/webhooks` as the admin: status and text.
pub async fn create_hook(s: &TestServer, body: &Value) -> (u16, String) {
    status_text(s.admin().post_json("/1.6/events/webhooks", body).await).await
}

/// Waits (up to 10 s) until hook `name` has at least `n` deliveries, none pending.
pub async fn finished(s: &TestServer, name: &str, n: usize) -> Vec<Value> {
    s.wait_deliveries(name, |list| list.len() >= n && list.iter().all(|d| d["state"] != "pending"))
        .await
}
