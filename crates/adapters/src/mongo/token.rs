//! Team tokens: tsuru's `team_tokens` collection.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{self, doc, oid::ObjectId};
use serde::{Deserialize, Serialize};
use tsuru_domain::permission::RoleInstance;
use tsuru_domain::token::{TeamToken, TeamTokenStorage};
use tsuru_domain::{Error, Result};

use super::collections::TEAM_TOKENS;
use super::user::{null_as_default, RoleInstanceDocument};
use super::{
    db_error, from_bson_time, from_go_time, insertion_stamp, is_duplicate_key, to_bson_time,
    to_go_time,
};

/// tsuru's team token document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TokenDocument {
    token: String,
    token_id: String,
    #[serde(default)]
    description: String,
    created_at: bson::DateTime,
    #[serde(default)]
    expires_at: Option<bson::DateTime>,
    #[serde(default)]
    last_access: Option<bson::DateTime>,
    #[serde(default)]
    creator_email: String,
    #[serde(default)]
    team: String,
    #[serde(default, deserialize_with = "null_as_default")]
    roles: Vec<RoleInstanceDocument>,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

impl From<&TeamToken> for TokenDocument {
    fn from(t: &TeamToken) -> Self {
        TokenDocument {
            token: t.token.clone(),
            token_id: t.token_id.clone(),
            description: t.description.clone(),
            created_at: to_bson_time(t.created_at),
            expires_at: Some(to_go_time(t.expires_at)),
            last_access: Some(to_go_time(t.last_access)),
            creator_email: t.creator_email.clone(),
            team: t.team.clone(),
            roles: t.roles.iter().map(Into::into).collect(),
            tsurud_order: insertion_stamp(),
        }
    }
}

impl From<TokenDocument> for TeamToken {
    fn from(d: TokenDocument) -> Self {
        TeamToken {
            token: d.token,
            token_id: d.token_id,
            description: d.description,
            created_at: from_bson_time(d.created_at),
            expires_at: from_go_time(d.expires_at),
            last_access: from_go_time(d.last_access),
            creator_email: d.creator_email,
            team: d.team,
            roles: d.roles.into_iter().map(Into::into).collect(),
        }
    }
}

fn not_found() -> Error {
    Error::not_found(tsuru_domain::token::TOKEN_NOT_FOUND)
}

fn conflict() -> Error {
    Error::conflict(tsuru_domain::token::TOKEN_ALREADY_EXISTS)
}

impl super::MongoStore {
    async fn find_token(&self, token_id: &str) -> Result<Option<TokenDocument>> {
        self.one::<TokenDocument>(doc! {"token_id": token_id}).await
    }

    /// Read-modify-write of one token under its write lock.
    async fn edit_token<F>(&self, token_id: &str, change: F) -> Result<()>
    where
        F: FnOnce(&mut TokenDocument) -> Result<()> + Send,
    {
        self.exclusive(format!("{TEAM_TOKENS}/{token_id}"), || async {
            let mut d = self.find_token(token_id).await?.ok_or_else(not_found)?;
            change(&mut d)?;
            self.docs::<TokenDocument>()
                .replace_one(doc! {"token_id": token_id}, &d)
                .await
                .map_err(|e| if is_duplicate_key(&e) { conflict() } else { db_error(e) })?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl TeamTokenStorage for super::MongoStore {
    async fn insert(&self, token: &TeamToken) -> Result<()> {
        self.insert_or::<TokenDocument>(TokenDocument::from(token), conflict).await
    }

    async fn find(&self, token_id: &str) -> Result<Option<TeamToken>> {
        Ok(self.find_token(token_id).await?.map(TeamToken::from))
    }

    async fn find_by_value(&self, value: &str) -> Result<Option<TeamToken>> {
        self.find_as::<TokenDocument, _>(doc! {"token": value}).await
    }

    async fn list(&self, teams: Option<&[String]>) -> Result<Vec<TeamToken>> {
        let filter = match teams {
            Some(t) => doc! {"team": {"$in": t}},
            None => doc! {},
        };
        let docs =
            self.all::<TokenDocument>(filter, doc! {"tsurud_order": 1, "token_id": 1}).await?;
        Ok(docs.into_iter().map(TeamToken::from).collect())
    }

    async fn update(&self, token: &TeamToken) -> Result<()> {
        let holder = self.one::<TokenDocument>(doc! {"token": &token.token}).await?;
        if holder.is_some_and(|h| h.token_id != token.token_id) {
            return Err(conflict());
        }
        self.edit_token(&token.token_id, |d| {
            d.token = token.token.clone();
            d.description = token.description.clone();
            d.expires_at = Some(to_go_time(token.expires_at));
            Ok(())
        })
        .await
    }

    async fn record_access(&self, token_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.edit_token(token_id, |d| {
            d.last_access = Some(to_bson_time(now));
            Ok(())
        })
        .await
    }

    async fn add_role(&self, token_id: &str, role: &RoleInstance) -> Result<()> {
        let r = RoleInstanceDocument::from(role);
        self.edit_token(token_id, |d| {
            if !d.roles.contains(&r) {
                d.roles.push(r);
            }
            Ok(())
        })
        .await
    }

    async fn remove_role(&self, token_id: &str, role: &RoleInstance) -> Result<()> {
        let r = RoleInstanceDocument::from(role);
        self.edit_token(token_id, |d| {
            d.roles.retain(|x| *x != r);
            Ok(())
        })
        .await
    }

    async fn rename_role(&self, old: &str, new: &str) -> Result<()> {
        let docs = self.all::<TokenDocument>(doc! {"roles.name": old}, doc! {}).await?;
        for d in docs {
            self.edit_token(&d.token_id, |d| {
                d.roles = d
                    .roles
                    .iter()
                    .map(|r| {
                        let mut inst = RoleInstance::from(r.clone());
                        if inst.name == old {
                            inst.name = new.to_string();
                        }
                        RoleInstanceDocument::from(&inst)
                    })
                    .collect();
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    async fn delete(&self, token_id: &str) -> Result<()> {
        self.delete_or::<TokenDocument>(doc! {"token_id": token_id}, not_found).await
    }
}

super::doctor::stored! {
    TokenDocument => TEAM_TOKENS, label "token_id";
}
