//! Extractors: the caller (`Authorization`) and the request input (form or JSON, tsuru's rules).
mod acting;
mod de;
mod json_body;
pub mod mask;
pub mod named;
mod typed;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest};
use futures::StreamExt;
use serde_json::{Map, Value};
use tsuru_domain::{Error, Identity, Origin};

use crate::error::{ApiError, INVALID_AUTH};
use crate::state::AppState;

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// `FromRequest` for extractors written as
/// `async fn extract(req: HttpRequest, payload: Payload) -> Result<Self, ApiError>`: those
/// listed before `;` never see the body (it stays for the handler's other extractors), those
/// after it take it.
macro_rules! extractors {
    ($($head:ty),+; $($body:ty),+) => {
        $( extractors!(@one $head, |_payload: &mut Payload| Payload::None); )+
        $( extractors!(@one $body, |payload: &mut Payload| payload.take()); )+
    };
    (@one $ty:ty, $payload:expr) => {
        impl actix_web::FromRequest for $ty {
            type Error = ApiError;
            type Future = LocalFuture<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                Box::pin(<$ty>::extract(req.clone(), ($payload)(payload)))
            }
        }
    };
}

extractors!(Auth, Caller, MaybeAuth, Named; Input, OnName);

/// The token of an `Authorization` header: `X` alone, or the second of two space-separated
/// words (the scheme word is ignored). Three or more words, or an empty token, is no token.
pub fn bearer_token(value: &str) -> Option<&str> {
    let parts: Vec<&str> = value.split(' ').collect();
    let token = match parts.as_slice() {
        [t] => *t,
        [_, t] => *t,
        _ => return None,
    };
    (!token.is_empty()).then_some(token)
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Domain(Error::unexpected("application state not registered")))
}

async fn identify(req: HttpRequest) -> Result<Option<Identity>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some(token) = value.to_str().ok().and_then(bearer_token) else {
        return Ok(None);
    };
    Ok(state(&req)?.auth.authenticate(token).await?)
}

/// An authenticated caller; 401 otherwise.
#[derive(Debug, Clone)]
pub struct Auth(pub Identity);

impl Auth {
    async fn extract(req: HttpRequest, _: Payload) -> Result<Self, ApiError> {
        match identify(req).await? {
            Some(identity) => Ok(Auth(identity)),
            None => Err(ApiError::Domain(Error::Unauthorized(INVALID_AUTH.into()))),
        }
    }
}

/// An authenticated caller with the application state: what a protected handler needs;
/// 401 otherwise.
pub struct Caller {
    /// Who calls.
    pub id: Identity,
    /// The use cases.
    pub state: web::Data<AppState>,
}

impl Caller {
    async fn extract(req: HttpRequest, _: Payload) -> Result<Self, ApiError> {
        let state = state(&req)?;
        match identify(req).await? {
            Some(id) => Ok(Caller { id, state }),
            None => Err(ApiError::Domain(Error::Unauthorized(INVALID_AUTH.into()))),
        }
    }
}

/// A caller if the request carries a valid token; an invalid one is ignored.
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Identity>);

impl MaybeAuth {
    async fn extract(req: HttpRequest, _: Payload) -> Result<Self, ApiError> {
        Ok(MaybeAuth(identify(req).await?))
    }
}

/// Request input: query string, form body and JSON body, read with tsuru's rules (keys match
/// case-insensitively; lists as `key`, `key.N` or `key._`, or JSON arrays).
#[derive(Debug, Clone, Default)]
pub struct Input {
    pairs: Vec<(String, String)>,
    json: Option<Map<String, Value>>,
    path: Vec<(String, String)>,
    source_ip: String,
    files: Vec<(String, Vec<u8>)>,
    multipart: bool,
}

pub use acting::{Acting, ActingOn};
pub use json_body::JsonBody;
pub use named::{Named, OnName};
use typed::Parsed;
pub use typed::{Form, OptionalForm, Query, Upload};

