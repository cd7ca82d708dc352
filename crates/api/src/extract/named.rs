//! The caller of a request on one named thing (`/pools/{name}`): [`Named`], and with the
//! request's origin, [`OnName`] (for a handler that reads nothing else).
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use tsuru_domain::{Call, Error, Identity};

use super::{Caller, Input};
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

impl Named {
    pub(super) async fn extract(req: HttpRequest, payload: Payload) -> Result<Self, ApiError> {
        let name = web::Path::<String>::extract(&req).await;
        let Caller { id, state } = Caller::extract(req, payload).await?;
        let name =
            name.map_err(|e| ApiError::Domain(Error::bad_request(e.to_string())))?.into_inner();
        Ok(Named { id, state, name })
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

impl OnName {
    pub(super) async fn extract(req: HttpRequest, payload: Payload) -> Result<Self, ApiError> {
        let Named { id, state, name } = Named::extract(req.clone(), Payload::None).await?;
        let call = Call::new(id, Input::extract(req, payload).await?.origin());
        Ok(OnName { call, state, name })
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
