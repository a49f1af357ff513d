//! A user's JSON (long form, from blueprint.yaml) as the model's
//! [`Intrinsic`] and [`Expr`], for the sections the model holds typed
//! (`Conditions`, an output's `Value`): the same JSON when rendered.

use indexmap::IndexMap;
use serde_json::{Map, Value as Json};

use crate::cfn::{Expr, Intrinsic, Value};

/// What a function's arguments may not be, in a user's words.
type Refused = String;

/// `value` as an intrinsic function, or why it is not one.
pub fn intrinsic(value: &Json) -> Result<Intrinsic, Refused> {
    let Json::Object(m) = value else {
        return Err(format!(
            "expected a function such as `!Equals [a, b]`, found {}",
            describe(value)
        ));
    };
    let (key, args) = one_entry(m)?;
    function(key, args)
}

/// A single-entry mapping's key and value.
fn one_entry(m: &Map<String, Json>) -> Result<(&str, &Json), Refused> {
    let mut entries = m.iter();
    match (entries.next(), entries.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => Err("expected a function (a mapping with one key such as `Fn::Equals`)".into()),
    }
}

fn function(key: &str, args: &Json) -> Result<Intrinsic, Refused> {
    let list = |n: usize| -> Result<&Vec<Json>, Refused> {
        match args {
            Json::Array(a) if a.len() == n => Ok(a),
            _ => Err(format!("`{key}` takes a list of {n}")),
        }
    };
    Ok(match key {
        "Ref" => Intrinsic::Ref(text(key, args)?),
        "Condition" => Intrinsic::Condition(text(key, args)?),
        "Fn::GetAtt" => {
            let a = list(2)?;
            Intrinsic::GetAtt(text(key, &a[0])?, text(key, &a[1])?)
        }
        "Fn::Sub" => match args {
            Json::String(s) => Intrinsic::Sub(s.clone()),
            Json::Array(a) if a.len() == 2 => {
                let Json::Object(vars) = &a[1] else {
                    return Err(
                        "`Fn::Sub` takes a text, or a text and a mapping of variables".into(),
                    );
                };
                let vars: Result<IndexMap<String, Expr>, Refused> = vars
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), expr(v)?)))
                    .collect();
                Intrinsic::SubWith(text(key, &a[0])?, vars?)
            }
            _ => return Err("`Fn::Sub` takes a text, or a text and a mapping of variables".into()),
        },
        "Fn::Join" => {
            let a = list(2)?;
            let Json::Array(items) = &a[1] else {
                return Err("`Fn::Join` takes a delimiter and a list".into());
            };
            Intrinsic::Join(text(key, &a[0])?, exprs(items)?)
        }
        "Fn::Select" => {
            let a = list(2)?;
            Intrinsic::Select(expr(&a[0])?, expr(&a[1])?)
        }
        "Fn::Split" => {
            let a = list(2)?;
            Intrinsic::Split(text(key, &a[0])?, expr(&a[1])?)
        }
        "Fn::GetAZs" => Intrinsic::GetAZs(expr(args)?),
        "Fn::If" => {
            let a = list(3)?;
            Intrinsic::If(text(key, &a[0])?, expr(&a[1])?, expr(&a[2])?)
        }
        "Fn::Equals" => {
            let a = list(2)?;
            Intrinsic::Equals(expr(&a[0])?, expr(&a[1])?)
        }
        "Fn::Not" => Intrinsic::Not(expr(&list(1)?[0])?),
        "Fn::And" | "Fn::Or" => {
            let Json::Array(items) = args else {
                return Err(format!("`{key}` takes a list of 2 to 10 conditions"));
            };
            if !(2..=10).contains(&items.len()) {
                return Err(format!("`{key}` takes a list of 2 to 10 conditions"));
            }
            let items = exprs(items)?;
            if key == "Fn::And" {
                Intrinsic::And(items)
            } else {
                Intrinsic::Or(items)
            }
        }
        "Fn::ImportValue" => Intrinsic::ImportValue(expr(args)?),
        "Fn::FindInMap" => {
            let a = list(3)?;
            Intrinsic::FindInMap(text(key, &a[0])?, expr(&a[1])?, expr(&a[2])?)
        }
        "Fn::Base64" => Intrinsic::Base64(expr(args)?),
        "Fn::Cidr" => {
            let a = list(3)?;
            Intrinsic::Cidr(expr(&a[0])?, expr(&a[1])?, expr(&a[2])?)
        }
        other => return Err(format!("`{other}` is not a function CloudFormation has")),
    })
}

