//! Unit tests of the fake: nested stacks, nested change sets, stack policy
//! enforcement, failures inside nested stacks, and change sets that do not
//! come from `crate::diff`.

use serde_json::{json, Value as Json};

use super::*;
use crate::cfn::resources::{cloudformation, dynamodb, iam, lambda, s3, sqs};
use crate::cfn::ResourceProperties;
use crate::deploy::stack_policy::protecting;
use crate::deploy::types::{Capability, ChangeAction};

const BUCKET: &str = "assets";

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn sub_url(key: &str) -> Json {
    json!({ "Fn::Sub": format!("https://${{AssetsBucket}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}") })
}

/// A root template with a nested stack `OrdersService` at `key` and a queue.
fn root(key: Option<&str>, queue_name: &str) -> String {
    let mut resources = json!({
        "Queue": {"Type": sqs::Queue::TYPE, "Properties": {"QueueName": queue_name}}
    });
    if let Some(k) = key {
        resources["OrdersService"] = json!({
            "Type": cloudformation::Stack::TYPE,
            "Properties": {"TemplateURL": sub_url(k), "Parameters": {"AssetsBucket": {"Ref": "AssetsBucket"}}}
        });
    }
    json!({"Parameters": {"AssetsBucket": {"Type": "String"}}, "Resources": resources}).to_string()
}

/// A nested template: a retained table and a function.
fn child(table_name: &str, memory: u32) -> String {
    json!({"Resources": {
        "Table": {"Type": dynamodb::Table::TYPE, "DeletionPolicy": "Retain",
                  "Properties": {"TableName": table_name, "BillingMode": "PAY_PER_REQUEST"}},
        "Fn": {"Type": lambda::Function::TYPE, "Properties": {"MemorySize": memory}}
    }, "Outputs": {"TableName": {"Value": table_name}}})
    .to_string()
}

fn request(stack: &str, body: &str, kind: ChangeSetKind, nested: bool) -> ChangeSetRequest {
    ChangeSetRequest {
        stack_name: stack.into(),
        change_set_name: "cs".into(),
        kind,
        template: TemplateSource::Body(body.into()),
        parameters: vec![("AssetsBucket".into(), BUCKET.into())],
        capabilities: vec![Capability::Iam, Capability::AutoExpand],
        tags: Vec::new(),
        description: String::new(),
        include_nested: nested,
    }
}

/// Creates a change set for `body` (CREATE or UPDATE as the stack needs).
fn change_set(f: &FakeCloud, stack: &str, body: &str, nested: bool) -> ChangeSet {
    block_on(async {
        let live = f.describe_stack(stack).await.unwrap();
        let kind = match live.map(|s| s.status) {
            None | Some(StackStatus::ReviewInProgress) => ChangeSetKind::Create,
            Some(_) => ChangeSetKind::Update,
        };
        let id = f
            .create_change_set(&request(stack, body, kind, nested))
            .await
            .unwrap();
        f.describe_change_set(stack, &id).await.unwrap()
    })
}

/// Makes and executes a change set; returns it.
fn deploy(f: &FakeCloud, stack: &str, body: &str) -> ChangeSet {
    let cs = change_set(f, stack, body, true);
    assert_eq!(cs.status, "CREATE_COMPLETE", "{:?}", cs.status_reason);
    block_on(f.execute_change_set(stack, &cs.id)).unwrap();
    cs
}

fn child_arn(f: &FakeCloud, parent: &str) -> String {
    let nested = f.nested_stacks(parent);
    assert_eq!(nested.len(), 1, "{nested:?}");
    nested[0].id.clone()
}

fn find_event(events: &[StackEvent], id: &str, status: &str) -> StackEvent {
    events
        .iter()
        .find(|e| e.logical_id == id && e.status == status)
        .cloned()
        .unwrap_or_else(|| panic!("no {status} event for {id} in {events:#?}"))
}

/// A cloud with the nested template v1 (`orders`, 128 MB) deployed under `app`.
fn deployed() -> (FakeCloud, String) {
    let f = FakeCloud::new();
    f.put_object(BUCKET, "v1.template.json", &child("orders", 128));
    deploy(&f, "app", &root(Some("v1.template.json"), "q"));
    let arn = child_arn(&f, "app");
    (f, arn)
}

