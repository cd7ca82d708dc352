//! The `tsurud` binary: start-up checks, dev mode, graceful stop, root-user-create.
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_tsurud");

fn tsurud(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("TSURU_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// `tsurud api --dev` on a free port with admin `root@example.com`, printing to a pipe.
fn dev() -> Command {
    let mut cmd = tsurud(&["api", "--dev"]);
    cmd.env("TSURU_LISTEN", "127.0.0.1:0")
        .env("TSURU_ADMIN_EMAIL", "root@example.com")
        .env("TSURU_ADMIN_PASSWORD", "root-password")
        .env("TSURU_AUTH__HASH_COST", "4")
        .stdout(Stdio::piped());
    cmd
}

/// Starts `tsurud api --dev` on a free port and returns it with its base URL.
fn start_dev() -> (Child, String) {
    let mut child = dev().stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.split_whitespace().last().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let banner: Vec<String> = lines.by_ref().take(3).map(Result::unwrap).collect();
    assert!(banner.iter().any(|l| l == "Admin: root@example.com / root-password"), "{banner:?}");
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// Sends SIGTERM to `child`.
fn terminate(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

/// Sends SIGTERM to `child` and waits up to `within` for it to exit.
///
/// # Panics
/// When it is still running then.
/// Sends `req` and reads its JSON body.
async fn json_of<T: serde::de::DeserializeOwned>(req: reqwest::RequestBuilder) -> T {
    req.send().await.unwrap().json().await.unwrap()
}

async fn stop(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    terminate(child);
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(exit) = child.try_wait().unwrap() {
            return exit;
        }
        assert!(std::time::Instant::now() < deadline, "tsurud stops after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn dev_mode_serves_prints_how_to_log_in_and_stops_cleanly_on_sigterm() {
    let (mut child, url) = start_dev();
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{url}/1.0/auth/login"))
        .form(&[("email", "root@example.com"), ("password", "root-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let exit = stop(&mut child, Duration::from_secs(5)).await;
    assert!(exit.success(), "exit status {exit}");
}

#[tokio::test]
async fn an_in_flight_request_finishes_before_the_server_stops() {
    let (mut child, url) = start_dev();
    // A slow upload keeps a request in flight while SIGTERM arrives.
    let host = url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    let body = "email=root@example.com&password=root-password";
    write!(stream, "POST /1.0/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminate(&child);
    std::thread::sleep(Duration::from_millis(200));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let exit = child.wait().unwrap();
    assert!(exit.success());
}

/// Asserts that `tsurud api` with the environment variable `key` set to `value` fails, saying
/// `said` on stderr.
#[track_caller]
fn api_fails_with(key: &str, value: &str, said: &str) {
    let out = tsurud(&["api"]).env(key, value).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(said), "{err}");
}

#[test]
fn outside_dev_mode_a_jwt_secret_is_required() {
    api_fails_with("TSURU_LISTEN", "127.0.0.1:0", "auth.jwt-secret is required");
}

#[test]
fn a_bad_config_value_fails_naming_its_key() {
    api_fails_with("TSURU_AUTH__HASH_COST", "nope", "hash-cost");
}

#[test]
fn root_user_create_reads_the_password_twice_from_stdin() {
    let run = |input: &str| {
        let mut child = tsurud(&["root-user-create", "root@example.com"])
            .env("TSURU_DEV", "true")
            .env("TSURU_AUTH__HASH_COST", "4")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = run("secret123\nsecret123\n");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(String::from_utf8_lossy(&ok.stdout), "Root user successfully created.\n");
    let mismatch = run("secret123\nother123\n");
    assert!(!mismatch.status.success());
    assert!(String::from_utf8_lossy(&mismatch.stderr).contains("Passwords didn't match."));
    let short = run("123\n123\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password length should be least 6"));
}

/// A request actix-http cannot parse (here a NUL byte in a header value, as schemathesis
/// probes) is answered 400 and is not logged as a server error.
#[test]
fn a_malformed_request_is_a_400_and_no_error_in_the_log() {
    use std::io::Read;
    let mut child = dev().env("TSURU_LOG__FORMAT", "json").stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || for _ in lines {});
    let host = first.split_whitespace().last().unwrap().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    stream.write_all(b"GET /1.0/info HTTP/1.1\r\nHost: x\r\nX-Probe: a\0b\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    child.kill().unwrap();
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    child.wait().unwrap();
    assert!(!log.contains("\"level\":\"ERROR\""), "{log}");
}

/// With MongoDB as the store (`TSURU_TEST_MONGODB_URL`, as `make test` runs it): the last use
/// of an API key, noted in memory by the requests, reaches the database when the process is
/// stopped, before the next background write is due.
#[tokio::test]
async fn credential_uses_noted_by_requests_are_written_at_graceful_stop() {
    let Ok(mongo_url) = std::env::var("TSURU_TEST_MONGODB_URL") else {
        eprintln!("skipped: TSURU_TEST_MONGODB_URL is not set");
        return;
    };
    let db_name = format!("tsurud_binary_{}", std::process::id());
    let mut cmd = dev();
    cmd.env("TSURU_STORAGE", "mongodb")
        .env("TSURU_MONGODB_URL", &mongo_url)
        .env("TSURU_DATABASE__NAME", &db_name)
        .env("TSURU_AUTH__LAST_USE_INTERVAL", "3600");
    let mut child = cmd.stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.split_whitespace().last().unwrap().to_string();
    std::thread::spawn(move || for _ in lines {});
    let client = reqwest::Client::new();
    let login: serde_json::Value = json_of(
        client
            .post(format!("{url}/1.0/auth/login"))
            .form(&[("email", "root@example.com"), ("password", "root-password")]),
    )
    .await;
    let session = login["token"].as_str().unwrap().to_string();
    let key: String =
        json_of(client.get(format!("{url}/1.0/users/api-key")).bearer_auth(&session)).await;
    let use_key = || async {
        let resp =
            client.get(format!("{url}/1.0/users/info")).bearer_auth(&key).send().await.unwrap();
        assert_eq!(resp.status(), 200);
    };
    let db = mongodb::Client::with_uri_str(&mongo_url).await.unwrap().database(&db_name);
    let users = db.collection::<mongodb::bson::Document>("users");
    let counter = || async {
        users
            .find_one(mongodb::bson::doc! {"email": "root@example.com"})
            .await
            .unwrap()
            .unwrap()
            .get_i64("apikey_usage_counter")
            .unwrap_or(0)
    };
    // The first use of a credential is written in the background within a second or so.
    use_key().await;
    let mut written = 0;
    for _ in 0..100 {
        written = counter().await;
        if written > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(written, 1, "the first use is written in the background");
    // The next ones wait for the interval (an hour here) or the stop.
    use_key().await;
    use_key().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(counter().await, 1, "uses within the interval are not written yet");
    assert!(stop(&mut child, Duration::from_secs(10)).await.success());
    assert_eq!(counter().await, 3, "every use is written at stop");
    db.drop().await.unwrap();
}
