use std::fmt;

use serde::{Deserialize, Serialize};

use super::tree;
use crate::{Error, Result};

/// tsuru's text for a missing role.
pub const ROLE_NOT_FOUND: &str = "role not found";

/// tsuru's text for a role name already taken.
pub const ROLE_ALREADY_EXISTS: &str = "role already exists";

/// Kind of object a permission is granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContextType {
    /// Everything.
    Global,
    /// One app (value: app name).
    App,
    /// One team (value: team name).
    Team,
    /// One user (value: e-mail).
    User,
    /// One pool.
    Pool,
    /// One service.
    Service,
    /// One service instance (`<service>/<instance>`).
    ServiceInstance,
    /// One volume.
    Volume,
    /// One router.
    Router,
    /// One job.
    Job,
    /// One IaaS (value: its name; tsuru before 2023, used by `machine.*`).
    Iaas,
}

impl ContextType {
    /// Every context type, in tsuru's order.
    pub const ALL: [ContextType; 11] = [
        ContextType::Global,
        ContextType::App,
        ContextType::Team,
        ContextType::User,
        ContextType::Pool,
        ContextType::Service,
        ContextType::ServiceInstance,
        ContextType::Volume,
        ContextType::Router,
        ContextType::Job,
        ContextType::Iaas,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextType::Global => "global",
            ContextType::App => "app",
            ContextType::Team => "team",
            ContextType::User => "user",
            ContextType::Pool => "pool",
            ContextType::Service => "service",
            ContextType::ServiceInstance => "service-instance",
            ContextType::Volume => "volume",
            ContextType::Router => "router",
            ContextType::Job => "job",
            ContextType::Iaas => "iaas",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// 400 `invalid context type "<x>"`.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| Error::bad_request(format!("invalid context type {s:?}")))
    }
}

impl fmt::Display for ContextType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A context: a type and a value (`""` for global).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Context {
    /// Context type.
    pub ctype: ContextType,
    /// Object name.
    pub value: String,
}

impl Context {
    /// Builds a context.
    pub fn new(ctype: ContextType, value: impl Into<String>) -> Self {
        Context { ctype, value: value.into() }
    }
    /// The global context.
    pub fn global() -> Self {
        Context::new(ContextType::Global, "")
    }
    /// A team context.
    pub fn team(name: impl Into<String>) -> Self {
        Context::new(ContextType::Team, name)
    }
    /// A user context.
    pub fn user(email: impl Into<String>) -> Self {
        Context::new(ContextType::User, email)
    }
}

/// One granted permission: a scheme (full name, `""` for the root) in a context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Permission {
    /// Full permission name; `""` is the root.
    pub scheme: String,
    /// Where it applies.
    pub context: Context,
}

/// Whether `perms` allow `scheme` in one of `contexts` (tsuru `permission.Check`): some
/// permission whose scheme is `scheme` or an ancestor, granted globally or on one of `contexts`.
/// With no contexts only a global grant passes.
pub fn check(perms: &[Permission], scheme: &str, contexts: &[Context]) -> bool {
    perms.iter().any(|p| {
        tree::is_ancestor_or_self(&p.scheme, scheme)
            && (p.context.ctype == ContextType::Global || contexts.contains(&p.context))
    })
}

/// The teams whose records a caller may read with `permission`: `None` when it holds the
/// permission nowhere, `Some(None)` for every team (a global grant), else `Some(Some(teams))`.
pub fn team_scope(permissions: &[Permission], permission: &str) -> Option<Option<Vec<String>>> {
    let ctxs = contexts_for(permissions, permission, &[ContextType::Team, ContextType::Global]);
    if ctxs.is_empty() {
        None
    } else if any_global(&ctxs) {
        Some(None)
    } else {
        Some(Some(ctxs.into_iter().map(|c| c.value).collect()))
    }
}

/// Whether one of `contexts` is global.
pub fn any_global(contexts: &[Context]) -> bool {
    contexts.iter().any(|c| c.ctype == ContextType::Global)
}

/// The values of the contexts of type `ctype` among `contexts`.
pub fn values_of(contexts: &[Context], ctype: ContextType) -> Vec<&str> {
    contexts.iter().filter(|c| c.ctype == ctype).map(|c| c.value.as_str()).collect()
}

