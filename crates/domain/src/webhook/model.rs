use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::event::Event;
use crate::{Error, Result};

static NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9-]{0,39}$").expect("static regex"));

/// tsuru's text for a webhook name already taken.
pub const WEBHOOK_ALREADY_EXISTS: &str = "webhook already exists with the same name";

/// tsuru's text for a missing webhook.
pub const WEBHOOK_NOT_FOUND: &str = "webhook not found";

/// Which finished events call a hook. Every list is "any of"; an empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookFilter {
    /// Target types (the primary or any extra target).
    pub target_types: Vec<String>,
    /// Target values (the primary or any extra target), matched apart from the types.
    pub target_values: Vec<String>,
    /// Kind types (`permission`, `internal`).
    pub kind_types: Vec<String>,
    /// Kind names or dotted prefixes of them (`app` matches `app.update.env.set`).
    pub kind_names: Vec<String>,
    /// Only failed events.
    pub error_only: bool,
    /// Only successful events.
    pub success_only: bool,
}

impl WebhookFilter {
    /// Whether finished event `e` calls the hook (tsuru's rules).
    pub fn matches(&self, e: &Event) -> bool {
        let any_of = |list: &[String], candidates: Vec<&str>| {
            list.is_empty() || candidates.iter().any(|c| list.iter().any(|x| x == c))
        };
        let targets: Vec<&crate::event::Target> =
            std::iter::once(&e.target).chain(e.extra_targets.iter().map(|t| &t.target)).collect();
        any_of(&self.target_types, targets.iter().map(|t| t.ttype.as_str()).collect())
            && any_of(&self.target_values, targets.iter().map(|t| t.value.as_str()).collect())
            && any_of(&self.kind_types, vec![e.kind.ktype.as_str()])
            && (self.kind_names.is_empty()
                || self.kind_names.iter().any(|n| is_dotted_prefix(n, &e.kind.name)))
            && if e.error.is_empty() { !self.error_only } else { !self.success_only }
    }
}

/// Whether `prefix` is `name` or one of its dotted prefixes.
fn is_dotted_prefix(prefix: &str, name: &str) -> bool {
    name == prefix || name.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

/// A webhook (tsuru collection `webhook`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Webhook {
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Owning team.
    pub team_owner: String,
    /// Which events call it.
    pub filter: WebhookFilter,
    /// Where to send.
    pub url: String,
    /// Proxy to send through (`host:port` means `http://host:port`); empty: none.
    pub proxy_url: String,
    /// Headers sent with every call.
    pub headers: BTreeMap<String, Vec<String>>,
    /// HTTP method; empty means `POST`.
    pub method: String,
    /// Body template (Go `text/template` over the event); empty: the event JSON for
    /// POST/PUT/PATCH, nothing for other methods.
    pub body: String,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// HMAC-SHA256 key signing each call; empty: unsigned. Never shown back.
    pub secret: String,
}

impl Webhook {
    /// The upper-cased method, `POST` when unset.
    pub fn http_method(&self) -> String {
        if self.method.is_empty() {
            "POST".into()
        } else {
            self.method.to_ascii_uppercase()
        }
    }

    /// The proxy URL with `http://` added when it has no scheme; `None` without a proxy.
    pub fn proxy(&self) -> Option<String> {
        let p = self.proxy_url.trim();
        if p.is_empty() {
            None
        } else if p.contains("://") {
            Some(p.to_string())
        } else {
            Some(format!("http://{p}"))
        }
    }

    /// Checks the name (`check_name`), the URLs, the method and the headers.
    ///
    /// # Errors
    /// 400 with tsuru's texts for the name and URLs, and ours for the method and headers
    /// (tsuru accepted them and failed at delivery).
    pub fn validate(&self, check_name: bool) -> Result<()> {
        if check_name {
            if self.name.is_empty() {
                return Err(Error::bad_request("webhook name must not be empty"));
            }
            if !NAME_RE.is_match(&self.name) {
                return Err(Error::bad_request("Invalid webhook name, webhook name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter."));
            }
        }
        if self.url.is_empty() {
            return Err(Error::bad_request("webhook url must not be empty"));
        }
        check_http_url(&self.url)
            .map_err(|e| Error::bad_request(format!("webhook url is not valid: {e}")))?;
        if let Some(p) = self.proxy() {
            check_http_url(&p)
                .map_err(|e| Error::bad_request(format!("webhook proxy url is not valid: {e}")))?;
        }
        if !self.method.is_empty() && !self.method.bytes().all(is_token_byte) {
            return Err(Error::bad_request(format!(
                "webhook method is not valid: {:?}",
                self.method
            )));
        }
        for (name, values) in &self.headers {
            let bad_value =
                values.iter().any(|v| v.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f));
            if name.is_empty() || !name.bytes().all(is_token_byte) || bad_value {
                return Err(Error::bad_request(format!("webhook header is not valid: {name:?}")));
            }
        }
        Ok(())
    }
}

