use super::TeamStorage;
use crate::permission::{any_global, contexts_for, values_of, ContextType};
use crate::{Error, Identity, Result};

/// The team an object is created for when the caller names none (tsuru `autoTeamOwner`): the
/// one team on which the caller holds `scheme`. A global grant is ambiguous unless the system
/// has exactly one team.
///
/// # Errors
/// 403 without any grant of `scheme`; 400 `You must provide a team to execute this action.`
/// when several teams fit.
pub async fn auto_team_owner(
    identity: &Identity,
    scheme: &str,
    teams: &dyn TeamStorage,
) -> Result<String> {
    let ctxs =
        contexts_for(&identity.permissions, scheme, &[ContextType::Team, ContextType::Global]);
    let global = any_global(&ctxs);
    let named = values_of(&ctxs, ContextType::Team);
    let ambiguous = || Error::bad_request("You must provide a team to execute this action.");
    match (global, named.as_slice()) {
        (false, []) => Err(Error::forbidden()),
        (false, [one]) => Ok((*one).to_string()),
        (false, _) => Err(ambiguous()),
        (true, _) => {
            let all = teams.list().await?;
            match all.as_slice() {
                [only] => Ok(only.name.clone()),
                _ => Err(ambiguous()),
            }
        }
    }
}
