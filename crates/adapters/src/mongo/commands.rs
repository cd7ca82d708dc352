//! The store commands this process sends, counted by collection and command name with their
//! latency (from the driver's command monitoring): what `/metrics` shows and what the
//! per-request budgets are asserted on.
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LATENCY_BUCKETS: [f64; 10] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0];

/// Counts and latencies of one (collection, command).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandSeries {
    /// Commands sent (answered or failed).
    pub count: u64,
    /// Commands that failed.
    pub failed: u64,
    /// Sum of latencies, seconds.
    pub seconds: f64,
    /// Commands per latency bucket (not cumulative), the last one past every bound.
    pub buckets: [u64; LATENCY_BUCKETS.len() + 1],
}

impl CommandSeries {
    fn observe(&mut self, took: Duration, failed: bool) {
        let secs = took.as_secs_f64();
        self.count += 1;
        self.failed += u64::from(failed);
        self.seconds += secs;
        let slot = LATENCY_BUCKETS.iter().position(|b| secs <= *b).unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[slot] += 1;
    }
}

#[derive(Debug, Default)]
struct Book {
    started: HashMap<(u32, i32), (String, String)>,
    series: BTreeMap<(String, String), CommandSeries>,
    total: u64,
}

impl Book {
    /// Counts the answer (or failure) to the command started as `request`.
    fn finish(&mut self, request: (u32, i32), command: String, took: Duration, failed: bool) {
        let key = self.started.remove(&request).unwrap_or_else(|| (String::new(), command));
        self.total += 1;
        self.series.entry(key).or_default().observe(took, failed);
    }
}

/// Command counters of one client.
#[derive(Debug, Default)]
pub struct CommandStats {
    book: Mutex<Book>,
}

impl CommandStats {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The driver hook that feeds these counters.
    pub fn handler(self: &Arc<Self>) -> EventHandler<CommandEvent> {
        let stats = Arc::clone(self);
        EventHandler::callback(move |event| stats.record(event))
    }

    fn record(&self, event: CommandEvent) {
        let mut book = self.book();
        match event {
            CommandEvent::Started(e) => {
                let collection =
                    e.command.iter().next().and_then(|(_, v)| v.as_str()).unwrap_or("").to_string();
                book.started.insert((e.connection.id, e.request_id), (collection, e.command_name));
            }
            CommandEvent::Succeeded(e) => {
                book.finish((e.connection.id, e.request_id), e.command_name, e.duration, false)
            }
            CommandEvent::Failed(e) => {
                book.finish((e.connection.id, e.request_id), e.command_name, e.duration, true)
            }
            _ => {}
        }
    }

    /// Commands finished so far.
    pub fn total(&self) -> u64 {
        self.book().total
    }

    /// Every series, by (collection, command).
    pub fn snapshot(&self) -> Vec<((String, String), CommandSeries)> {
        self.book().series.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
