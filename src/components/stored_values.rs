//! Values kept in SSM Parameter Store or Secrets Manager
//! ([`crate::config::secrets`]) as a function sees them: what its
//! environment variable holds, and what its role may read. No value ever
//! enters the template, only names:
//!
//! - `{ ssm: NAME }` (a `String` parameter): the dynamic reference
//!   `{{resolve:ssm:NAME}}`, which CloudFormation resolves when it creates
//!   or updates the function; the role gets nothing (the function never
//!   calls SSM);
//! - `{ ssm: NAME, secure: true }` (a `SecureString`): the name; the role
//!   may `ssm:GetParameter(s)` on that parameter's ARN only (CloudFormation
//!   cannot put a `SecureString` into a function's environment: its
//!   `ssm-secure` references are accepted by a few password properties
//!   only);
//! - `{ secret: NAME-or-ARN }`: the name or ARN; the role may
//!   `secretsmanager:GetSecretValue` on that secret only (`NAME-??????`,
//!   the six characters Secrets Manager appends). Not
//!   `{{resolve:secretsmanager:…}}`: that would copy the secret's value
//!   into the function's configuration, readable by anyone allowed
//!   `lambda:GetFunctionConfiguration`;
//! - with `kms_key`, the role may also `kms:Decrypt` with that key, and
//!   only through SSM or Secrets Manager (`kms:ViaService`).

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::Value;
use crate::components::arn;
use crate::config::secrets::{EnvValue, StoredValue};

/// What an environment variable holds for `v` in the template.
pub fn environment_value(v: &EnvValue) -> Value<String> {
    match v {
        EnvValue::Text(s) => s.as_str().into(),
        EnvValue::Stored(StoredValue::Ssm(p)) if !p.secure => {
            format!("{{{{resolve:ssm:{}}}}}", p.ssm).into()
        }
        EnvValue::Stored(StoredValue::Ssm(p)) => p.ssm.as_str().into(),
        EnvValue::Stored(StoredValue::Secret(s)) => s.secret.as_str().into(),
    }
}

/// The ARN of the value the function reads at run time (`None` for a
/// parameter CloudFormation resolves).
fn resource_arn(v: &StoredValue) -> Option<Value<String>> {
    match v {
        StoredValue::Ssm(p) if p.secure => Some(arn(&format!(
            "ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
            p.ssm.trim_start_matches('/')
        ))),
        StoredValue::Ssm(_) => None,
        StoredValue::Secret(s) if s.secret.starts_with("arn:") => Some(s.secret.as_str().into()),
        StoredValue::Secret(s) => Some(arn(&format!(
            "secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}-??????",
            s.secret
        ))),
    }
}

/// The statements letting a function read exactly `values` (those it reads
/// at run time), in the order first named; none when it reads none.
pub fn read_statements<'a>(values: impl IntoIterator<Item = &'a StoredValue>) -> Vec<Statement> {
    let mut parameters = Vec::new();
    let mut secrets = Vec::new();
    let mut parameter_keys = Vec::new();
    let mut secret_keys = Vec::new();
    for v in values {
        let Some(resource) = resource_arn(v) else {
            continue;
        };
        let (arns, keys) = match v {
            StoredValue::Ssm(_) => (&mut parameters, &mut parameter_keys),
            StoredValue::Secret(_) => (&mut secrets, &mut secret_keys),
        };
        push_new(arns, resource);
        if let Some(k) = v.kms_key() {
            push_new(keys, k.into());
        }
    }
    let mut out = Vec::new();
    if !parameters.is_empty() {
        out.push(
            Statement::allow(&["ssm:GetParameter", "ssm:GetParameters"], parameters)
                .sid("ReadOwnParameters"),
        );
    }
    if !parameter_keys.is_empty() {
        out.push(decrypt_via(parameter_keys, "ssm").sid("DecryptOwnParametersThroughSsm"));
    }
    if !secrets.is_empty() {
        out.push(
            Statement::allow(&["secretsmanager:GetSecretValue"], secrets).sid("ReadOwnSecrets"),
        );
    }
    if !secret_keys.is_empty() {
        out.push(
            decrypt_via(secret_keys, "secretsmanager")
                .sid("DecryptOwnSecretsThroughSecretsManager"),
        );
    }
    out
}

fn push_new(list: &mut Vec<Value<String>>, v: Value<String>) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// `kms:Decrypt` with `keys`, only in requests `service` makes for the role.
fn decrypt_via(keys: Vec<Value<String>>, service: &str) -> Statement {
    Statement::allow(&["kms:Decrypt"], keys).condition(
        "StringEquals",
        "kms:ViaService",
        vec![sub(format!("{service}.${{AWS::Region}}.amazonaws.com")).into()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secrets::{SecretValue, SsmValue};
    use serde_json::json;

    fn ssm(name: &str, secure: bool, kms_key: Option<&str>) -> StoredValue {
        StoredValue::Ssm(SsmValue {
            ssm: name.into(),
            secure,
            kms_key: kms_key.map(Into::into),
        })
    }

    fn secret(id: &str, kms_key: Option<&str>) -> StoredValue {
        StoredValue::Secret(SecretValue {
            secret: id.into(),
            kms_key: kms_key.map(Into::into),
        })
    }

    #[test]
    fn environment_holds_references_and_names_only() {
        let v = |s| serde_json::to_value(environment_value(&EnvValue::Stored(s))).unwrap();
        assert_eq!(v(ssm("/a/b", false, None)), json!("{{resolve:ssm:/a/b}}"));
        assert_eq!(v(ssm("/a/b", true, None)), json!("/a/b"));
        assert_eq!(v(secret("orders/db", None)), json!("orders/db"));
    }

    #[test]
    fn a_string_parameter_grants_nothing() {
        assert!(read_statements(&[ssm("/a/b", false, None)]).is_empty());
    }

    #[test]
    fn each_read_value_is_granted_exactly() {
        const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/k1";
        let values = [
            ssm("/a/b", true, None),
            secret("orders/db", Some(KEY)),
            secret(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                None,
            ),
            ssm("/a/b", true, None),
        ];
        let got = serde_json::to_value(read_statements(&values)).unwrap();
        assert_eq!(
            got,
            json!([
                {"Sid": "ReadOwnParameters", "Effect": "Allow",
                 "Action": ["ssm:GetParameter", "ssm:GetParameters"],
                 "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/a/b"}]},
                {"Sid": "ReadOwnSecrets", "Effect": "Allow",
                 "Action": ["secretsmanager:GetSecretValue"],
                 "Resource": [
                     {"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/db-??????"},
                     "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"]},
                {"Sid": "DecryptOwnSecretsThroughSecretsManager", "Effect": "Allow",
                 "Action": ["kms:Decrypt"], "Resource": [KEY],
                 "Condition": {"StringEquals": {"kms:ViaService": [{"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}]}}},
            ])
        );
    }
}
