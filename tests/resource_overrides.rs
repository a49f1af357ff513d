//! `overrides:` in blueprint.yaml (issue 16, item 1): changes to single
//! resources by logical ID, applied after the blueprint and its passes. The
//! documented variants (tests/variants/*-overrides.yaml) are snapshotted,
//! cfn-lint'ed and checkov'ed with the others; here: every class of bad
//! input refused at its file:line:col with nothing written, what explain
//! lists, what plan shows, and that an override cannot switch off the
//! data-loss protection.

use std::path::Path;

use blueprint::commands::apply::apply_with;
use blueprint::commands::plan::{plan_with, PlanRequest};
use blueprint::deploy::types::Replacement;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use serde_json::Value;

use crate::common::{
    applied, apply_request, block_on, blueprint, cloud, deploy_args, fake, synth_project,
    synth_refused, text,
};

const TODO: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";

/// Writes `TODO` + `overrides` as blueprint.yaml, runs `synth --out out`,
/// and checks that it fails with exit code 1, prints exactly
/// `error: MESSAGE`, and writes nothing.
fn refused(overrides: &str, message: &str) {
    refused_in(TODO, overrides, message);
}

fn refused_in(head: &str, overrides: &str, message: &str) {
    let stderr = synth_refused(&format!("{head}{overrides}"));
    assert_eq!(stderr, format!("error: {message}\n"));
}

/// The template `synth` writes for `TODO` + `overrides`, as JSON.
fn todo_with(overrides: &str) -> Value {
    let s = synth_project("todo", format!("{TODO}{overrides}"));
    serde_yaml_body(&s.templates[0].body)
}

fn serde_yaml_body(body: &str) -> Value {
    serde_norway::from_str(body).unwrap()
}

#[test]
fn an_unknown_logical_id_is_located_with_the_nearest_name() {
    refused(
        "overrides:\n  TodoTabel:\n    set: {DeletionPolicy: Retain}\n",
        "blueprint.yaml:5:3: overrides.TodoTabel: no resource `TodoTabel` in the templates (`blueprint explain` lists them)\n  help: did you mean `TodoTable`?",
    );
    // Inside a nested stack, named as explain names it.
    let head = std::fs::read_to_string("tests/variants/microservices-overrides.yaml").unwrap();
    let head = head.split("overrides:").next().unwrap();
    refused_in(
        head,
        "overrides:\n  OrdersService/Tabel:\n    set: {DeletionPolicy: Retain}\n",
        "blueprint.yaml:22:3: overrides.OrdersService/Tabel: no resource `OrdersService/Tabel` in the templates (`blueprint explain` lists them); inside a nested stack, name the stack's logical ID first (`OrdersService/Table`)\n  help: did you mean `OrdersService/Table`?",
    );
    // A nested stack's own properties are the tool's.
    refused_in(
        head,
        "overrides:\n  OrdersService:\n    set: {Properties.TemplateURL: x}\n",
        "blueprint.yaml:23:35: overrides.OrdersService.set.Properties.TemplateURL: `OrdersService` is a nested stack: its properties (template, parameters) are made by blueprint; override the resources inside it (`OrdersService/<LogicalId>`)",
    );
}

