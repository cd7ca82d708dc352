//! The EC2 IaaS against moto's EC2 emulation (`tests/support/moto_ec2.py`, installed by
//! `scripts/setup.sh`) on loopback. moto that cannot start fails the test: it never skips.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tsuru_adapters::iaas::{Ec2Iaas, Ec2Settings};
use tsuru_domain::iaas::Iaas;
use tsuru_domain::Error;

#[path = "../../../tests/support/peers.rs"]
mod peers;

use peers::Peer;

fn settings(endpoint: String, timeout: Duration) -> Ec2Settings {
    Ec2Settings {
        name: "ec2".into(),
        endpoint,
        region: "us-east-1".into(),
        key_id: "AKIDTEST".into(),
        secret_key: "test-secret".into(),
        timeout,
        wait_timeout: Duration::from_secs(20),
        poll_interval: Duration::from_millis(100),
    }
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn upstream_text(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::Upstream(m)) => m,
        other => panic!("expected an upstream error, got {other:?}"),
    }
}

#[tokio::test]
async fn create_describe_destroy_against_moto() {
    let moto = Peer::moto();
    let ec2 = Ec2Iaas::new(settings(moto.url(), Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    let m = ec2
        .create_machine(&params(&[("image", "ami-12c6146b"), ("type", "t2.micro")]))
        .await
        .expect("create");
    let created = started.elapsed();
    assert!(m.id.starts_with("i-"), "{m:?}");
    assert_eq!(m.status, "running", "create waits for the machine to run");
    assert!(!m.address.is_empty(), "{m:?}");
    let seen = ec2.describe_machine(&m.id).await.expect("describe").expect("known");
    assert_eq!(seen.id, m.id);
    assert_eq!(seen.status, "running");
    assert_eq!(seen.address, m.address);
    let t = Instant::now();
    ec2.destroy_machine(&m.id).await.expect("destroy");
    let destroyed = t.elapsed();
    let after = ec2.describe_machine(&m.id).await.expect("describe");
    assert!(
        after.as_ref().is_none_or(|a| a.status == "terminated" || a.status == "shutting-down"),
        "{after:?}"
    );
    eprintln!("moto: create {created:?}, destroy {destroyed:?}");
}

#[tokio::test]
async fn errors_name_the_iaas_and_the_ec2_code() {
    let moto = Peer::moto();
    let ec2 = Ec2Iaas::new(settings(moto.url(), Duration::from_secs(30))).unwrap();
    let text = upstream_text(ec2.destroy_machine("i-0123456789abcdef0").await);
    assert!(text.starts_with("ec2: InvalidInstanceID.NotFound: "), "{text}");
    assert_eq!(ec2.describe_machine("i-0123456789abcdef0").await.unwrap(), None);
    match ec2.create_machine(&params(&[("type", "t2.micro")])).await {
        Err(Error::BadRequest(m)) => assert_eq!(m, "image param required"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn peer_down_is_a_clear_upstream_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ec2 =
        Ec2Iaas::new(settings(format!("http://127.0.0.1:{port}"), Duration::from_secs(2))).unwrap();
    let text = upstream_text(ec2.destroy_machine("i-1").await);
    assert!(text.starts_with("ec2: TerminateInstances: cannot reach http://127.0.0.1:"), "{text}");
}

#[tokio::test]
async fn a_silent_peer_times_out() {
    // Accepts connections (the backlog) but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let ec2 =
        Ec2Iaas::new(settings(format!("http://127.0.0.1:{port}"), Duration::from_millis(500)))
            .unwrap();
    let t = Instant::now();
    let text = upstream_text(
        ec2.create_machine(&params(&[("image", "ami-1"), ("type", "t2.micro")])).await,
    );
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(text.starts_with("ec2: RunInstances: no answer from "), "{text}");
    drop(silent);
}
