//! The OpenAPI 3.1 document served at `GET /openapi.json`.
//!
//! [`operations`] holds one entry per row of [`crate::routes::ROUTES`], at the versioned path
//! tsuru registers (`/1.0/teams`, path variables named as in the route table). Response schemas
//! come from the wire types the handlers serialise (`routes::views`, `#[derive(ToSchema)]`);
//! request bodies, which handlers read key by key through [`crate::extract::Input`], are
//! described by the `*Body` types below. Every body is accepted as a form or as JSON.
//!
//! Adding a route: add its row to `ROUTES` and its entry to [`operations`]; the test
//! `openapi::every_route_is_documented_and_every_documented_operation_is_served` (API tests)
//! names any route left out, and any entry without a route.
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
    ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::routes::tokens::TokenJson as TeamTokenJson;
use crate::routes::views::{
    PermissionJson, QuotaJson, RoleJson, SchemeJson, TeamEntry, TeamInfoJson, TokenJson, UserJson,
    VersionJson,
};
use crate::routes::webhooks::{DeliveryJson, WebhookJson};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
const MULTIPART: &str = "multipart/form-data";
const TEXT: &str = "text/plain; charset=utf-8";
/// Content type of streamed responses ([`crate::stream`]).
const STREAM: &str = crate::stream::STREAM_TYPE;
/// Request bodies read through [`crate::extract::Input`]: a form or JSON.
const FORM_OR_JSON: &[&str] = &[FORM, JSON];
/// Name of the security scheme (`Authorization: bearer <token>`).
pub const BEARER: &str = "bearer";
/// tsuru's e-mail rule.
const EMAIL: &str = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$";
/// tsuru's team name rule.
const TEAM_NAME: &str = r"^[a-z][a-z0-9_\-]{1,62}$";
/// An event id: 24 hex digits.
const OBJECT_ID: &str = "^[0-9a-f]{24}$";

/// The path a route is documented at: its registered version, then the path.
pub fn documented_path(version: &str, path: &str) -> String {
    format!("/{version}{path}")
}

/// A schema and the named schemas it refers to.
struct Body {
    schema: RefOr<Schema>,
    refs: Vec<(String, RefOr<Schema>)>,
}

fn json<T: ToSchema>() -> Body {
    let mut refs = Vec::new();
    T::schemas(&mut refs);
    Body {
        schema: T::schema(),
        refs,
    }
}

fn text() -> Body {
    Body {
        schema: String::schema(),
        refs: Vec::new(),
    }
}

/// Where a parameter goes and its type.
enum Param {
    Path(String, Option<&'static str>),
    Query(&'static str, fn() -> RefOr<Schema>),
    QueryList(&'static str),
}

/// A documented response: status, description, body and its content type.
struct Resp(u16, &'static str, Option<(Body, &'static str)>);

/// Links of a response: its status, the target parameters (name, runtime expression) and the
/// target operations (`"GET /1.0/apps/{app}"`).
type Links = (
    u16,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// The `operationId` of `"GET /1.0/apps/{app}"`: `get_1_0_apps__app_`.
fn operation_id(route: &str) -> String {
    let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
    format!(
        "{}{}",
        method.to_ascii_lowercase(),
        path.replace(['/', '.', '{', '}', '-'], "_")
    )
}

/// One operation under construction.
pub struct Op {
    method: HttpMethod,
    method_name: &'static str,
    path: String,
    tag: &'static str,
    summary: &'static str,
    public: bool,
    plain: bool,
    params: Vec<Param>,
    /// Schema, whether required, and the media types it is accepted as.
    body: Option<(Body, bool, &'static [&'static str])>,
    responses: Vec<Resp>,
    links: Vec<Links>,
}

/// An operation: `"GET /1.0/teams"` (method, then the documented path), tag and summary.
fn op(route: &'static str, tag: &'static str, summary: &'static str) -> Op {
    let (method_name, path) = route.split_once(' ').unwrap_or(("GET", route));
    let method = match method_name {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    };
    let params = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let pattern = match name {
                "email" => Some(EMAIL),
                "id" => Some(OBJECT_ID),
                "name" if path.contains("/teams/") => Some(TEAM_NAME),
                _ => None,
            };
            Param::Path(name.to_string(), pattern)
        })
        .collect();
    Op {
        method,
        method_name,
        path: path.to_string(),
        tag,
        summary,
        public: false,
        plain: false,
        params,
        body: None,
        responses: Vec::new(),
        links: Vec::new(),
    }
}

impl Op {
    /// No `Authorization` needed.
    fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// Answers no client errors (besides 401 when it needs a token).
    fn plain(mut self) -> Self {
        self.plain = true;
        self
    }

    fn query(mut self, name: &'static str) -> Self {
        self.params.push(Param::Query(name, String::schema));
        self
    }

    fn query_bool(mut self, name: &'static str) -> Self {
        self.params.push(Param::Query(name, bool::schema));
        self
    }

    fn query_int(mut self, name: &'static str) -> Self {
        self.params.push(Param::Query(name, i64::schema));
        self
    }

    fn query_list(mut self, name: &'static str) -> Self {
        self.params.push(Param::QueryList(name));
        self
    }

    /// A request body, form or JSON, with the fields of `T`.
    fn body<T: ToSchema>(mut self) -> Self {
        self.body = Some((json::<T>(), true, FORM_OR_JSON));
        self
    }

    /// A request body that may be left out.
    fn optional_body<T: ToSchema>(mut self) -> Self {
        self.body = Some((json::<T>(), false, FORM_OR_JSON));
        self
    }

    /// A `multipart/form-data` body (a file upload) with the fields of `T`.
    fn multipart<T: ToSchema>(mut self) -> Self {
        self.body = Some((json::<T>(), true, &[MULTIPART]));
        self
    }

    /// A 200 `application/x-json-stream` response: one [`StreamLineDoc`] per line.
    fn stream(mut self, description: &'static str) -> Self {
        self.responses.push(Resp(
            200,
            description,
            Some((json::<StreamLineDoc>(), STREAM)),
        ));
        self
    }

    fn ok<T: ToSchema>(mut self, status: u16, description: &'static str) -> Self {
        self.responses
            .push(Resp(status, description, Some((json::<T>(), JSON))));
        self
    }

    fn ok_text(mut self, status: u16, description: &'static str) -> Self {
        self.responses
            .push(Resp(status, description, Some((text(), TEXT))));
        self
    }

    fn empty(mut self, status: u16, description: &'static str) -> Self {
        self.responses.push(Resp(status, description, None));
        self
    }

    /// OpenAPI links from the `status` response to `targets`, their parameters taken from
    /// this request or response (`$request.body#/name`), so stateful fuzzing reaches what a
    /// create made.
    fn links(
        mut self,
        status: u16,
        params: &'static [(&'static str, &'static str)],
        targets: &'static [&'static str],
    ) -> Self {
        self.links.push((status, params, targets));
        self
    }
}

