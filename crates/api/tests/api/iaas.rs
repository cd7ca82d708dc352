//! `/1.0/iaas/machines` and `/1.0/iaas/templates`, with machines made through moto's EC2
//! emulation (`peers::Peer::moto`).
use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{json, Value};
use tsuru_testkit::TestServer;

use crate::peers::{closed_port, Peer};
use crate::{expect, expect_delete, expect_get, get_json, status_text, FORBIDDEN, UNAUTHORIZED};

async fn with_ec2(endpoint: String) -> TestServer {
    TestServer::spawn_with(|s| crate::nodes::ec2(s, endpoint)).await
}

/// The form that creates template `small` of IaaS `ec2` with these `image` and `type`.
fn small_template<'a>(image: &'a str, kind: &'a str) -> [(&'a str, &'a str); 6] {
    [
        ("Name", "small"),
        ("IaaSName", "ec2"),
        ("Data.0.Name", "image"),
        ("Data.0.Value", image),
        ("Data.1.Name", "type"),
        ("Data.1.Value", kind),
    ]
}

async fn make_machine(s: &TestServer) -> String {
    let params = BTreeMap::from([
        ("image".to_string(), "ami-12c6146b".to_string()),
        ("type".to_string(), "t2.micro".to_string()),
    ]);
    s.iaas().create_machine(params).await.expect("machine").id
}

#[tokio::test]
async fn machines_are_listed_by_iaas_permission_and_destroyed() {
    let moto = Peer::moto();
    let s = with_ec2(moto.url()).await;
    let admin = s.admin();
    expect_get(&admin, "/1.0/iaas/machines", 200, "null\n").await;
    let started = Instant::now();
    let id = make_machine(&s).await;
    let list: Vec<Value> = get_json(&admin, "/1.0/iaas/machines").await;
    assert_eq!(list.len(), 1);
    let m = &list[0];
    assert_eq!(m["Id"], json!(id));
    assert_eq!(m["Iaas"], "ec2");
    assert_eq!(m["Status"], "running");
    assert_eq!(m["Port"], 2375);
    assert_eq!(m["Protocol"], "http");
    assert!(!m["Address"].as_str().unwrap().is_empty());
    assert_eq!(
        m["CreationParams"],
        json!({"iaas": "ec2", "image": "ami-12c6146b", "type": "t2.micro"})
    );
    assert!(m.get("CustomData").is_none(), "{m}");
    assert!(!m.to_string().contains("never-shown-secret"));

    expect_get(&s.anonymous(), "/1.0/iaas/machines", 401, UNAUTHORIZED).await;
    let nobody = s.user("nobody@example.com").await;
    expect_get(&nobody, "/1.0/iaas/machines", 200, "null\n").await;
    let other = s.holder("other@example.com", "iaas", "gce", &["machine"]).await;
    expect_get(&other, "/1.0/iaas/machines", 200, "null\n").await;
    let reader = s.holder("reader@example.com", "iaas", "ec2", &["machine.read"]).await;
    let seen: Vec<Value> = get_json(&reader, "/1.0/iaas/machines").await;
    assert_eq!(seen.len(), 1);

    let path = format!("/1.0/iaas/machines/{id}");
    expect(s.anonymous().delete(&path).await, 401, UNAUTHORIZED, "anon").await;
    expect(reader.delete(&path).await, 403, FORBIDDEN, "reader").await;
    expect(other.delete(&path).await, 403, FORBIDDEN, "other iaas").await;
    let unknown = "/1.0/iaas/machines/i-0000000000000000";
    expect_delete(&admin, unknown, 404, "machine not found\n").await;
    let t = Instant::now();
    expect(admin.delete(&path).await, 200, "", "destroy").await;
    eprintln!(
        "iaas: create+destroy through moto {:?} (destroy {:?})",
        started.elapsed(),
        t.elapsed()
    );
    expect_get(&admin, "/1.0/iaas/machines", 200, "null\n").await;
    expect_delete(&admin, &path, 404, "machine not found\n").await;
    let events: Vec<Value> = get_json(&admin, "/1.1/events?kindname=machine.delete").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["Target"], json!({"Type": "iaas", "Value": "ec2"}));
}

#[tokio::test]
async fn a_machine_the_iaas_cannot_destroy_stays_unless_forced() {
    let moto = Peer::moto();
    let s = with_ec2(moto.url()).await;
    let admin = s.admin();
    let id = make_machine(&s).await;
    drop(moto);
    let path = format!("/1.0/iaas/machines/{id}");
    let (status, text) = status_text(admin.delete(&path).await).await;
    assert_eq!(status, 502, "{text}");
    assert!(
        text.starts_with("failed to destroy machine in the IaaS: ec2: TerminateInstances: cannot reach http://127.0.0.1:"),
        "{text}"
    );
    let list: Vec<Value> = get_json(&admin, "/1.0/iaas/machines").await;
    assert_eq!(list.len(), 1, "the record stays");
    expect_delete(&admin, &format!("{path}?force=true"), 200, "").await;
    expect_get(&admin, "/1.0/iaas/machines", 200, "null\n").await;
}

