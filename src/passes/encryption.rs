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

use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::{Effect, PolicyDocument, Principal, Statement};
use crate::cfn::resources::cloudformation::Stack;
use crate::cfn::resources::dynamodb::{GlobalTable, SseSpecification, SseType, Table};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::kms::Alias;
use crate::cfn::resources::lambda::Function;
use crate::cfn::resources::logs::LogGroup;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::template::{Resource, ResourceProperties};
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

const LOG_GROUP: &str = LogGroup::TYPE;
const TABLE: &str = Table::TYPE;
const GLOBAL_TABLE: &str = GlobalTable::TYPE;

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
    t.resources().any(encryptable) || t.nested().any(|(_, child)| needs_key(child))
}

fn encryptable(r: &Resource) -> bool {
    match r.kind() {
        LOG_GROUP | TABLE => true,
        _ => r.get::<Function>().is_some_and(has_environment),
    }
}

/// A function with at least one environment variable (or variables an
/// intrinsic chooses).
fn has_environment(f: &Function) -> bool {
    let variables = f
        .environment
        .as_ref()
        .and_then(Value::lit)
        .and_then(|e| e.variables.as_ref());
    match variables {
        Some(Value::Lit(v)) => !v.is_empty(),
        Some(Value::Fn(_)) => true,
        None => false,
    }
}