/// Client errors, as tsuru's plain text: status, component name, description.
const ERRORS: [(u16, &str, &str); 7] = [
    (400, "BadRequest", "Invalid input"),
    (401, "Unauthorized", "Missing or invalid credentials"),
    (
        403,
        "Forbidden",
        "You don't have permission to do this action",
    ),
    (404, "NotFound", "Not found"),
    (
        409,
        "Conflict",
        "Already exists, or the target is locked by a running event",
    ),
    (413, "PayloadTooLarge", "The request body is too large"),
    (
        429,
        "TooManyRequests",
        "Too many failed logins for this e-mail",
    ),
];

/// Every documented operation, one per route.
pub fn operations() -> Vec<Op> {
    vec![
        // misc
        op("GET /1.0/healthcheck", "misc", "Health check")
            .public()
            .plain()
            .ok_text(200, "`WORKING`"),
        op("GET /1.0/healthcheck/", "misc", "Health check")
            .public()
            .plain()
            .ok_text(200, "`WORKING`"),
        op("GET /1.0/info", "misc", "Server version")
            .plain()
            .ok::<VersionJson>(200, "The version"),
        // auth
        op("GET /1.0/auth/scheme", "auth", "The default auth scheme")
            .public()
            .plain()
            .ok::<SchemeJson>(200, "The scheme"),
        op("GET /1.18/auth/schemes", "auth", "Every auth scheme")
            .public()
            .plain()
            .ok::<Vec<SchemeJson>>(200, "The schemes"),
        op("POST /1.0/auth/login", "auth", "Log in")
            .public()
            .body::<LoginBody>()
            .ok::<TokenJson>(200, "A session token"),
        op(
            "POST /1.0/users/{email}/tokens",
            "auth",
            "Log in (e-mail in the path)",
        )
        .public()
        .body::<PasswordBody>()
        .ok::<TokenJson>(200, "A session token"),
        op(
            "DELETE /1.0/users/tokens",
            "auth",
            "Log out: revoke this session",
        )
        .empty(200, "Logged out"),
        op(
            "PUT /1.0/users/password",
            "auth",
            "Change the caller's password",
        )
        .body::<ChangePasswordBody>()
        .empty(200, "Changed; the caller's other sessions are revoked"),
        op(
            "POST /1.0/users/{email}/password",
            "auth",
            "Start (no token) or finish a password reset",
        )
        .public()
        .query("token")
        .empty(200, "Mail sent"),
        // users
        op("POST /1.0/users", "users", "Create a user")
            .public()
            .body::<UserCreateBody>()
            .empty(201, "Created")
            .links(
                201,
                &[("email", "$request.body#/email")],
                &[
                    "GET /1.0/users/{email}/quota",
                    "PUT /1.0/users/{email}/quota",
                ],
            ),
        op("GET /1.0/users", "users", "List users")
            .query("userEmail")
            .query("role")
            .query("context")
            .ok::<Vec<UserJson>>(200, "The users"),
        op(
            "DELETE /1.0/users",
            "users",
            "Remove a user (the caller without `user`)",
        )
        .query("user")
        .empty(200, "Removed"),
        op("GET /1.0/users/info", "users", "The caller").ok::<UserJson>(200, "The caller"),
        op("GET /1.0/users/api-key", "users", "Show an API key")
            .query("user")
            .ok::<String>(200, "The key, as a JSON string"),
        op("POST /1.0/users/api-key", "users", "Regenerate an API key")
            .query("user")
            .ok::<String>(200, "The new key, as a JSON string"),
        op("GET /1.0/users/keys", "users", "The caller's SSH keys")
            .ok::<std::collections::BTreeMap<String, String>>(200, "Key contents by name"),
        op("POST /1.0/users/keys", "users", "Add an SSH key")
            .body::<KeyBody>()
            .empty(200, "Added")
            .links(
                200,
                &[("key", "$request.body#/name")],
                &["DELETE /1.0/users/keys/{key}"],
            ),
        op(
            "DELETE /1.0/users/keys/{key}",
            "users",
            "Remove an SSH key by name",
        )
        .empty(200, "Removed"),
        op(
            "GET /1.0/users/{email}/quota",
            "users",
            "A user's app quota",
        )
        .ok::<QuotaJson>(200, "The quota"),
        op(
            "PUT /1.0/users/{email}/quota",
            "users",
            "Change a user's app quota",
        )
        .body::<QuotaBody>()
        .empty(200, "Changed"),
        // teams
        op(
            "GET /1.0/teams",
            "teams",
            "Teams the caller holds permissions on",
        )
        .ok::<Vec<TeamEntry>>(200, "The teams")
        .empty(204, "No teams"),
        op("POST /1.0/teams", "teams", "Create a team")
            .body::<TeamCreateBody>()
            .empty(201, "Created")
            .links(
                201,
                &[("name", "$request.body#/name")],
                &[
                    "GET /1.4/teams/{name}",
                    "PUT /1.6/teams/{name}",
                    "POST /1.4/teams/{name}",
                    "GET /1.12/teams/{name}/quota",
                    "PUT /1.12/teams/{name}/quota",
                    "DELETE /1.0/teams/{name}",
                ],
            ),
        op("DELETE /1.0/teams/{name}", "teams", "Remove a team").empty(200, "Removed"),
        op(
            "GET /1.4/teams/{name}",
            "teams",
            "A team, its users, pools and apps",
        )
        .ok::<TeamInfoJson>(200, "The team"),
        op(
            "PUT /1.6/teams/{name}",
            "teams",
            "Rename a team or change its tags",
        )
        .body::<TeamUpdateBody>()
        .empty(200, "Updated"),
        op(
            "POST /1.4/teams/{name}",
            "teams",
            "Rename a team or change its tags (legacy)",
        )
        .body::<TeamUpdateBody>()
        .empty(200, "Updated"),
        op(
            "GET /1.12/teams/{name}/quota",
            "teams",
            "A team's app quota",
        )
        .ok::<QuotaJson>(200, "The quota"),
        op(
            "PUT /1.12/teams/{name}/quota",
            "teams",
            "Change a team's app quota",
        )
        .body::<QuotaBody>()
        .empty(200, "Changed"),
        // roles
        op("GET /1.0/roles", "roles", "List roles").ok::<Vec<RoleJson>>(200, "The roles"),
        op("POST /1.0/roles", "roles", "Create a role")
            .body::<RoleCreateBody>()
            .empty(201, "Created")
            .links(
                201,
                &[("name", "$request.body#/name")],
                &[
                    "GET /1.0/roles/{name}",
                    "DELETE /1.0/roles/{name}",
                    "POST /1.0/roles/{name}/permissions",
                    "POST /1.0/roles/{name}/user",
                    "POST /1.6/roles/{name}/token",
                ],
            ),
        op("PUT /1.4/roles", "roles", "Update a role")
            .body::<RoleUpdateBody>()
            .empty(200, "Updated"),
        op("GET /1.0/roles/{name}", "roles", "A role").ok::<RoleJson>(200, "The role"),
        op("DELETE /1.0/roles/{name}", "roles", "Remove a role")
            .empty(200, "Removed")
            .ok_text(412, "The role is still assigned to users"),
        op(
            "POST /1.0/roles/{name}/permissions",
            "roles",
            "Add permissions to a role",
        )
        .body::<PermissionsBody>()
        .empty(200, "Added"),
        op(
            "DELETE /1.0/roles/{name}/permissions/{permission}",
            "roles",
            "Remove a permission from a role",
        )
        .empty(200, "Removed"),
        op(
            "POST /1.0/roles/{name}/user",
            "roles",
            "Assign a role to a user",
        )
        .body::<RoleAssignBody>()
        .empty(200, "Assigned"),
        op(
            "DELETE /1.0/roles/{name}/user/{email}",
            "roles",
            "Dissociate a role from a user",
        )
        .query("context")
        .empty(200, "Dissociated"),
        op(
            "GET /1.0/role/default",
            "roles",
            "Roles given on user or team creation",
        )
        .ok::<Option<Vec<RoleJson>>>(200, "The roles (`null` when none)"),
        op("POST /1.0/role/default", "roles", "Add default roles")
            .body::<DefaultRolesBody>()
            .empty(200, "Added"),
        op("DELETE /1.0/role/default", "roles", "Remove default roles")
            .query_list("user-create")
            .query_list("team-create")
            .optional_body::<DefaultRolesBody>()
            .empty(200, "Removed"),
        op(
            "GET /1.0/permissions",
            "roles",
            "The permission tree, root first",
        )
        .ok::<Vec<PermissionJson>>(200, "The permissions"),
        // events
        op(
            "GET /1.1/events",
            "events",
            "Events the caller may see, newest first",
        )
        .query("target.type")
        .query("target.value")
        .query("kindtype")
        .query_list("kindname")
        .query("ownertype")
        .query("ownername")
        .query("since")
        .query("until")
        .query_bool("running")
        .query_bool("erroronly")
        .query("sort")
        .query_int("skip")
        .query_int("limit")
        .ok::<Vec<EventDoc>>(200, "The events")
        .empty(204, "No events"),
        op("GET /1.1/events/kinds", "events", "Distinct event kinds")
            .ok::<Vec<KindDoc>>(200, "The kinds")
            .empty(204, "No events"),
        op(
            "GET /1.1/events/{id}",
            "events",
            "An event with its custom data",
        )
        .ok::<EventInfoDoc>(200, "The event"),
        op(
            "POST /1.1/events/{id}/cancel",
            "events",
            "Ask a running event to cancel",
        )
        .body::<CancelBody>()
        .empty(204, "Cancellation requested"),
        // apps
        op("GET /1.0/apps", "apps", "Apps the caller may read")
            .query("name")
            .query("platform")
            .query("teamOwner")
            .query("owner")
            .query("pool")
            .query_list("tag")
            .query_list("status")
            .query_bool("simplified")
            .query_bool("extended")
            .query_bool("locked")
            .ok::<Vec<AppListDoc>>(200, "The apps")
            .empty(204, "No apps"),
        op("POST /1.0/apps", "apps", "Create an app")
            .body::<AppCreateBody>()
            .ok::<AppCreatedDoc>(201, "Created")
            .links(
                201,
                &[("app", "$request.body#/name")],
                &[
                    "GET /1.0/apps/{app}",
                    "PUT /1.0/apps/{app}",
                    "DELETE /1.0/apps/{app}",
                    "GET /1.0/apps/{app}/env",
                    "POST /1.0/apps/{app}/env",
                    "DELETE /1.0/apps/{app}/env",
                    "GET /1.0/apps/{app}/quota",
                    "PUT /1.0/apps/{app}/quota",
                    "POST /1.0/apps/{app}/restart",
                ],
            ),
        op("GET /1.0/apps/{app}", "apps", "An app").ok::<AppInfoDoc>(200, "The app"),
        op("PUT /1.0/apps/{app}", "apps", "Update an app")
            .optional_body::<AppUpdateBody>()
            .stream("The progress (errors after the first line come in-band)"),
        op("DELETE /1.0/apps/{app}", "apps", "Remove an app")
            .stream("The progress (errors after the first line come in-band)"),
        op(
            "GET /1.0/apps/{app}/env",
            "apps",
            "An app's environment variables (private values masked)",
        )
        .query_list("env")
        .ok::<Option<Vec<EnvDoc>>>(200, "The variables (`null` when none of `env` is set)"),
        op(
            "POST /1.0/apps/{app}/env",
            "apps",
            "Set environment variables",
        )
        .body::<EnvSetBody>()
        .stream("The progress (errors after the first line come in-band)"),
        op(
            "DELETE /1.0/apps/{app}/env",
            "apps",
            "Unset environment variables",
        )
        .query_list("env")
        .query_bool("noRestart")
        .stream("The progress (errors after the first line come in-band)"),
        op("GET /1.0/apps/{app}/quota", "apps", "An app's unit quota")
            .ok::<QuotaJson>(200, "The quota"),
        op(
            "PUT /1.0/apps/{app}/quota",
            "apps",
            "Change an app's unit quota",
        )
        .body::<QuotaBody>()
        .empty(200, "Changed"),
        op(
            "POST /1.0/apps/{app}/restart",
            "apps",
            "Restart an app, a process or a version",
        )
        .optional_body::<RestartBody>()
        .stream("The progress (errors after the first line come in-band)"),
        // plans
        op("GET /1.0/plans", "plans", "List plans")
            .plain()
            .ok::<Vec<PlanDoc>>(200, "The plans")
            .empty(204, "No plans"),
        op("POST /1.0/plans", "plans", "Create a plan")
            .body::<PlanCreateBody>()
            .ok::<PlanDoc>(201, "The plan")
            .links(
                201,
                &[("plan", "$response.body#/name")],
                &["DELETE /1.0/plans/{plan}"],
            ),
        op("DELETE /1.0/plans/{plan}", "plans", "Remove a plan").empty(200, "Removed"),
        // pools
        op(
            "GET /1.0/pools",
            "pools",
            "Pools the caller may use or read",
        )
        .plain()
        .ok::<Vec<PoolDoc>>(200, "The pools")
        .empty(204, "No pools"),
        op("POST /1.0/pools", "pools", "Create a pool")
            .body::<PoolCreateBody>()
            .empty(201, "Created")
            .links(
                201,
                &[("pool", "$request.body#/name")],
                &[
                    "GET /1.8/pools/{pool}",
                    "PUT /1.0/pools/{pool}",
                    "DELETE /1.0/pools/{pool}",
                    "POST /1.0/pools/{pool}/team",
                    "DELETE /1.0/pools/{pool}/team",
                ],
            ),
        op("GET /1.8/pools/{pool}", "pools", "A pool").ok::<PoolDoc>(200, "The pool"),
        op(
            "PUT /1.0/pools/{pool}",
            "pools",
            "Update a pool (only the fields sent)",
        )
        .optional_body::<PoolUpdateBody>()
        .empty(200, "Updated"),
        op("DELETE /1.0/pools/{pool}", "pools", "Remove a pool").empty(200, "Removed"),
        op(
            "POST /1.0/pools/{pool}/team",
            "pools",
            "Allow teams to use a pool",
        )
        .body::<PoolTeamsBody>()
        .empty(200, "Added"),
        op(
            "DELETE /1.0/pools/{pool}/team",
            "pools",
            "Remove teams from a pool",
        )
        .query_list("team")
        .empty(200, "Removed"),
        op("GET /1.3/constraints", "pools", "Pool constraints")
            .ok::<Vec<ConstraintDoc>>(200, "The constraints")
            .empty(204, "No constraints"),
        op(
            "PUT /1.3/constraints",
            "pools",
            "Set (or, with `append`, extend) a pool constraint",
        )
        .query_bool("append")
        .body::<ConstraintBody>()
        .empty(200, "Set"),
        // platforms
        op("GET /1.0/platforms", "platforms", "List platforms")
            .plain()
            .ok::<Vec<PlatformDoc>>(200, "The platforms")
            .empty(204, "No platforms"),
        op(
            "POST /1.0/platforms",
            "platforms",
            "Add a platform from a Dockerfile",
        )
        .multipart::<PlatformCreateBody>()
        .stream("The build output (errors after the first line come in-band)")
        .links(
            200,
            &[("platform", "$request.body#/name")],
            &[
                "GET /1.6/platforms/{platform}",
                "PUT /1.0/platforms/{platform}",
                "DELETE /1.0/platforms/{platform}",
                "POST /1.6/platforms/{platform}/rollback",
            ],
        ),
        op(
            "PUT /1.0/platforms/{platform}",
            "platforms",
            "Enable or disable a platform, or rebuild it from a new Dockerfile",
        )
        .multipart::<PlatformUpdateBody>()
        .stream("The build output (errors after the first line come in-band)"),
        op(
            "DELETE /1.0/platforms/{platform}",
            "platforms",
            "Remove a platform",
        )
        .empty(200, "Removed"),
        op(
            "GET /1.6/platforms/{platform}",
            "platforms",
            "A platform and its images",
        )
        .ok::<PlatformInfoDoc>(200, "The platform"),
        op(
            "POST /1.6/platforms/{platform}/rollback",
            "platforms",
            "Roll a platform back to an earlier image",
        )
        .body::<RollbackBody>()
        .stream("The build output (errors after the first line come in-band)"),
        // webhooks
        op(
            "GET /1.6/events/webhooks",
            "webhooks",
            "Webhooks the caller may read",
        )
        .plain()
        .ok::<Vec<WebhookJson>>(200, "The webhooks (secrets masked)")
        .empty(204, "No webhooks"),
        op("POST /1.6/events/webhooks", "webhooks", "Create a webhook")
            .body::<WebhookCreateBody>()
            .empty(200, "Created")
            .links(
                200,
                &[("name", "$request.body#/name")],
                &[
                    "GET /1.6/events/webhooks/{name}",
                    "PUT /1.6/events/webhooks/{name}",
                    "DELETE /1.6/events/webhooks/{name}",
                    "GET /1.6/events/webhooks/{name}/deliveries",
                ],
            ),
        op("GET /1.6/events/webhooks/{name}", "webhooks", "A webhook")
            .ok::<WebhookJson>(200, "The webhook (secret masked)"),
        op(
            "PUT /1.6/events/webhooks/{name}",
            "webhooks",
            "Replace a webhook (the secret stays unless sent)",
        )
        .body::<WebhookBody>()
        .empty(200, "Updated"),
        op(
            "DELETE /1.6/events/webhooks/{name}",
            "webhooks",
            "Remove a webhook and its deliveries",
        )
        .empty(200, "Removed"),
        op(
            "GET /1.6/events/webhooks/{name}/deliveries",
            "webhooks",
            "A webhook's latest deliveries, newest first",
        )
        .query_int("limit")
        .ok::<Vec<DeliveryJson>>(200, "The deliveries (at most 100)")
        .empty(204, "No deliveries"),
        // team tokens
        op(
            "GET /1.6/tokens",
            "tokens",
            "Team tokens the caller may read",
        )
        .plain()
        .ok::<Vec<TeamTokenJson>>(200, "The tokens")
        .empty(204, "No tokens"),
        op("POST /1.6/tokens", "tokens", "Create a team token")
            .optional_body::<TokenCreateBody>()
            .ok::<TeamTokenJson>(201, "The token, with its value")
            .links(
                201,
                &[("token_id", "$response.body#/token_id")],
                &[
                    "GET /1.7/tokens/{token_id}",
                    "PUT /1.6/tokens/{token_id}",
                    "DELETE /1.6/tokens/{token_id}",
                ],
            ),
        op("GET /1.7/tokens/{token_id}", "tokens", "A team token")
            .ok::<TeamTokenJson>(200, "The token"),
        op(
            "PUT /1.6/tokens/{token_id}",
            "tokens",
            "Update or regenerate a team token",
        )
        .optional_body::<TokenUpdateBody>()
        .ok::<TeamTokenJson>(200, "The token"),
        op(
            "DELETE /1.6/tokens/{token_id}",
            "tokens",
            "Remove a team token",
        )
        .empty(200, "Removed"),
        op(
            "POST /1.6/roles/{name}/token",
            "tokens",
            "Assign a role to a team token",
        )
        .body::<TokenRoleBody>()
        .empty(200, "Assigned"),
        op(
            "DELETE /1.6/roles/{name}/token/{token_id}",
            "tokens",
            "Dissociate a role from a team token",
        )
        .query("context")
        .empty(200, "Dissociated"),
    ]
}

