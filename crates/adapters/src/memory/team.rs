//! Teams.
use async_trait::async_trait;
use tsuru_domain::quota::Quota;
use tsuru_domain::team::{Team, TeamStorage, TEAM_NOT_FOUND};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl TeamStorage for MemoryStore {
    async fn update(&self, team: &Team) -> Result<()> {
        self.teams.modify(&team.name, TEAM_NOT_FOUND, |t| {
            t.tags.clone_from(&team.tags);
            t.quota = team.quota;
            Ok(())
        })
    }

    async fn set_quota(&self, name: &str, quota: Quota) -> Result<()> {
        self.teams.modify(name, TEAM_NOT_FOUND, |t| {
            t.quota = quota;
            Ok(())
        })
    }

    async fn inc_quota(&self, name: &str, delta: i64) -> Result<()> {
        self.teams.modify(name, TEAM_NOT_FOUND, |t| {
            t.quota = t.quota.adjusted(delta)?;
            Ok(())
        })
    }
}