/// Contexts of every permission in `perms` that is `scheme` or an ancestor of it, optionally
/// limited to `types` (tsuru `ContextsForPermission`).
pub fn contexts_for(perms: &[Permission], scheme: &str, types: &[ContextType]) -> Vec<Context> {
    let mut out: Vec<Context> = Vec::new();
    for p in perms {
        if tree::is_ancestor_or_self(&p.scheme, scheme)
            && (types.is_empty() || types.contains(&p.context.ctype))
            && !out.contains(&p.context)
        {
            out.push(p.context.clone());
        }
    }
    out
}

/// A role name attached to a principal with a context value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleInstance {
    /// Role name.
    pub name: String,
    /// Context value (`""` for global roles).
    pub context_value: String,
}

impl RoleInstance {
    /// Builds an instance.
    pub fn new(name: impl Into<String>, context_value: impl Into<String>) -> Self {
        RoleInstance { name: name.into(), context_value: context_value.into() }
    }
}

/// Role events: roles bound to one are given on user or team creation.
pub const ROLE_EVENTS: [(&str, ContextType); 2] =
    [("user-create", ContextType::Global), ("team-create", ContextType::Team)];

/// A named set of permissions bound to one context type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Unique name.
    pub name: String,
    /// The context type every permission of the role applies to.
    pub context_type: ContextType,
    /// Free text.
    pub description: String,
    /// Permission names as stored (`*` for the root).
    pub scheme_names: Vec<String>,
    /// Role events (`user-create`, `team-create`) the role joins.
    pub events: Vec<String>,
}

impl Role {
    /// A new role without permissions.
    ///
    /// # Errors
    /// 400 `invalid role name` for a blank name.
    pub fn new(
        name: &str,
        context_type: ContextType,
        description: impl Into<String>,
    ) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::bad_request("invalid role name"));
        }
        Ok(Role {
            name: name.to_string(),
            context_type,
            description: description.into(),
            scheme_names: Vec::new(),
            events: Vec::new(),
        })
    }

    /// The stored permission names that still exist in the tree, sorted (`*` kept as `*`).
    pub fn valid_scheme_names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.scheme_names.iter().filter(|n| tree::find(n).is_some()).cloned().collect();
        names.sort();
        names.dedup();
        names
    }

    /// The permissions this role grants with `context_value`.
    pub fn expand(&self, context_value: &str) -> Vec<Permission> {
        self.valid_scheme_names()
            .into_iter()
            .map(|n| Permission {
                scheme: if n == "*" { String::new() } else { n },
                context: Context::new(self.context_type, context_value),
            })
            .collect()
    }
}

/// How a permission is written in messages: `app.create(team myteam)`, `app.create(global)`.
pub fn describe(p: &Permission) -> String {
    if p.context.ctype == ContextType::Global {
        format!("{}(global)", p.scheme)
    } else {
        format!("{}({} {})", p.scheme, p.context.ctype, p.context.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(scheme: &str, ctx: Context) -> Permission {
        Permission { scheme: scheme.into(), context: ctx }
    }

    #[test]
    fn global_grant_passes_any_context() {
        let perms = [perm("app", Context::global())];
        assert!(check(&perms, "app.update.env.set", &[]));
        assert!(check(&perms, "app.create", &[Context::team("t")]));
        assert!(!check(&perms, "team.create", &[]));
    }

    #[test]
    fn scoped_grant_needs_the_same_context() {
        let perms = [perm("team", Context::team("a"))];
        assert!(check(&perms, "team.delete", &[Context::team("a")]));
        assert!(!check(&perms, "team.delete", &[Context::team("b")]));
        assert!(!check(&perms, "team.delete", &[]));
    }

    #[test]
    fn root_grants_everything() {
        let perms = [perm("", Context::global())];
        assert!(check(&perms, "role.update.assign", &[]));
    }

    #[test]
    fn expansion_drops_unknown_names_and_maps_star_to_root() {
        let mut role = Role::new("r", ContextType::Team, "").unwrap();
        role.scheme_names = vec!["team.read".into(), "gone.away".into(), "*".into()];
        let perms = role.expand("x");
        assert_eq!(perms.len(), 2);
        assert!(perms.iter().any(|p| p.scheme.is_empty()));
        assert_eq!(role.valid_scheme_names(), vec!["*".to_string(), "team.read".to_string()]);
    }

    #[test]
    fn context_type_parse_error_text() {
        assert_eq!(
            ContextType::parse("cluster").unwrap_err().to_string(),
            "invalid context type \"cluster\""
        );
        assert_eq!(ContextType::parse("service-instance").unwrap(), ContextType::ServiceInstance);
    }
}

crate::records::named!(Role, name, ROLE_ALREADY_EXISTS, ROLE_NOT_FOUND);
