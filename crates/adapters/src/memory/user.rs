//! Users, sessions, password-reset tokens and login throttling.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tsuru_domain::permission::RoleInstance;
use tsuru_domain::quota::Quota;
use tsuru_domain::user::{
    LoginThrottle, PasswordToken, PasswordTokenStorage, Session, SessionStorage, SshKey, User,
    UserStorage, USER_NOT_FOUND,
};
use tsuru_domain::{Error, Result};

use super::{MemoryStore, Window};

impl MemoryStore {
    fn with_user<T>(&self, email: &str, f: impl FnOnce(&mut User) -> Result<T>) -> Result<T> {
        self.users.modify(email, USER_NOT_FOUND, f)
    }
}

#[async_trait]
impl UserStorage for MemoryStore {
    async fn find_by_api_key(&self, key: &str) -> Result<Option<User>> {
        Ok(self.api_keys.get(key).and_then(|e| self.users.get(&e)))
    }

    async fn list_by_role(&self, role: &str) -> Result<Vec<User>> {
        Ok(self.users.filtered(|u| u.roles.iter().any(|r| r.name == role)))
    }

    async fn set_password(&self, email: &str, hash: &str) -> Result<()> {
        self.with_user(email, |u| {
            u.password = hash.to_string();
            Ok(())
        })
    }

    async fn set_api_key(&self, email: &str, key: &str) -> Result<()> {
        self.with_user(email, |u| {
            let mut keys = self.api_keys.write();
            keys.shift_remove(&u.api_key);
            keys.insert(key.to_string(), email.to_string());
            u.api_key = key.to_string();
            Ok(())
        })
    }

    async fn record_api_key_use(&self, email: &str, now: DateTime<Utc>, uses: i64) -> Result<()> {
        self.with_user(email, |u| {
            u.api_key_last_access = Some(now);
            u.api_key_usage_counter += uses;
            Ok(())
        })
    }

    async fn set_quota(&self, email: &str, quota: Quota) -> Result<()> {
        self.with_user(email, |u| {
            u.quota = quota;
            Ok(())
        })
    }

    async fn inc_quota(&self, email: &str, delta: i64) -> Result<()> {
        self.with_user(email, |u| {
            u.quota = u.quota.adjusted(delta)?;
            Ok(())
        })
    }

    async fn add_role(&self, email: &str, role: &RoleInstance) -> Result<()> {
        self.with_user(email, |u| {
            if !u.roles.contains(role) {
                u.roles.push(role.clone());
            }
            Ok(())
        })
    }

    async fn remove_role(&self, email: &str, role: &RoleInstance) -> Result<()> {
        self.with_user(email, |u| {
            u.roles.retain(|r| r != role);
            Ok(())
        })
    }

    async fn remove_role_from_all(&self, name: &str) -> Result<()> {
        for u in self.users.write().values_mut() {
            u.roles.retain(|r| r.name != name);
        }
        Ok(())
    }

    async fn add_key(&self, email: &str, key: &SshKey, replace: bool) -> Result<()> {
        self.with_user(email, |u| {
            let dup = || Error::conflict(tsuru_domain::user::KEY_ALREADY_EXISTS);
            if u.keys.iter().any(|k| k.content == key.content && k.name != key.name) {
                return Err(dup());
            }
            match u.keys.iter_mut().find(|k| k.name == key.name) {
                Some(existing) if replace => *existing = key.clone(),
                Some(_) => return Err(dup()),
                None => u.keys.push(key.clone()),
            }
            Ok(())
        })
    }

    async fn remove_key(&self, email: &str, name: &str) -> Result<()> {
        self.with_user(email, |u| {
            let before = u.keys.len();
            u.keys.retain(|k| k.name != name);
            if u.keys.len() == before {
                return Err(Error::not_found(tsuru_domain::user::KEY_NOT_FOUND));
            }
            Ok(())
        })
    }
}

#[async_trait]
impl SessionStorage for MemoryStore {
    async fn insert(&self, session: &Session) -> Result<()> {
        self.sessions.write().insert(session.jti.clone(), session.clone());
        Ok(())
    }

    async fn find(&self, jti: &str) -> Result<Option<Session>> {
        Ok(self.sessions.get(jti))
    }

    async fn delete(&self, jti: &str) -> Result<()> {
        self.sessions.write().shift_remove(jti);
        Ok(())
    }

    async fn delete_by_user(&self, email: &str) -> Result<u64> {
        let mut sessions = self.sessions.write();
        let before = sessions.len();
        sessions.retain(|_, s| s.user_email != email);
        Ok((before - sessions.len()) as u64)
    }
}

#[async_trait]
impl PasswordTokenStorage for MemoryStore {
    async fn insert(&self, token: &PasswordToken) -> Result<()> {
        self.password_tokens.write().insert(token.token.clone(), token.clone());
        Ok(())
    }

    async fn find(&self, token: &str) -> Result<Option<PasswordToken>> {
        Ok(self.password_tokens.get(token))
    }

    async fn consume(&self, token: &str) -> Result<bool> {
        match self.password_tokens.write().get_mut(token) {
            Some(t) if !t.used => {
                t.used = true;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[async_trait]
impl LoginThrottle for MemoryStore {
    async fn record_failure(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32> {
        let mut t = self.throttle.write();
        let w = t.entry(key.to_string()).or_insert(Window { start: now, count: 0 });
        if (now - w.start).num_seconds() >= window_secs {
            *w = Window { start: now, count: 0 };
        }
        w.count += 1;
        Ok(w.count)
    }

    async fn failures(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32> {
        Ok(match self.throttle.read().get(key) {
            Some(w) if (now - w.start).num_seconds() < window_secs => w.count,
            _ => 0,
        })
    }

    async fn reset(&self, key: &str) -> Result<()> {
        self.throttle.write().shift_remove(key);
        Ok(())
    }
}
