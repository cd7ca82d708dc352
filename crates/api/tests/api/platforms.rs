use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};
use tsuru_testkit::{messages, stream_lines, Caller};

use crate::{expect, get_json, with_pool, TestServer, FORBIDDEN};

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
    c.multipart(Method::POST, "/1.0/platforms", dockerfile(Some(name), content)).await
}

/// `PUT /1.0/platforms/python` as `c` with a multipart `form`.
async fn update_python(c: &Caller, form: Form) -> reqwest::Response {
    c.multipart(Method::PUT, "/1.0/platforms/python", form).await
}

/// Adds a platform as `c` and asserts that its build succeeds.
async fn added(c: &Caller, name: &str, content: &str) {
    let (status, lines) = stream_lines(add(c, name, content).await).await;
    assert_eq!(status, 200, "adding {name}: {lines:?}");
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
    let duplicate = add(&admin, "python", "FROM x").await;
    expect(duplicate, 409, "Duplicate platform\n", "duplicate").await;
    assert_eq!(add(&admin, "Py", "FROM x").await.status(), 400, "bad name");
    for (content, text) in [
        ("   ", "Missing file content.\n"),
        ("RUN x", "invalid Dockerfile: the first instruction must be FROM\n"),
    ] {
        expect(add(&admin, "go", content).await, 400, text, content).await;
    }
    let no_file =
        admin.multipart(Method::POST, "/1.0/platforms", Form::new().text("name", "go")).await;
    expect(no_file, 400, "http: no such file\n", "no file").await;
    let not_multipart = admin.post_form("/1.0/platforms", &[("name", "go")]).await;
    let text = "request Content-Type isn't multipart/form-data\n";
    expect(not_multipart, 400, text, "not multipart").await;
    let list: Vec<Value> = get_json(&admin, "/1.0/platforms").await;
    assert_eq!(list, vec![json!({"Name": "python", "Disabled": false})]);
    let info: Value = get_json(&admin, "/1.6/platforms/python").await;
    assert_eq!(
        info,
        json!({"images": ["tsuru/python:v1"], "platform": {"Name": "python", "Disabled": false}})
    );
    let bob = s.user("bob@example.com").await;
    expect(add(&bob, "ruby", "FROM x").await, 403, FORBIDDEN, "bob adds").await;
    let info = bob.get("/1.6/platforms/python").await;
    expect(info, 403, FORBIDDEN, "bob reads").await;
    let missing = admin.get("/1.6/platforms/nope").await;
    expect(missing, 404, "Invalid platform\n", "missing").await;
    let events = s.events("target.type=platform").await;
    assert_eq!(events.len(), 4, "name and Dockerfile errors happen inside the event");
    assert_eq!(events.last().unwrap()["Cancelable"], true);
}

#[tokio::test]
async fn disabled_platforms_are_hidden_from_and_refused_to_users() {
    let s = with_pool().await;
    let admin = s.admin();
    added(&admin, "python", "FROM tsuru/python").await;
    let resp = update_python(&admin, Form::new().text("disabled", "true")).await;
    let (status, lines) = stream_lines(resp).await;
    assert_eq!((status, messages(&lines)), (200, "Platform successfully updated!\n".to_string()));
    let all: Vec<Value> = get_json(&admin, "/1.0/platforms").await;
    assert_eq!(all, vec![json!({"Name": "python", "Disabled": true})]);
    s.role("dev", "team", &["app"]).await;
    s.user("bob@example.com").await;
    s.assign("dev", "bob@example.com", "t1").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    assert_eq!(bob.get("/1.0/platforms").await.status(), 204);
    let by_bob = bob.post_form("/1.0/apps", &[("name", "a1"), ("platform", "python")]).await;
    expect(by_bob, 400, "Invalid platform\n", "bob").await;
    let by_admin = admin
        .post_form("/1.0/apps", &[("name", "a1"), ("teamOwner", "t1"), ("platform", "python")])
        .await;
    assert_eq!(by_admin.status(), 201, "admins may still use it");
    let empty = update_python(&admin, Form::new().text("disabled", "")).await;
    let text = "either disabled or dockerfile must be provided\n";
    expect(empty, 400, text, "neither field").await;
}

#[tokio::test]
async fn updating_with_a_dockerfile_and_rolling_back_build_new_versions() {
    let s = with_pool().await;
    let admin = s.admin();
    added(&admin, "python", "FROM tsuru/python:3.11").await;
    s.app("a1", "t1").await;
    admin.put_json("/1.0/apps/a1", &json!({"platform": "python"})).await;
    let resp = update_python(&admin, dockerfile(None, "FROM tsuru/python:3.12")).await;
    let (status, lines) = stream_lines(resp).await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("Successfully tagged tsuru/python:v2"));
    let rb = |image: &'static str| {
        let admin = admin.clone();
        async move { admin.post_form("/1.6/platforms/python/rollback", &[("image", image)]).await }
    };
    #[rustfmt::skip]
    let cases = [
        ("", 400, "you cannot rollback without an image name\n"),
        ("tsuru/python:latest", 400, "invalid image version \"tsuru/python:latest\"\n"),
        ("v9", 404, "platform python has no image version 9\n"),
    ];
    for (image, status, text) in cases {
        expect(rb(image).await, status, text, image).await;
    }
    let (status, lines) = stream_lines(rb("tsuru/python:v1").await).await;
    assert_eq!(status, 200);
    assert!(messages(&lines).contains("Step 1/1 : FROM tsuru/python:v1\n"), "{}", messages(&lines));
    let info: Value = get_json(&admin, "/1.6/platforms/python").await;
    assert_eq!(info["images"], json!(["tsuru/python:v1", "tsuru/python:v2", "tsuru/python:v3"]));
    let unknown = admin.post_form("/1.6/platforms/nope/rollback", &[("image", "v1")]).await;
    let plain = "a plain error when nothing was streamed";
    expect(unknown, 404, "Invalid platform\n", plain).await;
    assert_eq!(
        s.events("kindname=platform.update").await.len(),
        4,
        "image checks come before the event"
    );
}

#[tokio::test]
async fn removing_platforms() {
    let s = with_pool().await;
    let admin = s.admin();
    added(&admin, "python", "FROM tsuru/python").await;
    added(&admin, "go", "FROM tsuru/go").await;
    admin
        .post_form("/1.0/apps", &[("name", "a1"), ("teamOwner", "t1"), ("platform", "python")])
        .await;
    let has_apps = "Platform has apps. You must remove them before remove the platform.\n";
    let python = admin.delete("/1.0/platforms/python").await;
    expect(python, 400, has_apps, "python").await;
    assert_eq!(admin.delete("/1.0/platforms/go").await.status(), 200);
    let again = admin.delete("/1.0/platforms/go").await;
    expect(again, 404, "Platform doesn't exist.\n", "removed twice").await;
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.delete("/1.0/platforms/python").await.status(), 403);
    assert_eq!(s.events("kindname=platform.delete").await.len(), 3);
}