#[test]
fn a_nested_stack_is_created_with_its_own_template_resources_and_events() {
    let (f, arn) = deployed();
    let nested = &f.nested_stacks("app")[0];
    assert_eq!(nested.logical_id, "OrdersService");
    assert!(nested.name.starts_with("app-OrdersService-"), "{nested:?}");
    assert_eq!(
        f.stack_names(),
        vec!["app".to_string(), nested.name.clone()]
    );
    let resources = block_on(f.stack_resources("app")).unwrap();
    let r = resources
        .iter()
        .find(|r| r.logical_id == "OrdersService")
        .unwrap();
    assert_eq!(r.physical_id.as_deref(), Some(arn.as_str()));
    assert_eq!(f.template_of(&arn), Some(child("orders", 128)));
    let stack = block_on(f.describe_stack(&arn)).unwrap().unwrap();
    assert_eq!(stack.status, StackStatus::CreateComplete);
    assert_eq!(stack.outputs[0].value, "orders");
    let inner = block_on(f.stack_resources(&arn)).unwrap();
    assert_eq!(inner.len(), 2);
    find_event(&f.events(&arn), "Table", "CREATE_COMPLETE");
    let parent_event = find_event(&f.events("app"), "OrdersService", "CREATE_COMPLETE");
    assert_eq!(parent_event.physical_id.as_deref(), Some(arn.as_str()));
}

#[test]
fn updating_the_parent_updates_the_nested_stack_in_place_and_removing_it_deletes_it() {
    let (f, arn) = deployed();
    f.put_object(BUCKET, "v2.template.json", &child("orders", 256));
    deploy(&f, "app", &root(Some("v2.template.json"), "q"));
    assert_eq!(child_arn(&f, "app"), arn);
    assert_eq!(f.template_of(&arn), Some(child("orders", 256)));
    assert_eq!(f.status(&arn), Some(StackStatus::UpdateComplete));
    find_event(&f.events(&arn), "Fn", "UPDATE_COMPLETE");

    deploy(&f, "app", &root(None, "q"));
    assert!(f.nested_stacks("app").is_empty());
    assert_eq!(f.status(&arn), Some(StackStatus::DeleteComplete));
    assert_eq!(f.stack_names(), vec!["app".to_string()]);
    // Deleted, still readable by ARN; the retained table is skipped.
    let events = block_on(f.stack_events(&arn, None)).unwrap();
    find_event(&events, "Table", "DELETE_SKIPPED");
    find_event(&events, "Fn", "DELETE_COMPLETE");
    find_event(&f.events("app"), "OrdersService", "DELETE_COMPLETE");
}

#[test]
fn deleting_the_root_deletes_its_nested_stacks() {
    let (f, arn) = deployed();
    block_on(f.delete_stack("app")).unwrap();
    assert!(block_on(f.describe_stack("app")).unwrap().is_none());
    assert_eq!(f.status(&arn), Some(StackStatus::DeleteComplete));
    assert!(f.stack_names().is_empty());
}

#[test]
fn nested_change_sets_point_at_the_nested_stacks_own_change_set() {
    let (f, arn) = deployed();
    f.put_object(BUCKET, "v2.template.json", &child("orders", 256));
    let body = root(Some("v2.template.json"), "q");
    let cs = change_set(&f, "app", &body, true);
    let c = &cs.changes[0];
    assert_eq!(
        (c.logical_id.as_str(), c.action),
        ("OrdersService", ChangeAction::Modify)
    );
    let id = c.change_set_id.clone().expect("a nested change set");
    let inner = block_on(f.describe_change_set(&arn, &id)).unwrap();
    assert_eq!(inner.stack_id, arn);
    assert_eq!(inner.changes.len(), 1);
    assert_eq!(inner.changes[0].logical_id, "Fn");
    assert_eq!(
        inner.changes[0].details[0].name.as_deref(),
        Some("MemorySize")
    );
    // Only the root change set can be executed.
    assert!(block_on(f.execute_change_set(&arn, &id)).is_err());

    let without = change_set(&f, "app", &body, false);
    assert_eq!(without.changes[0].change_set_id, None);
    f.without_nested_change_sets();
    let unsupported = change_set(&f, "app", &body, true);
    assert_eq!(unsupported.changes[0].change_set_id, None);
}

