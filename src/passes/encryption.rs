//! `options.security.customer_managed_keys`: who holds the keys that encrypt
//! a stack's data at rest.
//!
//! Off (the default), each service encrypts with a key of its own: DynamoDB
//! tables with the AWS managed key `aws/dynamodb` (what `components::table`
//! sets), log groups with CloudWatch Logs' keys, function environments with
//! Lambda's AWS managed key. Each such resource records the scanner check it
//! does not meet (checkov's "customer-managed key" checks) with that reason.
//!
//! On, the stack gets one customer-managed key ([`KEY`]: rotation on,
//! retained, since data encrypted with it outlives the stack) with an alias,
//! and every table, log group and function environment of the stack's tree
//! uses it. One key per stack rather than one per nested template: one key
//! to administer and pay for (each key is a monthly charge, and a retained
//! key stays after a teardown), one policy to review. A nested template
//! reads the key's ARN from a parameter ([`KEY_PARAMETER`]) its parent
//! passes. The key policy:
//! - the account administers the key (`kms:*` for the account root: IAM
//!   policies of the account decide who uses it, as for any key; no `*`
//!   principal);
//! - CloudWatch Logs may use it for this account's log groups in this
//!   region only (`kms:EncryptionContext:aws:logs:arn`).
//!
//! DynamoDB and Lambda use the key through grants they create when the
//! table or function is created or updated, with the permissions of the
//! caller (CloudFormation, with the deployer's IAM rights, which the
//! account-root statement delegates). Every role that reads or writes a
//! table also gets the key's actions DynamoDB calls on its behalf, only
//! through DynamoDB (`kms:ViaService`), as AWS CDK's table grants do; every
//! function role with an encrypted environment may decrypt through Lambda.
//!
//! Switching the option on a deployed stack replaces no table or log group:
//! `SSESpecification` (table) and `KmsKeyId` (log group) are updatable in
//! place; the create-only properties of those types are `TableName` and
//! `ImportSourceSpecification`, and `LogGroupName` (public CloudFormation
//! resource schemas, `src/diff/create_only.json`; tested in
//! tests/security_encryption.rs).
//!
//! SQS queues keep SQS-managed encryption (SSE-SQS) either way: their
//! producers include AWS services publishing in their own name (S3, SNS,
//! EventBridge, Lambda destinations), which a customer-managed key would
//! have to admit one by one (see `components::topic`). Global tables keep
//! the AWS managed key: a customer-managed key is regional, and each replica
//! region would need its own; synth says so.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::dynamodb::{SseSpecification, SseType};
use crate::cfn::resources::iam::InlinePolicy;
use crate::cfn::resources::kms::Alias;
use crate::cfn::resources::logs::LogGroup;
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::{arn, rotating_key};
use crate::error::Error;
use crate::passes::each_template;

/// The logical ID of the stack's customer-managed key.
pub const KEY: &str = "CustomerManagedKey";

/// The logical ID of its alias.
pub const KEY_ALIAS: &str = "CustomerManagedKeyAlias";

/// The parameter of a nested template holding the key's ARN.
pub const KEY_PARAMETER: &str = "CustomerManagedKeyArn";

/// The inline policy added to roles that need the key.
pub const ROLE_POLICY: &str = "CustomerManagedKey";

const LOG_GROUP: &str = "AWS::Logs::LogGroup";
const TABLE: &str = "AWS::DynamoDB::Table";
const GLOBAL_TABLE: &str = "AWS::DynamoDB::GlobalTable";
const FUNCTION: &str = "AWS::Lambda::Function";
const QUEUE: &str = "AWS::SQS::Queue";
const ROLE: &str = "AWS::IAM::Role";

