//! The OpenAPI 3.1 document served at `GET /openapi.json`, built from the route table.
//!
//! Nothing here describes a route by hand. Each [`crate::routes::Route`] starts an [`Op`] from
//! its method, version, path and summary; then the handler's own signature fills it in:
//! every extractor it takes ([`Describe`]: `Auth` makes it need a token, `Form<T>` documents
//! `T` as the body, `Query<T>` its query parameters) and the type it returns
//! ([`DescribeReply`]: `Json<T>`, `List<T>`, `Streamed`, ...). A handler and its document can
//! only disagree if the handler's types lie, which the compiler checks.
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ComponentsBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
    ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

/// Form bodies.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// JSON bodies and responses.
pub const JSON: &str = "application/json";
/// File uploads.
pub const MULTIPART: &str = "multipart/form-data";
/// tsuru's plain-text bodies.
pub const TEXT: &str = "text/plain; charset=utf-8";
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
#[derive(Clone)]
pub struct Body {
    schema: RefOr<Schema>,
    refs: Vec<(String, RefOr<Schema>)>,
}

impl Body {
    /// The schema of `T`.
    pub fn of<T: ToSchema>() -> Body {
        let mut refs = Vec::new();
        T::schemas(&mut refs);
        Body {
            schema: T::schema(),
            refs,
        }
    }

    /// The schema of a list of `T`.
    pub fn list_of<T: ToSchema>() -> Body {
        let mut refs = Vec::new();
        T::schemas(&mut refs);
        Body {
            schema: ArrayBuilder::new().items(T::schema()).into(),
            refs,
        }
    }

    /// A plain-text body.
    pub fn text() -> Body {
        Body {
            schema: String::schema(),
            refs: Vec::new(),
        }
    }
}

/// One documented response: status, description, body and its content type.
pub struct Resp(pub u16, pub &'static str, pub Option<(Body, &'static str)>);

/// Links of a response: its status, target parameters (name, runtime expression) and target
/// operations (`"GET /1.0/apps/{app}"`).
type Link = (
    u16,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// One operation: what the route table, the handler's extractors and its reply type say.
pub struct Op {
    method: &'static str,
    path: String,
    tag: &'static str,
    summary: &'static str,
    /// No `Authorization` needed (no `Auth` extractor).
    pub public: bool,
    /// Answers no client errors (besides 401 when it needs a token).
    pub plain: bool,
    params: Vec<Parameter>,
    /// Schema, whether required, and the media types it is accepted as.
    body: Option<(Body, bool, &'static [&'static str])>,
    responses: Vec<Resp>,
    /// Links of a response: its status, target parameters (name, runtime expression) and
    /// target operations (`"GET /1.0/apps/{app}"`).
    links: Vec<Link>,
}

impl Op {
    /// An operation on `method` (`GET`, ...) at `/{version}{path}`.
    pub fn new(method: &'static str, version: &str, path: &str, summary: &'static str) -> Op {
        let path = documented_path(version, path);
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
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(pattern),
                    ))
                    .build()
            })
            .collect();
        Op {
            method,
            path,
            tag: "",
            summary,
            public: true,
            plain: false,
            params,
            body: None,
            responses: Vec::new(),
            links: Vec::new(),
        }
    }

    /// `"GET /1.0/teams"`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Groups the operation under `tag`.
    pub fn set_tag(&mut self, tag: &'static str) {
        self.tag = tag;
    }

    /// Adds query parameters.
    pub fn add_params(&mut self, params: Vec<Parameter>) {
        self.params.extend(params);
    }

    /// Sets the request body.
    pub fn set_body(&mut self, body: Body, required: bool, media: &'static [&'static str]) {
        self.body = Some((body, required, media));
    }

    /// Adds a response.
    pub fn respond(
        &mut self,
        status: u16,
        description: &'static str,
        body: Option<(Body, &'static str)>,
    ) {
        self.responses.push(Resp(status, description, body));
    }

    /// Adds OpenAPI links from the `status` response to `targets`, so stateful fuzzing
    /// reaches what a create made.
    pub fn link(
        &mut self,
        status: u16,
        params: &'static [(&'static str, &'static str)],
        targets: &'static [&'static str],
    ) {
        self.links.push((status, params, targets));
    }
}

/// What an extractor adds to its operation (the default: nothing).
pub trait Describe {
    /// Adds to `op`.
    fn describe(_op: &mut Op) {}
}

/// What a handler's argument tuple adds: each extractor in turn.
pub trait DescribeArgs {
    /// Adds to `op`.
    fn describe_args(op: &mut Op);
}

macro_rules! describe_tuple {
    ($($t:ident),*) => {
        impl<$($t: Describe),*> DescribeArgs for ($($t,)*) {
            #[allow(unused_variables)]
            fn describe_args(op: &mut Op) {
                $( $t::describe(op); )*
            }
        }
    };
}
describe_tuple!();
describe_tuple!(A);
describe_tuple!(A, B);
describe_tuple!(A, B, C);
describe_tuple!(A, B, C, D);
describe_tuple!(A, B, C, D, E);
describe_tuple!(A, B, C, D, E, F);

/// What a handler's reply type documents: its statuses and bodies.
pub trait DescribeReply {
    /// Adds to `op`.
    fn describe_reply(op: &mut Op);
}

impl<R: DescribeReply, E> DescribeReply for Result<R, E> {
    fn describe_reply(op: &mut Op) {
        R::describe_reply(op);
    }
}

impl<T> Describe for actix_web::web::Path<T> {}
impl<T: ?Sized> Describe for actix_web::web::Data<T> {}
impl Describe for actix_web::HttpRequest {}

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

/// The `operationId` of `"GET /1.0/apps/{app}"`: `get_1_0_apps__app_`.
fn operation_id(route: &str) -> String {
    let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
    format!(
        "{}{}",
        method.to_ascii_lowercase(),
        path.replace(['/', '.', '{', '}', '-'], "_")
    )
}

fn content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(body.schema.clone()))
        .build()
}

fn http_method(name: &str) -> HttpMethod {
    match name {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

/// Builds the document from every route's operation.
pub fn openapi() -> OpenApi {
    let mut paths = Paths::new();
    let mut refs: Vec<(String, RefOr<Schema>)> = Vec::new();
    for op in crate::routes::operations() {
        let mut b = OperationBuilder::new()
            .operation_id(Some(operation_id(&op.route())))
            .tag(op.tag)
            .summary(Some(op.summary));
        for p in &op.params {
            b = b.parameter(p.clone());
        }
        if let Some((body, required, media_types)) = &op.body {
            refs.extend(body.refs.iter().cloned());
            let mut rb = RequestBodyBuilder::new();
            for media_type in *media_types {
                rb = rb.content(*media_type, content(body));
            }
            let required = if *required {
                Required::True
            } else {
                Required::False
            };
            b = b.request_body(Some(rb.required(Some(required)).build()));
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
        let login =
            op.method == "POST" && (op.path.ends_with("/login") || op.path.ends_with("/tokens"));
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
        paths.add_path_operation(&op.path, vec![http_method(op.method)], b.build());
    }
    let mut components = ComponentsBuilder::new();
    for (_, name, description) in ERRORS {
        components = components.response(
            name,
            ResponseBuilder::new()
                .description(description)
                .content(TEXT, content(&Body::text()))
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
