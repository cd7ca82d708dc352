//! Webhooks and their delivery queue.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tsuru_domain::webhook::{
    Delivery, DeliveryState, DeliveryStorage, Lease, Webhook, WebhookStorage, WEBHOOK_NOT_FOUND,
};
use tsuru_domain::Result;

use super::MemoryStore;

#[async_trait]
impl WebhookStorage for MemoryStore {
    async fn owned_by(&self, teams: &[String]) -> Result<Vec<Webhook>> {
        Ok(self.webhooks.filtered(|h| teams.contains(&h.team_owner)))
    }

    async fn update(&self, hook: &Webhook) -> Result<()> {
        self.webhooks.replace(&hook.name, hook, WEBHOOK_NOT_FOUND)
    }
}

// Lock order: `deliveries`, then `pending_deliveries` (the ids of pending deliveries, so
// claims scan the queue and not the history).
#[async_trait]
impl DeliveryStorage for MemoryStore {
    async fn insert(&self, delivery: &Delivery) -> Result<()> {
        let mut all = self.deliveries.write();
        let mut pending = self.pending_deliveries.write();
        if delivery.state == DeliveryState::Pending {
            pending.insert(delivery.id.clone(), ());
        }
        all.insert(delivery.id.clone(), delivery.clone());
        Ok(())
    }

    async fn find(&self, id: &str) -> Result<Option<Delivery>> {
        Ok(self.deliveries.get(id))
    }

    async fn claim_due(&self, lease: Lease<'_>, limit: usize) -> Result<Vec<Delivery>> {
        let Lease { worker, now, until: lease_until } = lease;
        let mut all = self.deliveries.write();
        let pending = self.pending_deliveries.write();
        let mut due: Vec<(DateTime<Utc>, usize, String)> = pending
            .keys()
            .filter_map(|id| {
                let (idx, _, d) = all.get_full(id)?;
                let free = d.lease_until.is_none_or(|l| l < now);
                (d.next_attempt_at <= now && free).then(|| (d.next_attempt_at, idx, id.clone()))
            })
            .collect();
        due.sort();
        let mut out = Vec::new();
        for (_, _, id) in due.into_iter().take(limit) {
            if let Some(d) = all.get_mut(&id) {
                d.claimed_by = Some(worker.to_string());
                d.lease_until = Some(lease_until);
                out.push(d.clone());
            }
        }
        Ok(out)
    }

    async fn release(&self, delivery: &Delivery, worker: &str) -> Result<bool> {
        let mut all = self.deliveries.write();
        let mut pending = self.pending_deliveries.write();
        let Some(stored) = all.get_mut(&delivery.id) else {
            return Ok(false);
        };
        if stored.claimed_by.as_deref() != Some(worker) {
            return Ok(false);
        }
        *stored = Delivery { claimed_by: None, lease_until: None, ..delivery.clone() };
        if delivery.state == DeliveryState::Pending {
            pending.insert(delivery.id.clone(), ());
        } else {
            pending.shift_remove(&delivery.id);
        }
        Ok(true)
    }

    async fn list_by_webhook(&self, name: &str, limit: usize) -> Result<Vec<Delivery>> {
        let mut out: Vec<Delivery> =
            self.deliveries.read().values().filter(|d| d.webhook == name).cloned().collect();
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        out.truncate(limit);
        Ok(out)
    }

    async fn delete_by_webhook(&self, name: &str) -> Result<u64> {
        let mut all = self.deliveries.write();
        let mut pending = self.pending_deliveries.write();
        let before = all.len();
        all.retain(|id, d| {
            let keep = d.webhook != name;
            if !keep {
                pending.shift_remove(id);
            }
            keep
        });
        Ok((before - all.len()) as u64)
    }

    async fn delete_finished_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut all = self.deliveries.write();
        let n = all.len();
        all.retain(|_, d| d.state == DeliveryState::Pending || d.created_at >= before);
        Ok((n - all.len()) as u64)
    }
}