#[tokio::test]
async fn templates_create_update_list_delete() {
    let s = with_ec2(format!("http://127.0.0.1:{}", closed_port())).await;
    let admin = s.admin();
    expect_get(&admin, "/1.0/iaas/templates", 200, "null\n").await;
    let form = small_template("ami-1", "t2.micro");
    let anon = s.anonymous().post_form("/1.0/iaas/templates", &form).await;
    expect(anon, 401, UNAUTHORIZED, "anon").await;
    let nobody = s.user("nobody@example.com").await;
    let denied = nobody.post_form("/1.0/iaas/templates", &form).await;
    expect(denied, 403, FORBIDDEN, "no permission").await;
    let created = admin.post_form("/1.0/iaas/templates", &form).await;
    expect(created, 201, "", "create").await;
    let again = admin.post_form("/1.0/iaas/templates", &form).await;
    expect(again, 409, "template name \"small\" already used\n", "dup").await;
    let gce = [("Name", "g"), ("IaaSName", "gce")];
    let bad = admin.post_form("/1.0/iaas/templates", &gce).await;
    expect(bad, 400, "IaaS provider \"gce\" not registered\n", "iaas").await;
    let unnamed = admin.post_form("/1.0/iaas/templates", &[("IaaSName", "ec2")]).await;
    expect(unnamed, 400, "template name cannot be empty\n", "no name").await;
    let list: Value = get_json(&admin, "/1.0/iaas/templates").await;
    assert_eq!(
        list,
        json!([{"Name": "small", "IaaSName": "ec2", "Data": [
            {"Name": "image", "Value": "ami-1"}, {"Name": "type", "Value": "t2.micro"}]}])
    );
    let reader = s.holder("reader@example.com", "iaas", "ec2", &["machine.template.read"]).await;
    let seen: Value = get_json(&reader, "/1.0/iaas/templates").await;
    assert_eq!(seen, list);
    let other = s.holder("other@example.com", "iaas", "gce", &["machine.template"]).await;
    expect_get(&other, "/1.0/iaas/templates", 200, "null\n").await;

    let change = [
        ("Data.0.Name", "type"),
        ("Data.0.Value", "m5.large"),
        ("Data.1.Name", "image"),
        ("Data.1.Value", ""),
        ("Data.2.Name", "keyName"),
        ("Data.2.Value", "k1"),
    ];
    let put = s.anonymous().put_form("/1.0/iaas/templates/small", &change).await;
    expect(put, 401, UNAUTHORIZED, "anon").await;
    let put = reader.put_form("/1.0/iaas/templates/small", &change).await;
    expect(put, 403, FORBIDDEN, "reader").await;
    let put = admin.put_form("/1.0/iaas/templates/nope", &change).await;
    expect(put, 404, "template not found\n", "unknown").await;
    let put = admin.put_form("/1.0/iaas/templates/small", &[("IaaSName", "gce")]).await;
    expect(put, 400, "IaaS provider \"gce\" not registered\n", "iaas").await;
    let put = admin.put_form("/1.0/iaas/templates/small", &change).await;
    expect(put, 200, "", "update").await;
    let list: Value = get_json(&admin, "/1.0/iaas/templates").await;
    assert_eq!(
        list[0]["Data"],
        json!([{"Name": "type", "Value": "m5.large"}, {"Name": "keyName", "Value": "k1"}])
    );

    let path = "/1.0/iaas/templates/small";
    expect(s.anonymous().delete(path).await, 401, UNAUTHORIZED, "anon").await;
    expect(reader.delete(path).await, 403, FORBIDDEN, "reader").await;
    expect(admin.delete(path).await, 200, "", "delete").await;
    expect_delete(&admin, path, 404, "template not found\n").await;
    expect_get(&admin, "/1.0/iaas/templates", 200, "null\n").await;
    let kinds: Vec<Value> = get_json(&admin, "/1.1/events?target.type=iaas").await;
    let mut names: Vec<&str> = kinds.iter().map(|e| e["Kind"]["Name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names,
        ["machine.template.create", "machine.template.delete", "machine.template.update"]
    );
}

#[tokio::test]
async fn a_template_expands_into_machine_params() {
    let moto = Peer::moto();
    let s = with_ec2(moto.url()).await;
    let admin = s.admin();
    let form = small_template("ami-12c6146b", "t2.nano");
    let created = admin.post_form("/1.0/iaas/templates", &form).await;
    expect(created, 201, "", "create").await;
    let params = BTreeMap::from([
        ("template".to_string(), "small".to_string()),
        ("type".to_string(), "t2.micro".to_string()),
    ]);
    let m = s.iaas().create_machine(params).await.expect("machine");
    assert_eq!(m.creation_params["type"], "t2.micro", "the caller's params win");
    assert_eq!(m.creation_params["image"], "ami-12c6146b");
    let found =
        s.iaas().find_machine_by_address(&m.address).await.unwrap().expect("found by address");
    assert_eq!(found.id, m.id);
    s.iaas().remove_machine(&m, false).await.expect("destroyed");
    expect_get(&admin, "/1.0/iaas/machines", 200, "null\n").await;
}
