use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::permission::RoleInstance;
use crate::quota::Quota;
use crate::{Error, Result};

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^@\s]+)@((?:[-a-z0-9]+\.)+[a-z]{2,})$").expect("static regex")
});

/// tsuru's text for a missing user.
pub const USER_NOT_FOUND: &str = "user not found";

/// tsuru's text for an e-mail already taken.
pub const EMAIL_ALREADY_REGISTERED: &str = "this email is already registered";

/// tsuru's text for an SSH key the user already has (under another name, or this name).
pub const KEY_ALREADY_EXISTS: &str = "user already have this key";

/// tsuru's text for removing an SSH key the user does not have.
pub const KEY_NOT_FOUND: &str = "User does not have this key";

/// Checks tsuru's e-mail rule: a local part, `@`, a lowercase dotted domain.
///
/// # Errors
/// 400 `invalid email`.
pub fn validate_email(email: &str) -> Result<()> {
    if EMAIL_RE.is_match(email) {
        Ok(())
    } else {
        Err(Error::bad_request("invalid email"))
    }
}

/// Checks the password length rule (6 to 50 bytes).
///
/// # Errors
/// 400 `password length should be least 6 characters and at most 50 characters`.
pub fn validate_password(password: &str) -> Result<()> {
    if (6..=50).contains(&password.len()) {
        Ok(())
    } else {
        Err(Error::bad_request(
            "password length should be least 6 characters and at most 50 characters",
        ))
    }
}

/// A public SSH key registered by a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshKey {
    /// Name chosen by the user, unique per user.
    pub name: String,
    /// The key line, e.g. `ssh-ed25519 AAAA... comment`.
    pub content: String,
}

const KEY_TYPES: [&str; 7] = [
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
];

impl SshKey {
    /// Validates a key name and body.
    ///
    /// # Errors
    /// 400 `Missing key content`, `invalid key name` or
    /// `invalid key: expected "<type> <base64> [comment]" with a known key type`.
    pub fn parse(name: &str, content: &str) -> Result<Self> {
        let content = content.trim();
        if content.is_empty() {
            return Err(Error::bad_request("Missing key content"));
        }
        let name = name.trim();
        if name.is_empty()
            || name.len() > 100
            || name.chars().any(|c| c.is_whitespace() || c == '/' || c.is_control())
        {
            return Err(Error::bad_request(
                "invalid key name: it must be 1 to 100 characters with no spaces or slashes",
            ));
        }
        let mut parts = content.split_whitespace();
        let kind = parts.next().unwrap_or_default();
        let body = parts.next().unwrap_or_default();
        let body_ok = body.len() >= 16
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=');
        if !KEY_TYPES.contains(&kind) || !body_ok {
            return Err(Error::bad_request(
                "invalid key: expected \"<type> <base64> [comment]\" with a known key type",
            ));
        }
        Ok(SshKey { name: name.to_string(), content: content.to_string() })
    }
}

/// A user account (tsuru collection `users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Unique, validated e-mail.
    pub email: String,
    /// bcrypt hash of the password.
    pub password: String,
    /// API key (64 hex digits), empty until first shown.
    pub api_key: String,
    /// Last time the API key authenticated a request.
    pub api_key_last_access: Option<DateTime<Utc>>,
    /// How many requests the API key authenticated.
    pub api_key_usage_counter: i64,
    /// Role instances held directly.
    pub roles: Vec<RoleInstance>,
    /// Groups from the auth provider.
    pub groups: Vec<String>,
    /// App quota.
    pub quota: Quota,
    /// Registered SSH keys.
    pub keys: Vec<SshKey>,
}

impl User {
    /// A new user with a hashed password and no roles.
    pub fn new(email: impl Into<String>, password_hash: impl Into<String>, quota: Quota) -> Self {
        User {
            email: email.into(),
            password: password_hash.into(),
            api_key: String::new(),
            api_key_last_access: None,
            api_key_usage_counter: 0,
            roles: Vec::new(),
            groups: Vec::new(),
            quota,
            keys: Vec::new(),
        }
    }
}

/// A login session: the `jti` of an issued JWT (tsuru collection `tokens`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Unique token id, the JWT's `jti`.
    pub jti: String,
    /// Owner.
    pub user_email: String,
    /// Issue time.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// Claims carried by a session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Token id.
    pub jti: String,
    /// User e-mail.
    pub sub: String,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Expires at (unix seconds).
    pub exp: i64,
}

/// A password-reset token (tsuru collection `password_tokens`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordToken {
    /// 64 hex digits.
    pub token: String,
    /// Whose password it resets.
    pub user_email: String,
    /// When it was issued.
    pub creation: DateTime<Utc>,
    /// Whether it was consumed.
    pub used: bool,
}

crate::records::named!(User, email, EMAIL_ALREADY_REGISTERED, USER_NOT_FOUND);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_lowercase_dotted_domain() {
        assert!(validate_email("me+x@example.com").is_ok());
        assert!(validate_email("me@Example.com").is_err());
        assert!(validate_email("me@localhost").is_err());
        assert!(validate_email("m e@example.com").is_err());
        assert_eq!(validate_email("").unwrap_err().to_string(), "invalid email");
    }

    #[test]
    fn password_length_is_6_to_50_bytes() {
        assert!(validate_password("123456").is_ok());
        assert!(validate_password("12345").is_err());
        assert!(validate_password(&"x".repeat(51)).is_err());
    }

    #[test]
    fn ssh_keys_are_checked() {
        let k = SshKey::parse("laptop", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB me@host").unwrap();
        assert_eq!(k.name, "laptop");
        assert!(SshKey::parse("laptop", "")
            .unwrap_err()
            .to_string()
            .contains("Missing key content"));
        assert!(SshKey::parse("", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB").is_err());
        assert!(SshKey::parse("a", "not-a-key AAAAC3NzaC1lZDI1NTE5AAAAIB").is_err());
        assert!(SshKey::parse("a", "ssh-rsa short").is_err());
    }
}