fn content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(body.schema.clone()))
        .build()
}

/// Builds the document.
pub fn openapi() -> OpenApi {
    let mut paths = Paths::new();
    let mut refs: Vec<(String, RefOr<Schema>)> = Vec::new();
    for op in operations() {
        let mut b = OperationBuilder::new()
            .operation_id(Some(operation_id(&format!(
                "{} {}",
                op.method_name, op.path
            ))))
            .tag(op.tag)
            .summary(Some(op.summary));
        for p in &op.params {
            let param = match p {
                Param::Path(name, pattern) => ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(*pattern),
                    )),
                Param::Query(name, schema) => ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .schema(Some(schema())),
                Param::QueryList(name) => ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .schema(Some(Vec::<String>::schema())),
            };
            b = b.parameter(param.build());
        }
        if let Some((body, required, media_types)) = &op.body {
            refs.extend(body.refs.iter().cloned());
            let mut rb = RequestBodyBuilder::new();
            for media_type in *media_types {
                rb = rb.content(*media_type, content(body));
            }
            let rb = rb.required(Some(if *required {
                Required::True
            } else {
                Required::False
            }));
            b = b.request_body(Some(rb.build()));
        }
        for Resp(status, description, body) in &op.responses {
            let mut r = ResponseBuilder::new().description(*description);
            if let Some((body, ctype)) = body {
                refs.extend(body.refs.iter().cloned());
                r = r.content(*ctype, content(body));
            }
            for (_, params, targets) in op.links.iter().filter(|l| l.0 == *status) {
                for target in *targets {
                    let id = operation_id(target);
                    // utoipa 5 writes `Link::operation_id` as `operation_id`; OpenAPI's key
                    // is `operationId`, set here as a raw field.
                    let mut link = LinkBuilder::new().extensions(Some(Extensions::from_iter([(
                        "operationId",
                        Value::String(id.clone()),
                    )])));
                    for (name, expr) in *params {
                        link = link.parameter(*name, *expr);
                    }
                    r = r.link(id, link.build());
                }
            }
            b = b.response(status.to_string(), r.build());
        }
        let login = op.method_name == "POST"
            && (op.path.ends_with("/login") || op.path.ends_with("/tokens"));
        for (status, name, _) in ERRORS {
            let applies = match status {
                401 => !op.public || login,
                429 => login,
                _ => !op.plain,
            };
            if applies && !op.responses.iter().any(|r| r.0 == status) {
                b = b.response(status.to_string(), Ref::from_response_name(name));
            }
        }
        if !op.public {
            b = b.security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
        }
        paths.add_path_operation(&op.path, vec![op.method], b.build());
    }
    let mut components = ComponentsBuilder::new();
    for (_, name, description) in ERRORS {
        components = components.response(
            name,
            ResponseBuilder::new()
                .description(description)
                .content(TEXT, content(&text()))
                .build(),
        );
    }
    components = components.security_scheme(
        BEARER,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "`Authorization: bearer <token>`: a session token from login, an API key \
                     or a team token",
                ))
                .build(),
        ),
    );
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    refs.dedup_by(|a, b| a.0 == b.0);
    for (name, schema) in refs {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("tsurud")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The tsuru API as tsurud serves it. Every route also answers bare (`/teams`) \
                     and at any higher 1.x version. Errors are plain text.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// The document as JSON, built once.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        openapi()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    })
}

