use std::collections::BTreeMap;
use std::sync::Arc;

use derive_new::new;

use super::{
    no_node_support, node_already_exists, url_to_host, validate_address, NewNode, Node, NodeUpdate,
    ADDRESS_REQUIRED, ENABLE_AND_DISABLE, META_ADDRESS, META_IAAS, META_IAAS_ID, META_POOL,
    META_TEMPLATE, NODE_NOT_FOUND, POOL_REQUIRED,
};
use crate::event::{Allowed, Event, EventService, NewEvent, Target};
use crate::iaas::{IaasService, Machine};
use crate::output::{Discard, Out};
use crate::permission::{any_global, contexts_for, values_of, Context, ContextType};
use crate::pool::{PoolStorage, POOL_NOT_FOUND};
use crate::provision::{Provisioner, ProvisionerRegistry, Unit};
use crate::{Call, Error, Identity, Result};

/// Node use cases (tsuru's `api/node.go` of 2023): nodes live in their provisioners; this
/// service checks permissions, records events and creates (and, on failure, destroys) the
/// IaaS machines nodes are added on.
#[derive(new)]
pub struct NodeService {
    provisioners: Arc<ProvisionerRegistry>,
    pools: Arc<dyn PoolStorage>,
    iaas: Arc<IaasService>,
    events: Arc<EventService>,
}

/// A node add whose checks passed and whose event is started; [`NodeService::finish_add`]
/// does the rest.
pub struct PendingAdd {
    metadata: BTreeMap<String, String>,
    register: bool,
    pool: String,
    iaas_id: String,
    provisioner: Arc<dyn Provisioner>,
    event: Event,
}

/// What the node list shows.
#[derive(Debug, Default)]
pub struct NodeList {
    /// Nodes of pools the caller may read, and one pseudo-node per failing provisioner.
    pub nodes: Vec<Node>,
    /// Machines of IaaSes the caller may read.
    pub machines: Vec<Machine>,
}

fn pool_ctx(pool: &str) -> [Context; 1] {
    [Context::new(ContextType::Pool, pool)]
}

fn node_event(address: &str, pool: &str, kind: &str, call: &Call) -> NewEvent {
    NewEvent::new(
        Target::new("node", address),
        kind,
        call,
        Allowed::new("pool.read.events", pool_ctx(pool).to_vec()),
    )
}

/// `err` with `prefix` before its text, of the same kind.
fn prefixed(prefix: &str, err: Error) -> Error {
    match err {
        Error::BadRequest(m) => Error::BadRequest(format!("{prefix}{m}")),
        Error::NotFound(m) => Error::NotFound(format!("{prefix}{m}")),
        Error::Conflict(m) => Error::Conflict(format!("{prefix}{m}")),
        Error::Upstream(m) => Error::Upstream(format!("{prefix}{m}")),
        Error::Unavailable(m) => Error::Unavailable(format!("{prefix}{m}")),
        Error::Unexpected(e) => Error::Unexpected(e.context(prefix.trim_end().to_string())),
        other => other,
    }
}

impl NodeService {
    fn node_provisioners(&self) -> Vec<Arc<dyn Provisioner>> {
        self.provisioners
            .names()
            .iter()
            .filter_map(|n| self.provisioners.get(n).ok())
            .filter(|p| p.supports_nodes())
            .collect()
    }

    /// The node named or reached at `address`, in whichever provisioner has it.
    async fn find(&self, address: &str) -> Result<(Node, Arc<dyn Provisioner>)> {
        for p in self.node_provisioners() {
            if let Some(n) = p.find_node(address).await? {
                return Ok((n, p));
            }
        }
        Err(Error::not_found(NODE_NOT_FOUND))
    }

