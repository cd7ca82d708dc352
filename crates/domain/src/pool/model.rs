use std::collections::BTreeMap;

use regex::Regex;

use crate::{Error, Result};

/// tsuru's text for a missing pool.
pub const POOL_NOT_FOUND: &str = "Pool does not exist.";

/// tsuru's text for a pool name already taken.
pub const POOL_ALREADY_EXISTS: &str = "Pool already exists.";

/// A pool of nodes apps run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Unique name.
    pub name: String,
    /// Whether apps land here when no pool is chosen.
    pub default: bool,
    /// Provisioner name (`""`: the default one).
    pub provisioner: String,
    /// Free-form labels.
    pub labels: BTreeMap<String, String>,
}

/// Fields a constraint can restrict.
pub const CONSTRAINT_FIELDS: [&str; 5] = ["team", "service", "router", "plan", "volume-plan"];

/// A rule limiting which names of a field are allowed in the pools matching `pool_expr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Glob over pool names (`*` matches anything).
    pub pool_expr: String,
    /// One of [`CONSTRAINT_FIELDS`].
    pub field: String,
    /// Globs over names.
    pub values: Vec<String>,
    /// Whether the values are forbidden instead of allowed.
    pub blacklist: bool,
}

/// Whether `name` matches the glob `pattern` (`*` is any run of characters).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let re = format!("^{}$", pattern.split('*').map(regex::escape).collect::<Vec<_>>().join(".*"));
    Regex::new(&re).is_ok_and(|r| r.is_match(name))
}

impl Constraint {
    /// Whether `name` passes this constraint.
    pub fn allows(&self, name: &str) -> bool {
        self.values.iter().any(|v| glob_match(v, name)) != self.blacklist
    }
}

/// The most specific constraint for `field` whose expression matches `pool`: the longest
/// expression, then the one with fewer `*`.
pub fn constraint_for<'a>(
    constraints: &'a [Constraint],
    pool: &str,
    field: &str,
) -> Option<&'a Constraint> {
    constraints.iter().filter(|c| c.field == field && glob_match(&c.pool_expr, pool)).max_by(
        |a, b| {
            a.pool_expr.len().cmp(&b.pool_expr.len()).then_with(|| {
                b.pool_expr.matches('*').count().cmp(&a.pool_expr.matches('*').count())
            })
        },
    )
}

/// Validates a pool name (tsuru's app-name rule).
///
/// # Errors
/// 400 `Pool name is required.` or tsuru's invalid-name text.
pub fn validate_pool_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::bad_request("Pool name is required."));
    }
    if !crate::app::valid_name(name) {
        return Err(Error::bad_request("Invalid pool name, pool name should have at most 40 characters, containing only lower case letters, numbers or dashes, starting with a letter."));
    }
    Ok(())
}

/// A pool with what its constraints allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolView {
    /// The pool.
    pub pool: Pool,
    /// Whether every team may use it.
    pub public: bool,
    /// Teams allowed.
    pub teams: Vec<String>,
    /// Allowed names per field (empty fields omitted).
    pub allowed: BTreeMap<String, Vec<String>>,
}

/// Whether the pool's own team constraint lists `*` (and is not a blacklist).
pub fn is_public(constraints: &[Constraint], pool: &str) -> bool {
    constraints.iter().any(|c| {
        c.field == "team"
            && c.pool_expr == pool
            && !c.blacklist
            && c.values.iter().any(|v| v == "*")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(expr: &str, field: &str, values: &[&str], blacklist: bool) -> Constraint {
        Constraint {
            pool_expr: expr.into(),
            field: field.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            blacklist,
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("prod-*", "prod-1"));
        assert!(!glob_match("prod-*", "dev-1"));
        assert!(glob_match("a.b", "a.b"));
        assert!(!glob_match("a.b", "axb"), "dots are literal");
    }

    #[test]
    fn the_longest_expression_wins_then_the_one_with_fewer_stars() {
        // tsuru sorts matching expressions by length, then by fewer `*`: for pool "prod" the
        // longer "prod*" beats the exact "prod".
        let all = [
            c("*", "team", &["*"], false),
            c("prod*", "team", &["ops"], false),
            c("prod", "team", &["a"], false),
            c("pr*d", "team", &["b"], false),
        ];
        assert_eq!(constraint_for(&all, "prod", "team").unwrap().values, vec!["ops"]);
        assert_eq!(constraint_for(&all, "prod2", "team").unwrap().values, vec!["ops"]);
        assert_eq!(constraint_for(&all, "dev", "team").unwrap().values, vec!["*"]);
        assert!(constraint_for(&all, "dev", "router").is_none());
        let same_length = [c("pr*d", "team", &["b"], false), c("prod", "team", &["a"], false)];
        assert_eq!(constraint_for(&same_length, "prod", "team").unwrap().values, vec!["a"]);
    }

    #[test]
    fn blacklists_invert() {
        let bl = c("p", "router", &["bad*"], true);
        assert!(bl.allows("good"));
        assert!(!bl.allows("bad1"));
    }
}

/// The constraints that apply to one pool, read once and asked many times.
#[derive(Debug, Clone)]
pub struct PoolRules {
    pool: String,
    constraints: Vec<Constraint>,
}

impl PoolRules {
    /// The rules of `pool` among `constraints`.
    #[must_use]
    pub fn new(pool: &str, constraints: Vec<Constraint>) -> Self {
        Self { pool: pool.to_string(), constraints }
    }

    /// Whether `value` of `field` (`team`, `router`, `plan`, ...) may be used in the pool.
    #[must_use]
    pub fn allows(&self, field: &str, value: &str) -> bool {
        constraint_for(&self.constraints, &self.pool, field).is_none_or(|c| c.allows(value))
    }

    /// The names among `names` that `field` allows, in their order.
    #[must_use]
    pub fn filter(&self, field: &str, names: impl IntoIterator<Item = String>) -> Vec<String> {
        names.into_iter().filter(|n| self.allows(field, n)).collect()
    }
}

crate::records::named!(Pool, name, POOL_ALREADY_EXISTS, POOL_NOT_FOUND);
