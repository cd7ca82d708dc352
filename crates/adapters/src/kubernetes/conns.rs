//! Cluster connections (opened once per cluster and cached), the clusters snapshot, the render
//! context and units read from the cluster watch.
use super::*;

impl KubernetesProvisioner {
    /// The volumes bound to `app`, with its binds of each.
    pub(super) async fn bound_volumes(&self, app: &App) -> Result<Vec<volume::BoundVolume>> {
        let Some(store) = &self.volumes else {
            return Ok(Vec::new());
        };
        let mut by_volume: BTreeMap<String, Vec<VolumeBind>> = BTreeMap::new();
        for b in store.binds_of_app(&app.name).await? {
            by_volume.entry(b.id.volume.clone()).or_default().push(b);
        }
        let mut out = Vec::new();
        for (name, binds) in by_volume {
            if let Some(v) = store.find_volume(&name).await? {
                out.push(volume::BoundVolume { volume: v, binds });
            }
        }
        Ok(out)
    }

    /// Every stored cluster, from a snapshot at most [`CLUSTER_SNAPSHOT_TTL`] old.
    pub(super) async fn all_clusters(&self) -> Result<Arc<Vec<Cluster>>> {
        if let Some((at, all)) = &*self.snapshot.read().unwrap_or_else(PoisonError::into_inner) {
            if at.elapsed() < CLUSTER_SNAPSHOT_TTL {
                return Ok(all.clone());
            }
        }
        let all = Arc::new(self.clusters.list().await?);
        *self.snapshot.write().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), all.clone()));
        Ok(all)
    }

    pub(super) fn forget_clusters(&self) {
        *self.snapshot.write().unwrap_or_else(PoisonError::into_inner) = None;
    }

    pub(super) fn cached(&self, name: &str) -> Option<Arc<Conn>> {
        self.conns.read().unwrap_or_else(PoisonError::into_inner).get(name).cloned()
    }

    pub(super) async fn open(&self, cluster: &Cluster) -> Result<Arc<Conn>> {
        let clients = client::connect(cluster, &self.settings.client).await?;
        let watch = ClusterWatch::start(&clients.watches, &objects::cr_namespace(cluster));
        Ok(Arc::new(Conn {
            cluster: cluster.clone(),
            client: clients.calls,
            watch,
            timeout: self.settings.client.api_timeout,
        }))
    }

    /// The connection to `cluster`, opened (and its watches started) unless one to the same
    /// stored cluster exists.
    pub(super) async fn conn(&self, cluster: &Cluster) -> Result<Arc<Conn>> {
        if let Some(c) = self.cached(&cluster.name).filter(|c| c.cluster == *cluster) {
            return Ok(c);
        }
        let _guard = self.connecting.lock().await;
        if let Some(c) = self.cached(&cluster.name).filter(|c| c.cluster == *cluster) {
            return Ok(c);
        }
        let conn = self.open(cluster).await?;
        self.conns
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(cluster.name.clone(), conn.clone());
        Ok(conn)
    }

    pub(super) async fn cluster_of(&self, pool: &str) -> Result<Option<Cluster>> {
        let all = self.all_clusters().await?;
        Ok(cluster_for_pool(&all, NAME, pool).cloned())
    }

    /// Connections to every cluster of this provisioner.
    pub(super) async fn all_conns(&self) -> Result<Vec<Arc<Conn>>> {
        let all = self.all_clusters().await?;
        let mut out = Vec::new();
        for c in all.iter().filter(|c| c.provisioner == NAME) {
            out.push(self.conn(c).await?);
        }
        Ok(out)
    }

    /// The connection to the cluster a node was listed from.
    pub(super) async fn conn_of_node(&self, node: &Node) -> Result<Arc<Conn>> {
        let name = node.metadata.get(nodes::CLUSTER_KEY).cloned().unwrap_or_default();
        let all = self.all_clusters().await?;
        let cluster = all
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| Error::not_found(tsuru_domain::node::NODE_NOT_FOUND))?;
        self.conn(cluster).await
    }

    pub(super) async fn conn_for(&self, app: &App) -> Result<Arc<Conn>> {
        let cluster = self.cluster_of(&app.pool).await?.ok_or_else(no_cluster)?;
        self.conn(&cluster).await
    }

    pub(super) fn ctx<'a>(
        &'a self,
        app: &'a App,
        version: &'a AppVersion,
        process: &'a str,
        conn: &'a Conn,
        namespace: &'a str,
        volumes: &'a [volume::BoundVolume],
    ) -> ProcessContext<'a> {
        ProcessContext {
            app,
            version,
            process,
            cluster: &conn.cluster,
            namespace,
            settings: &self.settings.render,
            volumes,
        }
    }

    /// Units of apps on one cluster, from its cache (or a List while the cache fills).
    pub(super) async fn units_on(
        &self,
        conn: &Conn,
        apps: &[&App],
    ) -> Result<BTreeMap<String, Vec<Unit>>> {
        let default_ns = objects::app_namespace(&conn.cluster);
        let namespaces: BTreeMap<String, String> = apps
            .iter()
            .map(|a| {
                let ns = conn.watch.app_namespace(&a.name).unwrap_or_else(|| default_ns.clone());
                (a.name.clone(), ns)
            })
            .collect();
        if conn.watch.is_ready() || conn.watch.wait_ready(Duration::from_secs(2)).await {
            return Ok(conn.watch.units(&namespaces));
        }
        let mut out = BTreeMap::new();
        for (app, ns) in &namespaces {
            let api: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
            let pods = conn
                .call(
                    api.list(
                        &ListParams::default()
                            .labels(&format!("tsuru.io/is-tsuru=true,{APP_NAME}={app}")),
                    ),
                )
                .await?;
            let units = units::units(pods.items.iter());
            if !units.is_empty() {
                out.insert(app.clone(), units);
            }
        }
        Ok(out)
    }
}
