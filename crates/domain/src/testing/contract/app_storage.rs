//! Contract of [`AppStorage`]: storage, filtered listing and the bulk updates.
use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;

use super::listed_names;
use super::present;
use super::{
    assert_admitted, assert_conflict, assert_not_found, concurrently, sorted, CONCURRENCY,
};
use crate::app::{
    App, AppFilter, AppRouter, AppStorage, AppVisibility, EnvVar, Metadata, MetadataItem,
};
use crate::plan::PlanOverride;
use crate::quota::Quota;
use crate::testing::{app, plan};

async fn stored(storage: &dyn AppStorage, name: &str) -> App {
    present(storage.find(name).await, &format!("app {name}"))
}

async fn insert_all(storage: &dyn AppStorage, apps: &[&App]) {
    for a in apps {
        storage.insert(a).await.expect("insert");
    }
}

fn names(apps: &[App]) -> Vec<&str> {
    apps.iter().map(|a| a.name.as_str()).collect()
}

fn duplicate(name: &str) -> String {
    crate::app::app_already_exists(name).to_string()
}

fn missing(name: &str) -> String {
    crate::app::app_not_found(name).to_string()
}

/// Names of `list(filter)`, in the order returned; also checks them against
/// [`AppFilter::matches`] over `universe`, given in insertion order.
async fn listed(storage: &dyn AppStorage, filter: AppFilter, universe: &[&App]) -> Vec<String> {
    let got = listed_names(storage.list(&filter).await, |a| a.name);
    let want: Vec<String> =
        universe.iter().filter(|a| filter.matches(a)).map(|a| a.name.clone()).collect();
    assert_eq!(got, want, "list disagrees with AppFilter::matches for {filter:?}");
    got
}

fn by_name(re: &str) -> AppFilter {
    AppFilter { name: Some(Regex::new(re).expect("regex")), ..AppFilter::default() }
}

fn by_platform(name: &str, version: Option<&str>) -> AppFilter {
    AppFilter {
        platform: Some((name.to_string(), version.map(str::to_string))),
        ..AppFilter::default()
    }
}

fn by_tags(tags: &[&str]) -> AppFilter {
    AppFilter { tags: tags.iter().map(|t| (*t).to_string()).collect(), ..AppFilter::default() }
}

fn visible(teams: &[&str], names: &[&str], pools: &[&str]) -> AppFilter {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect();
    AppFilter {
        visibility: Some(AppVisibility {
            teams: strings(teams),
            names: strings(names),
            pools: strings(pools),
        }),
        ..AppFilter::default()
    }
}

/// An app with every field away from the fixture's defaults.
fn full(name: &str) -> App {
    let mut a = app(name);
    a.platform = "go".into();
    a.platform_version = "3".into();
    a.teams = vec!["infra".into(), "web".into()];
    a.owner = "me@example.com".into();
    a.plan = plan("c1m2");
    a.plan.r#override = PlanOverride { memory: Some(512), cpumilli: None };
    a.pool = "pool2".into();
    a.description = "the web front".into();
    a.tags = vec!["front".into(), "critical".into()];
    a.metadata = Metadata {
        labels: vec![MetadataItem { name: "tier".into(), value: "1".into() }],
        annotations: vec![MetadataItem {
            name: "docs".into(),
            value: "https://example.com".into(),
        }],
    };
    a.routers = vec![AppRouter {
        name: "ingress".into(),
        opts: BTreeMap::from([("tls".into(), "true".into())]),
    }];
    a.cname = vec!["www.example.com".into()];
    a.env = BTreeMap::from([
        (
            "DATABASE_URL".into(),
            EnvVar {
                name: "DATABASE_URL".into(),
                value: "postgres://db".into(),
                alias: String::new(),
                public: false,
                managed_by: "svc".into(),
            },
        ),
        (
            "DB".into(),
            EnvVar {
                name: "DB".into(),
                value: String::new(),
                alias: "DATABASE_URL".into(),
                public: true,
                managed_by: String::new(),
            },
        ),
    ]);
    a.deploys = 7;
    a.update_platform = true;
    a.quota = Quota { limit: 4, inuse: 2 };
    a
}

