//! Webhook calls over HTTP (reqwest with rustls): tsuru's transport, 15 s to connect, 60 s in
//! all, no keep-alive, redirects followed; `proxy_url` and `insecure` honoured together (tsuru
//! dropped `insecure` and the connect timeout when a proxy was set).
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Client, ClientBuilder, Method, Proxy};
use tsuru_domain::webhook::{HookRequest, HookResponse, WebhookSender};

/// Bytes of a failed call's response body kept for its error message.
const BODY_EXCERPT: usize = 1024;

/// Sends webhook calls with reqwest.
#[derive(Debug, Clone)]
pub struct HttpWebhookSender {
    connect_timeout: Duration,
    timeout: Duration,
    verified: Client,
    unverified: Client,
}

impl HttpWebhookSender {
    /// A sender with these timeouts.
    ///
    /// # Errors
    /// When the TLS backend cannot be set up.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> anyhow::Result<Self> {
        Ok(HttpWebhookSender {
            connect_timeout,
            timeout,
            verified: builder(connect_timeout, timeout, false).build()?,
            unverified: builder(connect_timeout, timeout, true).build()?,
        })
    }

    fn client(&self, req: &HookRequest) -> Result<Client, String> {
        match &req.proxy_url {
            None if req.insecure => Ok(self.unverified.clone()),
            None => Ok(self.verified.clone()),
            Some(p) => {
                let proxy = Proxy::all(p).map_err(|e| format!("invalid proxy url {p:?}: {e}"))?;
                builder(self.connect_timeout, self.timeout, req.insecure)
                    .proxy(proxy)
                    .build()
                    .map_err(|e| chain(&e))
            }
        }
    }
}

fn builder(connect_timeout: Duration, timeout: Duration, insecure: bool) -> ClientBuilder {
    Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .pool_max_idle_per_host(0)
        .danger_accept_invalid_certs(insecure)
        // Only the hook's own proxy, never one from the environment.
        .no_proxy()
}

/// An error with its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = c.source();
    }
    out
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(&self, req: &HookRequest) -> Result<HookResponse, String> {
        let client = self.client(req)?;
        let method = Method::from_bytes(req.method.as_bytes())
            .map_err(|e| format!("invalid method {:?}: {e}", req.method))?;
        let mut rb = client.request(method, &req.url);
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            rb = rb.body(body.clone());
        }
        let mut resp = rb.send().await.map_err(|e| chain(&e))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        // The start of the body is enough for an error message; a failed read keeps what came.
        while body.len() < BODY_EXCERPT {
            match resp.chunk().await {
                Ok(Some(c)) => body.extend_from_slice(&c),
                _ => break,
            }
        }
        body.truncate(BODY_EXCERPT);
        Ok(HookResponse {
            status,
            body: String::from_utf8_lossy(&body).trim_end().to_string(),
        })
    }
}
