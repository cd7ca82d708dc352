//! Answers "who can do PERMISSION on CONTEXT, and through which role" for every user and team
//! token of a tsuru database, using only the public API of `tsuru-domain` and its storage
//! adapters (no HTTP server involved).
//!
//! ```
//! use std::sync::Arc;
//! use tsuru_adapters::memory::MemoryStore;
//! use tsuru_domain::permission::Context;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let store = Arc::new(MemoryStore::new());
//! permission_audit::seed_demo(&*store).await.unwrap();
//! let rows = permission_audit::audit(&*store, &*store, &*store, "app.deploy", &[Context::team("web")])
//!     .await
//!     .unwrap();
//! assert!(rows.iter().any(|r| r.holder == "dev@example.com" && r.role == "deployer(web)"));
//! # });
//! ```
use chrono::Utc;
use tsuru_domain::permission::{check, Context, ContextType, Role, RoleInstance, RoleStorage};
use tsuru_domain::quota::Quota;
use tsuru_domain::records::Records;
use tsuru_domain::token::{TeamToken, TeamTokenStorage};
use tsuru_domain::user::{User, UserStorage};
use tsuru_domain::Result;

/// One way a holder gets the permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `user` or `team token`.
    pub kind: &'static str,
    /// The user's e-mail or the token's id.
    pub holder: String,
    /// The role instance that grants it, as `role(context value)` (`role` for global ones).
    pub role: String,
}

fn shown(r: &RoleInstance) -> String {
    if r.context_value.is_empty() {
        r.name.clone()
    } else {
        format!("{}({})", r.name, r.context_value)
    }
}

/// The role instances among `instances` that grant `scheme` on `contexts`, shown.
fn granting(
    roles: &[Role],
    instances: &[RoleInstance],
    scheme: &str,
    contexts: &[Context],
) -> Vec<String> {
    instances
        .iter()
        .filter(|inst| {
            roles
                .iter()
                .find(|r| r.name == inst.name)
                .is_some_and(|r| check(&r.expand(&inst.context_value), scheme, contexts))
        })
        .map(shown)
        .collect()
}

/// Every user and team token that can do `scheme` on `contexts`, once per role instance that
/// grants it, sorted by holder.
///
/// # Errors
/// Storage failures.
pub async fn audit(
    users: &dyn UserStorage,
    tokens: &dyn TeamTokenStorage,
    roles: &dyn RoleStorage,
    scheme: &str,
    contexts: &[Context],
) -> Result<Vec<Grant>> {
    let roles = roles.list().await?;
    let mut out = Vec::new();
    for user in users.list().await? {
        for role in granting(&roles, &user.roles, scheme, contexts) {
            out.push(Grant { kind: "user", holder: user.email.clone(), role });
        }
    }
    for token in tokens.list(None).await? {
        if token.is_expired(Utc::now()) {
            continue;
        }
        for role in granting(&roles, &token.roles, scheme, contexts) {
            out.push(Grant { kind: "team token", holder: token.token_id.clone(), role });
        }
    }
    out.sort_by(|a, b| (a.kind, &a.holder, &a.role).cmp(&(b.kind, &b.holder, &b.role)));
    Ok(out)
}

/// Parses `type:value` (`global` alone for the global context).
///
/// # Errors
/// An unknown context type.
pub fn parse_context(s: &str) -> Result<Context> {
    let (ctype, value) = s.split_once(':').unwrap_or((s, ""));
    Ok(Context::new(ContextType::parse(ctype)?, value))
}

/// The audit as a table.
pub fn table(rows: &[Grant]) -> String {
    let header = ("KIND", "HOLDER", "THROUGH ROLE");
    let w0 = rows.iter().map(|r| r.kind.len()).chain([header.0.len()]).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r.holder.len()).chain([header.1.len()]).max().unwrap_or(0);
    let mut out = format!("{:<w0$}  {:<w1$}  {}\n", header.0, header.1, header.2);
    for r in rows {
        out.push_str(&format!("{:<w0$}  {:<w1$}  {}\n", r.kind, r.holder, r.role));
    }
    out
}

/// A small organisation to audit: roles `admin` (global `*`), `deployer` (team: `app.deploy`)
/// and `reader` (team: `app.read`); users `root@example.com` (admin), `dev@example.com`
/// (deployer on `web`, reader on `db`), `ops@example.com` (deployer on `db`); team token `ci`
/// of team `web` (deployer on `web`).
///
/// # Errors
/// Storage failures (for instance a database that already holds these names).
pub async fn seed_demo<S>(store: &S) -> Result<()>
where
    S: UserStorage + TeamTokenStorage + RoleStorage,
{
    let mut admin = Role::new("admin", ContextType::Global, "everything")?;
    admin.scheme_names = vec!["*".into()];
    let mut deployer = Role::new("deployer", ContextType::Team, "deploys the team's apps")?;
    deployer.scheme_names = vec!["app.deploy".into()];
    let mut reader = Role::new("reader", ContextType::Team, "reads the team's apps")?;
    reader.scheme_names = vec!["app.read".into()];
    for r in [&admin, &deployer, &reader] {
        Records::<Role>::insert(store, r).await?;
    }
    let person = |email: &str, roles: &[(&str, &str)]| {
        let mut u = User::new(email, "", Quota::unlimited());
        u.roles = roles.iter().map(|(n, c)| RoleInstance::new(*n, *c)).collect();
        u
    };
    for u in [
        person("root@example.com", &[("admin", "")]),
        person("dev@example.com", &[("deployer", "web"), ("reader", "db")]),
        person("ops@example.com", &[("deployer", "db")]),
    ] {
        Records::<User>::insert(store, &u).await?;
    }
    let token = TeamToken {
        token: "ab".repeat(32),
        token_id: "ci".into(),
        description: "deploys from CI".into(),
        created_at: Utc::now(),
        expires_at: None,
        last_access: None,
        creator_email: "root@example.com".into(),
        team: "web".into(),
        roles: vec![RoleInstance::new("deployer", "web")],
    };
    TeamTokenStorage::insert(store, &token).await?;
    Ok(())
}