/// `GET /openapi.json` (no auth).
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, JSON))
        .body(document())
}

// Request bodies (read key by key by the handlers; keys are case-insensitive).

/// `email` and `password`.
#[derive(Serialize, ToSchema)]
pub struct LoginBody {
    #[schema(pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    email: String,
    #[schema(min_length = 6, max_length = 50)]
    password: String,
}

/// `password`.
#[derive(Serialize, ToSchema)]
pub struct PasswordBody {
    #[schema(min_length = 6, max_length = 50)]
    password: String,
}

/// `email` and `password`.
#[derive(Serialize, ToSchema)]
pub struct UserCreateBody {
    #[schema(pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    email: String,
    #[schema(min_length = 6, max_length = 50)]
    password: String,
}

/// `old`, `new`, `confirm`.
#[derive(Serialize, ToSchema)]
pub struct ChangePasswordBody {
    #[schema(min_length = 1)]
    old: String,
    #[schema(min_length = 6, max_length = 50)]
    new: String,
    #[schema(min_length = 6, max_length = 50)]
    confirm: String,
}

/// An SSH key: `name`, `key`, `force`.
#[derive(Serialize, ToSchema)]
pub struct KeyBody {
    #[schema(min_length = 1)]
    name: String,
    #[schema(min_length = 1)]
    key: String,
    #[schema(required = false)]
    force: bool,
}

