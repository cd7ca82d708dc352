//! Progress output of long operations, streamed to the client and kept in the event log.
use std::sync::{Arc, Mutex, PoisonError};

use crate::clock::Clock;
use crate::event::LogEntry;

/// Where an operation writes its progress (one call is one streamed message).
pub trait Output: Send + Sync {
    /// Writes one chunk of text, usually ending in `\n`.
    fn write(&self, text: &str);
}

/// An [`Output`] shared with the task that writes to it: what a streamed use case takes.
pub type Out = Arc<dyn Output>;

/// Discards everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl Output for Discard {
    fn write(&self, _: &str) {}
}

/// Forwards to an output and keeps a timestamped copy for the event log.
pub struct Progress {
    out: Arc<dyn Output>,
    clock: Arc<dyn Clock>,
    log: Mutex<Vec<LogEntry>>,
}

impl Progress {
    /// Wraps `out`.
    pub fn new(out: Arc<dyn Output>, clock: Arc<dyn Clock>) -> Self {
        Progress { out, clock, log: Mutex::new(Vec::new()) }
    }

    /// The log collected so far, emptied.
    pub fn take_log(&self) -> Vec<LogEntry> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Output for Progress {
    fn write(&self, text: &str) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(LogEntry { date: self.clock.now(), message: text.to_string() });
        self.out.write(text);
    }
}
