//! Test support for storage adapters: fixture builders and the port contract suites.
//!
//! Every storage adapter (the in-memory store, MongoDB) runs the same suites from [`contract`],
//! usually through [`crate::contract_tests!`]. The builders below make valid entities with fixed
//! timestamps, so a stored-then-loaded value compares equal with `==`. Times are whole seconds,
//! which survive MongoDB's millisecond precision.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::app::{App, AppVersion, Metadata};
use crate::event::{Allowed, CancelInfo, Event, ExtraTarget, Kind, Owner, Target};
use crate::permission::{ContextType, Role};
use crate::plan::{Plan, PlanOverride};
use crate::platform::{Platform, PlatformVersion};
use crate::pool::{Constraint, Pool};
use crate::quota::Quota;
use crate::team::Team;
use crate::user::{PasswordToken, Session, SshKey, User};

pub mod contract;
mod provisioner;

pub use provisioner::{StubProvisioner, StubRules};

/// The fixed instant every fixture starts from: 2024-01-02T03:04:05Z.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).single().unwrap_or_default()
}

/// [`t0`] plus `secs` seconds (negative: before it).
pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// A new ObjectID-shaped id (24 hex digits), unique within the process: [`t0`]'s seconds, then
/// a counter.
pub fn object_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}{:016x}", t0().timestamp(), n)
}

/// A user with a fixed bcrypt-shaped hash, no API key, no roles and an unlimited quota.
pub fn user(email: &str) -> User {
    User::new(
        email,
        "$2a$10$aaaaaaaaaaaaaaaaaaaaaOaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Quota::unlimited(),
    )
}

/// A user holding `api_key`.
pub fn user_with_api_key(email: &str, api_key: &str) -> User {
    User { api_key: api_key.to_string(), ..user(email) }
}

/// A valid ed25519 SSH key named `name`; `seed` makes its content distinct.
pub fn ssh_key(name: &str, seed: u8) -> SshKey {
    SshKey {
        name: name.to_string(),
        content: format!(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} {name}@host",
            hex::encode([seed; 16])
        ),
    }
}

/// A session `jti` of `email`, issued at [`t0`] and expiring a week later.
pub fn session(jti: &str, email: &str) -> Session {
    Session {
        jti: jti.to_string(),
        user_email: email.to_string(),
        created_at: t0(),
        expires_at: at(7 * 24 * 3600),
    }
}

/// An unused password-reset token `token` for `email`, issued at [`t0`].
pub fn password_token(token: &str, email: &str) -> PasswordToken {
    PasswordToken {
        token: token.to_string(),
        user_email: email.to_string(),
        creation: t0(),
        used: false,
    }
}

/// A team created by `owner@example.com`, without tags, with an unlimited quota.
pub fn team(name: &str) -> Team {
    Team {
        name: name.to_string(),
        creating_user: "owner@example.com".to_string(),
        tags: Vec::new(),
        quota: Quota::unlimited(),
    }
}

/// A role on context type `ctx` with one permission (`app.read`) and no role events.
pub fn role(name: &str, ctx: ContextType) -> Role {
    Role {
        name: name.to_string(),
        context_type: ctx,
        description: format!("{name} role"),
        scheme_names: vec!["app.read".to_string()],
        events: Vec::new(),
    }
}

/// A team token `token_id` of `team` without roles, expiry or access, created at [`t0`] by
/// `owner@example.com`; its value is 64 hex digits derived from the id.
pub fn team_token(token_id: &str, team: &str) -> crate::token::TeamToken {
    crate::token::TeamToken {
        token: crate::clock::sha256_hex(&[token_id.as_bytes()]),
        token_id: token_id.to_string(),
        description: format!("{token_id} token"),
        created_at: t0(),
        expires_at: None,
        last_access: None,
        creator_email: "owner@example.com".to_string(),
        team: team.to_string(),
        roles: Vec::new(),
    }
}

/// A webhook `name` of `team` calling `https://hooks.example.com/<name>` for every event.
pub fn webhook(name: &str, team: &str) -> crate::webhook::Webhook {
    crate::webhook::Webhook {
        name: name.to_string(),
        team_owner: team.to_string(),
        url: format!("https://hooks.example.com/{name}"),
        ..crate::webhook::Webhook::default()
    }
}

/// A pending delivery of event `event_id` to webhook `hook`, created and due at [`at`]`(secs)`,
/// unclaimed, with a fresh id.
pub fn delivery(hook: &str, event_id: &str, secs: i64) -> crate::webhook::Delivery {
    crate::webhook::Delivery {
        id: object_id(),
        webhook: hook.to_string(),
        event_id: event_id.to_string(),
        event_kind: "app.deploy".to_string(),
        request: crate::webhook::HookRequest {
            method: "POST".to_string(),
            url: format!("https://hooks.example.com/{hook}"),
            headers: vec![("Content-Type".to_string(), "application/json".to_string())],
            body: Some("{}".to_string()),
            proxy_url: None,
            insecure: false,
        },
        secret: String::new(),
        state: crate::webhook::DeliveryState::Pending,
        attempts: Vec::new(),
        last_error: String::new(),
        created_at: at(secs),
        next_attempt_at: at(secs),
        claimed_by: None,
        lease_until: None,
    }
}