/// `limit`: a number of apps, `-1` for unlimited.
#[derive(Serialize, ToSchema)]
pub struct QuotaBody {
    limit: i64,
}

/// `name` and `tags` (or repeated `tag`).
#[derive(Serialize, ToSchema)]
pub struct TeamCreateBody {
    #[schema(pattern = r"^[a-z][a-z0-9_\-]{1,62}$")]
    name: String,
    #[schema(required = false)]
    tags: Vec<String>,
}

/// `newname` (empty keeps the name) and `tags`.
#[derive(Serialize, ToSchema)]
pub struct TeamUpdateBody {
    #[schema(required = false)]
    newname: String,
    #[schema(required = false)]
    tags: Vec<String>,
}

/// `name`, `context` (a context type) and `description`.
#[derive(Serialize, ToSchema)]
pub struct RoleCreateBody {
    name: String,
    context: String,
    #[schema(required = false)]
    description: String,
}

/// `name`, `newName`, `contextType`, `description`.
#[derive(Serialize, ToSchema)]
pub struct RoleUpdateBody {
    name: String,
    #[serde(rename = "newName")]
    #[schema(required = false)]
    new_name: String,
    #[serde(rename = "contextType")]
    #[schema(required = false)]
    context_type: String,
    #[schema(required = false)]
    description: String,
}

/// Repeated `permission`.
#[derive(Serialize, ToSchema)]
pub struct PermissionsBody {
    permission: Vec<String>,
}

/// `email` and `context` (the context value).
#[derive(Serialize, ToSchema)]
pub struct RoleAssignBody {
    #[schema(pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    email: String,
    #[schema(required = false)]
    context: String,
}

/// Role names per role event.
#[derive(Serialize, ToSchema)]
pub struct DefaultRolesBody {
    #[serde(rename = "user-create")]
    #[schema(required = false)]
    user_create: Vec<String>,
    #[serde(rename = "team-create")]
    #[schema(required = false)]
    team_create: Vec<String>,
}

/// `reason`.
#[derive(Serialize, ToSchema)]
pub struct CancelBody {
    reason: String,
}

// The event JSON (built field by field in `routes::events::event_json`).

/// `{"Type","Value"}`.
#[derive(Serialize, ToSchema)]
pub struct TargetDoc {
    #[serde(rename = "Type")]
    ttype: String,
    #[serde(rename = "Value")]
    value: String,
}

/// `{"Target","Lock"}`.
#[derive(Serialize, ToSchema)]
pub struct ExtraTargetDoc {
    #[serde(rename = "Target")]
    target: TargetDoc,
    #[serde(rename = "Lock")]
    lock: bool,
}

/// `{"Type","Name"}` of an event kind.
#[derive(Serialize, ToSchema)]
pub struct KindDoc {
    #[serde(rename = "Type")]
    ktype: String,
    #[serde(rename = "Name")]
    name: String,
}

/// `{"Type","Name"}` of an event owner.
#[derive(Serialize, ToSchema)]
pub struct OwnerDoc {
    #[serde(rename = "Type")]
    otype: String,
    #[serde(rename = "Name")]
    name: String,
}

/// `{"Date","Message"}`.
#[derive(Serialize, ToSchema)]
pub struct LogLineDoc {
    #[serde(rename = "Date")]
    date: String,
    #[serde(rename = "Message")]
    message: String,
}

/// A cancellation request.
#[derive(Serialize, ToSchema)]
pub struct CancelInfoDoc {
    #[serde(rename = "Owner")]
    owner: String,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "AckTime")]
    ack_time: String,
    #[serde(rename = "Reason")]
    reason: String,
    #[serde(rename = "Asked")]
    asked: bool,
    #[serde(rename = "Canceled")]
    canceled: bool,
}

/// `{"CtxType","Value"}`.
#[derive(Serialize, ToSchema)]
pub struct ContextDoc {
    #[serde(rename = "CtxType")]
    ctx_type: String,
    #[serde(rename = "Value")]
    value: String,
}

