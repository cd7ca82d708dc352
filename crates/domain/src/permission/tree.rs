//! The permission tree (tsuru `permission/permitems.go`), in depth-first registration order.
use std::collections::HashMap;
use std::sync::LazyLock;

use super::ContextType::{
    self, App, Global, Iaas, Job, Pool, Router, Service, ServiceInstance, Team, User, Volume,
};

const APP: &[ContextType] = &[Global, App, Team, Pool];
const GLOBAL: &[ContextType] = &[Global];
const G_TEAM: &[ContextType] = &[Global, Team];
const G_USER: &[ContextType] = &[Global, User];
const SERVICE: &[ContextType] = &[Global, Service, Team];
const INSTANCE: &[ContextType] = &[Global, ServiceInstance, Team];
const POOL: &[ContextType] = &[Global, Pool];
const VOLUME: &[ContextType] = &[Global, Volume, Team, Pool];
const VOLUME_CREATE: &[ContextType] = &[Global, Team, Pool];
const ROUTER: &[ContextType] = &[Global, Router];
const JOB: &[ContextType] = &[Global, Team, Pool, Job];
const IAAS: &[ContextType] = &[Global, Iaas];

/// Every node of the tree but the root, with its allowed context types, depth-first.
const NODES: &[(&str, &[ContextType])] = &[
    ("app", APP),
    ("app.create", G_TEAM),
    ("app.update", APP),
    ("app.update.description", APP),
    ("app.update.tags", APP),
    ("app.update.log", APP),
    ("app.update.pool", APP),
    ("app.update.unit", APP),
    ("app.update.unit.add", APP),
    ("app.update.unit.remove", APP),
    ("app.update.unit.kill", APP),
    ("app.update.unit.autoscale", APP),
    ("app.update.unit.autoscale.add", APP),
    ("app.update.unit.autoscale.remove", APP),
    ("app.update.env", APP),
    ("app.update.env.set", APP),
    ("app.update.env.unset", APP),
    ("app.update.restart", APP),
    ("app.update.start", APP),
    ("app.update.stop", APP),
    ("app.update.grant", APP),
    ("app.update.revoke", APP),
    ("app.update.teamowner", APP),
    ("app.update.cname", APP),
    ("app.update.cname.add", APP),
    ("app.update.cname.remove", APP),
    ("app.update.plan", APP),
    ("app.update.planoverride", APP),
    ("app.update.platform", APP),
    ("app.update.bind", APP),
    ("app.update.bind-volume", APP),
    ("app.update.image-reset", APP),
    ("app.update.events", APP),
    ("app.update.processes", APP),
    ("app.update.unbind", APP),
    ("app.update.unbind-volume", APP),
    ("app.update.certificate", APP),
    ("app.update.certificate.set", APP),
    ("app.update.certificate.unset", APP),
    ("app.update.deploy", APP),
    ("app.update.deploy.rollback", APP),
    ("app.update.router", APP),
    ("app.update.router.add", APP),
    ("app.update.router.update", APP),
    ("app.update.router.remove", APP),
    ("app.update.routable", APP),
    ("app.update.metadata", APP),
    ("app.deploy", APP),
    ("app.deploy.archive-url", APP),
    ("app.deploy.build", APP),
    ("app.deploy.git", APP),
    ("app.deploy.image", APP),
    ("app.deploy.rollback", APP),
    ("app.deploy.upload", APP),
    ("app.deploy.dockerfile", APP),
    ("app.read", APP),
    ("app.read.deploy", APP),
    ("app.read.router", APP),
    ("app.read.env", APP),
    ("app.read.events", APP),
    ("app.read.log", APP),
    ("app.read.certificate", APP),
    ("app.read.info", APP),
    ("app.delete", APP),
    ("app.run", APP),
    ("app.run.shell", APP),
    ("app.admin", APP),
    ("app.admin.routes", APP),
    ("app.admin.quota", APP),
    ("app.build", APP),
    ("certissuer", APP),
    ("certissuer.set", APP),
    ("certissuer.unset", APP),
    ("team", G_TEAM),
    ("team.create", GLOBAL),
    ("team.read", G_TEAM),
    ("team.read.events", G_TEAM),
    ("team.read.quota", G_TEAM),
    ("team.delete", G_TEAM),
    ("team.update", G_TEAM),
    ("team.update.quota", G_TEAM),
    ("team.token", G_TEAM),
    ("team.token.read", G_TEAM),
    ("team.token.create", G_TEAM),
    ("team.token.delete", G_TEAM),
    ("team.token.update", G_TEAM),
    ("user", G_USER),
    ("user.create", GLOBAL),
    ("user.delete", G_USER),
    ("user.read", G_USER),
    ("user.read.events", G_USER),
    ("user.read.quota", G_USER),
    ("user.update", G_USER),
    ("user.update.quota", G_USER),
    ("user.update.password", G_USER),
    ("user.update.reset", G_USER),
    ("apikey", G_USER),
    ("apikey.read", G_USER),
    ("apikey.update", G_USER),
    ("service", SERVICE),
    ("service.create", G_TEAM),
    ("service.read", SERVICE),
    ("service.read.doc", SERVICE),
    ("service.read.plans", SERVICE),
    ("service.read.events", SERVICE),
    ("service.update", SERVICE),
    ("service.update.proxy", SERVICE),
    ("service.update.revoke-access", SERVICE),
    ("service.update.grant-access", SERVICE),
    ("service.update.doc", SERVICE),
    ("service.delete", SERVICE),
    ("service-broker", GLOBAL),
    ("service-broker.read", GLOBAL),
    ("service-broker.read.events", GLOBAL),
    ("service-broker.create", GLOBAL),
    ("service-broker.delete", GLOBAL),
    ("service-broker.update", GLOBAL),
    ("service-instance", INSTANCE),
    ("service-instance.create", G_TEAM),
    ("service-instance.read", INSTANCE),
    ("service-instance.read.events", INSTANCE),
    ("service-instance.read.status", INSTANCE),
    ("service-instance.delete", INSTANCE),
    ("service-instance.update", INSTANCE),
    ("service-instance.update.proxy", INSTANCE),
    ("service-instance.update.bind", INSTANCE),
    ("service-instance.update.unbind", INSTANCE),
    ("service-instance.update.grant", INSTANCE),
    ("service-instance.update.revoke", INSTANCE),
    ("service-instance.update.description", INSTANCE),
    ("service-instance.update.tags", INSTANCE),
    ("service-instance.update.teamowner", INSTANCE),
    ("service-instance.update.plan", INSTANCE),
    ("service-instance.update.parameters", INSTANCE),
    ("role", GLOBAL),
    ("role.create", GLOBAL),
    ("role.delete", GLOBAL),
    ("role.read", GLOBAL),
    ("role.read.events", GLOBAL),
    ("role.update", GLOBAL),
    ("role.update.name", GLOBAL),
    ("role.update.assign", GLOBAL),
    ("role.update.dissociate", GLOBAL),
    ("role.update.description", GLOBAL),
    ("role.update.context", GLOBAL),
    ("role.update.context.type", GLOBAL),
    ("role.update.permission", GLOBAL),
    ("role.update.permission.add", GLOBAL),
    ("role.update.permission.remove", GLOBAL),
    ("role.default", GLOBAL),
    ("role.default.create", GLOBAL),
    ("role.default.delete", GLOBAL),
    ("platform", GLOBAL),
    ("platform.create", GLOBAL),
    ("platform.delete", GLOBAL),
    ("platform.update", GLOBAL),
    ("platform.update.events", GLOBAL),
    ("platform.read", GLOBAL),
    ("platform.read.events", GLOBAL),
    ("plan", GLOBAL),
    ("plan.create", GLOBAL),
    ("plan.delete", GLOBAL),
    ("plan.read", GLOBAL),
    ("plan.read.events", GLOBAL),
    ("pool", POOL),
    ("pool.create", GLOBAL),
    ("pool.read", POOL),
    ("pool.read.events", POOL),
    ("pool.read.constraints", POOL),
    ("pool.update", POOL),
    ("pool.update.team", POOL),
    ("pool.update.team.add", POOL),
    ("pool.update.team.remove", POOL),
    ("pool.update.constraints", POOL),
    ("pool.update.constraints.set", POOL),
    ("pool.delete", POOL),
    ("node", POOL),
    ("node.create", POOL),
    ("node.read", POOL),
    ("node.update", POOL),
    ("node.update.rebalance", POOL),
    ("node.delete", POOL),
    ("machine", IAAS),
    ("machine.read", IAAS),
    ("machine.read.events", IAAS),
    ("machine.delete", IAAS),
    ("machine.template", IAAS),
    ("machine.template.create", IAAS),
    ("machine.template.read", IAAS),
    ("machine.template.update", IAAS),
    ("machine.template.delete", IAAS),
    ("debug", GLOBAL),
    ("event-block", GLOBAL),
    ("event-block.read", GLOBAL),
    ("event-block.read.events", GLOBAL),
    ("event-block.add", GLOBAL),
    ("event-block.remove", GLOBAL),
    ("cluster", GLOBAL),
    ("cluster.admin", GLOBAL),
    ("cluster.read", GLOBAL),
    ("cluster.read.events", GLOBAL),
    ("cluster.create", GLOBAL),
    ("cluster.update", GLOBAL),
    ("cluster.delete", GLOBAL),
    ("volume", VOLUME),
    ("volume.create", VOLUME_CREATE),
    ("volume.read", VOLUME),
    ("volume.read.events", VOLUME),
    ("volume.update", VOLUME),
    ("volume.update.bind", VOLUME),
    ("volume.update.unbind", VOLUME),
    ("volume.delete", VOLUME),
    ("webhook", G_TEAM),
    ("webhook.read", G_TEAM),
    ("webhook.read.events", G_TEAM),
    ("webhook.create", G_TEAM),
    ("webhook.update", G_TEAM),
    ("webhook.delete", G_TEAM),
    ("router", ROUTER),
    ("router.create", GLOBAL),
    ("router.read", ROUTER),
    ("router.read.events", ROUTER),
    ("router.update", ROUTER),
    ("router.delete", ROUTER),
    ("job", JOB),
    ("job.create", G_TEAM),
    ("job.update", JOB),
    ("job.update.events", JOB),
    ("job.run", JOB),
    ("job.read", JOB),
    ("job.read.events", JOB),
    ("job.read.logs", JOB),
    ("job.delete", JOB),
    ("job.trigger", JOB),
    ("job.unit", JOB),
    ("job.unit.kill", JOB),
    ("job.deploy", JOB),
];

