//! JSON Schemas of the microservices blueprint's routes (MICRO-4): what a
//! route declares in blueprint.yaml (`request.schema`, `responses`), the
//! named schemas of `options.schemas`, and the schemas of the built-in
//! `users` and `orders` services.
//!
//! A schema is checked while it is read, so every mistake is reported at
//! its own place in the file: only the JSON Schema keywords that both API
//! Gateway models (draft 4) and OpenAPI 3.0 accept, each with a value of the
//! right kind, at most [`MAX_DEPTH`] levels deep and [`MAX_KEYWORDS`]
//! keywords in all.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use schemars::{json_schema, JsonSchema};
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

use crate::config::nearest;
use crate::config::schema::{text, value_schema};

mod builtin;
mod keywords;
pub use builtin::{builtin_names, builtin_operation, builtin_schemas, reason, BuiltinOperation};

/// How deeply schemas may nest (`properties` → a property → `items` → ...).
pub const MAX_DEPTH: usize = 12;
/// Keywords one schema may hold, counted at every depth.
pub const MAX_KEYWORDS: usize = 1_000;
/// The largest schema (as JSON, named schemas inlined) an API Gateway model
/// gets here; API Gateway's own limit is far above it.
pub const MAX_MODEL_BYTES: usize = 65_536;

/// The keywords accepted: the draft 4 keywords OpenAPI 3.0's Schema Object
/// shares, plus `$ref` to a named schema.
pub const KEYWORDS: &[&str] = &[
    "$ref",
    "additionalProperties",
    "allOf",
    "anyOf",
    "default",
    "description",
    "enum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "format",
    "items",
    "maxItems",
    "maxLength",
    "maxProperties",
    "maximum",
    "minItems",
    "minLength",
    "minProperties",
    "minimum",
    "multipleOf",
    "not",
    "oneOf",
    "pattern",
    "properties",
    "required",
    "title",
    "type",
    "uniqueItems",
];

/// The values `type` may take (one, not a list: OpenAPI 3.0 has no lists
/// of types and no `null` type).
pub const TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

/// Where named schemas live in the OpenAPI document.
pub const REF_PREFIX: &str = "#/components/schemas/";

/// A JSON Schema as written, checked (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
pub struct Schema(pub Json);

// A schema holds no NaN (JSON numbers cannot), so equality is total.
impl Eq for Schema {}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        keywords::read(d).map(Schema)
    }
}

value_schema!(
    Schema,
    json_schema!({
        "type": "object",
        "description": "A JSON Schema: the draft 4 keywords OpenAPI 3.0 shares, and `$ref: \"#/components/schemas/Name\"` to a named schema",
        "propertyNames": {"enum": KEYWORDS},
    })
);

/// The name of a schema in `options.schemas`: a letter, then letters and
/// digits (API Gateway's model names), at most 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaName(String);

