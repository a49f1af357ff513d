//! Rewiring references in a resource's JSON: each `Ref`, `Fn::GetAtt` and
//! `Fn::Sub` variable replaced as the split decides.

use serde_json::{Map, Value as Json};

use crate::cfn::intrinsic::{Intrinsic, PSEUDO_PARAMETERS};
use crate::cfn::Value;
use crate::error::Error;

/// What a reference becomes.
pub(super) enum Replacement {
    /// `Ref` to a parameter.
    Param(String),
    /// An attribute of a resource (`Outputs.<name>` of a stack).
    Attr(String, String),
}

/// Walks `json` and replaces each `Ref`, `Fn::GetAtt` and `Fn::Sub` variable
/// for which `f(target, attribute)` returns a replacement.
pub(super) fn rewrite(
    json: &mut Json,
    f: &mut dyn FnMut(&str, Option<&str>) -> Option<Replacement>,
) {
    match json {
        Json::Array(items) => items.iter_mut().for_each(|i| rewrite(i, f)),
        Json::Object(map) => {
            if map.len() == 1 {
                if let Some(Json::String(target)) = map.get("Ref") {
                    if PSEUDO_PARAMETERS.contains(&target.as_str()) {
                        return;
                    }
                    if let Some(r) = f(target, None) {
                        *json = replacement_json(r);
                    }
                    return;
                }
                if let Some(args) = map.get("Fn::GetAtt") {
                    let parsed = match args {
                        Json::Array(a) if a.len() == 2 => a[0]
                            .as_str()
                            .zip(a[1].as_str())
                            .map(|(t, at)| (t.to_string(), at.to_string())),
                        Json::String(s) => s
                            .split_once('.')
                            .map(|(t, at)| (t.to_string(), at.to_string())),
                        _ => None,
                    };
                    if let Some((t, at)) = parsed {
                        if let Some(r) = f(&t, Some(&at)) {
                            *json = replacement_json(r);
                        }
                        return;
                    }
                }
                if let Some(args) = map.get_mut("Fn::Sub") {
                    match args {
                        Json::String(s) => *s = rewrite_sub(s, None, f),
                        Json::Array(a) if a.len() == 2 => {
                            let (head, tail) = a.split_at_mut(1);
                            if let (Json::String(s), Json::Object(vars)) =
                                (&mut head[0], &mut tail[0])
                            {
                                vars.values_mut().for_each(|v| rewrite(v, f));
                                *s = rewrite_sub(s, Some(vars), f);
                            }
                        }
                        _ => {}
                    }
                    return;
                }
            }
            map.values_mut().for_each(|v| rewrite(v, f));
        }
        _ => {}
    }
}

fn replacement_json(r: Replacement) -> Json {
    match r {
        Replacement::Param(p) => serde_json::json!({ "Ref": p }),
        Replacement::Attr(id, attr) => serde_json::json!({ "Fn::GetAtt": [id, attr] }),
    }
}

/// Rewrites the `${...}` variables of an `Fn::Sub` string.
fn rewrite_sub(
    text: &str,
    vars: Option<&Map<String, Json>>,
    f: &mut dyn FnMut(&str, Option<&str>) -> Option<Replacement>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(&rest[..start + 2]);
        let var = &after[..end];
        let name = var.trim();
        let replaced = if name.starts_with('!')
            || name.starts_with("AWS::")
            || vars.is_some_and(|m| m.contains_key(name))
        {
            None
        } else {
            match name.split_once('.') {
                Some((t, a)) => f(t, Some(a)),
                None => f(name, None),
            }
        };
        match replaced {
            Some(Replacement::Param(p)) => out.push_str(&p),
            Some(Replacement::Attr(id, attr)) => {
                out.push_str(&id);
                out.push('.');
                out.push_str(&attr);
            }
            None => out.push_str(var),
        }
        out.push('}');
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether `json` uses a condition (`Fn::If`, `Condition`).
pub(super) fn uses_conditions(json: &Json) -> bool {
    match json {
        Json::Array(a) => a.iter().any(uses_conditions),
        Json::Object(m) => {
            m.contains_key("Fn::If")
                || (m.len() == 1 && m.contains_key("Condition"))
                || m.values().any(uses_conditions)
        }
        _ => false,
    }
}

/// An output's value, rewired as JSON, back as a typed value.
pub(super) fn value_from_json(v: Json) -> Result<Value<String>, Error> {
    let Json::Object(m) = &v else {
        return Ok(Value::Lit(v.as_str().unwrap_or_default().to_string()));
    };
    if let Some(Json::Array(a)) = m.get("Fn::GetAtt") {
        if let (Some(id), Some(attr)) = (
            a.first().and_then(Json::as_str),
            a.get(1).and_then(Json::as_str),
        ) {
            return Ok(Intrinsic::GetAtt(id.to_string(), attr.to_string()).into());
        }
    }
    if let Some(Json::String(s)) = m.get("Fn::Sub") {
        return Ok(Intrinsic::Sub(s.clone()).into());
    }
    if let Some(Json::String(s)) = m.get("Ref") {
        return Ok(Intrinsic::Ref(s.clone()).into());
    }
    Err(Error::Internal(format!(
        "an output reading a moved resource is too complex to rewire: {v}"
    )))
}
