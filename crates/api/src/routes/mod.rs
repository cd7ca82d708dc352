//! The route table, assembled from one folder per URL family. Each family's `routes()` lists
//! its routes: method, tsuru version, path, handler and a one-line summary. The handler's
//! signature documents the rest (see [`crate::openapi`]).
pub(crate) mod apps;
mod auth;
mod brokers;
mod clusters;
mod deploys;
mod events;
mod iaas;
mod info;
mod nodes;
mod plans;
mod platforms;
mod pools;
mod quota;
mod roles;
mod services;
pub(crate) mod teams;
mod tokens;
pub(crate) mod users;
pub(crate) mod volumes;
mod webhooks;

use std::sync::LazyLock;

use actix_web::http::{Method, StatusCode};
use actix_web::{guard, web, FromRequest, Handler, HttpResponse, Responder};

use crate::error::text;
use crate::openapi::{DescribeArgs, DescribeReply, Op};
use crate::version::{ApiVersion, MinVersion};

/// `404 page not found`, for unknown paths, methods and versions below a route's.
pub async fn not_found() -> HttpResponse {
    text(StatusCode::NOT_FOUND, "404 page not found")
}

/// Registers a route's handler at a path (relative to the scope it is put in).
type Register = Box<dyn FnOnce(&mut web::ServiceConfig, &str)>;

/// One route: where it answers, its handler, and its documented operation.
pub struct Route {
    method: &'static str,
    version: &'static str,
    path: &'static str,
    op: Op,
    linked: bool,
    register: Register,
}

/// A handler whose arguments and reply document themselves: every route's handler.
pub trait Endpoint<Args>: Handler<Args, Output: Responder + DescribeReply + 'static> {}

impl<F, Args> Endpoint<Args> for F where
    F: Handler<Args, Output: Responder + DescribeReply + 'static>
{
}

/// A handler's extractors: taken from the request, each documenting what it reads.
pub trait Extractors: FromRequest + DescribeArgs + 'static {}

impl<T: FromRequest + DescribeArgs + 'static> Extractors for T {}

impl Route {
    fn new<A: Extractors, F: Endpoint<A>>(
        method: &'static str,
        version: &'static str,
        path: &'static str,
        handler: F,
        summary: &'static str,
    ) -> Route {
        let mut op = Op::new(method, version, path, summary);
        A::describe_args(&mut op);
        F::Output::describe_reply(&mut op);
        let min = MinVersion(ApiVersion::parse(version).unwrap_or(ApiVersion(1, 0)));
        let register: Register = Box::new(move |cfg: &mut web::ServiceConfig, at: &str| {
            let method_guard = guard::Method(match method {
                "POST" => Method::POST,
                "PUT" => Method::PUT,
                "DELETE" => Method::DELETE,
                _ => Method::GET,
            });
            cfg.service(web::resource(at).guard(method_guard).guard(min).to(handler));
        });
        Route { method, version, path, op, linked: false, register }
    }

    /// The path template.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// Answers no client errors (besides 401 when it needs a token).
    pub fn plain(mut self) -> Self {
        self.op.plain = true;
        self
    }

    /// A further documented response with a plain-text body (a 4xx the handler can send).
    pub fn text(mut self, status: u16, description: &'static str) -> Self {
        self.op.respond(
            status,
            description,
            Some((crate::openapi::Body::text(), crate::openapi::TEXT)),
        );
        self
    }

    /// OpenAPI links from the success response to every route marked [`Route::linked`] below
    /// `{path}/{param}`, the parameter taken from this request or response (`expr`, as in
    /// `$request.body#/name`).
    pub fn links(mut self, param: &'static str, expr: &'static str) -> Self {
        self.op.link((param, expr), Vec::new());
        self
    }

    /// A target of the links of the create route above it (see [`Route::links`]).
    pub fn linked(mut self) -> Self {
        self.linked = true;
        self
    }
}