/// checkov: log group encrypted with a customer-managed key.
pub const CHECK_LOG_GROUP: &str = "CKV_AWS_158";
/// checkov: table encrypted with a customer-managed key.
pub const CHECK_TABLE: &str = "CKV_AWS_119";
/// checkov: function environment encrypted with a customer-managed key.
pub const CHECK_FUNCTION: &str = "CKV_AWS_173";
/// checkov: queue encrypted with a KMS key.
pub const CHECK_QUEUE: &str = "CKV_AWS_27";

const LOG_GROUP_REASON: &str = "Encrypted by CloudWatch Logs with its own keys; options.security.customer_managed_keys uses a key of this stack";
const TABLE_MANAGED_REASON: &str = "Encrypted at rest with the AWS managed key aws/dynamodb (SSEEnabled); options.security.customer_managed_keys uses a key of this stack";
const TABLE_OWNED_REASON: &str = "Encrypted at rest with a DynamoDB-owned key; options.security.customer_managed_keys uses a key of this stack";
const FUNCTION_REASON: &str = "The environment holds resource names and settings from the blueprint and project file, not secrets (those belong in Secrets Manager), encrypted at rest with Lambda's AWS managed key; options.security.customer_managed_keys uses a key of this stack";
const QUEUE_REASON: &str = "Encrypted at rest with SQS-managed keys (SSE-SQS); a KMS key would have to admit each AWS service sending to the queue, and customer_managed_keys covers tables, log groups and function environments";

/// What DynamoDB calls on a reader's behalf.
const TABLE_READ_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];
/// What DynamoDB calls on a writer's behalf.
const TABLE_WRITE_KEY_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
];
/// DynamoDB actions that write items.
const TABLE_WRITES: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:*",
];

/// What CloudWatch Logs calls to encrypt and read a log group's events.
const LOGS_KEY_ACTIONS: &[&str] = &[
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
];

/// Customer-managed keys for tables, log groups and function environments
/// when `customer_managed_keys`; otherwise the reason each of them keeps
/// its service's key. Queues keep SSE-SQS in both cases.
pub fn apply(t: &mut Template, customer_managed_keys: bool) -> Result<(), Error> {
    each_template(t, &mut accept_queue_encryption);
    if !customer_managed_keys {
        each_template(t, &mut accept_service_keys);
        return Ok(());
    }
    if !needs_key(t) {
        return Ok(());
    }
    let key = add_key(t)?;
    encrypt_tree(t, key.get_att("Arn"))
}

/// Whether `t` or a template nested in it has something to encrypt.
pub fn needs_key(t: &Template) -> bool {
    t.resources()
        .any(|r| encryptable(r.kind(), &r.properties_json()))
        || t.nested().any(|(_, child)| needs_key(child))
}

fn encryptable(kind: &str, props: &Map<String, Json>) -> bool {
    match kind {
        LOG_GROUP | TABLE => true,
        FUNCTION => has_environment(props),
        _ => false,
    }
}

/// A function with at least one environment variable.
fn has_environment(props: &Map<String, Json>) -> bool {
    props
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Json::as_object)
        .is_some_and(|v| !v.is_empty())
}

/// The stack's key and its alias `alias/<stack name>`.
fn add_key(t: &mut Template) -> Result<LogicalId, Error> {
    let logs = Principal::Service(vec![format!("logs.{}.amazonaws.com", "${AWS::Region}")]);
    let statements = vec![Statement::allow(LOGS_KEY_ACTIONS, vec!["*".into()])
        .sid("CloudWatchLogsEncryptsThisAccountsLogGroups")
        .principal(logs)
        .condition(
            "ArnLike",
            "kms:EncryptionContext:aws:logs:arn",
            vec![arn("logs:${AWS::Region}:${AWS::AccountId}:log-group:*")],
        )];
    let key = rotating_key(
        "Encrypts this stack's tables, log groups and function environments (options.security.customer_managed_keys); retained with the data it encrypts".into(),
        statements,
    );
    let r = t.add(KEY, key)?.retain();
    // The logs principal names the stack's region: `Fn::Sub` it.
    if let Some(policy) = r.properties_json_mut().get_mut("KeyPolicy") {
        sub_service_principals(policy);
    }
    let id = r.id().clone();
    t.add(
        KEY_ALIAS,
        Alias {
            alias_name: sub("alias/${AWS::StackName}").into(),
            target_key_id: id.r#ref(),
        },
    )?;
    Ok(id)
}

