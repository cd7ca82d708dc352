use std::sync::Arc;

use derive_new::new;

use super::model::MIB;
use super::{default_plans, Plan, PlanStorage};
use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::{Call, Error, Result};

/// Plan use cases.
#[derive(new)]
pub struct PlanService {
    storage: Arc<dyn PlanStorage>,
    events: Arc<EventService>,
}

impl PlanService {
    /// Stores the default plans when there are none.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
    pub async fn list(&self) -> Result<Vec<Plan>> {
        self.storage.list().await
    }

    /// A plan by name.
    ///
    /// # Errors
    /// 404 `plan not found`.
    #[tracing::instrument(skip_all)]
    pub async fn find(&self, name: &str) -> Result<Plan> {
        self.storage.find(name).await?.ok_or_else(|| Error::not_found(super::PLAN_NOT_FOUND))
    }

    /// The global default plan.
    ///
    /// # Errors
    /// 400 when there is none, or several.
    #[tracing::instrument(skip_all)]
    pub async fn default_plan(&self) -> Result<Plan> {
        default_of(&self.storage.list().await?)
    }

    /// Creates a plan; a new default replaces the old one.
    ///
    /// # Errors
    /// 403 without a global `plan.create`; 400 for an empty name, a negative CPU or less than
    /// 4 MiB; 409.
    #[tracing::instrument(skip_all)]
    pub async fn create(&self, call: &Call, plan: Plan) -> Result<Plan> {
        call.require("plan.create", &[])?;
        let ev = NewEvent::new(
            Target::new("plan", &plan.name),
            "plan.create",
            call,
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
                    return Err(Error::conflict(super::PLAN_ALREADY_EXISTS));
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
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        call.require("plan.delete", &[])?;
        let ev = NewEvent::new(
            Target::new("plan", name),
            "plan.delete",
            call,
            Allowed::new("plan.read.events", vec![]),
        );
        self.events.run(ev, self.storage.delete(name)).await
    }
}

/// The global default plan among `plans`.
///
/// # Errors
/// 400 when there is none, or several.
pub fn default_of(plans: &[Plan]) -> Result<Plan> {
    let mut defaults = plans.iter().filter(|p| p.default);
    match (defaults.next(), defaults.next()) {
        (Some(_), Some(_)) => Err(Error::bad_request("more than one default plan found")),
        (Some(one), None) => Ok(one.clone()),
        (None, _) => Err(Error::bad_request("default plan not found")),
    }
}
