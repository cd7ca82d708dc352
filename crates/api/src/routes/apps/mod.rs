//! `/apps`: apps, their env vars, quota, deploys, start/stop/restart and units.
mod deploy;
mod start_stop;
mod units;
pub(crate) mod wire;

use regex::Regex;
use tsuru_domain::app::{
    AppFilter, AppListQuery, AppUpdate, EnvSet, Metadata, MetadataItem, NewApp,
};
use tsuru_domain::plan::PlanOverride;
use tsuru_domain::quota::QuotaUseCases;
use tsuru_domain::Call;

use self::wire::{
    AppCreatedResponse, AppItemResponse, AppListQuery as ListQuery, AppResponse, CreateAppRequest,
    EnvQuery, EnvVarResponse, MetadataItemRequest, MetadataRequest, SetEnvRequest, UnsetEnvQuery,
    UpdateAppRequest,
};
use super::quota::{quota, set_quota, QuotaOf};
use super::{Family, Route};
use crate::error::ApiError;
use crate::extract::mask::{self, EnvRecord};
use crate::extract::{Acting, ActingOn, Caller, Form, Input, Named, OptionalForm, Query};
use crate::reply::{Created, Json, List, Reply};
use crate::state::AppState;
use crate::stream::{stream, Streamed};

pub(crate) fn routes() -> Vec<Route> {
    Family("apps").routes(vec![
        Route::get("1.0", "/apps", list, "Apps the caller may read"),
        Route::post("1.0", "/apps", create, "Create an app").links("app", "$request.body#/name"),
        Route::get("1.0", "/apps/{app}", info, "An app").linked(),
        Route::put("1.0", "/apps/{app}", update, "Update an app").linked(),
        Route::delete("1.0", "/apps/{app}", remove, "Remove an app").linked(),
        Route::get(
            "1.0",
            "/apps/{app}/env",
            get_env,
            "An app's environment variables (private values masked)",
        )
        .linked(),
        Route::post("1.0", "/apps/{app}/env", set_env, "Set environment variables").linked(),
        Route::delete("1.0", "/apps/{app}/env", unset_env, "Unset environment variables").linked(),
        Route::get("1.0", "/apps/{app}/quota", quota::<Apps>, "An app's unit quota").linked(),
        Route::put("1.0", "/apps/{app}/quota", set_quota::<Apps>, "Change an app's unit quota")
            .linked(),
        Route::post(
            "1.0",
            "/apps/{app}/restart",
            start_stop::restart,
            "Restart an app, a process or a version",
        )
        .linked(),
        Route::post(
            "1.0",
            "/apps/{app}/deploy",
            deploy::deploy,
            "Deploy an image as the app's next version",
        )
        .linked(),
        Route::post(
            "1.0",
            "/apps/{app}/deploy/rollback",
            deploy::rollback,
            "Deploy an earlier image of the app again",
        ),
        Route::post("1.0", "/apps/{app}/start", start_stop::start, "Start an app's stopped units"),
        Route::post("1.0", "/apps/{app}/stop", start_stop::stop, "Stop an app's units"),
        Route::put("1.0", "/apps/{app}/units", units::add, "Add units"),
        Route::delete("1.0", "/apps/{app}/units", units::remove, "Remove units"),
    ])
}

/// Labels and annotations, plus the names marked `delete`.
fn metadata(m: MetadataRequest) -> (Metadata, Vec<String>) {
    let mut deleted = Vec::new();
    let mut items = |list: Vec<MetadataItemRequest>| -> Vec<MetadataItem> {
        let mut out = Vec::new();
        for i in list {
            if i.delete {
                deleted.push(i.name);
            } else if !i.name.is_empty() {
                out.push(MetadataItem { name: i.name, value: i.value });
            }
        }
        out
    };
    let labels = items(m.labels);
    let annotations = items(m.annotations);
    (Metadata { labels, annotations }, deleted)
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// Apps the caller may read, filtered.
async fn list(Caller { id, state }: Caller, q: Query<ListQuery>) -> Reply<List<AppItemResponse>> {
    let q = q.value;
    let name = match non_empty(q.name) {
        Some(n) => Some(
            Regex::new(&n)
                .map_err(|e| ApiError::bad_request(format!("invalid name filter: {e}")))?,
        ),
        None => None,
    };
    let platform = non_empty(q.platform).map(|p| match p.split_once(':') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (p, None),
    });
    let filter = AppFilter {
        name,
        platform,
        team_owner: non_empty(q.team_owner),
        owner: non_empty(q.owner),
        pool: non_empty(q.pool),
        tags: tsuru_domain::team::clean_tags(q.tag),
        visibility: None,
    };
    let query =
        AppListQuery { filter, simplified: q.simplified, statuses: q.status, locked: q.locked };
    let apps = state.apps.search(&id, query).await?;
    Ok(List(apps.iter().map(|a| AppItemResponse::new(a, &state.routers, q.extended)).collect()))
}

