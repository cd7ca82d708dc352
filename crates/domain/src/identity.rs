//! The caller of a use case.
use serde_json::Value;

use crate::event::Owner;
use crate::permission::{self, Context, Permission, RoleInstance};
use crate::{Error, Result};

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A login session (JWT) with its id.
    Session {
        /// The session's `jti`.
        jti: String,
    },
    /// A user's API key.
    ApiKey,
    /// A team token.
    TeamToken {
        /// The token's id.
        token_id: String,
    },
}

/// An authenticated principal with its effective permissions.
#[derive(Debug, Clone)]
pub struct Identity {
    /// User e-mail (`<token_id>@tsuru-team-token` for team tokens).
    pub email: String,
    /// How it authenticated.
    pub credential: Credential,
    /// Role instances held (the user's, or the token's).
    pub roles: Vec<RoleInstance>,
    /// Effective permissions.
    pub permissions: Vec<Permission>,
}

impl Identity {
    /// Whether the caller may use `scheme` in one of `contexts` (global grants always pass).
    pub fn can(&self, scheme: &str, contexts: &[Context]) -> bool {
        permission::check(&self.permissions, scheme, contexts)
    }

    /// Like [`Identity::can`], failing with the standard 403.
    ///
    /// # Errors
    /// 403 `You don't have permission to do this action`.
    pub fn require(&self, scheme: &str, contexts: &[Context]) -> Result<()> {
        if self.can(scheme, contexts) {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }

    /// Whether this is a team token.
    pub fn is_team_token(&self) -> bool {
        matches!(self.credential, Credential::TeamToken { .. })
    }

    /// The event owner this caller records.
    pub fn owner(&self) -> Owner {
        match &self.credential {
            Credential::TeamToken { token_id } => Owner::token(token_id),
            _ => Owner::user(&self.email),
        }
    }
}

/// Where a request came from, for the events it records.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Client address.
    pub source_ip: String,
    /// The request's input as `[{"name","value"}]`, secrets masked.
    pub data: Value,
}

/// One request made to a use case: who makes it and where it comes from (what the events it
/// records keep). It reads as the caller's [`Identity`] wherever one is expected.
#[derive(Debug, Clone)]
pub struct Call {
    /// Who calls.
    pub identity: Identity,
    /// Where the request came from.
    pub origin: Origin,
}

impl Call {
    /// The call `identity` makes from `origin`.
    pub fn new(identity: Identity, origin: Origin) -> Self {
        Call { identity, origin }
    }
}

impl std::ops::Deref for Call {
    type Target = Identity;

    fn deref(&self) -> &Identity {
        &self.identity
    }
}
