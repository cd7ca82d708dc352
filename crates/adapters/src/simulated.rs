//! A provisioner that simulates a cluster in memory. As in tsuru, an app has no units until its
//! first deploy; a deploy runs every process of the version (one unit each the first time, the
//! same counts on later deploys), stop and start keep the counts, unit changes scale one process,
//! and restarts move units through tsuru's unit states. Routers answer with `<app>.<domain>`,
//! and platform builds check the Dockerfile and name the image. Images tagged `crash`
//! (`repo/img:crash`) never start, so that deploy failures can be tried. It is the default for
//! `make run` and the tests; a Kubernetes provisioner plugs into the same port.
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use tsuru_domain::app::{App, AppVersion};
use tsuru_domain::clock::Clock;
use tsuru_domain::output::Output;
use tsuru_domain::provision::{
    PlatformBuild, ProcessUnits, Provisioner, Restart, Unit, UnitStatus,
};
use tsuru_domain::{Error, Result};

/// Name pools use for this provisioner.
pub const NAME: &str = "simulated";

/// What runs one process of one version: tsuru's Deployment.
#[derive(Debug, Clone, Copy)]
struct Deployment {
    replicas: i64,
    stopped: bool,
}

/// One app: its deployments by (version, process) and their units.
#[derive(Debug, Default)]
struct Running {
    deployments: BTreeMap<(i64, String), Deployment>,
    units: Vec<Unit>,
}

/// The simulated provisioner.
pub struct SimulatedProvisioner {
    apps: RwLock<HashMap<String, Running>>,
    next: AtomicU64,
    clock: Arc<dyn Clock>,
    domain: String,
}

impl std::fmt::Debug for SimulatedProvisioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedProvisioner").field("domain", &self.domain).finish_non_exhaustive()
    }
}

/// Reads `""`/`"0"` (every version) or `N`/`vN`.
impl SimulatedProvisioner {
    /// Routers serve apps at `<app>.<domain>`.
    pub fn new(clock: Arc<dyn Clock>, domain: impl Into<String>) -> Self {
        SimulatedProvisioner {
            apps: RwLock::new(HashMap::new()),
            next: AtomicU64::new(1),
            clock,
            domain: domain.into(),
        }
    }

    fn new_unit(&self, app: &App, process: &str, version: i64) -> Unit {
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
            version,
            routable: true,
            restarts: 0,
            created_at: self.clock.now(),
            ready: false,
        }
    }

    fn with_app<T>(&self, app: &str, f: impl FnOnce(&mut Running) -> T) -> T {
        let mut all = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        f(all.entry(app.to_string()).or_default())
    }

    /// Applies `change` to the deployments of `process` (every one when empty) of `version`,
    /// makes the units match, and returns the ids of the units of those deployments.
    fn set_deployments(
        &self,
        app: &App,
        process: &str,
        version: i64,
        out: &dyn Output,
        mut change: impl FnMut(&str, &mut Deployment),
    ) -> Vec<String> {
        let chosen = |v: i64, p: &str| v == version && (process.is_empty() || p == process);
        self.with_app(&app.name, |run| {
            for ((v, p), dep) in &mut run.deployments {
                if chosen(*v, p) {
                    change(p, dep);
                }
            }
            self.sync(app, run, out);
            run.units
                .iter()
                .filter(|u| chosen(u.version, &u.process_name))
                .map(|u| u.id.clone())
                .collect()
        })
    }

    /// Makes the units match the deployments: running deployments get exactly `replicas`
    /// started units (new ones are reported to `out`), stopped ones keep theirs stopped, and
    /// units of deployments that are gone are removed.
    fn sync(&self, app: &App, run: &mut Running, out: &dyn Output) {
        let mut units = Vec::new();
        for ((version, process), dep) in &run.deployments {
            let mut mine: Vec<Unit> = run
                .units
                .iter()
                .filter(|u| u.version == *version && u.process_name == *process)
                .cloned()
                .collect();
            if dep.stopped {
                for u in &mut mine {
                    u.status = UnitStatus::Stopped;
                    u.ready = false;
                }
            } else {
                let wanted = usize::try_from(dep.replicas).unwrap_or(0);
                mine.truncate(wanted);
                for u in &mut mine {
                    u.status = UnitStatus::Started;
                    u.ready = true;
                }
                while mine.len() < wanted {
                    let mut u = self.new_unit(app, process, *version);
                    u.status = UnitStatus::Started;
                    u.ready = true;
                    out.write(&format!(" ---> Unit {} started\n", u.id));
                    mine.push(u);
                }
            }
            units.extend(mine);
        }
        run.units = units;
    }
}

