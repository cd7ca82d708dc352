use std::sync::LazyLock;

use regex::Regex;

use crate::quota::Quota;
use crate::{Error, Result};

static TEAM_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_\-]{1,62}$").expect("static regex"));

/// tsuru's text for a missing team.
pub const TEAM_NOT_FOUND: &str = "team not found";

/// tsuru's text for a team name already taken.
pub const TEAM_ALREADY_EXISTS: &str = "team already exists";

/// tsuru's text for an invalid team name (the missing space in "andcontain" is tsuru's).
pub const INVALID_TEAM_NAME: &str = "Invalid team name, team names should start with a letter andcontain only lower case letters, numbers, dashes and underscore";

/// Trims and validates a team name: a lowercase letter, then 1 to 62 of `[a-z0-9_-]`.
///
/// # Errors
/// 400 [`INVALID_TEAM_NAME`].
pub fn parse_team_name(name: &str) -> Result<String> {
    let name = name.trim();
    if TEAM_RE.is_match(name) {
        Ok(name.to_string())
    } else {
        Err(Error::bad_request(INVALID_TEAM_NAME))
    }
}

/// Trims tags, drops empty ones and duplicates, keeping the first occurrence's order.
pub fn clean_tags<I: IntoIterator<Item = String>>(tags: I) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// A team (tsuru collection `teams`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Unique validated name.
    pub name: String,
    /// E-mail of the creator.
    pub creating_user: String,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// App quota.
    pub quota: Quota,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names() {
        assert_eq!(parse_team_name("  my_team-1 ").unwrap(), "my_team-1");
        for bad in ["a", "1team", "Team", "te am", "", &"a".repeat(64)] {
            assert_eq!(parse_team_name(bad).unwrap_err().to_string(), INVALID_TEAM_NAME, "{bad}");
        }
        assert!(parse_team_name(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let tags = clean_tags(["b ", "", "a", "b", " "].map(String::from));
        assert_eq!(tags, vec!["b", "a"]);
    }
}

crate::records::named!(Team, name, TEAM_ALREADY_EXISTS, TEAM_NOT_FOUND);
