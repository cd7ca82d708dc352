//! Last use of credentials (API keys, team tokens), recorded off the request path.
//!
//! Authenticating must not write: a request only notes the use in memory, and
//! [`CredentialUses::flush`] writes what was noted, at most once per credential per
//! `min_interval` (every pending use when asked to flush everything, at shutdown).
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use super::UserStorage;
use crate::token::TeamTokenStorage;
use crate::{Error, Result};

/// A credential whose use is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UsedCredential {
    /// A user's API key, by the user's e-mail.
    ApiKey(String),
    /// A team token, by its id.
    TeamToken(String),
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    last: DateTime<Utc>,
    uses: i64,
}

#[derive(Debug, Default)]
struct Book {
    pending: HashMap<UsedCredential, Pending>,
    written: HashMap<UsedCredential, DateTime<Utc>>,
}

/// Uses noted since the last write, per credential.
#[derive(Debug)]
pub struct CredentialUses {
    book: Mutex<Book>,
    min_interval: Duration,
}

impl CredentialUses {
    /// Writes each credential's use at most once per `min_interval`.
    pub fn new(min_interval: Duration) -> Self {
        CredentialUses { book: Mutex::new(Book::default()), min_interval }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes one use of `credential` at `now` (memory only).
    pub fn note(&self, credential: UsedCredential, now: DateTime<Utc>) {
        let mut book = self.book();
        let p = book.pending.entry(credential).or_insert(Pending { last: now, uses: 0 });
        p.last = p.last.max(now);
        p.uses += 1;
    }

    /// Credentials with uses not written yet.
    pub fn pending(&self) -> usize {
        self.book().pending.len()
    }

    /// Writes the noted uses that are due at `now` (all of them when `everything`), and
    /// returns how many credentials were written. A use that cannot be written is kept for the
    /// next flush, except for credentials deleted meanwhile.
    ///
    /// # Errors
    /// The first storage failure (the other due uses are still attempted).
    pub async fn flush(
        &self,
        users: &dyn UserStorage,
        tokens: &dyn TeamTokenStorage,
        now: DateTime<Utc>,
        everything: bool,
    ) -> Result<usize> {
        let due: Vec<(UsedCredential, Pending)> = {
            let mut book = self.book();
            let Book { pending, written } = &mut *book;
            let keys: Vec<UsedCredential> = pending
                .keys()
                .filter(|c| {
                    everything || written.get(*c).is_none_or(|at| now - *at >= self.min_interval)
                })
                .cloned()
                .collect();
            keys.into_iter().filter_map(|k| pending.remove(&k).map(|p| (k, p))).collect()
        };
        let mut first_error = None;
        let mut written = 0;
        for (credential, p) in due {
            let result = match &credential {
                UsedCredential::ApiKey(email) => {
                    users.record_api_key_use(email, p.last, p.uses).await
                }
                UsedCredential::TeamToken(id) => tokens.record_access(id, p.last).await,
            };
            let mut book = self.book();
            match result {
                Ok(()) => {
                    book.written.insert(credential, now);
                    written += 1;
                }
                Err(Error::NotFound(_)) => {
                    book.written.remove(&credential);
                }
                Err(e) => {
                    let again =
                        book.pending.entry(credential).or_insert(Pending { last: p.last, uses: 0 });
                    again.last = again.last.max(p.last);
                    again.uses += p.uses;
                    first_error.get_or_insert(e);
                }
            }
        }
        // Forget credentials quiet for longer than the interval: their next use is due at once.
        self.book().written.retain(|_, at| now - *at < self.min_interval);
        match first_error {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).expect("a valid time")
    }

    #[test]
    fn uses_are_coalesced_per_credential() {
        let uses = CredentialUses::new(Duration::seconds(60));
        let key = UsedCredential::ApiKey("a@example.com".into());
        uses.note(key.clone(), at(10));
        uses.note(key.clone(), at(12));
        uses.note(UsedCredential::TeamToken("t".into()), at(11));
        assert_eq!(uses.pending(), 2);
        let book = uses.book();
        assert_eq!(book.pending[&key].uses, 2);
        assert_eq!(book.pending[&key].last, at(12));
    }
}
