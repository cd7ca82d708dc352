//! Item 12: login answers an unknown e-mail exactly as a wrong password, so it does not tell
//! which e-mails have accounts.
use tsuru_testkit::{status_text, TestServer, ADMIN_EMAIL};

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let s = TestServer::spawn().await;
    let a = s.anonymous();
    let login = |email: &'static str| {
        let a = a.clone();
        async move {
            status_text(
                a.post_form("/1.0/auth/login", &[("email", email), ("password", "wrong-password")])
                    .await,
            )
            .await
        }
    };
    let wrong = login(ADMIN_EMAIL).await;
    let unknown = login("nobody@example.com").await;
    assert_eq!(wrong, (401, "Authentication failed, wrong password.\n".into()));
    assert_eq!(unknown, wrong);
    // Unknown e-mails are throttled alike (5 failures by default).
    for _ in 0..5 {
        login("ghost@example.com").await;
    }
    let (status, text) = login("ghost@example.com").await;
    assert_eq!(status, 429, "{text}");
}
