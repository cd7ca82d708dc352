//! Amazon EC2 (or any server speaking its Query API, such as `moto_server`): `RunInstances`,
//! `DescribeInstances` and `TerminateInstances`, signed with SigV4.
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use tsuru_domain::iaas::{Iaas, Machine};
use tsuru_domain::{Error, Result};

/// The EC2 API version the requests speak.
const API_VERSION: &str = "2016-11-15";

/// How to reach EC2.
#[derive(Clone)]
pub struct Ec2Settings {
    /// Name of this IaaS in tsuru (`ec2`), used in error texts.
    pub name: String,
    /// Base URL (`https://ec2.<region>.amazonaws.com` when empty).
    pub endpoint: String,
    /// Region requests are signed for.
    pub region: String,
    /// Access key id.
    pub key_id: String,
    /// Secret access key.
    pub secret_key: String,
    /// Longest one API call may take.
    pub timeout: Duration,
    /// Longest a new machine may take to be `running` with an address.
    pub wait_timeout: Duration,
    /// Pause between two looks at a booting machine.
    pub poll_interval: Duration,
}

impl std::fmt::Debug for Ec2Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2Settings")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("key_id", &"[redacted]")
            .field("secret_key", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The EC2 IaaS.
#[derive(Debug, Clone)]
pub struct Ec2Iaas {
    settings: Ec2Settings,
    endpoint: String,
    http: reqwest::Client,
}

/// One instance as an answer describes it.
#[derive(Debug, Default)]
struct Instance {
    id: String,
    state: String,
    dns_name: String,
    private_dns_name: String,
    ip: String,
    private_ip: String,
    zone: String,
}

impl Instance {
    fn address(&self, private: bool) -> String {
        let order: [&str; 4] = if private {
            [&self.private_dns_name, &self.private_ip, &self.dns_name, &self.ip]
        } else {
            [&self.dns_name, &self.ip, &self.private_dns_name, &self.private_ip]
        };
        order.into_iter().find(|a| !a.is_empty()).unwrap_or_default().to_string()
    }

    fn into_machine(self, private: bool) -> Machine {
        let address = self.address(private);
        let mut custom_data = BTreeMap::new();
        if !self.zone.is_empty() {
            custom_data.insert("availability-zone".to_string(), self.zone);
        }
        Machine { id: self.id, status: self.state, address, custom_data, ..Machine::default() }
    }
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
    node.children()
        .find(|c| c.has_tag_name(name))
        .and_then(|c| c.text())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Every `<item>` with an `<instanceId>` child, wherever it sits in the answer.
fn instances(xml: &str) -> std::result::Result<Vec<Instance>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("unreadable answer: {e}"))?;
    Ok(doc
        .descendants()
        .filter(|n| n.has_tag_name("item") && n.children().any(|c| c.has_tag_name("instanceId")))
        .map(|n| {
            let state = n
                .children()
                .find(|c| c.has_tag_name("instanceState") || c.has_tag_name("currentState"))
                .map(|s| child_text(s, "name"))
                .unwrap_or_default();
            let zone = n
                .children()
                .find(|c| c.has_tag_name("placement"))
                .map(|p| child_text(p, "availabilityZone"))
                .unwrap_or_default();
            Instance {
                id: child_text(n, "instanceId"),
                state,
                dns_name: child_text(n, "dnsName"),
                private_dns_name: child_text(n, "privateDnsName"),
                ip: child_text(n, "ipAddress"),
                private_ip: child_text(n, "privateIpAddress"),
                zone,
            }
        })
        .collect())
}

/// `(code, message)` of an `<Errors><Error>` answer.
fn api_error(xml: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let e = doc.descendants().find(|n| n.has_tag_name("Error"))?;
    Some((child_text(e, "Code"), child_text(e, "Message")))
}

/// EC2 parameter names for tsuru's creation parameters.
const PARAMS: [(&str, &str); 6] = [
    ("image", "ImageId"),
    ("type", "InstanceType"),
    ("keyName", "KeyName"),
    ("securityGroup", "SecurityGroupId.1"),
    ("subnetId", "SubnetId"),
    ("userData", "UserData"),
];

