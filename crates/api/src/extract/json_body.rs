//! [`JsonBody`]: a body that must be JSON, as tsuru's JSON-only routes read it (clusters): the
//! `Content-Type` is empty or exactly `application/json`, and the body is one JSON object.
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tsuru_domain::Origin;
use utoipa::ToSchema;

use super::{json_object, mask, read_body};
use super::{Input, LocalFuture};
use crate::error::ApiError;
use crate::openapi::{Body, Describe, Op, JSON};

/// A JSON-only body read into `T` (plain serde names, no form key rules).
pub struct JsonBody<T> {
    /// The parsed value.
    pub value: T,
    /// Everything sent, for the event's origin.
    pub input: Input,
    kind: PhantomData<T>,
}

impl<T> JsonBody<T> {
    /// What the request's events record, with `rules` applied.
    pub fn origin_masked(&self, rules: &[mask::Mask<'_>]) -> Origin {
        self.input.origin_masked(rules)
    }
}

/// `Invalid Content-Type "<ct>"` unless the header is absent, empty or exactly
/// `application/json` (tsuru takes no parameters such as `; charset=`).
fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if ct.is_empty() || ct == "application/json" {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("Invalid Content-Type {ct:?}")))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            check_content_type(&req)?;
            let map = json_object(&read_body(&req, payload).await?)?.unwrap_or_default();
            let value = T::deserialize(Value::Object(map.clone()))
                .map_err(|e| ApiError::bad_request(format!("unable to parse as json: {e}")))?;
            let input = Input { json: Some(map), ..Input::of_request(&req) };
            Ok(JsonBody { value, input, kind: PhantomData })
        })
    }
}

impl<T: ToSchema> Describe for JsonBody<T> {
    fn describe(op: &mut Op) {
        op.set_body(Body::of::<T>(), true, &[JSON]);
    }
}
