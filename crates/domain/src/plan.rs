//! Plans: memory and CPU sizes for apps (tsuru `app/plan.go`).
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::{Error, Identity, Origin, Result};

/// Per-app overrides of a plan's values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOverride {
    /// Memory in bytes.
    pub memory: Option<i64>,
    /// CPU in millicpu.
    pub cpumilli: Option<i64>,
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

const MIB: i64 = 1024 * 1024;

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

/// Storage of plans (tsuru collection `plans`).
#[async_trait]
pub trait PlanStorage: Send + Sync {
    /// Stores a plan.
    ///
    /// # Errors
    /// MUST return [`Error::Conflict`] `plan already exists` when the name is taken.
    async fn insert(&self, plan: &Plan) -> Result<()>;
    /// Every plan in insertion order.
    async fn list(&self) -> Result<Vec<Plan>>;
    /// One plan.
    async fn find(&self, name: &str) -> Result<Option<Plan>>;
    /// Clears the default flag of every plan.
    async fn clear_default(&self) -> Result<()>;
    /// Deletes a plan.
    ///
    /// # Errors
    /// MUST return [`Error::NotFound`] `plan not found` when it does not exist.
    async fn delete(&self, name: &str) -> Result<()>;
}

/// Plan use cases.
pub struct PlanService {
    storage: Arc<dyn PlanStorage>,
    events: Arc<EventService>,
}

impl PlanService {
    /// Builds the service.
    pub fn new(storage: Arc<dyn PlanStorage>, events: Arc<EventService>) -> Self {
        PlanService { storage, events }
    }

    /// Stores the default plans when there are none.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn seed(&self) -> Result<()> {
        if self.storage.list().await?.is_empty() {
            for p in default_plans() {
                match self.storage.insert(&p).await {
                    Ok(()) | Err(Error::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Every plan (any authenticated caller).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list(&self) -> Result<Vec<Plan>> {
        self.storage.list().await
    }

    /// A plan by name.
    ///
    /// # Errors
    /// 404 `plan not found`.
    pub async fn find(&self, name: &str) -> Result<Plan> {
        self.storage
            .find(name)
            .await?
            .ok_or_else(|| Error::not_found("plan not found"))
    }

    /// The global default plan.
    ///
    /// # Errors
    /// 400 when there is none, or several.
    pub async fn default_plan(&self) -> Result<Plan> {
        let mut defaults: Vec<Plan> = self
            .storage
            .list()
            .await?
            .into_iter()
            .filter(|p| p.default)
            .collect();
        if defaults.len() > 1 {
            return Err(Error::bad_request("more than one default plan found"));
        }
        defaults
            .pop()
            .ok_or_else(|| Error::bad_request("default plan not found"))
    }

    /// Creates a plan; a new default replaces the old one.
    ///
    /// # Errors
    /// 403 without a global `plan.create`; 400 for an empty name, a negative CPU or less than
    /// 4 MiB; 409.
    pub async fn create(&self, identity: &Identity, origin: &Origin, plan: Plan) -> Result<Plan> {
        identity.require("plan.create", &[])?;
        let ev = NewEvent::new(
            Target::new("plan", &plan.name),
            "plan.create",
            identity,
            origin,
            Allowed::new("plan.read.events", vec![]),
        );
        self.events
            .run(ev, async {
                if plan.name.trim().is_empty() {
                    return Err(Error::bad_request("invalid value for name"));
                }
                if plan.cpumilli < 0 {
                    return Err(Error::bad_request("invalid value for cpumilli"));
                }
                if plan.memory > 0 && plan.memory < 4 * MIB {
                    return Err(Error::bad_request("The minimum allowed memory is 4MB"));
                }
                if self.storage.find(&plan.name).await?.is_some() {
                    return Err(Error::conflict("plan already exists"));
                }
                if plan.default {
                    self.storage.clear_default().await?;
                }
                self.storage.insert(&plan).await?;
                Ok(plan.clone())
            })
            .await
    }

    /// Removes a plan.
    ///
    /// # Errors
    /// 403 without a global `plan.delete`; 404 `plan not found`.
    pub async fn remove(&self, identity: &Identity, origin: &Origin, name: &str) -> Result<()> {
        identity.require("plan.delete", &[])?;
        let ev = NewEvent::new(
            Target::new("plan", name),
            "plan.delete",
            identity,
            origin,
            Allowed::new("plan.read.events", vec![]),
        );
        self.events.run(ev, self.storage.delete(name)).await
    }
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
