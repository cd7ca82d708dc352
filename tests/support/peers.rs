//! Real service peers on loopback, started by the tests: the native service API stand-in
//! (`tests/support/service_api.py`) and an Open Service Broker made with openbrokerapi
//! (`tests/support/osb_broker.py`), and moto's EC2 emulation (`tests/support/moto_ec2.py`). A
//! peer that cannot start fails the test: it never skips. The API tests, the CLI tests and the
//! adapters' EC2 test include this file (`#[path]`), each using part of it.
#![allow(dead_code)]
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running peer, killed on drop.
pub struct Peer {
    child: Child,
    /// Its port.
    pub port: u16,
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/support/{name}"))
}

impl Peer {
    fn start(name: &str, args: &[&str]) -> Self {
        let mut child = Command::new("python3")
            .arg(script(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 must run {name}: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok();
        let Some(port) = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()) else {
            let _ = child.kill();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).ok();
            }
            panic!(
                "{name} did not start (run scripts/setup.sh for its dependencies): {line:?} {err}"
            );
        };
        Peer { child, port }
    }

    /// The native service API stand-in (user `svc`, password `svc-pass` unless `args` say).
    pub fn service_api(args: &[&str]) -> Self {
        Peer::start("service_api.py", args)
    }

    /// The OSB broker (user `broker`, password `broker-pass`).
    pub fn broker() -> Self {
        Peer::start("osb_broker.py", &[])
    }

    /// moto's EC2 emulation (`tests/support/moto_ec2.py`; any credentials).
    pub fn moto() -> Self {
        Peer::start("moto_ec2.py", &[])
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sets the failure switch (`POST /_control`).
    pub async fn control(&self, body: Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_control", self.url()))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert_eq!(resp.status(), 200, "control");
    }

    /// The requests received so far.
    pub async fn requests(&self) -> Vec<Value> {
        reqwest::get(format!("{}/_control", self.url()))
            .await
            .expect("control call")
            .json()
            .await
            .expect("requests JSON")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (connection refused).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The Kubernetes control plane `scripts/kube.sh exec` started: its address, an admin token and
/// the paths of its CA, client certificate and client key.
pub struct TestKube {
    /// The API server's address.
    pub url: String,
    /// A bearer token with every permission.
    pub token: String,
    /// The CA file.
    pub ca: String,
    /// The client certificate file.
    pub cert: String,
    /// The client key file.
    pub key: String,
}

impl TestKube {
    /// The cluster of `TSURU_TEST_KUBE_*`, or `None` (the test skips) without one.
    ///
    /// # Panics
    /// Without one when `TSURU_KUBE_REQUIRED=1` or `CI` is set: there a missing cluster is a
    /// failure, never a skip.
    pub fn from_env() -> Option<TestKube> {
        let Ok(url) = std::env::var("TSURU_TEST_KUBE_URL") else {
            assert!(
                std::env::var("TSURU_KUBE_REQUIRED").as_deref() != Ok("1")
                    && std::env::var_os("CI").is_none(),
                "no Kubernetes control plane (TSURU_TEST_KUBE_URL): run under scripts/kube.sh exec"
            );
            eprintln!("skipped: no Kubernetes (run under `bash scripts/kube.sh exec`)");
            return None;
        };
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is unset"));
        Some(TestKube {
            url,
            token: var("TSURU_TEST_KUBE_TOKEN"),
            ca: var("TSURU_TEST_KUBE_CA"),
            cert: var("TSURU_TEST_KUBE_CLIENT_CERT"),
            key: var("TSURU_TEST_KUBE_CLIENT_KEY"),
        })
    }

    /// The bytes of `file` (one of the paths above).
    ///
    /// # Panics
    /// When it cannot be read.
    pub fn read(file: &str) -> Vec<u8> {
        std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"))
    }

    /// Lines of the client key's PEM body: none may ever be shown.
    pub fn key_secrets(&self) -> Vec<String> {
        String::from_utf8_lossy(&Self::read(&self.key))
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 16)
            .map(str::to_string)
            .collect()
    }
}
