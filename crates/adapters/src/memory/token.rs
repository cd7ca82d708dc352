//! Team tokens, unique by id and by value.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tsuru_domain::permission::RoleInstance;
use tsuru_domain::token::{TeamToken, TeamTokenStorage, TOKEN_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::MemoryStore;

fn exists() -> Error {
    Error::conflict(tsuru_domain::token::TOKEN_ALREADY_EXISTS)
}

impl MemoryStore {
    fn with_token<T>(&self, id: &str, f: impl FnOnce(&mut TeamToken) -> T) -> Result<T> {
        self.team_tokens.modify(id, TOKEN_NOT_FOUND, |t| Ok(f(t)))
    }
}

// Lock order: `team_tokens`, then `team_token_values`.
#[async_trait]
impl TeamTokenStorage for MemoryStore {
    async fn insert(&self, token: &TeamToken) -> Result<()> {
        let mut tokens = self.team_tokens.write();
        let mut values = self.team_token_values.write();
        if tokens.contains_key(&token.token_id) || values.contains_key(&token.token) {
            return Err(exists());
        }
        values.insert(token.token.clone(), token.token_id.clone());
        tokens.insert(token.token_id.clone(), token.clone());
        Ok(())
    }

    async fn find(&self, token_id: &str) -> Result<Option<TeamToken>> {
        Ok(self.team_tokens.get(token_id))
    }

    async fn find_by_value(&self, value: &str) -> Result<Option<TeamToken>> {
        let tokens = self.team_tokens.read();
        let id = self.team_token_values.read().get(value).cloned();
        Ok(id.and_then(|id| tokens.get(&id).cloned()))
    }

    async fn list(&self, teams: Option<&[String]>) -> Result<Vec<TeamToken>> {
        Ok(self.team_tokens.filtered(|t| teams.is_none_or(|teams| teams.contains(&t.team))))
    }

    async fn update(&self, token: &TeamToken) -> Result<()> {
        let mut tokens = self.team_tokens.write();
        let mut values = self.team_token_values.write();
        let Some(stored) = tokens.get_mut(&token.token_id) else {
            return Err(Error::not_found(TOKEN_NOT_FOUND));
        };
        if stored.token != token.token {
            if values.contains_key(&token.token) {
                return Err(exists());
            }
            values.shift_remove(&stored.token);
            values.insert(token.token.clone(), token.token_id.clone());
            stored.token = token.token.clone();
        }
        stored.description = token.description.clone();
        stored.expires_at = token.expires_at;
        Ok(())
    }

    async fn record_access(&self, token_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.with_token(token_id, |t| t.last_access = Some(now))
    }

    async fn add_role(&self, token_id: &str, role: &RoleInstance) -> Result<()> {
        self.with_token(token_id, |t| {
            if !t.roles.contains(role) {
                t.roles.push(role.clone());
            }
        })
    }

    async fn remove_role(&self, token_id: &str, role: &RoleInstance) -> Result<()> {
        self.with_token(token_id, |t| t.roles.retain(|r| r != role))
    }

    async fn rename_role(&self, old: &str, new: &str) -> Result<()> {
        for token in self.team_tokens.write().values_mut() {
            for r in token.roles.iter_mut().filter(|r| r.name == old) {
                r.name = new.to_string();
            }
        }
        Ok(())
    }

    async fn delete(&self, token_id: &str) -> Result<()> {
        let mut tokens = self.team_tokens.write();
        let Some(token) = tokens.shift_remove(token_id) else {
            return Err(Error::not_found(TOKEN_NOT_FOUND));
        };
        self.team_token_values.write().shift_remove(&token.token);
        Ok(())
    }
}
