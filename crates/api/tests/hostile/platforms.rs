use reqwest::multipart::{Form, Part};
use reqwest::Method;

use crate::{status_text, TestServer, FORBIDDEN};

/// Without `platform.create`, an invalid add is refused for the permission, not the input.
#[tokio::test]
async fn adding_a_platform_checks_permission_before_the_input() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let form = Form::new()
        .text("name", "Bad Name")
        .part("dockerfile_content", Part::bytes(b"  ".to_vec()).file_name("Dockerfile"));
    let resp = bob.multipart(Method::POST, "/1.0/platforms", form).await;
    assert_eq!(status_text(resp).await, (403, FORBIDDEN.into()));
}

/// Without `platform.update`, a rollback without an image is refused for the permission.
#[tokio::test]
async fn rolling_back_a_platform_checks_permission_before_the_input() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    for image in ["", "not-a-version"] {
        assert_eq!(
            status_text(bob.post_form("/1.6/platforms/python/rollback", &[("image", image)]).await)
                .await,
            (403, FORBIDDEN.into()),
            "image {image:?}"
        );
    }
}

/// A body that is not multipart, or that carries no Dockerfile, is refused for the permission
/// too: the caller learns nothing from the shape of the request.
#[tokio::test]
async fn a_platform_add_without_an_upload_is_refused_for_the_permission_first() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    let bob = s.member("bob@example.com", "t1", &["app.read"]).await;
    let resp = bob.post_form("/1.0/platforms", &[("name", "python")]).await;
    assert_eq!(status_text(resp).await, (403, FORBIDDEN.into()), "a form body");
    let resp =
        bob.multipart(Method::POST, "/1.0/platforms", Form::new().text("name", "python")).await;
    assert_eq!(status_text(resp).await, (403, FORBIDDEN.into()), "no file part");
    let resp = s.admin().post_form("/1.0/platforms", &[("name", "python")]).await;
    assert_eq!(
        status_text(resp).await,
        (400, "request Content-Type isn't multipart/form-data\n".into()),
        "the admin learns what is wrong"
    );
}
