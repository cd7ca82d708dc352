//! `/services`: the service catalog, service instances and app bindings.
pub(crate) mod wire;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use tsuru_domain::service::{
    AppBinding, InstanceUpdate, NewInstance, ServiceDefinition, PRODUCTION,
};
use tsuru_domain::Call;

use self::wire::{
    BindRequest, CreateInstanceRequest, DocRequest, InstanceInfoResponse, InstanceQuery,
    PlanResponse, PlansQuery, RemoveInstanceQuery, ServiceInfoResponse, ServiceListResponse,
    ServiceRequest, TagQuery, UnbindQuery, UpdateInstanceRequest,
};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, Input, Named, OnName, OptionalForm, Query};
use crate::openapi::{Body, DescribeReply, Op, TEXT};
use crate::reply::{Done, Json, List, Made, Reply, Text, DONE, MADE};
use crate::stream::{stream, Streamed};

pub(crate) fn routes() -> Vec<Route> {
    // Every route naming a service may reach its service API or broker (a brokered service's
    // catalog, at least), whose failure is a 502.
    let routes: Vec<Route> = service_routes()
        .into_iter()
        .map(|r| {
            if r.path().contains("{service}") {
                r.text(502, "The service API or broker failed or could not be reached")
            } else {
                r
            }
        })
        .collect();
    Family("services").routes(routes)
}

fn service_routes() -> Vec<Route> {
    vec![
        Route::get(
            "1.0",
            "/services/instances",
            list_instances,
            "Service instances the caller may read, per service",
        )
        .plain(),
        Route::get(
            "1.0",
            "/services",
            list_services,
            "Services the caller may read, with their instances",
        )
        .plain(),
        Route::post("1.0", "/services", create_service, "Register a service")
            .text(400, "Invalid definition")
            .text(409, "Service already exists."),
        Route::put("1.0", "/services/{service}", update_service, "Update a service")
            .text(400, "Invalid definition"),
        Route::delete(
            "1.0",
            "/services/{service}",
            remove_service,
            "Remove a service without instances",
        ),
        Route::get(
            "1.0",
            "/services/{service}",
            service_info,
            "A service's instances with their custom information",
        ),
        Route::get("1.0", "/services/{service}/plans", plans, "A service's plans"),
        Route::get("1.0", "/services/{service}/doc", doc, "A service's documentation"),
        Route::put("1.0", "/services/{service}/doc", set_doc, "Set a service's documentation"),
        Route::put(
            "1.0",
            "/services/{service}/team/{team}",
            grant_service,
            "Give a team access to a service",
        ),
        Route::delete(
            "1.0",
            "/services/{service}/team/{team}",
            revoke_service,
            "Take a team's access to a service away",
        ),
        Route::post(
            "1.0",
            "/services/{service}/instances",
            create_instance,
            "Create a service instance (at the service API, then stored)",
        )
        .text(400, "Invalid instance")
        .text(409, "instance name already exists."),
        Route::get(
            "1.0",
            "/services/{service}/instances/{instance}",
            instance_info,
            "A service instance",
        ),
        Route::put(
            "1.0",
            "/services/{service}/instances/{instance}",
            update_instance,
            "Update a service instance (a full replacement of its fields)",
        ),
        Route::delete(
            "1.0",
            "/services/{service}/instances/{instance}",
            remove_instance,
            "Remove a service instance",
        ),
        Route::get(
            "1.0",
            "/services/{service}/instances/{instance}/status",
            instance_status,
            "A service instance's status",
        ),
        Route::put(
            "1.0",
            "/services/{service}/instances/permission/{instance}/{team}",
            grant_instance,
            "Give a team access to a service instance",
        ),
        Route::delete(
            "1.0",
            "/services/{service}/instances/permission/{instance}/{team}",
            revoke_instance,
            "Take a team's access to a service instance away",
        ),
    ]
    .into_iter()
    .chain(bind_routes(
        "1.13",
        "/services/{service}/instances/{instance}/apps/{app}",
        ["Bind an app: the service's variables become its env vars", "Unbind an app"],
    ))
    .chain(bind_routes(
        "1.0",
        "/services/{service}/instances/{instance}/{app}",
        ["Bind an app (tsuru's older path)", "Unbind an app (tsuru's older path)"],
    ))
    .collect()
}

