use std::sync::Arc;

use async_trait::async_trait;
use derive_new::new;

use super::{validate_email, SessionStorage, SshKey, User, UserStorage};
use crate::clock::{sha256_hex, Clock, IdGenerator};
use crate::event::{EventService, NewEvent};
use crate::permission::{self, Context, ContextType, Permission, RoleStorage};
use crate::quota::{parse_limit, Quota, QuotaUseCases};
use crate::{Call, Error, Identity, Result};

/// A role or permission line of a user object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRoleView {
    /// Role or permission name (`""` for the root).
    pub name: String,
    /// Context type.
    pub context_type: String,
    /// Context value.
    pub context_value: String,
    /// Group it comes from, if any.
    pub group: Option<String>,
}

/// A user as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    /// E-mail.
    pub email: String,
    /// Role instances the viewer may see.
    pub roles: Vec<UserRoleView>,
    /// Their permissions.
    pub permissions: Vec<UserRoleView>,
    /// Groups.
    pub groups: Vec<String>,
}

/// User use cases.
#[derive(new)]
pub struct UserService {
    users: Arc<dyn UserStorage>,
    sessions: Arc<dyn SessionStorage>,
    roles: Arc<dyn RoleStorage>,
    events: Arc<EventService>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

/// The user a request names, or the caller when it names none.
fn named_or_caller(identity: &Identity, email: Option<&str>) -> String {
    email.filter(|e| !e.is_empty()).unwrap_or(&identity.email).to_string()
}

/// An event on user `email`.
impl UserService {
    /// Builds the view of `user` as seen by a caller holding `perms` (tsuru `auth.User` to
    /// `apiUser`): a role is shown only when the caller holds every permission it grants.
    /// Without `include_all`, a user whose roles are all global or hidden is omitted.
    ///
    /// # Errors
    /// Storage failures; 500 when a held role no longer exists.
    #[tracing::instrument(skip_all)]
    pub async fn view(
        &self,
        user: &User,
        perms: &[Permission],
        include_all: bool,
    ) -> Result<Option<UserView>> {
        let mut view = UserView {
            email: user.email.clone(),
            roles: Vec::new(),
            permissions: Vec::new(),
            groups: user.groups.clone(),
        };
        let names: Vec<String> = user.roles.iter().map(|r| r.name.clone()).collect();
        let roles = self.roles.find_many(&names).await?;
        let mut all_global = true;
        for inst in &user.roles {
            let role = roles
                .iter()
                .find(|r| r.name == inst.name)
                .ok_or_else(|| Error::unexpected(format!("role not found: {}", inst.name)))?;
            let granted = role.expand(&inst.context_value);
            let hidden = (granted.is_empty() && !include_all)
                || granted.iter().any(|p| {
                    !permission::check(perms, &p.scheme, std::slice::from_ref(&p.context))
                });
            if hidden {
                continue;
            }
            if role.context_type != ContextType::Global {
                all_global = false;
            }
            view.roles.push(UserRoleView {
                name: role.name.clone(),
                context_type: role.context_type.as_str().into(),
                context_value: inst.context_value.clone(),
                group: None,
            });
            view.permissions.extend(granted.into_iter().map(|p| UserRoleView {
                name: p.scheme,
                context_type: p.context.ctype.as_str().into(),
                context_value: p.context.value,
                group: None,
            }));
        }
        if !include_all && all_global {
            return Ok(None);
        }
        Ok(Some(view))
    }

    /// Users visible to the caller, filtered by e-mail or by role (and context value).
    ///
    /// # Errors
    /// 404 `Wrong context being passed.` when a context filter matches nothing.
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        identity: &Identity,
        email: &str,
        role: &str,
        context: &str,
    ) -> Result<Vec<UserView>> {
        let include_all = identity.can("user.update", &[]);
        let mut built = Vec::new();
        for u in self.users.list().await? {
            if let Some(v) = self.view(&u, &identity.permissions, include_all).await? {
                built.push(v);
            }
        }
        let mut out: Vec<UserView> = Vec::new();
        if email.is_empty() && role.is_empty() {
            out = built;
        } else {
            for v in built {
                if !email.is_empty() && v.email == email {
                    out.push(v.clone());
                }
                if !role.is_empty()
                    && v.roles.iter().any(|r| {
                        r.name == role && (context.is_empty() || r.context_value == context)
                    })
                {
                    out.push(v);
                }
            }
        }
        if out.is_empty() {
            if !context.is_empty() {
                return Err(Error::not_found("Wrong context being passed."));
            }
            out.push(self.info(identity).await?);
        }
        Ok(out)
    }

