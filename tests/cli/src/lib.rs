//! Runs the official `tsuru` client against a real `tsurud` and checks what it prints.
//!
//! [`client`] finds the binary (`TSURU_CLI`, then the repository's `.tools/tsuru` that
//! `scripts/setup.sh` builds, then `PATH`, then `$(go env GOPATH)/bin`);
//! [`Cli`] runs it the way a script would: a throw-away `HOME`, `TZ=UTC`, no colours, stdin
//! from `/dev/null` unless a test feeds it, and a time limit so that an unexpected prompt
//! fails the test instead of hanging it.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long one `tsuru` command may take.
const TIMEOUT: Duration = Duration::from_secs(60);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file())
    })
}

fn in_gopath() -> Option<PathBuf> {
    let out = Command::new("go").args(["env", "GOPATH"]).output().ok()?;
    let gopath = String::from_utf8(out.stdout).ok()?;
    let bin = Path::new(gopath.trim()).join("bin/tsuru");
    bin.is_file().then_some(bin)
}

/// The `tsuru` binary, if installed.
pub fn client() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TSURU_CLI") {
        return Some(PathBuf::from(path));
    }
    let built = repo_root().join(".tools/tsuru");
    built.is_file().then_some(built).or_else(|| on_path("tsuru")).or_else(in_gopath)
}

/// Whether a missing client fails the test: `TSURU_CLI_REQUIRED` set (not `0`), or `CI` set.
fn client_required() -> bool {
    std::env::var("TSURU_CLI_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0")
        || std::env::var_os("CI").is_some()
}

/// The client, or `None` after saying loudly why the test does not run.
///
/// # Panics
/// When the client is missing and must be there (`client_required`).
pub fn require_client(test: &str) -> Option<PathBuf> {
    if let Some(bin) = client() {
        return Some(bin);
    }
    assert!(
        !client_required(),
        "{test}: the tsuru client is required (TSURU_CLI_REQUIRED or CI) but was not found; \
         `make setup` (scripts/setup.sh) builds it into .tools/tsuru"
    );
    // Straight to the process's stderr: the test harness does not capture it, so the gap
    // shows in every run, passing or not.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** {test}: NOT RUN: the tsuru client is not installed.\n\
         *** Run scripts/setup.sh: it builds it from ../shared/tsuru-client into .tools/tsuru."
    );
    None
}

/// Appends `shown` to the file named by `TSURU_CLI_LOG`, when set: the commands a run drove.
fn log_step(shown: &str) {
    if let Some(path) = std::env::var_os("TSURU_CLI_LOG") {
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{shown}");
        }
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(dir.join(".tsuru")).expect("temp HOME");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The client configured for one server: its own `HOME`, a target and (usually) a token.
pub struct Cli {
    bin: PathBuf,
    home: TempDir,
    target: String,
    /// `None`: no `TSURU_TOKEN` and no `TSURU_TARGET`; the client reads `~/.tsuru`.
    token: Option<String>,
}

impl Cli {
    /// `tsuru` against `target` with `TSURU_TOKEN=token`.
    pub fn new(bin: &Path, target: &str, token: &str) -> Self {
        Cli {
            bin: bin.to_path_buf(),
            home: TempDir::new("tsuru-cli-home"),
            target: target.to_string(),
            token: Some(token.to_string()),
        }
    }

    /// The same client and target with another token (a new `HOME`).
    pub fn as_token(&self, token: &str) -> Self {
        Cli::new(&self.bin, &self.target, token)
    }

    /// The same client with neither `TSURU_TOKEN` nor `TSURU_TARGET` (a new `HOME`): set the
    /// target with `tsuru target-add`, the token with `tsuru login`.
    pub fn without_token(&self) -> Self {
        Cli { token: None, ..Cli::new(&self.bin, &self.target, "") }
    }

    /// The throw-away `HOME`.
    pub fn home(&self) -> &Path {
        &self.home.0
    }

    /// Runs `tsuru args` with stdin from `/dev/null`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.exec(args, None)
    }

    /// Runs `tsuru args` with `input` on stdin.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        self.exec(args, Some(input))
    }

    fn exec(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("TZ", "UTC")
            .env("TSURU_DISABLE_COLORS", "true")
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(token) = &self.token {
            cmd.env("TSURU_TARGET", &self.target).env("TSURU_TOKEN", token);
        }
        let shown = format!("tsuru {}", args.join(" "));
        log_step(&shown);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{shown}: cannot start {}: {e}", self.bin.display()));
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            let _ = stdin.write_all(input.as_bytes());
        }
        let mut out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for tsuru") {
                break status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "{shown}: still running after {TIMEOUT:?} (waiting for input?)\nstdout: {}",
                    out_reader.join().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            shown,
            code: status.code(),
            stdout: out_reader.join().unwrap_or_default(),
            stderr: err_reader.join().unwrap_or_default(),
        }
    }
}