/// Bind and unbind of an app at one path shape (both shapes take the same input and reach
/// the same use cases); `summaries` of bind, then unbind.
fn bind_routes(
    version: &'static str,
    path: &'static str,
    [bind_summary, unbind_summary]: [&'static str; 2],
) -> [Route; 2] {
    [
        Route::put(version, path, bind, bind_summary)
            .text(409, "app is already bound to this service instance")
            .text(412, "instance is not ready yet"),
        Route::delete(version, path, unbind, unbind_summary),
    ]
}

async fn list_services(
    Caller { id, state }: Caller,
    q: Query<TagQuery>,
) -> Reply<List<ServiceListResponse>> {
    let list = state.services.list_services(&id, &q.value.tag).await?;
    Ok(List(list.into_iter().map(ServiceListResponse::of_services).collect()))
}

async fn list_instances(
    Caller { id, state }: Caller,
    q: Query<InstanceQuery>,
) -> Reply<List<ServiceListResponse>> {
    let list = state.services.list_instances(&id, &q.value.app, &q.value.tag).await?;
    Ok(List(list.into_iter().map(ServiceListResponse::of_instances).collect()))
}

fn definition(b: ServiceRequest) -> ServiceDefinition {
    let mut endpoints = b.endpoints;
    if !b.endpoint.is_empty() {
        endpoints.insert(PRODUCTION.to_string(), b.endpoint);
    }
    ServiceDefinition {
        id: b.id,
        username: b.username,
        password: b.password,
        endpoints,
        team: b.team,
        multi_cluster: b.multi_cluster,
    }
}

/// 201 with tsuru's plain-text body `success`.
pub struct Success;

impl Responder for Success {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::build(StatusCode::CREATED).content_type(TEXT).body("success")
    }
}

impl DescribeReply for Success {
    fn describe_reply(op: &mut Op) {
        op.respond(201, "Created (body `success`)", Some((Body::text(), TEXT)));
    }
}

async fn create_service(
    Acting { call, state, body }: Acting<Form<ServiceRequest>>,
) -> Reply<Success> {
    state.services.create_service(&call, definition(body)).await?;
    Ok(Success)
}

async fn update_service(
    ActingOn { call, state, name, body }: ActingOn<Form<ServiceRequest>>,
) -> Reply<Done> {
    state.services.update_service(&call, &name, definition(body)).await?;
    Ok(DONE)
}

async fn remove_service(on: OnName) -> Reply<Done> {
    on.state.services.remove_service(&on.call, &on.name).await?;
    Ok(DONE)
}

/// `null` when the caller may read none of its instances.
async fn service_info(
    Named { id, state, name }: Named,
) -> Reply<Json<Option<Vec<ServiceInfoResponse>>>> {
    let list = state.services.service_info(&id, &name).await?;
    Ok(Json((!list.is_empty()).then(|| list.into_iter().map(ServiceInfoResponse::from).collect())))
}

async fn plans(
    Named { id, state, name }: Named,
    q: Query<PlansQuery>,
) -> Reply<Json<Vec<PlanResponse>>> {
    let list = state.services.plans(&id, &name, &q.value.pool).await?;
    Ok(Json(list.into_iter().map(PlanResponse::from).collect()))
}

async fn doc(Named { id, state, name }: Named) -> Reply<Text> {
    let doc = state.services.doc(&id, &name).await?;
    Ok(Text(StatusCode::OK, doc))
}

async fn set_doc(ActingOn { call, state, name, body }: ActingOn<Form<DocRequest>>) -> Reply<Done> {
    state.services.set_doc(&call, &name, body.doc).await?;
    Ok(DONE)
}

async fn grant_service(
    caller: Caller,
    path: web::Path<(String, String)>,
    input: Input,
) -> Reply<Done> {
    service_access(caller, path, input, true).await
}

async fn revoke_service(
    caller: Caller,
    path: web::Path<(String, String)>,
    input: Input,
) -> Reply<Done> {
    service_access(caller, path, input, false).await
}

/// Grants (or revokes) a team's access to a service.
async fn service_access(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    input: Input,
    grant: bool,
) -> Reply<Done> {
    let (service, team) = path.into_inner();
    state.services.service_access(&Call::new(id, input.origin()), &service, &team, grant).await?;
    Ok(DONE)
}

