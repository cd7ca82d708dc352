//! What the events of a request record of it, and what they never record. Every masking rule
//! lives here: secret-looking keys everywhere, and the few a route adds ([`Mask`]).
use serde_json::{json, Value};

/// What a masked value reads as.
pub const MASKED: &str = "*****";

/// Keys whose values are secrets wherever they appear (as a part of the key, in any case).
pub const SECRET_KEYS: [&str; 6] = ["password", "old", "new", "confirm", "token", "secret"];

/// Whether a key's value is a secret.
pub fn is_secret_key(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|s| lower.contains(s))
}

/// A rule a route adds to [`SECRET_KEYS`].
pub enum Mask<'a> {
    /// Record the team token id as this: its key contains `token`, but the id is no secret
    /// (the token's value never travels in a request).
    TokenId(&'a str),
    /// Mask webhook header values: they often carry credentials, and event readers are not
    /// necessarily webhook readers.
    Headers,
    /// Mask a cluster's credentials: `clientkey`, the `custom_data` credentials and the
    /// kubeconfig user's key, token and password.
    Cluster,
}

/// Masks the credentials inside a cluster body's `custom_data` or `kubeConfig` value.
fn mask_cluster_field(name: &str, value: &mut Value) {
    let masked = || Value::String(MASKED.into());
    match name {
        "clientkey" if !value.is_null() => *value = masked(),
        "custom_data" => {
            if let Value::Object(m) = value {
                for key in tsuru_domain::cluster::Cluster::SECRET_KEYS {
                    if let Some(v) = m.get_mut(key) {
                        *v = masked();
                    }
                }
            }
        }
        "kubeconfig" => {
            if let Some(Value::Object(user)) = value.get_mut("user") {
                for key in ["client-key-data", "token", "password"] {
                    if let Some(v) = user.get_mut(key) {
                        *v = masked();
                    }
                }
            }
        }
        _ => {}
    }
}

/// Applies `rules` to recorded event data (`[{"name","value"}]`).
pub fn apply(data: &mut Value, rules: &[Mask<'_>]) {
    let Value::Array(items) = data else { return };
    for item in items {
        let name = item["name"].as_str().unwrap_or("").to_ascii_lowercase();
        for rule in rules {
            match rule {
                Mask::TokenId(id) if name.trim_start_matches(':') == "token_id" => {
                    item["value"] = Value::String((*id).to_string());
                }
                Mask::Headers if name == "headers" => {
                    if let Value::Object(m) = &mut item["value"] {
                        for v in m.values_mut() {
                            *v = Value::String(MASKED.into());
                        }
                    }
                }
                Mask::Headers if name.starts_with("headers.") => {
                    item["value"] = Value::String(MASKED.into());
                }
                Mask::Cluster => mask_cluster_field(&name, &mut item["value"]),
                _ => {}
            }
        }
    }
}

/// One variable of an env set, as recorded.
pub struct EnvRecord<'a> {
    /// Name.
    pub name: &'a str,
    /// Value (masked when private).
    pub value: &'a str,
    /// Alias.
    pub alias: &'a str,
    /// Whether the value is private.
    pub private: bool,
}

/// What an env set records (tsuru's field names): private values masked.
pub fn env_set(
    app: &str,
    envs: &[EnvRecord<'_>],
    managed_by: &str,
    no_restart: bool,
    private: bool,
) -> Value {
    let mut data = vec![json!({"name": ":app", "value": app})];
    for (i, e) in envs.iter().enumerate() {
        data.push(json!({"name": format!("Envs.{i}.Name"), "value": e.name}));
        data.push(json!({"name": format!("Envs.{i}.Alias"), "value": e.alias}));
        let shown = if e.private { MASKED } else { e.value };
        data.push(json!({"name": format!("Envs.{i}.Value"), "value": shown}));
    }
    data.push(json!({"name": "ManagedBy", "value": managed_by}));
    data.push(json!({"name": "NoRestart", "value": no_restart.to_string()}));
    data.push(json!({"name": "Private", "value": private.to_string()}));
    Value::Array(data)
}
