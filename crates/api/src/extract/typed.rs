//! Extractors that parse the input into a wire type and document it: [`Form`] (the body,
//! form or JSON), [`Query`] (query parameters) and [`Upload`] (a multipart body). All three are
//! a [`Parsed`] value with the raw input kept for the event's origin.
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use tsuru_domain::Origin;
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

use super::{Auth, Caller, Input, LocalFuture, MaybeAuth};
use crate::error::ApiError;
use crate::openapi::{Body, Describe, Op, FORM, JSON, MULTIPART};

/// The request's input read into `T`, documented as `K` says.
pub struct Parsed<T, K> {
    /// The parsed value.
    pub value: T,
    /// Everything sent.
    pub input: Input,
    kind: PhantomData<K>,
}

/// A body, form or JSON; `REQUIRED = false` documents it as optional.
pub struct BodyKind<const REQUIRED: bool>;
/// Query parameters (tsuru also reads them from a form body).
pub struct QueryKind;
/// A `multipart/form-data` body (a file upload); files stay in `input`.
pub struct UploadKind;

/// A body (form or JSON, tsuru's key rules) read into `T`.
pub type Form<T> = Parsed<T, BodyKind<true>>;
/// A body every field of which may be left out.
pub type OptionalForm<T> = Parsed<T, BodyKind<false>>;
/// Query parameters read into `T`.
pub type Query<T> = Parsed<T, QueryKind>;
/// A multipart body's text fields read into `T`.
pub type Upload<T> = Parsed<T, UploadKind>;

impl<T, K> Parsed<T, K> {
    /// What the request's events record.
    pub fn origin(&self) -> Origin {
        self.input.origin()
    }
}

impl<T: DeserializeOwned + 'static, K: 'static> FromRequest for Parsed<T, K> {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let input = Input::from_request(req, payload);
        Box::pin(async move {
            let input = input.await?;
            let value = input.parse::<T>()?;
            Ok(Parsed { value, input, kind: PhantomData })
        })
    }
}

impl<T: ToSchema, const R: bool> Describe for Parsed<T, BodyKind<R>> {
    fn describe(op: &mut Op) {
        op.set_body(Body::of::<T>(), R, &[FORM, JSON]);
    }
}

impl<T: IntoParams> Describe for Parsed<T, QueryKind> {
    fn describe(op: &mut Op) {
        op.add_params(T::into_params(|| Some(ParameterIn::Query)));
    }
}

impl<T: ToSchema> Describe for Parsed<T, UploadKind> {
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