/// One permission of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionNode {
    /// Full dotted name; `""` for the root.
    pub name: &'static str,
    /// Allowed context types, `global` first.
    pub contexts: &'static [ContextType],
}

static ALL: LazyLock<Vec<PermissionNode>> = LazyLock::new(|| {
    std::iter::once(PermissionNode { name: "", contexts: GLOBAL })
        .chain(NODES.iter().map(|(name, contexts)| PermissionNode { name, contexts }))
        .collect()
});

static BY_NAME: LazyLock<HashMap<&'static str, PermissionNode>> =
    LazyLock::new(|| ALL.iter().map(|n| (n.name, *n)).collect());

/// Every permission, root first, in depth-first registration order.
pub fn all() -> &'static [PermissionNode] {
    &ALL
}

/// Looks a permission up by full name; `*` and `""` are the root.
pub fn find(name: &str) -> Option<PermissionNode> {
    let name = if name == "*" { "" } else { name };
    BY_NAME.get(name).copied()
}

/// Whether `ancestor` is `name` itself or one of its ancestors (the root is everyone's).
pub fn is_ancestor_or_self(ancestor: &str, name: &str) -> bool {
    ancestor.is_empty()
        || ancestor == name
        || (name.len() > ancestor.len()
            && name.starts_with(ancestor)
            && name.as_bytes()[ancestor.len()] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_238_nodes_with_unique_names() {
        // main's 223 plus the nine `machine.*` and six `node.*` nodes of tsuru before 2023.
        assert_eq!(all().len(), 238);
        assert_eq!(BY_NAME.len(), 238);
    }

    #[test]
    fn every_parent_is_registered_before_its_children() {
        for (i, node) in all().iter().enumerate().skip(1) {
            let parent = node.name.rsplit_once('.').map_or("", |(p, _)| p);
            let pos = all().iter().position(|n| n.name == parent).unwrap();
            assert!(pos < i, "{} before its parent", node.name);
        }
    }

    #[test]
    fn ancestry_respects_dot_boundaries() {
        assert!(is_ancestor_or_self("", "app.create"));
        assert!(is_ancestor_or_self("app", "app.create"));
        assert!(is_ancestor_or_self("app.create", "app.create"));
        assert!(!is_ancestor_or_self("service", "service-instance.read"));
        assert!(!is_ancestor_or_self("app.create", "app"));
    }

    #[test]
    fn star_finds_the_root() {
        assert_eq!(find("*").unwrap().name, "");
        assert!(find("app.nope").is_none());
    }
}
