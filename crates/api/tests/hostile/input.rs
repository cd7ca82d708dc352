//! Request input: bounded parsing, no echo of secrets, strict booleans.
use reqwest::Method;
use serde_json::json;

use crate::{status_text, TestServer};

/// `POST /1.0/teams` as the admin, with `body` sent as `content_type`.
async fn post_teams(s: &TestServer, content_type: &str, body: String) -> reqwest::Response {
    let req = s.admin().request(Method::POST, "/1.0/teams").header("Content-Type", content_type);
    req.body(body).send().await.unwrap()
}

fn form_body(pairs: impl Iterator<Item = (String, String)>) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(&k, &v);
    }
    ser.finish()
}

#[tokio::test]
async fn a_hundred_thousand_form_fields_are_refused_before_any_work() {
    let s = TestServer::spawn().await;
    let body = form_body((0..100_000).map(|i| (format!("tags.{i}"), format!("t{i}"))));
    let resp =
        post_teams(&s, "application/x-www-form-urlencoded", format!("name=bigteam&{body}")).await;
    let (status, text) = status_text(resp).await;
    assert_eq!(status, 400);
    assert_eq!(text, "too many fields in the request: at most 10000 are read\n");
    assert_eq!(s.admin().get("/1.4/teams/bigteam").await.status(), 404);

    // Unauthenticated, on a public route, and as JSON: the same answer.
    let items: Vec<_> = (0..20_000).map(|i| json!(i)).collect();
    let resp = s
        .anonymous()
        .post_json("/1.0/users", &json!({"email": "a@b.com", "password": "123456", "x": items}))
        .await;
    let (status, text) = status_text(resp).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.starts_with("too many fields"), "{text}");
}

#[tokio::test]
async fn many_fields_below_the_cap_are_read_in_full() {
    let s = TestServer::spawn().await;
    let body = form_body(
        std::iter::once(("name".to_string(), "wide".to_string()))
            .chain((0..9_000).map(|i| (format!("tags.{i}"), format!("t{i}")))),
    );
    let resp = post_teams(&s, "application/x-www-form-urlencoded", body).await;
    assert_eq!(resp.status(), 201);
    let team: serde_json::Value = s.admin().get("/1.4/teams/wide").await.json().await.unwrap();
    assert_eq!(team["tags"].as_array().map(Vec::len), Some(9_000));
    assert_eq!(team["tags"][8_999], "t8999");
}

#[tokio::test]
async fn a_malformed_body_is_not_echoed_in_full_nor_its_secrets() {
    let s = TestServer::spawn().await;
    let big = format!("{{\"name\": \"{}", "x".repeat(9 * 1024 * 1024));
    let resp = post_teams(&s, "application/json", big).await;
    let (status, text) = status_text(resp).await;
    assert_eq!(status, 400);
    assert!(text.len() < 300, "a short error, not the body: {} bytes", text.len());

    let resp = s
        .anonymous()
        .request(Method::POST, "/1.0/auth/login")
        .header("Content-Type", "application/json")
        .body(r#"{"email":"admin@example.com","password":"hunter22"#)
        .send()
        .await
        .unwrap();
    let (status, text) = status_text(resp).await;
    assert_eq!(status, 400);
    assert!(!text.contains("hunter22"), "the password came back: {text}");
    assert!(text.starts_with("unable to parse as json: "), "{text}");
}

#[tokio::test]
async fn booleans_take_gos_spellings_and_refuse_anything_else() {
    let s = TestServer::spawn().await;
    s.default_pool("pool1").await;
    s.team("team1").await;
    s.app("app1", "team1").await;
    let set = |private: &'static str| {
        let s = &s;
        async move {
            s.admin()
                .post_form(
                    "/1.0/apps/app1/env",
                    &[
                        ("Envs.0.Name", "SECRET_KEY"),
                        ("Envs.0.Value", "s3cr3t"),
                        ("Private", private),
                        ("NoRestart", "true"),
                    ],
                )
                .await
        }
    };
    for bad in ["yes", "on", "2"] {
        let (status, text) = status_text(set(bad).await).await;
        assert_eq!(status, 400, "Private={bad}: {text}");
        assert_eq!(text, format!("invalid value for \"Private\": \"{bad}\" is not a boolean\n"));
    }
    let env = s.admin().get("/1.0/apps/app1/env?env=SECRET_KEY").await;
    assert_eq!(env.text().await.unwrap().trim(), "null", "nothing was stored");

    let (status, _) = status_text(set("TRUE").await).await;
    assert_eq!(status, 200);
    let env: serde_json::Value =
        s.admin().get("/1.0/apps/app1/env?env=SECRET_KEY").await.json().await.unwrap();
    assert_eq!(env[0]["public"], false, "TRUE is true: the variable is private");
    assert_eq!(env[0]["value"], "*** (private variable)");

    let json = s
        .admin()
        .post_json(
            "/1.0/apps/app1/env",
            &json!({"Envs": [{"Name": "B", "Value": "1"}], "Private": "yes"}),
        )
        .await;
    assert_eq!(json.status(), 400);
}
