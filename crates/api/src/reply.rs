//! What handlers return. Each reply type writes the response (tsuru's encoding: Go-style JSON
//! with a trailing newline) and documents it ([`DescribeReply`]), so `/openapi.json` shows what
//! the handler really sends.
use std::marker::PhantomData;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::json;
use crate::openapi::{Body, DescribeReply, Op, JSON, TEXT};

/// Handler result.
pub type Reply<T> = Result<T, ApiError>;

/// Declares a reply type that holds a finished response and documents it as one response:
/// `ready_reply!(/** docs */ pub Name: 200, "description", Some((Body::text(), TEXT)));`.
macro_rules! ready_reply {
    ($(#[$doc:meta])* $vis:vis $name:ident: $status:literal, $description:expr, $body:expr) => {
        $(#[$doc])*
        $vis struct $name(pub actix_web::HttpResponse);

        impl actix_web::Responder for $name {
            type Body = actix_web::body::BoxBody;

            fn respond_to(self, _: &actix_web::HttpRequest) -> actix_web::HttpResponse {
                self.0
            }
        }

        impl $crate::openapi::DescribeReply for $name {
            fn describe_reply(op: &mut $crate::openapi::Op) {
                op.respond($status, $description, $body);
            }
        }
    };
}
pub(crate) use ready_reply;

fn render<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> HttpResponse {
    json::json(status, value).unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
}

/// 200 with `T` as JSON.
pub struct Json<T>(pub T);

impl<T: Serialize> Responder for Json<T> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        render(StatusCode::OK, &self.0)
    }
}

impl<T: ToSchema> DescribeReply for Json<T> {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "OK", Some((Body::of::<T>(), JSON)));
    }
}

/// 200 with `T` as JSON and no trailing newline (tsuru's `json.Marshal` then write).
pub struct Compact<T>(pub T);

impl<T: Serialize> Responder for Compact<T> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        json::ok_compact(&self.0).unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
    }
}

impl<T: ToSchema> DescribeReply for Compact<T> {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "OK", Some((Body::of::<T>(), JSON)));
    }
}

/// 201 with `T` as JSON.
pub struct Created<T>(pub T);

impl<T: Serialize> Responder for Created<T> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        render(StatusCode::CREATED, &self.0)
    }
}

impl<T: ToSchema> DescribeReply for Created<T> {
    fn describe_reply(op: &mut Op) {
        op.respond(201, "Created", Some((Body::of::<T>(), JSON)));
    }
}

/// A JSON list, or 204 without a body when it is empty (tsuru's lists).
pub struct List<T>(pub Vec<T>);

impl<T: Serialize> Responder for List<T> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        if self.0.is_empty() {
            HttpResponse::NoContent().finish()
        } else {
            render(StatusCode::OK, &self.0)
        }
    }
}

impl<T: ToSchema> DescribeReply for List<T> {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "The list", Some((Body::list_of::<T>(), JSON)));
        op.respond(204, "Nothing to list", None);
    }
}

/// A status without a body: 200 ([`Done`]), 201 ([`Made`]) or 204 ([`NoContent`]).
pub struct Status<const CODE: u16>(PhantomData<()>);

/// 200 without a body.
pub type Done = Status<200>;
/// 201 without a body.
pub type Made = Status<201>;
/// 204 without a body.
pub type NoContent = Status<204>;

/// 200 without a body.
pub const DONE: Done = Status(PhantomData);
/// 201 without a body.
pub const MADE: Made = Status(PhantomData);
/// 204 without a body.
pub const NO_CONTENT: NoContent = Status(PhantomData);

impl<const CODE: u16> Responder for Status<CODE> {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::new(StatusCode::from_u16(CODE).unwrap_or(StatusCode::OK))
    }
}

impl<const CODE: u16> DescribeReply for Status<CODE> {
    fn describe_reply(op: &mut Op) {
        let description = match CODE {
            201 => "Created",
            204 => "Done",
            _ => "OK",
        };
        op.respond(CODE, description, None);
    }
}

/// A plain-text body, as it is, with a status.
pub struct Text(pub StatusCode, pub String);

impl Responder for Text {
    type Body = BoxBody;
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::build(self.0).content_type(TEXT).body(self.1)
    }
}

impl DescribeReply for Text {
    fn describe_reply(op: &mut Op) {
        op.respond(200, "OK", Some((Body::text(), TEXT)));
    }
}