/// A stored app is found by name with every field intact.
pub async fn insert_then_find_returns_it(storage: &dyn AppStorage) {
    let a = full("web");
    storage.insert(&a).await.expect("insert");
    assert_eq!(stored(storage, "web").await, a);
    let plain = app("api");
    storage.insert(&plain).await.expect("insert");
    assert_eq!(stored(storage, "api").await, plain);
}

/// An unknown name finds nothing.
pub async fn find_unknown_returns_none(storage: &dyn AppStorage) {
    storage.insert(&app("web")).await.expect("insert");
    assert_eq!(storage.find("api").await.expect("find"), None);
}

/// Inserting a taken name is a conflict naming the app, and keeps the first app.
pub async fn insert_duplicate_returns_conflict(storage: &dyn AppStorage) {
    let first = app("web");
    storage.insert(&first).await.expect("insert");
    assert_conflict(storage.insert(&full("web")).await, &duplicate("web"));
    assert_eq!(stored(storage, "web").await, first);
}

/// Concurrent inserts of one name: exactly one succeeds, the others are conflicts.
pub async fn concurrent_inserts_of_one_name_admit_exactly_one(storage: Arc<dyn AppStorage>) {
    let results = concurrently(CONCURRENCY, |_| {
        let s = Arc::clone(&storage);
        async move { s.insert(&app("web")).await }
    })
    .await;
    assert_admitted(results, 1, |r| assert_conflict(r, &duplicate("web")));
    assert_eq!(storage.list(&AppFilter::default()).await.expect("list"), [app("web")]);
}

/// Without filters, `list` returns every app in insertion order, also after a deletion.
pub async fn list_without_filters_returns_every_app_in_insertion_order(storage: &dyn AppStorage) {
    for n in ["web", "api", "worker"] {
        storage.insert(&app(n)).await.expect("insert");
    }
    let all = AppFilter::default();
    assert_eq!(names(&storage.list(&all).await.expect("list")), ["web", "api", "worker"]);
    storage.delete("api").await.expect("delete");
    assert_eq!(names(&storage.list(&all).await.expect("list")), ["web", "worker"]);
    assert!(storage.list(&by_name("^api$")).await.expect("list").is_empty());
}

/// The name filter is an unanchored regular expression; anchors work when given.
pub async fn list_filters_by_name_regex(storage: &dyn AppStorage) {
    let (web, webhook, api, my_web) = (app("web"), app("webhook"), app("api"), app("my-web"));
    let universe = [&web, &webhook, &api, &my_web];
    insert_all(storage, &universe).await;
    assert_eq!(listed(storage, by_name("web"), &universe).await, ["web", "webhook", "my-web"]);
    assert_eq!(listed(storage, by_name("^web"), &universe).await, ["web", "webhook"]);
    assert_eq!(listed(storage, by_name("^web$"), &universe).await, ["web"]);
    assert_eq!(listed(storage, by_name("p+i|hoo"), &universe).await, ["webhook", "api"]);
    assert!(listed(storage, by_name("nothing"), &universe).await.is_empty());
}

/// The platform filter matches the platform name, and the version when one is given:
/// `latest` matches apps not pinned to a version (empty or `latest`).
pub async fn list_filters_by_platform_name_and_version(storage: &dyn AppStorage) {
    let unpinned = app("unpinned");
    let mut latest = app("latest");
    latest.platform_version = "latest".into();
    let mut v2 = app("v2");
    v2.platform_version = "2".into();
    let mut v3 = app("v3");
    v3.platform_version = "3".into();
    let mut go = app("go");
    go.platform = "go".into();
    let mut python3 = app("python3-app");
    python3.platform = "python3".into();
    let universe = [&unpinned, &latest, &v2, &v3, &go, &python3];
    insert_all(storage, &universe).await;
    assert_eq!(
        listed(storage, by_platform("python", None), &universe).await,
        ["unpinned", "latest", "v2", "v3"]
    );
    assert_eq!(
        listed(storage, by_platform("python", Some("latest")), &universe).await,
        ["unpinned", "latest"]
    );
    assert_eq!(listed(storage, by_platform("python", Some("2")), &universe).await, ["v2"]);
    assert_eq!(listed(storage, by_platform("go", None), &universe).await, ["go"]);
    assert_eq!(listed(storage, by_platform("go", Some("latest")), &universe).await, ["go"]);
    assert!(listed(storage, by_platform("go", Some("3")), &universe).await.is_empty());
    assert!(listed(storage, by_platform("ruby", None), &universe).await.is_empty());
}