/// What one command did.
pub struct Run {
    shown: String,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "{}\n--- exit: {:?}\n--- stdout:\n{}--- stderr:\n{}",
            self.shown, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts exit code 0.
    ///
    /// # Panics
    /// Otherwise.
    pub fn succeeds(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success: {}", self.context());
        self
    }

    /// Asserts exit code 1 (an error the client reports).
    ///
    /// # Panics
    /// Otherwise.
    pub fn fails(&self) -> &Self {
        assert_eq!(self.code, Some(1), "expected exit 1: {}", self.context());
        self
    }

    /// Asserts the whole of stdout.
    ///
    /// # Panics
    /// When it differs.
    pub fn prints(&self, expected: &str) -> &Self {
        assert_eq!(self.stdout, expected, "stdout of {}", self.context());
        self
    }

    /// Asserts that stdout has this line.
    ///
    /// # Panics
    /// When it does not.
    pub fn prints_line(&self, line: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l.trim_end() == line),
            "no line {line:?} in: {}",
            self.context()
        );
        self
    }

    /// The lines of a streamed response as the user reads them: the client prefixes each with
    /// the message's time (`2006-01-02 15:04:05 -0700: `), which is dropped here.
    pub fn stream(&self) -> Vec<&str> {
        self.stdout.lines().map(strip_stream_time).collect()
    }

    /// Asserts that the streamed output has this line.
    ///
    /// # Panics
    /// When it does not.
    pub fn streams_line(&self, line: &str) -> &Self {
        assert!(
            self.stream().iter().any(|l| l.trim_end() == line),
            "no streamed line {line:?} in: {}",
            self.context()
        );
        self
    }

    /// Asserts that stdout contains `text` somewhere.
    ///
    /// # Panics
    /// When it does not.
    pub fn prints_line_containing(&self, text: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l.contains(text)),
            "no line containing {text:?} in: {}",
            self.context()
        );
        self
    }

    /// The cells of the table rows on stdout (`| a | b |`), trimmed.
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
            .collect()
    }

    /// Asserts a table row whose first cells are `cells`.
    ///
    /// # Panics
    /// When there is none.
    pub fn prints_row(&self, cells: &[&str]) -> &Self {
        assert!(
            self.rows()
                .iter()
                .any(|row| row.len() >= cells.len() && row.iter().zip(cells).all(|(a, b)| a == b)),
            "no table row starting with {cells:?} in: {}",
            self.context()
        );
        self
    }

    /// Asserts that no table row starts with `cell`.
    ///
    /// # Panics
    /// When one does.
    pub fn has_no_row(&self, cell: &str) -> &Self {
        assert!(
            !self.rows().iter().any(|row| row.first().is_some_and(|c| c == cell)),
            "unexpected row {cell:?} in: {}",
            self.context()
        );
        self
    }

    /// Asserts that stderr contains `text`.
    ///
    /// # Panics
    /// When it does not.
    pub fn error_contains(&self, text: &str) -> &Self {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}: {}", self.context());
        self
    }
}

/// A loopback SMTP server (`python3 -m aiosmtpd`) writing every message to a maildir.
pub struct Smtp {
    child: std::process::Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtp {
    /// Starts one.
    ///
    /// # Panics
    /// When aiosmtpd is missing (scripts/setup.sh installs it) or does not start.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = TempDir::new("tsuru-cli-mail");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.0.join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (scripts/setup.sh installs aiosmtpd)");
        let smtp = Smtp { child, port, dir };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return smtp;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Every message received so far, oldest first, quoted-printable decoded.
    pub fn mails(&self) -> Vec<String> {
        let mut out: Vec<(std::time::SystemTime, String)> =
            std::fs::read_dir(self.dir.0.join("mail/new"))
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| {
                            let modified = e.metadata().ok()?.modified().ok()?;
                            Some((modified, std::fs::read_to_string(e.path()).ok()?))
                        })
                        .collect()
                })
                .unwrap_or_default();
        out.sort();
        out.into_iter().map(|(_, m)| decode_mail(&m)).collect()
    }
}

