//! FerretDB and `tsurud` processes for these tests.
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use tsuru_testkit::{fresh_database_name, mongo_url};

/// Held by the tests that start processes and measure time, so they do not run at the same
/// time on a small machine (a 2-second deadline means little while another test drives three
/// servers with 200 requests).
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The JWT secret every `tsurud` of a test shares, so a token works on all of them.
pub const SECRET: &str = "replicas-share-this-secret-0123456789";

/// The FerretDB binary: `TSURU_TEST_FERRETDB` (set by `scripts/ferretdb.sh`), `ferretdb` on
/// PATH, or `$HOME/go/bin/ferretdb`. `None` when there is none.
///
/// # Panics
/// When there is none and `CI` is set.
pub fn ferretdb_binary() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("TSURU_TEST_FERRETDB") {
        candidates.push(p.into());
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("ferretdb")));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join("go/bin/ferretdb"));
    }
    let found = candidates.into_iter().find(|p| p.is_file());
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "CI is set but no FerretDB binary was found (scripts/setup.sh installs it)"
    );
    found
}

/// A FerretDB of this test alone, which the test can stop and start again on the same port
/// and data.
pub struct FerretDb {
    binary: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl FerretDb {
    /// Starts one on a free port with a new data directory.
    pub fn start(binary: PathBuf) -> Self {
        let dir = std::env::temp_dir().join(format!("tsurud-ferretdb-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut db = FerretDb { binary, dir, port, child: None };
        db.restart();
        db
    }

    /// `mongodb://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("mongodb://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL: no chance to tidy up).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and data, and waits until it accepts
    /// connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(&self.binary)
            .arg("--handler=sqlite")
            .arg(format!("--sqlite-url=file:{}/", self.dir.join("data").display()))
            .arg(format!("--state-dir={}", self.dir.display()))
            .arg(format!("--listen-addr=127.0.0.1:{}", self.port))
            .args(["--debug-addr=-", "--telemetry=disable", "--log-level=error"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start FerretDB");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "FerretDB did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for FerretDb {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `tsurud api --dev` process on MongoDB.
pub struct Tsurud {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// A session token of the admin, from its banner.
    pub token: String,
}

impl Tsurud {
    /// Starts one on database `db` of `mongo_url`, with `env` added, and waits for its banner.
    pub fn start(mongo_url: &str, db: &str, env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tsurud"));
        cmd.args(["api", "--dev"]);
        for (k, _) in std::env::vars() {
            if k.starts_with("TSURU_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("RUST_LOG", "error")
            .env("TSURU_STORAGE", "mongodb")
            .env("TSURU_MONGODB_URL", mongo_url)
            .env("TSURU_DATABASE__NAME", db)
            .env("TSURU_LISTEN", "127.0.0.1:0")
            .env("TSURU_ADMIN_EMAIL", "root@example.com")
            .env("TSURU_ADMIN_PASSWORD", "root-password")
            .env("TSURU_AUTH__HASH_COST", "4")
            .env("TSURU_AUTH__JWT_SECRET", SECRET);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let log = std::env::temp_dir().join(format!("tsurud-{}.log", uuid::Uuid::new_v4()));
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start tsurud");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_else(|| {
            let _ = child.wait();
            panic!(
                "tsurud printed no banner: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        let _ = std::fs::remove_file(&log);
        let url = first.split_whitespace().last().unwrap().to_string();
        let token = lines
            .by_ref()
            .map(Result::unwrap)
            .find_map(|l| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix("TSURU_TOKEN="))
                    .map(str::to_string)
            })
            .expect("a token in the banner");
        std::thread::spawn(move || for _ in lines {});
        Tsurud { child, url, token }
    }

    /// Kills it (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tsurud {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A reqwest client with a timeout far above what any answer here may take.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}