use de::json_type;
pub use de::{excerpt, lenient_string, parse_go_bool, text_if_sent, WireError};

/// Most form fields (or JSON values, counted through nesting) one request may carry; more is a
/// 400 before any other work, so that no request costs more than a linear pass over this many.
pub const MAX_FIELDS: usize = 10_000;

/// A JSON scalar the way Go's `fmt` prints it (for keys read as plain strings).
fn go_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

impl Input {
    /// Builds an input from parts (tests, and the extractor).
    pub fn from_parts(pairs: Vec<(String, String)>, json: Option<Map<String, Value>>) -> Self {
        Input { pairs, json, ..Input::default() }
    }

    /// Reads the whole input into `T` with tsuru's key rules (see the `de` module).
    ///
    /// # Errors
    /// 400 naming the field that does not fit.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        let pairs: Vec<(&str, &str)> =
            self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        T::deserialize(de::FieldsDeserializer(de::Fields::new(&pairs, self.json.as_ref())))
            .map_err(|e| ApiError::bad_request(e.to_string()))
    }

    fn json_get(&self, key: &str) -> Option<&Value> {
        let map = self.json.as_ref()?;
        map.get(key)
            .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
    }

    fn form_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.pairs.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// Whether the key was sent at all.
    pub fn has(&self, key: &str) -> bool {
        self.form_values(key).next().is_some() || self.json_get(key).is_some()
    }

    /// Whether `key` was sent with a value: a form key `key` or `key.<...>`, or a non-null
    /// JSON value.
    pub fn present(&self, key: &str) -> bool {
        let prefix = format!("{}.", key.to_ascii_lowercase());
        self.pairs.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case(key) || k.to_ascii_lowercase().starts_with(&prefix)
        }) || self.json_get(key).is_some_and(|v| !v.is_null())
    }

    /// The first value of `key` as text (JSON scalars printed Go-style), if sent.
    pub fn get(&self, key: &str) -> Option<String> {
        self.form_values(key).next().cloned().or_else(|| self.json_get(key).map(go_string))
    }

    /// The first value of `key`, or `""`.
    pub fn value(&self, key: &str) -> String {
        self.get(key).unwrap_or_default()
    }

    /// A string field: a JSON value of another type is a 400.
    ///
    /// # Errors
    /// 400 naming the field.
    pub fn string(&self, key: &str) -> Result<String, ApiError> {
        if let Some(v) = self.form_values(key).next() {
            return Ok(v.clone());
        }
        match self.json_get(key) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(ApiError::bad_request(format!(
                "invalid value for {key:?}: expected a string, got {}",
                json_type(other)
            ))),
        }
    }

    /// A list field: `key` (repeated), `key.N`, `key._`, or a JSON array of strings.
    ///
    /// # Errors
    /// 400 when the JSON value is not a string or a list of strings.
    pub fn list(&self, key: &str) -> Result<Vec<String>, ApiError> {
        let mut out: Vec<String> = self.form_values(key).cloned().collect();
        let prefix = format!("{}.", key.to_ascii_lowercase());
        let mut indexed: Vec<(usize, String)> = Vec::new();
        for (k, v) in &self.pairs {
            let lower = k.to_ascii_lowercase();
            if let Some(idx) = lower.strip_prefix(&prefix) {
                if idx == "_" {
                    indexed.push((usize::MAX, v.clone()));
                } else if let Ok(i) = idx.parse::<usize>() {
                    indexed.push((i, v.clone()));
                }
            }
        }
        indexed.sort_by_key(|(i, _)| *i);
        out.extend(indexed.into_iter().map(|(_, v)| v));
        match self.json_get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.push(s.clone()),
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "invalid value for {key:?}: expected a list of strings, got an element of type {}",
                                json_type(other)
                            )))
                        }
                    }
                }
            }
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "invalid value for {key:?}: expected a list of strings, got {}",
                    json_type(other)
                )))
            }
        }
        Ok(out)
    }

    /// A boolean field (Go spellings, or a JSON bool); absent or empty is `None`.
    ///
    /// # Errors
    /// 400 for anything else.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        if let Some(Value::Bool(b)) = self.json_get(key) {
            if self.form_values(key).next().is_none() {
                return Ok(Some(*b));
            }
        }
        match self.get(key) {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => parse_go_bool(&s).map(Some).ok_or_else(|| {
                ApiError::bad_request(format!("invalid value for {key:?}: {s:?} is not a boolean"))
            }),
        }
    }

    /// An integer field; absent or empty is `None`.
    ///
    /// # Errors
    /// 400 for anything that is not an integer.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                ApiError::bad_request(format!("invalid value for {key:?}: {s:?} is not an integer"))
            }),
        }
    }

    /// The nested input under `key`: form keys `key.<rest>` and the JSON object at `key`.
    pub fn sub(&self, key: &str) -> Input {
        let prefix = format!("{}.", key.to_ascii_lowercase());
        let pairs = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let lower = k.to_ascii_lowercase();
                lower.starts_with(&prefix).then(|| (k[prefix.len()..].to_string(), v.clone()))
            })
            .collect();
        let json = match self.json_get(key) {
            Some(Value::Object(m)) => Some(m.clone()),
            _ => None,
        };
        Input { pairs, json, ..Input::default() }
    }

    /// A string map: form keys `key.<k>=<v>` or a JSON object of strings.
    ///
    /// # Errors
    /// 400 when the JSON value is not an object.
    pub fn map(&self, key: &str) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
        let mut out = std::collections::BTreeMap::new();
        let prefix = format!("{}.", key.to_ascii_lowercase());
        for (k, v) in &self.pairs {
            if k.to_ascii_lowercase().starts_with(&prefix) {
                out.insert(k[prefix.len()..].to_string(), v.clone());
            }
        }
        match self.json_get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    out.insert(k.clone(), go_string(v));
                }
            }
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "invalid value for {key:?}: expected an object, got {}",
                    json_type(other)
                )))
            }
        }
        Ok(out)
    }

    /// A list of records: form keys `key.N.<field>` or a JSON array of objects. Field names are
    /// lowercased; values are text (JSON scalars printed Go-style).
    ///
    /// # Errors
    /// 400 when the JSON value is not a list of objects.
    pub fn records(
        &self,
        key: &str,
    ) -> Result<Vec<std::collections::BTreeMap<String, String>>, ApiError> {
        let mut by_index: std::collections::BTreeMap<
            usize,
            std::collections::BTreeMap<String, String>,
        > = std::collections::BTreeMap::new();
        let prefix = format!("{}.", key.to_ascii_lowercase());
        for (k, v) in &self.pairs {
            let lower = k.to_ascii_lowercase();
            if let Some((idx, field)) = lower.strip_prefix(&prefix).and_then(|r| r.split_once('.'))
            {
                if let Ok(i) = idx.parse::<usize>() {
                    by_index.entry(i).or_default().insert(field.to_string(), v.clone());
                }
            }
        }
        let mut out: Vec<_> = by_index.into_values().collect();
        match self.json_get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    let Value::Object(m) = item else {
                        return Err(ApiError::bad_request(format!(
                            "invalid value for {key:?}: expected a list of objects"
                        )));
                    };
                    out.push(
                        m.iter().map(|(k, v)| (k.to_ascii_lowercase(), go_string(v))).collect(),
                    );
                }
            }
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "invalid value for {key:?}: expected a list of objects, got {}",
                    json_type(other)
                )))
            }
        }
        Ok(out)
    }

    /// An uploaded file of a multipart body.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice())
    }

    /// Whether the body was `multipart/form-data`.
    pub fn is_multipart(&self) -> bool {
        self.multipart
    }

    /// The origin with `rules` applied to its event data (see [`mask`]).
    pub fn origin_masked(&self, rules: &[mask::Mask<'_>]) -> Origin {
        let mut data = self.event_data();
        mask::apply(&mut data, rules);
        self.with_event_data(data)
    }

    /// Replaces the event data of this request (built by a rule of [`mask`]).
    pub fn with_event_data(&self, data: Value) -> Origin {
        Origin { source_ip: self.source_ip.clone(), data }
    }

    /// Every key sent, in order, lowercased duplicates merged.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        let json_keys = self.json.iter().flat_map(|m| m.keys());
        for k in self.pairs.iter().map(|(k, _)| k).chain(json_keys) {
            if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                keys.push(k.clone());
            }
        }
        keys
    }

    /// What an event records of this request: `[{"name","value"}]` over path variables
    /// (`:name`), form keys and JSON keys; secrets masked.
    pub fn event_data(&self) -> Value {
        let mut items: Vec<Value> = Vec::new();
        let mut push = |name: &str, values: Vec<Value>| {
            let value = if mask::is_secret_key(name) {
                Value::String(mask::MASKED.into())
            } else if values.len() == 1 {
                values.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(values)
            };
            items.push(serde_json::json!({ "name": name, "value": value }));
        };
        for (k, v) in &self.path {
            push(&format!(":{k}"), vec![Value::String(v.clone())]);
        }
        // Values grouped by key in one pass, keys in first-seen order.
        let mut order: Vec<&str> = Vec::new();
        let mut grouped: std::collections::HashMap<&str, Vec<Value>> =
            std::collections::HashMap::new();
        for (k, v) in &self.pairs {
            grouped
                .entry(k.as_str())
                .or_insert_with(|| {
                    order.push(k);
                    Vec::new()
                })
                .push(Value::String(v.clone()));
        }
        for k in order {
            push(k, grouped.remove(k).unwrap_or_default());
        }
        if let Some(map) = &self.json {
            for (k, v) in map {
                push(k, vec![v.clone()]);
            }
        }
        Value::Array(items)
    }

    /// The origin the events of this request record.
    pub fn origin(&self) -> Origin {
        Origin { source_ip: self.source_ip.clone(), data: self.event_data() }
    }
}