/// `line` without the client's stream time prefix (`2006-01-02 15:04:05 -0700: `), if any.
pub fn strip_stream_time(line: &str) -> &str {
    const PATTERN: &[u8] = b"0000-00-00 00:00:00 +0000: ";
    let bytes = line.as_bytes();
    let is_prefix = bytes.len() >= PATTERN.len()
        && PATTERN.iter().zip(bytes).all(|(p, b)| match p {
            b'0' => b.is_ascii_digit(),
            b'+' => *b == b'+' || *b == b'-',
            p => p == b,
        });
    if is_prefix {
        &line[PATTERN.len()..]
    } else {
        line
    }
}

/// One HTTP request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, `PUT`, ...
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    /// Header lines as sent (`Name: value`).
    pub headers: Vec<String>,
    /// The body.
    pub body: String,
}

/// A loopback HTTP server answering every request `200 OK` and keeping what it got: the
/// endpoint of a webhook.
pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    got: std::sync::mpsc::Receiver<Received>,
}

impl Receiver {
    /// Starts one on a free port.
    ///
    /// # Panics
    /// When no port can be bound.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a receiver");
        let url = format!("http://{}", listener.local_addr().expect("receiver address"));
        let (tx, got) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(request) = read_request(stream) {
                    if tx.send(request).is_err() {
                        return;
                    }
                }
            }
        });
        Receiver { url, got }
    }

    /// The next request, waiting up to `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Received> {
        self.got.recv_timeout(timeout).ok()
    }
}

fn read_request(mut stream: std::net::TcpStream) -> Option<Received> {
    use std::io::BufRead;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    let mut reader = std::io::BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end().to_string();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        headers.push(header);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    Some(Received { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// A mail with its body decoded when it is quoted-printable: lettre picks the transfer encoding
/// per message, and a 7-bit body must stay as it is (a password may end in `=`).
pub fn decode_mail(raw: &str) -> String {
    let Some(at) = raw.find("\r\n\r\n").map(|i| i + 4).or_else(|| raw.find("\n\n").map(|i| i + 2))
    else {
        return raw.to_string();
    };
    let (head, body) = raw.split_at(at);
    if head.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        format!("{head}{}", decode_qp(body))
    } else {
        raw.to_string()
    }
}

/// Decodes a quoted-printable body (soft line breaks and `=XX` escapes).
pub fn decode_qp(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The word after `flag` in `text` (`-t <token>` in the reset mail).
pub fn word_after<'a>(text: &'a str, flag: &str) -> Option<&'a str> {
    let mut words = text.split_whitespace();
    words.find(|w| *w == flag)?;
    words.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stdout: &str) -> Run {
        Run { shown: "tsuru x".into(), code: Some(0), stdout: stdout.into(), stderr: String::new() }
    }

    #[test]
    fn table_rows_are_split_into_trimmed_cells() {
        let r =
            run("+----+----+\n| Team | Tags |\n+----+----+\n| t1   | a    |\n|      | b    |\n");
        assert_eq!(r.rows()[1], vec!["t1", "a"]);
        r.prints_row(&["t1", "a"]).prints_row(&["", "b"]).has_no_row("t2");
    }

    #[test]
    #[should_panic(expected = "no table row")]
    fn a_missing_row_fails() {
        run("| t1 | a |\n").prints_row(&["t2"]);
    }

    #[test]
    fn stream_lines_lose_their_time_prefix() {
        let r = run("2026-12-02 06:47:09 +0000: ---- Setting 1 ----\nplain\n");
        assert_eq!(r.stream(), ["---- Setting 1 ----", "plain"]);
        r.streams_line("---- Setting 1 ----");
        assert_eq!(strip_stream_time("2026-12-02 06:47 x"), "2026-12-02 06:47 x");
    }

    #[test]
    fn the_reset_token_follows_dash_t() {
        assert_eq!(
            word_after("run tsuru reset-password a@b.com -t abc123 now", "-t"),
            Some("abc123")
        );
        assert_eq!(decode_qp("a=3Db=\nc"), "a=bc");
        let qp = "Content-Transfer-Encoding: quoted-printable\r\n\r\npw: a=3Db=\r\n";
        assert!(decode_mail(qp).ends_with("pw: a=b"));
        let plain = "Content-Transfer-Encoding: 7bit\r\n\r\npw: a=3Db=\r\n";
        assert!(decode_mail(plain).ends_with("pw: a=3Db=\r\n"), "7-bit stays as is");
    }
}
