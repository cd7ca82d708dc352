use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::permission::RoleInstance;
use crate::{Error, Result};

static TOKEN_ID_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9-]{0,39}$").expect("static regex"));

/// tsuru's text for a team token id already taken.
pub const TOKEN_ALREADY_EXISTS: &str = "team token already exists";

/// Suffix of the e-mail a team token acts under (`<token_id>@tsuru-team-token`).
pub const TOKEN_EMAIL_DOMAIN: &str = "tsuru-team-token";

/// The e-mail a team token acts under: apps it creates are owned by it.
pub fn token_email(token_id: &str) -> String {
    format!("{token_id}@{TOKEN_EMAIL_DOMAIN}")
}

/// Checks tsuru's token id rule: a lowercase letter, then up to 39 of `[a-z0-9-]`.
///
/// # Errors
/// 400 `invalid token_id`.
pub fn validate_token_id(id: &str) -> Result<()> {
    if TOKEN_ID_RE.is_match(id) {
        Ok(())
    } else {
        Err(Error::bad_request("invalid token_id"))
    }
}

/// The id a token gets when none is given: `<team>-<first 5 hex digits of the value>`.
///
/// tsuru used the team name as it is, so teams with `_` (valid in team names, not in token
/// ids) or longer than 34 characters got an invalid id and a 500; here `_` becomes `-` and the
/// team part is cut to fit the 40-character limit.
pub fn default_token_id(team: &str, value: &str) -> String {
    let mut base: String = team.replace('_', "-").chars().take(34).collect();
    while base.ends_with('-') {
        base.pop();
    }
    let hex: String = value.chars().take(5).collect();
    format!("{base}-{hex}")
}

/// A team token (tsuru collection `team_tokens`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamToken {
    /// The secret value (64 hex digits), unique.
    pub token: String,
    /// Unique id, [`validate_token_id`]'s rule.
    pub token_id: String,
    /// Free text.
    pub description: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Expiry; `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last time it authenticated a request.
    pub last_access: Option<DateTime<Utc>>,
    /// E-mail of the creator (`<id>@tsuru-team-token` when a token created it).
    pub creator_email: String,
    /// Owning team.
    pub team: String,
    /// Role instances bound to it: its only permissions.
    pub roles: Vec<RoleInstance>,
}

impl TeamToken {
    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }

    /// The e-mail it acts under.
    pub fn email(&self) -> String {
        token_email(&self.token_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids() {
        for ok in ["a", "team-1a2b3", &format!("a{}", "b".repeat(39))] {
            assert!(validate_token_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1a", "A", "a_b", "a b", &format!("a{}", "b".repeat(40))] {
            assert_eq!(
                validate_token_id(bad).unwrap_err().to_string(),
                "invalid token_id",
                "{bad}"
            );
        }
    }

    #[test]
    fn default_ids_are_always_valid() {
        assert_eq!(default_token_id("infra", "abcdef0123"), "infra-abcde");
        assert_eq!(default_token_id("my_team", "0123456"), "my-team-01234");
        let long = format!("t{}", "x".repeat(62));
        let id = default_token_id(&long, "fffff");
        assert!(validate_token_id(&id).is_ok(), "{id}");
        assert_eq!(id.len(), 40);
        let dashes = format!("{}_{}", "a".repeat(33), "b".repeat(10));
        assert_eq!(default_token_id(&dashes, "12345"), format!("{}-12345", "a".repeat(33)));
    }
}
