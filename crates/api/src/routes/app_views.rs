//! Wire shapes of apps, units, plans, pools and platforms.
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};
use tsuru_domain::app::{AppInfo, EnvVar, Metadata};
use tsuru_domain::plan::Plan;
use tsuru_domain::platform::Platform;
use tsuru_domain::pool::{Constraint, PoolView};
use tsuru_domain::provision::Unit;
use tsuru_domain::router::Routers;

use crate::json::{go_time, ZERO_TIME};

/// A plan: `{name, memory, cpumilli[, default], override}`.
pub fn plan_json(p: &Plan) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(p.name));
    m.insert("memory".into(), json!(p.memory));
    m.insert("cpumilli".into(), json!(p.cpumilli));
    if p.default {
        m.insert("default".into(), json!(true));
    }
    m.insert(
        "override".into(),
        json!({"memory": p.r#override.memory, "cpumilli": p.r#override.cpumilli}),
    );
    Value::Object(m)
}

/// A Go `net/url.URL` for `http://<host>`.
fn url_json(host: &str) -> Value {
    json!({
        "Scheme": "http", "Opaque": "", "User": null, "Host": host, "Path": "", "RawPath": "",
        "OmitHost": false, "ForceQuery": false, "RawQuery": "", "Fragment": "", "RawFragment": ""
    })
}

/// A unit with tsuru's capitalised keys; `Address` is a URL object.
pub fn unit_json(u: &Unit) -> Value {
    let (host_addr, host_port) = u
        .address
        .as_deref()
        .and_then(|a| a.rsplit_once(':'))
        .map_or((String::new(), String::new()), |(h, p)| {
            (h.to_string(), p.to_string())
        });
    json!({
        "ID": u.id,
        "Name": u.name,
        "AppName": u.app_name,
        "ProcessName": u.process_name,
        "Type": u.unit_type,
        "IP": u.ip,
        "InternalIP": u.internal_ip,
        "Status": u.status.as_str(),
        "StatusReason": u.status_reason,
        "Address": u.address.as_deref().map(url_json),
        "Addresses": u.address.as_deref().map(|a| vec![url_json(a)]),
        "Version": u.version,
        "Routable": u.routable,
        "Restarts": u.restarts,
        "CreatedAt": go_time(&u.created_at),
        "Ready": u.ready,
        "HostAddr": host_addr,
        "HostPort": host_port,
    })
}

fn lock_json() -> Value {
    json!({"Locked": false, "Reason": "", "Owner": "", "AcquireDate": ZERO_TIME})
}

fn metadata_json(m: &Metadata) -> Value {
    let items = |list: &[tsuru_domain::app::MetadataItem]| -> Value {
        list.iter()
            .map(|i| json!({"name": i.name, "value": i.value}))
            .collect()
    };
    json!({"labels": items(&m.labels), "annotations": items(&m.annotations)})
}

fn routers_json(info: &AppInfo, routers: &Routers) -> Value {
    info.app
        .routers
        .iter()
        .map(|r| {
            let address = info
                .addresses
                .iter()
                .find(|(n, _)| n == &r.name)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
            json!({
                "name": r.name,
                "opts": r.opts,
                "address": address,
                "addresses": if address.is_empty() { Value::Null } else { json!([address]) },
                "type": routers.find(&r.name).map(|d| d.rtype.clone()).unwrap_or_default(),
                "status": "ready",
            })
        })
        .collect()
}

fn opt_list(v: &[String]) -> Value {
    if v.is_empty() {
        Value::Null
    } else {
        json!(v)
    }
}

/// A plan as the list writes it (typed, so long lists serialise without building maps).
#[derive(Serialize)]
struct PlanItem<'a> {
    name: &'a str,
    memory: i64,
    cpumilli: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    default: bool,
    r#override: OverrideItem,
}

#[derive(Serialize)]
struct OverrideItem {
    memory: Option<i64>,
    cpumilli: Option<i64>,
}

#[derive(Serialize)]
struct LockItem {
    #[serde(rename = "Locked")]
    locked: bool,
    #[serde(rename = "Reason")]
    reason: &'static str,
    #[serde(rename = "Owner")]
    owner: &'static str,
    #[serde(rename = "AcquireDate")]
    acquire_date: &'static str,
}

const NO_LOCK: LockItem = LockItem {
    locked: false,
    reason: "",
    owner: "",
    acquire_date: ZERO_TIME,
};

#[derive(Serialize)]
struct RouterItem<'a> {
    name: &'a str,
    opts: &'a BTreeMap<String, String>,
    address: &'a str,
    addresses: Option<[&'a str; 1]>,
    r#type: &'a str,
    status: &'static str,
}

#[derive(Serialize)]
struct NamedValue<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct MetadataItems<'a> {
    labels: Vec<NamedValue<'a>>,
    annotations: Vec<NamedValue<'a>>,
}

/// An app of the list, in the struct order of tsuru's mini app.
#[derive(Serialize)]
pub struct AppListItem<'a> {
    name: &'a str,
    pool: &'a str,
    teamowner: &'a str,
    plan: PlanItem<'a>,
    units: Vec<Value>,
    cname: &'a [String],
    ip: &'a str,
    routers: Vec<RouterItem<'a>>,
    lock: LockItem,
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    metadata: MetadataItems<'a>,
}

