use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use derive_new::new;

use super::{
    constraint_for, glob_match, is_public, validate_pool_name, Constraint, Pool, PoolRules,
    PoolStorage, PoolView, CONSTRAINT_FIELDS, POOL_NOT_FOUND,
};
use crate::app::AppStorage;
use crate::event::{EventService, NewEvent};
use crate::permission::{Context, ContextType};
use crate::plan::PlanStorage;
use crate::router::Routers;
use crate::team::TeamStorage;
use crate::{Call, Error, Identity, Result};

/// A new pool.
#[derive(Debug, Clone, Default)]
pub struct NewPool {
    /// Name.
    pub name: String,
    /// Every team may use it.
    pub public: bool,
    /// The default pool.
    pub default: bool,
    /// Replace the current default.
    pub force: bool,
    /// Provisioner name.
    pub provisioner: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// A pool update: absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct PoolUpdate {
    /// New default flag.
    pub default: Option<bool>,
    /// New public flag.
    pub public: Option<bool>,
    /// Replace the current default.
    pub force: bool,
    /// New labels (replace all).
    pub labels: Option<BTreeMap<String, String>>,
}

/// Pool use cases.
#[derive(new)]
pub struct PoolService {
    pools: Arc<dyn PoolStorage>,
    teams: Arc<dyn TeamStorage>,
    plans: Arc<dyn PlanStorage>,
    apps: Arc<dyn AppStorage>,
    routers: Routers,
    /// The provisioner names a pool may use.
    provisioners: Vec<String>,
    events: Arc<EventService>,
    /// Provisioner names by pool, each read from the store at most once per
    /// [`PROVISIONER_MEMO_TTL`] (a pool's provisioner never changes; a pool removed here is
    /// forgotten at once).
    #[new(default)]
    provisioner_memo: std::sync::Mutex<HashMap<String, (String, Instant)>>,
}

/// How long a pool's provisioner name is taken from memory before the store is asked again.
pub const PROVISIONER_MEMO_TTL: Duration = Duration::from_secs(1);

impl PoolService {
    fn memo(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        self.provisioner_memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The provisioner `pool` names (empty: the default one), or `None` for an unknown pool;
    /// the store is asked at most once per [`PROVISIONER_MEMO_TTL`] per pool.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn provisioner_name(&self, pool: &str) -> Result<Option<String>> {
        if let Some((name, at)) = self.memo().get(pool) {
            if at.elapsed() < PROVISIONER_MEMO_TTL {
                return Ok(Some(name.clone()));
            }
        }
        let Some(found) = self.pools.find(pool).await? else {
            self.memo().remove(pool);
            return Ok(None);
        };
        let mut memo = self.memo();
        if memo.len() > 10_000 {
            memo.clear();
        }
        memo.insert(pool.to_string(), (found.provisioner.clone(), Instant::now()));
        Ok(Some(found.provisioner))
    }

    /// The pool named `name`.
    ///
    /// # Errors
    /// 404 `Pool does not exist.`
    #[tracing::instrument(skip_all)]
    pub async fn find(&self, name: &str) -> Result<Pool> {
        self.pools.find(name).await?.ok_or_else(|| Error::not_found(POOL_NOT_FOUND))
    }

