//! The keyword checks of a schema, made while it is read: each keyword one
//! of [`KEYWORDS`] with a value of the right kind, nesting and keyword count
//! within [`MAX_DEPTH`] and [`MAX_KEYWORDS`].

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

use super::{SchemaName, KEYWORDS, MAX_DEPTH, MAX_KEYWORDS, REF_PREFIX, TYPES};
use crate::config::nearest;

/// Reads a schema, checking its keywords as it goes.
pub(super) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
    let count = Cell::new(0);
    SchemaSeed {
        depth: 0,
        count: &count,
    }
    .deserialize(d)
}

#[derive(Clone, Copy)]
struct SchemaSeed<'a> {
    depth: usize,
    count: &'a Cell<usize>,
}

impl SchemaSeed<'_> {
    fn deeper<E: serde::de::Error>(self) -> Result<Self, E> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(E::custom(format!(
                "the schema nests deeper than {MAX_DEPTH} levels; name the inner parts in options.schemas and refer to them with $ref"
            )));
        }
        Ok(SchemaSeed {
            depth: self.depth + 1,
            count: self.count,
        })
    }
}

impl<'de> DeserializeSeed<'de> for SchemaSeed<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SchemaSeed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON Schema (a mapping of keywords such as `type` and `properties`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.count.set(self.count.get() + 1);
            if self.count.get() > MAX_KEYWORDS {
                return Err(A::Error::custom(format!(
                    "the schema has more than {MAX_KEYWORDS} keywords; split it into named schemas (options.schemas)"
                )));
            }
            let value = match key.as_str() {
                "type" => {
                    let t: String = map.next_value().map_err(|_| {
                        A::Error::custom(format!("`type` is one of {}", TYPES.join(", ")))
                    })?;
                    checked_type(t)?
                }
                "properties" => map.next_value_seed(Properties(self.deeper()?))?,
                "items" | "not" => map.next_value_seed(self.deeper::<A::Error>()?)?,
                "additionalProperties" => {
                    map.next_value_seed(BoolOrSchema(self.deeper::<A::Error>()?))?
                }
                "allOf" | "anyOf" | "oneOf" => {
                    map.next_value_seed(SchemaList(self.deeper()?, key.clone()))?
                }
                "required" => map.next_value_seed(Required)?,
                "enum" => {
                    let values: Vec<Json> = map.next_value()?;
                    checked_enum(values)?
                }
                "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
                | "maxProperties" => {
                    let n: u64 = map.next_value().map_err(|_| {
                        A::Error::custom(format!("`{key}` is a whole number, 0 or more"))
                    })?;
                    json!(n)
                }
                "minimum" | "maximum" | "multipleOf" => {
                    let n: f64 = map
                        .next_value()
                        .map_err(|_| A::Error::custom(format!("`{key}` is a number")))?;
                    if key == "multipleOf" && n <= 0.0 {
                        return Err(A::Error::custom("`multipleOf` is a number above 0"));
                    }
                    number(n).ok_or_else(|| A::Error::custom(format!("`{key}` is a number")))?
                }
                "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" => {
                    let b: bool = map.next_value().map_err(|_| {
                        A::Error::custom(format!(
                            "`{key}` is true or false (JSON Schema draft 4, as OpenAPI 3.0 has it)"
                        ))
                    })?;
                    Json::Bool(b)
                }
                "pattern" | "format" | "title" | "description" => {
                    let s: String = map
                        .next_value()
                        .map_err(|_| A::Error::custom(format!("`{key}` is text")))?;
                    Json::String(s)
                }
                "default" => map.next_value::<Json>()?,
                "$ref" => {
                    let s: String = map.next_value().map_err(|_| {
                        A::Error::custom(format!("`$ref` is text: `{REF_PREFIX}Name`"))
                    })?;
                    checked_ref(s)?
                }
                other => return Err(unknown_keyword(other)),
            };
            out.insert(key, value);
        }
        if out.is_empty() {
            return Err(A::Error::custom(
                "the schema is empty; give at least `type` (or `$ref` to a named schema)",
            ));
        }
        if out.contains_key("$ref") && out.len() > 1 {
            return Err(A::Error::custom(
                "a schema with `$ref` has no other keywords (OpenAPI 3.0 ignores them): wrap it in `allOf` to add some",
            ));
        }
        Ok(Json::Object(out))
    }
}