fn with_tags(mut tags: Vec<String>, tag: Vec<String>) -> Vec<String> {
    tags.extend(tag);
    tags
}

async fn create_instance(
    ActingOn { call, state, name, body: b }: ActingOn<Form<CreateInstanceRequest>>,
) -> Reply<Made> {
    let new = NewInstance {
        name: b.name,
        plan: if b.plan.is_empty() { b.planname } else { b.plan },
        team_owner: if b.owner.is_empty() { b.teamowner } else { b.owner },
        description: b.description,
        tags: with_tags(b.tags, b.tag),
        parameters: b.parameters,
        pool: b.pool,
    };
    state.services.create_instance(&call, &name, new).await?;
    Ok(MADE)
}

async fn instance_info(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
) -> Reply<Json<InstanceInfoResponse>> {
    let (service, instance) = path.into_inner();
    let info = state.services.instance_info(&id, &service, &instance).await?;
    Ok(Json(info.into()))
}

async fn update_instance(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    form: Form<UpdateInstanceRequest>,
) -> Reply<Done> {
    let call = Call::new(id, form.origin());
    let (service, instance) = path.into_inner();
    let b = form.value;
    let upd = InstanceUpdate {
        description: b.description,
        plan: b.plan,
        team_owner: b.teamowner,
        tags: with_tags(b.tags, b.tag),
        parameters: b.parameters,
    };
    state.services.update_instance(&call, &service, &instance, upd).await?;
    Ok(DONE)
}

async fn remove_instance(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
    q: Query<RemoveInstanceQuery>,
) -> Reply<Streamed> {
    let call = Call::new(id, q.origin());
    let (service, instance) = path.into_inner();
    let RemoveInstanceQuery { unbindall, ignoreerrors } = q.value;
    Ok(stream(move |out| async move {
        state
            .services
            .remove_instance(&call, &service, &instance, unbindall, ignoreerrors, out)
            .await
    })
    .await)
}

/// `Service instance "<instance>" is <status>`.
async fn instance_status(
    Caller { id, state }: Caller,
    path: web::Path<(String, String)>,
) -> Reply<Text> {
    let (service, instance) = path.into_inner();
    let status = state.services.instance_status(&id, &service, &instance).await?;
    Ok(Text(StatusCode::OK, format!("Service instance {instance:?} is {status}")))
}

async fn grant_instance(
    caller: Caller,
    path: web::Path<(String, String, String)>,
    input: Input,
) -> Reply<Done> {
    instance_access(caller, path, input, true).await
}

async fn revoke_instance(
    caller: Caller,
    path: web::Path<(String, String, String)>,
    input: Input,
) -> Reply<Done> {
    instance_access(caller, path, input, false).await
}

/// Grants (or revokes) a team's access to a service instance.
async fn instance_access(
    Caller { id, state }: Caller,
    path: web::Path<(String, String, String)>,
    input: Input,
    grant: bool,
) -> Reply<Done> {
    let (service, instance, team) = path.into_inner();
    state
        .services
        .instance_access(&Call::new(id, input.origin()), &service, &instance, &team, grant)
        .await?;
    Ok(DONE)
}

/// The binding named by `/services/{service}/instances/{instance}/apps/{app}`.
fn app_binding(path: web::Path<(String, String, String)>, no_restart: bool) -> AppBinding {
    let (service, instance, app) = path.into_inner();
    AppBinding { service, instance, app, no_restart }
}

async fn bind(
    Caller { id, state }: Caller,
    path: web::Path<(String, String, String)>,
    form: OptionalForm<BindRequest>,
) -> Reply<Streamed> {
    let call = Call::new(id, form.origin());
    let BindRequest { no_restart, parameters } = form.value;
    let binding = app_binding(path, no_restart);
    Ok(stream(move |out| async move {
        state.services.bind_app(&call, binding, parameters, out).await.map(|_| ())
    })
    .await)
}

async fn unbind(
    Caller { id, state }: Caller,
    path: web::Path<(String, String, String)>,
    q: Query<UnbindQuery>,
) -> Reply<Streamed> {
    let call = Call::new(id, q.origin());
    let UnbindQuery { no_restart, force } = q.value;
    let binding = app_binding(path, no_restart);
    Ok(stream(
        move |out| async move { state.services.unbind_app(&call, binding, force, out).await },
    )
    .await)
}
