//! Use cases wired as `tsurud` wires them, on the in-memory store: provisioner choice and
//! rollback, team info, the app list query and the root-user bootstrap.
use std::sync::Arc;

use tsuru_adapters::memory::MemoryStore;
use tsuru_domain::app::{AppFilter, AppListQuery, AppStorage, NewApp};
use tsuru_domain::bootstrap::{RootUserBootstrap, ROOT_ROLE};
use tsuru_domain::identity::Credential;
use tsuru_domain::permission::{Context, Permission};
use tsuru_domain::pool::NewPool;
use tsuru_domain::provision::Provisioner;
use tsuru_domain::quota::QuotaUseCases;
use tsuru_domain::records::Records;
use tsuru_domain::testing::{StubProvisioner, StubRules};
use tsuru_domain::user::User;
use tsuru_domain::{Call, Error, Identity, Origin};

use super::AppState;
use crate::config::Settings;

const ADMIN: &str = "root@example.com";

fn settings(default_provisioner: &str) -> Settings {
    let mut s = Settings { storage: "memory".into(), ..Settings::default() };
    s.auth.hash_cost = 4;
    s.auth.jwt_secret = Some("test-secret-0123456789abcdef".into());
    s.provisioner.default = default_provisioner.into();
    s
}

fn identity(email: &str, grants: &[(&str, Context)]) -> Identity {
    Identity {
        email: email.into(),
        credential: Credential::ApiKey,
        roles: Vec::new(),
        permissions: grants
            .iter()
            .map(|(scheme, context)| Permission {
                scheme: (*scheme).into(),
                context: context.clone(),
            })
            .collect(),
    }
}

/// Every permission, everywhere.
fn root() -> Identity {
    identity(ADMIN, &[("", Context::global())])
}

/// A call of the admin.
fn admin_call() -> Call {
    Call::new(root(), Origin::default())
}

/// A state on a fresh store with the admin user, team `t1`, the seeded plans and a public
/// default pool `p1`.
async fn world(
    default_provisioner: &str,
    extra: Vec<Arc<dyn Provisioner>>,
) -> (AppState, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let state = AppState::with_provisioners(&settings(default_provisioner), store.clone(), extra)
        .expect("state");
    state.plans.seed().await.expect("plans");
    state.auth.insert_user(ADMIN, "admin-password").await.expect("admin");
    state.teams.create(&admin_call(), "t1", Vec::new()).await.expect("team");
    state
        .pools
        .create(
            &admin_call(),
            NewPool { name: "p1".into(), public: true, default: true, ..NewPool::default() },
        )
        .await
        .expect("pool");
    (state, store)
}

fn new_app(name: &str, pool: &str) -> NewApp {
    NewApp { name: name.into(), team_owner: "t1".into(), pool: pool.into(), ..NewApp::default() }
}

#[tokio::test]
async fn a_failed_create_leaves_nothing_stored_and_releases_the_quotas() {
    let failing =
        StubProvisioner::with("failing", StubRules { refuse_apps: true, ..StubRules::default() });
    let (state, store) = world("failing", vec![failing.clone()]).await;
    let err = state.apps.create(&admin_call(), new_app("web", "")).await.unwrap_err();
    assert_eq!(err.to_string(), "the cluster is unreachable");
    assert!(AppStorage::find(&*store, "web").await.unwrap().is_none());
    assert!(AppStorage::list(&*store, &AppFilter::default()).await.unwrap().is_empty());
    let team = state.teams.quota(&root(), "t1").await.unwrap();
    assert_eq!(team.inuse, 0, "the team quota is released");
    let user = Records::<User>::find(&*store, ADMIN).await.unwrap().unwrap();
    assert_eq!(user.quota.inuse, 0, "the user quota is released");
    assert!(failing.provisioned().is_empty());
    // The name is free again: a create on a working provisioner succeeds.
    let (state, _) = world("simulated", Vec::new()).await;
    state.apps.create(&admin_call(), new_app("web", "")).await.expect("create");
}

#[tokio::test]
async fn app_operations_go_to_the_provisioner_of_the_app_pool() {
    let other = StubProvisioner::new("other");
    let (state, _) = world("simulated", vec![other.clone()]).await;
    state
        .pools
        .create(
            &admin_call(),
            NewPool {
                name: "p2".into(),
                public: true,
                provisioner: "other".into(),
                ..NewPool::default()
            },
        )
        .await
        .expect("pool on the other provisioner");
    let (_, address) = state.apps.create(&admin_call(), new_app("on-other", "p2")).await.unwrap();
    assert_eq!(address.as_deref(), Some("on-other.fake"));
    state.apps.create(&admin_call(), new_app("on-default", "p1")).await.unwrap();
    assert_eq!(other.provisioned(), vec!["on-other".to_string()]);
    let info = state.apps.info(&root(), "on-other").await.unwrap();
    assert_eq!(info.provisioner, "other");
    let info = state.apps.info(&root(), "on-default").await.unwrap();
    assert_eq!(info.provisioner, "simulated");
}

