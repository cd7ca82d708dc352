//! Mail delivery: SMTP through lettre, or a logger when no relay is configured.
use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tsuru_domain::mail::{Mail, Mailer};

/// Sends through an SMTP relay (tsuru `smtp:server`, `smtp:user`, `smtp:password`).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `server` (`host` or `host:port`; port 25 when absent) sending as `user`,
    /// authenticating with PLAIN when `password` is given. Plain SMTP, upgraded with STARTTLS
    /// when `starttls` is set.
    ///
    /// # Errors
    /// Malformed server or sender address.
    pub fn new(
        server: &str,
        user: &str,
        password: Option<&str>,
        starttls: bool,
    ) -> anyhow::Result<Self> {
        let (host, port) = match server.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>()?),
            None => (server.to_string(), 25),
        };
        let mut builder = if starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
        }
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(10)));
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            builder = builder.credentials(Credentials::new(user.to_string(), pw.to_string()));
        }
        Ok(SmtpMailer { transport: builder.build(), from: user.parse()? })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        let msg = Message::builder()
            .from(self.from.clone())
            .to(mail.to.parse()?)
            .subject(mail.subject)
            .body(mail.body)?;
        self.transport.send(msg).await?;
        Ok(())
    }
}

/// Writes mail to the log instead of sending it (no `smtp` configured).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        tracing::warn!(to = %mail.to, subject = %mail.subject, body = %mail.body, "no smtp configured; mail not sent");
        Ok(())
    }
}
