//! One documented operation ([`Op`]) and the traits through which a route's handler fills it
//! in: its extractors ([`Describe`], per argument; [`DescribeArgs`], the tuple) and its reply
//! type ([`DescribeReply`]).
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, Required};
use utoipa::{PartialSchema, ToSchema};

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
    pub(crate) schema: RefOr<Schema>,
    pub(crate) refs: Vec<(String, RefOr<Schema>)>,
}

impl Body {
    /// The schema of `T`.
    pub fn of<T: ToSchema>() -> Body {
        let mut refs = Vec::new();
        T::schemas(&mut refs);
        Body { schema: T::schema(), refs }
    }

    /// The schema of a list of `T`.
    pub fn list_of<T: ToSchema>() -> Body {
        let mut refs = Vec::new();
        T::schemas(&mut refs);
        Body { schema: ArrayBuilder::new().items(T::schema()).into(), refs }
    }

    /// A plain-text body.
    pub fn text() -> Body {
        Body { schema: String::schema(), refs: Vec::new() }
    }
}

/// One documented response: status, description, body and its content type.
pub struct Resp(pub u16, pub &'static str, pub Option<(Body, &'static str)>);

/// Links of the success response: the target parameter (name, runtime expression) and the
/// target operations (`"GET /1.0/apps/{app}"`).
type Link = ((&'static str, &'static str), Vec<String>);

/// One operation: what the route table, the handler's extractors and its reply type say.
pub struct Op {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) tag: &'static str,
    pub(crate) summary: &'static str,
    /// No `Authorization` needed (no `Auth` extractor).
    pub public: bool,
    /// Answers no client errors (besides 401 when it needs a token).
    pub plain: bool,
    pub(crate) params: Vec<Parameter>,
    /// Schema, whether required, and the media types it is accepted as.
    pub(crate) body: Option<(Body, bool, &'static [&'static str])>,
    pub(crate) responses: Vec<Resp>,
    /// Links of the success response: the target parameter (name, runtime expression) and
    /// the target operations (`"GET /1.0/apps/{app}"`).
    pub(crate) links: Vec<Link>,
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
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(pattern)))
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

    /// Adds OpenAPI links from the success response to `targets`, so stateful fuzzing
    /// reaches what a create made.
    pub fn link(&mut self, param: (&'static str, &'static str), targets: Vec<String>) {
        self.links.push((param, targets));
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
