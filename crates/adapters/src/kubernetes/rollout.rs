//! Rolling out, rolling back, re-rendering, stopping and removing an app's processes.
use super::*;

impl KubernetesProvisioner {
    /// Writes every process of `version` with the states given, waits for the rollout and
    /// puts back what ran before when it fails.
    pub(super) async fn apply(
        &self,
        conn: &Conn,
        app: &App,
        r: Rollout<'_>,
        out: &dyn Output,
    ) -> Result<()> {
        let Rollout { version, namespace, states, before, keep_commands } = r;
        // Render everything first: a bad input fails before any write.
        let bound = self.bound_volumes(app).await?;
        let mut rendered = Vec::new();
        for (process, state) in states {
            let ctx = self.ctx(app, version, process, conn, namespace, &bound);
            let mut objs = objects::render(&ctx, state)?;
            if keep_commands {
                if let Some(r) = before.get(process) {
                    let cmd = command_of(&r.deployment);
                    if let Some(c) = objs
                        .deployment
                        .spec
                        .template
                        .spec
                        .as_mut()
                        .and_then(|s| s.containers.first_mut())
                    {
                        c.command = cmd;
                    }
                }
            }
            rendered.push((process.clone(), objs));
        }
        conn.ensure_namespace(namespace).await?;
        conn.ensure_service_account(&app.name, namespace).await?;
        for b in &bound {
            volume::ensure_objects(conn, &b.volume, namespace).await?;
        }
        let names: Vec<String> =
            rendered.iter().map(|(p, _)| objects::deployment_name(&app.name, p)).collect();
        out.write(&format!(
            "\n---- Updating units [{}] ----\n",
            states.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
        let mut written = Vec::new();
        let mut result = Ok(());
        for (process, objs) in &rendered {
            written.push(process.clone());
            let step = async {
                conn.upsert(&objs.secret, |_, _| {}).await?;
                let dep = conn.upsert(&objs.deployment, |_, _| {}).await?;
                conn.own_secret(&dep, &objs.secret.name_any()).await?;
                for svc in objs.service.iter().chain(objs.headless.iter()) {
                    conn.upsert_service(svc).await?;
                }
                if let Some(pdb) = &objs.pdb {
                    conn.upsert(pdb, |_, _| {}).await?;
                }
                Ok::<(), Error>(())
            };
            if let Err(e) = step.await {
                result = Err(e);
                break;
            }
        }
        if result.is_ok() {
            result = conn.wait_rollout(namespace, &names, self.settings.rollout_timeout, out).await;
        }
        if let Err(e) = result {
            out.write(&format!("\n**** UNITS FAILED TO START: {e} ****\n ---> Rolling back\n"));
            self.roll_back(conn, app, namespace, &written, before).await;
            return Err(e);
        }
        let want: BTreeMap<String, (i64, usize)> = states
            .iter()
            .map(|(p, s)| (p.clone(), (version.version, usize::try_from(s.replicas).unwrap_or(0))))
            .collect();
        conn.wait_cache(&app.name, namespace, &want, Duration::from_secs(5)).await;
        out.write(" ---> Done updating units\n");
        Ok(())
    }

    /// Puts back the Deployments that ran before and removes the processes that did not.
    pub(super) async fn roll_back(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        written: &[String],
        before: &BTreeMap<String, Running>,
    ) {
        for process in written {
            let res = match before.get(process) {
                Some(old) => {
                    let mut d = old.deployment.clone();
                    d.metadata.managed_fields = None;
                    conn.upsert(&d, |_, _| {}).await.map(|_| ())
                }
                None => conn.remove_process(&app.name, process, namespace).await,
            };
            if let Err(e) = res {
                tracing::warn!(app = %app.name, process, error = %e, "roll back");
            }
        }
    }

    /// Re-renders the `selected` processes with the states `state` gives them and syncs the
    /// app's resource (tsuru's restart and start); nothing selected is nothing to do.
    pub(super) async fn restate(
        &self,
        app: &App,
        (conn, namespace, selected): &(Arc<Conn>, String, BTreeMap<String, Running>),
        state: impl Fn(&Running) -> ProcessState,
        out: &dyn Output,
    ) -> Result<()> {
        if selected.is_empty() {
            return Ok(());
        }
        self.rerender(conn, app, namespace, selected, state, out).await?;
        conn.sync_app_resource(&app.name, namespace).await
    }

    /// The connection, the namespace and the base Deployments of `app` a restart, start or
    /// stop acts on: every process, or only `process` when named (which must then run).
    pub(super) async fn select(
        &self,
        app: &App,
        process: &str,
    ) -> Result<(Arc<Conn>, String, BTreeMap<String, Running>)> {
        let conn = self.conn_for(app).await?;
        let ns = conn.app_namespace(&app.name).await?;
        let mut running = conn.running(&app.name, &ns).await?;
        if !process.is_empty() {
            running.retain(|p, _| p == process);
            if running.is_empty() {
                return Err(process_not_found(process));
            }
        }
        Ok((conn, ns, running))
    }

    /// Re-renders running processes from the app as it is now (env, plan, pool, labels) with
    /// new states: tsuru's restart, start and stop.
    pub(super) async fn rerender(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        selected: &BTreeMap<String, Running>,
        state: impl Fn(&Running) -> ProcessState,
        out: &dyn Output,
    ) -> Result<()> {
        // Each process keeps its own image, ports and command.
        for (p, r) in selected {
            let rollout = Rollout {
                version: &version_of(r, &app.name),
                namespace,
                states: &BTreeMap::from([(p.clone(), state(r))]),
                before: selected,
                keep_commands: true,
            };
            self.apply(conn, app, rollout, out).await?;
        }
        Ok(())
    }

    pub(super) async fn stop_processes(
        &self,
        conn: &Conn,
        app: &App,
        namespace: &str,
        selected: &BTreeMap<String, Running>,
        out: &dyn Output,
    ) -> Result<()> {
        for r in selected.values() {
            let name = r.deployment.name_any();
            let mut d = r.deployment.clone();
            d.labels_mut().insert(IS_STOPPED.into(), "true".into());
            d.spec.replicas = Some(0);
            d.metadata.managed_fields = None;
            conn.upsert(&d, |_, _| {}).await?;
            for svc in [name.clone(), objects::headless_name(&app.name, &r.process)] {
                let api: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
                if let Some(mut s) = conn.call(api.get_opt(&svc)).await? {
                    s.labels_mut().insert(IS_STOPPED.into(), "true".into());
                    s.metadata.managed_fields = None;
                    conn.upsert_service(&s).await?;
                }
            }
        }
        let names: Vec<String> = selected.values().map(|r| r.deployment.name_any()).collect();
        conn.wait_rollout(namespace, &names, self.settings.rollout_timeout, out).await?;
        let want = selected.keys().map(|p| (p.clone(), (0, 0))).collect::<BTreeMap<_, _>>();
        conn.wait_cache(&app.name, namespace, &want, Duration::from_secs(5)).await;
        Ok(())
    }

    /// Deletes everything of the app in `namespace` (tsuru's `removeResources`), reporting
    /// failures and going on; the first failure is returned.
    pub(super) async fn remove_all(
        &self,
        conn: &Conn,
        app: &str,
        namespace: &str,
        out: &dyn Output,
    ) -> Result<()> {
        let sel = objects::app_selector(app);
        let mut first: Option<Error> = None;
        let mut note = |r: Result<()>| {
            if let Err(e) = r {
                out.write(&format!("**** {e} ****\n"));
                first.get_or_insert(e);
            }
        };
        let deps: Api<Deployment> = Api::namespaced(conn.client.clone(), namespace);
        match conn.call(deps.list(&ListParams::default().labels(&sel))).await {
            Ok(list) => {
                for d in list.items {
                    note(conn.delete::<Deployment>(namespace, &d.name_any()).await);
                    note(
                        conn.delete::<Secret>(namespace, &objects::secret_name(&d.name_any()))
                            .await,
                    );
                }
            }
            Err(e) => note(Err(e)),
        }
        note(conn.delete_matching::<ReplicaSet>(namespace, &sel).await);
        note(conn.delete_matching::<Pod>(namespace, &sel).await);
        let svcs: Api<Service> = Api::namespaced(conn.client.clone(), namespace);
        let svc_sel = format!("{sel},!tsuru.io/router-lb,!tsuru.io/external-controller");
        match conn.call(svcs.list(&ListParams::default().labels(&svc_sel))).await {
            Ok(list) => {
                for s in list.items {
                    note(conn.delete::<Service>(namespace, &s.name_any()).await);
                }
            }
            Err(e) => note(Err(e)),
        }
        note(conn.delete_matching::<PodDisruptionBudget>(namespace, &sel).await);
        note(conn.delete::<ServiceAccount>(namespace, &objects::service_account_name(app)).await);
        first.map_or(Ok(()), Err)
    }
}
