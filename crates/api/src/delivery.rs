//! The webhook delivery loop of this process: claims due deliveries from storage and sends
//! each on its own task, so a slow receiver holds one slot, never the API or other hooks.
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tsuru_domain::webhook::DeliveryWorker;

use crate::metrics::Metrics;

/// How often finished deliveries past their retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A worker and how this process runs it.
pub struct DeliveryLoop {
    /// Claims and sends.
    pub worker: Arc<DeliveryWorker>,
    /// Notified when an event queued deliveries.
    pub wake: Arc<Notify>,
    /// Longest wait between two looks at the queue.
    pub poll_interval: Duration,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// How long finished deliveries are kept.
    pub retention: Duration,
}

/// Runs the loop until the task is aborted; aborting it also aborts the calls in flight (their
/// leases then expire and another worker retries them).
pub fn spawn(dl: Arc<DeliveryLoop>, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(dl.concurrency.max(1)));
        let mut calls: JoinSet<()> = JoinSet::new();
        let mut pruned_at: Option<Instant> = None;
        loop {
            while calls.try_join_next().is_some() {}
            let free = slots.available_permits();
            if free > 0 {
                match dl.worker.claim(free).await {
                    Ok(batch) => {
                        for d in batch {
                            let Ok(slot) = slots.clone().acquire_owned().await else {
                                return;
                            };
                            let worker = dl.worker.clone();
                            let metrics = metrics.clone();
                            calls.spawn(async move {
                                let _slot = slot;
                                match worker.deliver(d).await {
                                    Ok(d) => metrics.delivery(d.state.as_str()),
                                    Err(e) => {
                                        metrics.delivery("error");
                                        tracing::error!(error = %e, "could not record a webhook delivery");
                                    }
                                }
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not claim webhook deliveries"),
                }
            }
            if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(Instant::now());
                match dl.worker.prune(dl.retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "pruned old webhook deliveries"),
                    Err(e) => tracing::warn!(error = %e, "could not prune webhook deliveries"),
                }
            }
            tokio::select! {
                () = dl.wake.notified() => {}
                () = tokio::time::sleep(dl.poll_interval) => {}
            }
        }
    })
}