/// The team-owner filter matches the owning team only, not the other teams with access.
pub async fn list_filters_by_team_owner(storage: &dyn AppStorage) {
    let owned = app("owned");
    let mut shared = app("shared");
    shared.team_owner = "web".into();
    shared.teams = vec!["web".into(), "infra".into()];
    let universe = [&owned, &shared];
    insert_all(storage, &universe).await;
    let filter = |t: &str| AppFilter { team_owner: Some(t.to_string()), ..AppFilter::default() };
    assert_eq!(listed(storage, filter("infra"), &universe).await, ["owned"]);
    assert_eq!(listed(storage, filter("web"), &universe).await, ["shared"]);
    assert!(listed(storage, filter("data"), &universe).await.is_empty());
}

/// The owner filter matches the creator's e-mail exactly.
pub async fn list_filters_by_owner(storage: &dyn AppStorage) {
    let mine = app("mine");
    let mut theirs = app("theirs");
    theirs.owner = "other@example.com".into();
    let universe = [&mine, &theirs];
    insert_all(storage, &universe).await;
    let filter = |o: &str| AppFilter { owner: Some(o.to_string()), ..AppFilter::default() };
    assert_eq!(listed(storage, filter("other@example.com"), &universe).await, ["theirs"]);
    assert_eq!(listed(storage, filter("owner@example.com"), &universe).await, ["mine"]);
    assert!(listed(storage, filter("owner@example"), &universe).await.is_empty());
}

/// The pool filter matches the app's pool exactly.
pub async fn list_filters_by_pool(storage: &dyn AppStorage) {
    let one = app("one");
    let mut two = app("two");
    two.pool = "pool2".into();
    let universe = [&one, &two];
    insert_all(storage, &universe).await;
    let filter = |p: &str| AppFilter { pool: Some(p.to_string()), ..AppFilter::default() };
    assert_eq!(listed(storage, filter("pool2"), &universe).await, ["two"]);
    assert_eq!(listed(storage, filter("pool1"), &universe).await, ["one"]);
    assert!(listed(storage, filter("pool"), &universe).await.is_empty());
}

/// The tag filter requires every tag given; no tags lets everything through.
pub async fn list_requires_every_tag(storage: &dyn AppStorage) {
    let untagged = app("untagged");
    let mut front = app("front");
    front.tags = vec!["front".into()];
    let mut both = app("both");
    both.tags = vec!["critical".into(), "front".into(), "extra".into()];
    let universe = [&untagged, &front, &both];
    insert_all(storage, &universe).await;
    assert_eq!(listed(storage, by_tags(&["front"]), &universe).await, ["front", "both"]);
    assert_eq!(listed(storage, by_tags(&["front", "critical"]), &universe).await, ["both"]);
    assert!(listed(storage, by_tags(&["front", "missing"]), &universe).await.is_empty());
    assert_eq!(listed(storage, by_tags(&[]), &universe).await, ["untagged", "front", "both"]);
}

/// Visibility lets through apps any of whose teams, its name or its pool is granted; an
/// empty grant sees nothing.
pub async fn list_applies_visibility_by_teams_names_and_pools(storage: &dyn AppStorage) {
    let infra = app("infra-app");
    let mut shared = app("shared");
    shared.team_owner = "web".into();
    shared.teams = vec!["web".into(), "data".into()];
    shared.pool = "pool2".into();
    let mut named = app("named");
    named.team_owner = "ops".into();
    named.teams = vec!["ops".into()];
    named.pool = "pool3".into();
    let universe = [&infra, &shared, &named];
    insert_all(storage, &universe).await;
    assert_eq!(listed(storage, visible(&["data"], &[], &[]), &universe).await, ["shared"]);
    assert_eq!(
        listed(storage, visible(&["infra", "ops"], &[], &[]), &universe).await,
        ["infra-app", "named"]
    );
    assert_eq!(listed(storage, visible(&[], &["named"], &[]), &universe).await, ["named"]);
    assert_eq!(listed(storage, visible(&[], &[], &["pool2"]), &universe).await, ["shared"]);
    assert_eq!(
        listed(storage, visible(&["infra"], &["named"], &["pool2"]), &universe).await,
        ["infra-app", "shared", "named"]
    );
    assert!(listed(storage, visible(&[], &[], &[]), &universe).await.is_empty());
    assert!(listed(storage, visible(&["nobody"], &["nothing"], &["nowhere"]), &universe)
        .await
        .is_empty());
}

