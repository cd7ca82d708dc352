//! Sessions (`tokens`), password-reset tokens (`password_tokens`) and failed-login counters
//! (`login_failures`).
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use mongodb::bson::{self, doc};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use tsuru_domain::user::{
    LoginThrottle, PasswordToken, PasswordTokenStorage, Session, SessionStorage,
};
use tsuru_domain::Result;

use super::collections::{LOGIN_FAILURES, PASSWORD_TOKENS, TOKENS};
use super::{db_error, from_bson_time, to_bson_time};

/// tsuru's session token document; `token` holds our JWT's `jti` and `expires` is the
/// lifetime in nanoseconds (Go's `time.Duration`), 0 meaning "never".
#[derive(Debug, Serialize, Deserialize)]
struct TokenDocument {
    token: String,
    creation: bson::DateTime,
    #[serde(default)]
    expires: i64,
    #[serde(default)]
    useremail: String,
}

impl From<&Session> for TokenDocument {
    fn from(s: &Session) -> Self {
        let millis = s.expires_at.timestamp_millis() - s.created_at.timestamp_millis();
        TokenDocument {
            token: s.jti.clone(),
            creation: to_bson_time(s.created_at),
            expires: millis.saturating_mul(1_000_000),
            useremail: s.user_email.clone(),
        }
    }
}

impl From<TokenDocument> for Session {
    fn from(d: TokenDocument) -> Self {
        let created_at = from_bson_time(d.creation);
        let expires_at = if d.expires == 0 {
            DateTime::<Utc>::MAX_UTC
        } else {
            created_at + Duration::nanoseconds(d.expires)
        };
        Session {
            jti: d.token,
            user_email: d.useremail,
            created_at,
            expires_at,
        }
    }
}

/// tsuru's password-reset token document.
#[derive(Debug, Serialize, Deserialize)]
struct PasswordTokenDocument {
    #[serde(rename = "_id")]
    token: String,
    useremail: String,
    creation: bson::DateTime,
    #[serde(default)]
    used: bool,
}

impl From<&PasswordToken> for PasswordTokenDocument {
    fn from(t: &PasswordToken) -> Self {
        PasswordTokenDocument {
            token: t.token.clone(),
            useremail: t.user_email.clone(),
            creation: to_bson_time(t.creation),
            used: t.used,
        }
    }
}

impl From<PasswordTokenDocument> for PasswordToken {
    fn from(d: PasswordTokenDocument) -> Self {
        PasswordToken {
            token: d.token,
            user_email: d.useremail,
            creation: from_bson_time(d.creation),
            used: d.used,
        }
    }
}

/// A fixed window of failed logins: its start and how many failures it holds.
#[derive(Debug, Serialize, Deserialize)]
struct FailureWindow {
    #[serde(rename = "_id")]
    key: String,
    start: bson::DateTime,
    count: u32,
}

impl super::MongoStore {
    fn tokens(&self) -> Collection<TokenDocument> {
        self.coll(TOKENS)
    }
    fn password_tokens(&self) -> Collection<PasswordTokenDocument> {
        self.coll(PASSWORD_TOKENS)
    }
    fn failures(&self) -> Collection<FailureWindow> {
        self.coll(LOGIN_FAILURES)
    }
}

#[async_trait]
impl SessionStorage for super::MongoStore {
    async fn insert(&self, session: &Session) -> Result<()> {
        self.tokens()
            .insert_one(TokenDocument::from(session))
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find(&self, jti: &str) -> Result<Option<Session>> {
        let doc = self
            .tokens()
            .find_one(doc! {"token": jti})
            .await
            .map_err(db_error)?;
        Ok(doc.map(Session::from))
    }

    async fn delete(&self, jti: &str) -> Result<()> {
        self.tokens()
            .delete_many(doc! {"token": jti})
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_by_user(&self, email: &str) -> Result<u64> {
        let r = self
            .tokens()
            .delete_many(doc! {"useremail": email})
            .await
            .map_err(db_error)?;
        Ok(r.deleted_count)
    }
}

#[async_trait]
impl PasswordTokenStorage for super::MongoStore {
    async fn insert(&self, token: &PasswordToken) -> Result<()> {
        self.password_tokens()
            .insert_one(PasswordTokenDocument::from(token))
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find(&self, token: &str) -> Result<Option<PasswordToken>> {
        let doc = self
            .password_tokens()
            .find_one(doc! {"_id": token})
            .await
            .map_err(db_error)?;
        Ok(doc.map(PasswordToken::from))
    }

    async fn consume(&self, token: &str) -> Result<bool> {
        // Read and flip under the token's write lock: a token is consumed once, whoever races.
        self.exclusive(format!("{PASSWORD_TOKENS}/{token}"), || async {
            let unused = self
                .password_tokens()
                .find_one(doc! {"_id": token, "used": false})
                .await
                .map_err(db_error)?;
            if unused.is_none() {
                return Ok(false);
            }
            let r = self
                .password_tokens()
                .update_one(doc! {"_id": token}, doc! {"$set": {"used": true}})
                .await
                .map_err(db_error)?;
            Ok(r.matched_count == 1)
        })
        .await
    }
}

#[async_trait]
impl LoginThrottle for super::MongoStore {
    async fn record_failure(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32> {
        let window_start = to_bson_time(now - Duration::seconds(window_secs));
        self.exclusive(format!("{LOGIN_FAILURES}/{key}"), || async {
            let current = self
                .failures()
                .find_one(doc! {"_id": key, "start": {"$gt": window_start}})
                .await
                .map_err(db_error)?;
            // One more in the current window, or a new window starting with this failure.
            let window = match current {
                Some(w) => FailureWindow {
                    count: w.count + 1,
                    ..w
                },
                None => FailureWindow {
                    key: key.to_string(),
                    start: to_bson_time(now),
                    count: 1,
                },
            };
            self.failures()
                .replace_one(doc! {"_id": key}, &window)
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(window.count)
        })
        .await
    }

    async fn failures(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32> {
        let window_start = to_bson_time(now - Duration::seconds(window_secs));
        let w = self
            .failures()
            .find_one(doc! {"_id": key, "start": {"$gt": window_start}})
            .await
            .map_err(db_error)?;
        Ok(w.map_or(0, |w| w.count))
    }

    async fn reset(&self, key: &str) -> Result<()> {
        self.failures()
            .delete_one(doc! {"_id": key})
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
