//! CPU and memory requests and limits.
use super::*;

pub(super) fn setting_bool(cluster: &Cluster, pool: &str, key: &str) -> bool {
    cluster
        .setting(pool, key)
        .is_some_and(|v| matches!(v.trim(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
}

pub(super) fn setting_f64(cluster: &Cluster, pool: &str, key: &str) -> Option<f64> {
    cluster.setting(pool, key).and_then(|v| v.trim().parse().ok())
}

/// Memory as Kubernetes writes binary quantities (`1Gi`, `256Mi`, or bytes).
pub fn memory_quantity(bytes: i64) -> String {
    for (suffix, unit) in [("Ti", 1i64 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes != 0 && bytes % unit == 0 {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// CPU as Kubernetes writes decimal quantities (`1`, `250m`).
pub fn cpu_quantity(milli: i64) -> String {
    if milli % 1000 == 0 {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Container resources from the app's plan and the pool's overcommit settings (§3.10).
pub fn resources(app: &App, cluster: &Cluster) -> ResourceRequirements {
    let pool = &app.pool;
    let plan = &app.plan;
    let memory = plan.r#override.memory.unwrap_or(plan.memory);
    let cpu = plan.r#override.cpumilli.unwrap_or(plan.cpumilli);
    let factor = |key: &str| {
        setting_f64(cluster, pool, key)
            .filter(|f| *f > 0.0)
            .or_else(|| setting_f64(cluster, pool, "overcommit-factor"))
            .unwrap_or(1.0)
            .max(1.0)
    };
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    if memory != 0 {
        limits.insert("memory".to_string(), Quantity(memory_quantity(memory)));
        #[expect(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let req = (memory as f64 / factor("memory-overcommit-factor")) as i64;
        requests.insert("memory".to_string(), Quantity(memory_quantity(req)));
    }
    if cpu != 0 {
        let burst = setting_f64(cluster, pool, "cpu-burst-factor").unwrap_or(1.0).max(1.0);
        #[expect(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let (limit, req) =
            ((cpu as f64 * burst) as i64, (cpu as f64 / factor("cpu-overcommit-factor")) as i64);
        limits.insert("cpu".to_string(), Quantity(cpu_quantity(limit)));
        requests.insert("cpu".to_string(), Quantity(cpu_quantity(req)));
    }
    let ephemeral =
        cluster.setting(pool, "ephemeral-storage").unwrap_or("100Mi").trim().to_string();
    if ephemeral != "0" && !ephemeral.is_empty() {
        limits.insert("ephemeral-storage".to_string(), Quantity(ephemeral));
        requests.insert("ephemeral-storage".to_string(), Quantity("0".into()));
    }
    ResourceRequirements {
        limits: Some(limits),
        requests: Some(requests),
        ..ResourceRequirements::default()
    }
}
