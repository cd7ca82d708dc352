//! The database stops under a running `tsurud`, then comes back.
use std::time::{Duration, Instant};

use crate::support::{
    client, ferretdb_binary, fresh_database_name, FerretDb, Tsurud, ONE_AT_A_TIME,
};

/// Longest acceptable answer while the database is down.
const DEADLINE: Duration = Duration::from_secs(2);

/// Asserts that a request of `round` that began at `started` was answered within [`DEADLINE`].
#[track_caller]
fn in_time(started: Instant, round: usize) {
    let took = started.elapsed();
    assert!(took < DEADLINE, "round {round}: {took:?}");
}

#[tokio::test]
async fn a_database_outage_gets_503_in_time_and_tsurud_recovers_without_losing_data() {
    let Some(binary) = ferretdb_binary() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let mut db = FerretDb::start(binary);
    let server = Tsurud::start(&db.url(), &fresh_database_name(), &[]);
    let http = client();
    let auth = format!("bearer {}", server.token);
    let create = |name: &str| {
        http.post(format!("{}/1.0/teams", server.url))
            .header("Authorization", &auth)
            .json(&serde_json::json!({ "name": name }))
            .send()
    };
    let teams = || async {
        let resp = http
            .get(format!("{}/1.0/teams", server.url))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    };
    let health = || async { http.get(format!("{}/healthcheck", server.url)).send().await.unwrap() };
    assert_eq!(create("before").await.unwrap().status(), 201);

    db.kill();
    // Every kind of request that needs the database: a read, a write, a login, the health
    // check. Several rounds, to cover both a broken pooled connection and a server the driver
    // already knows to be down.
    for round in 0..3 {
        let started = Instant::now();
        let (status, body) = teams().await;
        assert_eq!(status, 503, "round {round}: {body}");
        assert!(body.starts_with("database unavailable: "), "round {round}: {body}");
        in_time(started, round);

        let started = Instant::now();
        let resp = create(&format!("during{round}")).await.unwrap();
        assert_eq!(resp.status(), 503);
        assert!(resp.text().await.unwrap().starts_with("database unavailable: "));
        in_time(started, round);

        let started = Instant::now();
        let login = http
            .post(format!("{}/1.0/auth/login", server.url))
            .form(&[("email", "root@example.com"), ("password", "root-password")])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 503);
        in_time(started, round);

        let started = Instant::now();
        let checked = health().await;
        assert_eq!(checked.status(), 503);
        let text = checked.text().await.unwrap();
        assert!(text.starts_with("mongodb: fail - database unavailable: "), "{text}");
        in_time(started, round);
    }

    db.restart();
    // Served again without a restart of tsurud, with everything acknowledged before.
    let deadline = Instant::now() + Duration::from_secs(20);
    let listed = loop {
        let (status, body) = teams().await;
        if status == 200 {
            break body;
        }
        assert_eq!(status, 503, "{body}");
        assert!(Instant::now() < deadline, "tsurud did not recover");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(listed.contains("\"before\""), "{listed}");
    assert!(!listed.contains("during"), "refused writes must not appear: {listed}");
    assert_eq!(create("after").await.unwrap().status(), 201);
    let (status, body) = teams().await;
    assert_eq!(status, 200);
    assert!(body.contains("\"before\"") && body.contains("\"after\""), "{body}");
    assert_eq!(health().await.status(), 200);
}
