use reqwest::Method;
use serde_json::json;

use crate::{get_json, post_raw, status_text, with_teams, TestServer, UNAUTHORIZED};

/// `GET path` with `authorization` as the whole `Authorization` header.
async fn get_with_authorization(
    s: &TestServer,
    path: &str,
    authorization: String,
) -> reqwest::Response {
    s.anonymous()
        .request(Method::GET, path)
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_route_answers_at_its_version_at_higher_versions_and_bare() {
    let s = with_teams(&["infra"]).await;
    let admin = s.admin();
    for path in ["/1.4/teams/infra", "/1.18/teams/infra", "/teams/infra"] {
        assert_eq!(admin.get(path).await.status(), 200, "{path}");
    }
    let (status, body) = status_text(admin.get("/1.3/teams/infra").await).await;
    assert_eq!((status, body.as_str()), (404, "404 page not found\n"));
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404_page_not_found() {
    let s = TestServer::spawn().await;
    let (status, body) = status_text(s.admin().get("/1.0/nothing-here").await).await;
    assert_eq!((status, body.as_str()), (404, "404 page not found\n"));
    let resp = s.admin().request(Method::PATCH, "/1.0/teams").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
}

#[tokio::test]
async fn every_response_carries_supported_tsuru() {
    let s = TestServer::spawn().await;
    for resp in [
        s.anonymous().get("/healthcheck").await,
        s.anonymous().get("/1.0/teams").await,
        s.anonymous().get("/x").await,
    ] {
        assert_eq!(resp.headers()["supported-tsuru"], "1.0.1");
    }
}

#[tokio::test]
async fn missing_or_invalid_credentials_get_401_with_www_authenticate() {
    let s = TestServer::spawn().await;
    let no_token = s.anonymous().get("/1.0/teams").await;
    assert_eq!(no_token.headers()["www-authenticate"], r#"Bearer realm="tsuru" scope="tsuru""#);
    assert_eq!(status_text(no_token).await, (401, UNAUTHORIZED.to_string()));
    assert_eq!(s.with_token("not-a-token").get("/1.0/teams").await.status(), 401);
    let three_words = format!("bearer {} x", s.admin_token);
    let resp = get_with_authorization(&s, "/1.0/teams", three_words).await;
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn the_scheme_word_of_the_authorization_header_is_ignored() {
    let s = TestServer::spawn().await;
    for header in [
        format!("Bearer {}", s.admin_token),
        format!("token {}", s.admin_token),
        s.admin_token.clone(),
    ] {
        let resp = get_with_authorization(&s, "/1.0/users/info", header).await;
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_body() {
    let s = TestServer::spawn().await;
    let resp = post_raw(&s.admin(), "/1.0/teams", "application/json", r#"{"name":"#).await;
    let (status, body) = status_text(resp).await;
    assert_eq!(status, 400);
    assert!(body.starts_with(r#"unable to parse as json: "{\"name\":" - "#), "{body}");
    assert!(body.ends_with('\n'));
}

#[tokio::test]
async fn a_json_value_of_the_wrong_type_is_a_400() {
    let s = TestServer::spawn().await;
    let (status, body) =
        status_text(s.admin().post_json("/1.0/teams", &json!({"name": 5})).await).await;
    assert_eq!(status, 400);
    assert_eq!(body, "invalid value for \"name\": expected a string, got a number\n");
    let (status, _) = status_text(s.admin().post_json("/1.0/teams", &json!(["x"])).await).await;
    assert_eq!(status, 400);
    let (status, body) =
        status_text(s.admin().post_json("/1.0/teams", &json!({"name": "t1", "tags": [1]})).await)
            .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        s.admin().get("/1.4/teams/t1").await.status() == 404,
        "nothing stored on a bad request"
    );
}

#[tokio::test]
async fn bodies_over_the_configured_limit_get_413() {
    let s = TestServer::spawn_with(|c| c.server.max_body_size = 1024).await;
    let big = "x".repeat(4096);
    let (status, body) =
        status_text(s.admin().post_form("/1.0/teams", &[("name", &big)]).await).await;
    assert_eq!(status, 413);
    assert_eq!(body, "request body too large: the limit is 1024 bytes\n");
}

#[tokio::test]
async fn form_and_json_bodies_are_read_alike_with_case_insensitive_keys() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    assert_eq!(
        admin
            .post_form(
                "/1.0/teams",
                &[("Name", "formteam"), ("tags.1", "b"), ("tags.0", "a"), ("tag", "c")]
            )
            .await
            .status(),
        201
    );
    assert_eq!(
        admin
            .post_json("/1.0/teams", &json!({"NAME": "jsonteam", "tags": ["a", "b", "c"]}))
            .await
            .status(),
        201
    );
    for team in ["formteam", "jsonteam"] {
        let info: serde_json::Value = get_json(&admin, &format!("/1.4/teams/{team}")).await;
        assert_eq!(info["tags"], json!(["a", "b", "c"]), "{team}");
    }
}

#[tokio::test]
async fn json_bodies_escape_html_characters_as_go_does() {
    let s = TestServer::spawn().await;
    s.admin().post_json("/1.0/teams", &json!({"name": "esc", "tags": ["<b>&"]})).await;
    let body = s.admin().get("/1.4/teams/esc").await.text().await.unwrap();
    assert!(body.contains(r#""tags":["\u003cb\u003e\u0026"]"#), "{body}");
    assert!(body.ends_with('\n'));
}

#[tokio::test]
async fn healthcheck_and_info() {
    let s = TestServer::spawn().await;
    let (status, body) = status_text(s.anonymous().get("/healthcheck").await).await;
    assert_eq!(status, 200);
    if tsuru_testkit::mongo_selected() {
        assert!(body.starts_with("mongodb: WORKING (") && body.ends_with(")\n"), "{body:?}");
    } else {
        assert_eq!(body, "WORKING");
    }
    let (status, body) = status_text(s.admin().get("/1.0/info").await).await;
    assert_eq!(status, 200);
    assert_eq!(body, format!("{{\"version\":\"{}\"}}\n", env!("CARGO_PKG_VERSION")));
    assert_eq!(s.anonymous().get("/1.0/info").await.status(), 401);
}

#[tokio::test]
async fn every_authenticated_route_answers_401_without_a_token() {
    let s = TestServer::spawn().await;
    let public = [
        ("Get", "/healthcheck"),
        ("Get", "/healthcheck/"),
        // Scraped by Prometheus without credentials, as tsuru serves it.
        ("Get", "/metrics"),
        ("Get", "/auth/scheme"),
        ("Get", "/auth/schemes"),
        ("Post", "/auth/login"),
        ("Post", "/users"),
        ("Post", "/users/{email}/tokens"),
        ("Post", "/users/{email}/password"),
    ];
    let mut checked = 0;
    let param = regex::Regex::new(r"\{[^}]+\}").unwrap();
    for (method, version, path) in tsuru_api::routes::ROUTES {
        if public.contains(&(*method, *path)) {
            continue;
        }
        let concrete = param.replace_all(path, "x");
        let url = format!("/{version}{concrete}");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let resp = s.anonymous().request(m, &url).send().await.unwrap();
        assert_eq!(status_text(resp).await, (401, UNAUTHORIZED.to_string()), "{method} {url}");
        checked += 1;
    }
    assert!(checked > 60, "{checked} routes checked");
}