#[test]
fn a_create_change_set_gives_new_nested_stacks_change_sets_and_deleting_it_cleans_up() {
    let f = FakeCloud::new();
    f.put_object(BUCKET, "v1.template.json", &child("orders", 128));
    let cs = change_set(&f, "app", &root(Some("v1.template.json"), "q"), true);
    let nested = cs
        .changes
        .iter()
        .find(|c| c.logical_id == "OrdersService")
        .unwrap();
    assert_eq!(nested.action, ChangeAction::Add);
    let id = nested.change_set_id.clone().unwrap();
    // Described through the root's name, as CloudFormation allows with an ARN.
    let inner = block_on(f.describe_change_set("app", &id)).unwrap();
    assert_eq!(inner.changes.len(), 2);
    assert!(inner.changes.iter().all(|c| c.action == ChangeAction::Add));
    assert_eq!(f.stack_names(), vec!["app".to_string()]);
    block_on(f.delete_change_set("app", &cs.id)).unwrap();
    assert!(block_on(f.describe_change_set("app", &id)).is_err());
    assert!(block_on(f.describe_stack(&inner.stack_id))
        .unwrap()
        .is_none());
}

#[test]
fn a_missing_nested_template_fails_the_nested_create_naming_the_url() {
    let f = FakeCloud::new();
    let body = root(Some("missing.template.json"), "q");
    let cs = change_set(&f, "app", &body, true);
    assert_eq!(cs.status, "FAILED");
    let url = "https://assets.s3.us-east-1.amazonaws.com/missing.template.json";
    assert!(cs.status_reason.unwrap().contains(url));
    block_on(f.delete_change_set("app", &cs.id)).unwrap();

    let cs = change_set(&f, "app", &body, false);
    block_on(f.execute_change_set("app", &cs.id)).unwrap();
    assert_eq!(f.status("app"), Some(StackStatus::RollbackComplete));
    let e = find_event(&f.events("app"), "OrdersService", "CREATE_FAILED");
    assert!(e.reason.as_deref().unwrap().contains(url), "{e:?}");
}

