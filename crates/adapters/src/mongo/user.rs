//! Users (tsuru's `users`), their sessions (`tokens`), password-reset tokens
//! (`password_tokens`) and failed-login counters (`login_failures`).
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use mongodb::bson::{self, doc, oid::ObjectId, Document};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use tsuru_domain::permission::RoleInstance;
use tsuru_domain::quota::Quota;
use tsuru_domain::user::{
    LoginThrottle, PasswordToken, PasswordTokenStorage, Session, SessionStorage, SshKey, User,
    UserStorage,
};
use tsuru_domain::{Error, Result};

use super::collections::{LOGIN_FAILURES, PASSWORD_TOKENS, TOKENS, USERS};
use super::records::Stored;
use super::write_lock::Write;
use super::{db_error, from_bson_time, from_go_time, insertion_stamp, to_bson_time, to_go_time};

/// tsuru's user document (Go field names in lower case; `keys` from tsuru's SSH-key era).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UserDocument {
    #[serde(rename = "_id", default = "insertion_stamp")]
    id: ObjectId,
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    apikey: String,
    #[serde(default)]
    apikey_last_access: Option<bson::DateTime>,
    #[serde(default)]
    apikey_usage_counter: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    roles: Vec<RoleInstanceDocument>,
    #[serde(default, deserialize_with = "null_as_default")]
    groups: Vec<String>,
    #[serde(default)]
    quota: QuotaDocument,
    #[serde(default, deserialize_with = "null_as_default")]
    keys: Vec<KeyDocument>,
}

/// `{name, contextvalue}`, in this field order (array filters compare whole documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RoleInstanceDocument {
    name: String,
    #[serde(default)]
    contextvalue: String,
}

/// `{limit, inuse}`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct QuotaDocument {
    #[serde(default = "unlimited")]
    limit: i64,
    #[serde(default)]
    inuse: i64,
}

fn unlimited() -> i64 {
    -1
}

impl Default for QuotaDocument {
    fn default() -> Self {
        Quota::unlimited().into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KeyDocument {
    name: String,
    content: String,
}

/// Go writes nil slices as BSON null.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl From<&RoleInstance> for RoleInstanceDocument {
    fn from(r: &RoleInstance) -> Self {
        RoleInstanceDocument { name: r.name.clone(), contextvalue: r.context_value.clone() }
    }
}

impl From<RoleInstanceDocument> for RoleInstance {
    fn from(r: RoleInstanceDocument) -> Self {
        RoleInstance::new(r.name, r.contextvalue)
    }
}

impl From<Quota> for QuotaDocument {
    fn from(q: Quota) -> Self {
        QuotaDocument { limit: q.limit, inuse: q.inuse }
    }
}

impl QuotaDocument {
    /// The update that moves `inuse` by `delta` within the limit.
    pub(crate) fn adjusted<T>(self, delta: i64) -> Result<Write<T>> {
        let quota = Quota::from(self).adjusted(delta)?;
        Ok(Write::Update(doc! {"$set": quota_field(quota)}))
    }
}

/// A document's `quota` field as stored.
pub(crate) fn quota_field(quota: Quota) -> bson::Document {
    doc! {"quota": {"limit": quota.limit, "inuse": quota.inuse}}
}

impl From<QuotaDocument> for Quota {
    fn from(q: QuotaDocument) -> Self {
        Quota { limit: q.limit, inuse: q.inuse }
    }
}

impl From<&SshKey> for KeyDocument {
    fn from(k: &SshKey) -> Self {
        KeyDocument { name: k.name.clone(), content: k.content.clone() }
    }
}

/// Users are keyed by e-mail and listed in the order of their `_id`s.
impl Stored for User {
    type Doc = UserDocument;
    const KEY: &'static str = "email";
    fn order() -> Document {
        doc! {"_id": 1}
    }
}

impl From<&User> for UserDocument {
    fn from(u: &User) -> Self {
        UserDocument {
            id: insertion_stamp(),
            email: u.email.clone(),
            password: u.password.clone(),
            apikey: u.api_key.clone(),
            apikey_last_access: Some(to_go_time(u.api_key_last_access)),
            apikey_usage_counter: u.api_key_usage_counter,
            roles: u.roles.iter().map(Into::into).collect(),
            groups: u.groups.clone(),
            quota: u.quota.into(),
            keys: u.keys.iter().map(Into::into).collect(),
        }
    }
}

impl From<UserDocument> for User {
    fn from(d: UserDocument) -> Self {
        User {
            email: d.email,
            password: d.password,
            api_key: d.apikey,
            api_key_last_access: from_go_time(d.apikey_last_access),
            api_key_usage_counter: d.apikey_usage_counter,
            roles: d.roles.into_iter().map(Into::into).collect(),
            groups: d.groups,
            quota: d.quota.into(),
            keys: d.keys.into_iter().map(|k| SshKey { name: k.name, content: k.content }).collect(),
        }
    }
}

fn user_not_found() -> Error {
    Error::not_found(tsuru_domain::user::USER_NOT_FOUND)
}

impl super::MongoStore {
    async fn find_users(&self, filter: Document) -> Result<Vec<User>> {
        let docs = self.all::<UserDocument>(filter, doc! {"_id": 1}).await?;
        Ok(docs.into_iter().map(User::from).collect())
    }