/// Service principals naming a pseudo parameter become `Fn::Sub`.
fn sub_service_principals(policy: &mut Json) {
    if let Some(statements) = policy.get_mut("Statement").and_then(Json::as_array_mut) {
        for s in statements {
            if let Some(services) = s
                .get_mut("Principal")
                .and_then(|p| p.get_mut("Service"))
                .and_then(Json::as_array_mut)
            {
                for service in services {
                    if let Some(text) = service.as_str().filter(|t| t.contains("${")) {
                        *service = serde_json::json!({ "Fn::Sub": text });
                    }
                }
            }
        }
    }
}

/// Points every table, log group and function environment of `t` and its
/// nested templates at `key` (the key's ARN, or a parameter holding it).
fn encrypt_tree(t: &mut Template, key: Value<String>) -> Result<(), Error> {
    encrypt_template(t, &key)?;
    let mut needing = Vec::new();
    for (id, child) in t.nested_mut() {
        if !needs_key(child) {
            continue;
        }
        let param = child.parameter(
            KEY_PARAMETER,
            Parameter::string("The ARN of the stack's customer-managed key"),
        )?;
        encrypt_tree(child, param.r#ref())?;
        needing.push(id.clone());
    }
    let key = to_json(&key)?;
    for id in needing {
        let stack = t
            .resource_mut(id.as_str())
            .ok_or_else(|| Error::Internal(format!("nested stack `{id}` has no resource")))?;
        let params = stack
            .properties_json_mut()
            .entry("Parameters")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Json::Object(p) = params {
            p.insert(KEY_PARAMETER.into(), key.clone());
        }
    }
    Ok(())
}

/// One template's resources.
fn encrypt_template(t: &mut Template, key: &Value<String>) -> Result<(), Error> {
    let mut table_readers = Vec::new();
    let mut warnings = Vec::new();
    for r in t.resources_mut() {
        match r.kind() {
            LOG_GROUP => merge(
                r.properties_json_mut(),
                // Only the key: merged over the group's other properties.
                &LogGroup {
                    kms_key_id: Some(key.clone()),
                    ..Default::default()
                },
            )?,
            TABLE => merge(
                r.properties_json_mut(),
                &TableEncryption {
                    sse_specification: SseSpecification {
                        sse_type: Some(SseType::Kms.into()),
                        kms_master_key_id: Some(key.clone()),
                        ..SseSpecification::new(true)
                    },
                },
            )?,
            FUNCTION if has_environment(&r.properties_json()) => merge(
                r.properties_json_mut(),
                &EnvironmentEncryption {
                    kms_key_arn: key.clone(),
                },
            )?,
            GLOBAL_TABLE => warnings.push(format!(
                "options.security.customer_managed_keys: global table `{}` keeps the AWS managed key aws/dynamodb (a customer-managed key is regional; each replica region would need its own)",
                r.id()
            )),
            _ => {}
        }
        if r.kind() == ROLE {
            if let Some(writes) = table_access(&r.properties_json()) {
                table_readers.push((r.id().clone(), writes));
            }
        }
    }
    t.warnings.extend(warnings);
    let function_roles = environment_roles(t);
    for r in t.resources_mut() {
        if r.kind() != ROLE {
            continue;
        }
        let mut statements = Vec::new();
        if let Some((_, writes)) = table_readers.iter().find(|(id, _)| id == r.id()) {
            let actions = if *writes {
                TABLE_WRITE_KEY_ACTIONS
            } else {
                TABLE_READ_KEY_ACTIONS
            };
            statements.push(
                Statement::allow(actions, vec![key.clone()])
                    .sid("TablesEncryptedWithTheStackKey")
                    .condition(
                        "StringEquals",
                        "kms:ViaService",
                        vec![sub("dynamodb.${AWS::Region}.amazonaws.com").into()],
                    ),
            );
        }
        if function_roles.contains(r.id()) {
            statements.push(
                Statement::allow(&["kms:Decrypt"], vec![key.clone()])
                    .sid("EnvironmentEncryptedWithTheStackKey")
                    .condition(
                        "StringEquals",
                        "kms:ViaService",
                        vec![sub("lambda.${AWS::Region}.amazonaws.com").into()],
                    ),
            );
        }
        if statements.is_empty() {
            continue;
        }
        let policy = to_json(&InlinePolicy {
            policy_name: ROLE_POLICY.into(),
            policy_document: PolicyDocument::new(statements),
        })?;
        let policies = r
            .properties_json_mut()
            .entry("Policies")
            .or_insert_with(|| Json::Array(Vec::new()));
        if let Json::Array(list) = policies {
            list.push(policy);
        }
    }
    Ok(())
}

/// Whether a role's inline policies use DynamoDB items: `Some(true)` when
/// they write, `Some(false)` when they only read, `None` when neither.
fn table_access(props: &Map<String, Json>) -> Option<bool> {
    let actions: Vec<&str> = props
        .get("Policies")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p["PolicyDocument"]["Statement"].as_array())
        .flatten()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Action"] {
            Json::Array(a) => a.iter().filter_map(Json::as_str).collect::<Vec<_>>(),
            Json::String(one) => vec![one.as_str()],
            _ => Vec::new(),
        })
        .filter(|a| a.starts_with("dynamodb:"))
        .collect();
    if actions.is_empty() {
        return None;
    }
    Some(actions.iter().any(|a| TABLE_WRITES.contains(a)))
}

