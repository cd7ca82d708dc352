//! Contract of [`ServiceStorage`].
use std::collections::BTreeMap;

use super::listed_names;
use super::named::named_suite;
use crate::service::{Service, ServiceStorage};

fn service(name: &str) -> Service {
    Service {
        name: name.into(),
        username: format!("{name}-user"),
        password: "secret".into(),
        endpoints: BTreeMap::from([("production".into(), format!("http://{name}.example"))]),
        owner_teams: vec!["ops".into()],
        ..Service::default()
    }
}

/// A restricted, multi-cluster service with documentation and teams.
fn full(name: &str) -> Service {
    Service {
        teams: vec!["a".into(), "b".into()],
        doc: "docs".into(),
        is_restricted: true,
        is_multi_cluster: true,
        endpoints: BTreeMap::from([
            ("production".into(), "http://p".into()),
            ("c1".into(), "http://c1".into()),
        ]),
        ..service(name)
    }
}

named_suite!(Service, ServiceStorage { update }, service, full;
    [standard, update_unknown] list_returns_services_in_insertion_order = list_in_insertion_order,
    delete_removes_the_service = delete_removes_it);

/// Update replaces every field and keeps the list order.
pub async fn update_replaces_the_service(storage: &dyn ServiceStorage) {
    storage.insert(&service("a")).await.expect("insert");
    storage.insert(&service("b")).await.expect("insert");
    let new = Service {
        password: "rotated".into(),
        doc: "new doc".into(),
        teams: vec!["web".into()],
        is_restricted: true,
        ..service("a")
    };
    storage.update(&new).await.expect("update");
    assert_eq!(storage.find("a").await.expect("find"), Some(new));
    let names = listed_names(storage.list().await, |s| s.name);
    assert_eq!(names, ["a", "b"]);
}