#[test]
fn an_unknown_property_is_located_with_the_nearest_name_at_any_depth() {
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.BillingMod: PROVISIONED\n",
        "blueprint.yaml:7:30: overrides.TodoTable.set.Properties.BillingMod: `AWS::DynamoDB::Table` has no property `BillingMod`\n  help: did you mean `BillingMode`?",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.SSESpecification.SSEEnable: true\n",
        "blueprint.yaml:7:46: overrides.TodoTable.set.Properties.SSESpecification.SSEEnable: `Properties.SSESpecification` has no property `SSEEnable`\n  help: did you mean `SSEEnabled`?",
    );
    // Inside a value that is a mapping.
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.ProvisionedThroughput: {ReadCapacityUnit: 5, WriteCapacityUnits: 1}\n",
        "blueprint.yaml:7:41: overrides.TodoTable.set.Properties.ProvisionedThroughput: `Properties.ProvisionedThroughput` has no property `ReadCapacityUnit`\n  help: did you mean `ReadCapacityUnits`?",
    );
    refused(
        "overrides:\n  TodoTable:\n    remove: [Properties.SSESpecification.SSEEnable]\n",
        "blueprint.yaml:6:13: overrides.TodoTable.remove: `Properties.SSESpecification` has no property `SSEEnable`\n  help: did you mean `SSEEnabled`?",
    );
    refused(
        "overrides:\n  TodoTable:\n    set: {Propertes.TableClass: STANDARD}\n",
        "blueprint.yaml:6:33: overrides.TodoTable.set.Propertes.TableClass: `Propertes.TableClass` does not start with a part of a resource an override may change: Properties, DeletionPolicy, UpdateReplacePolicy, DependsOn, Metadata\n  help: did you mean `Properties`?",
    );
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_at_the_value() {
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.SSESpecification.SSEEnabled: \"yes\"\n",
        "blueprint.yaml:7:47: overrides.TodoTable.set.Properties.SSESpecification.SSEEnabled: `Properties.SSESpecification.SSEEnabled` takes true or false, not text",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: x}\n",
        "blueprint.yaml:7:41: overrides.TodoTable.set.Properties.ProvisionedThroughput: `Properties.ProvisionedThroughput.WriteCapacityUnits` takes a whole number, not text",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.BillingMode: PER_REQUEST\n",
        "blueprint.yaml:7:31: overrides.TodoTable.set.Properties.BillingMode: `Properties.BillingMode` is one of PAY_PER_REQUEST, PROVISIONED, not `PER_REQUEST`\n  help: did you mean `PAY_PER_REQUEST`?",
    );
    refused(
        "overrides:\n  TodoTable:\n    set: {DeletionPolicy: Retian}\n",
        "blueprint.yaml:6:27: overrides.TodoTable.set.DeletionPolicy: a policy is one of Delete, Retain, RetainExceptOnCreate, Snapshot, not `Retian`\n  help: did you mean `Retain`?",
    );
    refused(
        "overrides:\n  ApiFunction:\n    set:\n      Properties.Role.Arn: x\n",
        "blueprint.yaml:7:28: overrides.ApiFunction.set.Properties.Role.Arn: `Properties.Role` takes text, with nothing named `Arn` under it",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.SSESpecification.0: x\n",
        "blueprint.yaml:7:38: overrides.TodoTable.set.Properties.SSESpecification.0: `Properties.SSESpecification` takes a mapping, not a list",
    );
    refused(
        "overrides:\n  TodoTable: {set: {DependsOn: [UserFilesBuckt]}}\n",
        "blueprint.yaml:5:32: overrides.TodoTable.set.DependsOn: `DependsOn` names `UserFilesBuckt`, which is not another resource of the same template\n  help: did you mean `UserFilesBucket`?",
    );
    // A whole key of the file of the wrong kind.
    refused(
        "overrides: [TodoTable]\n",
        "blueprint.yaml:4:12: overrides: expected a mapping, found a list",
    );
    refused(
        "overrides:\n  TodoTable:\n    set: [DeletionPolicy]\n",
        "blueprint.yaml:6:10: overrides.TodoTable.set: expected a mapping, found a list",
    );
}

#[test]
fn required_properties_lists_and_intrinsics_are_respected() {
    refused(
        "overrides:\n  TodoTable:\n    remove: [Properties.KeySchema]\n",
        "blueprint.yaml:6:13: overrides.TodoTable.remove: `Properties.KeySchema` is required (the resource schema of `AWS::DynamoDB::Table`); set it to another value instead",
    );
    // A mapping made on the way needs what the schema requires of it.
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.ProvisionedThroughput.ReadCapacityUnits: 5\n",
        "blueprint.yaml:7:59: overrides.TodoTable.set.Properties.ProvisionedThroughput.ReadCapacityUnits: `Properties.ProvisionedThroughput` needs `WriteCapacityUnits` (the resource schema requires it)",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.KeySchema.2.KeyType: HASH\n",
        "blueprint.yaml:7:39: overrides.TodoTable.set.Properties.KeySchema.2.KeyType: `Properties.KeySchema` is a list of 2 item(s); index 2 is past its end (set the whole list to add items)",
    );
    // Into what the blueprint wrote as an intrinsic function (a policy
    // document has no schema below it, so the template's value decides).
    refused(
        "overrides:\n  ApiFunctionRole:\n    set:\n      Properties.Policies.0.PolicyDocument.Statement.0.Resource.0.Fn::GetAtt: [X, Arn]\n",
        "blueprint.yaml:7:79: overrides.ApiFunctionRole.set.Properties.Policies.0.PolicyDocument.Statement.0.Resource.0.Fn::GetAtt: `Properties.Policies.0.PolicyDocument.Statement.0.Resource.0` is an intrinsic function (`Fn::GetAtt`) the blueprint wrote; set `Properties.Policies.0.PolicyDocument.Statement.0.Resource.0` whole instead of a part of it",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Metadata.X: {Ref: UserFilesBucket}\n      Metadata.X.Y: 1\n",
        "blueprint.yaml:7:19: overrides.TodoTable.set.Metadata.X: `Metadata.X` and `Metadata.X.Y` overlap: one change per place, so the result does not depend on their order",
    );
    let t = todo_with(
        "overrides:\n  TodoTable:\n    set:\n      Properties.KeySchema.1.AttributeName: sk\n      Properties.AttributeDefinitions.1.AttributeName: sk\n",
    );
    let table = &t["Resources"]["TodoTable"]["Properties"];
    assert_eq!(table["KeySchema"][1]["AttributeName"], "sk");
    assert_eq!(table["KeySchema"][1]["KeyType"], "RANGE");
    // An intrinsic function where a value goes: references are checked.
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.TableClass: {Ref: Nope}\n",
        "template `todo` failed 1 check:\n  - TodoTable: Ref `Nope` is not a resource, parameter or pseudo parameter of this template",
    );
}