/// The roles (by logical ID) of the functions whose environment the key
/// encrypts: `Role: {"Fn::GetAtt": [<role>, "Arn"]}`.
fn environment_roles(t: &Template) -> Vec<LogicalId> {
    t.resources()
        .filter(|r| r.kind() == FUNCTION && has_environment(&r.properties_json()))
        .filter_map(|r| {
            let role = r
                .properties_json()
                .get("Role")?
                .get("Fn::GetAtt")?
                .get(0)?
                .clone();
            t.resource(role.as_str()?).map(|r| r.id().clone())
        })
        .collect()
}

/// With the option off: each table, log group and function environment
/// keeps its service's key, and says so.
fn accept_service_keys(t: &mut Template) {
    for r in t.resources_mut() {
        match r.kind() {
            LOG_GROUP if !r.properties_json().contains_key("KmsKeyId") => {
                r.accepts_risk(CHECK_LOG_GROUP, LOG_GROUP_REASON);
            }
            TABLE => {
                let props = r.properties_json();
                let sse = props.get("SSESpecification");
                if sse.and_then(|s| s.get("KMSMasterKeyId")).is_some() {
                    continue;
                }
                let managed = sse.and_then(|s| s.get("SSEEnabled")) == Some(&Json::Bool(true));
                r.accepts_risk(
                    CHECK_TABLE,
                    if managed {
                        TABLE_MANAGED_REASON
                    } else {
                        TABLE_OWNED_REASON
                    },
                );
            }
            FUNCTION
                if has_environment(&r.properties_json())
                    && !r.properties_json().contains_key("KmsKeyArn") =>
            {
                r.accepts_risk(CHECK_FUNCTION, FUNCTION_REASON);
            }
            _ => {}
        }
    }
}

