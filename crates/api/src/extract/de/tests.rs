//! The typed parse against form and JSON inputs.
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::super::tests::form;
use super::super::Input;

fn body(v: serde_json::Value) -> Input {
    Input::from_parts(Vec::new(), v.as_object().cloned())
}

#[derive(Deserialize, Debug, PartialEq, Default)]
struct Env {
    #[serde(default)]
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    private: bool,
}

#[derive(Deserialize, Debug, PartialEq, Default)]
struct Limits {
    #[serde(default)]
    memory: Option<i64>,
    #[serde(default)]
    cpumilli: Option<i64>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Sample {
    #[serde(default)]
    name: String,
    #[serde(rename = "teamOwner", default)]
    team_owner: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(rename = "Envs", default)]
    envs: Vec<Env>,
    #[serde(default)]
    routeropts: BTreeMap<String, String>,
    #[serde(default)]
    planoverride: Limits,
    #[serde(default)]
    force: bool,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "super::text_if_sent")]
    token: Option<String>,
}

#[test]
fn form_keys_follow_tsurus_rules() {
    let s: Sample = form(&[
        ("NAME", "app1"),
        ("teamowner", "t1"),
        ("tags.1", "b"),
        ("Tags.0", "a"),
        ("tags._", "c"),
        ("Envs.1.Name", "B"),
        ("envs.0.name", "A"),
        ("Envs.0.Value", "1"),
        ("Envs.0.Private", "TRUE"),
        ("routeropts.Domain.x", "example.com"),
        ("planoverride.memory", "1024"),
        ("force", "t"),
        ("limit", ""),
        ("token", ""),
    ])
    .parse()
    .unwrap();
    assert_eq!(s.name, "app1");
    assert_eq!(s.team_owner, "t1");
    assert_eq!(s.tags, ["a", "b", "c"]);
    assert_eq!(
        s.envs,
        [
            Env { name: "A".into(), value: "1".into(), private: true },
            Env { name: "B".into(), ..Env::default() }
        ]
    );
    assert_eq!(s.routeropts["Domain.x"], "example.com");
    assert_eq!(s.planoverride.memory, Some(1024));
    assert_eq!(s.planoverride.cpumilli, None);
    assert!(s.force);
    assert_eq!(s.limit, None, "an empty form value is not sent");
    assert_eq!(s.token.as_deref(), Some(""), "sent empty is not absent");
}

#[test]
fn json_bodies_fill_the_same_type() {
    let s: Sample = body(json!({
        "name": "app1",
        "tags": ["a"],
        "Envs": [{"Name": "A", "value": "1", "private": "f"}],
        "routeropts": {"k": "v"},
        "planoverride": {"cpumilli": 500},
        "force": true,
        "limit": "7",
    }))
    .parse()
    .unwrap();
    assert_eq!(s.tags, ["a"]);
    assert_eq!(s.envs[0].name, "A");
    assert!(!s.envs[0].private);
    assert_eq!(s.routeropts["k"], "v");
    assert_eq!(s.planoverride.cpumilli, Some(500));
    assert!(s.force);
    assert_eq!(s.limit, Some(7));
    assert_eq!(s.token, None);
    let bare: Sample = body(json!({"tags": "one"})).parse().unwrap();
    assert_eq!(bare.tags, ["one"], "a JSON string is a one-element list");
}

#[test]
fn errors_name_the_field() {
    let err = |i: Input| i.parse::<Sample>().unwrap_err().to_string();
    assert_eq!(
        err(body(json!({"name": 5}))),
        "invalid value for \"name\": expected a string, got a number"
    );
    assert_eq!(
        err(form(&[("force", "yes")])),
        "invalid value for \"force\": \"yes\" is not a boolean"
    );
    assert_eq!(
        err(body(json!({"force": "on"}))),
        "invalid value for \"force\": \"on\" is not a boolean"
    );
    assert_eq!(
        err(form(&[("limit", "ten")])),
        "invalid value for \"limit\": \"ten\" is not an integer"
    );
    assert_eq!(
        err(form(&[("Envs.0.Private", "2")])),
        "invalid value for \"Envs.0.private\": \"2\" is not a boolean"
    );
    assert_eq!(
        err(body(json!({"tags": ["a", 1]}))),
        "invalid value for \"tags.1\": expected a string, got a number"
    );
    assert!(err(body(json!({"routeropts": "x"}))).contains("expected an object"));
}

#[test]
fn go_booleans_in_any_case_and_nothing_else() {
    for (text, want) in [("1", true), ("t", true), ("T", true), ("TrUe", true)] {
        assert_eq!(super::parse_go_bool(text), Some(want), "{text}");
    }
    for (text, want) in [("0", false), ("f", false), ("FALSE", false)] {
        assert_eq!(super::parse_go_bool(text), Some(want), "{text}");
    }
    for text in ["yes", "on", "2", "", "truee"] {
        assert_eq!(super::parse_go_bool(text), None, "{text}");
    }
}

#[test]
fn excerpts_are_short() {
    assert_eq!(super::excerpt("abc", 5), "\"abc\"");
    assert_eq!(super::excerpt(&"x".repeat(100), 4), "\"xxxx\"...");
}
