//! Webhook calls over HTTP (reqwest with rustls): tsuru's transport, 15 s to connect, 60 s in
//! all, no keep-alive; `proxy_url` and `insecure` honoured together (tsuru dropped `insecure`
//! and the connect timeout when a proxy was set).
//!
//! A hook's URL is any webhook owner's input, so calls go only to public addresses unless the
//! operator allows a network (`webhook.allowed-networks`). The check is made on every call
//! against the addresses the name resolves to, and the connection goes to a checked address
//! (names are resolved once, by the check), so a name that changes its answer cannot slip
//! through. Redirects are not followed and response bodies are not read.
use crate::chain;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{redirect, Client, ClientBuilder, Method, Proxy, Url};
use tsuru_domain::webhook::{HookRequest, HookResponse, WebhookSender};

/// Networks webhook calls may reach although they are not public (CIDR blocks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedNetworks(Vec<(IpAddr, u8)>);

impl AllowedNetworks {
    /// Parses CIDR blocks (`10.0.0.0/8`, `::1/128`); a bare address is a single host.
    ///
    /// # Errors
    /// A block that does not parse, or a prefix longer than the address.
    pub fn parse(blocks: &[String]) -> anyhow::Result<Self> {
        let mut out = Vec::new();
        for b in blocks {
            let (addr, len) = match b.trim().split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (b.trim(), None),
            };
            let ip: IpAddr = addr.parse().map_err(|_| {
                anyhow::anyhow!("webhook.allowed-networks: {b:?} is not a CIDR block")
            })?;
            let ip = canonical(ip);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = match len {
                Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max).ok_or_else(|| {
                    anyhow::anyhow!("webhook.allowed-networks: {b:?} has an invalid prefix length")
                })?,
                None => max,
            };
            out.push((ip, len));
        }
        Ok(AllowedNetworks(out))
    }

    /// Whether `ip` is in one of the blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, len)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), *len),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), *len),
            _ => false,
        })
    }

    /// Whether a webhook call may go to `ip`: a public address, or one in an allowed block.
    pub fn permits(&self, ip: IpAddr) -> bool {
        is_public(canonical(ip)) || self.contains(ip)
    }
}

/// IPv4-mapped IPv6 addresses as the IPv4 addresses they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], len: u8) -> bool {
    let (full, rest) = (usize::from(len / 8), len % 8);
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[full] & mask) == (b[full] & mask)
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local (cloud
/// metadata services), shared, multicast, documentation, benchmarking or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    let in_block = |net: [u8; 4], len: u8| prefix_eq(&net, &o, len);
    !(in_block([0, 0, 0, 0], 8)
        || in_block([10, 0, 0, 0], 8)
        || in_block([100, 64, 0, 0], 10)
        || in_block([127, 0, 0, 0], 8)
        || in_block([169, 254, 0, 0], 16)
        || in_block([172, 16, 0, 0], 12)
        || in_block([192, 0, 0, 0], 24)
        || in_block([192, 0, 2, 0], 24)
        || in_block([192, 88, 99, 0], 24)
        || in_block([192, 168, 0, 0], 16)
        || in_block([198, 18, 0, 0], 15)
        || in_block([198, 51, 100, 0], 24)
        || in_block([203, 0, 113, 0], 24)
        || in_block([224, 0, 0, 0], 4)
        || in_block([240, 0, 0, 0], 4))
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let o = a.octets();
    let in_block = |net: [u8; 16], len: u8| prefix_eq(&net, &o, len);
    let net = |head: &[u8]| {
        let mut n = [0u8; 16];
        n[..head.len()].copy_from_slice(head);
        n
    };
    // Global unicast (2000::/3) only, without the special blocks inside it: Teredo and
    // 6to4 (which embed IPv4 addresses), ORCHID, benchmarking and documentation.
    in_block(net(&[0x20]), 3)
        && !(in_block(net(&[0x20, 0x01, 0, 0]), 32)
            || in_block(net(&[0x20, 0x01, 0, 0x02]), 48)
            || in_block(net(&[0x20, 0x01, 0, 0x10]), 28)
            || in_block(net(&[0x20, 0x01, 0x0d, 0xb8]), 32)
            || in_block(net(&[0x20, 0x02]), 16))
}

fn refused(ip: IpAddr, host: &str) -> String {
    format!(
        "webhook destination {host} ({ip}) is not a public address; an operator may allow it in webhook.allowed-networks"
    )
}

