//! `options.security.customer_managed_keys` over every blueprint's defaults
//! and every variant in tests/variants (issue 13), nested templates
//! included, with the option forced on and forced off:
//! - on: every log group, DynamoDB table and function with environment
//!   variables in every template uses a KMS key of the stack (the key in the
//!   same template, or the parameter its parent passes the key's ARN in);
//!   the key rotates, is retained, has no `*` principal and lets CloudWatch
//!   Logs use it for this account's log groups only; every role that uses a
//!   table may use the key, through DynamoDB only;
//! - off: no key, and each of those resources records the checkov check it
//!   does not meet with a reason;
//! - switching the option replaces no table or log group (nothing
//!   create-only changes).

use crate::common;

use std::collections::BTreeMap;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides, ALL};
use blueprint::config::Source;
use blueprint::diff::{compute, create_only_properties, Impact};
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::Value;

const KEY: &str = "CustomerManagedKey";
const KEY_PARAMETER: &str = "CustomerManagedKeyArn";

/// The project file `text` with `options.security.customer_managed_keys`
/// set to `on`.
fn with_keys(text: &str, on: bool) -> String {
    let mut doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
    let options = doc
        .as_mapping_mut()
        .unwrap()
        .entry("options".into())
        .or_insert_with(|| serde_norway::Value::Mapping(Default::default()));
    if options.is_null() {
        *options = serde_norway::Value::Mapping(Default::default());
    }
    let security = options
        .as_mapping_mut()
        .unwrap()
        .entry("security".into())
        .or_insert_with(|| serde_norway::Value::Mapping(Default::default()));
    if security.is_null() {
        *security = serde_norway::Value::Mapping(Default::default());
    }
    security
        .as_mapping_mut()
        .unwrap()
        .insert("customer_managed_keys".into(), on.into());
    serde_norway::to_string(&doc).unwrap()
}

/// Every template one synthesis wrote, by path (stack name, then nested
/// stack logical IDs).
fn templates(blueprint: &str, name: &str, text: &str) -> BTreeMap<String, Value> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: text.to_string(),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    let s = synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Overrides::default(),
        Format::Json,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = BTreeMap::new();
    for t in &s.templates {
        out.insert(t.stack_name.clone(), serde_json::from_str(&t.body).unwrap());
    }
    for n in &s.nested {
        out.insert(n.path.clone(), serde_json::from_str(&n.body).unwrap());
    }
    out
}

/// Every blueprint's defaults and variants with the option set to `on`:
/// `(name, templates)`.
fn all(on: bool) -> Vec<(String, BTreeMap<String, Value>)> {
    let mut out = Vec::new();
    for bp in ALL {
        for (name, text) in common::defaults_and_variants(bp.name()) {
            let name = format!("{} {name}", bp.name());
            let t = templates(bp.name(), &name, &with_keys(&text, on));
            out.push((name, t));
        }
    }
    out
}

fn resources(t: &Value) -> impl Iterator<Item = (&String, &Value)> {
    t["Resources"].as_object().into_iter().flatten()
}

/// Whether a function has environment variables.
fn has_environment(r: &Value) -> bool {
    r["Properties"]["Environment"]["Variables"]
        .as_object()
        .is_some_and(|v| !v.is_empty())
}

/// What `r` encrypts with: the value of its key property, for the types
/// the option covers (and the check it answers).
fn encryption_of(r: &Value) -> Option<(&'static str, Value)> {
    let p = &r["Properties"];
    match r["Type"].as_str()? {
        "AWS::Logs::LogGroup" => Some(("CKV_AWS_158", p["KmsKeyId"].clone())),
        "AWS::DynamoDB::Table" => Some((
            "CKV_AWS_119",
            p["SSESpecification"]["KMSMasterKeyId"].clone(),
        )),
        "AWS::Lambda::Function" if has_environment(r) => {
            Some(("CKV_AWS_173", p["KmsKeyArn"].clone()))
        }
        _ => None,
    }
}

/// Whether `v` names a KMS key of the stack from template `t`: `Fn::GetAtt`
/// of a key in `t`, or a `Ref` to a parameter of `t` (checked at the
/// parent by [`key_passing`]).
fn is_stack_key(t: &Value, v: &Value) -> bool {
    if let Some(att) = v["Fn::GetAtt"].as_array() {
        let id = att[0].as_str().unwrap_or_default();
        return t["Resources"][id]["Type"] == "AWS::KMS::Key" && att[1] == "Arn";
    }
    if let Some(p) = v["Ref"].as_str() {
        return t["Parameters"].get(p).is_some();
    }
    false
}

/// What is wrong with how templates pass the key to their nested stacks.
fn key_passing(t: &Value) -> Vec<String> {
    resources(t)
        .filter(|(_, r)| r["Type"] == "AWS::CloudFormation::Stack")
        .filter_map(|(id, r)| {
            let v = r["Properties"]["Parameters"].get(KEY_PARAMETER)?;
            (!is_stack_key(t, v)).then(|| format!("{id} passes {v} as the key"))
        })
        .collect()
}

