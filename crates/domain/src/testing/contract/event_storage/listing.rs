//! Kinds and listing: filters, visibility grants, sorting and paging.
use super::*;

/// `kinds` returns each kind of the stored events once.
pub async fn kinds_are_distinct(storage: &dyn EventStorage) {
    let mut healer = past("pool", "p1", "x", 3);
    healer.kind = Kind::internal("healer");
    // Same name, other type: a distinct kind.
    let mut internal_deploy = past("app", "web", "x", 4);
    internal_deploy.kind = Kind::internal("app.deploy");
    insert_all(
        storage,
        &[
            &past("app", "web", "app.deploy", 0),
            &past("app", "api", "app.deploy", 1),
            &past("team", "t", "team.create", 2),
            &healer,
            &internal_deploy,
        ],
    )
    .await;
    let kinds = storage.kinds().await.expect("kinds");
    assert_eq!(
        sorted(&kinds, |k| (k.ktype.clone(), k.name.clone())),
        [
            ("internal".to_string(), "app.deploy".to_string()),
            ("internal".to_string(), "healer".to_string()),
            ("permission".to_string(), "app.deploy".to_string()),
            ("permission".to_string(), "team.create".to_string()),
        ]
    );
}

/// Five finished-or-running events used by the filter clauses, oldest first.
pub(super) fn filter_fixture() -> [Event; 5] {
    let mut e1 = past("app", "web", "app.deploy", 10);
    e1.owner = Owner::user("a@example.com");
    let mut e2 = past("app", "api", "app.deploy", 20);
    e2.owner = Owner::user("b@example.com");
    e2.error = "boom".into();
    let mut e3 = past("team", "web", "team.create", 30);
    e3.owner = Owner::user("a@example.com");
    let mut e4 = event("app", "web", "app.update.env.set");
    e4.start_time = at(40);
    e4.lock_update_time = at(40);
    e4.locked = false;
    e4.owner = Owner::token("tok1");
    let mut e5 = past("pool", "p1", "x", 50);
    e5.kind = Kind::internal("healer");
    e5.owner = Owner::internal();
    e5.extra_targets = vec![extra_target("app", "api", false)];
    [e1, e2, e3, e4, e5]
}

/// `list` keeps the events whose kind names, kind type and targets match, newest first.
pub async fn list_filters_by_kind_name_and_target(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let f = |kind_names: &[&str]| EventFilter {
        kind_names: kind_names.iter().map(|s| s.to_string()).collect(),
        ..all()
    };
    assert_eq!(listed(storage, all(), &u).await, ids(&[&e5, &e4, &e3, &e2, &e1]));
    assert_eq!(listed(storage, f(&["app.deploy"]), &u).await, ids(&[&e2, &e1]));
    assert_eq!(listed(storage, f(&["app.deploy", "team.create"]), &u).await, ids(&[&e3, &e2, &e1]));
    assert!(listed(storage, f(&["nope"]), &u).await.is_empty());
    let by_type = EventFilter { kind_type: Some("internal".into()), ..all() };
    assert_eq!(listed(storage, by_type, &u).await, ids(&[&e5]));
    let by_type_and_name =
        EventFilter { kind_type: Some("permission".into()), ..f(&["app.deploy", "healer"]) };
    assert_eq!(listed(storage, by_type_and_name, &u).await, ids(&[&e2, &e1]));
    let app_web =
        EventFilter { target_type: Some("app".into()), target_value: Some("web".into()), ..all() };
    assert_eq!(listed(storage, app_web, &u).await, ids(&[&e4, &e1]));
    let teams = EventFilter { target_type: Some("team".into()), ..all() };
    assert_eq!(listed(storage, teams, &u).await, ids(&[&e3]));
    let deploys_of_web = EventFilter { target_value: Some("web".into()), ..f(&["app.deploy"]) };
    assert_eq!(listed(storage, deploys_of_web, &u).await, ids(&[&e1]));
}

/// Target filters match extra targets as well as the primary one.
pub async fn list_target_filters_match_extra_targets(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let apps = EventFilter { target_type: Some("app".into()), ..all() };
    assert_eq!(listed(storage, apps, &u).await, ids(&[&e5, &e4, &e2, &e1]));
    let api = EventFilter { target_value: Some("api".into()), ..all() };
    assert_eq!(listed(storage, api, &u).await, ids(&[&e5, &e2]));
    let app_api =
        EventFilter { target_type: Some("app".into()), target_value: Some("api".into()), ..all() };
    assert_eq!(listed(storage, app_api, &u).await, ids(&[&e5, &e2]));
}