#[test]
fn a_denied_replacement_fails_the_update_and_changes_nothing() {
    let f = FakeCloud::new();
    let v1 = json!({"Resources": {"Table": {"Type": dynamodb::Table::TYPE, "Properties": {"TableName": "a"}}}}).to_string();
    let v2 = v1.replace("\"a\"", "\"b\"");
    deploy(&f, "app", &v1);
    let policy = protecting(&["Table".to_string()]);
    block_on(f.set_stack_policy("app", &policy)).unwrap();
    f.override_replacement("Table", Replacement::True);
    deploy(&f, "app", &v2);
    assert_eq!(f.status("app"), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.template("app"), Some(v1.clone()));
    let e = find_event(&f.events("app"), "Table", "UPDATE_FAILED");
    assert_eq!(e.reason.as_deref(), Some("Action denied by stack policy: Statement [#2] does not allow [Update:Replace] for resource [LogicalResourceId/Table]"));
    assert!(!f
        .events("app")
        .iter()
        .any(|e| e.logical_id == "Table" && e.status == "DELETE_COMPLETE"));
    assert_eq!(
        f.policies_at_execute().last().unwrap(),
        &vec![("app".to_string(), Some(policy))]
    );

    // Allowed: the replacement goes through and the old table is deleted.
    block_on(f.set_stack_policy("app", &protecting(&[]))).unwrap();
    deploy(&f, "app", &v2);
    assert_eq!(f.status("app"), Some(StackStatus::UpdateComplete));
    assert_eq!(f.template("app"), Some(v2));
    let events = f.events("app");
    let at = |id: &str, status: &str| {
        events
            .iter()
            .rposition(|e| e.logical_id == id && e.status == status)
    };
    let cleanup = at("app", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS").unwrap();
    assert!(at("Table", "DELETE_COMPLETE").unwrap() > cleanup);
}

#[test]
fn a_policy_denying_a_removal_fails_the_update() {
    let f = FakeCloud::new();
    deploy(&f, "app", &root(None, "q"));
    let p = r#"{"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "Update:Delete", "Principal": "*", "Resource": "LogicalResourceId/Qu*"}]}"#;
    block_on(f.set_stack_policy("app", p)).unwrap();
    deploy(&f, "app", &json!({"Resources": {}}).to_string());
    assert_eq!(f.status("app"), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.template("app"), Some(root(None, "q")));
    assert!(block_on(f.set_stack_policy("app", "not a policy")).is_err());
}

#[test]
fn a_denied_replacement_inside_a_nested_stack_rolls_back_the_parent() {
    let (f, arn) = deployed();
    let policy = protecting(&["Table".to_string()]);
    block_on(f.set_stack_policy(&arn, &policy)).unwrap();
    f.override_replacement("OrdersService/Table", Replacement::True);
    f.put_object(BUCKET, "v2.template.json", &child("orders-2", 128));
    // The queue changes too, and is put back.
    deploy(&f, "app", &root(Some("v2.template.json"), "q2"));
    assert_eq!(f.status(&arn), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.template_of(&arn), Some(child("orders", 128)));
    assert_eq!(f.status("app"), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.template("app"), Some(root(Some("v1.template.json"), "q")));
    let inner = find_event(&f.events(&arn), "Table", "UPDATE_FAILED");
    assert!(inner
        .reason
        .as_deref()
        .unwrap()
        .starts_with("Action denied by stack policy"));
    let outer = find_event(&f.events("app"), "OrdersService", "UPDATE_FAILED");
    let expected = format!("Embedded stack {arn} was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: The following resource(s) failed to update: [Table]. ");
    assert_eq!(outer.reason.as_deref(), Some(expected.as_str()));
    let in_force = f.policies_at_execute();
    let last = in_force.last().unwrap();
    assert_eq!(last[0], ("app".to_string(), None));
    assert_eq!(last[1].1, Some(policy));

    // Allowed: the nested table is replaced, in the same nested stack.
    block_on(f.set_stack_policy(&arn, &protecting(&[]))).unwrap();
    deploy(&f, "app", &root(Some("v2.template.json"), "q2"));
    assert_eq!(f.status("app"), Some(StackStatus::UpdateComplete));
    assert_eq!(child_arn(&f, "app"), arn);
    assert_eq!(f.template_of(&arn), Some(child("orders-2", 128)));
    let events = f.events(&arn);
    assert_eq!(events.last().unwrap().status, "UPDATE_COMPLETE");
    // Only DeletionPolicy is Retain, not UpdateReplacePolicy: the old table goes.
    assert!(events
        .iter()
        .rev()
        .any(|e| e.logical_id == "Table" && e.status == "DELETE_COMPLETE"));
}

#[test]
fn a_nested_stack_can_be_put_in_place_directly() {
    let f = FakeCloud::new();
    f.set_stack(
        "app",
        StackStatus::UpdateComplete,
        Some(&root(Some("v1.template.json"), "q")),
    );
    let arn = f.set_nested_stack("app", "OrdersService", &child("orders", 128));
    assert_eq!(child_arn(&f, "app"), arn);
    let listed = block_on(f.stack_resources("app")).unwrap();
    let r = listed
        .iter()
        .find(|r| r.logical_id == "OrdersService")
        .unwrap();
    assert_eq!(r.physical_id.as_deref(), Some(arn.as_str()));
    assert_eq!(
        block_on(f.get_template(&arn)).unwrap(),
        child("orders", 128)
    );
    assert_eq!(block_on(f.stack_resources(&arn)).unwrap().len(), 2);
}

#[test]
fn a_failure_inside_a_new_nested_stack_is_reported_by_the_parent() {
    let f = FakeCloud::new();
    f.put_object(BUCKET, "v1.template.json", &child("orders", 128));
    f.fail_next_execute("OrdersService/Table", "orders already exists");
    deploy(&f, "app", &root(Some("v1.template.json"), "q"));
    assert_eq!(f.status("app"), Some(StackStatus::RollbackComplete));
    let outer = find_event(&f.events("app"), "OrdersService", "CREATE_FAILED");
    let arn = outer.physical_id.clone().unwrap();
    assert_eq!(
        outer.reason.as_deref(),
        Some(format!("Embedded stack {arn} was not successfully created: The following resource(s) failed to create: [Table]. ").as_str())
    );
    // The nested stack rolled back, then the parent's rollback deleted it.
    assert_eq!(f.status(&arn), Some(StackStatus::DeleteComplete));
    let inner = block_on(f.stack_events(&arn, None)).unwrap();
    let failed = find_event(&inner, "Table", "CREATE_FAILED");
    assert_eq!(failed.reason.as_deref(), Some("orders already exists"));
    let name = f.events(&arn)[0].stack_name.clone();
    find_event(&inner, &name, "ROLLBACK_COMPLETE");
    let listed = block_on(f.stack_resources("app")).unwrap();
    let r = listed
        .iter()
        .find(|r| r.logical_id == "OrdersService")
        .unwrap();
    assert_eq!(
        (r.status.as_str(), r.physical_id.as_deref()),
        ("DELETE_COMPLETE", Some(arn.as_str()))
    );
}

#[test]
fn a_failure_inside_an_updated_nested_stack_rolls_back_both() {
    let (f, arn) = deployed();
    f.put_object(BUCKET, "v2.template.json", &child("orders", 512));
    f.fail_next_execute("OrdersService/Fn", "MemorySize too large");
    deploy(&f, "app", &root(Some("v2.template.json"), "q"));
    assert_eq!(f.status(&arn), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.status("app"), Some(StackStatus::UpdateRollbackComplete));
    assert_eq!(f.template_of(&arn), Some(child("orders", 128)));
    let outer = find_event(&f.events("app"), "OrdersService", "UPDATE_FAILED");
    assert!(outer
        .reason
        .as_deref()
        .unwrap()
        .contains("failed to update: [Fn]"));
    find_event(&f.events(&arn), "Fn", "UPDATE_FAILED");
}

#[test]
fn change_sets_come_from_the_fakes_own_view_not_the_offline_diff() {
    use crate::diff::{compute, Impact};
    let f = FakeCloud::new();
    let v1 = json!({"Resources": {
        "Table": {"Type": dynamodb::Table::TYPE, "Properties": {"TableName": "a", "BillingMode": "PAY_PER_REQUEST"}},
        "Queue": {"Type": sqs::Queue::TYPE, "Properties": {"QueueName": "q"}}}});
    deploy(&f, "app", &v1.to_string());
    let mut v2 = v1.clone();
    v2["Resources"]["Table"]["Properties"]["BillingMode"] = json!("PROVISIONED");
    v2["Resources"]["Queue"]["Properties"]["QueueName"] = json!("q2");
    v2["Resources"]["Queue"]["Metadata"] = json!({"note": "attribute only"});
    f.override_replacement("Table", Replacement::True);
    let cs = change_set(&f, "app", &v2.to_string(), true);
    let diff = compute(Some(&v1), &v2);
    let impact = |id: &str| {
        diff.resources
            .iter()
            .find(|r| r.logical_id == id)
            .unwrap()
            .impact
    };
    let ours = |id: &str| cs.changes.iter().find(|c| c.logical_id == id).unwrap();
    // Scripted: the change set replaces the table; the offline diff does not predict it.
    assert_eq!(ours("Table").replacement, Some(Replacement::True));
    assert_eq!(impact("Table"), Impact::Modify);
    // QueueName is create-only: the diff predicts a replacement; unscripted, the fake says False.
    assert_eq!(ours("Queue").replacement, Some(Replacement::False));
    assert_eq!(impact("Queue"), Impact::Replace);
    assert_eq!(ours("Queue").details.len(), 1);
    assert_eq!(
        ours("Table").details[0].requires_recreation.as_deref(),
        Some("Always")
    );
}

#[test]
fn attribute_only_edits_type_changes_and_empty_change_sets() {
    let f = FakeCloud::new();
    let v1 = json!({"Resources": {"B": {"Type": s3::Bucket::TYPE}}});
    deploy(&f, "app", &v1.to_string());
    let same = change_set(&f, "app", &v1.to_string(), true);
    assert!(same.is_empty_failure());
    let attr = json!({"Resources": {"B": {"Type": s3::Bucket::TYPE, "DeletionPolicy": "Retain"}}});
    let cs = change_set(&f, "app", &attr.to_string(), true);
    assert_eq!(
        (cs.status.as_str(), cs.changes.len()),
        ("CREATE_COMPLETE", 0)
    );
    let retyped = json!({"Resources": {"B": {"Type": sqs::Queue::TYPE}}});
    let cs = change_set(&f, "app", &retyped.to_string(), true);
    assert_eq!(cs.status, "FAILED");
    assert!(cs
        .status_reason
        .unwrap()
        .contains("Update of resource type is not permitted"));
}

#[test]
fn capabilities_are_required_for_iam_resources_also_in_nested_stacks() {
    let f = FakeCloud::new();
    let named =
        json!({"Resources": {"R": {"Type": iam::Role::TYPE, "Properties": {"RoleName": "r"}}}})
            .to_string();
    let err = block_on(f.create_change_set(&request("app", &named, ChangeSetKind::Create, false)))
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "InsufficientCapabilitiesException: Requires capabilities : [CAPABILITY_NAMED_IAM]"
        ),
        "{err}"
    );
    f.put_object(BUCKET, "iam.template.json", &named);
    let cs = change_set(&f, "app", &root(Some("iam.template.json"), "q"), false);
    block_on(f.execute_change_set("app", &cs.id)).unwrap();
    let e = find_event(&f.events("app"), "OrdersService", "CREATE_FAILED");
    assert_eq!(
        e.reason.as_deref(),
        Some("Requires capabilities : [CAPABILITY_NAMED_IAM]")
    );
}

