//! `/metrics`: what this process counted, in Prometheus text format, at no store cost.
use crate::{with_teams, TestServer};

async fn scrape(s: &TestServer) -> String {
    let resp = s.anonymous().get("/metrics").await;
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

/// The value of the sample line starting with `prefix` (name and labels).
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let s = with_teams(&["t1"]).await;
    let admin = s.admin();
    for _ in 0..3 {
        assert_eq!(admin.get("/1.4/teams/t1").await.status(), 200);
    }
    assert_eq!(admin.get("/1.4/teams/nope").await.status(), 404);
    assert_eq!(s.anonymous().get("/1.0/teams").await.status(), 401);
    let text = scrape(&s).await;
    assert_eq!(
        sample(
            &text,
            "tsurud_http_requests_total{route=\"/teams/{name}\",method=\"GET\",status=\"200\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "tsurud_http_requests_total{route=\"/teams/{name}\",method=\"GET\",status=\"404\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "tsurud_http_request_duration_seconds_count{route=\"/teams/{name}\",method=\"GET\",status=\"200\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        text.contains(
            "tsurud_http_requests_total{route=\"/teams\",method=\"GET\",status=\"401\"} 1"
        ),
        "{text}"
    );
    assert_eq!(sample(&text, "tsurud_event_locks_held "), Some(0.0));
    assert!(sample(&text, "process_resident_memory_bytes ").is_some_and(|b| b > 1e6));
    match s.store_commands() {
        // On MongoDB: store commands are shown, and a scrape sends none.
        Some(before) => {
            assert!(
                text.contains("tsurud_store_commands_total{collection=\"teams\",command=\"find\"}"),
                "{text}"
            );
            scrape(&s).await;
            assert_eq!(s.store_commands(), Some(before));
        }
        None => assert!(!text.contains("tsurud_store_commands_total{")),
    }
}
