//! The real clock and randomness.
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use rand::RngCore;
use tsuru_domain::clock::{Clock, IdGenerator};

/// Wall-clock time, to the millisecond: what MongoDB keeps, so a time read back from either
/// store equals the time written.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
    }

    fn sleep(&self, d: std::time::Duration) -> futures::future::BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// ObjectID-shaped ids (4 bytes of seconds, 5 random bytes fixed per process, a 3-byte
/// counter) and secrets from the operating system's generator.
#[derive(Debug)]
pub struct RandomIds {
    process: [u8; 5],
    counter: AtomicU32,
}

impl Default for RandomIds {
    fn default() -> Self {
        let mut process = [0u8; 5];
        rand::rngs::OsRng.fill_bytes(&mut process);
        RandomIds { process, counter: AtomicU32::new(rand::random::<u32>() & 0x00ff_ffff) }
    }
}

impl IdGenerator for RandomIds {
    fn object_id(&self) -> String {
        let secs = u32::try_from(Utc::now().timestamp()).unwrap_or(u32::MAX);
        let count = self.counter.fetch_add(1, Ordering::Relaxed) & 0x00ff_ffff;
        let mut bytes = Vec::with_capacity(12);
        bytes.extend_from_slice(&secs.to_be_bytes());
        bytes.extend_from_slice(&self.process);
        bytes.extend_from_slice(&count.to_be_bytes()[1..]);
        hex::encode(bytes)
    }

    fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut buf = vec![0u8; n];
        rand::rngs::OsRng.fill_bytes(&mut buf);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_24_hex_and_unique() {
        let ids = RandomIds::default();
        let a = ids.object_id();
        let b = ids.object_id();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