fn skipped(r: &Value, check: &str) -> Option<String> {
    r["Metadata"]["checkov"]["skip"]
        .as_array()?
        .iter()
        .find(|s| s["id"] == check)
        .and_then(|s| s["comment"].as_str().map(str::to_string))
}

#[test]
fn with_the_option_on_every_table_log_group_and_environment_uses_the_stacks_key() {
    let mut failures = Vec::new();
    let mut counted = [0usize; 3];
    for (name, templates) in all(true) {
        for (path, t) in &templates {
            failures.extend(
                key_passing(t)
                    .into_iter()
                    .map(|f| format!("{name} {path}: {f}")),
            );
            for (id, r) in resources(t) {
                let Some((check, key)) = encryption_of(r) else {
                    continue;
                };
                counted[["CKV_AWS_158", "CKV_AWS_119", "CKV_AWS_173"]
                    .iter()
                    .position(|c| *c == check)
                    .unwrap()] += 1;
                if !is_stack_key(t, &key) {
                    failures.push(format!("{name} {path} {id}: encrypted with {key}"));
                }
                if skipped(r, check).is_some() {
                    failures.push(format!("{name} {path} {id}: {check} suppressed"));
                }
                if r["Type"] == "AWS::DynamoDB::Table"
                    && r["Properties"]["SSESpecification"]["SSEType"] != "KMS"
                {
                    failures.push(format!("{name} {path} {id}: SSEType is not KMS"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        counted.iter().all(|n| *n > 0),
        "log groups, tables, functions: {counted:?}"
    );
}

#[test]
fn the_key_rotates_is_retained_has_no_wildcard_principal_and_admits_logs_for_this_account() {
    let mut keys = 0;
    for (name, templates) in all(true) {
        for (path, t) in &templates {
            for (id, r) in resources(t).filter(|(_, r)| r["Type"] == "AWS::KMS::Key") {
                let at = format!("{name} {path} {id}");
                assert_eq!(r["Properties"]["EnableKeyRotation"], true, "{at}");
                assert_eq!(r["DeletionPolicy"], "Retain", "{at}");
                assert_eq!(r["UpdateReplacePolicy"], "Retain", "{at}");
                let statements = r["Properties"]["KeyPolicy"]["Statement"]
                    .as_array()
                    .unwrap();
                for s in statements {
                    let p = &s["Principal"];
                    assert!(
                        p != "*"
                            && p["AWS"] != "*"
                            && !p["AWS"].as_array().is_some_and(|a| a.contains(&"*".into())),
                        "{at}: a * principal in {s}"
                    );
                }
                if id != KEY {
                    continue;
                }
                keys += 1;
                let logs = statements
                    .iter()
                    .find(|s| s["Principal"]["Service"].to_string().contains("logs."))
                    .unwrap_or_else(|| panic!("{at}: no statement for CloudWatch Logs"));
                assert_eq!(
                    logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"][0]
                        ["Fn::Sub"],
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
                    "{at}"
                );
                let alias = resources(t)
                    .find(|(_, a)| a["Type"] == "AWS::KMS::Alias")
                    .unwrap_or_else(|| panic!("{at}: no alias"));
                assert_eq!(alias.1["Properties"]["TargetKeyId"]["Ref"], KEY, "{at}");
            }
            // Only a root template holds the stack's key; nested ones read it.
            if path.contains('/') {
                assert!(
                    t["Resources"].get(KEY).is_none(),
                    "{name} {path}: a key of its own"
                );
            }
        }
    }
    assert!(keys > 0);
}

#[test]
fn with_the_option_on_every_role_using_a_table_may_use_the_key_through_dynamodb_only() {
    let mut roles = 0;
    for (name, templates) in all(true) {
        for (path, t) in &templates {
            for (id, r) in resources(t).filter(|(_, r)| r["Type"] == "AWS::IAM::Role") {
                let policies = r["Properties"]["Policies"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let uses_tables = policies.iter().any(|p| {
                    p["PolicyDocument"]["Statement"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|s| s["Action"].to_string().contains("\"dynamodb:"))
                });
                if !uses_tables {
                    continue;
                }
                roles += 1;
                let key_policy = policies
                    .iter()
                    .find(|p| p["PolicyName"] == "CustomerManagedKey")
                    .unwrap_or_else(|| panic!("{name} {path} {id}: no key policy"));
                let s = key_policy["PolicyDocument"]["Statement"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["Sid"] == "TablesEncryptedWithTheStackKey")
                    .unwrap_or_else(|| panic!("{name} {path} {id}: no table statement"));
                assert!(is_stack_key(t, &s["Resource"][0]), "{name} {path} {id}");
                assert_eq!(
                    s["Condition"]["StringEquals"]["kms:ViaService"][0]["Fn::Sub"],
                    "dynamodb.${AWS::Region}.amazonaws.com",
                    "{name} {path} {id}"
                );
            }
        }
    }
    assert!(roles > 0);
}

/// A queue encrypted with a KMS key (`KmsMasterKeyId`): none of the
/// blueprints' (SSE-SQS, or the stack's key through the pass), so a queue a
/// project adds by hand with a key of its choosing.
fn kms_encrypted(r: &serde_json::Value) -> bool {
    r["Properties"].get("KmsMasterKeyId").is_some()
}

#[test]
fn with_the_option_off_there_is_no_key_and_each_resource_says_why() {
    let mut failures = Vec::new();
    for (name, templates) in all(false) {
        for (path, t) in &templates {
            for (id, r) in resources(t) {
                if id == KEY || r["Type"] == "AWS::KMS::Alias" {
                    failures.push(format!("{name} {path} {id}: exists with the option off"));
                }
                let checks = match encryption_of(r) {
                    Some((check, _)) => vec![check],
                    // A queue a project adds (`resources:`) encrypted with a
                    // KMS key of its choosing is encrypted, and the project's.
                    None if r["Type"] == "AWS::SQS::Queue" && !kms_encrypted(r) => {
                        vec!["CKV_AWS_27"]
                    }
                    None => continue,
                };
                for check in checks {
                    match skipped(r, check) {
                        Some(reason) if !reason.is_empty() => {}
                        _ => failures.push(format!("{name} {path} {id}: no reason for {check}")),
                    }
                }
            }
            if t["Parameters"].get(KEY_PARAMETER).is_some() {
                failures.push(format!("{name} {path}: a key parameter"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn queues_keep_sse_sqs_with_the_option_on_and_say_so() {
    let mut queues = 0;
    for (name, templates) in all(true) {
        for (path, t) in &templates {
            // Not a queue a project adds encrypted with its own KMS key.
            for (id, r) in
                resources(t).filter(|(_, r)| r["Type"] == "AWS::SQS::Queue" && !kms_encrypted(r))
            {
                queues += 1;
                assert_eq!(
                    r["Properties"]["SqsManagedSseEnabled"], true,
                    "{name} {path} {id}"
                );
                let reason = skipped(r, "CKV_AWS_27").unwrap_or_default();
                assert!(reason.contains("SSE-SQS"), "{name} {path} {id}: {reason}");
            }
        }
    }
    assert!(queues > 0);
}

/// CloudFormation replaces a table or log group only when a create-only
/// property changes (`TableName`, `ImportSourceSpecification`;
/// `LogGroupName`: the public resource schemas, src/diff/create_only.json).
/// `SSESpecification` and `KmsKeyId` are updated in place, so switching the
/// option either way modifies tables and log groups and replaces none.
#[test]
fn switching_the_option_replaces_no_table_or_log_group() {
    for kind in ["AWS::DynamoDB::Table", "AWS::Logs::LogGroup"] {
        let create_only = create_only_properties(kind);
        assert!(!create_only.is_empty(), "{kind}: no create-only data");
        for p in ["SSESpecification", "KmsKeyId"] {
            assert!(
                !create_only
                    .iter()
                    .any(|c| c == p || c.starts_with(&format!("{p}/"))),
                "{kind}: {p}"
            );
        }
    }
    let off = all(false);
    let on = all(true);
    let mut modified = 0;
    for ((name, off), (_, on)) in off.iter().zip(&on) {
        for (path, new) in on {
            let Some(old) = off.get(path) else { continue };
            for direction in [compute(Some(old), new), compute(Some(new), old)] {
                for r in &direction.resources {
                    if r.resource_type != "AWS::DynamoDB::Table"
                        && r.resource_type != "AWS::Logs::LogGroup"
                    {
                        continue;
                    }
                    assert!(
                        matches!(r.impact, Impact::Modify),
                        "{name} {path} {}: {:?} {:?}",
                        r.logical_id,
                        r.impact,
                        r.reasons
                    );
                    modified += 1;
                }
            }
        }
    }
    assert!(modified > 0);
}

#[test]
fn the_microservices_variant_passes_the_root_key_to_each_service() {
    let text = std::fs::read_to_string("tests/variants/microservices-customer-keys.yaml").unwrap();
    let t = templates("microservices", "microservices-customer-keys", &text);
    let root = &t["services-keys"];
    let services: Vec<_> = resources(root)
        .filter(|(_, r)| r["Type"] == "AWS::CloudFormation::Stack")
        .collect();
    assert_eq!(services.len(), 2);
    for (id, r) in services {
        assert_eq!(
            r["Properties"]["Parameters"][KEY_PARAMETER]["Fn::GetAtt"][0], KEY,
            "{id}"
        );
        let child = &t[&format!("services-keys/{id}")];
        assert_eq!(child["Parameters"][KEY_PARAMETER]["Type"], "String");
        let table = resources(child)
            .find(|(_, r)| r["Type"] == "AWS::DynamoDB::Table")
            .unwrap();
        assert_eq!(
            table.1["Properties"]["SSESpecification"]["KMSMasterKeyId"]["Ref"],
            KEY_PARAMETER
        );
    }
}