impl SchemaName {
    pub fn new(s: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(SchemaName(s.to_string()))
        } else {
            Err(format!(
                "`{s}` is not a valid schema name: a letter, then letters and digits, at most 64 characters (API Gateway model names are alphanumeric)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `schema:` key that is there holds a schema (`schema:` with nothing
/// after it is a mistake, not "no schema").
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Schema>, D::Error> {
    Schema::deserialize(d).map(Some)
}

/// Named schemas (`options.schemas`), each referred to as
/// `$ref: "#/components/schemas/Name"`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamedSchemas(pub IndexMap<SchemaName, Schema>);

impl<'de> Deserialize<'de> for NamedSchemas {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NamedSchemas;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of schema names to JSON Schemas")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<NamedSchemas, E> {
                Ok(NamedSchemas::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NamedSchemas, A::Error> {
                let mut out = IndexMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    let name = SchemaName::new(&name).map_err(A::Error::custom)?;
                    if builtin_names().contains(&name.as_str()) {
                        return Err(A::Error::custom(format!(
                            "schema name `{}` is taken by the built-in services' schemas ({}); choose another",
                            name.as_str(),
                            builtin_names().join(", ")
                        )));
                    }
                    let schema: Schema = map.next_value()?;
                    out.insert(name, schema);
                }
                Ok(NamedSchemas(out))
            }
        }
        d.deserialize_any(V)
    }
}

value_schema!(NamedSchemas, |g| {
    json_schema!({
        "type": ["object", "null"],
        "description": "Named JSON Schemas (MICRO-4), each referred to as `$ref: \"#/components/schemas/Name\"`",
        "propertyNames": {
            "pattern": "^[A-Za-z][A-Za-z0-9]{0,63}$",
            "not": {"enum": builtin_names()},
        },
        "additionalProperties": g.subschema_for::<Schema>(),
    })
});

/// What a route's requests carry (`request:` of a route): a JSON body and
/// query parameters.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// What the JSON body must match (POST, PUT, PATCH); on a REST API, API
    /// Gateway rejects a body that does not with 400 before the function runs.
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Schema>,
    /// Or the body's schema in a JSON file of the project.
    #[serde(default)]
    pub schema_file: Option<SchemaFile>,
    /// The body's description in the OpenAPI document.
    #[serde(default)]
    pub description: Option<String>,
    /// Query string parameters by name; on a REST API a missing required
    /// one is answered with 400 before the function runs.
    #[serde(default)]
    pub query: QueryParams,
}

impl RequestSpec {
    /// Whether API Gateway has anything to check on a REST API.
    pub fn validates(&self) -> bool {
        self.schema.is_some() || self.schema_file.is_some() || !self.query.0.is_empty()
    }
}

/// One query string parameter of a route.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryParam {
    /// Whether a request must have it (false by default).
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
    /// Its value's schema (documentation: API Gateway checks only that a
    /// required parameter is present); `type: string` by default.
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Schema>,
}

/// A route's query string parameters, by name (letters, digits, `_`, `-`
/// and `.`, at most 128 characters), in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams(pub IndexMap<String, QueryParam>);

impl<'de> Deserialize<'de> for QueryParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QueryParams;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a mapping of query parameter names to `{required, description, schema}`",
                )
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<QueryParams, E> {
                Ok(QueryParams::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QueryParams, A::Error> {
                let mut out = IndexMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    let ok = (1..=128).contains(&name.len())
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                    if !ok {
                        return Err(A::Error::custom(format!(
                            "`{name}` is not a valid query parameter name: letters, digits, `_`, `-` and `.`, at most 128 characters"
                        )));
                    }
                    let param: QueryParam = map.next_value()?;
                    out.insert(name, param);
                }
                Ok(QueryParams(out))
            }
        }
        d.deserialize_any(V)
    }
}

value_schema!(QueryParams, |g| {
    json_schema!({
        "type": ["object", "null"],
        "description": "Query string parameters by name (letters, digits, `_`, `-` and `.`)",
        "propertyNames": {"pattern": "^[A-Za-z0-9_.-]{1,128}$"},
        "additionalProperties": g.subschema_for::<QueryParam>(),
    })
});

/// One documented response of a route.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    #[serde(default)]
    pub description: Option<String>,
    /// The JSON body; none for a response without one (204).
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Schema>,
    /// Or the body's schema in a JSON file of the project.
    #[serde(default)]
    pub schema_file: Option<SchemaFile>,
}

/// A route's documented responses by status code (`responses:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Responses(pub BTreeMap<u16, ResponseSpec>);

impl<'de> Deserialize<'de> for Responses {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Responses;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of HTTP status codes (200 to 599) to responses")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Responses, E> {
                Ok(Responses::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Responses, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(code) = map.next_key::<StatusKey>()? {
                    let spec: ResponseSpec = map.next_value()?;
                    if out.insert(code.0, spec).is_some() {
                        return Err(A::Error::custom(format!(
                            "status {} is listed twice",
                            code.0
                        )));
                    }
                }
                Ok(Responses(out))
            }
        }
        d.deserialize_any(V)
    }
}

