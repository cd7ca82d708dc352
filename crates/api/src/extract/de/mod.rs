//! Typed reading of a request's input: `input.parse::<T>()` fills any `Deserialize` type from the
//! query string, a form body or a JSON body with tsuru's key rules:
//!
//! - keys match case-insensitively (`teamOwner`, `TeamOwner`);
//! - a list is a repeated key, `key.N` or `key._` (in index order), or a JSON array;
//! - a record list is `key.N.field` or a JSON array of objects (`Envs.0.Name`);
//! - a map is `key.k=v` or a JSON object (`routeropts.domain=x`);
//! - a nested struct is `key.field` or a JSON object (`planoverride.memory`);
//! - booleans take Go's spellings in any case (`1`, `t`, `true`, `0`, `f`, `false`), integers
//!   their decimal text; an empty form value is "not sent".
//!
//! Errors name the field (`invalid value for "name": expected a string, got a number`) and never
//! repeat more than a short excerpt of what was sent.
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A parse failure, already worded for the client.
#[derive(Debug)]
pub struct WireError {
    /// Where the bad value sits, outermost first (`Envs`, `0`, `private`).
    path: Vec<String>,
    /// Whether `path` is complete up to the field that failed.
    placed: bool,
    msg: String,
}

impl WireError {
    fn at(key: &str, msg: impl Into<String>) -> Self {
        WireError { path: vec![key.to_string()], placed: true, msg: msg.into() }
    }

    /// Puts the error inside `key` (a struct field or a list index).
    fn in_field(mut self, key: &str) -> Self {
        if self.placed {
            if self.path.first().map(String::as_str) != Some(key) {
                self.path.insert(0, key.to_string());
            }
        } else {
            self.path = vec![key.to_string()];
            self.placed = true;
        }
        self
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.msg);
        }
        write!(f, "invalid value for {:?}: {}", self.path.join("."), self.msg)
    }
}

impl std::error::Error for WireError {}

impl de::Error for WireError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        WireError { path: Vec::new(), placed: false, msg: msg.to_string() }
    }
}

/// At most `max` characters of `s`, quoted and escaped, with `...` when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{:?}...", &s[..i]),
        None => format!("{s:?}"),
    }
}

/// Go's `strconv.ParseBool`, in any case.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "t" | "true" => Some(true),
        "0" | "f" | "false" => Some(false),
        _ => None,
    }
}

/// How an error names the JSON type it got.
pub(super) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Form pairs and a JSON object seen as one set of fields: the whole input, or what sits
/// under one key of it.
#[derive(Clone, Copy)]
pub(super) struct Fields<'a> {
    pairs: &'a [(&'a str, &'a str)],
    json: Option<&'a Map<String, Value>>,
}

impl<'a> Fields<'a> {
    pub(super) fn new(
        pairs: &'a [(&'a str, &'a str)],
        json: Option<&'a Map<String, Value>>,
    ) -> Self {
        Fields { pairs, json }
    }

    /// Everything sent for `key`: form values of `key` itself, form keys below it (`key.rest`,
    /// with `rest` as sent) and the JSON value.
    fn field(&self, key: &str) -> Field<'a> {
        let mut exact = Vec::new();
        let mut below = Vec::new();
        for &(k, v) in self.pairs {
            if k.len() == key.len() && k.eq_ignore_ascii_case(key) {
                exact.push(v);
            } else if k.len() > key.len()
                && k.as_bytes()[key.len()] == b'.'
                && k.is_char_boundary(key.len())
                && k[..key.len()].eq_ignore_ascii_case(key)
            {
                below.push((&k[key.len() + 1..], v));
            }
        }
        let json = self.json.and_then(|m| {
            m.get(key)
                .or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        });
        Field { key: key.to_string(), exact, below, json }
    }
}

/// Deserialises a whole struct from [`Fields`].
pub(super) struct FieldsDeserializer<'a>(pub(super) Fields<'a>);