#[test]
fn empty_null_duplicate_and_unknown_keys_are_refused() {
    refused(
        "overrides:\n  TodoTable: {}\n",
        "blueprint.yaml:5:14: overrides.TodoTable: nothing to override: give `set:` (path: value) or `remove:` (a list of paths)",
    );
    refused(
        "overrides:\n  TodoTable:\n",
        "blueprint.yaml:5:12: overrides.TodoTable: expected a mapping, found nothing (null)",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.TableClass: null\n",
        "blueprint.yaml:7:30: overrides.TodoTable.set.Properties.TableClass: `Properties.TableClass` is set to nothing (null); to take it away, list it under `remove:`",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      DeletionPolicy: Retain\n      DeletionPolicy: Delete\n",
        "blueprint.yaml:8:7: overrides.TodoTable.set.DeletionPolicy: duplicate key `DeletionPolicy` (first at blueprint.yaml:7:7)\n  help: a key may appear only once in a mapping: remove one of them",
    );
    refused(
        "overrides:\n  TodoTable:\n    set: {DeletionPolicy: Retain}\n  TodoTable:\n    remove: [Properties.TableClass]\n",
        "blueprint.yaml:7:3: overrides.TodoTable: duplicate key `TodoTable` (first at blueprint.yaml:5:3)\n  help: a key may appear only once in a mapping: remove one of them",
    );
    refused(
        "overrides:\n  TodoTable:\n    remove: [DeletionPolicy, DeletionPolicy]\n",
        "blueprint.yaml:6:13: overrides.TodoTable.remove: `DeletionPolicy` is listed twice",
    );
    refused(
        "overrides:\n  TodoTable:\n    sett:\n      DeletionPolicy: Retain\n",
        "blueprint.yaml:6:5: overrides.TodoTable.sett: unknown key; expected `set` or `remove`\n  help: did you mean the key `set`?",
    );
    // `overrides:` with nothing under it is no overrides.
    let plain = synth_project("todo", TODO.to_string());
    let none = synth_project("todo", format!("{TODO}overrides:\n"));
    assert_eq!(plain.templates[0].body, none.templates[0].body);
}

#[test]
fn paths_that_escape_or_are_not_paths_are_refused() {
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties..BillingMode: PROVISIONED\n",
        "blueprint.yaml:7:32: overrides.TodoTable.set.Properties..BillingMode: `Properties..BillingMode` has an empty step: steps are names or list indexes joined by single dots (`Properties.Tags.0.Value`)",
    );
    refused(
        "overrides:\n  TodoTable:\n    remove: [../Properties]\n",
        "blueprint.yaml:6:13: overrides.TodoTable.remove: `../Properties` does not start with a part of a resource an override may change: Properties, DeletionPolicy, UpdateReplacePolicy, DependsOn, Metadata",
    );
    refused(
        "overrides:\n  TodoTable:\n    remove: [Properties.TableClass/../KeySchema]\n",
        "blueprint.yaml:6:13: overrides.TodoTable.remove: `Properties.TableClass/../KeySchema`: `TableClass/` is not a name or a list index (letters, digits, `_`, `-` and `:` only)",
    );
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.KeySchema.99999999999999999999999.KeyType: HASH\n",
        "blueprint.yaml:7:61: overrides.TodoTable.set.Properties.KeySchema.99999999999999999999999.KeyType: `Properties.KeySchema.99999999999999999999999.KeyType`: `99999999999999999999999` is too large for a list index",
    );
    refused(
        "overrides:\n  ../TodoTable:\n    set: {DeletionPolicy: Retain}\n",
        "blueprint.yaml:5:3: overrides.../TodoTable: no resource `../TodoTable` in the templates (`blueprint explain` lists them); inside a nested stack, name the stack's logical ID first (`OrdersService/Table`)\n  help: did you mean `TodoTable`?",
    );
    // Short-form tags are CloudFormation's, not plain YAML: the long form
    // (`{Ref: X}`) is how an override writes an intrinsic function.
    refused(
        "overrides:\n  TodoTable:\n    set:\n      Properties.TableClass: !Ref X\n",
        "blueprint.yaml:7:35: overrides.TodoTable.set.Properties.TableClass: the tag `!Ref` means nothing in a project file: write the value itself (blueprint.yaml is plain YAML, not a CloudFormation template)",
    );
    // Aliases are bounded as everywhere in the file.
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    refused(
        &format!("{laughs}overrides:\n  TodoTable:\n    set:\n      Metadata.X: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"),
        "blueprint.yaml:13:48: aliases (`*name`) repeat more than 16 MiB of text by here, more than any project file needs",
    );
}

