use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use regex::Regex;
use serde_json::{json, Value};
use tsuru_domain::app::{AppFilter, AppUpdate, EnvSet, Metadata, MetadataItem, NewApp};
use tsuru_domain::plan::PlanOverride;

use super::app_views::{app_info_json, app_list_json, env_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_go_bool, Auth, Input};
use crate::json;
use crate::state::AppState;
use crate::stream::stream;

fn non_empty(input: &Input, key: &str) -> Option<String> {
    input.get(key).filter(|v| !v.is_empty())
}

fn tags(input: &Input) -> Result<Vec<String>, ApiError> {
    Ok([input.list("tags")?, input.list("tag")?].concat())
}

/// Labels and annotations, plus the names marked `delete`.
fn metadata(input: &Input) -> Result<(Metadata, Vec<String>), ApiError> {
    let sub = input.sub("metadata");
    let mut deleted = Vec::new();
    let mut items = |key: &str| -> Result<Vec<MetadataItem>, ApiError> {
        let mut out = Vec::new();
        for r in sub.records(key)? {
            let name = r.get("name").cloned().unwrap_or_default();
            if r.get("delete")
                .and_then(|d| parse_go_bool(d))
                .unwrap_or(false)
            {
                deleted.push(name);
            } else if !name.is_empty() {
                out.push(MetadataItem {
                    name,
                    value: r.get("value").cloned().unwrap_or_default(),
                });
            }
        }
        Ok(out)
    };
    let labels = items("labels")?;
    let annotations = items("annotations")?;
    Ok((
        Metadata {
            labels,
            annotations,
        },
        deleted,
    ))
}

/// `GET /1.0/apps`: apps the caller may read, filtered; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let name = match non_empty(&input, "name") {
        Some(n) => Some(
            Regex::new(&n)
                .map_err(|e| ApiError::bad_request(format!("invalid name filter: {e}")))?,
        ),
        None => None,
    };
    let platform = non_empty(&input, "platform").map(|p| match p.split_once(':') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (p, None),
    });
    let filter = AppFilter {
        name,
        platform,
        team_owner: non_empty(&input, "teamOwner"),
        owner: non_empty(&input, "owner"),
        pool: non_empty(&input, "pool"),
        tags: tsuru_domain::team::clean_tags(input.list("tag")?),
        visibility: None,
    };
    let simplified = input.bool("simplified")?.unwrap_or(false);
    let extended = input.bool("extended")?.unwrap_or(false);
    let locked = input.bool("locked")?.unwrap_or(false);
    let statuses: Vec<String> = input
        .list("status")?
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let mut apps = state.apps.list(&id, filter, simplified).await?;
    if locked {
        apps.clear();
    }
    if !statuses.is_empty() && !simplified {
        apps.retain(|a| {
            a.units
                .iter()
                .any(|u| statuses.iter().any(|s| s == u.status.as_str()))
        });
    }
    if apps.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let out: Vec<_> = apps
        .iter()
        .map(|a| app_list_json(a, &state.routers, extended))
        .collect();
    json::ok(&out)
}

/// `POST /1.0/apps`: 201 `{"ip","status":"success"}`.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    let (metadata, _) = metadata(&input)?;
    let new = NewApp {
        name: input.string("name")?,
        platform: input.string("platform")?,
        plan: input.string("plan")?,
        team_owner: input.string("teamOwner")?,
        description: input.string("description")?,
        pool: input.string("pool")?,
        router: input.string("router")?,
        router_opts: input.map("routeropts")?,
        tags: tags(&input)?,
        metadata,
    };
    let (_, ip) = state.apps.create(&id, &input.origin(), new).await?;
    let mut body = serde_json::Map::new();
    if let Some(ip) = ip {
        body.insert("ip".into(), json!(ip));
    }
    body.insert("status".into(), json!("success"));
    json::json(StatusCode::CREATED, &body)
}

/// `GET /1.0/apps/{app}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    let info = state.apps.info(&id, &path).await?;
    json::ok(&app_info_json(&info, &state.routers))
}