#[async_trait]
impl Provisioner for SimulatedProvisioner {
    fn name(&self) -> &str {
        NAME
    }

    /// Any volume: nothing is mounted, the binds only show in the API.
    async fn validate_volume(&self, _volume: &tsuru_domain::volume::Volume) -> Result<()> {
        Ok(())
    }

    async fn provision(&self, app: &App, _out: &dyn Output) -> Result<()> {
        self.with_app(&app.name, |_| ());
        Ok(())
    }

    async fn destroy(&self, app: &App, out: &dyn Output) -> Result<()> {
        let removed = self
            .apps
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&app.name)
            .map(|r| r.units.len())
            .unwrap_or_default();
        out.write(&format!(" ---> Removed {removed} units\n"));
        Ok(())
    }

    async fn units(&self, app: &App) -> Result<Vec<Unit>> {
        Ok(self
            .apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&app.name)
            .map(|r| r.units.clone())
            .unwrap_or_default())
    }

    async fn restart(&self, units: Restart<'_>, out: &dyn Output) -> Result<()> {
        let (app, process, wanted) = (units.app, units.process, units.version);
        self.with_app(&app.name, |run| {
            if run.deployments.is_empty() {
                // Nothing runs yet: restarting the app is a no-op, as in tsuru; a process
                // named is unknown.
                return if process.is_empty() {
                    Ok(())
                } else {
                    Err(Error::bad_request(format!("process {process:?} not found")))
                };
            }
            if let Some(v) = wanted {
                if !run.deployments.keys().any(|(dv, _)| *dv == v) {
                    return Err(Error::bad_request(format!(
                        "Invalid version: {v} is not deployed"
                    )));
                }
            }
            let chosen = |(v, p): &(i64, String)| {
                wanted.is_none_or(|w| w == *v) && (process.is_empty() || p == process)
            };
            let keys: Vec<(i64, String)> =
                run.deployments.keys().filter(|k| chosen(k)).cloned().collect();
            if keys.is_empty() {
                return Err(Error::bad_request(format!("process {process:?} not found")));
            }
            let mut names: Vec<&str> = keys.iter().map(|(_, p)| p.as_str()).collect();
            names.dedup();
            out.write(&format!("---- Updating units [{}] ----\n", names.join(", ")));
            for k in &keys {
                if let Some(dep) = run.deployments.get_mut(k) {
                    dep.stopped = false;
                    dep.replicas = dep.replicas.max(1);
                }
            }
            self.sync(app, run, out);
            for phase in [UnitStatus::Stopped, UnitStatus::Starting, UnitStatus::Started] {
                for u in
                    run.units.iter_mut().filter(|u| chosen(&(u.version, u.process_name.clone())))
                {
                    u.status = phase;
                    u.ready = phase == UnitStatus::Started;
                    if phase == UnitStatus::Started {
                        u.restarts += 1;
                    }
                    out.write(&format!(" ---> Unit {} {}\n", u.id, phase.as_str()));
                }
            }
            out.write(" ---> Done updating units\n");
            Ok(())
        })
    }

    async fn deploy(&self, app: &App, version: &AppVersion, out: &dyn Output) -> Result<()> {
        if version.image.rsplit_once(':').is_some_and(|(_, tag)| tag == "crash") {
            out.write(&format!(" ---> Unit of image {} exited with status 1\n", version.image));
            return Err(Error::bad_request(format!(
                "units of version {} (image {}) did not start: the container exited with status 1",
                version.version, version.image
            )));
        }
        let processes = version.process_names();
        self.with_app(&app.name, |run| {
            let old = run.deployments.keys().map(|(v, _)| *v).max();
            let mut deployments = BTreeMap::new();
            for p in &processes {
                let replicas = old
                    .and_then(|o| run.deployments.get(&(o, p.clone())))
                    .map_or(0, |d| d.replicas)
                    .max(1);
                deployments
                    .insert((version.version, p.clone()), Deployment { replicas, stopped: false });
            }
            out.write(&format!("---- Updating units [{}] ----\n", processes.join(", ")));
            let total: i64 = deployments.values().map(|d| d.replicas).sum();
            run.deployments = deployments;
            self.sync(app, run, out);
            out.write(&format!(
                " ---> {total} of {total} new units created\n ---> Done updating units\n"
            ));
        });
        Ok(())
    }

    async fn deployed_versions(&self, app: &App) -> Result<Vec<i64>> {
        let mut versions: Vec<i64> = self
            .apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&app.name)
            .map(|r| r.deployments.keys().map(|(v, _)| *v).collect())
            .unwrap_or_default();
        versions.dedup();
        Ok(versions)
    }

    async fn start(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let (app, process, version) = (units.app, units.process, units.version);
        self.set_deployments(app, process, version.version, out, |p, dep| {
            let past = version.past_units.get(p).copied().unwrap_or(0);
            dep.replicas = if past > 0 { past } else { dep.replicas.max(1) };
            dep.stopped = false;
        });
        Ok(())
    }

    async fn stop(&self, units: ProcessUnits<'_>, out: &dyn Output) -> Result<()> {
        let (app, process, version) = (units.app, units.process, units.version);
        let stopped = self.set_deployments(app, process, version.version, out, |_, dep| {
            dep.stopped = true;
        });
        for id in stopped {
            out.write(&format!(" ---> Unit {id} stopped\n"));
        }
        Ok(())
    }

    async fn scale(&self, units: ProcessUnits<'_>, delta: i64, out: &dyn Output) -> Result<()> {
        let (app, process, version) = (units.app, units.process, units.version);
        if !version.has_process(process) {
            return Err(Error::bad_request(format!("process {process:?} not found")));
        }
        self.with_app(&app.name, |run| {
            let key = (version.version, process.to_string());
            let dep = run
                .deployments
                .entry(key.clone())
                .or_insert(Deployment { replicas: 0, stopped: false });
            let replicas = dep.replicas + delta;
            if replicas <= 0 {
                dep.replicas = 0;
                dep.stopped = true;
                run.units.retain(|u| !(u.version == key.0 && u.process_name == key.1));
                out.write(&format!(" ---> Process {process:?} stopped: no units left\n"));
            } else {
                dep.replicas = replicas;
                dep.stopped = false;
                self.sync(app, run, out);
                out.write(&format!(" ---> Process {process:?} runs {replicas} units\n"));
            }
        });
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
        build: PlatformBuild<'_>,
        out: &dyn Output,
    ) -> Result<Vec<String>> {
        let PlatformBuild { name, version, dockerfile } = build;
        let steps: Vec<&str> = dockerfile
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        if !steps.first().is_some_and(|l| l.to_ascii_uppercase().starts_with("FROM ")) {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tsuru_domain::output::Discard;
    use tsuru_domain::testing::{app, app_version};

    use super::*;
    use crate::system::SystemClock;

    fn provisioner() -> SimulatedProvisioner {
        SimulatedProvisioner::new(Arc::new(SystemClock), "tsuru.localhost")
    }

    async fn states(p: &SimulatedProvisioner, a: &App) -> Vec<(String, UnitStatus, i64)> {
        let mut out: Vec<_> = p
            .units(a)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.process_name, u.status, u.version))
            .collect();
        out.sort_by(|x, y| (&x.0, x.2).cmp(&(&y.0, y.2)));
        out
    }

    fn running(process: &str, n: usize, version: i64) -> Vec<(String, UnitStatus, i64)> {
        vec![(process.to_string(), UnitStatus::Started, version); n]
    }

    #[tokio::test]
    async fn units_come_with_the_first_deploy_and_redeploys_keep_the_counts() {
        let p = provisioner();
        let a = app("web");
        p.provision(&a, &Discard).await.unwrap();
        assert!(p.units(&a).await.unwrap().is_empty());
        assert!(p.deployed_versions(&a).await.unwrap().is_empty());
        p.restart(Restart::all(&a), &Discard).await.expect("a no-op before deploys");

        let mut v1 = app_version("web", 1);
        v1.processes = BTreeMap::from([
            ("web".to_string(), vec!["./serve".to_string()]),
            ("worker".to_string(), vec!["./work".to_string()]),
        ]);
        p.deploy(&a, &v1, &Discard).await.unwrap();
        let mut want = running("web", 1, 1);
        want.extend(running("worker", 1, 1));
        assert_eq!(states(&p, &a).await, want);
        p.scale(ProcessUnits::new(&a, "web", &v1), 2, &Discard).await.unwrap();

        let v2 = app_version("web", 2);
        p.deploy(&a, &v2, &Discard).await.unwrap();
        assert_eq!(states(&p, &a).await, running("web", 3, 2), "web keeps 3 units, worker is gone");
        assert_eq!(p.deployed_versions(&a).await.unwrap(), [2]);
    }

    #[tokio::test]
    async fn stop_start_and_unit_changes() {
        let p = provisioner();
        let a = app("web");
        let v1 = app_version("web", 1);
        p.deploy(&a, &v1, &Discard).await.unwrap();
        p.scale(ProcessUnits::new(&a, "web", &v1), 1, &Discard).await.unwrap();
        p.stop(ProcessUnits::new(&a, "", &v1), &Discard).await.unwrap();
        assert_eq!(states(&p, &a).await, vec![("web".to_string(), UnitStatus::Stopped, 1); 2]);
        let mut recorded = v1.clone();
        recorded.past_units = BTreeMap::from([("web".to_string(), 4)]);
        p.start(ProcessUnits::new(&a, "", &recorded), &Discard).await.unwrap();
        assert_eq!(states(&p, &a).await, running("web", 4, 1), "past units win");
        p.scale(ProcessUnits::new(&a, "web", &v1), -10, &Discard).await.unwrap();
        assert!(p.units(&a).await.unwrap().is_empty(), "removing all stops");
        p.restart(Restart::all(&a), &Discard).await.unwrap();
        assert_eq!(states(&p, &a).await, running("web", 1, 1), "restart starts one");
        assert!(matches!(
            p.scale(ProcessUnits::new(&a, "cron", &v1), 1, &Discard).await,
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            p.restart(Restart::parse(&a, "", "v7").unwrap(), &Discard).await,
            Err(Error::BadRequest(_))
        ));
    }

    #[tokio::test]
    async fn images_tagged_crash_fail_and_leave_what_ran() {
        let p = provisioner();
        let a = app("web");
        p.deploy(&a, &app_version("web", 1), &Discard).await.unwrap();
        let mut bad = app_version("web", 2);
        bad.image = "registry.example.com/web:crash".into();
        assert!(matches!(p.deploy(&a, &bad, &Discard).await, Err(Error::BadRequest(_))));
        assert_eq!(states(&p, &a).await, running("web", 1, 1));
    }
}
