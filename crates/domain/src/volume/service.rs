use std::collections::BTreeMap;
use std::sync::Arc;

use derive_new::new;

use super::{
    plan_not_configured, validate_volume_name, Volume, VolumeBind, VolumeBindId, VolumeInfo,
    VolumePlan, VolumePlans, VolumeStorage, BIND_APP_REQUIRED, BIND_MOUNT_POINT_REQUIRED,
    NO_VOLUME_PLAN_FOR_POOL, VOLUME_ALREADY_EXISTS, VOLUME_ALREADY_PROVISIONED, VOLUME_HAS_BINDS,
    VOLUME_NOT_FOUND, VOLUME_PLAN_NOT_IN_POOL,
};
use crate::app::{App, AppService};
use crate::event::{Allowed, EventService, ExtraTarget, NewEvent, Target};
use crate::output::{Out, Progress};
use crate::permission::{contexts_for, ContextType};
use crate::pool::{constraint_for, PoolStorage, POOL_NOT_FOUND};
use crate::provision::{Provisioner, ProvisionerRegistry};
use crate::team::{TeamStorage, TEAM_NOT_FOUND};
use crate::{Call, Error, Identity, Result};

/// A volume as the client sends it on create and update (the whole record: on update,
/// missing fields wipe the stored ones, as tsuru does).
#[derive(Debug, Clone, Default)]
pub struct NewVolume {
    /// Name.
    pub name: String,
    /// Pool.
    pub pool: String,
    /// Plan name.
    pub plan: String,
    /// Owner team.
    pub team_owner: String,
    /// Provisioner options.
    pub opts: BTreeMap<String, String>,
}

/// Filters of the volume list (all optional; `name` is a substring).
#[derive(Debug, Clone, Default)]
pub struct VolumeFilter {
    /// Part of the name.
    pub name: String,
    /// Pool.
    pub pool: String,
    /// Plan name.
    pub plan: String,
    /// Owner team.
    pub team_owner: String,
}

/// A bind to make.
#[derive(Debug, Clone, Default)]
pub struct BindRequest {
    /// App.
    pub app: String,
    /// Path inside the app's containers.
    pub mount_point: String,
    /// Mount read-only.
    pub read_only: bool,
    /// Do not restart the app.
    pub no_restart: bool,
}

/// A bind to remove.
#[derive(Debug, Clone, Default)]
pub struct UnbindRequest {
    /// App.
    pub app: String,
    /// Path inside the app's containers.
    pub mount_point: String,
    /// Do not restart the app.
    pub no_restart: bool,
}

/// Volume use cases.
#[derive(new)]
pub struct VolumeService {
    volumes: Arc<dyn VolumeStorage>,
    pools: Arc<dyn PoolStorage>,
    teams: Arc<dyn TeamStorage>,
    apps: Arc<AppService>,
    provisioners: Arc<ProvisionerRegistry>,
    /// The volume plans, from the configuration.
    plans: VolumePlans,
    events: Arc<EventService>,
}

fn volume_event(volume: &Volume, kind: &str, call: &Call) -> NewEvent {
    NewEvent::new(
        Target::new("volume", &volume.name),
        kind,
        call,
        Allowed::new("volume.read.events", volume.contexts()),
    )
}

impl VolumeService {
    async fn find(&self, name: &str) -> Result<Volume> {
        self.volumes.find_volume(name).await?.ok_or_else(|| Error::not_found(VOLUME_NOT_FOUND))
    }

    /// The provisioner of `pool` (400 `Pool does not exist.` when there is no such pool).
    async fn provisioner_of_pool(&self, pool: &str) -> Result<Arc<dyn Provisioner>> {
        let pool =
            self.pools.find(pool).await?.ok_or_else(|| Error::bad_request(POOL_NOT_FOUND))?;
        self.provisioners.get(&pool.provisioner)
    }

    /// Checks the plan against the pool's `volume-plan` constraint; returns the pool's
    /// provisioner.
    async fn check_pool_plan(&self, pool: &str, plan: &str) -> Result<Arc<dyn Provisioner>> {
        let provisioner = self.provisioner_of_pool(pool).await?;
        let constraints = self.pools.constraints().await?;
        let constraint = constraint_for(&constraints, pool, "volume-plan");
        let allowed: Vec<String> = self
            .plans
            .names_for(provisioner.name())
            .into_iter()
            .filter(|n| constraint.is_none_or(|c| c.allows(n)))
            .collect();
        if allowed.is_empty() {
            return Err(Error::bad_request(NO_VOLUME_PLAN_FOR_POOL));
        }
        if !allowed.iter().any(|n| n == plan) {
            return Err(Error::bad_request(VOLUME_PLAN_NOT_IN_POOL));
        }
        Ok(provisioner)
    }

