//! Apps, their environment, quotas and units (tsuru `app/`).
mod model;
mod ports;
mod service;
mod version;

pub use model::*;
pub use ports::{AppBindings, AppFilter, AppStorage, AppVisibility};
pub use service::{
    AppInfo, AppListQuery, AppService, AppUpdate, DeployData, DeployQuery, EnvSet, NewApp,
    NewDeploy, StateChange, UnitChange,
};
pub use version::*;
