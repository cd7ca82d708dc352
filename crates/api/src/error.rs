//! The one place where domain errors become HTTP responses: tsuru's plain-text bodies.
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use tsuru_domain::Error;

/// Text of a 401 (tsuru's).
pub const INVALID_AUTH: &str = "You must provide a valid Authorization header";

/// An error on its way to the client: a use case's, or one only the transport has.
#[derive(Debug)]
pub enum ApiError {
    /// A use case's error (or one the transport reports the same way, such as a 400).
    Domain(Error),
    /// The request body is larger than the configured limit in bytes (413).
    PayloadTooLarge(usize),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Domain(e) => e.fmt(f),
            ApiError::PayloadTooLarge(limit) => {
                write!(f, "request body too large: the limit is {limit} bytes")
            }
        }
    }
}

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError::Domain(e.into())
    }
}

impl ApiError {
    /// A 400 with `msg`.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::Domain(Error::BadRequest(msg.into()))
    }
}

/// A plain-text response with tsuru's headers.
pub fn text(status: StatusCode, msg: &str) -> HttpResponse {
    let mut body = msg.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        let e = match self {
            ApiError::Domain(e) => e,
            ApiError::PayloadTooLarge(_) => return StatusCode::PAYLOAD_TOO_LARGE,
        };
        match e {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Upstream(_) => StatusCode::BAD_GATEWAY,
            Error::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let e = match self {
            ApiError::Domain(e) => e,
            ApiError::PayloadTooLarge(_) => return text(status, &self.to_string()),
        };
        match e {
            Error::Unexpected(e) => {
                // Log the whole cause chain; the client gets a generic text.
                tracing::error!(error = ?e, "internal error");
                text(status, "internal server error: the failure was logged")
            }
            Error::Unauthorized(msg) => {
                let mut resp = text(status, msg);
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static(r#"Bearer realm="tsuru" scope="tsuru""#),
                );
                resp
            }
            other => text(status, &other.to_string()),
        }
    }
}

/// Handler result.
pub type ApiResult<T = HttpResponse> = Result<T, ApiError>;