/// Who may see (or cancel) an event.
#[derive(Serialize, ToSchema)]
pub struct AllowedDoc {
    #[serde(rename = "Scheme")]
    scheme: String,
    #[serde(rename = "Contexts")]
    contexts: Option<Vec<ContextDoc>>,
}

/// The API instance that ran the event (always blank here).
#[derive(Serialize, ToSchema)]
pub struct InstanceDoc {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Port")]
    port: String,
    #[serde(rename = "TLSPort")]
    tls_port: String,
    #[serde(rename = "Addresses")]
    addresses: Option<Vec<String>>,
    #[serde(rename = "LastUpdate")]
    last_update: String,
}

/// An event in a list (tsuru's Go field names). Times are RFC 3339; unset ones are Go's zero.
#[derive(Serialize, ToSchema)]
pub struct EventDoc {
    /// 24 hex digits.
    #[serde(rename = "UniqueID")]
    unique_id: String,
    #[serde(rename = "Lock")]
    lock: Option<TargetDoc>,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "EndTime")]
    end_time: String,
    #[serde(rename = "ExpireAt")]
    expire_at: String,
    #[serde(rename = "Target")]
    target: TargetDoc,
    #[serde(rename = "ExtraTargets")]
    extra_targets: Option<Vec<ExtraTargetDoc>>,
    #[serde(rename = "Kind")]
    kind: KindDoc,
    #[serde(rename = "Owner")]
    owner: OwnerDoc,
    #[serde(rename = "SourceIP")]
    source_ip: String,
    #[serde(rename = "LockUpdateTime")]
    lock_update_time: String,
    #[serde(rename = "Error")]
    error: String,
    #[serde(rename = "Log")]
    log: String,
    #[serde(rename = "StructuredLog")]
    structured_log: Option<Vec<LogLineDoc>>,
    #[serde(rename = "CancelInfo")]
    cancel_info: CancelInfoDoc,
    #[serde(rename = "Cancelable")]
    cancelable: bool,
    #[serde(rename = "Running")]
    running: bool,
    #[serde(rename = "Allowed")]
    allowed: AllowedDoc,
    #[serde(rename = "AllowedCancel")]
    allowed_cancel: AllowedDoc,
    #[serde(rename = "Instance")]
    instance: InstanceDoc,
}

/// A BSON custom-data marker: `{"Kind","Data"}`.
#[derive(Serialize, ToSchema)]
pub struct RawDataDoc {
    #[serde(rename = "Kind")]
    kind: i64,
    #[serde(rename = "Data")]
    data: Option<Value>,
}

/// The request fields recorded at start, end and in between.
#[derive(Serialize, ToSchema)]
pub struct CustomDataDoc {
    #[serde(rename = "Start")]
    start: Value,
    #[serde(rename = "End")]
    end: Value,
    #[serde(rename = "Other")]
    other: Value,
}

/// `GET /1.1/events/{id}`: the list fields plus the custom data.
#[derive(Serialize, ToSchema)]
pub struct EventInfoDoc {
    #[serde(flatten)]
    event: EventDoc,
    #[serde(rename = "StartCustomData")]
    start_custom_data: RawDataDoc,
    #[serde(rename = "EndCustomData")]
    end_custom_data: RawDataDoc,
    #[serde(rename = "OtherCustomData")]
    other_custom_data: RawDataDoc,
    #[serde(rename = "CustomData")]
    custom_data: CustomDataDoc,
}

// Apps, plans, pools and platforms (built as JSON values in `routes::app_views`).

/// One line of an `application/x-json-stream` response. The body is one such object per line
/// (and a bare newline after 30 s of silence); a failure after the first line comes as a last
/// line with `Error`, the status staying 200.
#[derive(Serialize, ToSchema)]
pub struct StreamLineDoc {
    #[serde(rename = "Message")]
    message: String,
    /// RFC 3339.
    #[serde(rename = "Timestamp")]
    timestamp: String,
    #[serde(rename = "Error")]
    #[schema(required = false)]
    error: String,
}

/// A plan's overrides (on an app's copy); `null` when not overridden.
#[derive(Serialize, ToSchema)]
pub struct PlanOverrideDoc {
    #[schema(required = true)]
    memory: Option<i64>,
    #[schema(required = true)]
    cpumilli: Option<i64>,
}

/// A plan: `default` only when true.
#[derive(Serialize, ToSchema)]
pub struct PlanDoc {
    name: String,
    /// Bytes (0: no limit).
    #[schema(minimum = 0)]
    memory: i64,
    #[schema(minimum = 0)]
    cpumilli: i64,
    #[schema(required = false)]
    default: bool,
    #[serde(rename = "override")]
    plan_override: PlanOverrideDoc,
}

/// An app's plan, with the app's first router when it has one.
#[derive(Serialize, ToSchema)]
pub struct AppPlanDoc {
    #[serde(flatten)]
    plan: PlanDoc,
    #[schema(required = false)]
    router: String,
}

/// A Go `net/url.URL`.
#[derive(Serialize, ToSchema)]
pub struct UrlDoc {
    #[serde(rename = "Scheme")]
    scheme: String,
    #[serde(rename = "Opaque")]
    opaque: String,
    #[serde(rename = "User")]
    #[schema(required = true)]
    user: Option<Value>,
    #[serde(rename = "Host")]
    host: String,
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "RawPath")]
    raw_path: String,
    #[serde(rename = "OmitHost")]
    omit_host: bool,
    #[serde(rename = "ForceQuery")]
    force_query: bool,
    #[serde(rename = "RawQuery")]
    raw_query: String,
    #[serde(rename = "Fragment")]
    fragment: String,
    #[serde(rename = "RawFragment")]
    raw_fragment: String,
}

/// A unit (tsuru's capitalised keys).
#[derive(Serialize, ToSchema)]
pub struct UnitDoc {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "AppName")]
    app_name: String,
    #[serde(rename = "ProcessName")]
    process_name: String,
    #[serde(rename = "Type")]
    unit_type: String,
    #[serde(rename = "IP")]
    ip: String,
    #[serde(rename = "InternalIP")]
    internal_ip: String,
    #[serde(rename = "Status")]
    status: String,
    #[serde(rename = "StatusReason")]
    status_reason: String,
    #[serde(rename = "Address")]
    #[schema(required = true)]
    address: Option<UrlDoc>,
    #[serde(rename = "Addresses")]
    #[schema(required = true)]
    addresses: Option<Vec<UrlDoc>>,
    #[serde(rename = "Version")]
    version: i64,
    #[serde(rename = "Routable")]
    routable: bool,
    #[serde(rename = "Restarts")]
    restarts: i64,
    #[serde(rename = "CreatedAt")]
    created_at: String,
    #[serde(rename = "Ready")]
    ready: bool,
    #[serde(rename = "HostAddr")]
    host_addr: String,
    #[serde(rename = "HostPort")]
    host_port: String,
}