/// What an error about an unparsable body may repeat of it: a short excerpt, and nothing when
/// the body names a secret field (a password must not come back in an error or a log line).
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if mask::is_secret_key(&text) {
        return "(the body is not shown: it names a secret field)".to_string();
    }
    excerpt(&text, 64)
}

fn too_many_fields() -> ApiError {
    ApiError::bad_request(format!("too many fields in the request: at most {MAX_FIELDS} are read"))
}

/// How many values `v` holds, counting through arrays and objects; stops counting past `cap`.
fn json_size(v: &Value, cap: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        count += 1;
        if count > cap {
            break;
        }
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    count
}

/// The client's address without the port.
pub fn source_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The whole body, refused past the configured size.
async fn read_body(req: &HttpRequest, mut payload: Payload) -> Result<Vec<u8>, ApiError> {
    let limit = state(req)?.max_body_size;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("unable to read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A JSON body as an object: `None` when blank; 400 for what does not parse or is not an
/// object, and for more than [`MAX_FIELDS`] fields.
fn json_object(body: &[u8]) -> Result<Option<serde_json::Map<String, Value>>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let refused = |why: &dyn std::fmt::Display| {
        ApiError::bad_request(format!("unable to parse as json: {} - {why}", body_excerpt(body)))
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) if json_size(&v, MAX_FIELDS) > MAX_FIELDS => {
            Err(too_many_fields())
        }
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(refused(&"expected a JSON object")),
        Err(e) => Err(refused(&e)),
    }
}

