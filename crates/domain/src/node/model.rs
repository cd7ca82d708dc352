use std::collections::BTreeMap;

/// tsuru's text when `Metadata.pool` is missing on add.
pub const POOL_REQUIRED: &str = "pool is required";

/// tsuru's text when an update names no node.
pub const ADDRESS_REQUIRED: &str = "address is required";

/// tsuru's text for an unknown node.
pub const NODE_NOT_FOUND: &str = "node not found";

/// tsuru's text when an update both enables and disables.
pub const ENABLE_AND_DISABLE: &str = "A node can't be enabled and disabled simultaneously.";

/// tsuru's text for a node address that is missing.
pub const ADDRESS_URL_REQUIRED: &str = "address=url parameter is required";

/// Prefix of tsuru's texts for a node address that is not a URL.
pub const INVALID_ADDRESS: &str = "Invalid address url";

/// `Status` of a node that takes no new units.
pub const STATUS_DISABLED: &str = "Disabled";

/// `Status` of a node that runs units.
pub const STATUS_READY: &str = "Ready";

/// `Status` of a node that reports no readiness.
pub const STATUS_INVALID: &str = "Invalid";

/// Metadata key of a node's pool.
pub const META_POOL: &str = "pool";

/// Metadata key of the id of the IaaS machine under a node.
pub const META_IAAS_ID: &str = "iaas-id";

/// Metadata key naming the IaaS a node's machine comes from.
pub const META_IAAS: &str = "iaas";

/// Metadata key of the address of a node registered as it is.
pub const META_ADDRESS: &str = "address";

/// Metadata key of an IaaS template to expand.
pub const META_TEMPLATE: &str = "template";

/// tsuru's text for a pool whose provisioner has no nodes.
pub fn no_node_support(provisioner: &str) -> String {
    format!("provisioner \"{provisioner}\" does not support node operations")
}

/// tsuru's text for an address a node of another provisioner already has.
pub fn node_already_exists(address: &str, provisioner: &str) -> String {
    format!("node with address \"{address}\" already exists in provisioner \"{provisioner}\"")
}

/// A node as its provisioner reports it (tsuru `NodeSpec`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// The provisioner's name for it (a Kubernetes `Node` name); addresses need not be unique.
    pub name: String,
    /// Where it is reached.
    pub address: String,
    /// The IaaS machine under it, if any.
    pub iaas_id: String,
    /// Everything the provisioner knows about it, as shown.
    pub metadata: BTreeMap<String, String>,
    /// tsuru's metadata of it without a provisioner prefix (what list filters match).
    pub tsuru_metadata: BTreeMap<String, String>,
    /// `Ready`, `Disabled`, `Invalid` or why it is not ready.
    pub status: String,
    /// Pool it serves.
    pub pool: String,
    /// Provisioner name.
    pub provisioner: String,
}

impl Node {
    /// Whether every `filter` key has that value in the node's tsuru metadata.
    pub fn matches(&self, filter: &BTreeMap<String, String>) -> bool {
        filter.iter().all(|(k, v)| self.tsuru_metadata.get(k) == Some(v))
    }
}

/// A node for a provisioner to take on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewNode {
    /// Node address (an `http(s)` URL).
    pub address: String,
    /// Pool it serves.
    pub pool: String,
    /// IaaS machine under it.
    pub iaas_id: String,
    /// Metadata (without `pool`, `address` and `iaas-id`).
    pub metadata: BTreeMap<String, String>,
}

/// A change to a node, for its provisioner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeUpdate {
    /// New pool (`""`: unchanged).
    pub pool: String,
    /// Metadata to set; an empty value removes the key.
    pub metadata: BTreeMap<String, String>,
    /// Take units again.
    pub enable: bool,
    /// Take no new units.
    pub disable: bool,
}

/// The host of a node address, as tsuru reduces it: no scheme, no port, no path.
pub fn url_to_host(address: &str) -> String {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("").to_string();
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => rest.to_string(),
    }
}

/// Checks a node address as tsuru does: an `http(s)` URL with a host.
///
/// # Errors
/// 400 with tsuru's texts.
pub fn validate_address(address: &str) -> crate::Result<()> {
    use crate::Error;
    if address.is_empty() {
        return Err(Error::bad_request(ADDRESS_URL_REQUIRED));
    }
    let Some((scheme, rest)) = address.split_once("://") else {
        if address.starts_with('/') {
            return Err(Error::bad_request(format!("{INVALID_ADDRESS}: host cannot be empty")));
        }
        return Err(Error::bad_request(format!(
            "{INVALID_ADDRESS}: parse \"{address}\": invalid URI for request"
        )));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(Error::bad_request(format!("{INVALID_ADDRESS}: host cannot be empty")));
    }
    if !scheme.starts_with("http") {
        return Err(Error::bad_request(format!("{INVALID_ADDRESS}: scheme must be http[s]")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_drop_scheme_port_and_path() {
        assert_eq!(url_to_host("http://10.0.0.1:2375"), "10.0.0.1");
        assert_eq!(url_to_host("https://node-1/x"), "node-1");
        assert_eq!(url_to_host("node-1"), "node-1");
        assert_eq!(url_to_host("10.0.0.1:2375"), "10.0.0.1");
        assert_eq!(url_to_host("http://[::1]:2375"), "::1");
    }

    #[test]
    fn addresses_must_be_http_urls_with_a_host() {
        let text = |a: &str| validate_address(a).unwrap_err().to_string();
        assert_eq!(text(""), ADDRESS_URL_REQUIRED);
        assert_eq!(
            text("node-1"),
            "Invalid address url: parse \"node-1\": invalid URI for request"
        );
        assert_eq!(text("http://"), "Invalid address url: host cannot be empty");
        assert_eq!(text("ftp://node-1"), "Invalid address url: scheme must be http[s]");
        assert!(validate_address("https://node-1:2375").is_ok());
    }

    #[test]
    fn filters_match_tsuru_metadata() {
        let n = Node {
            tsuru_metadata: BTreeMap::from([("pool".into(), "p1".into())]),
            ..Node::default()
        };
        assert!(n.matches(&BTreeMap::new()));
        assert!(n.matches(&BTreeMap::from([("pool".into(), "p1".into())])));
        assert!(!n.matches(&BTreeMap::from([("pool".into(), "p2".into())])));
    }
}
