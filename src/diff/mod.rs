//! Template diff: compute (pure) what changes between the deployed template
//! and the new one, per resource, with replacement predicted offline from each
//! type's create-only properties; formatting is in `format.rs`.

mod create_only;
pub mod format;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::cfn::resources::{cognito, dynamodb, efs, kinesis, kms, logs, s3, sqs};
use crate::cfn::ResourceProperties;
use crate::check::references_in;

pub use create_only::{create_only_properties, SCHEMA_SOURCE};

/// Resource types that hold user data: replacing or removing one loses it.
/// Queues and streams count: their messages and records (a dead-letter
/// queue's failed events above all) are data nobody else has. A KMS key
/// counts too: data encrypted with it cannot be read once it is gone, and a
/// replacement key cannot read it either. Nested stacks
/// are not listed: what they hold is judged resource by resource
/// (`crate::deploy::nested`).
pub const STATEFUL_TYPES: &[&str] = &[
    cognito::UserPool::TYPE,
    dynamodb::GlobalTable::TYPE,
    dynamodb::Table::TYPE,
    efs::FileSystem::TYPE,
    kinesis::Stream::TYPE,
    kms::Key::TYPE,
    logs::LogGroup::TYPE,
    // No blueprint makes a database (no generated struct): named for a
    // stack that has one.
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    s3::Bucket::TYPE,
    sqs::Queue::TYPE,
];

/// Whether `resource_type` holds user data.
pub fn is_stateful(resource_type: &str) -> bool {
    STATEFUL_TYPES.contains(&resource_type)
}

/// What happens to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Add,
    Modify,
    /// A property it takes from a replaced resource is create-only.
    MayReplace,
    Replace,
    Remove,
}

/// One changed value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyChange {
    /// `Properties.MemorySize`, `Properties.Tags[0].Value`, `DeletionPolicy`.
    pub path: String,
    pub old: Option<Json>,
    pub new: Option<Json>,
    /// The change replaces the resource (a create-only property).
    pub replaces: bool,
    /// For IAM policy documents: statements only in the old / new document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<StatementChanges>,
}

/// Statements removed from and added to a policy document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementChanges {
    pub removed: Vec<Json>,
    pub added: Vec<Json>,
}

/// What changes about one resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceDiff {
    pub logical_id: String,
    pub resource_type: String,
    pub impact: Impact,
    pub stateful: bool,
    /// Replaced or removed while holding user data.
    pub data_loss: bool,
    /// The deployed resource has `DeletionPolicy: Retain` (removal) or
    /// `UpdateReplacePolicy: Retain` (replacement): the old resource stays.
    pub old_kept: bool,
    pub changes: Vec<PropertyChange>,
    /// Why the resource is (or may be) replaced.
    pub reasons: Vec<String>,
}

/// A changed output.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputDiff {
    pub name: String,
    pub old: Option<Json>,
    pub new: Option<Json>,
}

/// The difference between two templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TemplateDiff {
    /// Changed resources, in the new template's order, then removed ones.
    pub resources: Vec<ResourceDiff>,
    pub outputs: Vec<OutputDiff>,
    /// Other sections (Parameters, Conditions, Mappings, ...) that changed.
    pub sections: Vec<String>,
}

impl TemplateDiff {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty() && self.sections.is_empty()
    }

    /// Logical IDs whose data is at risk.
    pub fn data_loss(&self) -> Vec<&str> {
        self.resources
            .iter()
            .filter(|r| r.data_loss)
            .map(|r| r.logical_id.as_str())
            .collect()
    }

    pub fn count(&self, impact: Impact) -> usize {
        self.resources.iter().filter(|r| r.impact == impact).count()
    }
}

fn section<'a>(doc: Option<&'a Json>, name: &str) -> Option<&'a Map<String, Json>> {
    doc.and_then(|d| d.get(name)).and_then(Json::as_object)
}

