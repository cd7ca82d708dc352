//! Wire types of `/auth` and the session routes under `/users`.
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::text_if_sent;

/// `email` and `password`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    #[serde(default, deserialize_with = "text_if_sent")]
    #[schema(value_type = String, pattern = r"^[^@\s]+@([-a-z0-9]+\.)+[a-z]{2,}$")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text_if_sent")]
    #[schema(value_type = String, min_length = 6, max_length = 50)]
    pub password: Option<String>,
}

/// `old`, `new`, `confirm`.
#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[serde(default)]
    #[schema(min_length = 1)]
    pub old: String,
    #[serde(default)]
    #[schema(min_length = 6, max_length = 50)]
    pub new: String,
    #[serde(default)]
    #[schema(min_length = 6, max_length = 50)]
    pub confirm: String,
}

/// `token`: the reset token a mail carried (absent: send the mail).
#[derive(Deserialize, IntoParams)]
pub struct ResetQuery {
    #[serde(default, deserialize_with = "text_if_sent")]
    #[param(value_type = Option<String>)]
    pub token: Option<String>,
}

/// `{"token"}`: a new session.
#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    pub token: String,
}

/// Scheme settings; empty for the native scheme.
#[derive(Serialize, ToSchema)]
pub struct SchemeDataResponse {}

/// An auth scheme: `{"name"[,"default":true],"data":{}}`.
#[derive(Serialize, ToSchema)]
pub struct SchemeResponse {
    pub name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    pub data: SchemeDataResponse,
}
