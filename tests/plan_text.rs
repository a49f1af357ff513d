//! The plan as text (issue 15, "formatters write to a stream and add colour
//! as they format"): without colour byte-identical to what `plan` printed
//! before; with colour, escape codes around exactly the parts they style.

use blueprint::commands::plan::{format_plan, print_plan};
use blueprint::deploy::nested::{NestedAction, NestedPlan};
use blueprint::deploy::plan::{Plan, PlanKind, StackPlan};
use blueprint::deploy::types::ChangeSet;
use blueprint::diff::{compute, TemplateDiff};
use blueprint::output::{Printer, Verbosity};
use serde_json::json;

/// A change set; the plan shows only how many changes it has.
fn change_set() -> ChangeSet {
    ChangeSet {
        id: "arn:cs".into(),
        name: "blueprint-0123456789ab-1".into(),
        stack_id: "arn:stack".into(),
        stack_name: "shop".into(),
        description: None,
        status: "CREATE_COMPLETE".into(),
        status_reason: None,
        execution_status: Some("AVAILABLE".into()),
        changes: Vec::new(),
    }
}

fn stack(name: &str, kind: PlanKind, diff: TemplateDiff) -> StackPlan {
    StackPlan {
        stack_name: name.into(),
        region: "eu-west-1".into(),
        kind,
        data_loss: diff.data_loss().iter().map(|s| s.to_string()).collect(),
        diff,
        deployed: None,
        nested: Vec::new(),
        change_set: None,
        disagreements: Vec::new(),
        template_sha256: "0123456789abcdef".into(),
        last_updated: None,
        notes: Vec::new(),
        parameters: Vec::new(),
        no_changes: false,
    }
}

