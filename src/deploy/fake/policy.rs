//! Stack policies as CloudFormation evaluates them during an update: once a
//! policy is set, an update action on a resource needs an Allow statement
//! that matches it and no Deny statement that matches it.
//!
//! Supported: `Statement` (a list or one object); `Effect`; `Action` or
//! `NotAction`, and `Resource` or `NotResource`, each a string or a list,
//! with `*` wildcards; a `Condition` on `ResourceType` with `StringEquals` or
//! `StringLike`. Other conditions are treated as met. `Principal` is ignored.

use serde_json::Value as Json;

/// Whether the policy text is one CloudFormation accepts.
pub(super) fn valid(policy: &str) -> bool {
    serde_json::from_str::<Json>(policy)
        .ok()
        .and_then(|p| p.get("Statement").cloned())
        .is_some_and(|s| s.is_array() || s.is_object())
}

/// `Ok` when `action` (`Update:Modify`, `Update:Replace`, `Update:Delete`)
/// on the resource is allowed, otherwise the reason CloudFormation gives.
pub(super) fn check(
    policy: &str,
    action: &str,
    logical_id: &str,
    kind: &str,
) -> Result<(), String> {
    let resource = format!("LogicalResourceId/{logical_id}");
    let statements = statements(policy);
    let mut allowed = false;
    for (i, s) in statements.iter().enumerate() {
        if !applies(s, action, &resource, kind) {
            continue;
        }
        match s.get("Effect").and_then(Json::as_str) {
            Some("Deny") => {
                return Err(format!(
                    "Action denied by stack policy: Statement [#{}] does not allow [{action}] for resource [{resource}]",
                    i + 1
                ))
            }
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "Action denied by stack policy: no statement allows [{action}] for resource [{resource}]"
        ))
    }
}

fn statements(policy: &str) -> Vec<Json> {
    match serde_json::from_str::<Json>(policy)
        .ok()
        .and_then(|p| p.get("Statement").cloned())
    {
        Some(Json::Array(a)) => a,
        Some(o @ Json::Object(_)) => vec![o],
        _ => Vec::new(),
    }
}

fn applies(s: &Json, action: &str, resource: &str, kind: &str) -> bool {
    matches_key(s, "Action", "NotAction", action)
        && matches_key(s, "Resource", "NotResource", resource)
        && condition_met(s, kind)
}

/// `key` lists a pattern matching `value`, or `not_key` lists none.
fn matches_key(s: &Json, key: &str, not_key: &str, value: &str) -> bool {
    if let Some(v) = s.get(key) {
        return strings(v).iter().any(|p| glob(p, value));
    }
    if let Some(v) = s.get(not_key) {
        return !strings(v).iter().any(|p| glob(p, value));
    }
    false
}

fn condition_met(s: &Json, kind: &str) -> bool {
    let Some(c) = s.get("Condition").and_then(Json::as_object) else {
        return true;
    };
    c.iter().all(|(op, m)| {
        let Some(types) = m.get("ResourceType") else {
            return true;
        };
        let types = strings(types);
        match op.as_str() {
            "StringEquals" => types.contains(&kind),
            "StringLike" => types.iter().any(|p| glob(p, kind)),
            "StringNotEquals" => !types.contains(&kind),
            "StringNotLike" => !types.iter().any(|p| glob(p, kind)),
            _ => true,
        }
    })
}

fn strings(v: &Json) -> Vec<&str> {
    match v {
        Json::String(s) => vec![s.as_str()],
        Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, value: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else {
        return pattern == value;
    };
    let Some(tail) = value.strip_prefix(head) else {
        return false;
    };
    (0..=tail.len())
        .filter(|i| tail.is_char_boundary(*i))
        .any(|i| glob(rest, &tail[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{dynamodb, lambda, sqs};
    use crate::cfn::ResourceProperties;
    use crate::deploy::stack_policy::protecting;

    #[test]
    fn the_policy_apply_writes_denies_replacing_and_deleting_only_the_protected() {
        let p = protecting(&["TodoTable".to_string()]);
        let t = dynamodb::Table::TYPE;
        assert!(check(&p, "Update:Modify", "TodoTable", t).is_ok());
        let e = check(&p, "Update:Replace", "TodoTable", t).unwrap_err();
        assert_eq!(e, "Action denied by stack policy: Statement [#2] does not allow [Update:Replace] for resource [LogicalResourceId/TodoTable]");
        assert!(check(&p, "Update:Delete", "TodoTable", t).is_err());
        assert!(check(&p, "Update:Replace", "Other", t).is_ok());
        assert!(check(&protecting(&[]), "Update:Delete", "TodoTable", t).is_ok());
    }

    #[test]
    fn wildcards_strings_conditions_and_default_deny() {
        let p = r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "Update:Modify", "Resource": "LogicalResourceId/Api*"}}"#;
        assert!(check(p, "Update:Modify", "ApiFunction", lambda::Function::TYPE).is_ok());
        assert!(check(p, "Update:Replace", "ApiFunction", "x").is_err());
        assert!(check(p, "Update:Modify", "Table", "x")
            .unwrap_err()
            .contains("no statement allows [Update:Modify]"));
        let p = r#"{"Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "Update:*", "Resource": "*",
             "Condition": {"StringEquals": {"ResourceType": ["AWS::RDS::DBInstance"]}}}]}"#;
        assert!(check(p, "Update:Delete", "Db", "AWS::RDS::DBInstance").is_err());
        assert!(check(p, "Update:Delete", "Q", sqs::Queue::TYPE).is_ok());
        let p = r#"{"Statement": [{"Effect": "Allow", "NotAction": "Update:Delete", "Resource": "*"}]}"#;
        assert!(check(p, "Update:Replace", "Q", "x").is_ok());
        assert!(check(p, "Update:Delete", "Q", "x").is_err());
        assert!(valid(p) && !valid("{}") && !valid("not json"));
    }
}
