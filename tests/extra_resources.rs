//! Extra resources (issue 16, item 2): `resources:`, `outputs:`,
//! `conditions:`, `parameters:` and `nested_stacks:` in blueprint.yaml.
//! Bad input of every class is refused with exit code 1, one exact message
//! at its file:line:col and nothing written; good input lands in the
//! template as CloudFormation, is listed by `explain`, drawn by `graph`, and
//! a user's stateful resource is retained and protected like the
//! blueprint's. The templates themselves are snapshotted with the variants
//! (tests/variants/*-extra-resources.yaml), which scripts/test also lints
//! with cfn-lint and checkov.

use std::path::Path;

use serde_json::{json, Value};

use crate::common::{blueprint, command, synth_refused};

const HEAD: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";

/// Runs `synth` on `body` (after the common head) in a new directory and
/// checks that it fails with exit code 1, prints exactly `error: MESSAGE`,
/// and writes nothing.
fn refused(body: &str, message: &str) {
    let stderr = synth_refused(&format!("{HEAD}{body}"));
    assert_eq!(stderr, format!("error: {message}\n"), "for:\n{body}");
}

/// The root template `synth --format json` writes for `body`.
fn synthesized(dir: &Path, body: &str) -> Value {
    std::fs::write(dir.join("blueprint.yaml"), format!("{HEAD}{body}")).unwrap();
    let run = blueprint()
        .current_dir(dir)
        .args(["synth", "-q", "--format", "json", "--out", "out"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(dir.join("out/todo.template.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

const QUEUE: &str = "resources:\n  Q:\n    Type: AWS::SQS::Queue\n";

#[test]
fn wrong_types_are_refused_at_their_value() {
    refused(
        "resources: [a]\n",
        "blueprint.yaml:4:12: resources: expected a mapping, found a list",
    );
    refused(
        &format!("{QUEUE}    Properties: [1]\n"),
        "blueprint.yaml:7:17: resources.Q.Properties: expected a mapping, found a list",
    );
    refused(
        "outputs:\n  O:\n    Value: [a]\n",
        "blueprint.yaml:6:12: outputs.O.Value: expected a text or a function, found a list",
    );
    refused(
        "conditions:\n  C: x\n",
        "blueprint.yaml:5:6: conditions.C: expected a function such as `!Equals [a, b]`, found a text",
    );
    refused(
        "parameters:\n  P:\n    Type: Strin\n    Default: x\n",
        "blueprint.yaml:6:11: parameters.P.Type: unknown value `Strin`; expected one of `String`, `Number`, `List<Number>`, `CommaDelimitedList`, `AWS::SSM::Parameter::Value<String>`, `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`, `List<AWS::EC2::Subnet::Id>`, `AWS::EC2::SecurityGroup::Id`\n  help: did you mean the value `String`?",
    );
    refused(
        &format!("{QUEUE}    DeletionPolicy: Retian\n"),
        "blueprint.yaml:7:21: resources.Q.DeletionPolicy: unknown value `Retian`; expected one of `Delete`, `Retain`, `RetainExceptOnCreate`, `Snapshot`\n  help: did you mean the value `Retain`?",
    );
}

#[test]
fn empty_and_null_entries_are_refused_and_empty_sections_are_nothing() {
    refused(
        "resources:\n  Q: ~\n",
        "blueprint.yaml:5:6: resources.Q: expected a mapping, found nothing (null)",
    );
    refused(
        "resources:\n  Q:\n    Type: \"\"\n",
        "blueprint.yaml:6:11: resources.Q.Type: `` is not a CloudFormation resource type",
    );
    refused(
        "parameters:\n  P:\n    Type: String\n",
        "blueprint.yaml:5:3: parameters.P: missing key `Default`",
    );
    // Sections with nothing in them add nothing: the template is the
    // blueprint's own.
    let dir = tempfile::tempdir().unwrap();
    let plain = synthesized(dir.path(), "");
    let dir = tempfile::tempdir().unwrap();
    let empty = synthesized(
        dir.path(),
        "resources:\noutputs: {}\nconditions:\nparameters: {}\nnested_stacks:\n",
    );
    assert_eq!(plain, empty);
}

#[test]
fn unknown_keys_are_refused_at_every_depth_with_the_nearest_name() {
    refused(
        "resourcs: {}\n",
        "blueprint.yaml:4:1: resourcs: unknown key; expected one of `blueprint`, `stack_name`, `region`, `tags`, `termination_protection`, `options`, `resources`, `outputs`, `conditions`, `parameters`, `nested_stacks`, `overrides`, `environments`\n  help: did you mean the key `resources`?",
    );
    refused(
        &format!("{QUEUE}    Propertes: {{}}\n"),
        "blueprint.yaml:7:5: resources.Q.Propertes: unknown key; expected one of `Type`, `Properties`, `DependsOn`, `Condition`, `DeletionPolicy`, `UpdateReplacePolicy`, `UpdatePolicy`, `Metadata`\n  help: did you mean the key `Properties`?",
    );
    refused(
        &format!("{QUEUE}    Properties:\n      VisibiltyTimeout: 5\n"),
        "blueprint.yaml:8:25: resources.Q.Properties.VisibiltyTimeout: `AWS::SQS::Queue` has no property `VisibiltyTimeout`\n  help: did you mean `VisibilityTimeout`?",
    );
    refused(
        "resources:\n  Q:\n    Type: AWS::SQS::Queu\n",
        "blueprint.yaml:6:11: resources.Q.Type: `AWS::SQS::Queu` is not a CloudFormation resource type\n  help: did you mean `AWS::SQS::Queue`?",
    );
    refused(
        "outputs:\n  O:\n    Valu: x\n",
        "blueprint.yaml:6:5: outputs.O.Valu: unknown key; expected one of `Value`, `Description`, `Export`, `Condition`\n  help: did you mean the key `Value`?",
    );
    refused(
        "nested_stacks:\n  OrdersService:\n    resourcs: {}\n",
        "blueprint.yaml:6:5: nested_stacks.OrdersService.resourcs: unknown key; expected one of `resources`, `outputs`, `conditions`, `parameters`\n  help: did you mean the key `resources`?",
    );
    refused(
        "nested_stacks:\n  Orders:\n    resources: {}\n",
        "blueprint.yaml:5:3: nested_stacks.Orders: no nested stack `Orders`; the blueprint makes no nested stacks there with these options",
    );
}

#[test]
fn duplicates_and_the_blueprints_own_ids_are_refused_naming_both() {
    refused(
        &format!("{QUEUE}  Q:\n    Type: AWS::SQS::Queue\n"),
        "blueprint.yaml:7:3: resources.Q: duplicate key `Q` (first at blueprint.yaml:5:3)\n  help: a key may appear only once in a mapping: remove one of them",
    );
    refused(
        "resources:\n  TodoTable:\n    Type: AWS::SQS::Queue\n",
        "blueprint.yaml:5:3: resources.TodoTable: logical ID `TodoTable` is already the blueprint's AWS::DynamoDB::Table `TodoTable` in stack `todo`; choose another name for yours",
    );
    refused(
        "parameters:\n  AssetsBucket:\n    Type: String\n    Default: x\n",
        "blueprint.yaml:5:3: parameters.AssetsBucket: logical ID `AssetsBucket` is already the blueprint's parameter `AssetsBucket` in stack `todo`; choose another name for yours",
    );
    refused(
        "outputs:\n  ApiUrl:\n    Value: x\n",
        "blueprint.yaml:5:3: outputs.ApiUrl: the blueprint already has an output `ApiUrl` in stack `todo`; choose another name",
    );
    refused(
        "resources:\n  Q-1:\n    Type: AWS::SQS::Queue\n",
        "blueprint.yaml:5:3: resources.Q-1: logical ID `Q-1` contains `-`; only ASCII letters and digits are allowed",
    );
}

#[test]
fn references_to_nothing_are_refused_at_their_line_with_a_suggestion() {
    refused(
        &format!("{QUEUE}    Properties:\n      Tags: [{{Key: t, Value: !Ref TodoTabel}}]\n"),
        "blueprint.yaml:8:35: resources.Q.Properties.Tags[0].Value: `TodoTabel` is not a resource, parameter or pseudo parameter of stack `todo`\n  help: did you mean `TodoTable`?",
    );
    refused(
        "outputs:\n  O:\n    Value: !GetAtt TodoTable.Arnn\n",
        "blueprint.yaml:6:20: outputs.O.Value: `TodoTable` (AWS::DynamoDB::Table) has no attribute `Arnn`; it has Arn, StreamArn\n  help: did you mean `Arn`?",
    );
    refused(
        "outputs:\n  O:\n    Value: !Sub \"${Api}-${Nope.Arn}\"\n",
        "blueprint.yaml:6:17: outputs.O.Value: `Nope.Arn` names `Nope`, which is not a resource of stack `todo`",
    );
    refused(
        &format!("{QUEUE}    DependsOn: [TodoTable, Ghost]\n"),
        "blueprint.yaml:7:16: resources.Q.DependsOn: DependsOn names `Ghost`, which is not a resource of stack `todo`",
    );
    refused(
        &format!("{QUEUE}    Condition: IsProd\n"),
        "blueprint.yaml:7:16: resources.Q.Condition: no condition `IsProd` in stack `todo`",
    );
}

#[test]
fn tags_other_than_cloudformations_short_forms_are_refused() {
    refused(
        "outputs:\n  O:\n    Value: !Reff TodoTable\n",
        "blueprint.yaml:6:18: outputs.O.Value: the tag `!Reff` is not one of CloudFormation's short forms (did you mean `!Ref`?); they are !Ref, !Condition, !GetAtt, !Sub, !Join, !Select, !Split, !GetAZs, !If, !Equals, !Not, !And, !Or, !ImportValue, !FindInMap, !Base64, !Cidr",
    );
    refused(
        "outputs:\n  O:\n    Value: !GetAtt TodoTable\n",
        "blueprint.yaml:6:20: outputs.O.Value: `!GetAtt TodoTable` names no attribute: write `!GetAtt LogicalId.Attribute`",
    );
    // A key whose value is used as written (a type, a condition's name,
    // a description, a parameter's default) refuses a tag at its value
    // instead of dropping it.
    let not_here = "is not taken here: this key's value is used as written; CloudFormation's short forms go in properties, conditions, metadata, update policies and outputs' values and export names";
    for (body, at, tag) in [
        (
            "resources:\n  Q:\n    Type: !Sub AWS::SQS::Queue\n",
            "6:16: resources.Q.Type",
            "!Sub",
        ),
        (
            &format!("{QUEUE}    Condition: !Ref IsProd\n") as &str,
            "7:21: resources.Q.Condition",
            "!Ref",
        ),
        (
            &format!("{QUEUE}    DependsOn: !Ref TodoTable\n"),
            "7:21: resources.Q.DependsOn",
            "!Ref",
        ),
        (
            "outputs:\n  O:\n    Value: x\n    Description: !Sub y\n",
            "7:23: outputs.O.Description",
            "!Sub",
        ),
        (
            "parameters:\n  P:\n    Type: String\n    Default: !Ref AWS::Region\n",
            "7:19: parameters.P.Default",
            "!Ref",
        ),
    ] {
        refused(
            body,
            &format!("blueprint.yaml:{at}: the tag `{tag}` {not_here}"),
        );
    }
    refused(
        &format!("{QUEUE}    DependsOn: [TodoTable, 3]\n"),
        "blueprint.yaml:7:16: resources.Q.DependsOn: DependsOn lists logical IDs, and `3` is not one",
    );
    // Outside these sections a tag still means nothing.
    refused(
        "tags:\n  team: !Ref x\n",
        "blueprint.yaml:5:14: tags.team: the tag `!Ref` means nothing in a project file: write the value itself (blueprint.yaml is plain YAML, not a CloudFormation template)",
    );
}

#[test]
fn huge_and_hostile_input_is_refused_quickly() {
    let long = "A".repeat(100_000);
    refused(
        &format!("resources:\n  Q:\n    Type: {long}\n"),
        &format!(
            "blueprint.yaml:6:11: resources.Q.Type: `{}…` (100000 characters) is not a CloudFormation resource type",
            "A".repeat(60)
        ),
    );
    let mut many = String::from("resources:\n");
    for i in 0..600 {
        many.push_str(&format!("  Q{i}:\n    Type: AWS::SQS::Queue\n"));
    }
    refused(
        &many,
        "template `todo` failed 1 check:\n  - template `todo` has 637 resources; CloudFormation allows 500 per stack",
    );
    let mut bomb = String::from("resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Metadata:\n      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
    ] {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("      {name}: &{name} [{refs}]\n"));
    }
    refused(
        &bomb,
        "blueprint.yaml:14:30: aliases (`*name`) repeat more than 16 MiB of text by here, more than any project file needs",
    );
}

#[test]
fn short_forms_in_block_and_flow_style_become_long_form() {
    let dir = tempfile::tempdir().unwrap();
    let t = synthesized(
        dir.path(),
        "parameters:\n  Env: {Type: String, Default: dev}\nconditions:\n  IsProd: !Equals [!Ref Env, prod]\nresources: {Q: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/aws/sqs, QueueName: !If [IsProd, !Sub \"${AWS::StackName}-q\", !Ref AWS::NoValue], Tags: [{Key: t, Value: !Join [\"-\", [!Ref TodoTable, !Select [0, !GetAZs \"\"]]]}]}}}\noutputs:\n  QueueArn:\n    Value: !GetAtt Q.Arn\n    Condition: IsProd\n    Export: {Name: !Sub \"${AWS::StackName}-q\"}\n",
    );
    assert_eq!(
        t["Conditions"]["IsProd"],
        json!({"Fn::Equals": [{"Ref": "Env"}, "prod"]})
    );
    assert_eq!(
        t["Parameters"]["Env"],
        json!({"Type": "String", "Default": "dev"})
    );
    assert_eq!(
        t["Resources"]["Q"],
        json!({
            "Type": "AWS::SQS::Queue",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "KmsMasterKeyId": "alias/aws/sqs",
                "QueueName": {"Fn::If": ["IsProd", {"Fn::Sub": "${AWS::StackName}-q"}, {"Ref": "AWS::NoValue"}]},
                "Tags": [{"Key": "t", "Value": {"Fn::Join": ["-", [{"Ref": "TodoTable"}, {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]}}]
            }
        })
    );
    assert_eq!(
        t["Outputs"]["QueueArn"],
        json!({"Value": {"Fn::GetAtt": ["Q", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-q"}}, "Condition": "IsProd"})
    );
}

#[test]
fn a_users_stateful_resource_is_retained_unless_it_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let t = synthesized(
        dir.path(),
        "resources:\n  Kept:\n    Type: AWS::SQS::Queue\n  Gone:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n  Snap:\n    Type: AWS::SQS::Queue\n    UpdateReplacePolicy: Delete\n  Topic:\n    Type: AWS::SNS::Topic\n",
    );
    let policies = |id: &str| {
        let r = &t["Resources"][id];
        (
            r["DeletionPolicy"].clone(),
            r["UpdateReplacePolicy"].clone(),
        )
    };
    assert_eq!(policies("Kept"), (json!("Retain"), json!("Retain")));
    assert_eq!(policies("Gone"), (json!("Delete"), json!("Delete")));
    assert_eq!(policies("Snap"), (json!("Delete"), json!("Delete")));
    // A topic holds no data: no policy unless the project gives one.
    assert_eq!(policies("Topic"), (Value::Null, Value::Null));
}

#[test]
fn removing_a_users_queue_is_data_loss_in_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let with = synthesized(
        dir.path(),
        "resources:\n  Audit:\n    Type: AWS::SQS::Queue\n  Note:\n    Type: AWS::SNS::Topic\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let without = synthesized(dir.path(), "");
    let diff = blueprint::diff::compute(Some(&with), &without);
    assert_eq!(diff.data_loss(), ["Audit"]);
}

#[test]
fn explain_lists_the_additions_and_graph_draws_them() {
    let variant = "tests/variants/microservices-extra-resources.yaml";
    let out = cli_snapshot!(command().args(["explain", "--config", variant]), "text");
    assert!(out.status.success());
    let out = command()
        .args(["explain", "--output", "json", "--config", variant])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["project_additions"],
        json!([
            {"stack": "extra-shop/OrdersService", "section": "resource", "logical_id": "OrderEvents", "type": "AWS::SQS::Queue"},
            {"stack": "extra-shop/OrdersService", "section": "output", "logical_id": "OrderEventsArn", "type": null},
        ])
    );
    // A project without additions has the key, empty.
    let out = command()
        .args(["explain", "todo", "--output", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["project_additions"], serde_json::json!([]));
    let out = command()
        .args(["graph", "--config", variant])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("OrdersService_OrderEvents[\"OrdersService/OrderEvents<br/><small>SQS::Queue</small>\"]"),
        "{text}"
    );
    assert!(
        text.contains("OrdersService_OrderEvents -->|\"Ref\"| OrdersService_Table"),
        "{text}"
    );
}
