//! `blueprint drift` over the in-memory CloudFormation (moto has no drift
//! detection): every stack of the tree is checked, drifted resources are
//! listed with their property differences by path, and the exit code says
//! in sync (0) or drifted (2).

use blueprint::commands::drift::drift_with;
use blueprint::deploy::drift::{DriftStatus, PropertyDifference, ResourceDrift};
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::error::Error;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use blueprint::synthesis::Synthesized;

use crate::common::{applied, block_on, cloud, fake, synth_project, text};

fn shop() -> Synthesized {
    synth_project(
        "microservices",
        "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  services:\n    - name: users\n      table: true\n      routes: [{method: GET, path: \"/\"}]\n".into(),
    )
}

fn deployed(s: &Synthesized) -> Regions<FakeCloud> {
    let r = cloud();
    applied(&r, s);
    r
}

fn drift(
    r: &Regions<FakeCloud>,
    s: &Synthesized,
    output: OutputFormat,
) -> (Result<i32, Error>, String) {
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let code = block_on(drift_with(r, s, output, &mut p));
    (code, text(&o))
}

#[test]
fn a_stack_tree_in_sync_exits_0_and_every_stack_is_checked() {
    let s = shop();
    let r = deployed(&s);
    let (code, out) = drift(&r, &s, OutputFormat::Text);
    assert_eq!(code.unwrap(), 0, "{out}");
    assert!(out.starts_with("No drift: "), "{out}");
    let detections = fake(&r)
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("DetectStackDrift"))
        .count();
    let nested = fake(&r).nested_stacks("shop").len();
    assert!(nested > 0);
    assert_eq!(detections, 1 + nested, "the root and every nested stack");
}

#[test]
fn a_drifted_resource_in_a_nested_stack_is_listed_by_path_and_exits_2() {
    let s = shop();
    let r = deployed(&s);
    let nested = fake(&r).nested_stacks("shop");
    let service = &nested
        .iter()
        .find(|n| n.logical_id.contains("Users"))
        .unwrap()
        .logical_id;
    fake(&r).drift_resource(
        &format!("{service}/Table"),
        ResourceDrift {
            logical_id: "Table".into(),
            physical_id: Some("phys-Table".into()),
            resource_type: "AWS::DynamoDB::Table".into(),
            status: DriftStatus::Modified,
            differences: vec![PropertyDifference {
                path: "/BillingMode".into(),
                expected: "PAY_PER_REQUEST".into(),
                actual: "PROVISIONED".into(),
                kind: "NOT_EQUAL".into(),
            }],
        },
    );
    let (code, out) = drift(&r, &s, OutputFormat::Text);
    assert_eq!(code.unwrap(), 2, "{out}");
    assert!(
        out.contains(&format!("shop: {service}/Table (AWS::DynamoDB::Table) MODIFIED\n  NOT_EQUAL /BillingMode: expected PAY_PER_REQUEST, actual PROVISIONED\n")),
        "{out}"
    );
    assert!(
        out.contains("Drift: 1 resource differs from the template"),
        "{out}"
    );
    let (code, json) = drift(&r, &s, OutputFormat::Json);
    assert_eq!(code.unwrap(), 2);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["drifted"], true);
    let stack = doc["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == service.as_str())
        .unwrap();
    assert_eq!(
        stack["drifted"][0]["differences"][0]["path"],
        "/BillingMode"
    );
}

#[test]
fn a_stack_not_deployed_is_an_error_that_says_apply_first() {
    let s = shop();
    let r = cloud();
    let (code, _) = drift(&r, &s, OutputFormat::Text);
    let err = code.unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.to_string().contains("run `blueprint apply` first"),
        "{err}"
    );
}
