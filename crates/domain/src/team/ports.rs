use async_trait::async_trait;

use super::Team;
use crate::quota::Quota;
use crate::records::Records;
use crate::Result;

/// Storage of teams (tsuru collection `teams`).
#[async_trait]
pub trait TeamStorage: Records<Team> {
    /// Replaces tags and quota of an existing team.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team not found` when it does not exist.
    async fn update(&self, team: &Team) -> Result<()>;
    /// Replaces the quota.
    ///
    /// # Errors
    /// MUST return [`crate::Error::NotFound`] `team not found` when it does not exist.
    async fn set_quota(&self, name: &str, quota: Quota) -> Result<()>;
    /// Adds `delta` apps to the team's quota use, atomically.
    ///
    /// # Errors
    /// MUST return [`crate::Error::Forbidden`] `Quota exceeded. Available: <n>, Requested: <m>.`
    /// (and change nothing) when a positive `delta` goes over the limit; `NotFound` `team not
    /// found`. Use never goes below 0.
    async fn inc_quota(&self, name: &str, delta: i64) -> Result<()>;
}
