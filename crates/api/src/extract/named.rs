//! The caller of a request on one named thing (`/pools/{name}`): [`Named`], and with the
//! request's origin, [`OnName`] (for a handler that reads nothing else).
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use tsuru_domain::{Call, Error, Identity};

use super::{Caller, Input, LocalFuture};
use crate::error::ApiError;
use crate::state::AppState;

/// Who calls, on what.
pub struct Named {
    /// Who calls.
    pub id: Identity,
    /// The use cases.
    pub state: web::Data<AppState>,
    /// The one path parameter.
    pub name: String,
}

impl FromRequest for Named {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        let name = web::Path::<String>::extract(req).into_inner();
        Box::pin(async move {
            let Caller { id, state } = caller.await?;
            let name = name.map_err(|e| ApiError(Error::bad_request(e.to_string())))?.into_inner();
            Ok(Named { id, state, name })
        })
    }
}

/// Who calls, on what, from where.
pub struct OnName {
    /// Who calls, and what the request's events record.
    pub call: Call,
    /// The use cases.
    pub state: web::Data<AppState>,
    /// The one path parameter.
    pub name: String,
}

impl FromRequest for OnName {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let named = Named::from_request(req, payload);
        let input = Input::from_request(req, payload);
        Box::pin(async move {
            let Named { id, state, name } = named.await?;
            let call = Call::new(id, input.await?.origin());
            Ok(OnName { call, state, name })
        })
    }
}

impl crate::operation::Describe for Named {
    fn describe(op: &mut crate::operation::Op) {
        <Caller as crate::operation::Describe>::describe(op);
    }
}

impl crate::operation::Describe for OnName {
    fn describe(op: &mut crate::operation::Op) {
        <Caller as crate::operation::Describe>::describe(op);
    }
}
