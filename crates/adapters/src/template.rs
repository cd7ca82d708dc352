//! Go `text/template` bodies for webhooks (gtmpl), as tsuru renders them, bounded: a template
//! is any webhook owner's input, so it runs on a thread of its own with its size, nesting,
//! loop steps, stack, output and time limited, and engine panics contained.
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gtmpl::{funcs, Context, Func, FuncError, Template, Value};
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
                .map(|(k, x)| (k.clone(), to_value(x, as_struct && !k.ends_with("CustomData"))))
                .collect();
            if as_struct {
                Value::Object(fields)
            } else {
                Value::Map(fields)
            }
        }
    }
}

/// Longest template accepted, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// Deepest nesting of blocks (`if`, `range`, `with`, `define`, `block`) and parentheses.
pub const MAX_NESTING: usize = 100;
/// Largest rendered body, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Longest a render may run.
pub const RENDER_TIMEOUT: Duration = Duration::from_secs(1);
/// Loop iterations and template calls one render may make.
const MAX_STEPS: u64 = 1_000_000;
/// Widest `printf` width or precision.
const MAX_PRINTF_WIDTH: usize = 1000;
/// Stack of the render thread. Nesting is bounded before parsing, and each loop iteration and
/// template call checks the stack in use against [`STACK_GUARD`], so execution stops with an
/// error long before the end of the stack: an overflow aborts the process and cannot be caught.
const RENDER_STACK: usize = 32 * 1024 * 1024;
/// Stack a render may use before it is stopped.
const STACK_GUARD: usize = 16 * 1024 * 1024;
/// Name of the function called on each loop iteration and template call.
const TICK: &str = "tsuruStep_";

/// What the render running on this thread may still use.
struct Budget {
    deadline: Instant,
    steps: u64,
    stack_base: usize,
    /// Why the render was stopped, once it was.
    stopped: Option<String>,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// An address on the current stack.
fn stack_position() -> usize {
    let marker = 0u8;
    std::ptr::addr_of!(marker) as usize
}

/// Stops the render with `reason` (the first reason wins).
fn stop(reason: String) -> String {
    BUDGET.with(|b| {
        if let Some(b) = b.borrow_mut().as_mut() {
            b.stopped.get_or_insert(reason).clone()
        } else {
            reason
        }
    })
}

/// Checks time, steps and stack; `step` counts one loop iteration or template call.
fn check_budget(step: bool) -> Result<(), String> {
    let here = stack_position();
    let verdict = BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let Some(b) = b.as_mut() else {
            return Ok(());
        };
        if let Some(r) = &b.stopped {
            return Err(r.clone());
        }
        if step {
            b.steps = b.steps.saturating_add(1);
            if b.steps > MAX_STEPS {
                return Err(format!("more than {MAX_STEPS} loop iterations and template calls"));
            }
        }
        if b.stack_base.abs_diff(here) > STACK_GUARD {
            return Err("template calls nested too deeply".into());
        }
        if Instant::now() > b.deadline {
            return Err(format!("rendering took longer than {} ms", RENDER_TIMEOUT.as_millis()));
        }
        Ok(())
    });
    verdict.map_err(stop)
}

/// Called (through the text inserted by [`prepare`]) at every loop iteration and template
/// call; prints nothing.
fn step(_: &[Value]) -> Result<Value, FuncError> {
    check_budget(true).map_err(FuncError::Generic)?;
    Ok(Value::String(String::new()))
}

/// The length `v` prints with, for size checks before building a string.
fn printed_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        other => other.to_string().len(),
    }
}

/// Refuses string-building calls whose result could exceed the output bound.
fn check_size(name: &str, args: &[Value], extra: usize) -> Result<(), FuncError> {
    let total = args.iter().map(printed_len).fold(extra, usize::saturating_add);
    if total > MAX_OUTPUT_BYTES {
        return Err(FuncError::Generic(stop(format!(
            "{name} would build more than {MAX_OUTPUT_BYTES} bytes"
        ))));
    }
    check_budget(false).map_err(FuncError::Generic)
}

/// The widths and precisions of a `printf` format, or why it is refused.
fn printf_padding(format: &str) -> Result<usize, String> {
    let b = format.as_bytes();
    let mut i = 0;
    let mut padding = 0usize;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while i < b.len() && b"+-# 0".contains(&b[i]) {
            i += 1;
        }
        loop {
            let mut n = 0usize;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'[' || b[i] == b']') {
                if b[i].is_ascii_digit() {
                    n = n.saturating_mul(10).saturating_add(usize::from(b[i] - b'0'));
                }
                i += 1;
            }
            if i < b.len() && b[i] == b'*' {
                return Err("printf: `*` widths are not allowed in webhook bodies".into());
            }
            if n > MAX_PRINTF_WIDTH {
                return Err(format!(
                    "printf: widths and precisions above {MAX_PRINTF_WIDTH} are not allowed"
                ));
            }
            padding = padding.saturating_add(n);
            if i < b.len() && b[i] == b'.' {
                i += 1;
                continue;
            }
            break;
        }
        i += 1;
    }
    Ok(padding)
}

