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
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, Schema};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
    ResponseBuilder,
};

pub use crate::operation::{
    documented_path, Body, Describe, DescribeArgs, DescribeReply, Op, Resp,
};

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

/// Client errors, as tsuru's plain text: status, component name, description.
const ERRORS: [(u16, &str, &str); 7] = [
    (400, "BadRequest", "Invalid input"),
    (401, "Unauthorized", "Missing or invalid credentials"),
    (403, "Forbidden", "You don't have permission to do this action"),
    (404, "NotFound", "Not found"),
    (409, "Conflict", "Already exists, or the target is locked by a running event"),
    (413, "PayloadTooLarge", "The request body is too large"),
    (429, "TooManyRequests", "Too many failed logins for this e-mail"),
];

/// The `operationId` of `"GET /1.0/apps/{app}"`: `get_1_0_apps__app_`.
fn operation_id(route: &str) -> String {
    let (method, path) = route.split_once(' ').unwrap_or(("GET", route));
    format!("{}{}", method.to_ascii_lowercase(), path.replace(['/', '.', '{', '}', '-'], "_"))
}

fn content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(body.schema.clone())).build()
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
            let required = if *required { Required::True } else { Required::False };
            b = b.request_body(Some(rb.required(Some(required)).build()));
        }
        let success = op.responses.iter().position(|r| (200..300).contains(&r.0));
        for (i, Resp(status, description, body)) in op.responses.iter().enumerate() {
            let mut r = ResponseBuilder::new().description(*description);
            if let Some((body, ctype)) = body {
                refs.extend(body.refs.iter().cloned());
                r = r.content(*ctype, content(body));
            }
            for ((name, expr), targets) in op.links.iter().filter(|_| success == Some(i)) {
                for target in targets {
                    let id = operation_id(target);
                    // utoipa 5 writes `Link::operation_id` as `operation_id`; OpenAPI's key
                    // is `operationId`, set here as a raw field.
                    let link = LinkBuilder::new()
                        .extensions(Some(Extensions::from_iter([(
                            "operationId",
                            Value::String(id.clone()),
                        )])))
                        .parameter(*name, *expr);
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
    DOC.get_or_init(|| openapi().to_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")))
}

/// `GET /openapi.json` (no auth).
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, JSON)).body(document())
}