impl<'de, 'a> de::Deserializer<'de> for FieldsDeserializer<'a> {
    type Error = WireError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        // A free-form map of every key sent.
        let mut keys: Vec<&str> = Vec::new();
        for &(k, _) in self.0.pairs {
            let top = k.split('.').next().unwrap_or(k);
            if !keys.iter().any(|x| x.eq_ignore_ascii_case(top)) {
                keys.push(top);
            }
        }
        for k in self.0.json.iter().flat_map(|m| m.keys()) {
            if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                keys.push(k);
            }
        }
        let owned: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        visitor.visit_map(FieldsAccess { fields: self.0, names: owned.into_iter(), current: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WireError> {
        let names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        visitor.visit_map(FieldsAccess { fields: self.0, names: names.into_iter(), current: None })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

struct FieldsAccess<'a> {
    fields: Fields<'a>,
    names: std::vec::IntoIter<String>,
    current: Option<Field<'a>>,
}

impl<'de, 'a> MapAccess<'de> for FieldsAccess<'a> {
    type Error = WireError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, WireError> {
        for name in self.names.by_ref() {
            let field = self.fields.field(&name);
            if field.is_absent() {
                continue;
            }
            self.current = Some(field);
            return seed.deserialize(name.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, WireError> {
        let field = self.current.take().ok_or_else(|| de::Error::custom("value without a key"))?;
        let key = field.key.clone();
        seed.deserialize(field).map_err(|e| e.in_field(&key))
    }
}

/// What was sent for one key.
struct Field<'a> {
    key: String,
    /// Form values of the key itself, in order.
    exact: Vec<&'a str>,
    /// Form keys below it: (`rest` after `key.`, value).
    below: Vec<(&'a str, &'a str)>,
    json: Option<&'a Value>,
}

impl<'a> Field<'a> {
    fn is_absent(&self) -> bool {
        self.exact.is_empty() && self.below.is_empty() && self.json.is_none()
    }

    /// Not sent, sent empty (a form), or JSON null.
    fn is_none(&self) -> bool {
        if !self.below.is_empty() {
            return false;
        }
        if self.exact.is_empty() {
            self.json.is_none_or(Value::is_null)
        } else {
            self.exact.iter().all(|v| v.is_empty())
        }
    }

    fn scalar(key: String, value: &'a str) -> Self {
        Field { key, exact: vec![value], below: Vec::new(), json: None }
    }

    fn json_value(key: String, value: &'a Value) -> Self {
        Field { key, exact: Vec::new(), below: Vec::new(), json: Some(value) }
    }

    fn type_error(&self, expected: &str, got: &Value) -> WireError {
        WireError::at(&self.key, format!("expected {expected}, got {}", json_type(got)))
    }

    /// The text of a scalar: the first form value, or a JSON string; `None` for JSON null.
    fn text(&self, expected: &str) -> Result<Option<&'a str>, WireError> {
        if let Some(v) = self.exact.first() {
            return Ok(Some(v));
        }
        match self.json {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.type_error(expected, other)),
        }
    }

    fn int<T: std::str::FromStr>(&self) -> Result<T, WireError> {
        let text = match (self.exact.first(), self.json) {
            (Some(v), _) => v.to_string(),
            (None, Some(Value::Number(n))) => n.to_string(),
            (None, Some(Value::String(s))) => s.clone(),
            (None, Some(other)) => return Err(self.type_error("an integer", other)),
            (None, None) => String::new(),
        };
        text.trim().parse().map_err(|_| {
            WireError::at(&self.key, format!("{} is not an integer", excerpt(&text, 32)))
        })
    }

    fn float(&self) -> Result<f64, WireError> {
        let text = match (self.exact.first(), self.json) {
            (Some(v), _) => v.to_string(),
            (None, Some(Value::Number(n))) => n.to_string(),
            (None, Some(Value::String(s))) => s.clone(),
            (None, Some(other)) => return Err(self.type_error("a number", other)),
            (None, None) => String::new(),
        };
        text.trim().parse().map_err(|_| {
            WireError::at(&self.key, format!("{} is not a number", excerpt(&text, 32)))
        })
    }

    /// Elements of a list: repeated values, `N`/`_` scalars, `N.field` records (in index
    /// order, `_` last), then the JSON array (or a JSON string as one element).
    fn elements(self) -> Result<Vec<Field<'a>>, WireError> {
        let key = self.key;
        let mut out: Vec<Field<'a>> =
            self.exact.iter().map(|v| Field::scalar(key.clone(), v)).collect();
        let mut indexed: BTreeMap<usize, Field<'a>> = BTreeMap::new();
        let mut last: Vec<Field<'a>> = Vec::new();
        for (rest, v) in self.below {
            let (idx, sub) = match rest.split_once('.') {
                Some((i, s)) => (i, Some(s)),
                None => (rest, None),
            };
            let slot = if idx == "_" {
                last.push(Field::scalar(key.clone(), ""));
                last.last_mut()
            } else if let Ok(i) = idx.parse::<usize>() {
                Some(indexed.entry(i).or_insert_with(|| Field {
                    key: key.clone(),
                    exact: Vec::new(),
                    below: Vec::new(),
                    json: None,
                }))
            } else {
                None
            };
            let Some(slot) = slot else { continue };
            match sub {
                Some(s) => slot.below.push((s, v)),
                None => {
                    slot.exact.clear();
                    slot.exact.push(v);
                }
            }
        }
        out.extend(indexed.into_values());
        out.extend(last);
        match self.json {
            None | Some(Value::Null) => {}
            Some(v @ Value::String(_)) => out.push(Field::json_value(key.clone(), v)),
            Some(Value::Array(items)) => {
                out.extend(items.iter().map(|v| Field::json_value(key.clone(), v)));
            }
            Some(other) => {
                return Err(WireError::at(
                    &key,
                    format!("expected a list, got {}", json_type(other)),
                ))
            }
        }
        // Each element is named by its position in errors.
        for (i, f) in out.iter_mut().enumerate() {
            f.key = i.to_string();
        }
        Ok(out)
    }
}

/// The integer methods of a deserializer: each parses the field with [`Field::int`] (Go's
/// integer text, a JSON number or a string) into its own type.
macro_rules! integers {
    ($($method:ident => $visit:ident,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
                visitor.$visit(self.int()?)
            }
        )*
    };
}