    /// Every pool, unchecked (for other use cases, such as describing many apps at once).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn all(&self) -> Result<Vec<Pool>> {
        self.pools.list().await
    }

    /// Names of `field` allowed in `pool`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn allowed(&self, pool: &str, field: &str) -> Result<Vec<String>> {
        let constraints = self.pools.constraints().await?;
        self.allowed_with(&constraints, pool, field).await
    }

    /// The constraints of `pool`, read once (one storage call).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn rules(&self, pool: &str) -> Result<PoolRules> {
        Ok(PoolRules::new(pool, self.pools.constraints().await?))
    }

    async fn allowed_with(
        &self,
        constraints: &[Constraint],
        pool: &str,
        field: &str,
    ) -> Result<Vec<String>> {
        let names: Vec<String> = match field {
            "team" => self.teams.list().await?.into_iter().map(|t| t.name).collect(),
            "router" => self.routers.names(),
            "plan" => self.plans.list().await?.into_iter().map(|p| p.name).collect(),
            _ => Vec::new(),
        };
        Ok(match constraint_for(constraints, pool, field) {
            None => names,
            Some(c) => names.into_iter().filter(|n| c.allows(n)).collect(),
        })
    }

    /// A pool with its allowed values.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn view(&self, pool: Pool) -> Result<PoolView> {
        let constraints = self.pools.constraints().await?;
        let public = is_public(&constraints, &pool.name);
        let mut allowed = BTreeMap::new();
        for field in ["team", "router", "plan"] {
            let names = self.allowed_with(&constraints, &pool.name, field).await?;
            if !names.is_empty() {
                allowed.insert(field.to_string(), names);
            }
        }
        let teams = allowed.get("team").cloned().unwrap_or_default();
        Ok(PoolView { pool, public, teams, allowed })
    }

    /// Pools the caller may use or read.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<PoolView>> {
        let mut contexts =
            crate::permission::contexts_for(&identity.permissions, "app.create", &[]);
        contexts.extend(crate::permission::contexts_for(&identity.permissions, "pool.read", &[]));
        let global = crate::permission::any_global(&contexts);
        let teams = crate::permission::values_of(&contexts, ContextType::Team);
        let named = crate::permission::values_of(&contexts, ContextType::Pool);
        let constraints = self.pools.constraints().await?;
        let mut out = Vec::new();
        for pool in self.pools.list().await? {
            let exact = constraints.iter().find(|c| c.field == "team" && c.pool_expr == pool.name);
            let by_team = exact.is_some_and(|c| teams.iter().any(|t| c.allows(t)));
            if global || by_team || named.contains(&pool.name.as_str()) {
                out.push(self.view(pool).await?);
            }
        }
        Ok(out)
    }

    /// One pool, for callers with `pool.read` on it.
    ///
    /// # Errors
    /// 403; 404 `Pool does not exist.`
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<PoolView> {
        identity.require("pool.read", &[Context::new(ContextType::Pool, name)])?;
        let pool = self.find(name).await?;
        self.view(pool).await
    }

    /// Creates a pool.
    ///
    /// # Errors
    /// 403 without a global `pool.create`; 400 for the name or provisioner; 409 when it exists
    /// or another default exists (without `force`).
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, call: &Call, new: NewPool) -> Result<()> {
        call.require("pool.create", &[])?;
        validate_pool_name(&new.name)?;
        if !new.provisioner.is_empty() && !self.provisioners.contains(&new.provisioner) {
            return Err(Error::bad_request(format!("provisioner {:?} not found", new.provisioner)));
        }
        let ev = NewEvent::on("pool", &new.name, "pool.create", call);
        self.events
            .run(ev, async {
                if new.default {
                    self.take_default(&new.name, new.force).await?;
                }
                self.pools
                    .insert(&Pool {
                        name: new.name.clone(),
                        default: new.default,
                        provisioner: new.provisioner.clone(),
                        labels: new.labels.clone(),
                    })
                    .await?;
                if new.public || new.default {
                    self.set_teams(&new.name, vec!["*".into()]).await?;
                }
                Ok(())
            })
            .await
    }

    async fn take_default(&self, name: &str, force: bool) -> Result<()> {
        for mut p in self.pools.list().await? {
            if p.default && p.name != name {
                if !force {
                    return Err(Error::conflict("Default pool already exists."));
                }
                p.default = false;
                self.pools.update(&p).await?;
            }
        }
        Ok(())
    }

    async fn set_teams(&self, pool: &str, values: Vec<String>) -> Result<()> {
        if values.is_empty() {
            return self.pools.delete_constraint(pool, "team").await;
        }
        self.pools
            .set_constraint(&Constraint {
                pool_expr: pool.into(),
                field: "team".into(),
                values,
                blacklist: false,
            })
            .await
    }

    async fn exact_team_constraint(&self, pool: &str) -> Result<Option<Constraint>> {
        Ok(self
            .pools
            .constraints()
            .await?
            .into_iter()
            .find(|c| c.field == "team" && c.pool_expr == pool))
    }

    /// Updates a pool's flags and labels.
    ///
    /// # Errors
    /// 403 without a global `pool.update`; 404; 409 for a second default without `force`.
    #[tracing::instrument(skip_all)]
    pub async fn update(&self, call: &Call, name: &str, upd: PoolUpdate) -> Result<()> {
        call.require("pool.update", &[])?;
        let ev = NewEvent::on("pool", name, "pool.update", call);
        self.events
            .run(ev, async {
                let mut pool = self.find(name).await?;
                if let Some(d) = upd.default {
                    if d {
                        self.take_default(name, upd.force).await?;
                    }
                    pool.default = d;
                }
                if let Some(labels) = &upd.labels {
                    pool.labels = labels.clone();
                }
                self.pools.update(&pool).await?;
                let opens = upd.public == Some(true) || upd.default == Some(true);
                let closes = upd.public == Some(false) || upd.default == Some(false);
                if opens || closes {
                    let mut values = self
                        .exact_team_constraint(name)
                        .await?
                        .map(|c| c.values)
                        .unwrap_or_default();
                    values.retain(|v| v != "*");
                    if opens {
                        values = vec!["*".into()];
                    }
                    self.set_teams(name, values).await?;
                }
                Ok(())
            })
            .await
    }

    /// Removes a pool without apps.
    ///
    /// # Errors
    /// 403 without a global `pool.delete` or while apps use it; 404.
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        call.require("pool.delete", &[])?;
        if self.apps.count_in_pool(name).await? > 0 {
            return Err(Error::Forbidden(
                "This pool has apps, you need to migrate or remove them before removing the pool"
                    .into(),
            ));
        }
        let ev = NewEvent::on("pool", name, "pool.delete", call);
        self.events.run(ev, self.pools.delete(name)).await?;
        self.memo().remove(name);
        Ok(())
    }

    /// Allows teams in a pool.
    ///
    /// # Errors
    /// 403; 400 without teams or for a public, default or blacklisted pool, or a team already
    /// allowed; 404.
    #[tracing::instrument(skip_all)]
    pub async fn add_teams(&self, call: &Call, name: &str, teams: Vec<String>) -> Result<()> {
        let ev = team_change(call, name, "pool.update.team.add")?;
        self.events
            .run(ev, async {
                let teams: Vec<String> = teams.into_iter().filter(|t| !t.is_empty()).collect();
                if teams.is_empty() {
                    return Err(Error::bad_request("You must provide the team."));
                }
                let pool = self.find(name).await?;
                let current = self.exact_team_constraint(name).await?;
                let mut values = match current {
                    Some(c) if c.blacklist => {
                        return Err(Error::bad_request(
                            "Unable to add teams to blacklist constraint",
                        ))
                    }
                    Some(c) => c.values,
                    None => Vec::new(),
                };
                if pool.default || values.iter().any(|v| v == "*") {
                    return Err(Error::bad_request("Public/Default pool can't have teams."));
                }
                for t in teams {
                    if values.iter().any(|v| glob_match(v, &t)) {
                        return Err(Error::conflict("Team already exists in pool."));
                    }
                    if self.teams.find(&t).await?.is_none() {
                        return Err(Error::not_found(crate::team::TEAM_NOT_FOUND));
                    }
                    values.push(t);
                }
                self.set_teams(name, values).await
            })
            .await
    }

    /// Removes teams from a pool.
    ///
    /// # Errors
    /// 403; 400 without teams or for a blacklisted pool; 404.
    #[tracing::instrument(skip_all)]
    pub async fn remove_teams(&self, call: &Call, name: &str, teams: Vec<String>) -> Result<()> {
        let ev = team_change(call, name, "pool.update.team.remove")?;
        self.events
            .run(ev, async {
                if teams.iter().all(String::is_empty) {
                    return Err(Error::bad_request("You must provide the team"));
                }
                self.find(name).await?;
                match self.exact_team_constraint(name).await? {
                    Some(c) if c.blacklist => {
                        Err(Error::bad_request("Unable to remove teams from blacklist constraint"))
                    }
                    Some(mut c) => {
                        c.values.retain(|v| !teams.contains(v));
                        self.set_teams(name, c.values).await
                    }
                    None => Ok(()),
                }
            })
            .await
    }

    /// Every constraint.
    ///
    /// # Errors
    /// 403 without a global `pool.read.constraints`.
    #[tracing::instrument(skip_all)]
    pub async fn constraints(&self, identity: &Identity) -> Result<Vec<Constraint>> {
        identity.require("pool.read.constraints", &[])?;
        self.pools.constraints().await
    }

    /// Sets (or with `append`, extends) a constraint; empty values remove it.
    ///
    /// # Errors
    /// 403 without a global `pool.update.constraints.set`; 400 for an empty expression or an
    /// unknown field.
    #[tracing::instrument(skip_all)]
    pub async fn set_constraint(&self, call: &Call, c: Constraint, append: bool) -> Result<()> {
        call.require("pool.update.constraints.set", &[])?;
        if c.pool_expr.is_empty() {
            return Err(Error::bad_request("You must provide a Pool Expression"));
        }
        if !CONSTRAINT_FIELDS.contains(&c.field.as_str()) {
            return Err(Error::bad_request(
                "invalid constraint type. Valid types are: [team service router plan volume-plan]",
            ));
        }
        let ev = NewEvent::on("pool", &c.pool_expr, "pool.update.constraints.set", call);
        self.events
            .run(ev, async {
                let values: Vec<String> =
                    c.values.iter().filter(|v| !v.is_empty()).cloned().collect();
                let existing = self
                    .pools
                    .constraints()
                    .await?
                    .into_iter()
                    .find(|x| x.pool_expr == c.pool_expr && x.field == c.field);
                let values = match (append, existing) {
                    (true, Some(mut old)) => {
                        for v in values {
                            if !old.values.contains(&v) {
                                old.values.push(v);
                            }
                        }
                        old.values
                    }
                    _ => values,
                };
                if values.is_empty() {
                    return self.pools.delete_constraint(&c.pool_expr, &c.field).await;
                }
                self.pools.set_constraint(&Constraint { values, ..c.clone() }).await
            })
            .await
    }

    /// Pools whose constraints allow `team`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn for_team(&self, team: &str) -> Result<Vec<Pool>> {
        let constraints = self.pools.constraints().await?;
        let mut out = Vec::new();
        for pool in self.pools.list().await? {
            if constraint_for(&constraints, &pool.name, "team").is_none_or(|c| c.allows(team)) {
                out.push(pool);
            }
        }
        Ok(out)
    }

    /// Creates a public default pool named `name` when no pool exists (bootstrap, no event).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn ensure_default_pool(&self, name: &str) -> Result<()> {
        if !self.pools.list().await?.is_empty() {
            return Ok(());
        }
        let pool = Pool {
            name: name.into(),
            default: true,
            provisioner: String::new(),
            labels: BTreeMap::new(),
        };
        match self.pools.insert(&pool).await {
            Ok(()) | Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
        self.set_teams(name, vec!["*".into()]).await
    }

    /// The pool an app of `team` lands in when none is chosen: the only pool naming the team,
    /// else the default pool.
    ///
    /// # Errors
    /// 400 when several pools name the team, or there is no default pool.
    #[tracing::instrument(skip_all)]
    pub async fn pool_for_team(&self, team: &str) -> Result<Pool> {
        let constraints = self.pools.constraints().await?;
        let pools = self.pools.list().await?;
        let named: Vec<&Pool> = pools
            .iter()
            .filter(|p| {
                constraints.iter().any(|c| {
                    c.field == "team"
                        && c.pool_expr == p.name
                        && !c.blacklist
                        && c.values.iter().any(|v| v == team)
                })
            })
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => pools
                .iter()
                .find(|p| p.default)
                .cloned()
                .ok_or_else(|| Error::bad_request(POOL_NOT_FOUND)),
            many => {
                let mut names: Vec<String> = many.iter().map(|p| format!("{:?}", p.name)).collect();
                for p in &pools {
                    let quoted = format!("{:?}", p.name);
                    if is_public(&constraints, &p.name) && !names.contains(&quoted) {
                        names.push(quoted);
                    }
                }
                Err(Error::bad_request(format!(
                    "you have access to {} pools. Please choose one in app creation",
                    names.join(",")
                )))
            }
        }
    }
}

/// Role assignments in a pool context name a pool that exists.
pub struct PoolContextLookup(pub Arc<dyn PoolStorage>);

#[async_trait::async_trait]
impl crate::permission::ContextLookup for PoolContextLookup {
    async fn validate(&self, ctype: crate::permission::ContextType, value: &str) -> Result<()> {
        match self.0.find(value).await? {
            Some(_) => Ok(()),
            None => Err(Error::bad_request(format!("{ctype} {value} not found"))),
        }
    }
}

/// The event of a change of pool `name`'s teams, once the caller may make it (`kind` on the
/// pool).
fn team_change(call: &Call, name: &str, kind: &str) -> Result<NewEvent> {
    call.require(kind, &[Context::new(ContextType::Pool, name)])?;
    Ok(NewEvent::on("pool", name, kind, call))
}