/// Compares the deployed template `old` (`None` for a new stack) with `new`.
pub fn compute(old: Option<&Json>, new: &Json) -> TemplateDiff {
    let empty = Map::new();
    let old_res = section(old, "Resources").unwrap_or(&empty);
    let new_res = section(Some(new), "Resources").unwrap_or(&empty);
    let mut diff = TemplateDiff::default();
    for (id, new_r) in new_res {
        match old_res.get(id) {
            None => diff.resources.push(added(id, new_r)),
            Some(old_r) => diff.resources.extend(changed(id, old_r, new_r)),
        }
    }
    cascade_replacements(&mut diff, new_res);
    for (id, old_r) in old_res {
        if !new_res.contains_key(id) {
            diff.resources.push(removed(id, old_r));
        }
    }
    diff.outputs = output_changes(
        section(old, "Outputs").unwrap_or(&empty),
        section(Some(new), "Outputs").unwrap_or(&empty),
    );
    diff.sections = section_changes(old, new);
    diff
}

/// A resource's `Type`, or `""`.
fn resource_type(resource: &Json) -> String {
    resource
        .get("Type")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string()
}

/// A resource only the new template has.
fn added(id: &str, resource: &Json) -> ResourceDiff {
    let kind = resource_type(resource);
    ResourceDiff {
        logical_id: id.to_string(),
        resource_type: kind.clone(),
        impact: Impact::Add,
        stateful: is_stateful(&kind),
        data_loss: false,
        old_kept: false,
        changes: Vec::new(),
        reasons: Vec::new(),
    }
}

/// A resource both templates have: what changes and whether that replaces
/// it, or `None` when nothing does.
fn changed(id: &str, old_r: &Json, new_r: &Json) -> Option<ResourceDiff> {
    let kind = resource_type(new_r);
    let old_kind = old_r.get("Type").and_then(Json::as_str).unwrap_or("");
    let mut changes = Vec::new();
    let mut reasons = Vec::new();
    if old_kind != kind {
        reasons.push(format!("its type changes from {old_kind} to {kind}"));
        changes.push(PropertyChange {
            path: "Type".into(),
            old: Some(Json::String(old_kind.to_string())),
            new: Some(Json::String(kind.clone())),
            replaces: true,
            statements: None,
        });
    }
    changes.extend(property_changes(&kind, old_r, new_r, &mut reasons));
    for attr in [
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "DependsOn",
        "Condition",
        "Metadata",
    ] {
        let (a, b) = (old_r.get(attr), new_r.get(attr));
        if a != b {
            changes.push(PropertyChange {
                path: attr.into(),
                old: a.cloned(),
                new: b.cloned(),
                replaces: false,
                statements: None,
            });
        }
    }
    if changes.is_empty() {
        return None;
    }
    let replace = changes.iter().any(|c| c.replaces);
    reasons.sort();
    reasons.dedup();
    let stateful = is_stateful(&kind);
    Some(ResourceDiff {
        logical_id: id.to_string(),
        resource_type: kind,
        impact: if replace {
            Impact::Replace
        } else {
            Impact::Modify
        },
        stateful,
        data_loss: replace && stateful,
        old_kept: replace && policy(old_r, "UpdateReplacePolicy") == Some("Retain"),
        changes,
        reasons,
    })
}

/// The changes of a resource's `Properties`, those of create-only
/// properties marked as replacing it (with the reason in `reasons`).
fn property_changes(
    kind: &str,
    old_r: &Json,
    new_r: &Json,
    reasons: &mut Vec<String>,
) -> Vec<PropertyChange> {
    let create_only = create_only_properties(kind);
    let empty_props = Json::Object(Map::new());
    let op = old_r.get("Properties").unwrap_or(&empty_props);
    let np = new_r.get("Properties").unwrap_or(&empty_props);
    let mut prop_changes = Vec::new();
    diff_values("Properties", op, np, &mut prop_changes);
    for c in &mut prop_changes {
        let rel = c.path.trim_start_matches("Properties.");
        if let Some(p) = create_only.iter().find(|p| path_within(rel, p)) {
            c.replaces = true;
            reasons.push(format!("{} is create-only", p.replace('/', ".")));
        }
    }
    prop_changes
}

