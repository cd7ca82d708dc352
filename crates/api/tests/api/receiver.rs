//! Real HTTP receivers for webhook tests: `tests/support/hook_receiver.py` on loopback.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running receiver (or proxy) process, killed on drop.
pub struct Receiver {
    child: Child,
    /// Its port.
    pub port: u16,
    out: PathBuf,
    tls: bool,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/hook_receiver.py")
}

/// A fresh scratch directory.
pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsurud-hooks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

impl Receiver {
    /// Starts the script with `args` (see its help) and waits until it listens.
    pub fn start(args: &[&str]) -> Self {
        let out = scratch().join("requests.jsonl");
        let mut child = Command::new("python3")
            .arg(script())
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the receiver");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("receiver banner");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected banner {line:?}"));
        let tls = args.contains(&"--tls-cert");
        Receiver { child, port, out, tls }
    }

    /// Its URL for `path` (`/x`).
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    /// The requests recorded so far.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("recorded JSON line"))
            .collect()
    }

    /// Waits (up to 10 s) until at least `n` requests came, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "expected {n} requests, got {}: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits `d`, then asserts that exactly `n` requests came.
    pub async fn settle(&self, n: usize, d: Duration) -> Vec<Value> {
        tokio::time::sleep(d).await;
        let got = self.requests();
        assert_eq!(got.len(), n, "{got:?}");
        got
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.out.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The value of header `name` (case-insensitive) of a recorded request.
pub fn header<'a>(req: &'a Value, name: &str) -> Option<&'a str> {
    req["headers"]
        .as_array()?
        .iter()
        .find_map(|h| (h[0].as_str()?.eq_ignore_ascii_case(name)).then(|| h[1].as_str()).flatten())
}

/// A self-signed certificate for 127.0.0.1 (ECDSA P-256), deleted on drop.
pub struct Cert {
    /// PEM certificate path.
    pub cert: String,
    /// PEM key path.
    pub key: String,
    dir: PathBuf,
}

impl Drop for Cert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Makes a [`Cert`] with `openssl`.
pub fn self_signed() -> Cert {
    let dir = scratch();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl failed");
    Cert { cert: cert.to_string_lossy().into_owned(), key: key.to_string_lossy().into_owned(), dir }
}

/// A loopback port that was free a moment ago (for a receiver started later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