#[test]
fn stacks_are_found_by_name_or_arn_and_deleted_ones_only_by_arn() {
    let f = FakeCloud::new();
    deploy(&f, "app", &root(None, "q"));
    let arn = f.stack_id("app").unwrap();
    assert_eq!(
        block_on(f.describe_stack(&arn)).unwrap().unwrap().name,
        "app"
    );
    block_on(f.delete_stack(&arn)).unwrap();
    assert!(block_on(f.describe_stack("app")).unwrap().is_none());
    let gone = block_on(f.describe_stack(&arn)).unwrap().unwrap();
    assert_eq!(gone.status, StackStatus::DeleteComplete);
    assert!(block_on(f.stack_events("app", None)).is_err());
    assert!(block_on(f.stack_resources("app")).is_err());
    // The same name again is a new stack.
    deploy(&f, "app", &root(None, "q"));
    assert_ne!(f.stack_id("app").unwrap(), arn);
}

#[test]
fn termination_protection_can_fail_like_moto_and_is_refused_on_nested_stacks() {
    let (f, arn) = deployed();
    let err = block_on(f.set_termination_protection(&arn, true)).unwrap_err();
    assert!(err.to_string().contains("nested stack"), "{err}");
    block_on(f.set_termination_protection("app", true)).unwrap();
    assert!(f.termination_protection("app"));
    f.termination_protection_unsupported();
    let err = block_on(f.set_termination_protection("app", false)).unwrap_err();
    let DeployError::Api {
        code, operation, ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (operation, code.as_str()),
        ("UpdateTerminationProtection", "HTTP 500")
    );
    assert!(f.termination_protection("app"));
}

