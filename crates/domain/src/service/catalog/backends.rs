//! [`Backends`]: finding a service, choosing its endpoint, and unbinding a removed app.
use super::*;

impl Backends {
    pub(super) fn client(&self, service: &Service) -> &dyn ServiceClient {
        if service.broker.is_some() {
            self.osb.as_ref()
        } else {
            self.native.as_ref()
        }
    }

    pub(super) async fn find_service(&self, name: &str) -> Result<Service> {
        if let Some((broker, svc)) = split_brokered(name) {
            let b = self
                .brokers
                .find(broker)
                .await?
                .ok_or_else(|| Error::not_found(BROKER_NOT_FOUND))?;
            let catalog = self.osb.catalog(&b).await?;
            let found = catalog
                .into_iter()
                .find(|c| c.name == svc)
                .ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))?;
            return Ok(brokered(&b, &found.name, &found.description));
        }
        self.services.find(name).await?.ok_or_else(|| Error::not_found(SERVICE_NOT_FOUND))
    }

    /// Every brokered service (brokers whose catalog fails are skipped and logged).
    pub(super) async fn brokered_services(&self) -> Result<Vec<Service>> {
        let mut out = Vec::new();
        for b in self.brokers.list().await? {
            match self.osb.catalog(&b).await {
                Ok(catalog) => {
                    out.extend(catalog.iter().map(|c| brokered(&b, &c.name, &c.description)));
                }
                Err(e) => tracing::warn!(broker = %b.name, error = %e, "broker catalog failed"),
            }
        }
        Ok(out)
    }

    /// `pool` with the cluster serving it (tsuru's `FindByPool`: the cluster of the pool's
    /// provisioner that lists it, else that provisioner's default cluster); `None` for no pool.
    ///
    /// # Errors
    /// 404 [`POOL_NOT_FOUND`]; storage failures.
    pub(super) async fn placement(&self, pool: &str) -> Result<Option<Placement>> {
        if pool.is_empty() {
            return Ok(None);
        }
        let pool = self.pools.find(pool).await?.ok_or_else(|| Error::not_found(POOL_NOT_FOUND))?;
        let clusters = self.clusters.list().await?;
        let cluster =
            cluster_for_pool(&clusters, &pool.provisioner, &pool.name).map(|c| ClusterPlacement {
                name: c.name.clone(),
                provisioner: c.provisioner.clone(),
                addresses: c.addresses.clone(),
                kube_config: c
                    .custom_data
                    .get("propagate-kubeconfig")
                    .filter(|v| v.as_str() == "true")
                    .and(c.kube_config.as_ref())
                    .and_then(|k| serde_json::to_string(k).ok()),
            });
        Ok(Some(Placement { pool: pool.name, provisioner: pool.provisioner, cluster }))
    }

    /// `call` for an instance of `service` in `pool` (brokers learn nothing of pools).
    ///
    /// # Errors
    /// As [`Backends::placement`].
    pub(super) async fn call_in(
        &self,
        service: &Service,
        pool: &str,
        mut call: CallInfo,
    ) -> Result<CallInfo> {
        if service.broker.is_none() {
            call.pool = self.placement(pool).await?;
        }
        Ok(call)
    }

    /// Whether `pool` allows `service` (its `service` constraint); when it does not, the
    /// services it allows, registered and brokered.
    ///
    /// # Errors
    /// Storage failures.
    pub(super) async fn pool_refuses(
        &self,
        pool: &str,
        service: &str,
    ) -> Result<Option<Vec<String>>> {
        let constraints = self.pools.constraints().await?;
        let Some(c) = constraint_for(&constraints, pool, "service") else {
            return Ok(None);
        };
        if c.allows(service) {
            return Ok(None);
        }
        let mut names: Vec<String> =
            self.services.list().await?.into_iter().map(|s| s.name).collect();
        names.extend(self.brokered_services().await?.into_iter().map(|s| s.name));
        Ok(Some(names.into_iter().filter(|n| c.allows(n)).collect()))
    }

    /// Unbinds one instance from a removed app: the remote unbind is forced (its failure is
    /// reported on `progress`), then the instance, read again, lets go of the app.
    pub(super) async fn unbind_removed(
        &self,
        mut instance: ServiceInstance,
        target: &BindApp,
        call: &CallInfo,
        progress: &Progress,
    ) -> Result<()> {
        let remote = async {
            let service = self.find_service(&instance.service_name).await?;
            let call = self.call_in(&service, &instance.pool, call.clone()).await?;
            match self
                .client(&service)
                .unbind_app(InstanceCall::new(&service, &mut instance, &call), target)
                .await
            {
                Err(e) if e.is_not_found() => Ok(()),
                other => other,
            }
        }
        .await;
        if let Err(e) = &remote {
            tracing::warn!(error = %e, instance = %instance.name, "[unbind-app-endpoint] ignored error due to force");
            progress.write(&format!("[unbind-app-endpoint] ignored error due to force: {e}\n"));
        }
        // Read again: a bind of another app may have landed since the list.
        let Some(mut fresh) = self.instances.find(&instance.service_name, &instance.name).await?
        else {
            return Ok(());
        };
        fresh.apps.retain(|a| a != &target.name);
        if remote.is_ok() {
            if let Some(data) = fresh.broker_data.as_mut() {
                data.binds.remove(&target.name);
            }
        }
        self.instances.update(&fresh).await
    }
}

#[async_trait]
impl AppBindings for Backends {
    async fn unbind_removed_app(
        &self,
        app: &App,
        hosts: Vec<String>,
        call: &CallInfo,
        progress: &Progress,
    ) -> Result<()> {
        let target =
            BindApp { name: app.name.clone(), hosts, placement: None, parameters: BTreeMap::new() };
        let mut failures = Vec::new();
        for instance in self.instances.list(None).await? {
            if !instance.apps.contains(&app.name) {
                continue;
            }
            let name = instance.name.clone();
            if let Err(e) = self.unbind_removed(instance, &target, call, progress).await {
                failures.push(format!("- {name} ({e})"));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Error::unexpected(format!("{UNBIND_FAILED}\n{}", failures.join("\n"))))
        }
    }
}