/// An HTTP token character (RFC 9110), for methods and header names.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn check_http_url(raw: &str) -> std::result::Result<(), String> {
    let u = url::Url::parse(raw).map_err(|e| format!("parse {raw:?}: {e}"))?;
    if !["http", "https"].contains(&u.scheme()) {
        return Err(format!("unsupported scheme {:?}", u.scheme()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("parse {raw:?}: missing host"));
    }
    Ok(())
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// A call answered 200 to 399.
    Delivered,
    /// Given up: a 4xx, attempts exhausted, or the body template failed.
    Failed,
}

impl DeliveryState {
    /// Wire name: `pending`, `delivered`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

/// One call of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first call.
    pub number: u32,
    /// When it was sent.
    pub time: DateTime<Utc>,
    /// The response status, if a response came.
    pub status: Option<u16>,
    /// Why it failed; empty on success.
    pub error: String,
    /// How long the call took, in milliseconds.
    pub duration_ms: u64,
}

/// The request a delivery sends, fixed when the event finished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookRequest {
    /// Upper-case method.
    pub method: String,
    /// Target URL.
    pub url: String,
    /// Headers in order (repeated names allowed).
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<String>,
    /// Proxy URL, if any.
    pub proxy_url: Option<String>,
    /// Skip TLS verification.
    pub insecure: bool,
}

/// One event to deliver to one webhook, queued in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// 24 hex digits; sent as `X-Tsuru-Delivery` so receivers can drop duplicates.
    pub id: String,
    /// Webhook name.
    pub webhook: String,
    /// Event id.
    pub event_id: String,
    /// Event kind name.
    pub event_kind: String,
    /// What to send.
    pub request: HookRequest,
    /// The webhook's secret when the event finished; empty: unsigned.
    pub secret: String,
    /// State.
    pub state: DeliveryState,
    /// Calls made so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// The last failure (a call's, or the template's); empty when delivered.
    pub last_error: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it is due (meaningful while pending).
    pub next_attempt_at: DateTime<Utc>,
    /// The worker holding it, while one does.
    pub claimed_by: Option<String>,
    /// Until when that worker holds it.
    pub lease_until: Option<DateTime<Utc>>,
}

/// HMAC-SHA256 (RFC 2104) of `msg` with `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new().chain_update(&ipad).chain_update(msg).finalize();
    Sha256::new().chain_update(&opad).chain_update(inner).finalize().into()
}

/// The `X-Tsuru-Signature` value: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>`
/// keyed with the secret.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut msg = format!("{timestamp}.").into_bytes();
    msg.extend_from_slice(body);
    format!("sha256={}", hex::encode(hmac_sha256(secret.as_bytes(), &msg)))
}

