//! `/metrics` in Prometheus text format: requests by route template, method and status with a
//! latency histogram; store commands by collection and command; webhook deliveries by outcome;
//! event locks this process holds; the process's resident memory. Everything is kept in this
//! process: scraping costs no store command.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tsuru_adapters::mongo::commands::{CommandStats, LATENCY_BUCKETS as STORE_BUCKETS};

/// Upper bounds (seconds) of the request latency histogram's buckets.
const REQUEST_BUCKETS: [f64; 11] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    count: u64,
    seconds: f64,
    buckets: [u64; REQUEST_BUCKETS.len() + 1],
}

/// What this process counted.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    deliveries: Mutex<BTreeMap<&'static str, u64>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process's resident set size in bytes (Linux; 0 elsewhere).
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A Prometheus label value.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

impl Metrics {
    /// Counts one answered request (`route` is the matched template, e.g. `/apps/{app}`).
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        let mut requests = locked(&self.requests);
        let h = requests.entry((route.to_string(), method.to_string(), status)).or_default();
        h.count += 1;
        h.seconds += secs;
        let slot = REQUEST_BUCKETS.iter().position(|b| secs <= *b).unwrap_or(REQUEST_BUCKETS.len());
        h.buckets[slot] += 1;
    }

    /// Counts one webhook delivery attempt by what became of it (`delivered`, `pending` for a
    /// retry, `failed`, or `error` when it could not be recorded).
    pub fn delivery(&self, outcome: &'static str) {
        *locked(&self.deliveries).entry(outcome).or_default() += 1;
    }

    /// The text exposition of everything counted, plus the given store and process figures.
    pub fn render(&self, store: Option<&CommandStats>, event_locks: usize) -> String {
        let mut out = String::new();
        out.push_str("# HELP tsurud_http_requests_total Requests answered, by route template, method and status.\n# TYPE tsurud_http_requests_total counter\n");
        let requests = locked(&self.requests).clone();
        for ((route, method, status), h) in &requests {
            let _ = writeln!(
                out,
                "tsurud_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {}",
                label(route),
                h.count
            );
        }
        out.push_str("# HELP tsurud_http_request_duration_seconds Time to answer requests.\n# TYPE tsurud_http_request_duration_seconds histogram\n");
        for ((route, method, status), h) in &requests {
            let labels =
                format!("route=\"{}\",method=\"{method}\",status=\"{status}\"", label(route));
            histogram(
                &mut out,
                "tsurud_http_request_duration_seconds",
                &labels,
                &REQUEST_BUCKETS,
                &h.buckets,
                h.count,
                h.seconds,
            );
        }
        if let Some(store) = store {
            out.push_str("# HELP tsurud_store_commands_total Store commands sent, by collection and command.\n# TYPE tsurud_store_commands_total counter\n");
            let series = store.snapshot();
            for ((coll, cmd), s) in &series {
                let _ = writeln!(
                    out,
                    "tsurud_store_commands_total{{collection=\"{}\",command=\"{}\"}} {}",
                    label(coll),
                    label(cmd),
                    s.count
                );
                let _ = writeln!(
                    out,
                    "tsurud_store_command_failures_total{{collection=\"{}\",command=\"{}\"}} {}",
                    label(coll),
                    label(cmd),
                    s.failed
                );
            }
            out.push_str("# HELP tsurud_store_command_duration_seconds Store command latency.\n# TYPE tsurud_store_command_duration_seconds histogram\n");
            for ((coll, cmd), s) in &series {
                let labels = format!("collection=\"{}\",command=\"{}\"", label(coll), label(cmd));
                histogram(
                    &mut out,
                    "tsurud_store_command_duration_seconds",
                    &labels,
                    &STORE_BUCKETS,
                    &s.buckets,
                    s.count,
                    s.seconds,
                );
            }
        }
        out.push_str("# HELP tsurud_webhook_deliveries_total Webhook delivery attempts, by outcome.\n# TYPE tsurud_webhook_deliveries_total counter\n");
        for (outcome, n) in locked(&self.deliveries).iter() {
            let _ = writeln!(out, "tsurud_webhook_deliveries_total{{outcome=\"{outcome}\"}} {n}");
        }
        let _ = write!(
            out,
            "# HELP tsurud_event_locks_held Running events this process holds the lock of.\n# TYPE tsurud_event_locks_held gauge\ntsurud_event_locks_held {event_locks}\n# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n",
            resident_bytes()
        );
        out
    }
}

fn histogram(
    out: &mut String,
    name: &str,
    labels: &str,
    bounds: &[f64],
    buckets: &[u64],
    count: u64,
    seconds: f64,
) {
    let mut cumulative = 0;
    for (bound, n) in bounds.iter().zip(buckets) {
        cumulative += n;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum{{{labels}}} {seconds}");
    let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
}
