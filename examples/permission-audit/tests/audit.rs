//! The example run as users run it: on the demo organisation, and on a MongoDB database seeded
//! through the storage adapter (`TSURU_TEST_MONGODB_URL`, as `make test` provides).
use std::process::Command;

use tsuru_adapters::mongo::MongoStore;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_permission-audit"))
        .args(args)
        .output()
        .expect("run permission-audit");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const WEB_DEPLOYERS: &str = "\
KIND        HOLDER            THROUGH ROLE
team token  ci                deployer(web)
user        dev@example.com   deployer(web)
user        root@example.com  admin
";

#[test]
fn the_demo_lists_who_deploys_to_team_web_and_why() {
    let (ok, out, err) = run(&["--demo", "app.deploy", "team:web"]);
    assert!(ok, "{err}");
    assert_eq!(out, WEB_DEPLOYERS);
    // Reading is granted on `db` to dev (reader) and to nobody else but root.
    let (ok, out, _) = run(&["--demo", "app.read", "team:db"]);
    assert!(ok);
    assert!(out.contains("dev@example.com   reader(db)"), "{out}");
    assert!(!out.contains("ops@"), "{out}");
    // A parent permission is not granted by a child one.
    let (_, out, _) = run(&["--demo", "app", "team:web"]);
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn bad_arguments_are_explained() {
    let (ok, _, err) = run(&["--demo", "app.deploy", "galaxy:x"]);
    assert!(!ok);
    assert!(err.contains("galaxy:x"), "{err}");
    let (ok, _, err) = run(&["app.deploy"]);
    assert!(!ok);
    assert!(err.contains("usage:"), "{err}");
}

#[tokio::test]
async fn a_mongodb_database_is_audited_read_only() {
    let Ok(url) = std::env::var("TSURU_TEST_MONGODB_URL") else {
        assert!(std::env::var_os("CI").is_none(), "CI needs TSURU_TEST_MONGODB_URL");
        eprintln!("skipped: TSURU_TEST_MONGODB_URL is not set");
        return;
    };
    let name = format!("audit_{}", std::process::id());
    let store = MongoStore::connect(&url, &name).await.expect("connect");
    permission_audit::seed_demo(&store).await.expect("seed");
    let (ok, out, err) = run(&["--mongodb", &url, "--database", &name, "app.deploy", "team:web"]);
    assert!(ok, "{err}");
    assert_eq!(out, WEB_DEPLOYERS);
    store.database().drop().await.expect("drop");
}