/// A failed call.
enum CallError {
    /// The API answered with an error code.
    Api { code: String, message: String },
    /// Anything else (unreachable, timeout, unreadable answer).
    Other(String),
}

impl Ec2Iaas {
    /// A client for `settings`.
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn new(settings: Ec2Settings) -> anyhow::Result<Self> {
        let endpoint = if settings.endpoint.is_empty() {
            format!("https://ec2.{}.amazonaws.com/", settings.region)
        } else if settings.endpoint.ends_with('/') {
            settings.endpoint.clone()
        } else {
            format!("{}/", settings.endpoint)
        };
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()?;
        Ok(Ec2Iaas { settings, endpoint, http })
    }

    fn fail(&self, msg: impl std::fmt::Display) -> Error {
        Error::upstream(format!("{}: {msg}", self.settings.name))
    }

    fn call_error(&self, e: CallError) -> Error {
        match e {
            CallError::Api { code, message } => self.fail(format!("{code}: {message}")),
            CallError::Other(m) => self.fail(m),
        }
    }

    fn signed_headers(&self, body: &str) -> std::result::Result<Vec<(String, String)>, String> {
        let identity: Identity = Credentials::new(
            self.settings.key_id.clone(),
            self.settings.secret_key.clone(),
            None,
            None,
            "tsurud-config",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.settings.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let content_type = ("content-type", "application/x-www-form-urlencoded; charset=utf-8");
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            std::iter::once(content_type),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        let mut headers: Vec<(String, String)> =
            instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        headers.push((content_type.0.into(), content_type.1.into()));
        Ok(headers)
    }

    /// Sends one action and returns the answer's XML.
    async fn call(
        &self,
        action: &str,
        params: &[(String, String)],
    ) -> std::result::Result<String, CallError> {
        let mut form: Vec<(&str, &str)> = vec![("Action", action), ("Version", API_VERSION)];
        form.extend(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let headers = self.signed_headers(&body).map_err(CallError::Other)?;
        let mut req = self.http.post(&self.endpoint).body(body);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| {
            CallError::Other(if e.is_timeout() {
                format!(
                    "{action}: no answer from {} within {:?}",
                    self.endpoint, self.settings.timeout
                )
            } else {
                format!("{action}: cannot reach {}: {e}", self.endpoint)
            })
        })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| CallError::Other(format!("{action}: cannot read the answer: {e}")))?;
        if status.is_success() {
            return Ok(text);
        }
        match api_error(&text) {
            Some((code, message)) => Err(CallError::Api { code, message }),
            None => Err(CallError::Other(format!("{action}: HTTP {status} without an EC2 error"))),
        }
    }

