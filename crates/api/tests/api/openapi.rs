use std::collections::BTreeSet;

use serde_json::Value;
use tsuru_api::openapi::documented_path;
use tsuru_api::routes::ROUTES;

use crate::TestServer;

async fn served_document(s: &TestServer) -> Value {
    let resp = s.anonymous().get("/openapi.json").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    resp.json().await.unwrap()
}

/// (method, path) of every operation in the served document, methods spelled as in `ROUTES`.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let mut m = method.clone();
            m[..1].make_ascii_uppercase();
            out.insert((m, path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_served() {
    let s = TestServer::spawn().await;
    let doc = served_document(&s).await;
    let documented = operations(&doc);
    let served: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, v, p)| (m.to_string(), documented_path(v, p))).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes missing from /openapi.json (add them to openapi::operations): {missing:?}"
    );
    assert!(stale.is_empty(), "documented operations with no route: {stale:?}");
}

#[tokio::test]
async fn the_document_is_openapi_3_with_schemas_and_the_bearer_scheme() {
    let s = TestServer::spawn().await;
    let doc = served_document(&s).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!((&bearer["type"], &bearer["scheme"]), (&"http".into(), &"bearer".into()));
    let list = &doc["paths"]["/1.0/teams"]["get"];
    assert_eq!(list["security"], serde_json::json!([{"bearer": []}]));
    let item = &list["responses"]["200"]["content"]["application/json"]["schema"]["items"];
    assert_eq!(item["required"], serde_json::json!(["name", "permissions", "tags"]));
    let login = &doc["paths"]["/1.0/auth/login"]["post"];
    assert!(login.get("security").is_none(), "login needs no token");
    let body = &login["requestBody"]["content"];
    assert!(
        body["application/x-www-form-urlencoded"]["schema"]["properties"]["password"].is_object()
    );
    assert!(body["application/json"]["schema"]["properties"]["email"].is_object());
    assert_eq!(doc["paths"]["/1.4/teams/{name}"]["get"]["parameters"][0]["name"], "name");
    let user_ref = doc["paths"]["/1.0/users/info"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["properties"]["Roles"]["items"]["$ref"]
        .as_str()
        .unwrap();
    let name = user_ref.trim_start_matches("#/components/schemas/");
    assert!(doc["components"]["schemas"][name].is_object(), "{user_ref} is defined");
}

#[tokio::test]
async fn the_document_answers_without_a_token_even_with_a_bad_one() {
    let s = TestServer::spawn().await;
    let resp = s.with_token("not-a-token").get("/openapi.json").await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn every_link_targets_a_documented_operation_and_its_path_parameters() {
    let s = TestServer::spawn().await;
    let doc = served_document(&s).await;
    let mut ops = std::collections::BTreeMap::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ops.insert(op["operationId"].as_str().unwrap().to_string(), op.clone());
        }
    }
    let mut links = 0;
    for op in ops.values() {
        for resp in op["responses"].as_object().unwrap().values() {
            for link in resp["links"].as_object().into_iter().flat_map(|l| l.values()) {
                let target = link["operationId"].as_str().unwrap();
                let target = ops.get(target).unwrap_or_else(|| panic!("link to unknown {target}"));
                let names: Vec<&str> = target["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                for name in link["parameters"].as_object().unwrap().keys() {
                    assert!(names.contains(&name.as_str()), "{link}: no path parameter {name}");
                }
                links += 1;
            }
        }
    }
    assert!(links > 0);
}
