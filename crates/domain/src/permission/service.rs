use std::sync::Arc;

use async_trait::async_trait;
use derive_new::new;

use super::grant::Grant;
use super::{describe, tree, ContextType, Role, RoleInstance, RoleStorage, ROLE_EVENTS};
use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::team::TeamStorage;
use crate::token::TeamTokenStorage;
use crate::user::{validate_email, UserStorage};
use crate::{Call, Error, Identity, Result};

/// Checks that the object a context value names exists (tsuru's context-value validation on
/// role assignment).
#[async_trait]
pub trait ContextLookup: Send + Sync {
    /// Validates `value` for a role of context type `ctype`.
    ///
    /// # Errors
    /// 400 with the lookup error text (`team not found`, `App not found`, `invalid email`, ...).
    async fn validate(&self, ctype: ContextType, value: &str) -> Result<()>;
}

/// The lookup over the objects that exist so far: teams and users. Other context types are
/// answered by the lookups their aggregates provide.
pub struct StorageContextLookup {
    /// Teams.
    pub teams: Arc<dyn TeamStorage>,
    /// Users.
    pub users: Arc<dyn UserStorage>,
    /// Lookups for the other context types.
    pub others: Vec<(ContextType, Arc<dyn ContextLookup>)>,
}

#[async_trait]
impl ContextLookup for StorageContextLookup {
    async fn validate(&self, ctype: ContextType, value: &str) -> Result<()> {
        if value.is_empty() {
            if ctype == ContextType::Global {
                return Ok(());
            }
            return Err(Error::bad_request(format!(
                "Global context value is not valid for role with context type {ctype}"
            )));
        }
        match ctype {
            // IaaS names come from the configuration, not from storage: any name is accepted.
            ContextType::Global | ContextType::Iaas => Ok(()),
            ContextType::Team => match self.teams.find(value).await? {
                Some(_) => Ok(()),
                None => Err(Error::bad_request(crate::team::TEAM_NOT_FOUND)),
            },
            ContextType::User => {
                validate_email(value)?;
                match self.users.find(value).await? {
                    Some(_) => Ok(()),
                    None => Err(Error::bad_request(crate::user::USER_NOT_FOUND)),
                }
            }
            other => match self.others.iter().find(|(t, _)| *t == other) {
                Some((_, lookup)) => lookup.validate(other, value).await,
                None => Err(Error::bad_request(not_found_text(other, value))),
            },
        }
    }
}

fn not_found_text(ctype: ContextType, value: &str) -> String {
    match ctype {
        ContextType::App => "App not found".into(),
        ContextType::ServiceInstance => format!("service instance {value}, not found"),
        other => format!("{other} {value} not found"),
    }
}

/// Fields of `PUT /1.4/roles`; empty strings mean "unchanged".
#[derive(Debug, Clone, Default)]
pub struct RoleUpdate {
    /// Current name.
    pub name: String,
    /// New name.
    pub new_name: String,
    /// New context type.
    pub context_type: String,
    /// New description.
    pub description: String,
}

/// Role use cases.
#[derive(new)]
pub struct RoleService {
    roles: Arc<dyn RoleStorage>,
    users: Arc<dyn UserStorage>,
    events: Arc<EventService>,
    lookup: Arc<dyn ContextLookup>,
    #[new(default)]
    tokens: Option<Arc<dyn TeamTokenStorage>>,
}

const LIST_PERMS: [&str; 5] =
    ["role.update", "role.update.assign", "role.update.dissociate", "role.create", "role.delete"];

impl RoleService {
    /// Also moves team tokens' instances when a role is renamed.
    #[must_use]
    pub fn with_team_tokens(mut self, tokens: Arc<dyn TeamTokenStorage>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// All roles.
    ///
    /// # Errors
    /// 403 without a global grant of one of the role-management permissions.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<Role>> {
        require_any(identity, &LIST_PERMS)?;
        self.roles.list().await
    }

