//! Time and randomness as ports, so use cases are deterministic in tests.
use chrono::{DateTime, Utc};

/// The current time, and waiting.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
    /// Resolves after `d`.
    fn sleep(&self, d: std::time::Duration) -> futures::future::BoxFuture<'static, ()>;
}

/// Identifiers and secrets.
pub trait IdGenerator: Send + Sync {
    /// A new 24-hex-digit id shaped like a MongoDB ObjectID (time, random, counter), used for events.
    fn object_id(&self) -> String;
    /// `n` bytes from a cryptographically secure source.
    fn random_bytes(&self, n: usize) -> Vec<u8>;
}

/// Lowercase hex SHA-256 of `parts` joined, tsuru's shape for API keys and reset tokens.
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}
