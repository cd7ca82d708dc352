//! A handler's whole request in one extractor: [`Acting`] holds the call (who, and from where
//! with what: the input's origin), the use cases and the parsed input; [`ActingOn`] adds the
//! one named thing of the path (`/pools/{name}`). The caller is checked before the input is
//! read, as with separate extractors.
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use tsuru_domain::{Call, Origin};

use super::{Caller, Named, Parsed};
use crate::error::ApiError;
use crate::openapi::{Describe, Op};
use crate::state::AppState;

/// Parsed input: a [`super::Form`], [`super::OptionalForm`], [`super::Query`] or
/// [`super::Upload`].
pub trait ParsedInput: FromRequest<Error = ApiError> + Describe + 'static {
    /// What it parses into.
    type Value;
    /// The value and the origin the request's events record.
    fn split(self) -> (Self::Value, Origin);
}

impl<T, K> ParsedInput for Parsed<T, K>
where
    Parsed<T, K>: FromRequest<Error = ApiError> + Describe + 'static,
{
    type Value = T;
    fn split(self) -> (T, Origin) {
        let origin = self.origin();
        (self.value, origin)
    }
}

/// A call with its parsed input `P`.
pub struct Acting<P: ParsedInput> {
    /// Who calls, and what the request's events record.
    pub call: Call,
    /// The use cases.
    pub state: web::Data<AppState>,
    /// The parsed input.
    pub body: P::Value,
}

/// A call on the path's one named thing, with its parsed input `P`.
pub struct ActingOn<P: ParsedInput> {
    /// Who calls, and what the request's events record.
    pub call: Call,
    /// The use cases.
    pub state: web::Data<AppState>,
    /// The one path parameter.
    pub name: String,
    /// The parsed input.
    pub body: P::Value,
}

impl<P: ParsedInput> Acting<P> {
    async fn extract(req: HttpRequest, mut payload: Payload) -> Result<Self, ApiError> {
        let Caller { id, state } = Caller::extract(req.clone(), Payload::None).await?;
        let (body, origin) = P::from_request(&req, &mut payload).await?.split();
        Ok(Acting { call: Call::new(id, origin), state, body })
    }
}

impl<P: ParsedInput> ActingOn<P> {
    async fn extract(req: HttpRequest, mut payload: Payload) -> Result<Self, ApiError> {
        let Named { id, state, name } = Named::extract(req.clone(), Payload::None).await?;
        let (body, origin) = P::from_request(&req, &mut payload).await?.split();
        Ok(ActingOn { call: Call::new(id, origin), state, name, body })
    }
}

/// `FromRequest` and `Describe` (the caller's, then the input's) of the two.
macro_rules! acting_extractors {
    ($($ty:ident),+) => {$(
        impl<P: ParsedInput> FromRequest for $ty<P> {
            type Error = ApiError;
            type Future = super::LocalFuture<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                Box::pin(Self::extract(req.clone(), payload.take()))
            }
        }

        impl<P: ParsedInput> Describe for $ty<P> {
            fn describe(op: &mut Op) {
                <Caller as Describe>::describe(op);
                P::describe(op);
            }
        }
    )+};
}

acting_extractors!(Acting, ActingOn);
