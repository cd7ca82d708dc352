//! Bootstrap: the root user, created by `tsurud root-user-create` and, at start-up, from the
//! configured admin credentials when no user exists yet.
use std::sync::Arc;

use crate::permission::{ContextType, Role, RoleInstance};
use crate::user::AuthService;
use crate::{Error, Result};

/// The global role of root users; it holds every permission (`*`).
pub const ROOT_ROLE: &str = "AllowAll";

/// The root-user use case.
pub struct RootUserBootstrap {
    auth: Arc<AuthService>,
}

impl RootUserBootstrap {
    /// Builds the use case.
    pub fn new(auth: Arc<AuthService>) -> Self {
        RootUserBootstrap { auth }
    }

    /// Makes `email` a root user: creates it with `password` unless it exists, creates the
    /// global [`ROOT_ROLE`] (or gives it `*` when it lacks it) and grants it. Returns whether
    /// the user was created. Running it again changes nothing.
    ///
    /// # Errors
    /// 400 for an invalid e-mail or password; storage failures.
    #[tracing::instrument(skip_all, fields(email = %email))]
    pub async fn ensure_root_user(&self, email: &str, password: &str) -> Result<bool> {
        let created = match self.auth.insert_user(email, password).await {
            Ok(()) => true,
            Err(Error::Conflict(_)) => false,
            Err(e) => return Err(e),
        };
        let roles = &self.auth.roles;
        match roles.find(ROOT_ROLE).await? {
            Some(role) if role.scheme_names.iter().any(|s| s == "*") => {}
            Some(mut role) => {
                role.scheme_names.push("*".into());
                roles.update(&role).await?;
            }
            None => {
                let mut role = Role::new(ROOT_ROLE, ContextType::Global, "")?;
                role.scheme_names.push("*".into());
                roles.insert(&role).await?;
            }
        }
        self.auth.users.add_role(email, &RoleInstance::new(ROOT_ROLE, "")).await?;
        Ok(created)
    }

    /// At start-up: makes `email` a root user only when the store has no user at all, so the
    /// configured admin never comes back after being removed. Returns whether it was created.
    ///
    /// # Errors
    /// As [`RootUserBootstrap::ensure_root_user`].
    #[tracing::instrument(skip_all, fields(email = %email))]
    pub async fn admin_if_no_users(&self, email: &str, password: &str) -> Result<bool> {
        if !self.auth.users.list().await?.is_empty() {
            return Ok(false);
        }
        self.ensure_root_user(email, password).await
    }
}
