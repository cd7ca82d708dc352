//! The [`Provisioner`] port. Unlike the storage suites, a clause takes a fresh provisioner that
//! knows no app yet; run them with [`crate::provisioner_contract_tests!`].
use crate::error::Error;
use crate::output::Discard;
use crate::platform::parse_image_version;
use crate::provision::{PlatformBuild, Provisioner, Restart};
use crate::testing::app;
use crate::Result;

/// A provisioner has a name (pools refer to it by that name).
pub async fn it_has_a_name(p: &dyn Provisioner) {
    assert!(!p.name().is_empty(), "a provisioner needs a name");
}

/// An app never provisioned has no units (not an error).
pub async fn an_unknown_app_has_no_units(p: &dyn Provisioner) {
    assert_eq!(p.units(&app("ghost")).await.expect("units"), Vec::new());
}

/// Provisioning succeeds; the units then listed all belong to the app.
pub async fn provisioned_units_belong_to_the_app(p: &dyn Provisioner) {
    let web = app("web");
    p.provision(&web, &Discard).await.expect("provision");
    p.provision(&app("other"), &Discard).await.expect("provision");
    for u in p.units(&web).await.expect("units") {
        assert_eq!(u.app_name, "web", "unit {} of another app", u.id);
    }
}

/// Destroying an app removes every unit it had.
pub async fn destroy_removes_every_unit(p: &dyn Provisioner) {
    let web = app("web");
    p.provision(&web, &Discard).await.expect("provision");
    p.destroy(&web, &Discard).await.expect("destroy");
    assert_eq!(p.units(&web).await.expect("units"), Vec::new());
}

/// A restart of the whole app succeeds and leaves every unit counting as running.
pub async fn restart_leaves_every_unit_running(p: &dyn Provisioner) {
    let web = app("web");
    p.provision(&web, &Discard).await.expect("provision");
    p.restart(Restart::all(&web), &Discard).await.expect("restart");
    for u in p.units(&web).await.expect("units") {
        assert!(u.status.counts_for_quota(), "unit {} is {:?}", u.id, u.status);
    }
}

/// A restart of a process the app does not have is a 400.
pub async fn restart_of_an_unknown_process_is_a_bad_request(p: &dyn Provisioner) {
    let web = app("web");
    p.provision(&web, &Discard).await.expect("provision");
    let units = Restart { process: "no-such-process", ..Restart::all(&web) };
    match p.restart(units, &Discard).await {
        Err(Error::BadRequest(_)) => {}
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

/// A change of plan is applied without error.
pub async fn update_applies_a_plan_change(p: &dyn Provisioner) {
    let old = app("web");
    p.provision(&old, &Discard).await.expect("provision");
    let mut new = old.clone();
    new.plan.name = "bigger".into();
    new.plan.memory *= 2;
    p.update(&old, &new, &Discard).await.expect("update");
}

/// A provisioned app has an address on its router.
pub async fn a_provisioned_app_has_an_address(p: &dyn Provisioner) {
    let web = app("web");
    p.provision(&web, &Discard).await.expect("provision");
    let address = p.router_address(&web, "default").await.expect("address");
    assert!(!address.is_empty());
}

/// Builds platform `python` at `version` from `dockerfile`.
async fn build_python(p: &dyn Provisioner, version: i64, dockerfile: &str) -> Result<Vec<String>> {
    p.build_platform(PlatformBuild { name: "python", version, dockerfile }, &Discard).await
}

const DOCKERFILE: &str = "FROM tsuru/base\nRUN true\n";

/// A platform build returns its images, the first tagged with the version built, so that a
/// rollback can find it by version.
pub async fn build_platform_tags_the_version(p: &dyn Provisioner) {
    let images = build_python(p, 3, DOCKERFILE).await.expect("build");
    let first = images.first().expect("at least one image");
    assert_eq!(parse_image_version(first).expect("a versioned tag"), 3);
}

/// A Dockerfile that does not start with `FROM` is a 400.
pub async fn build_platform_refuses_a_dockerfile_without_from(p: &dyn Provisioner) {
    assert_bad_request(build_python(p, 1, "RUN true\n").await);
}

/// A provisioner that cannot build platform images refuses with a 400.
pub async fn build_platform_is_refused_with_a_bad_request(p: &dyn Provisioner) {
    assert_bad_request(build_python(p, 3, DOCKERFILE).await);
}

fn assert_bad_request(got: Result<Vec<String>>) {
    match got {
        Err(Error::BadRequest(_)) => {}
        other => panic!("expected BadRequest, got {other:?}"),
    }
}
