//! Contract of [`PlanStorage`].
use super::named::named_suite;
use crate::plan::{Plan, PlanOverride, PlanStorage};
use crate::testing::plan;

/// The default plan `name`.
fn default_plan(name: &str) -> Plan {
    Plan { default: true, ..plan(name) }
}

/// A plan with every field set.
fn full_plan(name: &str) -> Plan {
    Plan {
        name: name.into(),
        memory: 4096 * 1024 * 1024,
        cpumilli: 2000,
        default: true,
        r#override: PlanOverride { memory: Some(1024), cpumilli: Some(50) },
    }
}

named_suite!(Plan, PlanStorage, plan, full_plan;
    [standard, concurrent] list_returns_plans_in_insertion_order = list_in_insertion_order,
    delete_removes_the_plan = delete_removes_it);

/// `clear_default` clears the default flag of every plan and changes nothing else.
pub async fn clear_default_clears_every_default_flag_only(storage: &dyn PlanStorage) {
    let mut a = default_plan("small");
    a.r#override.memory = Some(5);
    let b = plan("medium");
    let c = default_plan("large");
    for p in [&a, &b, &c] {
        storage.insert(p).await.expect("insert");
    }
    storage.clear_default().await.expect("clear_default");
    let plain = |p: &Plan| Plan { default: false, ..p.clone() };
    assert_eq!(storage.list().await.expect("list"), [plain(&a), b.clone(), plain(&c)]);
    // Without defaults, or without plans, it is a no-op.
    storage.clear_default().await.expect("clear_default");
    assert_eq!(storage.list().await.expect("list"), [plain(&a), b, plain(&c)]);
}