/// Every field set must match.
pub async fn list_combines_filters(storage: &dyn AppStorage) {
    let mut a = app("web");
    a.tags = vec!["front".into()];
    let mut b = app("web-other-pool");
    b.tags = vec!["front".into()];
    b.pool = "pool2".into();
    let mut c = app("web-untagged");
    c.platform_version = "2".into();
    let d = app("api");
    let universe = [&a, &b, &c, &d];
    insert_all(storage, &universe).await;
    let filter = AppFilter {
        name: Some(Regex::new("^web").expect("regex")),
        platform: Some(("python".into(), Some("latest".into()))),
        team_owner: Some("infra".into()),
        owner: Some("owner@example.com".into()),
        pool: Some("pool1".into()),
        tags: vec!["front".into()],
        visibility: Some(AppVisibility { teams: vec!["infra".into()], ..AppVisibility::default() }),
    };
    assert_eq!(listed(storage, filter.clone(), &universe).await, ["web"]);
    let wider = AppFilter { tags: Vec::new(), pool: None, platform: None, ..filter };
    assert_eq!(listed(storage, wider, &universe).await, ["web", "web-other-pool", "web-untagged"]);
}

/// `update` replaces the whole app and leaves the others alone.
pub async fn update_replaces_the_app(storage: &dyn AppStorage) {
    let other = app("api");
    insert_all(storage, &[&app("web"), &other]).await;
    let changed = full("web");
    storage.update(&changed).await.expect("update");
    assert_eq!(stored(storage, "web").await, changed);
    assert_eq!(stored(storage, "api").await, other);
    // And back: fields emptied by an update are emptied in storage.
    storage.update(&app("web")).await.expect("update");
    assert_eq!(stored(storage, "web").await, app("web"));
}

/// Updating an unknown app is `NotFound` `App <name> not found.` and stores nothing.
pub async fn update_unknown_returns_not_found(storage: &dyn AppStorage) {
    assert_not_found(storage.update(&app("web")).await, &missing("web"));
    assert_eq!(storage.find("web").await.expect("find"), None);
}

/// A deleted app is gone; the others stay, and the name can be taken again.
pub async fn delete_removes_the_app(storage: &dyn AppStorage) {
    insert_all(storage, &[&app("web"), &app("api")]).await;
    storage.delete("web").await.expect("delete");
    assert_eq!(storage.find("web").await.expect("find"), None);
    assert!(storage.find("api").await.expect("find").is_some());
    storage.insert(&app("web")).await.expect("insert again");
}

/// Deleting an unknown app is `NotFound` `App <name> not found.`.
pub async fn delete_unknown_returns_not_found(storage: &dyn AppStorage) {
    storage.insert(&app("api")).await.expect("insert");
    assert_not_found(storage.delete("web").await, &missing("web"));
}

/// `count_in_pool` counts the apps of that pool exactly.
pub async fn count_in_pool_counts_the_apps_of_that_pool(storage: &dyn AppStorage) {
    let mut b = app("b");
    b.pool = "pool2".into();
    insert_all(storage, &[&app("a"), &b, &app("c")]).await;
    assert_eq!(storage.count_in_pool("pool1").await.expect("count"), 2);
    assert_eq!(storage.count_in_pool("pool2").await.expect("count"), 1);
    assert_eq!(storage.count_in_pool("pool").await.expect("count"), 0);
    storage.delete("a").await.expect("delete");
    assert_eq!(storage.count_in_pool("pool1").await.expect("count"), 1);
}