/// 201 `{"ip","status":"success"}`.
async fn create(
    Acting { call, state, body: b }: Acting<Form<CreateAppRequest>>,
) -> Reply<Created<AppCreatedResponse>> {
    let (metadata, _) = metadata(b.metadata);
    let new = NewApp {
        name: b.name,
        platform: b.platform,
        plan: b.plan,
        team_owner: b.team_owner,
        description: b.description,
        pool: b.pool,
        router: b.router,
        router_opts: b.routeropts,
        tags: [b.tags, b.tag].concat(),
        metadata,
    };
    let (_, ip) = state.apps.create(&call, new).await?;
    Ok(Created(AppCreatedResponse { ip, status: "success" }))
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<AppResponse>> {
    let info = state.apps.info(&id, &name).await?;
    Ok(Json(AppResponse::new(&info, &state.routers)))
}

async fn update(
    ActingOn { call, state, name, body: b }: ActingOn<OptionalForm<UpdateAppRequest>>,
) -> Reply<Streamed> {
    let (metadata, metadata_delete) = metadata(b.metadata);
    let upd = AppUpdate {
        description: b.description,
        tags: [b.tags, b.tag].concat(),
        plan: b.plan,
        plan_override: PlanOverride {
            memory: b.planoverride.memory,
            cpumilli: b.planoverride.cpumilli,
        },
        pool: b.pool,
        team_owner: b.team_owner,
        platform: b.platform,
        image_reset: b.image_reset,
        no_restart: b.no_restart,
        metadata,
        metadata_delete,
        router_given: !b.router.is_empty() || !b.routeropts.is_empty(),
    };
    Ok(stream(move |out| async move { state.apps.update(&call, &name, upd, out).await }).await)
}

async fn remove(Named { id, state, name }: Named, input: Input) -> Reply<Streamed> {
    let call = Call::new(id, input.origin());
    Ok(stream(move |out| async move { state.apps.remove(&call, &name, out).await }).await)
}

/// `null` when none of `env` is set.
async fn get_env(
    Named { id, state, name }: Named,
    q: Query<EnvQuery>,
) -> Reply<Json<Option<Vec<EnvVarResponse>>>> {
    let names: Vec<String> = q.value.env.into_iter().filter(|n| !n.is_empty()).collect();
    let envs = state.apps.env(&id, &name, &names).await?;
    Ok(Json(envs.map(|list| list.into_iter().map(EnvVarResponse::from).collect())))
}

/// Private values are masked in the event.
async fn set_env(Named { id, state, name }: Named, form: Form<SetEnvRequest>) -> Reply<Streamed> {
    let b = form.value;
    let records: Vec<EnvRecord<'_>> = b
        .envs
        .iter()
        .map(|e| EnvRecord {
            name: &e.name,
            value: &e.value,
            alias: &e.alias,
            private: b.private || e.private,
        })
        .collect();
    let data = mask::env_set(&name, &records, &b.managed_by, b.no_restart, b.private);
    let envs = records
        .iter()
        .map(|r| (r.name.to_string(), r.value.to_string(), r.alias.to_string(), r.private))
        .collect();
    let set = EnvSet {
        envs,
        managed_by: b.managed_by.clone(),
        no_restart: b.no_restart,
        private: b.private,
        prune_unused: b.prune_unused,
    };
    let call = Call::new(id, form.input.with_event_data(data));
    Ok(stream(move |out| async move { state.apps.set_env(&call, &name, set, out).await }).await)
}

async fn unset_env(
    ActingOn { call, state, name, body }: ActingOn<Query<UnsetEnvQuery>>,
) -> Reply<Streamed> {
    let UnsetEnvQuery { env, no_restart } = body;
    Ok(stream(
        move |out| async move { state.apps.unset_env(&call, &name, &env, no_restart, out).await },
    )
    .await)
}

/// The apps quota routes' use cases.
struct Apps;

impl QuotaOf for Apps {
    fn of(state: &AppState) -> &dyn QuotaUseCases {
        state.apps.as_ref()
    }
}
