use serde_json::{json, Value};

use crate::{
    expect, get_json, private_pool, status_text, with_pool, with_teams, TestServer, FORBIDDEN,
};

#[tokio::test]
async fn creating_pools() {
    let s = TestServer::spawn().await;
    let admin = s.admin();
    let post = |body: Value| {
        let admin = admin.clone();
        async move { admin.post_json("/1.0/pools", &body).await }
    };
    let p1 = json!({"name": "p1", "default": true, "public": true, "labels": {"k": "v"}});
    expect(post(p1).await, 201, "", "p1").await;
    for (body, status, text) in [
        (json!({"name": "p1"}), 409, "Pool already exists.\n"),
        (json!({"name": ""}), 400, "Pool name is required.\n"),
    ] {
        expect(post(body.clone()).await, status, text, body).await;
    }
    assert_eq!(post(json!({"name": "Bad"})).await.status(), 400);
    for (body, status, text) in [
        (json!({"name": "p2", "provisioner": "nope"}), 400, "provisioner \"nope\" not found\n"),
        (json!({"name": "p2", "default": true}), 409, "Default pool already exists.\n"),
    ] {
        expect(post(body.clone()).await, status, text, body).await;
    }
    let forced = post(json!({"name": "p2", "default": true, "force": true})).await;
    assert_eq!(forced.status(), 201);
    let p1: Value = get_json(&admin, "/pools/p1").await;
    assert_eq!(p1["Default"], false, "force moved the default");
    assert_eq!(p1["Labels"], json!({"k": "v"}));
    assert_eq!(p1["public"], true);
    let bob = s.user("bob@example.com").await;
    let by_bob = bob.post_json("/1.0/pools", &json!({"name": "p3"})).await;
    expect(by_bob, 403, FORBIDDEN, "bob").await;
    assert_eq!(
        s.events("kindname=pool.create").await.len(),
        4,
        "name and provisioner are checked before the event"
    );
}

#[tokio::test]
async fn pool_info_answers_bare_and_from_1_8() {
    let s = with_pool().await;
    let (status, body) = status_text(s.admin().get("/pools/p1").await).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v,
        json!({"Name": "p1", "Default": true, "Provisioner": "", "Labels": null, "public": true, "teams": ["t1"],
               "allowed": {"plan": ["c0.1m0.2", "c0.3m0.5", "c0.5m1", "c1m2", "c2m4"], "router": ["default"], "team": ["t1"]}})
    );
    assert_eq!(s.admin().get("/1.8/pools/p1").await.status(), 200);
    assert_eq!(s.admin().get("/1.0/pools/p1").await.status(), 404, "GET one pool starts at 1.8");
    let missing = s.admin().get("/pools/nope").await;
    expect(missing, 404, "Pool does not exist.\n", "missing").await;
    let bob = s.user("bob@example.com").await;
    expect(bob.get("/pools/p1").await, 403, FORBIDDEN, "bob").await;
}

#[tokio::test]
async fn the_pool_list_shows_pools_the_callers_teams_may_use() {
    let s = with_teams(&["t1", "t2"]).await;
    s.default_pool("public").await;
    private_pool(&s, "only-t2", "t2").await;
    let admin = s.admin();
    let all: Vec<Value> = get_json(&admin, "/1.0/pools").await;
    assert_eq!(all.len(), 2);
    s.role("creator", "team", &["app.create"]).await;
    s.user("bob@example.com").await;
    s.assign("creator", "bob@example.com", "t1").await;
    let bob = s.with_token(&s.login("bob@example.com", "user-password").await);
    let seen: Vec<Value> = get_json(&bob, "/1.0/pools").await;
    assert_eq!(seen.iter().map(|p| p["Name"].clone()).collect::<Vec<_>>(), vec![json!("public")]);
    let carol = s.user("carol@example.com").await;
    assert_eq!(carol.get("/1.0/pools").await.status(), 204);
}

#[tokio::test]
async fn updating_pools_changes_only_what_is_sent() {
    let s = TestServer::spawn().await;
    s.default_pool("p1").await;
    let admin = s.admin();
    admin.post_json("/1.0/pools", &json!({"name": "p2", "labels": {"a": "1"}})).await;
    let put = |pool: &'static str, body: Value| {
        let admin = admin.clone();
        async move { admin.put_json(&format!("/1.0/pools/{pool}"), &body).await }
    };
    let made_public = put("p2", json!({"public": true, "labels": null})).await;
    assert_eq!(made_public.status(), 200);
    let p2: Value = get_json(&admin, "/pools/p2").await;
    assert_eq!((p2["public"].clone(), p2["Labels"].clone()), (json!(true), json!({"a": "1"})));
    let relabelled = put("p2", json!({"public": false, "labels": {"b": "2"}})).await;
    assert_eq!(relabelled.status(), 200);
    let p2: Value = get_json(&admin, "/pools/p2").await;
    assert_eq!((p2["public"].clone(), p2["Labels"].clone()), (json!(false), json!({"b": "2"})));
    let default = put("p2", json!({"default": true})).await;
    expect(default, 409, "Default pool already exists.\n", "default").await;
    let forced = put("p2", json!({"default": true, "force": true})).await;
    assert_eq!(forced.status(), 200);
    let p1: Value = get_json(&admin, "/pools/p1").await;
    assert_eq!(p1["Default"], false);
    let missing = put("nope", json!({"public": true})).await;
    expect(missing, 404, "Pool does not exist.\n", "missing").await;
    let bob = s.user("bob@example.com").await;
    let by_bob = bob.put_json("/1.0/pools/p2", &json!({"public": true})).await;
    assert_eq!(by_bob.status(), 403);
    assert_eq!(s.events("kindname=pool.update").await.len(), 5);
}