/// An app of the list; `extended` adds platform, description and metadata. Empty lists are
/// `[]`, as tsuru writes them.
pub fn app_list_json<'a>(
    info: &'a AppInfo,
    routers: &'a Routers,
    extended: bool,
) -> AppListItem<'a> {
    let app = &info.app;
    // Without `extended` tsuru leaves the metadata out: both lists are empty.
    let items = |list: &'a [tsuru_domain::app::MetadataItem]| -> Vec<NamedValue<'a>> {
        if !extended {
            return Vec::new();
        }
        list.iter()
            .map(|i| NamedValue {
                name: &i.name,
                value: &i.value,
            })
            .collect()
    };
    AppListItem {
        name: &app.name,
        pool: &app.pool,
        teamowner: &app.team_owner,
        plan: PlanItem {
            name: &app.plan.name,
            memory: app.plan.memory,
            cpumilli: app.plan.cpumilli,
            default: app.plan.default,
            r#override: OverrideItem {
                memory: app.plan.r#override.memory,
                cpumilli: app.plan.r#override.cpumilli,
            },
        },
        units: info.units.iter().map(unit_json).collect(),
        cname: &app.cname,
        ip: info.addresses.first().map_or("", |(_, a)| a.as_str()),
        routers: app
            .routers
            .iter()
            .map(|r| {
                let address = info
                    .addresses
                    .iter()
                    .find(|(n, _)| n == &r.name)
                    .map_or("", |(_, a)| a.as_str());
                RouterItem {
                    name: &r.name,
                    opts: &r.opts,
                    address,
                    addresses: (!address.is_empty()).then_some([address]),
                    r#type: routers.find(&r.name).map_or("", |d| d.rtype.as_str()),
                    status: "ready",
                }
            })
            .collect(),
        lock: NO_LOCK,
        tags: &app.tags,
        error: (!info.errors.is_empty()).then(|| info.errors.join("\n")),
        platform: (extended && !app.platform.is_empty()).then(|| app.platform_label()),
        description: (extended && !app.description.is_empty()).then_some(app.description.as_str()),
        metadata: MetadataItems {
            labels: items(&app.metadata.labels),
            annotations: items(&app.metadata.annotations),
        },
    }
}

/// App info: a map with sorted keys, as tsuru's `App.MarshalJSON`; empty lists are `[]`.
pub fn app_info_json(info: &AppInfo, routers: &Routers) -> Value {
    let app = &info.app;
    let mut m: BTreeMap<&str, Value> = BTreeMap::new();
    m.insert("cname", json!(app.cname));
    m.insert("deploys", json!(app.deploys));
    m.insert("description", json!(app.description));
    if !info.errors.is_empty() {
        m.insert("error", json!(info.errors.join("\n")));
    }
    m.insert("lock", lock_json());
    m.insert("metadata", metadata_json(&app.metadata));
    m.insert("name", json!(app.name));
    m.insert("owner", json!(app.owner));
    let mut plan = plan_json(&app.plan);
    if let (Some(first), Value::Object(p)) = (app.routers.first(), &mut plan) {
        p.insert("router".into(), json!(first.name));
    }
    m.insert("plan", plan);
    m.insert("platform", json!(app.platform_label()));
    m.insert("pool", json!(app.pool));
    m.insert("provisioner", json!(info.provisioner));
    m.insert(
        "quota",
        json!({"limit": info.quota.limit, "inuse": info.quota.inuse}),
    );
    if let Some(first) = app.routers.first() {
        m.insert(
            "ip",
            json!(info
                .addresses
                .first()
                .map(|(_, a)| a.clone())
                .unwrap_or_default()),
        );
        m.insert("router", json!(first.name));
        m.insert("routeropts", json!(first.opts));
    }
    m.insert("routers", routers_json(info, routers));
    m.insert("serviceInstanceBinds", json!([]));
    m.insert("tags", json!(app.tags));
    m.insert("teamowner", json!(app.team_owner));
    m.insert("teams", json!(app.teams));
    m.insert(
        "units",
        Value::Array(info.units.iter().map(unit_json).collect()),
    );
    json!(m)
}

/// An environment variable: `{name, value, alias, public[, managedBy]}`.
pub fn env_json(e: &EnvVar) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(e.name));
    m.insert("value".into(), json!(e.value));
    m.insert("alias".into(), json!(e.alias));
    m.insert("public".into(), json!(e.public));
    if !e.managed_by.is_empty() {
        m.insert("managedBy".into(), json!(e.managed_by));
    }
    Value::Object(m)
}

/// A pool: `{Name, Default, Provisioner, Labels, public, teams, allowed}`.
pub fn pool_json(v: &PoolView) -> Value {
    json!({
        "Name": v.pool.name,
        "Default": v.pool.default,
        "Provisioner": v.pool.provisioner,
        "Labels": if v.pool.labels.is_empty() { Value::Null } else { json!(v.pool.labels) },
        "public": v.public,
        "teams": opt_list(&v.teams),
        "allowed": v.allowed,
    })
}

/// A constraint: `{PoolExpr, Field, Values, Blacklist}`.
pub fn constraint_json(c: &Constraint) -> Value {
    json!({"PoolExpr": c.pool_expr, "Field": c.field, "Values": c.values, "Blacklist": c.blacklist})
}

/// A platform: `{Name, Disabled}`.
pub fn platform_json(p: &Platform) -> Value {
    json!({"Name": p.name, "Disabled": p.disabled})
}