/// A resource only the old template has.
fn removed(id: &str, resource: &Json) -> ResourceDiff {
    let kind = resource_type(resource);
    let stateful = is_stateful(&kind);
    let kept = matches!(
        policy(resource, "DeletionPolicy"),
        Some("Retain" | "RetainExceptOnCreate" | "Snapshot")
    );
    ResourceDiff {
        logical_id: id.to_string(),
        stateful,
        data_loss: stateful,
        old_kept: kept,
        resource_type: kind,
        impact: Impact::Remove,
        changes: Vec::new(),
        reasons: Vec::new(),
    }
}

/// The outputs that differ, by name.
fn output_changes(old_out: &Map<String, Json>, new_out: &Map<String, Json>) -> Vec<OutputDiff> {
    let names: BTreeSet<&String> = old_out.keys().chain(new_out.keys()).collect();
    let mut outputs = Vec::new();
    for name in names {
        let (a, b) = (old_out.get(name), new_out.get(name));
        if a != b {
            outputs.push(OutputDiff {
                name: name.clone(),
                old: a.cloned(),
                new: b.cloned(),
            });
        }
    }
    outputs
}

/// The other sections that differ (none for a new stack).
fn section_changes(old: Option<&Json>, new: &Json) -> Vec<String> {
    let mut sections = Vec::new();
    for s in [
        "Description",
        "Metadata",
        "Parameters",
        "Mappings",
        "Conditions",
        "Transform",
        "Rules",
    ] {
        if old.and_then(|o| o.get(s)) != new.get(s) && old.is_some() {
            sections.push(s.to_string());
        }
    }
    sections
}

fn policy<'a>(resource: &'a Json, name: &str) -> Option<&'a str> {
    resource.get(name).and_then(Json::as_str)
}

/// Whether `path` (`KeySchema[0].AttributeName`) lies within the create-only
/// property `prop` (`KeySchema`, or `VpcConfig/SubnetIds`).
fn path_within(path: &str, prop: &str) -> bool {
    let prop = prop.replace('/', ".");
    path == prop
        || path.starts_with(&format!("{prop}."))
        || path.starts_with(&format!("{prop}["))
        // A change above the property (the whole map replaced) touches it too.
        || prop.starts_with(&format!("{path}."))
}

/// A resource whose create-only property refers to a replaced resource gets a
/// new value there, so it is replaced too (CloudFormation says "Conditional").
fn cascade_replacements(diff: &mut TemplateDiff, new_res: &Map<String, Json>) {
    loop {
        let replaced: BTreeSet<String> = diff
            .resources
            .iter()
            .filter(|r| matches!(r.impact, Impact::Replace | Impact::MayReplace))
            .map(|r| r.logical_id.clone())
            .collect();
        let mut changed = false;
        for (id, r) in new_res {
            if replaced.contains(id) {
                continue;
            }
            let kind = r.get("Type").and_then(Json::as_str).unwrap_or("");
            let Some(props) = r.get("Properties").and_then(Json::as_object) else {
                continue;
            };
            let mut why = Vec::new();
            for prop in create_only_properties(kind) {
                let top = prop.split('/').next().unwrap_or(prop);
                if let Some(v) = props.get(top) {
                    for reference in references_in(v) {
                        if replaced.contains(&reference.target) {
                            why.push(format!(
                                "{top} refers to {}, which is replaced",
                                reference.target
                            ));
                        }
                    }
                }
            }
            if why.is_empty() {
                continue;
            }
            why.sort();
            why.dedup();
            changed = true;
            let stateful = is_stateful(kind);
            match diff.resources.iter_mut().find(|d| &d.logical_id == id) {
                Some(d) if d.impact == Impact::Add => {}
                Some(d) => {
                    d.impact = Impact::MayReplace;
                    d.data_loss = d.stateful;
                    d.reasons.extend(why);
                }
                None => diff.resources.push(ResourceDiff {
                    logical_id: id.clone(),
                    resource_type: kind.to_string(),
                    impact: Impact::MayReplace,
                    stateful,
                    data_loss: stateful,
                    old_kept: false,
                    changes: Vec::new(),
                    reasons: why,
                }),
            }
        }
        if !changed {
            return;
        }
    }
}