#[tokio::test]
async fn removing_pools() {
    let s = with_pool().await;
    s.admin().post_json("/1.0/pools", &json!({"name": "empty"})).await;
    s.app("a1", "t1").await;
    let has_apps =
        "This pool has apps, you need to migrate or remove them before removing the pool\n";
    expect(s.admin().delete("/1.0/pools/p1").await, 403, has_apps, "p1").await;
    assert_eq!(s.admin().delete("/1.0/pools/empty").await.status(), 200);
    let again = s.admin().delete("/1.0/pools/empty").await;
    expect(again, 404, "Pool does not exist.\n", "removed twice").await;
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.delete("/1.0/pools/p1").await.status(), 403);
}

#[tokio::test]
async fn pool_teams() {
    let s = with_teams(&["t1", "t2"]).await;
    s.default_pool("public").await;
    let admin = s.admin();
    admin.post_json("/1.0/pools", &json!({"name": "p"})).await;
    let add = |pool: &'static str, form: &'static [(&'static str, &'static str)]| {
        let admin = admin.clone();
        async move { admin.post_form(&format!("/1.0/pools/{pool}/team"), form).await }
    };
    #[rustfmt::skip]
    let cases = [
        ("p", &[][..], 400, "You must provide the team.\n"),
        ("nope", &[("team", "t1")], 404, "Pool does not exist.\n"),
        ("public", &[("team", "t1")], 400, "Public/Default pool can't have teams.\n"),
    ];
    for (pool, form, status, text) in cases {
        expect(add(pool, form).await, status, text, (pool, form)).await;
    }
    let both = add("p", &[("team", "t1"), ("team", "t2")]).await;
    assert_eq!(both.status(), 200);
    let again = add("p", &[("team", "t1")]).await;
    expect(again, 409, "Team already exists in pool.\n", "added twice").await;
    let p: Value = get_json(&admin, "/pools/p").await;
    assert_eq!(p["teams"], json!(["t1", "t2"]));
    let no_team = admin.delete("/1.0/pools/p/team").await;
    expect(no_team, 400, "You must provide the team\n", "no team").await;
    let removed = admin.delete("/1.0/pools/p/team?team=t1").await;
    assert_eq!(removed.status(), 200);
    let p: Value = get_json(&admin, "/pools/p").await;
    assert_eq!(p["teams"], json!(["t2"]));
    assert_eq!(s.events("kindname=pool.update.team.add").await.len(), 5);
    assert_eq!(s.events("kindname=pool.update.team.remove").await.len(), 2);
}

#[tokio::test]
async fn constraints() {
    let s = with_teams(&["t1"]).await;
    let admin = s.admin();
    assert_eq!(admin.get("/1.3/constraints").await.status(), 204);
    let put = |body: Value, q: &'static str| {
        let admin = admin.clone();
        async move { admin.put_json(&format!("/1.3/constraints{q}"), &body).await }
    };
    let invalid =
        "invalid constraint type. Valid types are: [team service router plan volume-plan]\n";
    #[rustfmt::skip]
    let cases = [
        (json!({"PoolExpr": "", "Field": "team", "Values": ["a"]}), "You must provide a Pool Expression\n"),
        (json!({"PoolExpr": "p*", "Field": "color", "Values": ["a"]}), invalid),
    ];
    for (body, text) in cases {
        expect(put(body.clone(), "").await, 400, text, body).await;
    }
    let set = put(json!({"PoolExpr": "p*", "Field": "plan", "Values": ["c1m2"]}), "").await;
    assert_eq!(set.status(), 200);
    let appended = json!({"PoolExpr": "p*", "Field": "plan", "Values": ["c2m4"]});
    assert_eq!(put(appended, "?append=true").await.status(), 200);
    let list: Vec<Value> = get_json(&admin, "/1.3/constraints").await;
    assert_eq!(
        list,
        vec![
            json!({"PoolExpr": "p*", "Field": "plan", "Values": ["c1m2", "c2m4"], "Blacklist": false})
        ]
    );
    admin.post_json("/1.0/pools", &json!({"name": "p1", "default": true})).await;
    let p1: Value = get_json(&admin, "/pools/p1").await;
    assert_eq!(p1["allowed"]["plan"], json!(["c1m2", "c2m4"]));
    let forbidden_plan = admin
        .post_form("/1.0/apps", &[("name", "a1"), ("teamOwner", "t1"), ("plan", "c0.1m0.2")])
        .await;
    let not_allowed = "App plan \"c0.1m0.2\" is not allowed on pool \"p1\"\n";
    expect(forbidden_plan, 400, not_allowed, "forbidden plan").await;
    let created = admin.post_form("/1.0/apps", &[("name", "a1"), ("teamOwner", "t1")]).await;
    assert_eq!(created.status(), 201);
    let a1: Value = get_json(&admin, "/1.0/apps/a1").await;
    assert_eq!(
        a1["plan"]["name"], "c1m2",
        "the pool's first allowed plan replaces a forbidden default"
    );
    let emptied = put(json!({"PoolExpr": "p*", "Field": "plan", "Values": []}), "").await;
    assert_eq!(emptied.status(), 200);
    let list: Vec<Value> = get_json(&admin, "/1.3/constraints").await;
    assert!(
        list.iter().all(|c| c["Field"] != "plan"),
        "empty values remove the constraint: {list:?}"
    );
    let bob = s.user("bob@example.com").await;
    assert_eq!(bob.get("/1.3/constraints").await.status(), 403);
    assert_eq!(s.events("kindname=pool.update.constraints.set").await.len(), 3);
}