fn bounded_printf(args: &[Value]) -> Result<Value, FuncError> {
    let format = match args.first() {
        Some(Value::String(f)) => f.clone(),
        _ => return funcs::printf(args),
    };
    let padding = printf_padding(&format).map_err(|e| FuncError::Generic(stop(e)))?;
    let verbs = format.matches('%').count();
    check_size("printf", args, padding.saturating_add(verbs.saturating_mul(32)))?;
    funcs::printf(args)
}

fn bounded_print(args: &[Value]) -> Result<Value, FuncError> {
    check_size("print", args, args.len())?;
    funcs::print(args)
}

fn bounded_println(args: &[Value]) -> Result<Value, FuncError> {
    check_size("println", args, args.len().saturating_add(1))?;
    funcs::println(args)
}

fn bounded_urlquery(args: &[Value]) -> Result<Value, FuncError> {
    // Escaping at most triples the text.
    let total = args.iter().map(printed_len).fold(0usize, usize::saturating_add);
    check_size("urlquery", &[], total.saturating_mul(3))?;
    funcs::urlquery(args)
}

/// Checks a template's size and nesting before the (recursive) parser sees it, and inserts a
/// call of [`step`] at the start of the text, of every `range` body and of every `define` and
/// `block` body, so loops and template calls are counted, timed and stack-checked.
///
/// A template the scan cannot follow (an action or string left open) is returned as it is
/// from there on: the parser then refuses it.
fn prepare(text: &str) -> Result<String, String> {
    if text.len() > MAX_TEMPLATE_BYTES {
        return Err(format!("the template is longer than {MAX_TEMPLATE_BYTES} bytes"));
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("{{");
    out.push_str(TICK);
    out.push_str("}}");
    let (mut blocks, mut copied, mut i) = (0usize, 0usize, 0usize);
    let too_deep =
        || format!("the template nests blocks or parentheses more than {MAX_NESTING} deep");
    while let Some(open) = text[i..].find("{{").map(|p| p + i) {
        let mut j = open + 2;
        if b.get(j) == Some(&b'-') && b.get(j + 1).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if text[j..].starts_with("/*") {
            match text[j..].find("*/").and_then(|c| text[j + c..].find("}}").map(|e| j + c + e)) {
                Some(close) => {
                    i = close + 2;
                    continue;
                }
                None => break,
            }
        }
        let word_end = text[j..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |w| j + w);
        let keyword = &text[j..word_end];
        match keyword {
            "if" | "range" | "with" | "define" | "block" => {
                blocks += 1;
                if blocks > MAX_NESTING {
                    return Err(too_deep());
                }
            }
            "end" => blocks = blocks.saturating_sub(1),
            _ => {}
        }
        // To the end of the action, past strings, counting parentheses.
        let (mut k, mut parens, mut close) = (word_end, 0usize, None);
        while k < b.len() {
            match b[k] {
                b'"' | b'\'' => {
                    let quote = b[k];
                    k += 1;
                    while k < b.len() && b[k] != quote && b[k] != b'\n' {
                        k += if b[k] == b'\\' { 2 } else { 1 };
                    }
                }
                b'`' => {
                    k += 1;
                    while k < b.len() && b[k] != b'`' {
                        k += 1;
                    }
                }
                b'(' => {
                    parens += 1;
                    if blocks + parens > MAX_NESTING {
                        return Err(too_deep());
                    }
                }
                b')' => parens = parens.saturating_sub(1),
                b'}' if b.get(k + 1) == Some(&b'}') => {
                    close = Some(k);
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        let Some(close) = close else {
            break;
        };
        i = close + 2;
        if matches!(keyword, "range" | "define" | "block") {
            let trims = close >= 2 && b[close - 1] == b'-' && b[close - 2].is_ascii_whitespace();
            out.push_str(&text[copied..i]);
            copied = i;
            out.push_str("{{");
            out.push_str(TICK);
            out.push_str(if trims { " -}}" } else { "}}" });
        }
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// A body that stops growing at [`MAX_OUTPUT_BYTES`] and checks the time on every write.
struct BoundedWriter(Vec<u8>);

impl Write for BoundedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len().saturating_add(buf.len()) > MAX_OUTPUT_BYTES {
            let why = stop(format!("the rendered body is larger than {MAX_OUTPUT_BYTES} bytes"));
            return Err(std::io::Error::other(why));
        }
        check_budget(false).map_err(std::io::Error::other)?;
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Parses and executes on the current thread, within the budget set up by the caller.
fn render_here(name: &str, template: &str, data: &Json) -> Result<String, RenderError> {
    let text =
        prepare(template).map_err(|e| RenderError::Limit(format!("template: {name}: {e}")))?;
    let mut tmpl = Template::with_name(name);
    let bounded: [(&str, Func); 5] = [
        (TICK, step),
        ("printf", bounded_printf),
        ("print", bounded_print),
        ("println", bounded_println),
        ("urlquery", bounded_urlquery),
    ];
    tmpl.add_funcs(&bounded);
    tmpl.parse(text).map_err(|e| RenderError::Parse(format!("template: {name}: {e}")))?;
    let mut out = BoundedWriter(Vec::new());
    let result = tmpl.execute(&mut out, &Context::from(to_value(data, true)));
    let stopped = BUDGET.with(|b| b.borrow().as_ref().and_then(|b| b.stopped.clone()));
    if let Some(why) = stopped {
        return Err(RenderError::Limit(format!("template: {name}: {why}")));
    }
    result.map_err(|e| RenderError::Execute(format!("template: {name}: {e}")))?;
    String::from_utf8(out.0).map_err(|e| RenderError::Execute(format!("template: {name}: {e}")))
}

/// Starts a render on a thread of its own, with a large stack, a deadline, a step budget and
/// an output bound, and hands its outcome to `done`; a panic in the engine becomes
/// [`RenderError::Limit`].
fn spawn_render(
    name: &str,
    template: &str,
    data: &Json,
    done: impl FnOnce(Result<String, RenderError>) + Send + 'static,
) -> Result<(), RenderError> {
    let (name_owned, template, data) = (name.to_string(), template.to_string(), data.clone());
    std::thread::Builder::new()
        .name("webhook-template".into())
        .stack_size(RENDER_STACK)
        .spawn(move || {
            BUDGET.with(|b| {
                *b.borrow_mut() = Some(Budget {
                    deadline: Instant::now() + RENDER_TIMEOUT,
                    steps: 0,
                    stack_base: stack_position(),
                    stopped: None,
                });
            });
            let outcome =
                catch_unwind(AssertUnwindSafe(|| render_here(&name_owned, &template, &data)));
            done(outcome.unwrap_or_else(|_| {
                Err(RenderError::Limit(format!(
                    "template: {name_owned}: the template engine failed on this template"
                )))
            }));
        })
        .map(|_| ())
        .map_err(|e| {
            RenderError::Limit(format!("template: {name}: could not start rendering: {e}"))
        })
}

fn too_slow(name: &str) -> RenderError {
    RenderError::Limit(format!(
        "template: {name}: rendering took longer than {} ms",
        RENDER_TIMEOUT.as_millis()
    ))
}

/// The render stops itself at its deadline; the margin covers one last slow step.
const WAIT: Duration = Duration::from_secs(3);

#[async_trait]
impl TemplateRenderer for GoTemplates {
    fn render(&self, name: &str, template: &str, data: &Json) -> Result<String, RenderError> {
        let (tx, rx) = mpsc::sync_channel(1);
        spawn_render(name, template, data, move |r| {
            let _ = tx.send(r);
        })?;
        rx.recv_timeout(WAIT).unwrap_or_else(|_| Err(too_slow(name)))
    }

    /// Waits for the render thread without blocking the caller's executor thread.
    async fn render_async(
        &self,
        name: &str,
        template: &str,
        data: &Json,
    ) -> Result<String, RenderError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        spawn_render(name, template, data, move |r| {
            let _ = tx.send(r);
        })?;
        match tokio::time::timeout(WAIT, rx).await {
            Ok(Ok(result)) => result,
            _ => Err(too_slow(name)),
        }
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
                .render("h", "{{.StartCustomData.k}}{{.StartCustomData.missing}}", &data())
                .unwrap(),
            "v<no value>",
            "custom data are maps"
        );
    }

    /// Renders a hostile template: it must come back, as a bound error, within 3 s.
    fn hostile(label: &str, template: &str) -> String {
        let started = Instant::now();
        let outcome = GoTemplates.render("h", template, &data());
        let took = started.elapsed();
        eprintln!("{label}: {took:?}: {outcome:?}");
        assert!(took < Duration::from_secs(3), "{label} took {took:?}");
        match outcome {
            Err(RenderError::Limit(e)) => e,
            other => panic!("{label}: {other:?}"),
        }
    }

    #[test]
    fn hostile_templates_end_as_bound_errors() {
        let e = hostile(
            "self-recursive define",
            r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#,
        );
        assert!(e.contains("nested too deeply") || e.contains("loop iterations"), "{e}");
        hostile("the root calling itself", r#"x{{template "h" .}}"#);
        let e = hostile("20,000 nested ifs", &"{{if 1}}".repeat(20_000));
        assert!(e.contains("longer than 65536 bytes"), "{e}");
        let e = hostile("5,000 nested ifs", &"{{if 1}}".repeat(5_000));
        assert!(e.contains("nests blocks or parentheses more than 100 deep"), "{e}");
        let closed = format!("{}x{}", "{{if 1}}".repeat(3_000), "{{end}}".repeat(3_000));
        hostile("3,000 nested ifs, closed", &closed);
        let parens = format!("{{{{{}1{}}}}}", "(".repeat(20_000), ")".repeat(20_000));
        hostile("20,000 nested parentheses", &parens);
        let parens = format!("{{{{{}1{}}}}}", "(".repeat(101), ")".repeat(101));
        let e = hostile("101 nested parentheses", &parens);
        assert!(e.contains("more than 100 deep"), "{e}");
        let e = hostile("huge printf width", r#"{{printf "%0999999d" 1}}"#);
        assert!(e.contains("widths and precisions above"), "{e}");
        hostile("star width", r#"{{printf "%0*d" 999999999 1}}"#);
        let fan_out: String = (0..10)
            .map(|i| {
                let call = format!(r#"{{{{template "t{}" .}}}}"#, i + 1);
                format!(r#"{{{{define "t{i}"}}}}{}{{{{end}}}}"#, call.repeat(10))
            })
            .collect::<String>()
            + r#"{{define "t10"}}{{end}}{{template "t0" .}}"#;
        let e = hostile("10^10 silent template calls", &fan_out);
        assert!(e.contains("loop iterations") || e.contains("longer than"), "{e}");
        let doubling = String::from(r#"{{$a0 := .Kind.Name}}"#)
            + &(1..=40)
                .map(|i| format!(r#"{{{{$a{i} := printf "%s%s" $a{} $a{}}}}}"#, i - 1, i - 1))
                .collect::<String>();
        let e = hostile("a string doubled 40 times", &doubling);
        assert!(e.contains("would build more than"), "{e}");
        let output = r#"{{define "b"}}{{.}}{{.}}{{.}}{{.}}{{.}}{{.}}{{.}}{{.}}{{end}}"#.to_string()
            + &r#"{{template "b" .}}"#.repeat(1000);
        let e = hostile("8 MB of output", &output);
        assert!(e.contains("larger than 1048576 bytes"), "{e}");
        let e = hostile("a template over 64 KiB", &"x".repeat(MAX_TEMPLATE_BYTES + 1));
        assert!(e.contains("longer than 65536 bytes"), "{e}");
    }

    #[tokio::test]
    async fn the_async_render_gives_the_same_outcomes() {
        let d = data();
        assert_eq!(
            GoTemplates.render_async("h", "{{.Kind.Name}}", &d).await,
            Ok("app.deploy".to_string())
        );
        let recursive = r#"{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}"#;
        assert!(matches!(
            GoTemplates.render_async("h", recursive, &d).await,
            Err(RenderError::Limit(_))
        ));
    }

    #[test]
    fn bounds_leave_ordinary_templates_alone() {
        let d = json!({"L": [1, 2, 3], "S": "a(b", "Kind": {"Name": "app.deploy"}});
        let r = |t: &str| GoTemplates.render("h", t, &d);
        assert_eq!(r("{{range .L -}}  {{.}} {{- end}}").unwrap(), "123");
        assert_eq!(r("{{range $i, $x := .L}}{{$i}}{{end}}").unwrap(), "012");
        assert_eq!(
            r(r#"{{define "x"}}[{{.}}]{{end}}{{template "x" .S}}{{block "y" .Kind.Name}}<{{.}}>{{end}}"#)
                .unwrap(),
            "[a(b]<app.deploy>"
        );
        assert_eq!(r(r#"{{/* a comment {{if */}}{{printf "%.2f|%d" 1.5 7}}"#).unwrap(), "1.50|7");
        let parens = format!("{{{{{}1{}}}}}", "(".repeat(99), ")".repeat(99));
        assert_eq!(r(&parens).unwrap(), "1", "99 parentheses are fine");
        assert_eq!(r(r#"{{printf "(%s" "(("}}"#).unwrap(), "(((");
        assert_eq!(r("{{if 1}}{{else}}{{end}}plain").unwrap(), "plain");
    }
}