/// `names_by_team` returns the apps whose team list includes the team, owner or not.
pub async fn names_by_team_returns_apps_whose_teams_include_it(storage: &dyn AppStorage) {
    let owned = app("owned");
    let mut shared = app("shared");
    shared.team_owner = "web".into();
    shared.teams = vec!["web".into(), "infra".into()];
    let mut foreign = app("foreign");
    foreign.team_owner = "web".into();
    foreign.teams = vec!["web".into()];
    // Owning team without access: the team list is what counts.
    let mut orphan = app("orphan");
    orphan.teams = vec!["data".into()];
    insert_all(storage, &[&owned, &shared, &foreign, &orphan]).await;
    let names = |v: Vec<String>| sorted(&v, Clone::clone);
    assert_eq!(names(storage.names_by_team("infra").await.expect("names")), ["owned", "shared"]);
    assert_eq!(names(storage.names_by_team("web").await.expect("names")), ["foreign", "shared"]);
    assert!(storage.names_by_team("nobody").await.expect("names").is_empty());
}

/// `count_by_platform` counts the apps of that platform, whatever their version.
pub async fn count_by_platform_counts_every_version(storage: &dyn AppStorage) {
    let mut pinned = app("pinned");
    pinned.platform_version = "2".into();
    let mut go = app("go");
    go.platform = "go".into();
    insert_all(storage, &[&app("a"), &pinned, &go]).await;
    assert_eq!(storage.count_by_platform("python").await.expect("count"), 2);
    assert_eq!(storage.count_by_platform("go").await.expect("count"), 1);
    assert_eq!(storage.count_by_platform("pyth").await.expect("count"), 0);
}

/// `mark_platform_updated` sets `update_platform` on every app of the platform and touches
/// nothing else.
pub async fn mark_platform_updated_flags_only_that_platforms_apps(storage: &dyn AppStorage) {
    let a = app("a");
    let mut pinned = app("pinned");
    pinned.platform_version = "2".into();
    let mut go = app("go");
    go.platform = "go".into();
    insert_all(storage, &[&a, &pinned, &go]).await;
    storage.mark_platform_updated("python").await.expect("mark");
    assert_eq!(stored(storage, "a").await, App { update_platform: true, ..a.clone() });
    assert_eq!(stored(storage, "pinned").await, App { update_platform: true, ..pinned });
    assert_eq!(stored(storage, "go").await, go);
    // Marking again, or a platform no app uses, is fine.
    storage.mark_platform_updated("python").await.expect("mark");
    storage.mark_platform_updated("ruby").await.expect("mark");
    assert!(stored(storage, "a").await.update_platform);
}

/// `rename_team` renames the team as owner and in every team list, and nothing else.
pub async fn rename_team_renames_owner_and_team_lists(storage: &dyn AppStorage) {
    let owned = app("owned");
    let mut shared = app("shared");
    shared.team_owner = "web".into();
    shared.teams = vec!["web".into(), "infra".into(), "data".into()];
    let mut foreign = app("foreign");
    foreign.team_owner = "web".into();
    foreign.teams = vec!["web".into()];
    // An app named like the team keeps its name.
    let mut same_name = app("infra");
    same_name.team_owner = "web".into();
    same_name.teams = vec!["web".into()];
    insert_all(storage, &[&owned, &shared, &foreign, &same_name]).await;
    storage.rename_team("infra", "platform").await.expect("rename");

    let after = stored(storage, "owned").await;
    assert_eq!(after.team_owner, "platform");
    assert_eq!(after.teams, ["platform"]);
    assert_eq!(
        after,
        App { team_owner: "platform".into(), teams: vec!["platform".into()], ..owned }
    );
    let after = stored(storage, "shared").await;
    assert_eq!(after.team_owner, "web");
    assert_eq!(sorted(&after.teams, Clone::clone), ["data", "platform", "web"]);
    assert_eq!(App { teams: shared.teams.clone(), ..after }, shared);
    assert_eq!(stored(storage, "foreign").await, foreign);
    assert_eq!(stored(storage, "infra").await, same_name);
    assert!(storage.names_by_team("infra").await.expect("names").is_empty());
    assert_eq!(
        sorted(&storage.names_by_team("platform").await.expect("names"), Clone::clone),
        ["owned", "shared"]
    );
}