fn is_policy_document(path: &str) -> bool {
    path.ends_with("PolicyDocument") || path.ends_with("AssumeRolePolicyDocument")
}

/// Appends the differences between `old` and `new` below `path`.
fn diff_values(path: &str, old: &Json, new: &Json, out: &mut Vec<PropertyChange>) {
    if old == new {
        return;
    }
    if is_policy_document(path) {
        let statements = |d: &Json| -> Vec<Json> {
            match d.get("Statement") {
                Some(Json::Array(a)) => a.clone(),
                Some(other) => vec![other.clone()],
                None => Vec::new(),
            }
        };
        let (o, n) = (statements(old), statements(new));
        out.push(PropertyChange {
            path: path.to_string(),
            old: Some(old.clone()),
            new: Some(new.clone()),
            replaces: false,
            statements: Some(StatementChanges {
                removed: o.iter().filter(|s| !n.contains(s)).cloned().collect(),
                added: n.iter().filter(|s| !o.contains(s)).cloned().collect(),
            }),
        });
        return;
    }
    match (old, new) {
        (Json::Object(a), Json::Object(b)) if !is_intrinsic(a) && !is_intrinsic(b) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let child = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff_values(&child, x, y, out),
                    (x, y) => out.push(PropertyChange {
                        path: child,
                        old: x.cloned(),
                        new: y.cloned(),
                        replaces: false,
                        statements: None,
                    }),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_values(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ => out.push(PropertyChange {
            path: path.to_string(),
            old: Some(old.clone()),
            new: Some(new.clone()),
            replaces: false,
            statements: None,
        }),
    }
}

fn is_intrinsic(m: &Map<String, Json>) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::{dynamodb, ec2, iam, kms, lambda, s3, sns};
    use crate::cfn::ResourceProperties;
    use serde_json::json;

    fn tpl(resources: Json) -> Json {
        json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
    }

    #[test]
    fn a_new_stack_adds_everything() {
        let d = compute(None, &tpl(json!({"T": {"Type": dynamodb::Table::TYPE}})));
        assert_eq!(d.resources.len(), 1);
        assert_eq!(d.resources[0].impact, Impact::Add);
        assert!(d.data_loss().is_empty());
    }

    #[test]
    fn an_unchanged_template_has_no_diff() {
        let t = tpl(
            json!({"T": {"Type": dynamodb::Table::TYPE, "Properties": {"BillingMode": "PAY_PER_REQUEST"}}}),
        );
        assert!(compute(Some(&t), &t).is_empty());
    }

    #[test]
    fn property_paths_and_values() {
        let old = tpl(
            json!({"F": {"Type": lambda::Function::TYPE, "Properties": {"MemorySize": 256, "Tags": [{"Key": "a", "Value": "1"}]}}}),
        );
        let new = tpl(
            json!({"F": {"Type": lambda::Function::TYPE, "Properties": {"MemorySize": 512, "Tags": [{"Key": "a", "Value": "2"}]}}}),
        );
        let d = compute(Some(&old), &new);
        let r = &d.resources[0];
        assert_eq!(r.impact, Impact::Modify);
        let paths: Vec<&str> = r.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["Properties.MemorySize", "Properties.Tags[0].Value"]);
        assert_eq!(r.changes[0].old, Some(json!(256)));
        assert_eq!(r.changes[0].new, Some(json!(512)));
    }

    #[test]
    fn a_create_only_change_replaces_and_loses_data() {
        let old =
            tpl(json!({"T": {"Type": dynamodb::Table::TYPE, "Properties": {"TableName": "a"}}}));
        let new =
            tpl(json!({"T": {"Type": dynamodb::Table::TYPE, "Properties": {"TableName": "b"}}}));
        let d = compute(Some(&old), &new);
        assert_eq!(d.resources[0].impact, Impact::Replace);
        assert!(d.resources[0].data_loss);
        assert_eq!(d.resources[0].reasons, ["TableName is create-only"]);
        assert_eq!(d.data_loss(), ["T"]);
    }

    #[test]
    fn removing_a_stateful_resource_is_data_loss_even_when_retained() {
        let old = tpl(json!({
            "B": {"Type": s3::Bucket::TYPE, "DeletionPolicy": "Retain"},
            "Q": {"Type": sns::Topic::TYPE}
        }));
        let new = tpl(json!({}));
        let d = compute(Some(&old), &new);
        let b = d.resources.iter().find(|r| r.logical_id == "B").unwrap();
        assert_eq!(b.impact, Impact::Remove);
        assert!(b.data_loss && b.old_kept);
        let q = d.resources.iter().find(|r| r.logical_id == "Q").unwrap();
        assert!(!q.data_loss);
    }

    #[test]
    fn removing_a_key_is_data_loss() {
        let old = tpl(json!({
            "Key": {"Type": kms::Key::TYPE, "DeletionPolicy": "Retain", "Properties": {"KeyPolicy": {}}}
        }));
        let gone = compute(Some(&old), &tpl(json!({})));
        assert_eq!(gone.data_loss(), ["Key"]);
    }

    #[test]
    fn replacement_cascades_through_create_only_references() {
        let old = tpl(json!({
            "Vpc": {"Type": ec2::Vpc::TYPE, "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Sub": {"Type": ec2::Subnet::TYPE, "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.0.0/20"}}
        }));
        let mut new = old.clone();
        new["Resources"]["Vpc"]["Properties"]["CidrBlock"] = json!("10.1.0.0/16");
        let d = compute(Some(&old), &new);
        let sub = d.resources.iter().find(|r| r.logical_id == "Sub").unwrap();
        assert_eq!(sub.impact, Impact::MayReplace);
        assert_eq!(sub.reasons, ["VpcId refers to Vpc, which is replaced"]);
    }

    #[test]
    fn policy_statements_are_compared_as_statements() {
        let s1 = json!({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["x"]});
        let s2 = json!({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["x"]});
        let old = tpl(
            json!({"R": {"Type": iam::Role::TYPE, "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [s1.clone()]}}]}}}),
        );
        let new = tpl(
            json!({"R": {"Type": iam::Role::TYPE, "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [s1, s2.clone()]}}]}}}),
        );
        let d = compute(Some(&old), &new);
        let c = &d.resources[0].changes[0];
        assert_eq!(c.path, "Properties.Policies[0].PolicyDocument");
        let st = c.statements.as_ref().unwrap();
        assert!(st.removed.is_empty());
        assert_eq!(st.added, [s2]);
    }

    #[test]
    fn intrinsics_change_as_a_whole() {
        let old = tpl(
            json!({"F": {"Type": lambda::Function::TYPE, "Properties": {"Role": {"Fn::GetAtt": ["A", "Arn"]}}}}),
        );
        let new = tpl(
            json!({"F": {"Type": lambda::Function::TYPE, "Properties": {"Role": {"Fn::GetAtt": ["B", "Arn"]}}}}),
        );
        let d = compute(Some(&old), &new);
        assert_eq!(d.resources[0].changes[0].path, "Properties.Role");
    }
}