/// `list` filters by owner, start-time bounds (inclusive), running state and failure.
pub async fn list_filters_by_owner_time_running_and_error(storage: &dyn EventStorage) {
    let [e1, e2, e3, e4, e5] = filter_fixture();
    let u = [&e1, &e2, &e3, &e4, &e5];
    insert_all(storage, &u).await;
    let check = |f: EventFilter, want: Vec<String>| {
        let u = &u;
        async move { assert_eq!(listed(storage, f, u).await, want) }
    };
    let owner_type = |t: &str| EventFilter { owner_type: Some(t.into()), ..all() };
    let owner_name = |n: &str| EventFilter { owner_name: Some(n.into()), ..all() };
    let between = |since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>| EventFilter {
        since,
        until,
        ..all()
    };
    let running = |r: bool| EventFilter { running: Some(r), ..all() };
    check(owner_type("token"), ids(&[&e4])).await;
    check(owner_type("internal"), ids(&[&e5])).await;
    check(owner_name("a@example.com"), ids(&[&e3, &e1])).await;
    check(
        EventFilter { owner_type: Some("user".into()), ..owner_name("b@example.com") },
        ids(&[&e2]),
    )
    .await;
    check(between(Some(at(20)), None), ids(&[&e5, &e4, &e3, &e2])).await;
    check(between(None, Some(at(30))), ids(&[&e3, &e2, &e1])).await;
    check(between(Some(at(20)), Some(at(30))), ids(&[&e3, &e2])).await;
    check(between(Some(at(21)), Some(at(29))), Vec::new()).await;
    check(running(true), ids(&[&e4])).await;
    check(running(false), ids(&[&e5, &e3, &e2, &e1])).await;
    check(EventFilter { error_only: true, ..all() }, ids(&[&e2])).await;
}

/// `list` keeps only events some visibility grant allows: the grant's scheme is the event's
/// read scheme or an ancestor of it, and a scoped grant's context is among the event's.
pub async fn list_applies_visibility_grants(storage: &dyn EventStorage) {
    let app = |v: &str| Context::new(ContextType::App, v);
    let mut v1 = past("app", "web", "app.deploy", 1);
    v1.allowed = Allowed::new("app.read.events", vec![app("web")]);
    let mut v2 = past("app", "api", "app.deploy", 2);
    v2.allowed = Allowed::new("app.read.events", vec![app("api"), Context::team("t1")]);
    let mut v3 = past("team", "t1", "team.update", 3);
    v3.allowed = Allowed::new("team.read.events", vec![Context::team("t1")]);
    let mut v4 = past("pool", "p1", "pool.update", 4);
    v4.allowed = Allowed::default();
    let u = [&v1, &v2, &v3, &v4];
    insert_all(storage, &u).await;
    let grant =
        |scheme: &str, context: Option<Context>| Visibility { scheme: scheme.into(), context };
    let seen = |grants: Vec<Visibility>| EventFilter { visibility: Some(grants), ..all() };
    let cases = [
        (seen(vec![]), vec![]),
        (seen(vec![grant("", None)]), ids(&[&v4, &v3, &v2, &v1])),
        (seen(vec![grant("app.read.events", Some(app("web")))]), ids(&[&v1])),
        (seen(vec![grant("app", None)]), ids(&[&v2, &v1])),
        (
            seen(vec![
                grant("app.read", Some(app("api"))),
                grant("team.read.events", Some(Context::team("t1"))),
            ]),
            ids(&[&v3, &v2]),
        ),
        (seen(vec![grant("app.read.events", Some(Context::team("t1")))]), ids(&[&v2])),
        (seen(vec![grant("app.deploy", None)]), vec![]),
        (seen(vec![grant("app.read.eve", None)]), vec![]),
    ];
    for (filter, want) in cases {
        assert_eq!(listed(storage, filter, &u).await, want);
    }
    assert_eq!(listed(storage, all(), &u).await.len(), 4);
}