/// Resolves names for reqwest and keeps only the addresses a call may go to, so the
/// connection is made to an address that was checked.
#[derive(Debug)]
struct CheckedResolver {
    allowed: AllowedNetworks,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<SocketAddr> =
                found.iter().copied().filter(|a| allowed.permits(a.ip())).collect();
            if ok.is_empty() {
                let why = match found.first() {
                    Some(a) => refused(a.ip(), &host),
                    None => format!("{host}: no address"),
                };
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends webhook calls with reqwest.
#[derive(Debug, Clone)]
pub struct HttpWebhookSender {
    connect_timeout: Duration,
    timeout: Duration,
    allowed: AllowedNetworks,
    verified: Client,
    unverified: Client,
}

impl HttpWebhookSender {
    /// A sender with these timeouts, calling public addresses only.
    ///
    /// # Errors
    /// When the TLS backend cannot be set up.
    pub fn new(connect_timeout: Duration, timeout: Duration) -> anyhow::Result<Self> {
        Self::with_allowed(connect_timeout, timeout, AllowedNetworks::default())
    }

    /// A sender that may also call the addresses in `allowed`.
    ///
    /// # Errors
    /// When the TLS backend cannot be set up.
    pub fn with_allowed(
        connect_timeout: Duration,
        timeout: Duration,
        allowed: AllowedNetworks,
    ) -> anyhow::Result<Self> {
        Ok(HttpWebhookSender {
            connect_timeout,
            timeout,
            verified: builder(connect_timeout, timeout, false, &allowed).build()?,
            unverified: builder(connect_timeout, timeout, true, &allowed).build()?,
            allowed,
        })
    }

    fn client(&self, req: &HookRequest) -> Result<Client, String> {
        match &req.proxy_url {
            None if req.insecure => Ok(self.unverified.clone()),
            None => Ok(self.verified.clone()),
            Some(p) => {
                let proxy = Proxy::all(p).map_err(|e| format!("invalid proxy url {p:?}: {e}"))?;
                builder(self.connect_timeout, self.timeout, req.insecure, &self.allowed)
                    .proxy(proxy)
                    .build()
                    .map_err(|e| chain(&e))
            }
        }
    }

    /// Refuses a URL whose host is a literal address that is not allowed (names are checked
    /// when they are resolved).
    fn check_literal(&self, raw: &str) -> Result<(), String> {
        let url = Url::parse(raw).map_err(|e| format!("invalid url {raw:?}: {e}"))?;
        let ip = match url.host() {
            Some(url::Host::Ipv4(a)) => IpAddr::V4(a),
            Some(url::Host::Ipv6(a)) => IpAddr::V6(a),
            _ => return Ok(()),
        };
        if self.allowed.permits(ip) {
            Ok(())
        } else {
            Err(refused(ip, url.host_str().unwrap_or_default()))
        }
    }
}

fn builder(
    connect_timeout: Duration,
    timeout: Duration,
    insecure: bool,
    allowed: &AllowedNetworks,
) -> ClientBuilder {
    Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .pool_max_idle_per_host(0)
        .danger_accept_invalid_certs(insecure)
        .redirect(redirect::Policy::none())
        .dns_resolver(Arc::new(CheckedResolver { allowed: allowed.clone() }))
        // Only the hook's own proxy, never one from the environment.
        .no_proxy()
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(&self, req: &HookRequest) -> Result<HookResponse, String> {
        // The connection goes to the proxy when there is one, else to the URL's host.
        self.check_literal(req.proxy_url.as_deref().unwrap_or(&req.url))?;
        self.check_literal(&req.url)?;
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
        let resp = rb.send().await.map_err(|e| chain(&e))?;
        // Only the status is kept: the body is dropped unread (the connection is not reused).
        Ok(HookResponse { status: resp.status().as_u16() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_permitted_by_default() {
        let none = AllowedNetworks::default();
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2001:db8::1",
            "2002:7f00:1::1",
            "64:ff9b::7f00:1",
        ] {
            assert!(!none.permits(ip(bad)), "{bad}");
        }
        for good in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(none.permits(ip(good)), "{good}");
        }
    }

    #[test]
    fn allowed_networks_open_what_they_name() {
        let allowed =
            AllowedNetworks::parse(&["127.0.0.0/8".into(), "::1".into(), "10.1.0.0/16".into()])
                .unwrap();
        assert!(allowed.permits(ip("127.0.0.2")));
        assert!(allowed.permits(ip("::ffff:127.0.0.1")));
        assert!(allowed.permits(ip("::1")));
        assert!(allowed.permits(ip("10.1.200.3")));
        assert!(!allowed.permits(ip("10.2.0.1")));
        assert!(!allowed.permits(ip("169.254.169.254")));
        assert!(AllowedNetworks::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(AllowedNetworks::parse(&["nope".into()]).is_err());
    }

    #[tokio::test]
    async fn loopback_is_refused_by_literal_and_by_name() {
        let s = HttpWebhookSender::new(Duration::from_secs(1), Duration::from_secs(2)).unwrap();
        let call = |url: &str| HookRequest {
            method: "POST".into(),
            url: url.into(),
            ..HookRequest::default()
        };
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://2130706433:9/",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:9/",
        ] {
            let err = s.send(&call(url)).await.unwrap_err();
            assert!(err.contains("is not a public address"), "{url}: {err}");
        }
        let mut proxied = call("http://example.com/");
        proxied.proxy_url = Some("http://127.0.0.1:3128".into());
        let err = s.send(&proxied).await.unwrap_err();
        assert!(err.contains("is not a public address"), "{err}");
    }
}
