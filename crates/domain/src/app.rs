//! Apps, their environment, quotas and units (tsuru `app/`).
mod model;
mod ports;
mod service;
mod version;

pub use model::*;
pub use ports::{AppFilter, AppStorage, AppVisibility};
pub use service::{AppInfo, AppListQuery, AppService, AppUpdate, EnvSet, NewApp};
pub use version::{AppVersion, AppVersionStorage};
