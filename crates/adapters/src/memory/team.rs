//! Teams.
use async_trait::async_trait;
use tsuru_domain::quota::Quota;
use tsuru_domain::team::{Team, TeamStorage};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

#[async_trait]
impl TeamStorage for MemoryStore {
    async fn insert(&self, team: &Team) -> Result<()> {
        let mut teams = self.teams.write();
        if teams.contains_key(&team.name) {
            return Err(Error::conflict(tsuru_domain::team::TEAM_ALREADY_EXISTS));
        }
        teams.insert(team.name.clone(), team.clone());
        Ok(())
    }

    async fn update(&self, team: &Team) -> Result<()> {
        match self.teams.write().get_mut(&team.name) {
            Some(t) => {
                t.tags.clone_from(&team.tags);
                t.quota = team.quota;
                Ok(())
            }
            None => Err(Error::not_found(tsuru_domain::team::TEAM_NOT_FOUND)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<Team>> {
        Ok(self.teams.read().get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<Team>> {
        Ok(self.teams.read().values().cloned().collect())
    }

    async fn set_quota(&self, name: &str, quota: Quota) -> Result<()> {
        match self.teams.write().get_mut(name) {
            Some(t) => {
                t.quota = quota;
                Ok(())
            }
            None => Err(Error::not_found(tsuru_domain::team::TEAM_NOT_FOUND)),
        }
    }

    async fn inc_quota(&self, name: &str, delta: i64) -> Result<()> {
        match self.teams.write().get_mut(name) {
            Some(t) => {
                t.quota = t.quota.adjusted(delta)?;
                Ok(())
            }
            None => Err(Error::not_found(tsuru_domain::team::TEAM_NOT_FOUND)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.teams
            .write()
            .shift_remove(name)
            .map(|_| ())
            .ok_or_else(|| Error::not_found(tsuru_domain::team::TEAM_NOT_FOUND))
    }
}