impl Input {
    /// An input with the request's source address and path parameters, nothing read yet.
    fn of_request(req: &HttpRequest) -> Input {
        let path = req.match_info().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Input { source_ip: source_ip(req), path, ..Input::default() }
    }
}

async fn read_multipart(
    req: &HttpRequest,
    body: Vec<u8>,
    input: &mut Input,
) -> Result<(), ApiError> {
    let stream = futures::stream::once(async move {
        Ok::<_, actix_web::error::PayloadError>(bytes::Bytes::from(body))
    });
    let mut mp = actix_multipart::Multipart::new(req.headers(), stream);
    while let Some(field) = mp.next().await {
        let mut field = field
            .map_err(|e| ApiError::bad_request(format!("unable to parse multipart form: {e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.content_disposition().and_then(|cd| cd.get_filename()).is_some();
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            data.extend_from_slice(&chunk.map_err(|e| {
                ApiError::bad_request(format!("unable to parse multipart form: {e}"))
            })?);
        }
        if is_file {
            input.files.push((name, data));
        } else {
            input.pairs.push((name, String::from_utf8_lossy(&data).into_owned()));
        }
    }
    Ok(())
}

impl Input {
    async fn extract(req: HttpRequest, payload: Payload) -> Result<Self, ApiError> {
        let body = read_body(&req, payload).await?;
        let mut input = Input::of_request(&req);
        let ctype = content_type(&req);
        let body_method = [Method::POST, Method::PUT, Method::PATCH].contains(req.method());
        if ctype == "application/json" {
            input.json = json_object(&body)?;
        } else if ctype == "multipart/form-data" && body_method {
            input.multipart = true;
            read_multipart(&req, body, &mut input).await?;
        } else if ctype == "application/x-www-form-urlencoded" && body_method {
            let text = std::str::from_utf8(&body)
                .map_err(|e| ApiError::bad_request(format!("unable to parse form: {e}")))?;
            input.pairs.extend(
                url::form_urlencoded::parse(text.as_bytes())
                    .take(MAX_FIELDS + 1)
                    .map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
        input.pairs.extend(
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .take(MAX_FIELDS + 1)
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        if input.pairs.len() + input.files.len() > MAX_FIELDS {
            return Err(too_many_fields());
        }
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form of `pairs`, as a request would carry it.
    pub(super) fn form(pairs: &[(&str, &str)]) -> Input {
        Input::from_parts(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), None)
    }

    #[test]
    fn authorization_header_forms() {
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("abc"), Some("abc"));
        assert_eq!(bearer_token("a b c"), None);
        assert_eq!(bearer_token("bearer "), None);
    }

    #[test]
    fn lists_come_from_every_form_spelling() {
        let i = form(&[("tags.1", "b"), ("Tags.0", "a"), ("tags._", "c"), ("tag", "legacy")]);
        assert_eq!(i.list("tags").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(i.list("tag").unwrap(), vec!["legacy"]);
    }

    #[test]
    fn json_lists_and_type_errors() {
        let json = serde_json::json!({"Name": "x", "tags": ["a", "b"], "n": 5});
        let i = Input::from_parts(vec![], json.as_object().cloned());
        assert_eq!(i.string("name").unwrap(), "x");
        assert_eq!(i.list("tags").unwrap(), vec!["a", "b"]);
        assert_eq!(i.value("n"), "5");
        assert!(i.string("n").is_err());
        assert!(i.list("n").is_err());
    }

    #[test]
    fn go_bools() {
        let i = form(&[("a", "t"), ("b", "FALSE"), ("c", "maybe"), ("d", "")]);
        assert_eq!(i.bool("a").unwrap(), Some(true));
        assert_eq!(i.bool("b").unwrap(), Some(false));
        assert!(i.bool("c").is_err());
        assert_eq!(i.bool("d").unwrap(), None);
        assert_eq!(i.bool("e").unwrap(), None);
    }

    #[test]
    fn secrets_are_masked_in_event_data() {
        let i = form(&[("email", "a@b.com"), ("password", "secret123")]);
        let data = i.event_data();
        assert_eq!(data[0], serde_json::json!({"name": "email", "value": "a@b.com"}));
        assert_eq!(data[1], serde_json::json!({"name": "password", "value": "*****"}));
    }
}