#[test]
fn block_flow_and_aliases_write_the_same_template() {
    let block = todo_with(
        "overrides:\n  TodoTable:\n    set:\n      Properties.TableClass: STANDARD_INFREQUENT_ACCESS\n      Metadata.Owner: team-a\n    remove:\n      - Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled\n",
    );
    let flow = todo_with(
        "overrides: {TodoTable: {set: {Properties.TableClass: STANDARD_INFREQUENT_ACCESS, Metadata.Owner: &o team-a}, remove: [Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled]}}\n",
    );
    assert_eq!(block, flow);
    let table = &block["Resources"]["TodoTable"];
    assert_eq!(
        table["Properties"]["TableClass"],
        "STANDARD_INFREQUENT_ACCESS"
    );
    assert_eq!(table["Metadata"]["Owner"], "team-a");
    assert_eq!(
        table["Properties"]["PointInTimeRecoverySpecification"],
        serde_json::json!({})
    );
    // What the blueprint wrote in the metadata stays (requirements, checkov).
    assert!(table["Metadata"]["BlueprintRequirements"].is_array());
    // The key may name the stack first, as explain does for several stacks.
    let named = todo_with(
        "overrides:\n  todo/TodoTable:\n    set: {Properties.TableClass: STANDARD_INFREQUENT_ACCESS, Metadata.Owner: team-a}\n    remove: [Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled]\n",
    );
    assert_eq!(named, block);
}

#[test]
fn the_nested_variant_changes_the_service_stack() {
    let text = std::fs::read_to_string("tests/variants/microservices-overrides.yaml").unwrap();
    let s = synth_project("microservices", text);
    let orders = s
        .nested
        .iter()
        .find(|n| n.path == "shop/OrdersService")
        .unwrap();
    let doc: Value = serde_json::from_str(&orders.body).unwrap();
    let table = &doc["Resources"]["Table"];
    assert_eq!(table["Properties"]["BillingMode"], "PROVISIONED");
    assert_eq!(
        table["Properties"]["ProvisionedThroughput"],
        serde_json::json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 2})
    );
    // Still retained: an override changes what it names, nothing else.
    assert_eq!(table["DeletionPolicy"], "Retain");
    let users = s
        .nested
        .iter()
        .find(|n| n.path == "shop/UsersService")
        .unwrap();
    let doc: Value = serde_json::from_str(&users.body).unwrap();
    assert_eq!(doc["Resources"]["Function"]["Properties"]["Timeout"], 20);
    let root = serde_yaml_body(&s.templates[0].body);
    assert_eq!(
        root["Resources"]["Api"]["Properties"]["Description"],
        "Shop API (described by an override)"
    );
}