value_schema!(Responses, |g| {
    json_schema!({
        "type": ["object", "null"],
        "description": "The documented responses by HTTP status code (200 to 599)",
        "propertyNames": {"pattern": "^[2-5][0-9][0-9]$"},
        "additionalProperties": g.subschema_for::<ResponseSpec>(),
    })
});

struct StatusKey(u16);

impl<'de> Deserialize<'de> for StatusKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an HTTP status code from 200 to 599")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<StatusKey, E> {
                match u16::try_from(v) {
                    Ok(c) if (200..=599).contains(&c) => Ok(StatusKey(c)),
                    _ => Err(E::custom(format!(
                        "`{v}` is not an HTTP status code from 200 to 599"
                    ))),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<StatusKey, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StatusKey, E> {
                match v.parse::<u64>() {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(format!(
                        "`{v}` is not an HTTP status code from 200 to 599"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The largest schema file read.
pub const MAX_SCHEMA_FILE_BYTES: u64 = 256 * 1024;

/// `schema_file:` a JSON file holding a schema, relative to the project
/// directory (the one with blueprint.yaml), inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaFile(pub String);

impl SchemaFile {
    pub fn new(s: &str) -> Result<Self, String> {
        let rule = "a schema file is a `.json` path relative to the project directory, inside it (like `schemas/order.json`)";
        let absolute = s.starts_with('/')
            || s.starts_with('\\')
            || s.as_bytes().get(1) == Some(&b':')
            || Path::new(s).is_absolute();
        if absolute {
            return Err(format!("`{s}` is an absolute path: {rule}"));
        }
        if s.split(['/', '\\']).any(|part| part == "..") {
            return Err(format!("`{s}` leads out of the project directory: {rule}"));
        }
        if s.is_empty() || s.len() > 1024 || !s.ends_with(".json") || s.contains('\0') {
            return Err(format!("`{s}` is not a schema file: {rule}"));
        }
        Ok(SchemaFile(s.to_string()))
    }
}

value_schema!(
    SchemaFile,
    text(
        "A `.json` file with the schema, relative to the project directory and inside it, like `schemas/order.json`",
        r"^(?![/\\]|.:)(?!(.*[/\\])?\.\.([/\\]|$)).*\.json$",
        6,
        1024
    )
);

impl<'de> Deserialize<'de> for SchemaFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::config::deserialize_text(d, "a path like `schemas/order.json`", SchemaFile::new)
    }
}

/// Reads and checks the schema in `file`, relative to `project` (the
/// directory of blueprint.yaml; none for a blueprint's built-in defaults).
/// A path that leads out of the project (through a symbolic link) is
/// refused; a mistake in the file is reported at its line and column.
pub fn load_schema_file(project: Option<&Path>, file: &SchemaFile) -> Result<Schema, String> {
    let name = &file.0;
    let Some(dir) = project else {
        return Err(format!(
            "`{name}`: schema files are read from a project directory; the built-in defaults have none"
        ));
    };
    let root = dir.canonicalize().map_err(|e| {
        format!(
            "the project directory {} cannot be read: {e}",
            dir.display()
        )
    })?;
    let real = dir.join(name).canonicalize().map_err(|_| {
        format!(
            "`{name}` does not exist in the project directory {}",
            dir.display()
        )
    })?;
    if !real.starts_with(&root) {
        return Err(format!(
            "`{name}` leads out of the project directory (a symbolic link to {}); keep schema files inside the project",
            real.display()
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| format!("`{name}` cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("`{name}` is not a file"));
    }
    if meta.len() > MAX_SCHEMA_FILE_BYTES {
        return Err(format!(
            "`{name}` is {} bytes; a schema file holds at most {MAX_SCHEMA_FILE_BYTES}",
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(&real).map_err(|_| format!("`{name}` is not UTF-8 text"))?;
    let located = |e: serde_json::Error| {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        format!("{name}:{}:{}: {message}", e.line(), e.column())
    };
    let mut de = serde_json::Deserializer::from_str(&text);
    let schema = Schema::deserialize(&mut de).map_err(located)?;
    de.end().map_err(located)?;
    Ok(schema)
}

/// The names `$ref`s in `schema` refer to, in order of appearance.
pub fn refs(schema: &Json, out: &mut Vec<String>) {
    match schema {
        Json::Object(m) => {
            if let Some(Json::String(r)) = m.get("$ref") {
                if let Some(name) = r.strip_prefix(REF_PREFIX) {
                    out.push(name.to_string());
                }
            }
            for (k, v) in m {
                // `default` and `enum` hold values, not schemas.
                if k != "default" && k != "enum" {
                    refs(v, out);
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Checks the `$ref`s of `schema` against the named schemas: each names one,
/// and none leads back to itself (API Gateway models get the named schemas
/// inlined). `at` is the key path of the schema, for the message.
pub fn check_refs(at: &str, schema: &Json, named: &NamedSchemas) -> Result<(), String> {
    let mut stack = Vec::new();
    check_refs_in(at, schema, named, &mut stack)?;
    let inlined = inline(schema, named)?;
    let size = serde_json::to_string(&inlined).map_or(0, |s| s.len());
    if size > MAX_MODEL_BYTES {
        return Err(format!(
            "{at}: the schema, named schemas inlined, is {size} bytes; at most {MAX_MODEL_BYTES} fit in an API Gateway model here"
        ));
    }
    Ok(())
}

fn check_refs_in(
    at: &str,
    schema: &Json,
    named: &NamedSchemas,
    stack: &mut Vec<String>,
) -> Result<(), String> {
    let mut found = Vec::new();
    refs(schema, &mut found);
    for name in found {
        let key = SchemaName(name.clone());
        let Some(target) = named.0.get(&key) else {
            let known: Vec<&str> = named.0.keys().map(SchemaName::as_str).collect();
            let hint = nearest(&name, &known)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "{at}: `$ref: {REF_PREFIX}{name}` names no schema of options.schemas{hint}"
            ));
        };
        if stack.contains(&name) {
            stack.push(name.clone());
            return Err(format!(
                "{at}: the named schemas refer to themselves ({}); API Gateway models cannot be recursive",
                stack.join(" → ")
            ));
        }
        stack.push(name);
        check_refs_in(at, &target.0, named, stack)?;
        stack.pop();
    }
    Ok(())
}

/// `schema` with every `$ref` replaced by the named schema it names (after
/// [`check_refs`], so every name resolves and nothing recurses).
pub fn inline(schema: &Json, named: &NamedSchemas) -> Result<Json, String> {
    match schema {
        Json::Object(m) => {
            if let Some(Json::String(r)) = m.get("$ref") {
                let name = r.strip_prefix(REF_PREFIX).unwrap_or(r);
                let target = named
                    .0
                    .get(&SchemaName(name.to_string()))
                    .ok_or_else(|| format!("`$ref: {r}` names no schema of options.schemas"))?;
                return inline(&target.0, named);
            }
            let mut out = Map::new();
            for (k, v) in m {
                let v = if k == "default" || k == "enum" {
                    v.clone()
                } else {
                    inline(v, named)?
                };
                out.insert(k.clone(), v);
            }
            Ok(Json::Object(out))
        }
        Json::Array(items) => Ok(Json::Array(
            items
                .iter()
                .map(|v| inline(v, named))
                .collect::<Result<_, _>>()?,
        )),
        other => Ok(other.clone()),
    }
}

/// The JSON Schema (draft 4) of an API Gateway model: `schema` with named
/// schemas inlined and `$schema` set.
pub fn model_schema(schema: &Json, named: &NamedSchemas) -> Result<Json, String> {
    let mut inlined = inline(schema, named)?;
    if let Json::Object(m) = &mut inlined {
        let mut with = Map::new();
        with.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-04/schema#"),
        );
        with.extend(std::mem::take(m));
        *m = with;
    }
    Ok(inlined)
}
