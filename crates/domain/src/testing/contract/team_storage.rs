//! Contract of [`TeamStorage`].
use std::sync::Arc;

use super::named::named_suite;
use super::quota;
use super::{assert_not_found, present};
use crate::quota::Quota;
use crate::team::{Team, TeamStorage};
use crate::testing::team;

async fn stored(storage: &dyn TeamStorage, name: &str) -> Team {
    present(storage.find(name).await, &format!("team {name}"))
}

/// A team with tags and a quota.
fn full(name: &str) -> Team {
    Team {
        tags: vec!["ops".into(), "core".into()],
        quota: Quota { limit: 4, inuse: 1 },
        ..team(name)
    }
}

named_suite!(Team, TeamStorage { update }, team, full;
    [standard, concurrent, update_unknown] list_returns_teams_in_insertion_order = list_in_insertion_order,
    delete_removes_the_team = delete_removes_it);

/// `update` replaces the tags and the quota and keeps the other fields.
pub async fn update_replaces_tags_and_quota_only(storage: &dyn TeamStorage) {
    let mut t = team("infra");
    t.tags = vec!["old".into()];
    storage.insert(&t).await.expect("insert");
    let mut changed = t.clone();
    changed.tags = vec!["new".into(), "tags".into()];
    changed.quota = Quota { limit: 2, inuse: 0 };
    changed.creating_user = "someone-else@example.com".into();
    storage.update(&changed).await.expect("update");
    let after = stored(storage, "infra").await;
    assert_eq!(after, Team { tags: changed.tags, quota: changed.quota, ..t });
}

/// `set_quota` replaces the quota.
pub async fn set_quota_replaces_the_quota(storage: &dyn TeamStorage) {
    let t = team("infra");
    storage.insert(&t).await.expect("insert");
    let q = Quota { limit: 9, inuse: 3 };
    storage.set_quota("infra", q).await.expect("set_quota");
    assert_eq!(stored(storage, "infra").await, Team { quota: q, ..t });
}

/// `set_quota` of an unknown team is `NotFound`.
pub async fn set_quota_of_unknown_returns_not_found(storage: &dyn TeamStorage) {
    assert_not_found(
        storage.set_quota("infra", Quota::unlimited()).await,
        crate::team::TEAM_NOT_FOUND,
    );
}

/// A team whose quota is `limit` with `inuse` used.
async fn with_quota(storage: &dyn TeamStorage, name: &str, limit: i64, inuse: i64) -> Team {
    let t = Team { quota: Quota { limit, inuse }, ..team(name) };
    storage.insert(&t).await.expect("insert");
    t
}

/// `inc_quota` within the limit adds to the use, up to the limit itself, and changes nothing
/// else.
pub async fn inc_quota_adds_within_the_limit(storage: &dyn TeamStorage) {
    let t = Team { tags: vec!["ops".into()], quota: Quota { limit: 3, inuse: 0 }, ..team("infra") };
    storage.insert(&t).await.expect("insert");
    let other = with_quota(storage, "web", 3, 0).await;
    storage.inc_quota("infra", 2).await.expect("inc");
    storage.inc_quota("infra", 1).await.expect("inc");
    assert_eq!(stored(storage, "infra").await, Team { quota: Quota { limit: 3, inuse: 3 }, ..t });
    assert_eq!(stored(storage, "web").await, other);
}

quota::quota_clauses!(TeamStorage, "team", "infra", "none", "over", crate::team::TEAM_NOT_FOUND);