/// An app's lock (never held here).
#[derive(Serialize, ToSchema)]
pub struct LockDoc {
    #[serde(rename = "Locked")]
    locked: bool,
    #[serde(rename = "Reason")]
    reason: String,
    #[serde(rename = "Owner")]
    owner: String,
    #[serde(rename = "AcquireDate")]
    acquire_date: String,
}

/// `{"name","value"}`.
#[derive(Serialize, ToSchema)]
pub struct MetadataItemDoc {
    name: String,
    value: String,
}

/// Labels and annotations, `[]` when none.
#[derive(Serialize, ToSchema)]
pub struct MetadataDoc {
    labels: Vec<MetadataItemDoc>,
    annotations: Vec<MetadataItemDoc>,
}

/// A router of an app.
#[derive(Serialize, ToSchema)]
pub struct AppRouterDoc {
    name: String,
    opts: std::collections::BTreeMap<String, String>,
    address: String,
    #[schema(required = true)]
    addresses: Option<Vec<String>>,
    #[serde(rename = "type")]
    router_type: String,
    status: String,
}

/// An app in `GET /1.0/apps`; `platform`, `description` and real `metadata` only with
/// `extended`.
#[derive(Serialize, ToSchema)]
pub struct AppListDoc {
    name: String,
    pool: String,
    teamowner: String,
    plan: PlanDoc,
    units: Vec<UnitDoc>,
    cname: Vec<String>,
    ip: String,
    routers: Vec<AppRouterDoc>,
    lock: LockDoc,
    tags: Vec<String>,
    #[schema(required = false)]
    error: String,
    #[schema(required = false)]
    platform: String,
    #[schema(required = false)]
    description: String,
    metadata: MetadataDoc,
}

/// `GET /1.0/apps/{app}` (keys sorted, as tsuru's map); `ip`, `router` and `routeropts` when
/// the app has a router.
#[derive(Serialize, ToSchema)]
pub struct AppInfoDoc {
    cname: Vec<String>,
    deploys: i64,
    description: String,
    #[schema(required = false)]
    error: String,
    #[schema(required = false)]
    ip: String,
    lock: LockDoc,
    metadata: MetadataDoc,
    name: String,
    owner: String,
    plan: AppPlanDoc,
    platform: String,
    pool: String,
    provisioner: String,
    quota: QuotaJson,
    #[schema(required = false)]
    router: String,
    #[schema(required = false)]
    routeropts: std::collections::BTreeMap<String, String>,
    routers: Vec<AppRouterDoc>,
    #[serde(rename = "serviceInstanceBinds")]
    service_instance_binds: Vec<Value>,
    tags: Vec<String>,
    teamowner: String,
    teams: Vec<String>,
    units: Vec<UnitDoc>,
}

/// `POST /1.0/apps`: `{"ip","status":"success"}` (`ip` when a router gave one).
#[derive(Serialize, ToSchema)]
pub struct AppCreatedDoc {
    #[schema(required = false)]
    ip: String,
    status: String,
}

/// An environment variable; `managedBy` only when set.
#[derive(Serialize, ToSchema)]
pub struct EnvDoc {
    name: String,
    value: String,
    alias: String,
    public: bool,
    #[serde(rename = "managedBy")]
    #[schema(required = false)]
    managed_by: String,
}

/// A pool: `allowed` lists the names each constrained field allows.
#[derive(Serialize, ToSchema)]
pub struct PoolDoc {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Default")]
    default: bool,
    #[serde(rename = "Provisioner")]
    provisioner: String,
    #[serde(rename = "Labels")]
    #[schema(required = true)]
    labels: Option<std::collections::BTreeMap<String, String>>,
    public: bool,
    #[schema(required = true)]
    teams: Option<Vec<String>>,
    allowed: std::collections::BTreeMap<String, Vec<String>>,
}

/// A pool constraint.
#[derive(Serialize, ToSchema)]
pub struct ConstraintDoc {
    #[serde(rename = "PoolExpr")]
    pool_expr: String,
    #[serde(rename = "Field")]
    field: String,
    #[serde(rename = "Values")]
    values: Vec<String>,
    #[serde(rename = "Blacklist")]
    blacklist: bool,
}

/// A platform.
#[derive(Serialize, ToSchema)]
pub struct PlatformDoc {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Disabled")]
    disabled: bool,
}

/// `GET /1.6/platforms/{platform}`: the platform and its image versions, oldest first.
#[derive(Serialize, ToSchema)]
pub struct PlatformInfoDoc {
    images: Vec<String>,
    platform: PlatformDoc,
}

// Request bodies of apps, plans, pools, platforms, webhooks and team tokens.

/// A label or annotation; `delete` (on update) removes it.
#[derive(Serialize, ToSchema)]
pub struct MetadataItemBody {
    name: String,
    #[schema(required = false)]
    value: String,
    #[schema(required = false)]
    delete: bool,
}

/// `labels` and `annotations`.
#[derive(Serialize, ToSchema)]
pub struct MetadataBody {
    #[schema(required = false)]
    labels: Vec<MetadataItemBody>,
    #[schema(required = false)]
    annotations: Vec<MetadataItemBody>,
}

/// A new app: empty fields get defaults (the caller's only team, the default pool and plan).
#[derive(Serialize, ToSchema)]
pub struct AppCreateBody {
    #[schema(pattern = r"^[a-z][a-z0-9-]{0,39}$")]
    name: String,
    #[schema(required = false)]
    platform: String,
    #[schema(required = false)]
    plan: String,
    #[serde(rename = "teamOwner")]
    #[schema(required = false)]
    team_owner: String,
    #[schema(required = false)]
    description: String,
    #[schema(required = false)]
    pool: String,
    #[schema(required = false)]
    router: String,
    #[schema(required = false)]
    routeropts: std::collections::BTreeMap<String, String>,
    #[schema(required = false)]
    tags: Vec<String>,
    #[schema(required = false)]
    metadata: MetadataBody,
}

/// Memory and CPU overrides of the app's plan.
#[derive(Serialize, ToSchema)]
pub struct PlanOverrideBody {
    #[schema(required = false)]
    memory: i64,
    #[schema(required = false)]
    cpumilli: i64,
}

/// App changes: at least one of description, tags, plan, pool, team owner or platform.
#[derive(Serialize, ToSchema)]
pub struct AppUpdateBody {
    #[schema(required = false)]
    description: String,
    #[schema(required = false)]
    tags: Vec<String>,
    #[schema(required = false)]
    plan: String,
    #[schema(required = false)]
    planoverride: PlanOverrideBody,
    #[schema(required = false)]
    pool: String,
    #[serde(rename = "teamOwner")]
    #[schema(required = false)]
    team_owner: String,
    #[schema(required = false)]
    platform: String,
    #[serde(rename = "imageReset")]
    #[schema(required = false)]
    image_reset: bool,
    #[serde(rename = "noRestart")]
    #[schema(required = false)]
    no_restart: bool,
    #[schema(required = false)]
    metadata: MetadataBody,
    #[schema(required = false)]
    router: String,
    #[schema(required = false)]
    routeropts: std::collections::BTreeMap<String, String>,
}