/// Without `sort`, `list` returns the newest first, then skips `skip` and keeps `limit`; paging
/// applies after filtering.
pub async fn list_sorts_newest_first_and_pages(storage: &dyn EventStorage) {
    // Inserted out of order so that insertion order cannot pass for sorting.
    let events: Vec<Event> = [3, 0, 6, 1, 5, 2, 4]
        .into_iter()
        .map(|s| {
            let kind = if s % 2 == 0 { "app.deploy" } else { "app.update" };
            past("app", &format!("a{s}"), kind, s * 10)
        })
        .collect();
    let u: Vec<&Event> = events.iter().collect();
    insert_all(storage, &u).await;
    let by_start = |secs: &[i64]| -> Vec<String> {
        secs.iter()
            .map(|s| {
                events
                    .iter()
                    .find(|e| e.start_time == at(*s))
                    .map(|e| e.id.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let page = |skip: usize, limit: usize| EventFilter { skip, limit, ..all() };
    assert_eq!(listed(storage, all(), &u).await, by_start(&[60, 50, 40, 30, 20, 10, 0]));
    assert_eq!(listed(storage, page(0, 3), &u).await, by_start(&[60, 50, 40]));
    assert_eq!(listed(storage, page(3, 3), &u).await, by_start(&[30, 20, 10]));
    assert_eq!(listed(storage, page(6, 3), &u).await, by_start(&[0]));
    assert!(listed(storage, page(7, 3), &u).await.is_empty());
    assert_eq!(listed(storage, page(0, 1), &u).await, by_start(&[60]));
    let deploys = EventFilter { kind_names: vec!["app.deploy".into()], ..page(1, 2) };
    assert_eq!(listed(storage, deploys, &u).await, by_start(&[40, 20]));
}

/// A filter that matches a few events among many (as an app's events among a busy platform's)
/// gives the same order and pages as over a small set: newest first, then by `skip`/`limit`,
/// also by target, kind and owner, and once events finish.
pub async fn selective_filters_over_many_events_sort_and_page(storage: &dyn EventStorage) {
    let mut events: Vec<Event> =
        (0..60).map(|s| past("app", "busy", "app.update", s * 10)).collect();
    // The rare events, inserted out of order among the others.
    for s in [33, 7, 51, 19] {
        let mut e = past("app", "quiet", "app.deploy", s * 10 + 5);
        e.owner = Owner { otype: "user".into(), name: "quiet@example.com".into() };
        events.push(e);
    }
    let u: Vec<&Event> = events.iter().collect();
    insert_all(storage, &u).await;
    let quiet = |skip: usize, limit: usize| -> Vec<String> {
        let mut want: Vec<&Event> = events.iter().filter(|e| e.target.value == "quiet").collect();
        want.sort_by_key(|e| std::cmp::Reverse(e.start_time));
        want.into_iter().skip(skip).take(limit).map(|e| e.id.clone()).collect()
    };
    let by_target =
        |skip, limit| EventFilter { target_value: Some("quiet".into()), skip, limit, ..all() };
    assert_eq!(listed(storage, by_target(0, 100), &u).await, quiet(0, 100));
    assert_eq!(listed(storage, by_target(1, 2), &u).await, quiet(1, 2));
    let by_kind =
        EventFilter { kind_names: vec!["app.deploy".into(), "no.such-kind".into()], ..all() };
    assert_eq!(listed(storage, by_kind, &u).await, quiet(0, 100));
    let by_owner = EventFilter { owner_name: Some("quiet@example.com".into()), limit: 3, ..all() };
    assert_eq!(listed(storage, by_owner, &u).await, quiet(0, 3));
    let oldest_first =
        EventFilter { target_value: Some("quiet".into()), sort: Some("starttime".into()), ..all() };
    let mut want = quiet(0, 100);
    want.reverse();
    assert_eq!(listed(storage, oldest_first, &u).await, want);

    // A running event is listed as running until it finishes, then as finished.
    let mut running = event("app", "quiet", "app.restart");
    running.start_time = at(1000);
    storage.insert(&running).await.expect("insert");
    let running_only = EventFilter { running: Some(true), ..all() };
    assert_eq!(listed(storage, running_only.clone(), &[&running]).await, vec![running.id.clone()]);
    let done = finished(running.clone(), at(1001));
    storage.update(&done).await.expect("finish");
    assert!(listed(storage, running_only, &[]).await.is_empty());
    assert!(storage.list_stale(at(100_000)).await.expect("stale").iter().all(|e| e.id != done.id));
    let finished_quiet =
        EventFilter { target_value: Some("quiet".into()), running: Some(false), limit: 1, ..all() };
    assert_eq!(
        storage
            .list(&finished_quiet)
            .await
            .expect("list")
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        vec![done.id.clone()]
    );
}

/// `sort` names the field to order by, `-` for descending: `starttime`, `-starttime`,
/// `endtime`, `-endtime`; paging applies after sorting.
pub async fn list_sorts_by_the_requested_key(storage: &dyn EventStorage) {
    // Start order a, b, c; end order c, a, b.
    let mut a = past("app", "a", "app.deploy", 0);
    a.end_time = Some(at(50));
    let mut b = past("app", "b", "app.deploy", 10);
    b.end_time = Some(at(100));
    let c = past("app", "c", "app.deploy", 20);
    let u = [&a, &b, &c];
    insert_all(storage, &u).await;
    let sorted_by = |key: &str| EventFilter { sort: Some(key.into()), ..all() };
    assert_eq!(listed(storage, sorted_by("starttime"), &u).await, ids(&[&a, &b, &c]));
    assert_eq!(listed(storage, sorted_by("-starttime"), &u).await, ids(&[&c, &b, &a]));
    assert_eq!(listed(storage, sorted_by("endtime"), &u).await, ids(&[&c, &a, &b]));
    assert_eq!(listed(storage, sorted_by("-endtime"), &u).await, ids(&[&b, &a, &c]));
    let second_oldest = EventFilter { skip: 1, limit: 1, ..sorted_by("starttime") };
    assert_eq!(listed(storage, second_oldest, &u).await, ids(&[&b]));
}
