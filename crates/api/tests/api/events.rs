use serde_json::{json, Value};

use crate::{expect, get_json, status_text, with_teams, TestServer, ADMIN_EMAIL, FORBIDDEN};

#[tokio::test]
async fn event_list_filters_and_pages() {
    let s = TestServer::spawn().await;
    for t in ["a1", "a2", "a3"] {
        s.team(t).await;
    }
    s.admin().delete("/1.0/teams/a3").await;
    let all = s.events("").await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["Kind"]["Name"], "team.delete", "newest first");
    let client_query = "allowedtargets=&erroronly=&kindtype=&limit=&ownername=&ownertype=&permissions=&raw=&since=&skip=&sort=&target.type=&target.value=&until=";
    assert_eq!(s.events(client_query).await.len(), 4, "the client's empty keys do not filter");
    assert_eq!(s.events("kindname=team.create&kindname=team.delete").await.len(), 4);
    assert_eq!(s.events("kindname=team.delete").await.len(), 1);
    assert_eq!(s.events("target.value=a2").await.len(), 1);
    assert_eq!(s.events(&format!("ownername={ADMIN_EMAIL}&ownertype=user")).await.len(), 4);
    assert_eq!(s.events("ownername=other@example.com").await.len(), 0);
    assert_eq!(s.events("running=true").await.len(), 0);
    assert_eq!(s.events("running=false&kindtype=permission").await.len(), 4);
    assert_eq!(s.events("limit=2").await.len(), 2);
    let page = s.events("limit=2&skip=3").await;
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["Target"]["Value"], "a1");
    let oldest_first = s.events("sort=starttime").await;
    assert_eq!(oldest_first[0]["Target"]["Value"], "a1");
    assert_eq!(s.events("since=2000-01-01&until=2999-01-01T00:00:00Z").await.len(), 4);
    assert_eq!(s.events("until=2000-01-01").await.len(), 0);
    for bad in ["running=maybe", "limit=x", "since=yesterday"] {
        let (status, _) = status_text(s.admin().get(&format!("/1.1/events?{bad}")).await).await;
        assert_eq!(status, 400, "{bad}");
    }
    let e = &all[0];
    for field in [
        "UniqueID",
        "StartTime",
        "EndTime",
        "Target",
        "Kind",
        "Owner",
        "Error",
        "Running",
        "Cancelable",
        "CancelInfo",
        "Allowed",
    ] {
        assert!(e.get(field).is_some(), "{field}");
    }
    assert!(e.get("CustomData").is_none(), "custom data only in info");
    assert_eq!(e["UniqueID"].as_str().unwrap().len(), 24);
    // The client decodes `Instance` into tsuru's `TrackedInstance`, whose ports are strings.
    assert_eq!(e["Instance"]["Port"], json!(""));
    assert_eq!(e["Instance"]["TLSPort"], json!(""));
}

#[tokio::test]
async fn the_list_is_capped_at_100() {
    let s = TestServer::spawn().await;
    for i in 0..105 {
        s.team(&format!("t{i}")).await;
    }
    assert_eq!(s.events("").await.len(), 100);
    assert_eq!(s.events("limit=500").await.len(), 100);
    assert_eq!(s.events("limit=0").await.len(), 100);
}

#[tokio::test]
async fn users_see_only_events_their_permissions_allow() {
    let s = with_teams(&["mine", "other"]).await;
    s.role("reader", "team", &["team.read.events"]).await;
    let bob = s.user("bob@example.com").await;
    let resp = bob.get("/1.1/events?kindname=team.create").await;
    expect(resp, 204, "", "bob").await;
    s.assign("reader", "bob@example.com", "mine").await;
    let seen: Vec<Value> = get_json(&bob, "/1.1/events?kindname=team.create").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["Target"], json!({"Type": "team", "Value": "mine"}));
    let own: Vec<Value> = get_json(&bob, "/1.1/events?target.type=user").await;
    assert_eq!(own.len(), 1, "the implicit user permission shows events about themself");
    assert_eq!(own[0]["Target"]["Value"], "bob@example.com");
    let other_id =
        s.events("target.value=other").await[0]["UniqueID"].as_str().unwrap().to_string();
    let mine_id = seen[0]["UniqueID"].as_str().unwrap().to_string();
    let resp = bob.get(&format!("/1.1/events/{other_id}")).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    assert_eq!(bob.get(&format!("/1.1/events/{mine_id}")).await.status(), 200);
}

#[tokio::test]
async fn event_info_has_custom_data_and_validates_the_id() {
    let s = TestServer::spawn().await;
    s.admin().post_json("/1.0/teams", &json!({"name": "t1", "tags": ["x"]})).await;
    let id = s.events("").await.into_iter().find(|e| e["Kind"]["Name"] == "team.create").unwrap()
        ["UniqueID"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = status_text(s.admin().get(&format!("/1.1/events/{id}")).await).await;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["UniqueID"], id.as_str());
    assert_eq!(
        info["CustomData"]["Start"],
        json!([{"name": "name", "value": "t1"}, {"name": "tags", "value": ["x"]}])
    );
    assert_eq!(info["CustomData"]["End"], Value::Null);
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(keys.last().unwrap().as_str(), "CustomData");
    let resp = s.admin().get("/1.1/events/not-an-id").await;
    expect(resp, 400, "uuid parameter is not ObjectId: not-an-id\n", "admin").await;
    let resp = s.admin().get("/1.1/events/000000000000000000000000").await;
    expect(resp, 404, "event not found\n", "admin").await;
    assert_eq!(s.anonymous().get(&format!("/1.1/events/{id}")).await.status(), 401);
}

#[tokio::test]
async fn event_kinds() {
    let s = with_teams(&["t1", "t2"]).await;
    let kinds: Vec<Value> = get_json(&s.admin(), "/1.1/events/kinds").await;
    assert_eq!(kinds, vec![json!({"Type": "permission", "Name": "team.create"})]);
    let empty = TestServer::spawn().await;
    let resp = empty.admin().get("/1.1/events/kinds").await;
    expect(resp, 204, "", "empty").await;
}

#[tokio::test]
async fn cancelling_events() {
    let s = with_teams(&["t1"]).await;
    let id = s.events("").await[0]["UniqueID"].as_str().unwrap().to_string();
    let admin = s.admin();
    let path = format!("/1.1/events/{id}/cancel");
    let resp = admin.post_form(&path, &[]).await;
    expect(resp, 400, "reason is mandatory\n", "admin").await;
    let resp = admin.post_form(&path, &[("reason", "stop")]).await;
    expect(resp, 400, "event is not cancelable\n", "admin").await;
    let bob = s.user("bob@example.com").await;
    let resp = bob.post_form(&path, &[("reason", "stop")]).await;
    expect(resp, 403, FORBIDDEN, "bob").await;
    let resp = admin.post_form("/1.1/events/xyz/cancel", &[("reason", "r")]).await;
    expect(resp, 400, "uuid parameter is not ObjectId: xyz\n", "admin").await;
    let resp =
        admin.post_form("/1.1/events/000000000000000000000000/cancel", &[("reason", "r")]).await;
    expect(resp, 404, "event not found\n", "admin").await;
}

#[tokio::test]
async fn the_api_instance_carries_its_ports_as_strings_as_tsuru_does() {
    let s = with_teams(&["ports"]).await;
    let events = s.events("kindname=team.create").await;
    let instance = &events[0]["Instance"];
    assert!(instance["Port"].is_string(), "{instance}");
    assert!(instance["TLSPort"].is_string(), "{instance}");
    assert_eq!(instance["Addresses"], Value::Null);
}