    /// Nodes of every node-capable provisioner whose tsuru metadata matches `filter`, of the
    /// pools the caller may read (`node.read`), and the machines it may read
    /// (`machine.read`). A provisioner that cannot list shows as a pseudo-node
    /// `<name> nodes` with status `ERROR: <err>`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(
        &self,
        identity: &Identity,
        filter: &BTreeMap<String, String>,
    ) -> Result<NodeList> {
        let contexts = contexts_for(&identity.permissions, "node.read", &[]);
        let global = any_global(&contexts);
        let pools = values_of(&contexts, ContextType::Pool);
        let mut nodes = Vec::new();
        for p in self.node_provisioners() {
            match p.list_nodes().await {
                Ok(list) => {
                    nodes.extend(list.into_iter().filter(|n| {
                        n.matches(filter) && (global || pools.contains(&n.pool.as_str()))
                    }))
                }
                Err(e) => nodes.push(Node {
                    address: format!("{} nodes", p.name()),
                    status: format!("ERROR: {e}"),
                    ..Node::default()
                }),
            }
        }
        let machines = self.iaas.list_machines(identity).await?;
        Ok(NodeList { nodes, machines })
    }

    /// Checks a node add and starts its event (tsuru's steps before the 201): expands
    /// `Metadata.template`, takes the pool and the IaaS id out of the metadata.
    ///
    /// # Errors
    /// 400 for an unknown template, `pool is required`, an unknown pool or one whose
    /// provisioner has no nodes; 403 without `node.create` on the pool.
    #[tracing::instrument(skip_all)]
    pub async fn begin_add(
        &self,
        call: &Call,
        metadata: BTreeMap<String, String>,
        register: bool,
    ) -> Result<PendingAdd> {
        let mut metadata = metadata;
        if let Some(name) = metadata.get(META_TEMPLATE).cloned() {
            let template = self.iaas.find_template(&name).await.map_err(|e| {
                if e.is_not_found() {
                    Error::bad_request(e.to_string())
                } else {
                    e
                }
            })?;
            metadata = template.expand(&metadata);
        }
        let pool = metadata
            .get(META_POOL)
            .filter(|p| !p.is_empty())
            .cloned()
            .ok_or_else(|| Error::bad_request(POOL_REQUIRED))?;
        let iaas_id = metadata.remove(META_IAAS_ID).unwrap_or_default();
        call.require("node.create", &pool_ctx(&pool))?;
        let address = if register {
            metadata.get(META_ADDRESS).cloned().unwrap_or_default()
        } else {
            String::new()
        };
        let ev = node_event(&address, &pool, "node.create", call);
        let event = self.events.start_unlocked(ev).await?;
        let provisioner = async {
            let found =
                self.pools.find(&pool).await?.ok_or_else(|| Error::bad_request(POOL_NOT_FOUND))?;
            let p = self.provisioners.get(&found.provisioner)?;
            if !p.supports_nodes() {
                return Err(Error::bad_request(no_node_support(p.name())));
            }
            Ok(p)
        }
        .await;
        let provisioner = match provisioner {
            Ok(p) => p,
            Err(e) => {
                let failed: Result<PendingAdd> = Err(e);
                self.events.done(event, &failed, None).await;
                return failed;
            }
        };
        Ok(PendingAdd { metadata, register, pool, iaas_id, provisioner, event })
    }

    /// Adds the node [`NodeService::begin_add`] checked: registers `Metadata.address`, or
    /// creates a machine through the IaaS and registers that. A machine created here is
    /// destroyed again when the node cannot be added.
    ///
    /// # Errors
    /// The IaaS failure (after its instructions); an address taken by another provisioner
    /// or not an `http(s)` URL (400); the provisioner's failure.
    #[tracing::instrument(skip_all)]
    pub async fn finish_add(&self, pending: PendingAdd, _out: Out) -> Result<()> {
        let PendingAdd { mut metadata, register, pool, mut iaas_id, provisioner, mut event } =
            pending;
        let mut machine = None;
        let outcome = async {
            let address = if register {
                metadata.remove(META_ADDRESS).unwrap_or_default()
            } else {
                let m = self
                    .iaas
                    .create_machine(metadata.clone())
                    .await
                    .map_err(|e| self.with_instructions(&metadata, e))?;
                let address = m.node_address();
                metadata.insert(META_IAAS.into(), m.iaas.clone());
                iaas_id.clone_from(&m.id);
                machine = Some(m);
                address
            };
            event.target.value.clone_from(&address);
            metadata.remove(META_POOL);
            let host = url_to_host(&address);
            for other in self.node_provisioners() {
                if other.name() == provisioner.name() || host.is_empty() {
                    continue;
                }
                if other.find_node(&address).await?.is_some() {
                    return Err(Error::bad_request(node_already_exists(&address, other.name())));
                }
            }
            validate_address(&address)?;
            provisioner
                .add_node(&NewNode {
                    address,
                    pool: pool.clone(),
                    iaas_id: iaas_id.clone(),
                    metadata: metadata.clone(),
                })
                .await
        }
        .await;
        if outcome.is_err() {
            if let Some(m) = &machine {
                if let Err(e) = self.iaas.remove_machine(m, false).await {
                    tracing::warn!(machine = %m.id, error = %e, "could not destroy the machine of a node that was not added");
                }
            }
        }
        self.events.done(event, &outcome, None).await;
        outcome
    }

    fn with_instructions(&self, metadata: &BTreeMap<String, String>, err: Error) -> Error {
        let name = metadata
            .get(META_IAAS)
            .filter(|n| !n.is_empty())
            .cloned()
            .or_else(|| self.iaas.default_iaas().ok());
        match name.and_then(|n| self.iaas.describe(&n)) {
            Some(desc) if !desc.is_empty() => prefixed(&format!("Instructions:\n{desc}: "), err),
            _ => err,
        }
    }

    /// Changes a node: its pool (`Metadata.pool`), metadata (an empty value removes a key),
    /// and whether it takes new units.
    ///
    /// # Errors
    /// 400 for both `enable` and `disable`, or no address; 404 `node not found`; 403 without
    /// `node.update` on the node's pool (and on the new one); the provisioner's failure.
    #[tracing::instrument(skip_all, fields(node = %address))]
    pub async fn update(&self, call: &Call, address: &str, update: NodeUpdate) -> Result<()> {
        let mut update = update;
        if update.enable && update.disable {
            return Err(Error::bad_request(ENABLE_AND_DISABLE));
        }
        if address.is_empty() {
            return Err(Error::bad_request(ADDRESS_REQUIRED));
        }
        let (node, provisioner) = self.find(address).await?;
        call.require("node.update", &pool_ctx(&node.pool))?;
        if let Some(new_pool) = update.metadata.remove(META_POOL) {
            if !new_pool.is_empty() {
                call.require("node.update", &pool_ctx(&new_pool))?;
            }
            update.pool = new_pool;
        }
        let ev = node_event(address, &node.pool, "node.update", call);
        self.events.run(ev, provisioner.update_node(&node, &update)).await
    }

    /// Removes a node, moving its units away first unless `no_rebalance`; with `remove_iaas`
    /// the machine under it is destroyed too.
    ///
    /// # Errors
    /// 404 `node not found`; 403 without `node.delete` on its pool; the provisioner's or the
    /// IaaS failure.
    #[tracing::instrument(skip_all, fields(node = %address))]
    pub async fn remove(
        &self,
        call: &Call,
        address: &str,
        no_rebalance: bool,
        remove_iaas: bool,
    ) -> Result<()> {
        let (node, provisioner) = self.find(address).await?;
        call.require("node.delete", &pool_ctx(&node.pool))?;
        let ev = node_event(address, &node.pool, "node.delete", call);
        self.events
            .run(ev, async {
                provisioner.remove_node(&node, !no_rebalance, &Discard).await?;
                if remove_iaas {
                    if let Some(m) = self.machine_of(&node, address).await? {
                        self.iaas.remove_machine(&m, false).await?;
                    }
                }
                Ok(())
            })
            .await
    }

    /// The machine under a node: by its IaaS id, else by its host.
    async fn machine_of(&self, node: &Node, address: &str) -> Result<Option<Machine>> {
        if !node.iaas_id.is_empty() {
            match self.iaas.find_machine(&node.iaas_id).await {
                Ok(m) => return Ok(Some(m)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        for host in [url_to_host(&node.address), url_to_host(address)] {
            if let Some(m) = self.iaas.find_machine_by_address(&host).await? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// A node and the units on it. Without an IaaS id, the name of the IaaS of a machine at
    /// its address stands in (tsuru's quirk).
    ///
    /// # Errors
    /// 404 `node not found`; 403 without `node.read` on its pool; 404 with the text of a
    /// failure to list its units.
    #[tracing::instrument(skip_all, fields(node = %address))]
    pub async fn info(&self, identity: &Identity, address: &str) -> Result<(Node, Vec<Unit>)> {
        let (mut node, provisioner) = self.find(address).await?;
        identity.require("node.read", &pool_ctx(&node.pool))?;
        if node.iaas_id.is_empty() {
            if let Some(m) = self.iaas.find_machine_by_address(&url_to_host(&node.address)).await? {
                node.iaas_id = m.iaas;
            }
        }
        let units =
            provisioner.node_units(&node).await.map_err(|e| Error::not_found(e.to_string()))?;
        Ok((node, units))
    }

    /// The units on a node.
    ///
    /// # Errors
    /// 404 `node not found`; 403 without `node.read` on its pool; the provisioner's failure.
    #[tracing::instrument(skip_all, fields(node = %address))]
    pub async fn units(&self, identity: &Identity, address: &str) -> Result<Vec<Unit>> {
        let (node, provisioner) = self.find(address).await?;
        identity.require("node.read", &pool_ctx(&node.pool))?;
        provisioner.node_units(&node).await
    }
}
