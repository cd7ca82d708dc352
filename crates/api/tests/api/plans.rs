use serde_json::{json, Value};

use crate::{expect, get_json, status_text, TestServer, FORBIDDEN};

#[tokio::test]
async fn plans_are_seeded_listed_created_and_removed() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let plans: Vec<Value> = get_json(&admin, "/1.0/plans").await;
    assert_eq!(
        plans[0],
        json!({"name": "c0.1m0.2", "memory": 268435456, "cpumilli": 100, "default": true, "override": {"memory": null, "cpumilli": null}})
    );
    assert!(plans[1].get("default").is_none(), "default only when true");
    let (status, body) = status_text(
        admin
            .post_form(
                "/1.0/plans",
                &[("name", "big"), ("memory", "8G"), ("cpumilli", "4000"), ("default", "true")],
            )
            .await,
    )
    .await;
    assert_eq!(status, 201);
    let big: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(big["memory"], 8i64 * 1024 * 1024 * 1024);
    let plans: Vec<Value> = get_json(&admin, "/1.0/plans").await;
    assert_eq!(plans.iter().filter(|p| p["default"] == true).count(), 1);
    assert_eq!(plans.iter().find(|p| p["default"] == true).unwrap()["name"], "big");
    let resp = admin.post_form("/1.0/plans", &[("name", "big")]).await;
    expect(resp, 409, "plan already exists\n", "admin").await;
    let resp = admin.post_form("/1.0/plans", &[("name", "tiny"), ("memory", "1M")]).await;
    expect(resp, 400, "The minimum allowed memory is 4MB\n", "admin").await;
    assert_eq!(
        status_text(admin.post_form("/1.0/plans", &[("name", "x"), ("memory", "lots")]).await)
            .await
            .0,
        400
    );
    assert_eq!(admin.delete("/1.0/plans/big").await.status(), 200);
    let resp = admin.delete("/1.0/plans/big").await;
    expect(resp, 404, "plan not found\n", "admin").await;
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.0/plans").await.status(), 200, "any user may list plans");
    let resp = bob.post_form("/1.0/plans", &[("name", "b")]).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    assert_eq!(bob.delete("/1.0/plans/c1m2").await.status(), 403);
    assert_eq!(s.events("target.type=plan").await.len(), 5);
}

#[tokio::test]
async fn a_plan_with_negative_cpu_is_refused() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let resp = admin.post_form("/1.0/plans", &[("name", "neg"), ("cpumilli", "-1")]).await;
    expect(resp, 400, "invalid value for cpumilli\n", "admin").await;
    let plans: Vec<Value> = get_json(&admin, "/1.0/plans").await;
    assert!(plans.iter().all(|p| p["name"] != "neg"), "nothing stored");
    let (status, body) =
        status_text(admin.post_json("/1.0/plans", &json!({"name": "zero", "cpumilli": 0})).await)
            .await;
    assert_eq!(status, 201, "{body}");
}