/// The stack's key and its alias `alias/<stack name>`.
fn add_key(t: &mut Template) -> Result<LogicalId, Error> {
    // The logs principal names the stack's region: `Fn::Sub` it.
    let logs = Principal::Service(vec![sub("logs.${AWS::Region}.amazonaws.com").into()]);
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
    let id = t.add(KEY, key)?.retain().id().clone();
    t.add(
        KEY_ALIAS,
        Alias {
            alias_name: sub("alias/${AWS::StackName}").into(),
            target_key_id: id.r#ref(),
        },
    )?;
    Ok(id)
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
    for id in needing {
        let stack = t
            .resource_mut(id.as_str())
            .and_then(|r| r.get_mut::<Stack>())
            .ok_or_else(|| Error::Internal(format!("nested stack `{id}` has no resource")))?;
        let params = stack
            .parameters
            .get_or_insert_with(|| indexmap::IndexMap::new().into());
        if let Value::Lit(p) = params {
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
        if r.kind() == GLOBAL_TABLE {
            warnings.push(format!(
                "options.security.customer_managed_keys: global table `{}` keeps the AWS managed key aws/dynamodb (a customer-managed key is regional; each replica region would need its own)",
                r.id()
            ));
        }
        if let Some(group) = r.get_mut::<LogGroup>() {
            group.kms_key_id = Some(key.clone());
        } else if let Some(table) = r.get_mut::<Table>() {
            table.sse_specification = Some(
                SseSpecification {
                    sse_type: Some(SseType::Kms.into()),
                    kms_master_key_id: Some(key.clone()),
                    ..SseSpecification::new(true)
                }
                .into(),
            );
        } else if let Some(f) = r.get_mut::<Function>().filter(|f| has_environment(f)) {
            f.kms_key_arn = Some(key.clone());
        }
        if let Some(writes) = r.get::<Role>().and_then(table_access) {
            table_readers.push((r.id().clone(), writes));
        }
    }
    t.warnings.extend(warnings);
    let function_roles = environment_roles(t);
    for r in t.resources_mut() {
        let id = r.id().clone();
        let Some(role) = r.get_mut::<Role>() else {
            continue;
        };
        let mut statements = Vec::new();
        if let Some((_, writes)) = table_readers.iter().find(|(r, _)| *r == id) {
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
        if function_roles.contains(&id) {
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
        let policy = InlinePolicy::new(ROLE_POLICY, PolicyDocument::new(statements));
        let policies = role.policies.get_or_insert_with(|| Vec::new().into());
        if let Value::Lit(list) = policies {
            list.push(policy);
        }
    }
    Ok(())
}

/// Whether a role's inline policies use DynamoDB items: `Some(true)` when
/// they write, `Some(false)` when they only read, `None` when neither.
fn table_access(role: &Role) -> Option<bool> {
    let actions: Vec<&str> = role
        .policies
        .as_ref()
        .and_then(Value::lit)
        .into_iter()
        .flatten()
        .flat_map(|p| &p.policy_document.statement)
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.action.iter().map(String::as_str))
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
        .filter_map(|r| r.get::<Function>())
        .filter(|f| has_environment(f))
        .filter_map(|f| match f.role.function()? {
            Intrinsic::GetAtt(role, _) => t.resource(role).map(|r| r.id().clone()),
            _ => None,
        })
        .collect()
}

/// With the option off: each table, log group and function environment
/// keeps its service's key, and says so.
fn accept_service_keys(t: &mut Template) {
    for r in t.resources_mut() {
        let reason = if let Some(group) = r.get::<LogGroup>() {
            group
                .kms_key_id
                .is_none()
                .then_some((CHECK_LOG_GROUP, LOG_GROUP_REASON))
        } else if let Some(table) = r.get::<Table>() {
            let sse = table.sse_specification.as_ref().and_then(Value::lit);
            if sse.is_some_and(|s| s.kms_master_key_id.is_some()) {
                continue;
            }
            let managed = sse.is_some_and(|s| s.sse_enabled == Value::Lit(true));
            Some(if managed {
                (CHECK_TABLE, TABLE_MANAGED_REASON)
            } else {
                (CHECK_TABLE, TABLE_OWNED_REASON)
            })
        } else if let Some(f) = r.get::<Function>() {
            (has_environment(f) && f.kms_key_arn.is_none())
                .then_some((CHECK_FUNCTION, FUNCTION_REASON))
        } else {
            None
        };
        if let Some((check, why)) = reason {
            r.accepts_risk(check, why);
        }
    }
}

/// Queues on SSE-SQS, with the option on or off.
fn accept_queue_encryption(t: &mut Template) {
    for r in t.resources_mut() {
        let sse_sqs = r.get::<Queue>().is_some_and(|q| {
            q.kms_master_key_id.is_none() && q.sqs_managed_sse_enabled == Some(Value::Lit(true))
        });
        if sse_sqs {
            r.accepts_risk(CHECK_QUEUE, QUEUE_REASON);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::kms::Key;
    use serde_json::json;

    fn role_with(actions: &[&str]) -> Role {
        Role {
            policies: Some(
                vec![InlinePolicy::new(
                    "P",
                    PolicyDocument::new(vec![Statement::allow(actions, vec!["x".into()])]),
                )]
                .into(),
            ),
            ..Role::new(PolicyDocument::new(vec![]))
        }
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
    fn the_logs_principal_names_the_region_through_fn_sub() {
        let mut t = Template::new("t");
        add_key(&mut t).unwrap();
        let doc = t.to_json();
        let statements = &doc["Resources"][KEY]["Properties"]["KeyPolicy"]["Statement"];
        let logs = statements
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "CloudWatchLogsEncryptsThisAccountsLogGroups")
            .unwrap();
        assert_eq!(
            logs["Principal"]["Service"],
            json!([{"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}])
        );
        // Typed to the end: no resource of the template is free JSON.
        assert!(t
            .resources()
            .all(|r| !matches!(r.properties, crate::cfn::resources::Properties::Raw(_))));
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
            logs.get::<LogGroup>().unwrap().kms_key_id,
            Some(Value::from(Intrinsic::GetAtt(KEY.into(), "Arn".into())))
        );
        assert!(logs.accepted_risks().is_empty());
        assert_eq!(on.resource(KEY).unwrap().kind(), Key::TYPE);
        let mut off = group();
        apply(&mut off, false).unwrap();
        assert!(off.resource(KEY).is_none());
        assert_eq!(
            off.resource("Logs").unwrap().accepted_risks(),
            vec![(CHECK_LOG_GROUP, LOG_GROUP_REASON)]
        );
    }
}
