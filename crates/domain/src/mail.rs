//! Outgoing mail (password reset).
use async_trait::async_trait;

/// One plain-text message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Sends mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `mail` to the configured relay.
    ///
    /// # Errors
    /// MUST return an error when the relay refuses the message or cannot be reached.
    async fn send(&self, mail: Mail) -> anyhow::Result<()>;
}