#[tokio::test]
async fn an_unregistered_default_provisioner_is_refused_at_start() {
    let store = Arc::new(MemoryStore::new());
    let err =
        AppState::with_provisioners(&settings("docker"), store, Vec::new()).err().expect("refused");
    assert!(err.to_string().contains("provisioner.default"), "{err}");
}

#[tokio::test]
async fn team_info_shows_only_the_apps_the_caller_may_read() {
    let (state, _) = world("simulated", Vec::new()).await;
    for name in ["a1", "a2"] {
        state.apps.create(&admin_call(), new_app(name, "")).await.unwrap();
    }
    let full = state.team_overview.info(&root(), "t1").await.unwrap();
    let names: Vec<&str> = full.apps.iter().map(|a| a.app.name.as_str()).collect();
    assert_eq!(names, ["a1", "a2"]);
    assert_eq!(full.pools.len(), 1);
    let reader = identity(
        "reader@example.com",
        &[
            ("team.read", Context::global()),
            ("app.read", Context::new(tsuru_domain::permission::ContextType::App, "a2")),
        ],
    );
    let partial = state.team_overview.info(&reader, "t1").await.unwrap();
    let names: Vec<&str> = partial.apps.iter().map(|a| a.app.name.as_str()).collect();
    assert_eq!(names, ["a2"]);
    let nobody = identity("nobody@example.com", &[]);
    assert!(matches!(state.team_overview.info(&nobody, "t1").await, Err(Error::Forbidden(_))));
}

#[tokio::test]
async fn the_app_list_query_filters_on_unit_status_and_lock() {
    let (state, _) = world("simulated", Vec::new()).await;
    state.apps.create(&admin_call(), new_app("a1", "")).await.unwrap();
    // Units run from the first deploy on.
    state
        .apps
        .deploy(
            &admin_call(),
            "a1",
            tsuru_domain::app::NewDeploy {
                image: "registry.example.com/a1:v1".into(),
                ..Default::default()
            },
            Arc::new(tsuru_domain::output::Discard),
        )
        .await
        .unwrap();
    let names = |apps: Vec<tsuru_domain::app::AppInfo>| {
        apps.into_iter().map(|a| a.app.name).collect::<Vec<_>>()
    };
    let query = |statuses: &[&str], locked: bool, simplified: bool| AppListQuery {
        filter: AppFilter::default(),
        simplified,
        statuses: statuses.iter().map(|s| (*s).to_string()).collect(),
        locked,
    };
    let admin = root();
    let search = |q| state.apps.search(&admin, q);
    assert_eq!(names(search(query(&[], false, false)).await.unwrap()), ["a1"]);
    assert_eq!(
        names(search(query(&["stopped, started"], false, false)).await.unwrap()),
        ["a1"],
        "comma-separated statuses"
    );
    assert!(search(query(&["stopped"], false, false)).await.unwrap().is_empty());
    assert_eq!(
        names(search(query(&["stopped"], false, true)).await.unwrap()),
        ["a1"],
        "a simplified list has no units to filter on"
    );
    assert!(search(query(&[], true, false)).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_root_user_bootstrap_runs_once_and_is_idempotent() {
    let store = Arc::new(MemoryStore::new());
    let state = AppState::with_store(&settings("simulated"), store.clone()).unwrap();
    let bootstrap = RootUserBootstrap::new(state.auth.clone());
    assert!(bootstrap.admin_if_no_users(ADMIN, "admin-password").await.unwrap());
    assert!(
        !bootstrap.admin_if_no_users("second@example.com", "admin-password").await.unwrap(),
        "only when no user exists"
    );
    assert!(Records::<User>::find(&*store, "second@example.com").await.unwrap().is_none());
    assert!(!bootstrap.ensure_root_user(ADMIN, "admin-password").await.unwrap());
    let user = Records::<User>::find(&*store, ADMIN).await.unwrap().unwrap();
    assert_eq!(user.roles.iter().filter(|r| r.name == ROOT_ROLE).count(), 1, "granted once");
    let identity = state.auth.identity_for(&user, Credential::ApiKey).await.unwrap();
    assert!(identity.can("app.create", &[]), "root may do anything");
    assert!(matches!(
        bootstrap.ensure_root_user("not-an-email", "admin-password").await,
        Err(Error::BadRequest(_))
    ));
}