/// Queues on SSE-SQS, with the option on or off.
fn accept_queue_encryption(t: &mut Template) {
    for r in t.resources_mut() {
        if r.kind() == QUEUE
            && !r.properties_json().contains_key("KmsMasterKeyId")
            && r.properties_json().get("SqsManagedSseEnabled") == Some(&Json::Bool(true))
        {
            r.accepts_risk(CHECK_QUEUE, QUEUE_REASON);
        }
    }
}

/// Sets each property `p` serializes to over `props`.
/// The property a function takes to encrypt its environment variables
/// with the key (its ARN), merged over its others.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EnvironmentEncryption {
    kms_key_arn: Value<String>,
}

/// The property a table takes to be encrypted with the key, merged over
/// its others (SSEType before KMSMasterKeyId, as templates have it).
#[derive(Serialize)]
struct TableEncryption {
    #[serde(rename = "SSESpecification")]
    sse_specification: SseSpecification,
}

fn merge<P: Serialize>(props: &mut Map<String, Json>, p: &P) -> Result<(), Error> {
    match to_json(p)? {
        Json::Object(fields) => {
            props.extend(fields);
            Ok(())
        }
        other => Err(Error::Internal(format!(
            "encryption properties are not an object: {other}"
        ))),
    }
}

fn to_json<P: Serialize>(p: &P) -> Result<Json, Error> {
    serde_json::to_value(p).map_err(|e| Error::Internal(format!("encryption: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::iam::Role;
    use crate::cfn::resources::logs::LogGroup;
    use serde_json::json;

    fn role_with(actions: &[&str]) -> Map<String, Json> {
        let Json::Object(m) = json!({"Policies": [{"PolicyName": "P", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": ["x"]}]}}]})
        else {
            unreachable!()
        };
        m
    }

    #[test]
    fn table_access_tells_readers_from_writers() {
        assert_eq!(table_access(&role_with(&["s3:GetObject"])), None);
        assert_eq!(
            table_access(&role_with(&["dynamodb:GetItem", "dynamodb:Query"])),
            Some(false)
        );
        assert_eq!(
            table_access(&role_with(&["dynamodb:GetItem", "dynamodb:PutItem"])),
            Some(true)
        );
    }

    #[test]
    fn service_principals_naming_the_region_are_substituted() {
        let mut p = json!({"Statement": [
            {"Principal": {"Service": ["logs.${AWS::Region}.amazonaws.com"]}},
            {"Principal": {"Service": ["s3.amazonaws.com"]}}]});
        sub_service_principals(&mut p);
        assert_eq!(
            p["Statement"][0]["Principal"]["Service"][0],
            json!({"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"})
        );
        assert_eq!(
            p["Statement"][1]["Principal"]["Service"][0],
            "s3.amazonaws.com"
        );
    }

    #[test]
    fn a_template_with_nothing_to_encrypt_gets_no_key() {
        let mut t = Template::new("t");
        t.add(
            "R",
            Role::described(PolicyDocument::new(vec![]), "nothing to encrypt"),
        )
        .unwrap();
        apply(&mut t, true).unwrap();
        assert!(t.resource(KEY).is_none());
    }

    #[test]
    fn on_a_log_group_uses_the_key_and_off_it_says_why() {
        let group = || {
            let mut t = Template::new("t");
            t.add("Logs", LogGroup::default()).unwrap();
            t
        };
        let mut on = group();
        apply(&mut on, true).unwrap();
        let logs = on.resource("Logs").unwrap();
        assert_eq!(
            logs.properties_json()["KmsKeyId"],
            json!({"Fn::GetAtt": [KEY, "Arn"]})
        );
        assert!(logs.accepted_risks().is_empty());
        assert_eq!(on.resource(KEY).unwrap().kind(), "AWS::KMS::Key");
        let mut off = group();
        apply(&mut off, false).unwrap();
        assert!(off.resource(KEY).is_none());
        assert_eq!(
            off.resource("Logs").unwrap().accepted_risks(),
            vec![(CHECK_LOG_GROUP, LOG_GROUP_REASON)]
        );
    }
}
