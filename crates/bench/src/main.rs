//! `make bench`: tsurud (release build) on the in-memory store, then on MongoDB when
//! `TSURU_TEST_MONGODB_URL` is set (`scripts/ferretdb.sh exec` sets it), against a bare
//! actix-web hello-world started the same way, on the same machine, in the same run.
//!
//! For each store it starts `tsurud api` as a child process, times start to first 200, logs in,
//! takes the admin's API key, creates 1,000 apps, then drives each route with a fixed number of
//! keep-alive connections for a fixed time and prints one table: requests per second, p99, the
//! ratio to hello-world, store commands per request (from tsurud's `/metrics`, which costs none),
//! idle store commands per second, and resident memory idle and under load.
//!
//! ```sh
//! tsurud-bench --tsurud target/release/tsurud [--apps 1000] [--seconds 10] [--connections 4]
//! tsurud-bench hello 127.0.0.1:PORT        # the hello-world server alone
//! ```
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

const ADMIN_EMAIL: &str = "bench@example.com";
const ADMIN_PASSWORD: &str = "bench-password-123";

/// What one run is told on its command line.
struct Options {
    tsurud: PathBuf,
    apps: usize,
    seconds: u64,
    connections: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        tsurud: PathBuf::from("target/release/tsurud"),
        apps: 1000,
        seconds: 10,
        connections: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--tsurud" => o.tsurud = PathBuf::from(value()?),
            "--apps" => o.apps = value()?.parse().map_err(|e| format!("--apps: {e}"))?,
            "--seconds" => o.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--connections" => {
                o.connections = value()?.parse().map_err(|e| format!("--connections: {e}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Resident memory of a process, in MiB (Linux).
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Requests per second and latency quantiles of one load run.
struct Load {
    requests: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
    peak_rss: f64,
}

/// Sends `GET url` over `connections` keep-alive connections for `seconds`, sampling the
/// server's memory meanwhile.
async fn load(url: &str, token: Option<&str>, connections: usize, seconds: u64, pid: u32) -> Load {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("client");
        let url = url.to_string();
        let auth = token.map(|t| format!("bearer {t}"));
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<u32> = Vec::with_capacity(100_000);
            let mut errors = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let mut rb = client.get(&url);
                if let Some(a) = &auth {
                    rb = rb.header("Authorization", a);
                }
                match rb.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        let micros = started.elapsed().as_micros();
                        times.push(u32::try_from(micros).unwrap_or(u32::MAX));
                    }
                    Ok(r) => {
                        let _ = r.bytes().await;
                        errors += 1;
                    }
                    Err(_) => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let started = Instant::now();
    let mut peak_rss: f64 = 0.0;
    while started.elapsed() < Duration::from_secs(seconds) {
        peak_rss = peak_rss.max(rss_mib(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<u32> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.expect("load task");
        all.extend(times);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let q = |p: usize| -> Duration {
        all.get((all.len() * p / 100).min(all.len().saturating_sub(1)))
            .map_or(Duration::ZERO, |m| Duration::from_micros(u64::from(*m)))
    };
    Load {
        requests: all.len() as u64,
        per_second: all.len() as f64 / elapsed,
        p50: q(50),
        p99: q(99),
        errors,
        peak_rss,
    }
}

/// A running server process.
struct Server {
    child: Child,
    base: String,
    started_in: Duration,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }
}

/// Starts `cmd` serving on `port` and waits for `GET probe` to answer 200.
async fn start(mut cmd: Command, port: u16, probe: &str) -> Server {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{base}{probe}")).send().await {
            if r.status().as_u16() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{base}{probe} did not answer 200 within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Server { child, base, started_in: started.elapsed() }
}

/// Store commands sent so far, from `/metrics` (scraping costs none).
async fn store_commands(base: &str) -> f64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    text.lines()
        .filter(|l| l.starts_with("tsurud_store_commands_total{"))
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|n| n.parse::<f64>().ok())
        .sum()
}

async fn login(base: &str) -> (String, String) {
    let client = reqwest::Client::new();
    let body: serde_json::Value = client
        .post(format!("{base}/1.0/auth/login"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login JSON");
    let token = body["token"].as_str().expect("token").to_string();
    let key: String = client
        .get(format!("{base}/1.0/users/api-key"))
        .header("Authorization", format!("bearer {token}"))
        .send()
        .await
        .expect("api key")
        .json()
        .await
        .expect("api key JSON");
    (token, key)
}

async fn seed(base: &str, token: &str, apps: usize) {
    let client = reqwest::Client::new();
    let auth = format!("bearer {token}");
    let r = client
        .post(format!("{base}/1.0/teams"))
        .header("Authorization", &auth)
        .form(&[("name", "bench")])
        .send()
        .await
        .expect("team");
    assert!(r.status().is_success(), "team create: {}", r.status());
    let r = client
        .post(format!("{base}/1.0/pools"))
        .header("Authorization", &auth)
        .form(&[("name", "bench"), ("default", "true"), ("public", "true")])
        .send()
        .await
        .expect("pool");
    assert!(r.status().is_success(), "pool create: {}", r.status());
    let per_task = apps.div_ceil(4);
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (client, auth, base) = (client.clone(), auth.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            for i in (t * per_task)..((t + 1) * per_task).min(apps) {
                let name = format!("app-{i:04}");
                let r = client
                    .post(format!("{base}/1.0/apps"))
                    .header("Authorization", &auth)
                    .form(&[("name", name.as_str()), ("teamOwner", "bench")])
                    .send()
                    .await
                    .expect("app create");
                assert_eq!(r.status().as_u16(), 201, "app create {name}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("seed task");
    }
}

/// One line of the table.
struct Row {
    store: String,
    route: String,
    load: Load,
    commands_per_request: Option<f64>,
}

fn print_table(hello: &Load, rows: &[Row], notes: &BTreeMap<String, String>) {
    println!();
    println!(
        "| store | GET | req/s | p50 | p99 | vs hello-world | store commands/request | peak RSS MiB | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| - | hello-world `/` | {:.0} | {:.2?} | {:.2?} | 100% | - | {:.1} | {} |",
        hello.per_second, hello.p50, hello.p99, hello.peak_rss, hello.errors
    );
    for r in rows {
        println!(
            "| {} | `{}` | {:.0} | {:.2?} | {:.2?} | {:.0}% | {} | {:.1} | {} |",
            r.store,
            r.route,
            r.load.per_second,
            r.load.p50,
            r.load.p99,
            100.0 * r.load.per_second / hello.per_second.max(1.0),
            r.commands_per_request.map_or_else(|| "-".to_string(), |c| format!("{c:.2}")),
            r.load.peak_rss,
            r.load.errors,
        );
    }
    println!();
    for (k, v) in notes {
        println!("- {k}: {v}");
    }
}

async fn hello_server(addr: String) {
    actix_web::HttpServer::new(|| {
        actix_web::App::new().route("/", actix_web::web::get().to(|| async { "Hello, world!" }))
    })
    .bind(addr)
    .expect("bind")
    .run()
    .await
    .expect("hello-world server");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("hello") {
        let addr = args.get(2).cloned().unwrap_or_else(|| "127.0.0.1:8090".into());
        actix_web::rt::System::new().block_on(hello_server(addr));
        return;
    }
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tsurud-bench: {e}");
            std::process::exit(2);
        }
    };
    // The load generator takes one core; the servers have the rest.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(run(o));
}

async fn run(o: Options) {
    assert!(
        o.tsurud.exists(),
        "{} not found: build it with cargo build --release -p tsuru-api --bin tsurud",
        o.tsurud.display()
    );
    let mut notes = BTreeMap::new();
    let port = free_port();
    let me = std::env::current_exe().expect("own path");
    let mut cmd = Command::new(me);
    cmd.arg("hello").arg(format!("127.0.0.1:{port}"));
    let hello = start(cmd, port, "/").await;
    let hello_load =
        load(&format!("{}/", hello.base), None, o.connections, o.seconds, hello.pid()).await;
    drop(hello);
    notes.insert(
        "load".into(),
        format!(
            "{} keep-alive connections, {} s per route, one client core, {} apps created through the API",
            o.connections, o.seconds, o.apps
        ),
    );
    let mut rows = Vec::new();
    let mut stores = vec![("memory".to_string(), None)];
    if let Ok(url) = std::env::var("TSURU_TEST_MONGODB_URL") {
        stores.push(("mongodb".to_string(), Some(url)));
    } else {
        notes.insert("mongodb".into(), "skipped (run under scripts/ferretdb.sh exec)".into());
    }
    for (store, url) in stores {
        let port = free_port();
        let mut cmd = Command::new(&o.tsurud);
        cmd.arg("api")
            .env("TSURU_LISTEN", format!("127.0.0.1:{port}"))
            .env("TSURU_STORAGE", &store)
            .env("TSURU_AUTH__JWT_SECRET", "bench-secret-0123456789abcdef")
            .env("TSURU_AUTH__HASH_COST", "4")
            .env("TSURU_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("TSURU_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("TSURU_LOG__LEVEL", "error");
        if let Some(url) = &url {
            cmd.env("TSURU_DATABASE__URL", url)
                .env("TSURU_DATABASE__NAME", format!("bench_{}", std::process::id()));
        }
        let server = start(cmd, port, "/1.0/healthcheck").await;
        notes.insert(format!("{store}: start to first 200"), format!("{:.1?}", server.started_in));
        let (token, key) = login(&server.base).await;
        let seeding = Instant::now();
        seed(&server.base, &token, o.apps).await;
        notes.insert(
            format!("{store}: app create"),
            format!(
                "{:.1?} per app, 4 clients ({} apps in {:.1?})",
                seeding.elapsed() / u32::try_from(o.apps.max(1)).unwrap_or(1),
                o.apps,
                seeding.elapsed()
            ),
        );
        // Idle: after the start-up work and the seeding are over.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let before = store_commands(&server.base).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let idle = (store_commands(&server.base).await - before) / 10.0;
        notes.insert(
            format!("{store}: idle"),
            format!("{idle:.2} store commands/s, RSS {:.1} MiB", rss_mib(server.pid())),
        );
        let one_app = format!("/1.0/apps/app-{:04}", o.apps / 2);
        for route in [
            one_app.as_str(),
            "/1.0/teams",
            "/1.0/apps?simplified=true",
            "/1.0/apps",
            "/1.1/events?limit=10",
        ] {
            let before = store_commands(&server.base).await;
            let l = load(
                &format!("{}{route}", server.base),
                Some(&key),
                o.connections,
                o.seconds,
                server.pid(),
            )
            .await;
            let sent = store_commands(&server.base).await - before;
            let per = (store == "mongodb").then(|| sent / (l.requests + l.errors).max(1) as f64);
            rows.push(Row {
                store: store.clone(),
                route: route.to_string(),
                load: l,
                commands_per_request: per,
            });
        }
    }
    print_table(&hello_load, &rows, &notes);
}