/// A running, locked event of kind `permission:<kind>` on `target_type(value)`, owned by
/// `owner@example.com`, started at [`t0`], readable by the root permission, with a fresh id.
pub fn event(target_type: &str, value: &str, kind: &str) -> Event {
    Event {
        id: object_id(),
        target: Target::new(target_type, value),
        extra_targets: Vec::new(),
        kind: Kind::permission(kind),
        owner: Owner::user("owner@example.com"),
        start_time: t0(),
        end_time: None,
        lock_update_time: t0(),
        locked: true,
        running: true,
        cancelable: false,
        error: String::new(),
        source_ip: "127.0.0.1".to_string(),
        log: Vec::new(),
        cancel_info: CancelInfo::default(),
        allowed: Allowed::default(),
        allowed_cancel: Allowed::default(),
        start_custom_data: None,
        end_custom_data: None,
        other_custom_data: None,
    }
}

/// `event` finished at `end` (no longer running nor locked), as `EventService::done` leaves it.
pub fn finished(mut event: Event, end: DateTime<Utc>) -> Event {
    event.running = false;
    event.locked = false;
    event.end_time = Some(end);
    event
}

/// An extra target, locked or not.
pub fn extra_target(target_type: &str, value: &str, lock: bool) -> ExtraTarget {
    ExtraTarget { target: Target::new(target_type, value), lock }
}

/// A plan of 256 MiB and 100 millicpu, not the default, without overrides.
pub fn plan(name: &str) -> Plan {
    Plan {
        name: name.to_string(),
        memory: 256 * 1024 * 1024,
        cpumilli: 100,
        default: false,
        r#override: PlanOverride::default(),
    }
}

/// A non-default pool on the default provisioner, without labels.
pub fn pool(name: &str) -> Pool {
    Pool {
        name: name.to_string(),
        default: false,
        provisioner: String::new(),
        labels: BTreeMap::new(),
    }
}

/// A constraint on `field` in the pools matching `pool_expr`, allowing (or, with `blacklist`,
/// forbidding) `values`.
pub fn constraint(pool_expr: &str, field: &str, values: &[&str], blacklist: bool) -> Constraint {
    Constraint {
        pool_expr: pool_expr.to_string(),
        field: field.to_string(),
        values: values.iter().map(|v| (*v).to_string()).collect(),
        blacklist,
    }
}

/// An enabled platform.
pub fn platform(name: &str) -> Platform {
    Platform { name: name.to_string(), disabled: false }
}

/// Version `version` of platform `name`, with one image `tsuru/<name>:v<version>`.
pub fn platform_version(name: &str, version: i64) -> PlatformVersion {
    PlatformVersion { version, images: vec![format!("tsuru/{name}:v{version}")] }
}

/// An app on the latest `python`, owned by team `infra` (its only team) and created by
/// `owner@example.com`, in pool `pool1` with [`plan`] `c0.1m0.2`; no tags, routers, cnames,
/// env or deploys, and an unlimited unit quota.
pub fn app(name: &str) -> App {
    App {
        name: name.to_string(),
        platform: "python".to_string(),
        platform_version: String::new(),
        teams: vec!["infra".to_string()],
        team_owner: "infra".to_string(),
        owner: "owner@example.com".to_string(),
        plan: plan("c0.1m0.2"),
        pool: "pool1".to_string(),
        description: String::new(),
        tags: Vec::new(),
        metadata: Metadata::default(),
        routers: Vec::new(),
        cname: Vec::new(),
        env: BTreeMap::new(),
        deploys: 0,
        update_platform: false,
        quota: Quota::unlimited(),
    }
}

/// Version `n` of `app`: image `<app>:v<n>`, the image's own `web` process, created at
/// [`at`]`(n)`, not yet deployed.
pub fn app_version(app: &str, n: i64) -> AppVersion {
    AppVersion {
        app: app.to_string(),
        version: n,
        image: format!("registry.example.com/{app}:v{n}"),
        processes: BTreeMap::new(),
        exposed_ports: vec!["8888/tcp".to_string()],
        deploy_successful: false,
        deploy_failed: false,
        past_units: BTreeMap::new(),
        event_id: format!("{:024x}", n),
        created_at: at(n),
    }
}

/// Volume `name` of `pool` and team `t1`, with plan `plan` of options `plan_opts` (a JSON
/// object) and its own `opts`.
///
/// # Panics
/// When `plan_opts` is not a JSON object.
pub fn volume(
    name: &str,
    pool: &str,
    plan: &str,
    plan_opts: serde_json::Value,
    opts: &[(&str, &str)],
) -> crate::volume::Volume {
    crate::volume::Volume {
        name: name.into(),
        pool: pool.into(),
        plan: crate::volume::VolumePlan {
            name: plan.into(),
            opts: serde_json::from_value(plan_opts).expect("plan options object"),
        },
        team_owner: "t1".into(),
        status: String::new(),
        opts: opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}
