//! Giving a role instance to, or taking one from, a user or a team token: the checks and the
//! event both holders share.
use std::future::Future;

use super::{can_use_role, ContextLookup, RoleInstance, RoleStorage, ROLE_NOT_FOUND};
use crate::event::EventService;
use crate::event::NewEvent;
use crate::{Call, Error, Result};

/// One role instance given or taken by a caller.
pub struct Grant<'a> {
    /// Who gives or takes, and from where.
    pub call: &'a Call,
    /// The role's name.
    pub role: &'a str,
    /// The instance's context value.
    pub context_value: &'a str,
    /// Given (`role.update.assign`) or taken (`role.update.dissociate`).
    pub assign: bool,
}

impl<'a> Grant<'a> {
    /// `role` in context `context_value`, given (`assign`) or taken by `call`.
    pub fn new(call: &'a Call, role: &'a str, context_value: &'a str, assign: bool) -> Self {
        Grant { call, role, context_value, assign }
    }

    /// Checks the permission, then records a role event around: `holder` (the holder exists),
    /// the role's existence, the context value's object (when given), whether the caller may
    /// use the role's permissions in that context, and `apply` with the instance.
    pub(crate) async fn run<H, F, Fut>(
        self,
        events: &EventService,
        roles: &dyn RoleStorage,
        lookup: &dyn ContextLookup,
        holder: H,
        apply: F,
    ) -> Result<()>
    where
        H: Future<Output = Result<()>>,
        F: FnOnce(RoleInstance) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let kind = if self.assign { "role.update.assign" } else { "role.update.dissociate" };
        self.call.require(kind, &[])?;
        let ev = NewEvent::on("role", self.role, kind, self.call);
        events
            .run(ev, async {
                holder.await?;
                let role =
                    roles.find(self.role).await?.ok_or_else(|| Error::not_found(ROLE_NOT_FOUND))?;
                if self.assign {
                    lookup.validate(role.context_type, self.context_value).await?;
                }
                can_use_role(self.call, &role, self.context_value)?;
                apply(RoleInstance::new(self.role, self.context_value)).await
            })
            .await
    }
}