crate::records::named!(Webhook, name, WEBHOOK_ALREADY_EXISTS, WEBHOOK_NOT_FOUND);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ExtraTarget, Kind, Target};

    fn event(ttype: &str, value: &str, kind: Kind, error: &str) -> Event {
        Event { kind, error: error.into(), ..crate::testing::event(ttype, value, "") }
    }

    fn filter() -> WebhookFilter {
        WebhookFilter::default()
    }

    #[test]
    fn an_empty_filter_matches_everything_but_flags_split_outcomes() {
        let ok = event("app", "a", Kind::permission("app.deploy"), "");
        let bad = event("app", "a", Kind::permission("app.deploy"), "boom");
        assert!(filter().matches(&ok) && filter().matches(&bad));
        let errors = WebhookFilter { error_only: true, ..filter() };
        assert!(!errors.matches(&ok) && errors.matches(&bad));
        let successes = WebhookFilter { success_only: true, ..filter() };
        assert!(successes.matches(&ok) && !successes.matches(&bad));
        let both = WebhookFilter { error_only: true, success_only: true, ..filter() };
        assert!(!both.matches(&ok) && !both.matches(&bad));
    }

    #[test]
    fn kind_names_match_dotted_prefixes_only() {
        let e = event("app", "a", Kind::permission("app.update.env.set"), "");
        for n in ["app", "app.update", "app.update.env", "app.update.env.set"] {
            let f = WebhookFilter { kind_names: vec![n.into()], ..filter() };
            assert!(f.matches(&e), "{n}");
        }
        for n in ["ap", "app.upd", "app.update.env.set.x", "team", ""] {
            let f = WebhookFilter { kind_names: vec![n.into()], ..filter() };
            assert!(!f.matches(&e), "{n}");
        }
    }

    #[test]
    fn targets_match_primary_or_extra_types_and_values_independently() {
        let mut e = event("app", "a", Kind::internal("healer"), "");
        e.extra_targets.push(ExtraTarget { target: Target::new("pool", "p1"), lock: false });
        let f = |types: &[&str], values: &[&str]| WebhookFilter {
            target_types: types.iter().map(|s| s.to_string()).collect(),
            target_values: values.iter().map(|s| s.to_string()).collect(),
            ..filter()
        };
        assert!(f(&["pool"], &[]).matches(&e));
        assert!(f(&["team", "app"], &["a"]).matches(&e));
        assert!(f(&["app"], &["p1"]).matches(&e), "types and values apart");
        assert!(!f(&["team"], &[]).matches(&e));
        assert!(!f(&[], &["b"]).matches(&e));
        let kinds = WebhookFilter { kind_types: vec!["permission".into()], ..filter() };
        assert!(!kinds.matches(&e));
    }

    #[test]
    fn validation_texts() {
        let ok = Webhook {
            name: "hook-1".into(),
            url: "https://example.com/x".into(),
            ..Webhook::default()
        };
        assert!(ok.validate(true).is_ok());
        let err = |w: Webhook| w.validate(true).unwrap_err().to_string();
        assert_eq!(
            err(Webhook { name: String::new(), ..ok.clone() }),
            "webhook name must not be empty"
        );
        assert!(
            err(Webhook { name: "Hook".into(), ..ok.clone() }).starts_with("Invalid webhook name")
        );
        assert_eq!(
            err(Webhook { url: String::new(), ..ok.clone() }),
            "webhook url must not be empty"
        );
        assert!(err(Webhook { url: "not a url".into(), ..ok.clone() })
            .starts_with("webhook url is not valid: "));
        assert_eq!(
            err(Webhook { url: "ftp://x/".into(), ..ok.clone() }),
            "webhook url is not valid: unsupported scheme \"ftp\""
        );
        assert!(err(Webhook { proxy_url: "http://[::1".into(), ..ok.clone() })
            .starts_with("webhook proxy url is not valid: "));
        assert!(Webhook { proxy_url: "127.0.0.1:3128".into(), ..ok.clone() }
            .validate(true)
            .is_ok());
        assert_eq!(
            err(Webhook { method: "GE T".into(), ..ok.clone() }),
            "webhook method is not valid: \"GE T\""
        );
        let mut bad_header = ok.clone();
        bad_header.headers.insert("X-A".into(), vec!["a\r\nInjected: 1".into()]);
        assert_eq!(err(bad_header), "webhook header is not valid: \"X-A\"");
        let mut bad_name = ok.clone();
        bad_name.headers.insert("X A".into(), vec!["v".into()]);
        assert_eq!(err(bad_name), "webhook header is not valid: \"X A\"");
    }

    #[test]
    fn proxy_and_method_defaults() {
        let w =
            Webhook { proxy_url: "proxy:3128".into(), method: "put".into(), ..Webhook::default() };
        assert_eq!(w.proxy().as_deref(), Some("http://proxy:3128"));
        assert_eq!(w.http_method(), "PUT");
        assert_eq!(Webhook::default().http_method(), "POST");
        assert_eq!(Webhook::default().proxy(), None);
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(
            signature("Jefe", 1, b"x"),
            format!("sha256={}", hex::encode(hmac_sha256(b"Jefe", b"1.x")))
        );
    }
}