/// `PUT /1.0/apps/{app}` (form or JSON), streamed.
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let (metadata, metadata_delete) = metadata(&input)?;
    let po = input.sub("planoverride");
    let plan_override = PlanOverride {
        memory: po.int("memory")?,
        cpumilli: po.int("cpumilli")?,
    };
    let upd = AppUpdate {
        description: input.string("description")?,
        tags: tags(&input)?,
        plan: input.string("plan")?,
        plan_override,
        pool: input.string("pool")?,
        team_owner: input.string("teamOwner")?,
        platform: input.string("platform")?,
        image_reset: input.bool("imageReset")?.unwrap_or(false),
        no_restart: input.bool("noRestart")?.unwrap_or(false),
        metadata,
        metadata_delete,
        router_given: non_empty(&input, "router").is_some() || !input.map("routeropts")?.is_empty(),
    };
    let origin = input.origin();
    let name = path.into_inner();
    Ok(
        stream(move |out| async move { state.apps.update(&id, &origin, &name, upd, out).await })
            .await,
    )
}

/// `DELETE /1.0/apps/{app}`, streamed.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let origin = input.origin();
    let name = path.into_inner();
    Ok(stream(move |out| async move { state.apps.remove(&id, &origin, &name, out).await }).await)
}

/// `GET /1.0/apps/{app}/env?env=A&env=B`.
pub async fn get_env(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let names: Vec<String> = input
        .list("env")?
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    match state.apps.env(&id, &path, &names).await? {
        Some(envs) => json::ok(&envs.iter().map(env_json).collect::<Vec<_>>()),
        None => json::ok(&Value::Null),
    }
}

/// `POST /1.0/apps/{app}/env`, streamed. Private values are masked in the event.
pub async fn set_env(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let private = input.bool("private")?.unwrap_or(false);
    let mut envs = Vec::new();
    let mut data = vec![json!({"name": ":app", "value": path.as_str()})];
    for (i, r) in input.records("envs")?.into_iter().enumerate() {
        let field = |k: &str| r.get(k).cloned().unwrap_or_default();
        let is_private = private || parse_go_bool(&field("private")).unwrap_or(false);
        for (k, v) in [("Name", field("name")), ("Alias", field("alias"))] {
            data.push(json!({"name": format!("Envs.{i}.{k}"), "value": v}));
        }
        let shown = if is_private {
            "*****".to_string()
        } else {
            field("value")
        };
        data.push(json!({"name": format!("Envs.{i}.Value"), "value": shown}));
        envs.push((field("name"), field("value"), field("alias"), is_private));
    }
    let set = EnvSet {
        envs,
        managed_by: input.string("managedBy")?,
        no_restart: input.bool("noRestart")?.unwrap_or(false),
        private,
        prune_unused: input.bool("pruneUnused")?.unwrap_or(false),
    };
    data.push(json!({"name": "ManagedBy", "value": set.managed_by}));
    data.push(json!({"name": "NoRestart", "value": set.no_restart.to_string()}));
    data.push(json!({"name": "Private", "value": private.to_string()}));
    let origin = input.with_event_data(Value::Array(data));
    let name = path.into_inner();
    Ok(
        stream(move |out| async move { state.apps.set_env(&id, &origin, &name, set, out).await })
            .await,
    )
}

/// `DELETE /1.0/apps/{app}/env?env=A&noRestart=true`, streamed.
pub async fn unset_env(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let names = input.list("env")?;
    let no_restart = input.bool("noRestart")?.unwrap_or(false);
    let origin = input.origin();
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .unset_env(&id, &origin, &name, &names, no_restart, out)
            .await
    })
    .await)
}

/// `GET /1.0/apps/{app}/quota`.
pub async fn quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    let q = state.apps.quota(&id, &path).await?;
    json::ok(&json!({"limit": q.limit, "inuse": q.inuse}))
}

/// `PUT /1.0/apps/{app}/quota` with `limit`.
pub async fn set_quota(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state
        .apps
        .set_quota(&id, &input.origin(), &path, &input.value("limit"))
        .await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.0/apps/{app}/restart` with `process` and `version`, streamed.
pub async fn restart(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let (process, version) = (input.value("process"), input.value("version"));
    let origin = input.origin();
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .apps
            .restart(&id, &origin, &name, &process, &version, out)
            .await
    })
    .await)
}
