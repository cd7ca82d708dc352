//! Item 12: only tsuru's `1.x` versions are served; `/2.0/...` and other prefixes are 404.
use tsuru_testkit::{status_text, TestServer};

#[tokio::test]
async fn only_1_x_versions_are_served() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    s.team("t1").await;
    for path in ["/1.0/teams", "/1.18/teams", "/teams"] {
        assert_eq!(admin.get(path).await.status(), 200, "{path}");
    }
    for path in ["/2.0/teams", "/2/teams", "/9.1/teams", "/0.9/teams", "/2.0/healthcheck"] {
        assert_eq!(
            status_text(admin.get(path).await).await,
            (404, "404 page not found\n".into()),
            "{path}"
        );
    }
}
