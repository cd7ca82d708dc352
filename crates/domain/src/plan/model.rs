use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Per-app overrides of a plan's values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOverride {
    /// Memory in bytes.
    pub memory: Option<i64>,
    /// CPU in millicpu.
    pub cpumilli: Option<i64>,
}

/// tsuru's text for a missing plan.
pub const PLAN_NOT_FOUND: &str = "plan not found";

/// tsuru's text for a plan name already taken.
pub const PLAN_ALREADY_EXISTS: &str = "plan already exists";

/// Text of the refusal of a negative plan override.
pub const NEGATIVE_PLAN_OVERRIDE: &str = "plan override memory and cpumilli must not be negative";

impl PlanOverride {
    /// Checks the values (`0` clears an override, so only negative ones are refused).
    ///
    /// # Errors
    /// 400 [`NEGATIVE_PLAN_OVERRIDE`].
    pub fn validate(&self) -> Result<()> {
        if self.memory.is_some_and(|m| m < 0) || self.cpumilli.is_some_and(|c| c < 0) {
            return Err(Error::bad_request(NEGATIVE_PLAN_OVERRIDE));
        }
        Ok(())
    }
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Unique name.
    pub name: String,
    /// Memory in bytes.
    pub memory: i64,
    /// CPU in millicpu.
    pub cpumilli: i64,
    /// Whether apps get it when none is chosen.
    pub default: bool,
    /// Overrides (only on an app's copy).
    #[serde(default)]
    pub r#override: PlanOverride,
}

pub(super) const MIB: i64 = 1024 * 1024;

/// The plans stored on first start when there are none (the first is the default).
pub fn default_plans() -> Vec<Plan> {
    [
        ("c0.1m0.2", 100, 256),
        ("c0.3m0.5", 300, 512),
        ("c0.5m1", 500, 1024),
        ("c1m2", 1000, 2048),
        ("c2m4", 2000, 4096),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, cpu, mem))| Plan {
        name: (*name).to_string(),
        memory: mem * MIB,
        cpumilli: *cpu,
        default: i == 0,
        r#override: PlanOverride::default(),
    })
    .collect()
}

/// Parses a memory size: bytes, or a number with K, M or G (binary multiples).
///
/// # Errors
/// 400 for anything else.
pub fn parse_memory(s: &str) -> Result<i64> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(0);
    }
    let (num, mult) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1024),
        Some('M' | 'm') => (&s[..s.len() - 1], MIB),
        Some('G' | 'g') => (&s[..s.len() - 1], 1024 * MIB),
        _ => (s, 1),
    };
    num.parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::bad_request(format!("invalid memory value {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("512M").unwrap(), 512 * MIB);
        assert_eq!(parse_memory("1G").unwrap(), 1024 * MIB);
        assert_eq!(parse_memory("4096").unwrap(), 4096);
        assert!(parse_memory("lots").is_err());
        assert!(parse_memory("-5").is_err());
    }

    #[test]
    fn one_default_plan_is_seeded() {
        assert_eq!(default_plans().iter().filter(|p| p.default).count(), 1);
    }
}

crate::records::named!(Plan, name, PLAN_ALREADY_EXISTS, PLAN_NOT_FOUND);