#[test]
fn parameters_without_a_default_must_have_values() {
    let f = FakeCloud::new();
    let mut req = request("app", &root(None, "q"), ChangeSetKind::Create, false);
    req.parameters.clear();
    let err = block_on(f.create_change_set(&req)).unwrap_err();
    assert!(
        err.to_string()
            .contains("Parameters: [AssetsBucket] must have values"),
        "{err}"
    );
    // A nested stack gets what its resource passes (a Ref to the parent's parameter).
    let needs = json!({"Parameters": {"AssetsBucket": {"Type": "String"}, "Stage": {"Type": "String"}},
        "Resources": {"B": {"Type": s3::Bucket::TYPE}}});
    f.put_object(BUCKET, "p.template.json", &needs.to_string());
    let cs = change_set(&f, "app", &root(Some("p.template.json"), "q"), true);
    assert_eq!(cs.status, "FAILED");
    assert!(cs.status_reason.unwrap().contains("Nested change set"));
    block_on(f.delete_change_set("app", &cs.id)).unwrap();
    let cs = change_set(&f, "app", &root(Some("p.template.json"), "q"), false);
    block_on(f.execute_change_set("app", &cs.id)).unwrap();
    let e = find_event(&f.events("app"), "OrdersService", "CREATE_FAILED");
    assert_eq!(
        e.reason.as_deref(),
        Some("Parameters: [Stage] must have values")
    );
}
