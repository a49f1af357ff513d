//! IAM policy documents, typed: statements with effect, principals, actions,
//! resources and conditions.

use indexmap::IndexMap;
use serde::Serialize;

use super::intrinsic::Value;
use super::walk::{walk, Visitor, VisitorMut, Walk};

/// The policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// An IAM policy document.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// The policy language version, `2012-10-17`.
    pub version: &'static str,
    /// The statements.
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with the given statements.
    pub fn new(statement: Vec<Statement>) -> Self {
        PolicyDocument {
            version: POLICY_VERSION,
            statement,
        }
    }
}

/// Allow or Deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Allows the actions.
    Allow,
    /// Denies the actions (whatever else allows them).
    Deny,
}

/// Who a resource or trust policy statement applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `{"Service": [...]}`: a service name, or an intrinsic where it names a
    /// pseudo parameter (`logs.${AWS::Region}.amazonaws.com`).
    Service(Vec<Value<String>>),
    /// `{"AWS": [...]}`.
    Aws(Vec<Value<String>>),
    /// `{"Federated": "..."}`.
    Federated(String),
    /// `"*"`: anyone (only sensible together with a Deny or a condition).
    Everyone,
}

/// As CloudFormation writes it: `{"Service": [...]}` (a mapping of one key
/// in every format; serde's derive would make it a YAML tag, `!Service`),
/// or `"*"`.
impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn one<S: serde::Serializer, V: Serialize>(
            s: S,
            key: &str,
            value: &V,
        ) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(key, value)?;
            m.end()
        }
        match self {
            Principal::Service(v) => one(s, "Service", v),
            Principal::Aws(v) => one(s, "AWS", v),
            Principal::Federated(v) => one(s, "Federated", v),
            Principal::Everyone => s.serialize_str("*"),
        }
    }
}

/// A condition block: operator → key → values.
pub type Condition = IndexMap<String, IndexMap<String, Vec<Value<String>>>>;

/// One policy statement.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// The statement's ID.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    #[serde(serialize_with = "serialize_principal")]
    /// Who the statement is about (resource policies only).
    pub principal: Option<Principal>,
    /// The actions (`sqs:ReceiveMessage`, ...).
    pub action: Vec<String>,
    /// The resources the actions apply to (ARNs).
    pub resource: Option<Vec<Value<String>>>,
    /// When the statement applies.
    pub condition: Option<Condition>,
}

fn serialize_principal<S: serde::Serializer>(
    p: &Option<Principal>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match p {
        Some(Principal::Everyone) => s.serialize_str("*"),
        Some(other) => other.serialize(s),
        None => s.serialize_none(),
    }
}

impl Statement {
    /// Allows `actions` on `resources`.
    pub fn allow(actions: &[&str], resources: Vec<Value<String>>) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: actions.iter().map(|a| (*a).to_string()).collect(),
            resource: Some(resources),
            condition: None,
        }
    }

    /// Denies `actions` on `resources`.
    pub fn deny(actions: &[&str], resources: Vec<Value<String>>) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Self::allow(actions, resources)
        }
    }

    /// A trust policy statement letting `services` assume the role.
    pub fn assume_by_service(services: &[&str]) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: Some(Principal::Service(
                services.iter().map(|s| (*s).into()).collect(),
            )),
            action: vec!["sts:AssumeRole".to_string()],
            resource: None,
            condition: None,
        }
    }

    /// Names the statement.
    pub fn sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_string());
        self
    }

    /// Sets the principal.
    pub fn principal(mut self, p: Principal) -> Self {
        self.principal = Some(p);
        self
    }

    /// Adds a condition `operator: {key: values}`.
    pub fn condition(mut self, operator: &str, key: &str, values: Vec<Value<String>>) -> Self {
        self.condition
            .get_or_insert_with(IndexMap::new)
            .entry(operator.to_string())
            .or_default()
            .insert(key.to_string(), values);
        self
    }
}

walk!(PolicyDocument { version, statement });
walk!(Statement {
    sid,
    effect,
    principal,
    action,
    resource,
    condition
});
walk!(Effect);

impl Walk for Principal {
    fn walk(&self, v: &mut dyn Visitor) {
        match self {
            Principal::Aws(values) | Principal::Service(values) => values.walk(v),
            Principal::Federated(_) | Principal::Everyone => {}
        }
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        match self {
            Principal::Aws(values) | Principal::Service(values) => values.walk_mut(v),
            Principal::Federated(_) | Principal::Everyone => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_serialize_as_iam_expects() {
        let doc = PolicyDocument::new(vec![
            Statement::assume_by_service(&["lambda.amazonaws.com"]),
            Statement::deny(&["s3:*"], vec!["arn:aws:s3:::b/*".into()])
                .sid("TlsOnly")
                .principal(Principal::Everyone)
                .condition("Bool", "aws:SecureTransport", vec!["false".into()]),
        ]);
        assert_eq!(
            serde_json::to_value(doc).unwrap(),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
                 "Action": ["sts:AssumeRole"]},
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": ["s3:*"],
                 "Resource": ["arn:aws:s3:::b/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": ["false"]}}}
            ]})
        );
    }
}
