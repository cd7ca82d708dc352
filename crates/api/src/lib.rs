//! tsurud: the tsuru API server on actix-web.
//!
//! Thin layer: extractors turn requests into domain input, one handler per endpoint calls one
//! use case, and [`error::ApiError`] turns domain errors into tsuru's plain-text responses.
pub mod config;
pub mod delivery;
pub mod doctor;
pub mod error;
pub mod extract;
pub mod json;
pub mod metrics;
pub mod openapi;
pub mod operation;
pub mod reply;
pub mod routes;
pub mod startup;
pub mod state;
pub mod stream;
pub mod telemetry;
pub mod version;

pub use config::Settings;
pub use startup::Application;
