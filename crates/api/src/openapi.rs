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
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
    ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use crate::routes::views::{
    PermissionJson, QuotaJson, RoleJson, SchemeJson, TeamEntry, TeamInfoJson, TokenJson, UserJson,
    VersionJson,
};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
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
    body: Option<(Body, bool)>,
    responses: Vec<Resp>,
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
        self.body = Some((json::<T>(), true));
        self
    }

    /// A request body that may be left out.
    fn optional_body<T: ToSchema>(mut self) -> Self {
        self.body = Some((json::<T>(), false));
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
            .empty(201, "Created"),
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
            .empty(200, "Added"),
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
            .empty(201, "Created"),
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
            .empty(201, "Created"),
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
            .operation_id(Some(format!(
                "{}{}",
                op.method_name.to_ascii_lowercase(),
                op.path.replace(['/', '.', '{', '}', '-'], "_")
            )))
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
        if let Some((body, required)) = &op.body {
            refs.extend(body.refs.iter().cloned());
            let rb = RequestBodyBuilder::new()
                .content(FORM, content(body))
                .content(JSON, content(body))
                .required(Some(if *required {
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
    port: i64,
    #[serde(rename = "TLSPort")]
    tls_port: i64,
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