    /// Applies `update` to the user under its write lock; `NotFound` when there is no such
    /// user.
    async fn update_user(&self, email: &str, update: Document) -> Result<()> {
        self.lock_update::<UserDocument>(email, doc! {"email": email}, update, user_not_found).await
    }

    /// Rewrites the user's `field` array with `change`, under the user's write lock (FerretDB
    /// has neither `$elemMatch` nor positional updates, so edits of array elements are made
    /// here).
    async fn edit_array<T, F>(&self, email: &str, field: &str, change: F) -> Result<()>
    where
        T: Serialize + for<'de> Deserialize<'de>,
        F: FnOnce(&mut Vec<T>) -> Result<()>,
    {
        self.exclusive(format!("{USERS}/{email}"), || async {
            let raw: Collection<Document> = self.coll(USERS);
            let current = raw
                .find_one(doc! {"email": email})
                .projection(doc! {field: 1})
                .await
                .map_err(db_error)?
                .ok_or_else(user_not_found)?;
            let mut items: Vec<T> = match current.get(field) {
                Some(b @ bson::Bson::Array(_)) => {
                    bson::from_bson(b.clone()).map_err(|e| super::bad_document(USERS, e))?
                }
                _ => Vec::new(),
            };
            change(&mut items)?;
            let after = bson::to_bson(&items).map_err(|e| super::bad_document(USERS, e))?;
            let r = raw
                .update_one(doc! {"email": email}, doc! {"$set": {field: after}})
                .await
                .map_err(db_error)?;
            if r.matched_count == 0 {
                return Err(user_not_found());
            }
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl UserStorage for super::MongoStore {
    async fn find_by_api_key(&self, key: &str) -> Result<Option<User>> {
        if key.is_empty() {
            return Ok(None);
        }
        self.find_as::<UserDocument, _>(doc! {"apikey": key}).await
    }

    async fn list_by_role(&self, role: &str) -> Result<Vec<User>> {
        self.find_users(doc! {"roles.name": role}).await
    }

    async fn set_password(&self, email: &str, hash: &str) -> Result<()> {
        self.update_user(email, doc! {"$set": {"password": hash}}).await
    }

    async fn set_api_key(&self, email: &str, key: &str) -> Result<()> {
        self.update_user(email, doc! {"$set": {"apikey": key}}).await
    }

    async fn record_api_key_use(&self, email: &str, now: DateTime<Utc>, uses: i64) -> Result<()> {
        self.update_user(
            email,
            doc! {
                "$set": {"apikey_last_access": to_bson_time(now)},
                "$inc": {"apikey_usage_counter": uses},
            },
        )
        .await
    }

    async fn set_quota(&self, email: &str, quota: Quota) -> Result<()> {
        self.update_user(email, doc! {"$set": quota_field(quota)}).await
    }

    async fn inc_quota(&self, email: &str, delta: i64) -> Result<()> {
        self.lock_read::<UserDocument, _>(email, doc! {"email": email}, user_not_found, |user| {
            user.quota.adjusted(delta)
        })
        .await
    }

    async fn add_role(&self, email: &str, role: &RoleInstance) -> Result<()> {
        let r = RoleInstanceDocument::from(role);
        self.update_user(
            email,
            doc! {"$addToSet": {"roles": {"name": r.name, "contextvalue": r.contextvalue}}},
        )
        .await
    }

    async fn remove_role(&self, email: &str, role: &RoleInstance) -> Result<()> {
        let r = RoleInstanceDocument::from(role);
        self.update_user(
            email,
            doc! {"$pull": {"roles": {"name": r.name, "contextvalue": r.contextvalue}}},
        )
        .await
    }

    async fn remove_role_from_all(&self, name: &str) -> Result<()> {
        let holders = self.find_users(doc! {"roles.name": name}).await?;
        for u in holders {
            let removed = self
                .edit_array(&u.email, "roles", |roles: &mut Vec<RoleInstanceDocument>| {
                    roles.retain(|r| r.name != name);
                    Ok(())
                })
                .await;
            match removed {
                // Deleted meanwhile: nothing left to remove.
                Err(Error::NotFound(_)) => {}
                other => other?,
            }
        }
        Ok(())
    }

    async fn add_key(&self, email: &str, key: &SshKey, replace: bool) -> Result<()> {
        let new = KeyDocument::from(key);
        self.edit_array(email, "keys", |keys: &mut Vec<KeyDocument>| {
            let dup = || Error::conflict(tsuru_domain::user::KEY_ALREADY_EXISTS);
            if keys.iter().any(|k| k.content == new.content && k.name != new.name) {
                return Err(dup());
            }
            match keys.iter_mut().find(|k| k.name == new.name) {
                Some(existing) if replace => *existing = new.clone(),
                Some(_) => return Err(dup()),
                None => keys.push(new.clone()),
            }
            Ok(())
        })
        .await
    }

    async fn remove_key(&self, email: &str, name: &str) -> Result<()> {
        self.edit_array(email, "keys", |keys: &mut Vec<KeyDocument>| {
            let before = keys.len();
            keys.retain(|k| k.name != name);
            if keys.len() == before {
                return Err(Error::not_found(tsuru_domain::user::KEY_NOT_FOUND));
            }
            Ok(())
        })
        .await
    }
}

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
        Session { jti: d.token, user_email: d.useremail, created_at, expires_at }
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

#[async_trait]
impl SessionStorage for super::MongoStore {
    async fn insert(&self, session: &Session) -> Result<()> {
        self.docs::<TokenDocument>()
            .insert_one(TokenDocument::from(session))
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find(&self, jti: &str) -> Result<Option<Session>> {
        self.find_as::<TokenDocument, _>(doc! {"token": jti}).await
    }

    async fn delete(&self, jti: &str) -> Result<()> {
        self.docs::<TokenDocument>().delete_many(doc! {"token": jti}).await.map_err(db_error)?;
        Ok(())
    }

    async fn delete_by_user(&self, email: &str) -> Result<u64> {
        let r = self
            .docs::<TokenDocument>()
            .delete_many(doc! {"useremail": email})
            .await
            .map_err(db_error)?;
        Ok(r.deleted_count)
    }
}

#[async_trait]
impl PasswordTokenStorage for super::MongoStore {
    async fn insert(&self, token: &PasswordToken) -> Result<()> {
        self.docs::<PasswordTokenDocument>()
            .insert_one(PasswordTokenDocument::from(token))
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find(&self, token: &str) -> Result<Option<PasswordToken>> {
        self.find_as::<PasswordTokenDocument, _>(doc! {"_id": token}).await
    }

    async fn consume(&self, token: &str) -> Result<bool> {
        // Read and flip under the token's write lock: a token is consumed once, whoever races.
        self.exclusive(format!("{PASSWORD_TOKENS}/{token}"), || async {
            let unused =
                self.one::<PasswordTokenDocument>(doc! {"_id": token, "used": false}).await?;
            if unused.is_none() {
                return Ok(false);
            }
            let r = self
                .docs::<PasswordTokenDocument>()
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
                .one::<FailureWindow>(doc! {"_id": key, "start": {"$gt": window_start}})
                .await?;
            // One more in the current window, or a new window starting with this failure.
            let window = match current {
                Some(w) => FailureWindow { count: w.count + 1, ..w },
                None => FailureWindow { key: key.to_string(), start: to_bson_time(now), count: 1 },
            };
            self.upsert::<FailureWindow>(doc! {"_id": key}, &window).await?;
            Ok(window.count)
        })
        .await
    }

    async fn failures(&self, key: &str, now: DateTime<Utc>, window_secs: i64) -> Result<u32> {
        let window_start = to_bson_time(now - Duration::seconds(window_secs));
        let w =
            self.one::<FailureWindow>(doc! {"_id": key, "start": {"$gt": window_start}}).await?;
        Ok(w.map_or(0, |w| w.count))
    }

    async fn reset(&self, key: &str) -> Result<()> {
        self.docs::<FailureWindow>().delete_one(doc! {"_id": key}).await.map_err(db_error)?;
        Ok(())
    }
}

super::doctor::stored! {
    UserDocument => USERS, label "email";
    TokenDocument => TOKENS, label "useremail";
    PasswordTokenDocument => PASSWORD_TOKENS;
    FailureWindow => LOGIN_FAILURES;
}