fn text(key: &str, v: &Json) -> Result<String, Refused> {
    match v {
        Json::String(s) => Ok(s.clone()),
        other => Err(format!(
            "`{key}` takes a name here, found {}",
            describe(other)
        )),
    }
}

fn exprs(items: &[Json]) -> Result<Vec<Expr>, Refused> {
    items.iter().map(expr).collect()
}

/// A function's argument.
pub fn expr(v: &Json) -> Result<Expr, Refused> {
    Ok(match v {
        Json::String(s) => Expr::Str(s.clone()),
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Expr::Int(i),
            None => Expr::Str(n.to_string()),
        },
        Json::Array(items) => Expr::List(exprs(items)?),
        Json::Object(_) => Expr::Fn(Box::new(intrinsic(v)?)),
        Json::Null => return Err("a function's argument cannot be nothing (null)".into()),
    })
}

/// An output's value: a text (a number or boolean as its text) or a function.
pub fn text_value(v: &Json) -> Result<Value<String>, Refused> {
    Ok(match v {
        Json::String(s) => Value::Lit(s.clone()),
        Json::Number(n) => Value::Lit(n.to_string()),
        Json::Bool(b) => Value::Lit(b.to_string()),
        Json::Object(_) => Value::Fn(Box::new(intrinsic(v)?)),
        other => {
            return Err(format!(
                "expected a text or a function, found {}",
                describe(other)
            ))
        }
    })
}

/// A value named in a user's words.
pub fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "nothing (null)",
        Json::Bool(_) => "true or false",
        Json::Number(_) => "a number",
        Json::String(_) => "a text",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_function_renders_back_as_written() {
        for v in [
            json!({"Ref": "Table"}),
            json!({"Fn::GetAtt": ["Table", "Arn"]}),
            json!({"Fn::Sub": "${AWS::StackName}-x"}),
            json!({"Fn::Sub": ["${A}-x", {"A": {"Ref": "T"}}]}),
            json!({"Fn::Join": ["", ["a", {"Ref": "T"}]]}),
            json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
            json!({"Fn::Split": [",", "a,b"]}),
            json!({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}),
            json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
            json!({"Fn::Not": [{"Condition": "C"}]}),
            json!({"Fn::And": [{"Condition": "C"}, {"Condition": "D"}]}),
            json!({"Fn::Or": [{"Condition": "C"}, {"Condition": "D"}]}),
            json!({"Fn::ImportValue": "x"}),
            json!({"Fn::FindInMap": ["M", "a", "b"]}),
            json!({"Fn::Base64": "x"}),
            json!({"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ] {
            let f = intrinsic(&v).unwrap();
            assert_eq!(serde_json::to_value(&f).unwrap(), v);
        }
    }

    #[test]
    fn what_is_not_a_function_is_refused_in_plain_words() {
        assert_eq!(
            intrinsic(&json!("x")).unwrap_err(),
            "expected a function such as `!Equals [a, b]`, found a text"
        );
        assert_eq!(
            intrinsic(&json!({"Fn::Equals": ["a"]})).unwrap_err(),
            "`Fn::Equals` takes a list of 2"
        );
        assert_eq!(
            intrinsic(&json!({"Fn::Nope": 1})).unwrap_err(),
            "`Fn::Nope` is not a function CloudFormation has"
        );
        assert_eq!(
            text_value(&json!([1])).unwrap_err(),
            "expected a text or a function, found a list"
        );
    }
}