    /// The record to store: the input validated, with the plan's options from the
    /// configuration, checked by the pool's provisioner.
    async fn validated(&self, new: NewVolume, provisioner: &dyn Provisioner) -> Result<Volume> {
        validate_volume_name(&new.name)?;
        if self.teams.find(&new.team_owner).await?.is_none() {
            return Err(Error::bad_request(TEAM_NOT_FOUND));
        }
        let plan: VolumePlan = self
            .plans
            .find(&new.plan, provisioner.name())
            .ok_or_else(|| plan_not_configured(&new.plan, provisioner.name()))?;
        let volume = Volume {
            name: new.name,
            pool: new.pool,
            plan,
            team_owner: new.team_owner,
            status: String::new(),
            opts: new.opts,
        };
        provisioner.validate_volume(&volume).await?;
        if provisioner.volume_provisioned(&volume).await? {
            return Err(Error::conflict(VOLUME_ALREADY_PROVISIONED));
        }
        Ok(volume)
    }

    /// Creates a volume (no provisioner object is made before a bound app is rendered).
    ///
    /// # Errors
    /// 403 without `volume.create` on the team and pool; 400 for the pool's plans, the name,
    /// an unknown team or plan, or what the provisioner refuses; 409 name taken or already
    /// provisioned.
    #[tracing::instrument(skip_all, fields(volume = %new.name))]
    pub async fn create(&self, call: &Call, new: NewVolume) -> Result<()> {
        call.require(
            "volume.create",
            &[
                crate::permission::Context::team(&new.team_owner),
                crate::permission::Context::new(ContextType::Pool, &new.pool),
            ],
        )?;
        let provisioner = self.check_pool_plan(&new.pool, &new.plan).await?;
        validate_volume_name(&new.name)?;
        let target = Volume {
            name: new.name.clone(),
            pool: new.pool.clone(),
            team_owner: new.team_owner.clone(),
            ..Volume::default()
        };
        let ev = volume_event(&target, "volume.create", call);
        self.events
            .run(ev, async {
                if self.volumes.find_volume(&new.name).await?.is_some() {
                    return Err(Error::conflict(VOLUME_ALREADY_EXISTS));
                }
                let volume = self.validated(new, provisioner.as_ref()).await?;
                self.volumes.insert_volume(&volume).await
            })
            .await
    }

    /// Replaces a volume with `new` (its name is the path's), refused once provisioned.
    ///
    /// # Errors
    /// 404; 403 without `volume.update`; as [`VolumeService::create`].
    #[tracing::instrument(skip_all, fields(volume = %name))]
    pub async fn update(&self, call: &Call, name: &str, mut new: NewVolume) -> Result<()> {
        let current = self.find(name).await?;
        call.require("volume.update", &current.contexts())?;
        new.name = current.name.clone();
        let ev = volume_event(&current, "volume.update", call);
        self.events
            .run(ev, async {
                let provisioner = self.check_pool_plan(&new.pool, &new.plan).await?;
                let volume = self.validated(new, provisioner.as_ref()).await?;
                self.volumes.update_volume(&volume).await
            })
            .await
    }