/// `type`: one of the JSON Schema types, with a hint for `null` or a typo.
fn checked_type<E: serde::de::Error>(t: String) -> Result<Json, E> {
    if !TYPES.contains(&t.as_str()) {
        let hint = if t == "null" {
            " (OpenAPI 3.0 has no `null` type)".to_string()
        } else {
            nearest(&t, TYPES)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default()
        };
        return Err(E::custom(format!(
            "`type: {t}` is not a JSON Schema type: one of {}{hint}",
            TYPES.join(", ")
        )));
    }
    Ok(Json::String(t))
}

/// `enum`: at least one value, none twice.
fn checked_enum<E: serde::de::Error>(values: Vec<Json>) -> Result<Json, E> {
    if values.is_empty() {
        return Err(E::custom("`enum` lists at least one value"));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(E::custom(format!("`enum` lists {v} twice")));
        }
    }
    Ok(Json::Array(values))
}

/// `$ref`: a reference to a named schema of `options.schemas`.
fn checked_ref<E: serde::de::Error>(s: String) -> Result<Json, E> {
    let name = s.strip_prefix(REF_PREFIX).unwrap_or("");
    if SchemaName::new(name).is_err() {
        return Err(E::custom(format!(
            "`$ref: {s}` refers to nothing this tool can resolve: write `{REF_PREFIX}Name`, Name being a schema of options.schemas"
        )));
    }
    Ok(Json::String(s))
}

/// The error for a keyword outside [`KEYWORDS`], saying why when it is an
/// OpenAPI-only or draft-4-only keyword, or the nearest one.
fn unknown_keyword<E: serde::de::Error>(other: &str) -> E {
    let hint = match other {
        "nullable" | "example" | "discriminator" | "readOnly" | "writeOnly" | "xml"
        | "externalDocs" | "deprecated" => {
            " (an OpenAPI-only keyword API Gateway models do not know)".to_string()
        }
        "$schema" | "id" | "definitions" | "patternProperties" | "dependencies"
        | "additionalItems" => " (JSON Schema draft 4 has it, OpenAPI 3.0 does not)".to_string(),
        _ => nearest(other, KEYWORDS)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default(),
    };
    E::custom(format!(
        "`{other}` is not a JSON Schema keyword this tool accepts{hint}; the keywords are: {}",
        KEYWORDS.join(", ")
    ))
}

fn number(n: f64) -> Option<Json> {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        Some(json!(n as i64))
    } else {
        serde_json::Number::from_f64(n).map(Json::Number)
    }
}

struct Properties<'a>(SchemaSeed<'a>);

impl<'de> DeserializeSeed<'de> for Properties<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Properties<'_> {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of property names to schemas")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if name.is_empty() {
                return Err(A::Error::custom("a property name is not empty"));
            }
            let schema = map.next_value_seed(self.0)?;
            out.insert(name, schema);
        }
        Ok(Json::Object(out))
    }
}

struct BoolOrSchema<'a>(SchemaSeed<'a>);

impl<'de> DeserializeSeed<'de> for BoolOrSchema<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoolOrSchema<'_> {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("true, false or a schema")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json, A::Error> {
        self.0.visit_map(map)
    }
}

struct SchemaList<'a>(SchemaSeed<'a>, String);

impl<'de> DeserializeSeed<'de> for SchemaList<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SchemaList<'_> {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of schemas under `{}`", self.1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element_seed(self.0)? {
            out.push(s);
        }
        if out.is_empty() {
            return Err(A::Error::custom(format!(
                "`{}` lists at least one schema",
                self.1
            )));
        }
        Ok(Json::Array(out))
    }
}

struct Required;

impl<'de> DeserializeSeed<'de> for Required {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        if names.is_empty() {
            return Err(D::Error::custom(
                "`required` lists at least one property name (draft 4); leave it out for none",
            ));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(D::Error::custom(format!("`required` lists `{n}` twice")));
            }
        }
        Ok(json!(names))
    }
}
