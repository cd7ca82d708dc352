use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    expect, expect_forms, get_json, status_text, Case, TestServer, ADMIN_EMAIL, ADMIN_PASSWORD,
    UNAUTHORIZED,
};

#[tokio::test]
async fn login_returns_a_token_that_authenticates() {
    let s = TestServer::spawn().await;
    let token = s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me: Value = get_json(&s.with_token(&token), "/1.0/users/info").await;
    assert_eq!(me["Email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn login_through_the_user_tokens_path_takes_the_email_from_the_path() {
    let s = TestServer::spawn().await;
    let resp = s
        .anonymous()
        .post_form(&format!("/1.0/users/{ADMIN_EMAIL}/tokens"), &[("password", ADMIN_PASSWORD)])
        .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert!(body["token"].as_str().is_some_and(|t| !t.is_empty()));
    let json_login = s
        .anonymous()
        .post_json("/1.0/auth/login", &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .await;
    assert_eq!(json_login.status(), 200);
}

#[tokio::test]
async fn login_errors_use_tsurus_texts() {
    let s = TestServer::spawn().await;
    let a = s.anonymous();
    let too_short = "Password length should be least 6 characters and at most 50 characters.\n";
    #[rustfmt::skip]
    let cases: [Case; 5] = [
        (&[("email", "bad"), ("password", "123456")], 400, "invalid email\n"),
        (&[("email", ADMIN_EMAIL)], 400, "you must provide a password to login\n"),
        (&[("email", "nobody@example.com"), ("password", "123456")], 401, "Authentication failed, wrong password.\n"),
        (&[("email", ADMIN_EMAIL), ("password", "123")], 400, too_short),
        (&[("email", ADMIN_EMAIL), ("password", "wrong-password")], 401, "Authentication failed, wrong password.\n"),
    ];
    expect_forms(&a, Method::POST, "/1.0/auth/login", &cases).await;
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_even_for_the_right_password() {
    let s = TestServer::spawn_with(|c| c.auth.max_failed_logins = 3).await;
    let a = s.anonymous();
    for _ in 0..3 {
        assert_eq!(
            a.post_form("/1.0/auth/login", &[("email", ADMIN_EMAIL), ("password", "wrong-pass")])
                .await
                .status(),
            401
        );
    }
    let (status, body) = status_text(
        a.post_form("/1.0/auth/login", &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .await,
    )
    .await;
    assert_eq!(status, 429);
    assert!(body.starts_with("too many failed login attempts for admin@example.com"), "{body}");
}

#[tokio::test]
async fn logout_revokes_only_that_session() {
    let s = TestServer::spawn().await;
    let first = s.with_token(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let second = s.with_token(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let resp = first.delete("/1.0/users/tokens").await;
    expect(resp, 200, "", "first").await;
    let resp = first.get("/1.0/users/info").await;
    expect(resp, 401, UNAUTHORIZED, "first").await;
    assert_eq!(second.get("/1.0/users/info").await.status(), 200);
    assert_eq!(s.anonymous().delete("/1.0/users/tokens").await.status(), 401);
}

#[tokio::test]
async fn auth_scheme_discovery_matches_tsuru() {
    let s = TestServer::spawn().await;
    let (status, body) = status_text(s.anonymous().get("/1.0/auth/scheme").await).await;
    assert_eq!((status, body.as_str()), (200, "{\"name\":\"native\",\"data\":{}}\n"));
    let (status, body) = status_text(s.anonymous().get("/1.18/auth/schemes").await).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "[{\"name\":\"native\",\"default\":true,\"data\":{}}]\n")
    );
}

#[tokio::test]
async fn changing_the_password_checks_every_field_and_revokes_other_sessions() {
    let s = TestServer::spawn().await;
    let user = s.user("bob@example.com").await;
    let other_session = s.with_token(&s.login("bob@example.com", "user-password").await);
    let too_short = "password length should be least 6 characters and at most 50 characters\n";
    #[rustfmt::skip]
    let cases: [Case; 4] = [
        (&[("old", ""), ("new", "abcdefg"), ("confirm", "abcdefg")], 400, "Both the old and the new passwords are required.\n"),
        (&[("old", "user-password"), ("new", "abcdefg"), ("confirm", "abcdefX")], 400, "New password and password confirmation didn't match.\n"),
        (&[("old", "not-my-password"), ("new", "abcdefg"), ("confirm", "abcdefg")], 403, "the given password didn't match the user's current password\n"),
        (&[("old", "user-password"), ("new", "abc"), ("confirm", "abc")], 400, too_short),
    ];
    expect_forms(&user, Method::PUT, "/1.0/users/password", &cases).await;
    let changed = [("old", "user-password"), ("new", "brand-new"), ("confirm", "brand-new")];
    let ok = user.put_form("/1.0/users/password", &changed).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        user.get("/1.0/users/info").await.status(),
        200,
        "the session that changed it stays valid"
    );
    assert_eq!(
        other_session.get("/1.0/users/info").await.status(),
        401,
        "other sessions are revoked"
    );
    let form = [("email", "bob@example.com"), ("password", "user-password")];
    let old = s.anonymous().post_form("/1.0/auth/login", &form).await;
    assert_eq!(old.status(), 401);
    s.login("bob@example.com", "brand-new").await;
    let events = s.events("kindname=user.update.password").await;
    assert_eq!(events.len(), 5, "one event per attempt");
    assert!(events.iter().filter(|e| e["Error"] == "").count() == 1);
}

#[tokio::test]
async fn password_reset_errors() {
    let s = TestServer::spawn().await;
    let a = s.anonymous();
    for (path, status, text) in [
        ("/1.0/users/bad/password", 400, "invalid email\n"),
        ("/1.0/users/no@example.com/password", 404, "user not found\n"),
    ] {
        expect(a.post_form(path, &[]).await, status, text, path).await;
    }
    let requested = a.post_form(&format!("/1.0/users/{ADMIN_EMAIL}/password"), &[]).await;
    assert_eq!(requested.status(), 200);
    let bogus = a.post_form(&format!("/1.0/users/{ADMIN_EMAIL}/password?token=abc"), &[]).await;
    expect(bogus, 400, "Invalid token\n", "bogus token").await;
    s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let events = s.events("kindname=user.update.reset").await;
    assert_eq!(events.len(), 4);
    assert_eq!(events[0]["Owner"], json!({"Type": "user", "Name": ADMIN_EMAIL}));
}

/// An SMTP server (aiosmtpd) on loopback writing every message to a maildir.
struct SmtpServer {
    child: tokio::process::Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

async fn start_smtp() -> Option<SmtpServer> {
    let probe = std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is required in CI (scripts/setup.sh installs it)"
        );
        eprintln!("skipping: python3 -m aiosmtpd is not installed (run scripts/setup.sh)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let maildir = std::env::temp_dir().join(format!("tsurud-mail-{port}"));
    let child = tokio::process::Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(&maildir)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(SmtpServer { child, port, maildir });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("aiosmtpd did not start");
}

/// Decodes a quoted-printable body (soft line breaks and `=XX` escapes).
fn decode_qp(raw: &str) -> String {
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

fn mails(maildir: &Path) -> Vec<String> {
    let mut out: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(maildir.join("new"))
        .map(|d| {
            d.flatten()
                .map(|e| {
                    (
                        e.metadata().unwrap().modified().unwrap(),
                        std::fs::read_to_string(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.into_iter().map(|(_, m)| decode_mail(&m)).collect()
}

/// A mail with its body decoded when it is quoted-printable: lettre picks the transfer encoding
/// per message, and a 7-bit body must stay as it is (a password may end in `=`).
fn decode_mail(raw: &str) -> String {
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

#[tokio::test]
async fn password_reset_goes_through_a_real_smtp_server() {
    let Some(smtp) = start_smtp().await else {
        return;
    };
    let port = smtp.port;
    let s = TestServer::spawn_with(|c| {
        c.smtp = Some(tsuru_api::config::SmtpSettings {
            server: format!("127.0.0.1:{port}"),
            user: "tsuru@example.com".into(),
            password: None,
            starttls: false,
        });
    })
    .await;
    let old_session = s.with_token(&s.login(ADMIN_EMAIL, ADMIN_PASSWORD).await);
    let a = s.anonymous();
    assert_eq!(a.post_form(&format!("/1.0/users/{ADMIN_EMAIL}/password"), &[]).await.status(), 200);
    let first = mails(&smtp.maildir);
    assert_eq!(first.len(), 1);
    assert!(first[0].contains("Subject: [tsuru] Password reset process"));
    assert!(first[0].contains(&format!("To: {ADMIN_EMAIL}")));
    let token = first[0]
        .split_whitespace()
        .skip_while(|w| *w != "-t")
        .nth(1)
        .expect("token in the mail")
        .to_string();
    assert_eq!(token.len(), 64, "{}", first[0]);
    let done = a.post_form(&format!("/1.0/users/{ADMIN_EMAIL}/password?token={token}"), &[]).await;
    assert_eq!(done.status(), 200);
    let second = mails(&smtp.maildir);
    assert_eq!(second.len(), 2);
    let mail =
        second.iter().find(|m| m.contains("Password successfully reset")).expect("second mail");
    let password = mail
        .lines()
        .find_map(|l| l.strip_prefix("Your new password is: "))
        .expect("password line")
        .trim();
    assert_eq!(password.len(), 12);
    s.login(ADMIN_EMAIL, password).await;
    assert_eq!(
        a.post_form("/1.0/auth/login", &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
            .await
            .status(),
        401
    );
    assert_eq!(
        old_session.get("/1.0/users/info").await.status(),
        401,
        "a reset revokes every session"
    );
    let again = a.post_form(&format!("/1.0/users/{ADMIN_EMAIL}/password?token={token}"), &[]).await;
    assert_eq!(status_text(again).await, (400, "Invalid token\n".into()), "a token works once");
}