fn explain(config: &Path, json: bool) -> String {
    let mut c = blueprint();
    c.args(["explain", "--config"]).arg(config);
    if json {
        c.args(["--output", "json"]);
    }
    let run = c.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn explain_lists_the_overrides() {
    let config = Path::new("tests/variants/microservices-overrides.yaml");
    let v: Value = serde_json::from_str(&explain(config, true)).unwrap();
    assert_eq!(
        v["overrides"],
        serde_json::json!([
            {"resource": "OrdersService/Table", "set": ["Properties.BillingMode", "Properties.ProvisionedThroughput", "Properties.TimeToLiveSpecification"], "remove": []},
            {"resource": "UsersService/Function", "set": ["Properties.Timeout"], "remove": []},
            {"resource": "Api", "set": ["Properties.Description"], "remove": []},
        ])
    );
    let text = explain(config, false);
    let tail = text.split("\noverrides (").nth(1).unwrap();
    assert_eq!(
        tail,
        "blueprint.yaml `overrides:`, applied after the blueprint)\n    OrdersService/Table  set Properties.BillingMode; set Properties.ProvisionedThroughput; set Properties.TimeToLiveSpecification\n    UsersService/Function  set Properties.Timeout\n    Api  set Properties.Description\n"
    );
    // Every key is a name explain lists for a resource.
    for o in v["overrides"].as_array().unwrap() {
        let key = format!("shop/{}", o["resource"].as_str().unwrap());
        let listed = v["requirements"].as_array().unwrap().iter().any(|r| {
            r["resources"].as_array().unwrap().iter().any(|x| {
                format!(
                    "{}/{}",
                    x["stack"].as_str().unwrap(),
                    x["logical_id"].as_str().unwrap()
                ) == key
            })
        });
        assert!(listed, "{key}");
    }
    // A project without overrides lists none.
    let v: Value = serde_json::from_str(&explain(
        Path::new("tests/variants/todo-provisioned.yaml"),
        true,
    ))
    .unwrap();
    assert_eq!(v["overrides"], serde_json::json!([]));
}

fn plan_text(
    r: &blueprint::deploy::regions::Regions<blueprint::deploy::fake::FakeCloud>,
    s: &blueprint::synthesis::Synthesized,
) -> (i32, String) {
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = PlanRequest {
        deploy: deploy_args(),
        out: None,
        output: OutputFormat::Text,
    };
    let code = block_on(plan_with(r, s, &req, &mut p)).unwrap();
    (code, text(&o))
}

#[test]
fn plan_shows_an_override_and_data_loss_stays_protected() {
    let r = cloud();
    applied(&r, &synth_project("todo", TODO.to_string()));
    // The override is a change of the template: plan shows it.
    let delete = synth_project(
        "todo",
        format!("{TODO}overrides:\n  TodoTable:\n    set: {{DeletionPolicy: Delete, UpdateReplacePolicy: Delete, Properties.TableClass: STANDARD_INFREQUENT_ACCESS}}\n"),
    );
    let (code, out) = plan_text(&r, &delete);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("TodoTable"), "{out}");
    assert!(out.contains("TableClass"), "{out}");
    assert!(out.contains("DeletionPolicy"), "{out}");
    applied(&r, &delete);
    // The stack policy still protects the table from replacement.
    assert!(fake(&r)
        .policy("todo")
        .unwrap()
        .contains("LogicalResourceId/TodoTable"));
    // Replacing it now is data loss: plan says so, apply refuses without
    // --allow-data-loss.
    fake(&r).override_replacement("TodoTable", Replacement::True);
    let replace = synth_project(
        "todo",
        format!("{TODO}options:\n  table:\n    billing: provisioned\noverrides:\n  TodoTable:\n    set: {{DeletionPolicy: Delete, UpdateReplacePolicy: Delete, Properties.TableClass: STANDARD_INFREQUENT_ACCESS}}\n"),
    );
    let (code, out) = plan_text(&r, &replace);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("DATA LOSS"), "{out}");
    let (mut p, _, e) = Printer::capture(Verbosity::Normal);
    let mut ask = |_: &str| Ok(true);
    let res = block_on(apply_with(
        &r,
        &replace,
        &apply_request(),
        &mut ask,
        true,
        &mut p,
    ));
    assert!(res.is_err(), "{}", text(&e));
    let executes = fake(&r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("ExecuteChangeSet"))
        .count();
    assert_eq!(executes, 2, "the refused change set was not executed");
}

/// FN-LIMITS holds after an override: a function whose properties an
/// override touched is free JSON until rendering, and the Lambda limits are
/// still checked on it (an override of 20,000 MB passed unchecked before).
#[test]
fn lambda_limits_are_checked_after_an_override() {
    for (path, value, says) in [
        ("Properties.MemorySize", "20000", "function memory is 20000 MB; Lambda allows 128 to 10240 MB (MemorySize)"),
        ("Properties.Timeout", "901", "function timeout is 901 seconds; Lambda allows 1 to 900 seconds (Timeout)"),
        ("Properties.EphemeralStorage", "{Size: 100}", "function ephemeral storage is 100 MB; Lambda allows 512 to 10240 MB (EphemeralStorage)"),
        ("Properties.ReservedConcurrentExecutions", "950", "reserved concurrency is 950"),
    ] {
        let stderr = synth_refused(&format!(
            "{TODO}overrides:\n  ApiFunction:\n    set:\n      {path}: {value}\n"
        ));
        assert!(stderr.contains("ApiFunction") && stderr.contains(says), "{path}: {stderr}");
    }
}
