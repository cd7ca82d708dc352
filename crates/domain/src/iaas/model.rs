use std::collections::BTreeMap;

/// tsuru's text for an unknown machine id.
pub const MACHINE_NOT_FOUND: &str = "machine not found";

/// tsuru's text for a machine id already recorded.
pub const MACHINE_ALREADY_EXISTS: &str = "machine already exists";

/// tsuru's text for an unknown template.
pub const TEMPLATE_NOT_FOUND: &str = "template not found";

/// tsuru's text for a template without a name.
pub const TEMPLATE_NAME_REQUIRED: &str = "template name cannot be empty";

/// tsuru's text when no IaaS is named and none is the default.
pub const NO_DEFAULT_IAAS: &str = "no default iaas configured";

/// Prefix of a provider's failure to destroy a machine (tsuru `Machine.Destroy`).
pub const DESTROY_FAILED: &str = "failed to destroy machine in the IaaS";

/// tsuru's text for a template name already taken.
pub fn template_already_exists(name: &str) -> String {
    format!("template name \"{name}\" already used")
}

/// tsuru's text for an IaaS name that is not configured.
pub fn iaas_not_registered(name: &str) -> String {
    format!("IaaS provider \"{name}\" not registered")
}

/// A machine created through an IaaS (tsuru `iaas.Machine`, collection `iaas_machines`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Machine {
    /// The provider's id (an EC2 instance id).
    pub id: String,
    /// Name of the IaaS that created it.
    pub iaas: String,
    /// The provider's state (`pending`, `running`, ...).
    pub status: String,
    /// Host name or IP address.
    pub address: String,
    /// Port the node listens on.
    pub port: i64,
    /// Scheme of the node address (`http`, `https`).
    pub protocol: String,
    /// Parameters the machine was created with (template data merged with the caller's).
    pub creation_params: BTreeMap<String, String>,
    /// Provider data kept for later calls; never sent to clients.
    pub custom_data: BTreeMap<String, String>,
}

impl Machine {
    /// The node address tsuru builds from it: `<protocol>://<address>:<port>`.
    pub fn node_address(&self) -> String {
        format!("{}://{}:{}", self.protocol, self.address, self.port)
    }
}

/// One key of a template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateData {
    /// Parameter name.
    pub name: String,
    /// Parameter value.
    pub value: String,
}

/// Named creation parameters for one IaaS (tsuru `iaas.Template`, collection `iaas_template`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// Unique name.
    pub name: String,
    /// IaaS the parameters are for.
    pub iaas_name: String,
    /// Parameters, in the order given.
    pub data: Vec<TemplateData>,
}

impl Template {
    /// Merges `data` in (tsuru `Template.Update`): a key with an empty value is removed, any
    /// other replaces the stored value or is appended.
    pub fn merge(&mut self, data: &[TemplateData]) {
        for d in data {
            let at = self.data.iter().position(|x| x.name == d.name);
            match (at, d.value.is_empty()) {
                (Some(i), true) => {
                    self.data.remove(i);
                }
                (Some(i), false) => self.data[i].value = d.value.clone(),
                (None, true) => {}
                (None, false) => self.data.push(d.clone()),
            }
        }
    }

    /// The creation parameters this template gives, with `iaas` set; `params` win.
    pub fn expand(&self, params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> =
            self.data.iter().map(|d| (d.name.clone(), d.value.clone())).collect();
        out.insert("iaas".into(), self.iaas_name.clone());
        for (k, v) in params {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: &str, v: &str) -> TemplateData {
        TemplateData { name: n.into(), value: v.into() }
    }

    #[test]
    fn merge_replaces_appends_and_removes_empty_values() {
        let mut t = Template {
            name: "t".into(),
            iaas_name: "ec2".into(),
            data: vec![d("image", "ami-1"), d("type", "t2.micro"), d("zone", "a")],
        };
        t.merge(&[d("type", "m5.large"), d("zone", ""), d("key", "k"), d("gone", "")]);
        assert_eq!(t.data, vec![d("image", "ami-1"), d("type", "m5.large"), d("key", "k")]);
    }

    #[test]
    fn expand_lets_the_callers_params_win() {
        let t = Template {
            name: "t".into(),
            iaas_name: "ec2".into(),
            data: vec![d("image", "ami-1"), d("type", "t2.micro")],
        };
        let params = BTreeMap::from([("type".to_string(), "m5".to_string())]);
        let out = t.expand(&params);
        assert_eq!(out["image"], "ami-1");
        assert_eq!(out["type"], "m5");
        assert_eq!(out["iaas"], "ec2");
    }

    #[test]
    fn node_address() {
        let m = Machine {
            address: "10.0.0.1".into(),
            protocol: "http".into(),
            port: 2375,
            ..Machine::default()
        };
        assert_eq!(m.node_address(), "http://10.0.0.1:2375");
    }
}

crate::records::named!(Machine, id, MACHINE_ALREADY_EXISTS, MACHINE_NOT_FOUND);

impl crate::records::Named for Template {
    fn key(&self) -> &str {
        &self.name
    }
    fn taken(&self) -> crate::Error {
        crate::Error::conflict(template_already_exists(&self.name))
    }
    fn missing() -> crate::Error {
        crate::Error::not_found(TEMPLATE_NOT_FOUND)
    }
}
