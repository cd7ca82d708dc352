//! Routers apps are exposed through (configured, not stored).
use serde::{Deserialize, Serialize};

/// A router an app can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouterDef {
    /// Unique name.
    pub name: String,
    /// Router type.
    #[serde(rename = "type")]
    pub rtype: String,
    /// Whether apps use it when none is chosen.
    #[serde(default)]
    pub default: bool,
}

/// The configured routers.
#[derive(Debug, Clone, Default)]
pub struct Routers(pub Vec<RouterDef>);

impl Routers {
    /// The router named `name`.
    pub fn find(&self, name: &str) -> Option<&RouterDef> {
        self.0.iter().find(|r| r.name == name)
    }

    /// The global default router: the only one, else the one flagged default.
    pub fn default_router(&self) -> Option<&RouterDef> {
        if self.0.len() == 1 {
            return self.0.first();
        }
        self.0.iter().find(|r| r.default)
    }

    /// Every router name.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|r| r.name.clone()).collect()
    }
}