/// `Route::get`, `Route::post`, `Route::put` and `Route::delete`.
macro_rules! method_constructors {
    ($($(#[$doc:meta])* $name:ident => $method:literal;)*) => {
        impl Route {
            $(
                $(#[$doc])*
                pub fn $name<A: Extractors>(
                    version: &'static str, path: &'static str, handler: impl Endpoint<A>, summary: &'static str,
                ) -> Route {
                    Route::new($method, version, path, handler, summary)
                }
            )*
        }
    };
}

method_constructors! {
    /// A `GET` route.
    get => "GET";
    /// A `POST` route.
    post => "POST";
    /// A `PUT` route.
    put => "PUT";
    /// A `DELETE` route.
    delete => "DELETE";
}

/// A URL family, by the tag its routes carry in the document.
struct Family(&'static str);

impl Family {
    /// The family's routes, tagged with its name.
    fn routes(self, mut routes: Vec<Route>) -> Vec<Route> {
        for r in &mut routes {
            r.op.set_tag(self.0);
        }
        routes
    }
}

/// Every route, in registration order (where templates overlap, the first match wins).
fn all() -> Vec<Route> {
    let mut routes = [
        info::routes(),
        auth::routes(),
        users::routes(),
        teams::routes(),
        roles::routes(),
        tokens::role_routes(),
        roles::default_routes(),
        apps::routes(),
        deploys::routes(),
        plans::routes(),
        pools::routes(),
        clusters::routes(),
        platforms::routes(),
        events::routes(),
        webhooks::routes(),
        events::id_routes(),
        tokens::routes(),
        services::routes(),
        brokers::routes(),
        volumes::routes(),
        iaas::routes(),
        nodes::routes(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let targets: Vec<(&'static str, String)> =
        routes.iter().filter(|r| r.linked).map(|r| (r.path, r.op.route())).collect();
    for source in &mut routes {
        for ((param, _), to) in &mut source.op.links {
            let below = format!("{}/{{{param}}}", source.path);
            to.extend(targets.iter().filter_map(|(path, route)| {
                let rest = path.strip_prefix(below.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then(|| route.clone())
            }));
        }
    }
    routes
}

/// Every route's documented operation.
pub fn operations() -> Vec<Op> {
    all().into_iter().map(|r| r.op).collect()
}

/// Registers every route.
///
/// Routes are grouped in one scope per first path segment (`/apps`, `/teams`, ...): a request
/// is matched against the routes of its own family only, instead of trying every route's
/// pattern in turn.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(crate::openapi::serve));
    let mut families: Vec<(&'static str, Vec<Route>)> = Vec::new();
    let mut loose = Vec::new();
    for route in all() {
        match family_of(route.path) {
            Some(prefix) => match families.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, routes)) => routes.push(route),
                None => families.push((prefix, vec![route])),
            },
            None => loose.push(route),
        }
    }
    for (prefix, routes) in families {
        cfg.service(web::scope(prefix).configure(|scope| {
            for route in routes {
                (route.register)(scope, &route.path[prefix.len()..]);
            }
        }));
    }
    for route in loose {
        (route.register)(cfg, route.path);
    }
}

/// `/apps` for `/apps/{app}/env`: the static first segment a path's scope is named by.
fn family_of(path: &'static str) -> Option<&'static str> {
    let rest = path.strip_prefix('/')?;
    let end = rest.find('/').map_or(path.len(), |i| i + 1);
    let prefix = &path[..end];
    (!prefix.contains('{') && prefix.len() > 1).then_some(prefix)
}

/// Every route as (method as in `Get`, minimum version, path): iterate [`ROUTES`].
#[derive(Clone, Copy)]
pub struct RouteTable;

/// The route table.
pub const ROUTES: RouteTable = RouteTable;

type Row = (&'static str, &'static str, &'static str);

static TABLE: LazyLock<Vec<Row>> = LazyLock::new(|| {
    all()
        .into_iter()
        .map(|r| {
            let method = match r.method {
                "POST" => "Post",
                "PUT" => "Put",
                "DELETE" => "Delete",
                _ => "Get",
            };
            (method, r.version, r.path)
        })
        .collect()
});

impl RouteTable {
    /// The rows.
    pub fn iter(self) -> std::slice::Iter<'static, Row> {
        TABLE.iter()
    }

    /// How many routes.
    pub fn len(self) -> usize {
        TABLE.len()
    }

    /// Never: there are routes.
    pub fn is_empty(self) -> bool {
        TABLE.is_empty()
    }
}

impl IntoIterator for RouteTable {
    type Item = &'static Row;
    type IntoIter = std::slice::Iter<'static, Row>;
    fn into_iter(self) -> Self::IntoIter {
        TABLE.iter()
    }
}