    /// One role.
    ///
    /// # Errors
    /// 403 as [`RoleService::list`]; 404 `role not found`.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<Role> {
        require_any(identity, &LIST_PERMS)?;
        self.find(name).await
    }

    /// Creates a role without permissions.
    ///
    /// # Errors
    /// 403; 400 `invalid role name` or `invalid context type "<x>"`; 409 `role already exists`.
    #[tracing::instrument(skip_all)]
    pub async fn create(
        &self,
        call: &Call,
        name: &str,
        context: &str,
        description: &str,
    ) -> Result<Role> {
        call.require("role.create", &[])?;
        let ctype = ContextType::parse(context)?;
        let role = Role::new(name, ctype, description)?;
        let ev = NewEvent::on("role", &role.name, "role.create", call);
        self.events.run(ev, async { self.roles.insert(&role).await.map(|()| role.clone()) }).await
    }

    /// Deletes a role nobody holds.
    ///
    /// # Errors
    /// 403; 404 `role not found`; 412 while users hold it.
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        call.require("role.delete", &[])?;
        let ev = NewEvent::on("role", name, "role.delete", call);
        self.events
            .run(ev, async {
                self.find(name).await?;
                if !self.users.list_by_role(name).await?.is_empty() {
                    return Err(Error::PreconditionFailed(
                        "role has users assigned. you must dissociate them before remove the role."
                            .into(),
                    ));
                }
                self.roles.delete(name).await
            })
            .await
    }

    /// Renames a role or changes its context type or description.
    ///
    /// # Errors
    /// 400 when nothing is set, for an unknown role or context type; 403 without the permission
    /// of each field set; 409 when the new name is taken.
    #[tracing::instrument(skip_all)]
    pub async fn update(&self, call: &Call, upd: RoleUpdate) -> Result<()> {
        if upd.new_name.is_empty() && upd.context_type.is_empty() && upd.description.is_empty() {
            return Err(Error::bad_request(
                "Neither the description, context or new name were set. You must define at least one.",
            ));
        }
        for (field, perm) in [
            (&upd.new_name, "role.update.name"),
            (&upd.context_type, "role.update.context.type"),
            (&upd.description, "role.update.description"),
        ] {
            if !field.is_empty() {
                call.require(perm, &[])?;
            }
        }
        let ev = NewEvent::new(
            Target::new("role", &upd.name),
            "role.update",
            call,
            Allowed::new("role.update", vec![]),
        );
        self.events.run(ev, self.apply_update(call, upd)).await
    }

    async fn apply_update(&self, identity: &Identity, upd: RoleUpdate) -> Result<()> {
        let mut role = match self.roles.find(&upd.name).await? {
            Some(r) => r,
            None => return Err(Error::bad_request(super::ROLE_NOT_FOUND)),
        };
        let new_name = upd.new_name.trim();
        let renamed = !new_name.is_empty() && new_name != role.name;
        if !upd.context_type.is_empty() {
            let ctype = ContextType::parse(&upd.context_type)?;
            if ctype != role.context_type {
                // Every holder now gets the role's permissions in a context of the new type.
                role.context_type = ctype;
                may_grant(identity, &role, &self.in_force(&role).await?)?;
            }
        }
        if renamed {
            // A name is a handle other code trusts (`AllowAll`, stale instances on tokens):
            // only who could grant the role wherever it and the new name are held renames it.
            let mut scopes = self.in_force(&role).await?;
            scopes.extend(self.holders(new_name).await?.into_iter().map(Scope::Holder));
            may_grant(identity, &role, &scopes)?;
        }
        if !upd.description.is_empty() {
            role.description = upd.description.clone();
        }
        if !renamed {
            return self.roles.update(&role).await;
        }
        // Rename: copy under the new name, move every holder keeping its context value
        // (tsuru replaced the value with the context type string), then drop the old role.
        let old = role.name.clone();
        role.name = new_name.to_string();
        self.roles.insert(&role).await?;
        for user in self.users.list_by_role(&old).await? {
            for inst in user.roles.iter().filter(|r| r.name == old) {
                self.users
                    .add_role(&user.email, &RoleInstance::new(new_name, inst.context_value.clone()))
                    .await?;
            }
        }
        self.users.remove_role_from_all(&old).await?;
        if let Some(tokens) = &self.tokens {
            tokens.rename_role(&old, new_name).await?;
        }
        self.roles.delete(&old).await
    }

    /// Adds permissions to a role (set semantics); all names are validated before writing.
    ///
    /// # Errors
    /// 403; 404 `role not found`; 400 `invalid permission name` / `permission named "<p>" not
    /// found`; 409 `permission "<p>" not allowed with context of type "<ctx>"`.
    #[tracing::instrument(skip_all)]
    pub async fn add_permissions(
        &self,
        call: &Call,
        name: &str,
        permissions: &[String],
    ) -> Result<()> {
        call.require("role.update.permission.add", &[])?;
        let ev = NewEvent::on("role", name, "role.update.permission.add", call);
        self.events
            .run(ev, async {
                let mut role = self.find(name).await?;
                for p in permissions {
                    if p.is_empty() {
                        return Err(Error::bad_request("invalid permission name"));
                    }
                    let node = tree::find(p).ok_or_else(|| {
                        Error::bad_request(format!("permission named {p:?} not found"))
                    })?;
                    if !node.contexts.contains(&role.context_type) {
                        return Err(Error::conflict(format!(
                            "permission {:?} not allowed with context of type {:?}",
                            node.name,
                            role.context_type.as_str()
                        )));
                    }
                }
                let added = Role {
                    scheme_names: permissions
                        .iter()
                        .filter(|p| !role.scheme_names.contains(p))
                        .cloned()
                        .collect(),
                    ..role.clone()
                };
                may_grant(call, &added, &self.in_force(&role).await?)?;
                for p in added.scheme_names {
                    if !role.scheme_names.contains(&p) {
                        role.scheme_names.push(p);
                    }
                }
                self.roles.update(&role).await
            })
            .await
    }

    /// Removes one permission name from a role.
    ///
    /// # Errors
    /// 403; 404 `role not found`.
    #[tracing::instrument(skip_all)]
    pub async fn remove_permission(&self, call: &Call, name: &str, permission: &str) -> Result<()> {
        call.require("role.update.permission.remove", &[])?;
        let ev = NewEvent::on("role", name, "role.update.permission.remove", call);
        self.events
            .run(ev, async {
                let mut role = self.find(name).await?;
                let removed = Role { scheme_names: vec![permission.to_string()], ..role.clone() };
                may_grant(call, &removed, &self.in_force(&role).await?)?;
                role.scheme_names.retain(|p| p != permission);
                self.roles.update(&role).await
            })
            .await
    }

    /// Gives a user a role instance, or takes one from them.
    ///
    /// # Errors
    /// 403 without a global `role.update.assign` (`role.update.dissociate` to take) or when
    /// the caller may not use the role's permissions in that context; 400 for a bad e-mail or
    /// context value; 404 for an unknown user or role.
    #[tracing::instrument(skip_all)]
    pub async fn grant_user(&self, grant: Grant<'_>, email: &str) -> Result<()> {
        let add = grant.assign;
        let (roles, lookup) = (self.roles.as_ref(), self.lookup.as_ref());
        grant
            .run(&self.events, roles, lookup, self.find_user(email), |r| async move {
                if add {
                    self.users.add_role(email, &r).await
                } else {
                    self.users.remove_role(email, &r).await
                }
            })
            .await
    }

    /// Roles that joined a role event.
    ///
    /// # Errors
    /// 403 without `role.default.create` or `role.default.delete`.
    #[tracing::instrument(skip_all)]
    pub async fn list_defaults(&self, identity: &Identity) -> Result<Vec<Role>> {
        require_any(identity, &["role.default.create", "role.default.delete"])?;
        Ok(self.roles.list().await?.into_iter().filter(|r| !r.events.is_empty()).collect())
    }

    /// Binds (`add`) or unbinds roles to role events; `changes` pairs an event name with role
    /// names. One event is recorded per role.
    ///
    /// # Errors
    /// 403; 400 `role not found`, for an unknown role event, or a role whose context type does
    /// not fit the event.
    #[tracing::instrument(skip_all)]
    pub async fn change_defaults(
        &self,
        call: &Call,
        add: bool,
        changes: &[(String, Vec<String>)],
    ) -> Result<()> {
        let kind = if add { "role.default.create" } else { "role.default.delete" };
        call.require(kind, &[])?;
        for (event_name, role_names) in changes {
            let expected =
                ROLE_EVENTS.iter().find(|(n, _)| n == event_name).map(|(_, c)| *c).ok_or_else(
                    || Error::bad_request(format!("invalid role event {event_name:?}")),
                )?;
            for role_name in role_names.iter().filter(|r| !r.is_empty()) {
                let ev = NewEvent::on("role", role_name, kind, call);
                self.events
                    .run(ev, async {
                        let mut role = self
                            .roles
                            .find(role_name)
                            .await?
                            .ok_or_else(|| Error::bad_request(super::ROLE_NOT_FOUND))?;
                        // A default role is given to every new user or team: the caller must
                        // be able to grant it anywhere.
                        may_grant(call, &role, &[Scope::Any])?;
                        if add {
                            if role.context_type != expected {
                                return Err(Error::bad_request(format!(
                                    "wrong context type for role event, expected {:?} role has {:?}",
                                    expected.as_str(),
                                    role.context_type.as_str()
                                )));
                            }
                            if !role.events.contains(event_name) {
                                role.events.push(event_name.clone());
                            }
                        } else {
                            role.events.retain(|e| e != event_name);
                        }
                        self.roles.update(&role).await
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// Gives `email` the roles bound to role event `event` with `context_value`; failures are
    /// logged, as tsuru does, so that the creation that triggered it still succeeds.
    #[tracing::instrument(skip_all)]
    pub async fn apply_role_event(&self, event: &str, email: &str, context_value: &str) {
        let roles = match self.roles.list_by_event(event).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, event, "could not list default roles");
                return;
            }
        };
        for role in roles {
            if let Err(e) =
                self.users.add_role(email, &RoleInstance::new(&role.name, context_value)).await
            {
                tracing::error!(error = %e, role = %role.name, email, "could not assign default role");
            }
        }
    }

    /// Forgets a removed team: every instance of a team-context role held with it (by users
    /// and team tokens) is dropped and the team's tokens are deleted, so a team created later
    /// with the same name starts without them.
    ///
    /// # Errors
    /// Storage failures (what was removed before one stays removed).
    #[tracing::instrument(skip_all)]
    pub async fn forget_team(&self, team: &str) -> Result<()> {
        let team_roles: Vec<String> = self
            .roles
            .list()
            .await?
            .into_iter()
            .filter(|r| r.context_type == ContextType::Team)
            .map(|r| r.name)
            .collect();
        let granted =
            |inst: &RoleInstance| inst.context_value == team && team_roles.contains(&inst.name);
        for name in &team_roles {
            for user in self.users.list_by_role(name).await? {
                for inst in user.roles.iter().filter(|i| &i.name == name && granted(i)) {
                    self.users.remove_role(&user.email, inst).await?;
                }
            }
        }
        if let Some(tokens) = &self.tokens {
            for token in tokens.list(None).await? {
                if token.team == team {
                    match tokens.delete(&token.token_id).await {
                        Err(e) if !e.is_not_found() => return Err(e),
                        _ => continue,
                    }
                }
                for inst in token.roles.iter().filter(|i| granted(i)) {
                    tokens.remove_role(&token.token_id, inst).await?;
                }
            }
        }
        Ok(())
    }

    /// Every permission of the tree.
    ///
    /// # Errors
    /// 403 without a global `role.update`.
    pub fn permissions(&self, identity: &Identity) -> Result<Vec<tree::PermissionNode>> {
        identity.require("role.update", &[])?;
        let mut all = tree::all().to_vec();
        all.sort_by(|a, b| a.name.cmp(b.name));
        Ok(all)
    }

    /// Where `role` is in force: each holder's context value (users and team tokens), and
    /// anywhere when it is a default role.
    async fn in_force(&self, role: &Role) -> Result<Vec<Scope>> {
        let mut scopes: Vec<Scope> =
            self.holders(&role.name).await?.into_iter().map(Scope::Holder).collect();
        if !role.events.is_empty() {
            scopes.push(Scope::Any);
        }
        Ok(scopes)
    }

    /// The context values with which users and team tokens hold role `name`.
    async fn holders(&self, name: &str) -> Result<Vec<String>> {
        let mut values: Vec<String> = Vec::new();
        let mut add = |roles: &[RoleInstance]| {
            for inst in roles.iter().filter(|r| r.name == name) {
                if !values.contains(&inst.context_value) {
                    values.push(inst.context_value.clone());
                }
            }
        };
        for user in self.users.list_by_role(name).await? {
            add(&user.roles);
        }
        if let Some(tokens) = &self.tokens {
            for token in tokens.list(None).await? {
                add(&token.roles);
            }
        }
        Ok(values)
    }

    async fn find(&self, name: &str) -> Result<Role> {
        self.roles.find(name).await?.ok_or_else(|| Error::not_found(super::ROLE_NOT_FOUND))
    }

    async fn find_user(&self, email: &str) -> Result<()> {
        validate_email(email)?;
        match self.users.find(email).await? {
            Some(_) => Ok(()),
            None => Err(Error::not_found(crate::user::USER_NOT_FOUND)),
        }
    }
}

fn require_any(identity: &Identity, perms: &[&str]) -> Result<()> {
    if perms.iter().any(|p| identity.can(p, &[])) {
        Ok(())
    } else {
        Err(Error::forbidden())
    }
}

/// The "may grant" rule: the caller must itself hold every permission the role would grant
/// with `context_value`.
///
/// # Errors
/// 403 `User not authorized to use permission <perm>(<ctx>)`.
pub fn can_use_role(identity: &Identity, role: &Role, context_value: &str) -> Result<()> {
    for p in role.expand(context_value) {
        if !identity.can(&p.scheme, std::slice::from_ref(&p.context)) {
            return Err(Error::Forbidden(format!(
                "User not authorized to use permission {}",
                describe(&p)
            )));
        }
    }
    Ok(())
}

/// Where a role is in force.
enum Scope {
    /// Held with this context value.
    Holder(String),
    /// Given to any new user or team (a default role).
    Any,
}

/// The may-grant rule over every place a role is in force: [`can_use_role`] for each holder,
/// and global grants of every permission for a default role.
fn may_grant(identity: &Identity, role: &Role, scopes: &[Scope]) -> Result<()> {
    for scope in scopes {
        match scope {
            Scope::Holder(value) => can_use_role(identity, role, value)?,
            Scope::Any => {
                for p in role.expand("") {
                    if !identity.can(&p.scheme, &[]) {
                        let name = if p.scheme.is_empty() { "*" } else { &p.scheme };
                        return Err(Error::Forbidden(format!(
                            "User not authorized to use permission {name}(global)"
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}
