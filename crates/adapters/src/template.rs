//! Go `text/template` bodies for webhooks (gtmpl), as tsuru renders them.
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use gtmpl::{Context, Template, Value};
use serde_json::Value as Json;
use tsuru_domain::webhook::{RenderError, TemplateRenderer};

/// Renders webhook bodies with gtmpl, Go's template language.
#[derive(Debug, Default, Clone, Copy)]
pub struct GoTemplates;

/// The template value of JSON `v`. Objects are Go structs (a missing field fails the
/// execution, as in Go), except custom data, which Go holds as maps (a missing key prints
/// `<no value>`).
fn to_value(v: &Json, as_struct: bool) -> Value {
    match v {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or_default())
            }
        }
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(|x| to_value(x, as_struct)).collect()),
        Json::Object(m) => {
            let fields: HashMap<String, Value> = m
                .iter()
                .map(|(k, x)| {
                    (
                        k.clone(),
                        to_value(x, as_struct && !k.ends_with("CustomData")),
                    )
                })
                .collect();
            if as_struct {
                Value::Object(fields)
            } else {
                Value::Map(fields)
            }
        }
    }
}

impl TemplateRenderer for GoTemplates {
    fn render(&self, name: &str, template: &str, data: &Json) -> Result<String, RenderError> {
        // A template is user input: a panic in the engine must not take the request with it.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut tmpl = Template::with_name(name);
            tmpl.parse(template)
                .map_err(|e| RenderError::Parse(format!("template: {name}: {e}")))?;
            tmpl.render(&Context::from(to_value(data, true)))
                .map_err(|e| RenderError::Execute(format!("template: {name}: {e}")))
        }));
        outcome.unwrap_or_else(|_| {
            Err(RenderError::Execute(format!(
                "template: {name}: the template engine failed"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data() -> Json {
        json!({
            "UniqueID": {"Hex": "5f1c2a3b4c5d6e7f80910a1b"},
            "Kind": {"Type": "permission", "Name": "app.deploy"},
            "Target": {"Type": "app", "Value": "myapp"},
            "Owner": {"Type": "user", "Name": "me@example.com"},
            "Error": "",
            "Running": false,
            "StartTime": "2025-01-02 03:04:05 +0000 UTC",
            "StartCustomData": {"k": "v"},
        })
    }

    #[test]
    fn renders_tsurus_fields() {
        let out = GoTemplates
            .render(
                "h",
                r#"{"text":"{{.Kind.Name}} on {{.Target.Type}} {{.Target.Value}} by {{.Owner.Name}} ({{.UniqueID.Hex}}) at {{.StartTime}}{{if .Error}} failed{{end}}"}"#,
                &data(),
            )
            .unwrap();
        assert_eq!(
            out,
            r#"{"text":"app.deploy on app myapp by me@example.com (5f1c2a3b4c5d6e7f80910a1b) at 2025-01-02 03:04:05 +0000 UTC"}"#
        );
    }

    #[test]
    fn parse_and_execution_failures_are_told_apart() {
        assert!(matches!(
            GoTemplates.render("h", "{{.Kind.Name", &data()),
            Err(RenderError::Parse(_))
        ));
        match GoTemplates.render("h", "{{.Nope.Name}}", &data()) {
            Err(RenderError::Execute(e)) => assert!(e.starts_with("template: h: "), "{e}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            GoTemplates
                .render(
                    "h",
                    "{{.StartCustomData.k}}{{.StartCustomData.missing}}",
                    &data()
                )
                .unwrap(),
            "v<no value>",
            "custom data are maps"
        );
    }
}
