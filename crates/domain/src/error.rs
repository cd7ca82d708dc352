//! The one error type that use cases return.
//!
//! Each variant is a *kind* the API maps to one status code; the message is the text tsuru sends
//! (its sentinel errors' `Error()` strings), so the wire body matches tsuru's.

/// Text of every permission denial (tsuru's `permission.ErrUnauthorized`).
pub const FORBIDDEN: &str = "You don't have permission to do this action";

/// A use-case failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid (400).
    #[error("{0}")]
    BadRequest(String),
    /// The caller is not authenticated, or its credentials are wrong (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The target does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The target exists already, or is locked by a running event (409).
    #[error("{0}")]
    Conflict(String),
    /// A precondition on stored state does not hold (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// Too many attempts (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// A remote API (a service API or a broker) failed or refused (502, its text sent: the
    /// fault is not ours and the caller needs the reason).
    #[error("{0}")]
    Upstream(String),
    /// A dependency (the database) is unavailable (503).
    #[error("{0}")]
    Unavailable(String),
    /// A fault on our side (500); the cause is logged, never sent.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A conversion that cannot fail converts into any error type, this one too.
impl From<std::convert::Infallible> for Error {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl Error {
    /// The standard permission denial.
    pub fn forbidden() -> Self {
        Error::Forbidden(FORBIDDEN.to_string())
    }

    /// A 400 with `msg`.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }

    /// A 404 with `msg`.
    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    /// A 409 with `msg`.
    pub fn conflict(msg: impl Into<String>) -> Self {
        Error::Conflict(msg.into())
    }

    /// A 502 for a remote API's failure.
    pub fn upstream(msg: impl Into<String>) -> Self {
        Error::Upstream(msg.into())
    }

    /// An unexpected failure built from a message.
    pub fn unexpected(msg: impl std::fmt::Display) -> Self {
        Error::Unexpected(anyhow::anyhow!("{msg}"))
    }

    /// Whether this is a [`crate::Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