    async fn describe_instance(
        &self,
        id: &str,
    ) -> std::result::Result<Option<Instance>, CallError> {
        let params = [("InstanceId.1".to_string(), id.to_string())];
        match self.call("DescribeInstances", &params).await {
            Ok(xml) => {
                Ok(instances(&xml).map_err(CallError::Other)?.into_iter().find(|i| i.id == id))
            }
            Err(CallError::Api { code, .. }) if code == "InvalidInstanceID.NotFound" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits until the instance runs and has an address.
    async fn wait_running(&self, first: Instance, private: bool) -> Result<Instance> {
        let deadline = Instant::now() + self.settings.wait_timeout;
        let mut current = first;
        loop {
            if current.state == "running" && !current.address(private).is_empty() {
                return Ok(current);
            }
            if matches!(current.state.as_str(), "terminated" | "shutting-down") {
                return Err(self.fail(format!(
                    "machine {} is {} instead of running",
                    current.id, current.state
                )));
            }
            if Instant::now() >= deadline {
                return Err(self.fail(format!(
                    "machine {} is still {} after {:?}",
                    current.id, current.state, self.settings.wait_timeout
                )));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
            if let Some(i) =
                self.describe_instance(&current.id).await.map_err(|e| self.call_error(e))?
            {
                current = i;
            }
        }
    }
}

#[async_trait]
impl Iaas for Ec2Iaas {
    async fn create_machine(&self, params: &BTreeMap<String, String>) -> Result<Machine> {
        for required in ["image", "type"] {
            if params.get(required).is_none_or(String::is_empty) {
                return Err(Error::bad_request(format!("{required} param required")));
            }
        }
        let mut query: Vec<(String, String)> =
            vec![("MinCount".into(), "1".into()), ("MaxCount".into(), "1".into())];
        for (ours, theirs) in PARAMS {
            if let Some(v) = params.get(ours).filter(|v| !v.is_empty()) {
                query.push((theirs.into(), v.clone()));
            }
        }
        let private = params.get("private-address").is_some_and(|v| v == "true");
        let xml = self.call("RunInstances", &query).await.map_err(|e| self.call_error(e))?;
        let first = instances(&xml)
            .map_err(|e| self.fail(e))?
            .into_iter()
            .next()
            .ok_or_else(|| self.fail("RunInstances answered without an instance"))?;
        let id = first.id.clone();
        match self.wait_running(first, private).await {
            Ok(running) => Ok(running.into_machine(private)),
            Err(e) => {
                // Do not leave a machine nobody records.
                if let Err(undo) = self.destroy_machine(&id).await {
                    tracing::warn!(machine = %id, error = %undo, "could not terminate a machine that did not start");
                }
                Err(e)
            }
        }
    }

    async fn describe_machine(&self, id: &str) -> Result<Option<Machine>> {
        Ok(self
            .describe_instance(id)
            .await
            .map_err(|e| self.call_error(e))?
            .map(|i| i.into_machine(false)))
    }

    async fn destroy_machine(&self, id: &str) -> Result<()> {
        let params = [("InstanceId.1".to_string(), id.to_string())];
        self.call("TerminateInstances", &params).await.map_err(|e| self.call_error(e))?;
        Ok(())
    }

    fn describe(&self) -> String {
        "EC2 IaaS required params:\n  image=<image id>         Image AMI ID\n  type=<instance type>     Instance type\n\nOptional params:\n  keyName=<key name>       Key name for machine\n  securityGroup=<group>    Security group id\n  subnetId=<subnet>        Subnet id\n  private-address=true     Use the private address of the machine\n".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_instances_and_errors() {
        let xml = r#"<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <instancesSet><item><instanceId>i-1</instanceId>
            <instanceState><code>0</code><name>pending</name></instanceState>
            <privateDnsName>ip-10-0-0-1.ec2.internal</privateDnsName><dnsName></dnsName>
            <privateIpAddress>10.0.0.1</privateIpAddress>
            <placement><availabilityZone>us-east-1a</availabilityZone></placement>
            <groupSet><item><groupId>sg-1</groupId></item></groupSet>
          </item></instancesSet></RunInstancesResponse>"#;
        let all = instances(xml).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].id, "i-1");
        assert_eq!(all[0].state, "pending");
        assert_eq!(all[0].address(false), "ip-10-0-0-1.ec2.internal");
        assert_eq!(all[0].zone, "us-east-1a");
        let err = r#"<?xml version="1.0"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-x' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>"#;
        assert_eq!(
            api_error(err),
            Some((
                "InvalidInstanceID.NotFound".into(),
                "The instance ID 'i-x' does not exist".into()
            ))
        );
        assert!(api_error("not xml").is_none());
    }

    #[test]
    fn settings_never_show_credentials() {
        let s = Ec2Settings {
            name: "ec2".into(),
            endpoint: String::new(),
            region: "us-east-1".into(),
            key_id: "AKIDSECRETID".into(),
            secret_key: "topsecretkey".into(),
            timeout: Duration::from_secs(1),
            wait_timeout: Duration::from_secs(1),
            poll_interval: Duration::from_millis(10),
        };
        let shown = format!("{:?}", Ec2Iaas::new(s).unwrap());
        assert!(!shown.contains("AKIDSECRETID") && !shown.contains("topsecretkey"), "{shown}");
    }
}