/// A plan with every part the text shows: each impact, data loss (also as
/// a word inside a value, which is not styled), statements, a long value,
/// outputs, sections, a nested stack, disagreements and notes.
pub fn fixture() -> Plan {
    let long_a = "line one\nline two\nline three\n";
    let long_b = "line one\nline 2 DATA LOSS\nline three\n";
    let old = json!({
        "Parameters": {"A": {"Type": "String"}},
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256, "Description": "keeps DATA LOSS away"}},
            "Table": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "a"}},
            "Gone": {"Type": "AWS::S3::Bucket"},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "Description": long_a,
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}}},
            "Orders": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Fn::Sub": "https://s3.amazonaws.com/${AssetsBucket}/aaaaaaaaaaaaaaaaaaaa.template.yaml"}}}
        },
        "Outputs": {"Old": {"Value": "x"}, "Same": {"Value": "1"}}
    });
    let new = json!({
        "Parameters": {"A": {"Type": "Number"}},
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512, "Description": "still keeps DATA LOSS away"}},
            "Table": {"Type": "AWS::DynamoDB::Table", "UpdateReplacePolicy": "Retain", "Properties": {"TableName": "b"}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "Description": long_b,
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "edgelambda.amazonaws.com"}}]}}},
            "Orders": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Fn::Sub": "https://s3.amazonaws.com/${AssetsBucket}/bbbbbbbbbbbbbbbbbbbb.template.yaml"}}},
            "New": {"Type": "AWS::SQS::Queue"}
        },
        "Outputs": {"New": {"Value": "y"}, "Same": {"Value": "2"}}
    });
    let mut update = stack("shop", PlanKind::Update, compute(Some(&old), &new));
    update.change_set = Some(change_set());
    update.disagreements = vec!["Table: the change set says Replacement False".into()];
    update.notes = vec!["the template is big".into()];
    let nested_old = json!({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "x"}}}});
    let nested_new = json!({"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "y"}}, "Q": {"Type": "AWS::SQS::Queue"}}});
    let nested_diff = compute(Some(&nested_old), &nested_new);
    update.add_data_loss(
        nested_diff
            .data_loss()
            .iter()
            .map(|id| format!("Orders/{id}")),
    );
    update.nested = vec![
        NestedPlan {
            path: "Orders".into(),
            action: NestedAction::Update,
            physical_id: Some("arn:orders".into()),
            diff: nested_diff,
            change_set: Some(change_set()),
            disagreements: vec!["Q: not in the change set".into()],
            notes: vec!["nested note".into()],
            deployed: None,
            template: None,
        },
        NestedPlan {
            path: "Old".into(),
            action: NestedAction::Remove,
            physical_id: None,
            diff: compute(
                Some(&json!({"Resources": {"B": {"Type": "AWS::SNS::Topic"}}})),
                &json!({"Resources": {}}),
            ),
            change_set: None,
            disagreements: Vec::new(),
            notes: Vec::new(),
            deployed: None,
            template: None,
        },
    ];
    let create = stack(
        "web",
        PlanKind::Create,
        compute(
            None,
            &json!({"Resources": {"Site": {"Type": "AWS::S3::Bucket"}}}),
        ),
    );
    let mut recreate = stack("api", PlanKind::Recreate, TemplateDiff::default());
    recreate.notes = vec!["the stack's first create failed".into()];
    let mut same = stack("idle", PlanKind::Update, TemplateDiff::default());
    same.no_changes = true;
    Plan {
        blueprint: "todo".into(),
        stacks: vec![update, create, recreate, same],
    }
}

/// The plan's text as `print_plan` writes it, with colour on or off.
fn printed(plan: &Plan, color: bool) -> String {
    let (mut p, out, _) = Printer::capture(Verbosity::Normal);
    p.set_color(color);
    print_plan(plan, &mut p);
    let bytes = out.borrow().clone();
    String::from_utf8(bytes).unwrap()
}

/// What `plan` printed for [`fixture`] before the formatter wrote to a
/// stream (taken from the old `format_plan` + `print_plan`).
const PLAIN: &[&str] = &[
    "Stack shop (eu-west-1): update\n",
    "  ~ Fn      AWS::Lambda::Function\n",
    "      Properties.Description: \"keeps DATA LOSS away\" → \"still keeps DATA LOSS away\"\n",
    "      Properties.MemorySize: 256 → 512\n",
    "  ± Table   AWS::DynamoDB::Table  REPLACE  DATA LOSS (a new, empty resource takes its place; the old one is kept by UpdateReplacePolicy)\n",
    "      Properties.TableName: \"a\" → \"b\"  (create-only: replaces the resource)\n",
    "      why: TableName is create-only\n",
    "  ~ Role    AWS::IAM::Role\n",
    "      Properties.AssumeRolePolicyDocument statements:\n",
    "        - Allow sts:AssumeRole for {\"Service\":\"lambda.amazonaws.com\"}\n",
    "        + Allow sts:AssumeRole for {\"Service\":\"edgelambda.amazonaws.com\"}\n",
    "      Properties.Description:\n",
    "         line one\n",
    "        -line two\n",
    "        +line 2 DATA LOSS\n",
    "         line three\n",
    "  ~ Orders  AWS::CloudFormation::Stack\n",
    "      Properties.TemplateURL: \"aaaaaaaaaaaa…\" → \"bbbbbbbbbbbb…\"\n",
    "  + New     AWS::SQS::Queue\n",
    "  - Gone    AWS::S3::Bucket  DATA LOSS (deleted with its data)\n",
    "  + output New\n",
    "  - output Old\n",
    "  ~ output Same\n",
    "  ~ section Parameters\n",
    "  change set: 0 change(s); DISAGREES with the template diff:\n",
    "    Table: the change set says Replacement False\n",
    "  note: the template is big\n",
    "Nested stack Orders: update\n",
    "  ± Orders/Table  AWS::DynamoDB::Table  REPLACE  DATA LOSS (a new, empty resource takes its place; the old one is deleted)\n",
    "      Properties.TableName: \"x\" → \"y\"  (create-only: replaces the resource)\n",
    "      why: TableName is create-only\n",
    "  + Orders/Q      AWS::SQS::Queue\n",
    "  nested change set: 0 change(s); DISAGREES with the template diff:\n",
    "    Q: not in the change set\n",
    "  note: nested note\n",
    "Nested stack Old: remove (deletes the nested stack and what it holds)\n",
    "  - Old/B  AWS::SNS::Topic\n",
    "Stack web (eu-west-1): create\n",
    "  + Site  AWS::S3::Bucket\n",
    "Stack api (eu-west-1): delete the failed stack and create it again\n",
    "  note: the stack's first create failed\n",
    "Stack idle (eu-west-1): no changes\n",
    "Plan: 3 to add, 3 to change, 2 to replace, 2 to remove.\n",
    "DATA LOSS: shop/Table, shop/Gone, shop/Orders/Table. apply refuses this unless you pass --allow-data-loss Table --allow-data-loss Gone --allow-data-loss Orders/Table\n",
];

/// [`PLAIN`] with colour: each heading in its impact's colour (green add,
/// yellow modify, magenta replace, red remove), DATA LOSS in bold red with
/// the heading's colour resumed after it, the DATA LOSS summary in bold red;
/// "DATA LOSS" inside a value is not styled.
const COLOURED: &[&str] = &[
    "Stack shop (eu-west-1): update\n",
    "\u{1b}[33m  ~ Fn      AWS::Lambda::Function\u{1b}[0m\n",
    "      Properties.Description: \"keeps DATA LOSS away\" → \"still keeps DATA LOSS away\"\n",
    "      Properties.MemorySize: 256 → 512\n",
    "\u{1b}[35m  ± Table   AWS::DynamoDB::Table  REPLACE  \u{1b}[0m\u{1b}[1m\u{1b}[31mDATA LOSS\u{1b}[0m\u{1b}[35m (a new, empty resource takes its place; the old one is kept by UpdateReplacePolicy)\u{1b}[0m\n",
    "      Properties.TableName: \"a\" → \"b\"  (create-only: replaces the resource)\n",
    "      why: TableName is create-only\n",
    "\u{1b}[33m  ~ Role    AWS::IAM::Role\u{1b}[0m\n",
    "      Properties.AssumeRolePolicyDocument statements:\n",
    "        - Allow sts:AssumeRole for {\"Service\":\"lambda.amazonaws.com\"}\n",
    "        + Allow sts:AssumeRole for {\"Service\":\"edgelambda.amazonaws.com\"}\n",
    "      Properties.Description:\n",
    "         line one\n",
    "        -line two\n",
    "        +line 2 DATA LOSS\n",
    "         line three\n",
    "\u{1b}[33m  ~ Orders  AWS::CloudFormation::Stack\u{1b}[0m\n",
    "      Properties.TemplateURL: \"aaaaaaaaaaaa…\" → \"bbbbbbbbbbbb…\"\n",
    "\u{1b}[32m  + New     AWS::SQS::Queue\u{1b}[0m\n",
    "\u{1b}[31m  - Gone    AWS::S3::Bucket  \u{1b}[0m\u{1b}[1m\u{1b}[31mDATA LOSS\u{1b}[0m\u{1b}[31m (deleted with its data)\u{1b}[0m\n",
    "\u{1b}[32m  + output New\u{1b}[0m\n",
    "\u{1b}[31m  - output Old\u{1b}[0m\n",
    "\u{1b}[33m  ~ output Same\u{1b}[0m\n",
    "\u{1b}[33m  ~ section Parameters\u{1b}[0m\n",
    "  change set: 0 change(s); DISAGREES with the template diff:\n",
    "    Table: the change set says Replacement False\n",
    "  note: the template is big\n",
    "Nested stack Orders: update\n",
    "\u{1b}[35m  ± Orders/Table  AWS::DynamoDB::Table  REPLACE  \u{1b}[0m\u{1b}[1m\u{1b}[31mDATA LOSS\u{1b}[0m\u{1b}[35m (a new, empty resource takes its place; the old one is deleted)\u{1b}[0m\n",
    "      Properties.TableName: \"x\" → \"y\"  (create-only: replaces the resource)\n",
    "      why: TableName is create-only\n",
    "\u{1b}[32m  + Orders/Q      AWS::SQS::Queue\u{1b}[0m\n",
    "  nested change set: 0 change(s); DISAGREES with the template diff:\n",
    "    Q: not in the change set\n",
    "  note: nested note\n",
    "Nested stack Old: remove (deletes the nested stack and what it holds)\n",
    "\u{1b}[31m  - Old/B  AWS::SNS::Topic\u{1b}[0m\n",
    "Stack web (eu-west-1): create\n",
    "\u{1b}[32m  + Site  AWS::S3::Bucket\u{1b}[0m\n",
    "Stack api (eu-west-1): delete the failed stack and create it again\n",
    "  note: the stack's first create failed\n",
    "Stack idle (eu-west-1): no changes\n",
    "Plan: 3 to add, 3 to change, 2 to replace, 2 to remove.\n",
    "\u{1b}[1m\u{1b}[31mDATA LOSS: shop/Table, shop/Gone, shop/Orders/Table. apply refuses this unless you pass --allow-data-loss Table --allow-data-loss Gone --allow-data-loss Orders/Table\u{1b}[0m\n",
];

#[test]
fn without_colour_the_plan_is_byte_identical_to_before() {
    let plan = fixture();
    assert_eq!(printed(&plan, false), PLAIN.concat());
    assert_eq!(format_plan(&plan), PLAIN.concat());
}

#[test]
fn with_colour_the_formatter_styles_each_part_as_it_writes_it() {
    assert_eq!(printed(&fixture(), true), COLOURED.concat());
}

#[test]
fn data_loss_in_a_value_is_not_styled() {
    let coloured = printed(&fixture(), true);
    let value = coloured
        .lines()
        .find(|l| l.contains("Properties.Description: \"keeps"))
        .unwrap();
    assert!(!value.contains('\u{1b}'), "{value:?}");
    assert!(
        coloured.contains("\n        +line 2 DATA LOSS\n"),
        "{coloured:?}"
    );
}

#[test]
fn a_plan_without_changes_says_so_in_either_mode() {
    let mut plan = fixture();
    plan.stacks.retain(|s| s.no_changes);
    let text = "Stack idle (eu-west-1): no changes\nNo changes.\n";
    assert_eq!(printed(&plan, false), text);
    assert_eq!(printed(&plan, true), text);
}
