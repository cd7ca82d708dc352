use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_lines, Caller};

use crate::{get_json, status_text, TestServer, FORBIDDEN};

fn dockerfile(name: Option<&str>, content: &str) -> Form {
    let mut form = Form::new().part(
        "dockerfile_content",
        Part::bytes(content.as_bytes().to_vec()).file_name("Dockerfile"),
    );
    if let Some(n) = name {
        form = form.text("name", n.to_string());
    }
    form
}

async fn add(c: &Caller, name: &str, content: &str) -> reqwest::Response {
    c.request(Method::POST, "/1.0/platforms")
        .multipart(dockerfile(Some(name), content))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn adding_platforms_streams_the_build() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let resp = add(&admin, "python", "FROM tsuru/python\nRUN true\n").await;
    assert_eq!(resp.headers()["content-type"], "application/x-json-stream");
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(status, 200);
    assert_eq!(
        messages(&lines),
        "Step 1/2 : FROM tsuru/python\nStep 2/2 : RUN true\nSuccessfully tagged tsuru/python:v1\nPlatform successfully added!\n"
    );
    assert_eq!(
        status_text(add(&admin, "python", "FROM x").await).await,
        (409, "Duplicate platform\n".into())
    );
    assert_eq!(status_text(add(&admin, "Py", "FROM x").await).await.0, 400);
    assert_eq!(
        status_text(add(&admin, "go", "   ").await).await,
        (400, "Missing file content.\n".into())
    );
    assert_eq!(
        status_text(add(&admin, "go", "RUN x").await).await,
        (
            400,
            "invalid Dockerfile: the first instruction must be FROM\n".into()
        )
    );
    let no_file = admin
        .request(Method::POST, "/1.0/platforms")
        .multipart(Form::new().text("name", "go"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_text(no_file).await,
        (400, "http: no such file\n".into())
    );
    assert_eq!(
        status_text(admin.post_form("/1.0/platforms", &[("name", "go")]).await).await,
        (
            400,
            "request Content-Type isn't multipart/form-data\n".into()
        )
    );
    let list: Vec<Value> = get_json(&admin, "/1.0/platforms").await;
    assert_eq!(list, vec![json!({"Name": "python", "Disabled": false})]);
    let info: Value = get_json(&admin, "/1.6/platforms/python").await;
    assert_eq!(
        info,
        json!({"images": ["tsuru/python:v1"], "platform": {"Name": "python", "Disabled": false}})
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(
        status_text(add(&bob, "ruby", "FROM x").await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(bob.get("/1.6/platforms/python").await).await,
        (403, FORBIDDEN.into())
    );
    assert_eq!(
        status_text(admin.get("/1.6/platforms/nope").await).await,
        (404, "Invalid platform\n".into())
    );
    let events = s.events("target.type=platform").await;
    assert_eq!(
        events.len(),
        4,
        "name and Dockerfile errors happen inside the event"
    );
    assert_eq!(events.last().unwrap()["Cancelable"], true);
}

#[tokio::test]
async fn disabled_platforms_are_hidden_from_and_refused_to_users() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.default_pool("p1").await;
    let admin = s.admin();
    assert_eq!(
        stream_lines(add(&admin, "python", "FROM tsuru/python").await)
            .await
            .0,
        200
    );
    let resp = admin
        .request(Method::PUT, "/1.0/platforms/python")
        .multipart(Form::new().text("disabled", "true"))
        .send()
        .await
        .unwrap();
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(
        (status, messages(&lines)),
        (200, "Platform successfully updated!\n".to_string())
    );
    let all: Vec<Value> = get_json(&admin, "/1.0/platforms").await;
    assert_eq!(all, vec![json!({"Name": "python", "Disabled": true})]);
    s.role("dev", "team", &["app"]).await;
    s.user("bob@example.com").await;
    s.assign("dev", "bob@example.com", "t1").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(bob.get("/1.0/platforms").await.status(), 204);
    let (status, body) = status_text(
        bob.post_form("/1.0/apps", &[("name", "a1"), ("platform", "python")])
            .await,
    )
    .await;
    assert_eq!((status, body.as_str()), (400, "Invalid platform\n"));
    assert_eq!(
        admin
            .post_form(
                "/1.0/apps",
                &[("name", "a1"), ("teamOwner", "t1"), ("platform", "python")]
            )
            .await
            .status(),
        201,
        "admins may still use it"
    );
    let empty = admin
        .request(Method::PUT, "/1.0/platforms/python")
        .multipart(Form::new().text("disabled", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_text(empty).await,
        (
            400,
            "either disabled or dockerfile must be provided\n".into()
        )
    );
}

#[tokio::test]
async fn updating_with_a_dockerfile_and_rolling_back_build_new_versions() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.default_pool("p1").await;
    let admin = s.admin();
    assert_eq!(
        stream_lines(add(&admin, "python", "FROM tsuru/python:3.11").await)
            .await
            .0,
        200
    );
    s.app("a1", "t1").await;
    admin
        .put_json("/1.0/apps/a1", &json!({"platform": "python"}))
        .await;
    let resp = admin
        .request(Method::PUT, "/1.0/platforms/python")
        .multipart(dockerfile(None, "FROM tsuru/python:3.12"))
        .send()
        .await
        .unwrap();
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("Successfully tagged tsuru/python:v2"));
    let rb = |image: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .post_form("/1.6/platforms/python/rollback", &[("image", image)])
                .await
        }
    };
    assert_eq!(
        status_text(rb("").await).await,
        (400, "you cannot rollback without an image name\n".into())
    );
    assert_eq!(
        status_text(rb("tsuru/python:latest").await).await,
        (
            400,
            "invalid image version \"tsuru/python:latest\"\n".into()
        )
    );
    assert_eq!(
        status_text(rb("v9").await).await,
        (404, "platform python has no image version 9\n".into())
    );
    let (status, lines) = stream_lines(rb("tsuru/python:v1").await).await;
    assert_eq!(status, 200);
    assert!(
        messages(&lines).contains("Step 1/1 : FROM tsuru/python:v1\n"),
        "{}",
        messages(&lines)
    );
    let info: Value = get_json(&admin, "/1.6/platforms/python").await;
    assert_eq!(
        info["images"],
        json!(["tsuru/python:v1", "tsuru/python:v2", "tsuru/python:v3"])
    );
    let unknown = admin
        .post_form("/1.6/platforms/nope/rollback", &[("image", "v1")])
        .await;
    assert_eq!(
        status_text(unknown).await,
        (404, "Invalid platform\n".into()),
        "a plain error when nothing was streamed"
    );
    assert_eq!(
        s.events("kindname=platform.update").await.len(),
        4,
        "image checks come before the event"
    );
}

#[tokio::test]
async fn removing_platforms() {
    let s = TestServer::spawn().await;
    s.team("t1").await;
    s.default_pool("p1").await;
    let admin = s.admin();
    assert_eq!(
        stream_lines(add(&admin, "python", "FROM tsuru/python").await)
            .await
            .0,
        200
    );
    assert_eq!(
        stream_lines(add(&admin, "go", "FROM tsuru/go").await)
            .await
            .0,
        200
    );
    admin
        .post_form(
            "/1.0/apps",
            &[("name", "a1"), ("teamOwner", "t1"), ("platform", "python")],
        )
        .await;
    let (status, body) = status_text(admin.delete("/1.0/platforms/python").await).await;
    assert_eq!(
        (status, body.as_str()),
        (
            400,
            "Platform has apps. You must remove them before remove the platform.\n"
        )
    );
    assert_eq!(admin.delete("/1.0/platforms/go").await.status(), 200);
    assert_eq!(
        status_text(admin.delete("/1.0/platforms/go").await).await,
        (404, "Platform doesn't exist.\n".into())
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.delete("/1.0/platforms/python").await.status(), 403);
    assert_eq!(s.events("kindname=platform.delete").await.len(), 3);
}
