//! App quotas of users and teams (tsuru `types/quota`).
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{Call, Error, Identity, Result};

/// The quota use cases of teams and users (apps they may own) and apps (units they may run).
#[async_trait]
pub trait QuotaUseCases: Send + Sync {
    /// The quota of the record `name`.
    ///
    /// # Errors
    /// 403 without the read permission on the record; 404 for an unknown one.
    async fn quota(&self, identity: &Identity, name: &str) -> Result<Quota>;

    /// Sets the limit of the record `name`'s quota; `limit` as sent (negative: unlimited).
    ///
    /// # Errors
    /// 403 without the update permission or below the use; 404; 400 `Invalid limit`.
    async fn set_quota(&self, call: &Call, name: &str, limit: &str) -> Result<()>;
}

/// A quota limit as sent; anything but an integer is 400 `Invalid limit`.
///
/// # Errors
/// 400 `Invalid limit`.
pub fn parse_limit(limit: &str) -> Result<i64> {
    limit.trim().parse().map_err(|_| Error::bad_request("Invalid limit"))
}

/// tsuru's refusal of an allocation past a quota (403): `Quota exceeded. Available: <n>,
/// Requested: <m>.`
pub fn quota_exceeded(available: i64, requested: i64) -> Error {
    Error::Forbidden(format!("Quota exceeded. Available: {available}, Requested: {requested}."))
}

/// `{limit, inuse}`; `limit == -1` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Maximum number of apps, -1 for unlimited.
    pub limit: i64,
    /// Apps in use.
    pub inuse: i64,
}

impl Default for Quota {
    fn default() -> Self {
        Quota::unlimited()
    }
}

impl Quota {
    /// No limit.
    pub fn unlimited() -> Self {
        Quota { limit: -1, inuse: 0 }
    }

    /// A quota whose limit comes from configuration (`None` or negative: unlimited).
    pub fn from_config(limit: Option<i64>) -> Self {
        match limit {
            Some(n) if n >= 0 => Quota { limit: n, inuse: 0 },
            _ => Quota::unlimited(),
        }
    }

    /// Sets a new limit (negative: unlimited).
    ///
    /// # Errors
    /// 403 `New limit is less than the current allocated value` when `limit` is below `inuse`.
    pub fn with_limit(self, limit: i64) -> Result<Self> {
        if limit < 0 {
            return Ok(Quota { limit: -1, ..self });
        }
        if limit < self.inuse {
            return Err(Error::Forbidden(
                "New limit is less than the current allocated value".into(),
            ));
        }
        Ok(Quota { limit, ..self })
    }

    /// Checks that `n` more can be allocated.
    ///
    /// # Errors
    /// 403 `Quota exceeded. Available: <n>, Requested: <m>.`
    pub fn check_inc(&self, n: i64) -> Result<()> {
        if self.limit >= 0 && self.inuse + n > self.limit {
            return Err(quota_exceeded((self.limit - self.inuse).max(0), n));
        }
        Ok(())
    }
}

impl Quota {
    /// The quota after using `delta` more (negative: releasing), never below 0.
    ///
    /// # Errors
    /// 403 `Quota exceeded...` when a positive `delta` goes over the limit.
    pub fn adjusted(self, delta: i64) -> Result<Self> {
        if delta > 0 {
            self.check_inc(delta)?;
        }
        Ok(Quota { inuse: (self.inuse + delta).max(0), ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_limit_means_unlimited() {
        let q = Quota { limit: 3, inuse: 2 }.with_limit(-7).unwrap();
        assert_eq!(q, Quota { limit: -1, inuse: 2 });
    }

    #[test]
    fn limit_below_inuse_is_refused() {
        let err = Quota { limit: 3, inuse: 2 }.with_limit(1).unwrap_err();
        assert_eq!(err.to_string(), "New limit is less than the current allocated value");
    }

    #[test]
    fn exceeding_reports_available_and_requested() {
        let err = Quota { limit: 1, inuse: 1 }.check_inc(1).unwrap_err();
        assert_eq!(err.to_string(), "Quota exceeded. Available: 0, Requested: 1.");
        assert!(Quota::unlimited().check_inc(1000).is_ok());
    }
}
