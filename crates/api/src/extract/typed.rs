//! Extractors that parse the input into a wire type and document it: [`Form`] (the body),
//! [`Query`] (query parameters) and [`Upload`] (a multipart body).
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use tsuru_domain::Origin;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

use super::{Auth, Caller, Input, LocalFuture, MaybeAuth};
use crate::error::ApiError;
use crate::openapi::{Body, Describe, Op, FORM, JSON, MULTIPART};

fn parsed<T: DeserializeOwned + 'static, R: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    wrap: fn(T, Input) -> R,
) -> LocalFuture<Result<R, ApiError>> {
    let input = Input::from_request(req, payload);
    Box::pin(async move {
        let input = input.await?;
        let value = input.parse::<T>()?;
        Ok(wrap(value, input))
    })
}

/// A body (form or JSON, tsuru's key rules) read into `T`; `REQUIRED = false` documents it as
/// optional. The raw input stays at hand for the event's origin.
pub struct Form<T, const REQUIRED: bool = true> {
    /// The parsed body.
    pub body: T,
    /// Everything sent.
    pub input: Input,
}

/// A body every field of which may be left out.
pub type OptionalForm<T> = Form<T, false>;

impl<T, const R: bool> Form<T, R> {
    /// What the request's events record.
    pub fn origin(&self) -> Origin {
        self.input.origin()
    }
}

impl<T: DeserializeOwned + 'static, const R: bool> FromRequest for Form<T, R> {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        parsed(req, payload, |body, input| Form { body, input })
    }
}

impl<T: ToSchema, const R: bool> Describe for Form<T, R> {
    fn describe(op: &mut Op) {
        op.set_body(Body::of::<T>(), R, &[FORM, JSON]);
    }
}

/// Query parameters read into `T` (tsuru also reads them from a form body).
pub struct Query<T> {
    /// The parsed parameters.
    pub query: T,
    /// Everything sent.
    pub input: Input,
}

impl<T> Query<T> {
    /// What the request's events record.
    pub fn origin(&self) -> Origin {
        self.input.origin()
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        parsed(req, payload, |query, input| Query { query, input })
    }
}

impl<T: IntoParams> Describe for Query<T> {
    fn describe(op: &mut Op) {
        op.add_params(T::into_params(|| Some(ParameterIn::Query)));
    }
}

/// A `multipart/form-data` body (a file upload) read into `T`; files stay in `input`.
pub struct Upload<T> {
    /// The parsed text fields.
    pub body: T,
    /// Everything sent, files included.
    pub input: Input,
}

impl<T: DeserializeOwned + 'static> FromRequest for Upload<T> {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        parsed(req, payload, |body, input| Upload { body, input })
    }
}

impl<T: ToSchema> Describe for Upload<T> {
    fn describe(op: &mut Op) {
        op.set_body(Body::of::<T>(), true, &[MULTIPART]);
    }
}

impl Describe for Auth {
    fn describe(op: &mut Op) {
        op.public = false;
    }
}

impl Describe for Caller {
    fn describe(op: &mut Op) {
        op.public = false;
    }
}

impl Describe for MaybeAuth {}
impl Describe for Input {}
