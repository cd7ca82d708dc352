//! A provisioner that simulates a cluster in memory: each app gets units that move through
//! tsuru's unit states on restart, routers answer with `<app>.<domain>`, and platform builds
//! check the Dockerfile and name the image. It is the default for `make run` and the tests;
//! a Kubernetes provisioner plugs into the same port.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use tsuru_domain::app::App;
use tsuru_domain::clock::Clock;
use tsuru_domain::output::Output;
use tsuru_domain::provision::{Provisioner, Unit, UnitStatus};
use tsuru_domain::{Error, Result};

/// Name pools use for this provisioner.
pub const NAME: &str = "simulated";

/// The simulated provisioner.
pub struct SimulatedProvisioner {
    units: RwLock<HashMap<String, Vec<Unit>>>,
    next: AtomicU64,
    clock: Arc<dyn Clock>,
    domain: String,
    units_per_app: usize,
}

impl std::fmt::Debug for SimulatedProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedProvisioner")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl SimulatedProvisioner {
    /// Apps get `units_per_app` `web` units; routers serve them at `<app>.<domain>`.
    pub fn new(clock: Arc<dyn Clock>, domain: impl Into<String>, units_per_app: usize) -> Self {
        SimulatedProvisioner {
            units: RwLock::new(HashMap::new()),
            next: AtomicU64::new(1),
            clock,
            domain: domain.into(),
            units_per_app,
        }
    }

    fn new_unit(&self, app: &App, process: &str) -> Unit {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{process}-{n:05x}", app.name);
        let ip = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
        Unit {
            id: id.clone(),
            name: id,
            app_name: app.name.clone(),
            process_name: process.to_string(),
            unit_type: app.platform.clone(),
            ip: ip.clone(),
            internal_ip: ip.clone(),
            status: UnitStatus::Created,
            status_reason: String::new(),
            address: Some(format!("{ip}:8888")),
            version: 1,
            routable: true,
            restarts: 0,
            created_at: self.clock.now(),
            ready: false,
        }
    }

    fn with_units<T>(&self, f: impl FnOnce(&mut HashMap<String, Vec<Unit>>) -> T) -> T {
        f(&mut self.units.write().unwrap_or_else(PoisonError::into_inner))
    }
}

#[async_trait]
impl Provisioner for SimulatedProvisioner {
    fn name(&self) -> &str {
        NAME
    }

    async fn provision(&self, app: &App, out: &dyn Output) -> Result<()> {
        let mut units: Vec<Unit> = (0..self.units_per_app)
            .map(|_| self.new_unit(app, "web"))
            .collect();
        for u in &mut units {
            u.status = UnitStatus::Started;
            u.ready = true;
            out.write(&format!(" ---> Unit {} started\n", u.id));
        }
        self.with_units(|all| all.insert(app.name.clone(), units));
        Ok(())
    }

    async fn destroy(&self, app: &App, out: &dyn Output) -> Result<()> {
        let removed = self
            .with_units(|all| all.remove(&app.name))
            .unwrap_or_default();
        out.write(&format!(" ---> Removed {} units\n", removed.len()));
        Ok(())
    }

    async fn units(&self, app: &App) -> Result<Vec<Unit>> {
        Ok(self
            .units
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&app.name)
            .cloned()
            .unwrap_or_default())
    }

    async fn restart(
        &self,
        app: &App,
        process: &str,
        version: &str,
        out: &dyn Output,
    ) -> Result<()> {
        if !matches!(version, "" | "0" | "1" | "v1") {
            return Err(Error::bad_request(format!(
                "invalid version {version:?}: the app has version 1 only"
            )));
        }
        let units = self.units(app).await?;
        if !process.is_empty() && !units.iter().any(|u| u.process_name == process) {
            return Err(Error::bad_request(format!("process {process:?} not found")));
        }
        let mut processes: Vec<&str> = units
            .iter()
            .map(|u| u.process_name.as_str())
            .filter(|p| process.is_empty() || *p == process)
            .collect();
        processes.dedup();
        out.write(&format!(
            "---- Updating units [{}] ----\n",
            processes.join(", ")
        ));
        for phase in [
            UnitStatus::Stopped,
            UnitStatus::Starting,
            UnitStatus::Started,
        ] {
            self.with_units(|all| {
                for u in all.get_mut(&app.name).into_iter().flatten() {
                    if process.is_empty() || u.process_name == process {
                        u.status = phase;
                        u.ready = phase == UnitStatus::Started;
                        if phase == UnitStatus::Started {
                            u.restarts += 1;
                        }
                    }
                }
            });
            for u in units
                .iter()
                .filter(|u| process.is_empty() || u.process_name == process)
            {
                out.write(&format!(" ---> Unit {} {}\n", u.id, phase.as_str()));
            }
        }
        out.write(" ---> Done updating units\n");
        Ok(())
    }

    async fn update(&self, old: &App, new: &App, out: &dyn Output) -> Result<()> {
        if old.pool != new.pool {
            out.write(&format!(
                " ---> Moving app {:?} from pool {:?} to {:?}\n",
                new.name, old.pool, new.pool
            ));
        }
        if old.plan != new.plan {
            out.write(&format!(" ---> Applying plan {:?}\n", new.plan.name));
        }
        Ok(())
    }

    async fn router_address(&self, app: &App, _router: &str) -> Result<String> {
        Ok(format!("{}.{}", app.name, self.domain))
    }

    async fn build_platform(
        &self,
        name: &str,
        version: i64,
        dockerfile: &str,
        out: &dyn Output,
    ) -> Result<Vec<String>> {
        let steps: Vec<&str> = dockerfile
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        if !steps
            .first()
            .is_some_and(|l| l.to_ascii_uppercase().starts_with("FROM "))
        {
            return Err(Error::bad_request(
                "invalid Dockerfile: the first instruction must be FROM",
            ));
        }
        for (i, step) in steps.iter().enumerate() {
            out.write(&format!("Step {}/{} : {step}\n", i + 1, steps.len()));
        }
        let image = format!("tsuru/{name}:v{version}");
        out.write(&format!("Successfully tagged {image}\n"));
        Ok(vec![image])
    }
}