    /// The caller's own user object.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity) -> Result<UserView> {
        let user = match self.users.find(&identity.email).await? {
            Some(u) => u,
            // Team tokens have no stored user: show the synthetic one with the token's roles.
            None => {
                let mut u = User::new(&identity.email, "", Quota::unlimited());
                u.roles = identity.roles.clone();
                u
            }
        };
        let view = self.view(&user, &identity.permissions, true).await?;
        view.ok_or_else(|| Error::unexpected("user view hidden with include_all"))
    }

    /// Removes a user (default: the caller) and their sessions.
    ///
    /// # Errors
    /// 403 without `user.delete` on the user; 404 `user not found` / `invalid email`.
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, email: Option<&str>) -> Result<()> {
        let email = named_or_caller(call, email);
        call.require("user.delete", &[Context::user(&email)])?;
        let ev = NewEvent::on("user", &email, "user.delete", call);
        self.events
            .run(ev, async {
                validate_email(&email).map_err(|e| Error::not_found(e.to_string()))?;
                self.users
                    .find(&email)
                    .await?
                    .ok_or_else(|| Error::not_found(super::USER_NOT_FOUND))?;
                self.sessions.delete_by_user(&email).await?;
                self.users.delete(&email).await
            })
            .await
    }

    /// The API key of a user (default: the caller), created on first use.
    ///
    /// # Errors
    /// 403 without `apikey.read` on the user; 404 for an unknown user.
    #[tracing::instrument(skip_all)]
    pub async fn api_key(&self, identity: &Identity, email: Option<&str>) -> Result<String> {
        let email = named_or_caller(identity, email);
        identity.require("apikey.read", &[Context::user(&email)])?;
        let user = self.find(&email).await?;
        if !user.api_key.is_empty() {
            return Ok(user.api_key);
        }
        self.new_api_key(&email).await
    }

    /// Replaces the API key of a user (default: the caller); the old one stops working at once.
    ///
    /// # Errors
    /// 403 without `apikey.update` on the user; 404 for an unknown user.
    #[tracing::instrument(skip_all)]
    pub async fn regenerate_api_key(&self, call: &Call, email: Option<&str>) -> Result<String> {
        let email = named_or_caller(call, email);
        call.require("apikey.update", &[Context::user(&email)])?;
        let ev = NewEvent::on("user", &email, "apikey.update", call);
        self.events
            .run(ev, async {
                self.find(&email).await?;
                self.new_api_key(&email).await
            })
            .await
    }

    async fn new_api_key(&self, email: &str) -> Result<String> {
        let now = self.clock.now().to_rfc3339();
        let key = sha256_hex(&[email.as_bytes(), &self.ids.random_bytes(32), now.as_bytes()]);
        self.users.set_api_key(email, &key).await?;
        Ok(key)
    }

    /// The caller's SSH keys as (name, content).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn keys(&self, identity: &Identity) -> Result<Vec<SshKey>> {
        Ok(self.users.find(&identity.email).await?.map(|u| u.keys).unwrap_or_default())
    }

    /// Registers an SSH key for the caller.
    ///
    /// # Errors
    /// 400 for a bad name or key; 409 `user already have this key`.
    #[tracing::instrument(skip_all)]
    pub async fn add_key(&self, call: &Call, name: &str, content: &str, force: bool) -> Result<()> {
        let email = call.email.clone();
        call.require("user.update.key.add", &[Context::user(&email)])?;
        let key = SshKey::parse(name, content)?;
        let ev = NewEvent::on("user", &email, "user.update.key.add", call);
        self.events.run(ev, async { self.users.add_key(&email, &key, force).await }).await
    }

    /// Removes one of the caller's SSH keys by name.
    ///
    /// # Errors
    /// 404 `User does not have this key`.
    #[tracing::instrument(skip_all)]
    pub async fn remove_key(&self, call: &Call, name: &str) -> Result<()> {
        let email = call.email.clone();
        call.require("user.update.key.remove", &[Context::user(&email)])?;
        let ev = NewEvent::on("user", &email, "user.update.key.remove", call);
        self.events.run(ev, async { self.users.remove_key(&email, name).await }).await
    }

    /// Users holding a role instance with `context_value` whose role is team-typed or grants a
    /// team-capable permission, one view per such instance (for team info).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn team_members(&self, identity: &Identity, team: &str) -> Result<Vec<UserView>> {
        let roles = self.roles.list().await?;
        let team_roles: Vec<&str> = roles
            .iter()
            .filter(|r| {
                r.context_type == ContextType::Team
                    || r.valid_scheme_names().iter().any(|n| {
                        permission::tree::find(n)
                            .is_some_and(|node| node.contexts.contains(&ContextType::Team))
                    })
            })
            .map(|r| r.name.as_str())
            .collect();
        let mut out = Vec::new();
        for user in self.users.list().await? {
            let held = user
                .roles
                .iter()
                .filter(|i| i.context_value == team && team_roles.contains(&i.name.as_str()));
            for _ in held {
                if let Some(v) = self.view(&user, &identity.permissions, true).await? {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }

    async fn find(&self, email: &str) -> Result<User> {
        validate_email(email)?;
        self.users.find(email).await?.ok_or_else(|| Error::not_found(super::USER_NOT_FOUND))
    }
}

#[async_trait]
impl QuotaUseCases for UserService {
    /// A user's app quota.
    ///
    /// # Errors
    /// 403 without `user.read.quota` on the user; 400 `invalid email`; 404 `user not found`.
    #[tracing::instrument(skip_all)]
    async fn quota(&self, identity: &Identity, email: &str) -> Result<Quota> {
        identity.require("user.read.quota", &[Context::user(email)])?;
        Ok(self.find(email).await?.quota)
    }

    /// Sets a user's app quota limit (`limit` as sent; negative: unlimited).
    ///
    /// # Errors
    /// 403 without a global `user.update.quota`; 400/404 for the user; 400 `Invalid limit`; 403
    /// when the limit is below the apps in use.
    #[tracing::instrument(skip_all)]
    async fn set_quota(&self, call: &Call, email: &str, limit: &str) -> Result<()> {
        call.require("user.update.quota", &[])?;
        let user = self.find(email).await?;
        let ev = NewEvent::on("user", email, "user.update.quota", call);
        self.events
            .run(ev, async {
                let n = parse_limit(limit)?;
                let quota = user.quota.with_limit(n)?;
                self.users.set_quota(email, quota).await
            })
            .await
    }
}