    /// One volume with its binds.
    ///
    /// # Errors
    /// 404; 403 without `volume.read` on the volume.
    #[tracing::instrument(skip_all, fields(volume = %name))]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<VolumeInfo> {
        let volume = self.find(name).await?;
        identity.require("volume.read", &volume.contexts())?;
        let binds = self.volumes.binds_of_volume(name).await?;
        Ok(VolumeInfo { volume, binds })
    }

    /// Volumes the caller may read that match `filter`, with their binds.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        identity: &Identity,
        filter: &VolumeFilter,
    ) -> Result<Vec<VolumeInfo>> {
        let contexts = contexts_for(&identity.permissions, "volume.read", &[]);
        if contexts.is_empty() {
            return Ok(Vec::new());
        }
        let global = crate::permission::any_global(&contexts);
        let has = |t: ContextType, v: &str| contexts.iter().any(|c| c.ctype == t && c.value == v);
        let readable = |v: &Volume| {
            global
                || has(ContextType::Volume, &v.name)
                || has(ContextType::Pool, &v.pool)
                || has(ContextType::Team, &v.team_owner)
        };
        let matches = |v: &Volume| {
            (filter.name.is_empty() || v.name.contains(&filter.name))
                && (filter.pool.is_empty() || v.pool == filter.pool)
                && (filter.plan.is_empty() || v.plan.name == filter.plan)
                && (filter.team_owner.is_empty() || v.team_owner == filter.team_owner)
        };
        let volumes: Vec<Volume> = self
            .volumes
            .list_volumes()
            .await?
            .into_iter()
            .filter(|v| readable(v) && matches(v))
            .collect();
        if volumes.is_empty() {
            return Ok(Vec::new());
        }
        let mut binds: BTreeMap<String, Vec<VolumeBind>> = BTreeMap::new();
        for b in self.volumes.all_binds().await? {
            binds.entry(b.id.volume.clone()).or_default().push(b);
        }
        Ok(volumes
            .into_iter()
            .map(|volume| VolumeInfo {
                binds: binds.remove(&volume.name).unwrap_or_default(),
                volume,
            })
            .collect())
    }

    /// Deletes a volume: what the provisioner made for it, then the record.
    ///
    /// # Errors
    /// 404; 403 without `volume.delete`; 409 while binds exist; provisioner failures.
    #[tracing::instrument(skip_all, fields(volume = %name))]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        let volume = self.find(name).await?;
        call.require("volume.delete", &volume.contexts())?;
        let ev = volume_event(&volume, "volume.delete", call);
        self.events
            .run(ev, async {
                if !self.volumes.binds_of_volume(name).await?.is_empty() {
                    return Err(Error::conflict(VOLUME_HAS_BINDS));
                }
                let provisioner = match self.pools.find(&volume.pool).await? {
                    Some(pool) => self.provisioners.get(&pool.provisioner)?,
                    None => self.provisioners.default_provisioner(),
                };
                provisioner.delete_volume(&volume).await?;
                self.volumes.delete_volume(name).await
            })
            .await
    }

    /// The plans per provisioner.
    ///
    /// # Errors
    /// 403 without `volume.create` on any context.
    pub fn plans(&self, identity: &Identity) -> Result<BTreeMap<String, Vec<VolumePlan>>> {
        if contexts_for(&identity.permissions, "volume.create", &[]).is_empty() {
            return Err(Error::forbidden());
        }
        Ok(self.plans.by_provisioner())
    }

    async fn bind_checks(
        &self,
        identity: &Identity,
        name: &str,
        app: &str,
        mount_point: &str,
        action: &str,
    ) -> Result<(Volume, App)> {
        let volume = self.find(name).await?;
        identity.require(&format!("volume.update.{action}"), &volume.contexts())?;
        if app.is_empty() {
            return Err(Error::bad_request(BIND_APP_REQUIRED));
        }
        let app = self.apps.find(app).await?;
        identity.require(&format!("app.update.{action}-volume"), &app.contexts())?;
        if mount_point.is_empty() {
            return Err(Error::bad_request(BIND_MOUNT_POINT_REQUIRED));
        }
        Ok((volume, app))
    }

    fn bind_event(volume: &Volume, app: &App, kind: &str, call: &Call) -> NewEvent {
        let mut ev = volume_event(volume, kind, call);
        ev.extra_targets.push(ExtraTarget { target: Target::new("app", &app.name), lock: true });
        ev
    }

    /// Binds the volume to an app at a mount point, then restarts the app (unless
    /// `no_restart`) so that its units mount it. When the restart fails, the bind is undone.
    ///
    /// # Errors
    /// 404 volume or app; 403; 400 no app or mount point; 409 the mount point is taken;
    /// restart failures.
    #[tracing::instrument(skip_all, fields(volume = %name))]
    pub async fn bind(&self, call: &Call, name: &str, req: BindRequest, out: Out) -> Result<()> {
        let (volume, app) =
            self.bind_checks(call, name, &req.app, &req.mount_point, "bind").await?;
        let ev = Self::bind_event(&volume, &app, "volume.update.bind", call);
        self.events
            .run_logged(ev, out, |progress| async move {
                let bind = VolumeBind {
                    id: VolumeBindId {
                        app: app.name.clone(),
                        mount_point: req.mount_point.clone(),
                        volume: volume.name.clone(),
                    },
                    read_only: req.read_only,
                };
                self.volumes.insert_bind(&bind).await?;
                if let Err(e) = self.restart(&app, req.no_restart, &progress).await {
                    if let Err(undo) = self.volumes.delete_bind(&bind.id).await {
                        tracing::error!(error = %undo, "could not undo the volume bind");
                    }
                    return Err(e);
                }
                Ok(())
            })
            .await
    }

    /// Removes a bind, then restarts the app (unless `no_restart`); what the provisioner made
    /// for the volume stays. When the restart fails, the bind is put back.
    ///
    /// # Errors
    /// 404 volume, app or bind; 403; restart failures.
    #[tracing::instrument(skip_all, fields(volume = %name))]
    pub async fn unbind(
        &self,
        call: &Call,
        name: &str,
        req: UnbindRequest,
        out: Out,
    ) -> Result<()> {
        let (volume, app) =
            self.bind_checks(call, name, &req.app, &req.mount_point, "unbind").await?;
        let ev = Self::bind_event(&volume, &app, "volume.update.unbind", call);
        self.events
            .run_logged(ev, out, |progress| async move {
                let id = VolumeBindId {
                    app: app.name.clone(),
                    mount_point: req.mount_point.clone(),
                    volume: volume.name.clone(),
                };
                let bind = self
                    .volumes
                    .binds_of_volume(&volume.name)
                    .await?
                    .into_iter()
                    .find(|b| b.id == id);
                self.volumes.delete_bind(&id).await?;
                if let Err(e) = self.restart(&app, req.no_restart, &progress).await {
                    if let Some(bind) = bind {
                        if let Err(undo) = self.volumes.insert_bind(&bind).await {
                            tracing::error!(error = %undo, "could not undo the volume unbind");
                        }
                    }
                    return Err(e);
                }
                Ok(())
            })
            .await
    }

    async fn restart(&self, app: &App, no_restart: bool, progress: &Progress) -> Result<()> {
        if no_restart {
            return Ok(());
        }
        self.apps.restart_for_volumes(app, progress).await
    }
}