impl<'de, 'a> de::Deserializer<'de> for Field<'a> {
    type Error = WireError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        if let Some(v) = self.exact.first() {
            return visitor.visit_str(v);
        }
        match self.json {
            Some(v) if self.below.is_empty() => v
                .clone()
                .deserialize_any(visitor)
                .map_err(|e| WireError::at(&self.key, e.to_string())),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        if let (None, Some(Value::Bool(b))) = (self.exact.first(), self.json) {
            return visitor.visit_bool(*b);
        }
        match self.text("a boolean")? {
            None | Some("") => visitor.visit_bool(false),
            Some(s) => match parse_go_bool(s.trim()) {
                Some(b) => visitor.visit_bool(b),
                None => {
                    Err(WireError::at(&self.key, format!("{} is not a boolean", excerpt(s, 32))))
                }
            },
        }
    }

    integers! {
        deserialize_i64 => visit_i64,
        deserialize_i32 => visit_i32,
        deserialize_i16 => visit_i16,
        deserialize_i8 => visit_i8,
        deserialize_u64 => visit_u64,
        deserialize_u32 => visit_u32,
        deserialize_u16 => visit_u16,
        deserialize_u8 => visit_u8,
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        #[expect(clippy::cast_possible_truncation, reason = "an f32 field takes an f32")]
        visitor.visit_f32(self.float()? as f32)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        let text = self.text("a string")?.unwrap_or_default();
        visitor.visit_str(text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        if self.is_none() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, WireError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        let key = self.key.clone();
        let elements = self.elements()?;
        visitor
            .visit_seq(Elements { items: elements.into_iter(), index: 0 })
            .map_err(|e| e.in_field(&key))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        // `key.k=v`: the whole rest is the map key, as sent.
        let mut entries: Vec<(String, Field<'a>)> = self
            .below
            .iter()
            .map(|(rest, v)| (rest.to_string(), Field::scalar(rest.to_string(), v)))
            .collect();
        match self.json {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    entries.push((k.clone(), Field::json_value(k.clone(), v)));
                }
            }
            Some(other) => return Err(self.type_error("an object", other)),
        }
        if entries.is_empty() && self.exact.iter().any(|v| !v.is_empty()) {
            return Err(WireError::at(&self.key, "expected an object, got a string"));
        }
        visitor.visit_map(Entries { entries: entries.into_iter(), current: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WireError> {
        let pairs: Vec<(&str, &str)> = self.below.clone();
        let json = match self.json {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => return Err(self.type_error("an object", other)),
        };
        FieldsDeserializer(Fields::new(&pairs, json)).deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, WireError> {
        let text = self.text("a string")?.unwrap_or_default();
        visitor.visit_enum(text.into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, WireError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit_struct tuple tuple_struct identifier
    }
}

struct Elements<'a> {
    items: std::vec::IntoIter<Field<'a>>,
    index: usize,
}

impl<'de, 'a> SeqAccess<'de> for Elements<'a> {
    type Error = WireError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, WireError> {
        match self.items.next() {
            Some(item) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(item).map(Some).map_err(|e| e.in_field(&index.to_string()))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    entries: std::vec::IntoIter<(String, Field<'a>)>,
    current: Option<Field<'a>>,
}

impl<'de, 'a> MapAccess<'de> for Entries<'a> {
    type Error = WireError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, WireError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.current = Some(v);
                seed.deserialize(k.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, WireError> {
        let field = self.current.take().ok_or_else(|| de::Error::custom("value without a key"))?;
        seed.deserialize(field)
    }
}

/// For fields tsuru reads as text whatever the JSON type (`limit: 5` or `"5"`): any scalar,
/// printed the way Go's `fmt` prints it.
pub fn lenient_string<'de, D: de::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Text;
    impl Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, a number or a boolean")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(Text)
}

/// For `Option<String>` fields where "sent empty" and "not sent" differ (with
/// `#[serde(default)]`): the text when the key was sent, even empty; `None` for JSON null.
pub fn text_if_sent<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct Sent;
    impl<'de> Visitor<'de> for Sent {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom("expected a string, got an object"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom("expected a string, got a list"))
        }
    }
    d.deserialize_any(Sent)
}

#[cfg(test)]
mod tests;