/// A variable to set; `alias` names another variable.
#[derive(Serialize, ToSchema)]
pub struct EnvBody {
    name: String,
    #[schema(required = false)]
    value: String,
    #[schema(required = false)]
    alias: String,
    #[schema(required = false)]
    private: bool,
}

/// `envs` (as a form: `Envs.0.Name`, `Envs.0.Value`, ...), `managedBy`, `noRestart`,
/// `private`, `pruneUnused`.
#[derive(Serialize, ToSchema)]
pub struct EnvSetBody {
    envs: Vec<EnvBody>,
    #[serde(rename = "managedBy")]
    #[schema(required = false)]
    managed_by: String,
    #[serde(rename = "noRestart")]
    #[schema(required = false)]
    no_restart: bool,
    #[schema(required = false)]
    private: bool,
    #[serde(rename = "pruneUnused")]
    #[schema(required = false)]
    prune_unused: bool,
}

/// `process` and `version` (empty: every process, the current version).
#[derive(Serialize, ToSchema)]
pub struct RestartBody {
    #[schema(required = false)]
    process: String,
    #[schema(required = false)]
    version: String,
}

/// A new plan: `memory` in bytes or with a `K`, `M` or `G` suffix (at least 4M), `cpumilli`.
#[derive(Serialize, ToSchema)]
pub struct PlanCreateBody {
    #[schema(min_length = 1)]
    name: String,
    #[schema(required = false, pattern = r"^([0-9]+[KMGkmg]?)?$")]
    memory: String,
    #[schema(required = false, minimum = 0)]
    cpumilli: i64,
    #[schema(required = false)]
    default: bool,
}

/// A new pool.
#[derive(Serialize, ToSchema)]
pub struct PoolCreateBody {
    #[schema(min_length = 1)]
    name: String,
    #[schema(required = false)]
    public: bool,
    #[schema(required = false)]
    default: bool,
    /// Replace the current default pool.
    #[schema(required = false)]
    force: bool,
    #[schema(required = false)]
    provisioner: String,
    #[schema(required = false)]
    labels: std::collections::BTreeMap<String, String>,
}

/// Pool changes: only the fields sent change (`labels` replaces every label).
#[derive(Serialize, ToSchema)]
pub struct PoolUpdateBody {
    #[schema(required = false)]
    public: bool,
    #[schema(required = false)]
    default: bool,
    #[schema(required = false)]
    force: bool,
    #[schema(required = false)]
    labels: std::collections::BTreeMap<String, String>,
}

/// Repeated `team`.
#[derive(Serialize, ToSchema)]
pub struct PoolTeamsBody {
    team: Vec<String>,
}

/// What a constraint restricts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConstraintField {
    Team,
    Service,
    Router,
    Plan,
    VolumePlan,
}

/// A constraint: the pools it applies to (a glob), the field, the allowed (or, with
/// `Blacklist`, forbidden) value globs.
#[derive(Serialize, ToSchema)]
pub struct ConstraintBody {
    #[serde(rename = "PoolExpr")]
    #[schema(min_length = 1)]
    pool_expr: String,
    #[serde(rename = "Field")]
    field: ConstraintField,
    #[serde(rename = "Values")]
    values: Vec<String>,
    #[serde(rename = "Blacklist")]
    #[schema(required = false)]
    blacklist: bool,
}

/// `name` and the Dockerfile, a file part named `dockerfile_content`.
#[derive(Serialize, ToSchema)]
pub struct PlatformCreateBody {
    #[schema(pattern = r"^[a-z][a-z0-9-]{0,39}$")]
    name: String,
    #[schema(value_type = String, format = Binary)]
    dockerfile_content: Vec<u8>,
}

/// `disabled` and/or a new Dockerfile (a file part named `dockerfile_content`).
#[derive(Serialize, ToSchema)]
pub struct PlatformUpdateBody {
    #[schema(required = false)]
    disabled: bool,
    #[schema(value_type = String, format = Binary, required = false)]
    dockerfile_content: Vec<u8>,
}

/// `image`: a version (`v2`, `2`) or `<platform image>:v2`.
#[derive(Serialize, ToSchema)]
pub struct RollbackBody {
    #[schema(min_length = 1)]
    image: String,
}

/// Which events a webhook receives (empty lists match everything).
#[derive(Serialize, ToSchema)]
pub struct WebhookFilterBody {
    #[schema(required = false)]
    target_types: Vec<String>,
    #[schema(required = false)]
    target_values: Vec<String>,
    #[schema(required = false)]
    kind_types: Vec<String>,
    #[schema(required = false)]
    kind_names: Vec<String>,
    #[schema(required = false)]
    error_only: bool,
    #[schema(required = false)]
    success_only: bool,
}

/// A webhook (the name comes from the path on update). `body` is a Go template; `secret`
/// signs the calls (`*****` keeps the current one, `""` removes it).
#[derive(Serialize, ToSchema)]
pub struct WebhookBody {
    #[schema(required = false)]
    description: String,
    /// Empty: the caller's only team (create) or the current owner (update).
    #[schema(required = false)]
    team_owner: String,
    #[schema(required = false)]
    event_filter: WebhookFilterBody,
    /// An absolute `http` or `https` URL.
    url: String,
    #[schema(required = false)]
    proxy_url: String,
    /// Header name to values.
    #[schema(required = false)]
    headers: std::collections::BTreeMap<String, Vec<String>>,
    /// Default `POST`.
    #[schema(required = false)]
    method: String,
    #[schema(required = false)]
    body: String,
    #[schema(required = false)]
    insecure: bool,
    #[schema(required = false)]
    secret: String,
}

/// A new webhook: `name` and the fields of `WebhookBody`.
#[derive(Serialize, ToSchema)]
pub struct WebhookCreateBody {
    #[schema(pattern = r"^[a-z][a-z0-9-]{0,39}$")]
    name: String,
    #[serde(flatten)]
    hook: WebhookBody,
}

/// A new team token: `token_id` (default `<team>-<5 hex digits>`), `description`,
/// `expires_in` (seconds, 0 never), `team` (default: the caller's only team).
#[derive(Serialize, ToSchema)]
pub struct TokenCreateBody {
    #[schema(required = false, pattern = r"^[a-z][a-z0-9-]{0,39}$")]
    token_id: String,
    #[schema(required = false)]
    description: String,
    #[schema(required = false)]
    expires_in: i64,
    #[schema(required = false)]
    team: String,
}

/// Token changes: `regenerate` the value, `description`, `expires_in` (seconds from now; 0
/// keeps, negative removes the expiry).
#[derive(Serialize, ToSchema)]
pub struct TokenUpdateBody {
    #[schema(required = false)]
    regenerate: bool,
    #[schema(required = false)]
    description: String,
    #[schema(required = false)]
    expires_in: i64,
}

/// `token_id` and `context` (the context value).
#[derive(Serialize, ToSchema)]
pub struct TokenRoleBody {
    token_id: String,
    #[schema(required = false)]
    context: String,
}
