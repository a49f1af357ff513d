//! plan / apply / destroy logic over the in-memory CloudFormation: the paths
//! a local emulator cannot show (replacement details, failures with a root
//! cause, rollback states, stale plans). What is printed is snapshotted
//! whole (`deploy_fake__TEST-STEP.snap`); what the fake was asked to do and
//! what it holds afterwards are assertions.

use blueprint::commands::apply::{apply_with, ApplyRequest};
use blueprint::commands::destroy::{destroy_with, DestroyRequest};
use blueprint::commands::plan::{plan_with, PlanRequest};
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::types::{Replacement, StackStatus};
use blueprint::deploy::watch::ProgressMode;
use blueprint::error::Error;
use blueprint::output::{Captured, OutputFormat, Printer, Verbosity};
use blueprint::synthesis::Synthesized;

use crate::common::{block_on, cloud, deploy_args, fake, outcome, synth_project, text, TOOLKIT};

fn synth(options: &str) -> Synthesized {
    synth_project(
        "todo",
        format!("blueprint: todo\nstack_name: todo\nregion: us-east-1\noptions:\n{options}"),
    )
}

fn printer() -> (Printer, Captured, Captured) {
    Printer::capture(Verbosity::Normal)
}

fn plan(
    regions: &Regions<FakeCloud>,
    s: &Synthesized,
    out: Option<std::path::PathBuf>,
) -> (Result<i32, Error>, String) {
    let (mut p, o, _) = printer();
    let req = PlanRequest {
        deploy: deploy_args(),
        out,
        output: OutputFormat::Text,
    };
    let r = block_on(plan_with(regions, s, &req, &mut p));
    (r, text(&o))
}

fn apply_req(allow: &[&str], planfile: Option<std::path::PathBuf>) -> ApplyRequest {
    ApplyRequest {
        deploy: deploy_args(),
        planfile,
        yes: true,
        allow_data_loss: allow.iter().map(|s| s.to_string()).collect(),
        progress: ProgressMode::Events,
        outputs_file: None,
    }
}

fn apply(
    regions: &Regions<FakeCloud>,
    s: &Synthesized,
    req: &ApplyRequest,
    answer: bool,
) -> (Result<i32, Error>, String, String) {
    let (mut p, o, e) = printer();
    let mut ask = |_: &str| Ok(answer);
    let r = block_on(apply_with(regions, s, req, &mut ask, true, &mut p));
    (r, text(&o), text(&e))
}

#[test]
fn plan_apply_plan_cycle() {
    let r = cloud();
    let s = synth("");
    let (code, out) = plan(&r, &s, None);
    deploy_snapshot!(outcome(&code, &out, ""), "plan");
    assert_eq!(code.unwrap(), 2);
    // The plan's change set and the empty stack it created are cleaned up.
    assert!(fake(&r)
        .calls()
        .contains(&"DeleteChangeSet todo".to_string()));
    assert!(fake(&r).calls().contains(&"DeleteStack todo".to_string()));

    let (code, out, err) = apply(&r, &s, &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&code, &out, &err), "apply");
    assert_eq!(code.unwrap(), 0, "{err}");
    assert!(fake(&r).has_object("assets-bucket", &s.expansion.packages[0].key));
    // Data protected, termination protection on.
    let policy = fake(&r).policy("todo").unwrap();
    assert!(policy.contains("LogicalResourceId/TodoTable") && policy.contains("Update:Replace"));
    assert!(fake(&r).termination_protection("todo"));

    let (code, out) = plan(&r, &s, None);
    deploy_snapshot!(outcome(&code, &out, ""), "plan-again");
    assert_eq!(code.unwrap(), 0);

    // An unchanged apply is "no changes", exit 0, nothing executed.
    let before = fake(&r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("ExecuteChangeSet"))
        .count();
    let (code, _, _) = apply(&r, &s, &apply_req(&[], None), true);
    assert_eq!(code.unwrap(), 0);
    let after = fake(&r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("ExecuteChangeSet"))
        .count();
    assert_eq!(before, after);

    // Assets already present are not uploaded again.
    let s2 = synth("  function:\n    memory_mb: 512\n");
    let puts = fake(&r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("PutObject"))
        .count();
    let (code, out, err) = apply(&r, &s2, &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&code, &out, &err), "apply-512");
    assert_eq!(code.unwrap(), 0);
    assert_eq!(
        puts,
        fake(&r)
            .calls()
            .iter()
            .filter(|c| c.starts_with("PutObject"))
            .count()
    );
}

#[test]
fn data_loss_is_refused_unless_allowed_and_disagreements_are_shown() {
    let r = cloud();
    apply(&r, &synth(""), &apply_req(&[], None), true)
        .0
        .unwrap();
    // The change set says the table is replaced; the offline diff does not.
    fake(&r).override_replacement("TodoTable", Replacement::True);
    let s = synth("  table:\n    billing: provisioned\n");
    let (code, out) = plan(&r, &s, None);
    deploy_snapshot!(outcome(&code, &out, ""), "plan");
    assert_eq!(code.unwrap(), 3, "{out}");

    let (res, out, err) = apply(&r, &s, &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&res, &out, &err), "refused");
    assert!(res.is_err());
    let executes = |r: &Regions<FakeCloud>| {
        fake(r)
            .calls()
            .iter()
            .filter(|c| c.starts_with("ExecuteChangeSet"))
            .count()
    };
    assert_eq!(executes(&r), 1, "the refused change set was not executed");

    let (res, _, err) = apply(&r, &s, &apply_req(&["TodoTable"], None), true);
    assert_eq!(res.unwrap(), 0, "{err}");
    assert_eq!(executes(&r), 2);
    // Protection is back on after the allowed replacement.
    assert!(fake(&r)
        .policy("todo")
        .unwrap()
        .contains("LogicalResourceId/TodoTable"));
}

#[test]
fn a_failed_create_reports_the_root_cause_then_recreates_after_confirmation() {
    let r = cloud();
    let s = synth("");
    fake(&r).fail_next_execute(
        "ApiFunction",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey",
    );
    let (res, out, err) = apply(&r, &s, &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&res, &out, &err), "failed");
    assert!(res.is_err());

    // Declining the recreation changes nothing.
    let (res, out, err) = apply(&r, &s, &apply_req(&[], None), false);
    deploy_snapshot!(outcome(&res, &out, &err), "declined");
    assert!(res.is_err());
    assert!(!fake(&r).calls().contains(&"DeleteStack todo".to_string()));

    let (res, _, err) = apply(&r, &s, &apply_req(&[], None), true);
    assert_eq!(res.unwrap(), 0, "{err}");
    assert!(fake(&r).calls().contains(&"DeleteStack todo".to_string()));
}

#[test]
fn a_failed_create_that_kept_resources_is_not_deleted() {
    let r = cloud();
    fake(&r).set_stack("todo", StackStatus::RollbackComplete, None);
    fake(&r).add_resource("todo", "UserFilesBucket", "DELETE_SKIPPED");
    let (res, out, err) = apply(&r, &synth(""), &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&res, &out, &err));
    assert!(res.is_err());
    assert!(!fake(&r).calls().contains(&"DeleteStack todo".to_string()));
}

#[test]
fn stack_states_that_block_a_change() {
    let r = cloud();
    fake(&r).set_stack("todo", StackStatus::UpdateRollbackFailed, Some(TOOLKIT));
    let (res, out) = plan(&r, &synth(""), None);
    deploy_snapshot!(outcome(&res, &out, ""), "plan-rollback-failed");
    assert!(res.is_err());
    let (res, out, err) = apply(&r, &synth(""), &apply_req(&[], None), true);
    deploy_snapshot!(outcome(&res, &out, &err), "apply-rollback-failed");
    assert!(res.is_err());
    assert!(!fake(&r)
        .calls()
        .iter()
        .any(|c| c.starts_with("DeleteStack")));

    fake(&r).set_stack("todo", StackStatus::UpdateInProgress, None);
    let (res, out) = plan(&r, &synth(""), None);
    deploy_snapshot!(outcome(&res, &out, ""), "plan-in-progress");
    assert!(res.is_err());
}

#[test]
fn a_missing_toolkit_names_the_command_to_run() {
    let r = Regions::single("us-east-1", FakeCloud::new());
    let msg = plan(&r, &synth(""), None).0.unwrap_err().to_string();
    assert_eq!(
        msg,
        "no assets bucket in us-east-1: the toolkit stack `blueprint-toolkit` is missing; run `blueprint bootstrap --region us-east-1` first"
    );
}

#[test]
fn a_saved_plan_is_executed_exactly_or_refused_when_stale() {
    let r = cloud();
    apply(&r, &synth(""), &apply_req(&[], None), true)
        .0
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    let s512 = synth("  function:\n    memory_mb: 512\n");
    assert_eq!(plan(&r, &s512, Some(file.clone())).0.unwrap(), 2);
    // The project changed since: refused.
    let s1024 = synth("  function:\n    memory_mb: 1024\n");
    let (res, out, err) = apply(&r, &s1024, &apply_req(&[], Some(file.clone())), true);
    deploy_snapshot!(outcome(&res, &out, &err), "project-changed");
    assert!(res.is_err());
    // The same project: executed.
    let (res, _, err) = apply(&r, &s512, &apply_req(&[], Some(file.clone())), true);
    assert_eq!(res.unwrap(), 0, "{err}");
    assert!(fake(&r)
        .template("todo")
        .unwrap()
        .contains("MemorySize: 512"));
    // The stack changed since: refused.
    let (res, out, err) = apply(&r, &s512, &apply_req(&[], Some(file)), true);
    deploy_snapshot!(outcome(&res, &out, &err), "stack-changed");
    assert!(res.is_err());
}

#[test]
fn slow_change_sets_are_polled_until_ready() {
    let r = cloud();
    fake(&r).slow_change_sets(3);
    assert_eq!(plan(&r, &synth(""), None).0.unwrap(), 2);
    let describes = fake(&r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("DescribeChangeSet"))
        .count();
    assert_eq!(describes, 4);
}

#[test]
fn destroy_respects_termination_protection_and_reports_kept_resources() {
    let r = cloud();
    let s = synth("");
    apply(&r, &s, &apply_req(&[], None), true).0.unwrap();
    let req = |disable| DestroyRequest {
        deploy: deploy_args(),
        yes: true,
        disable_termination_protection: disable,
        progress: ProgressMode::Events,
    };
    let run = |disable| {
        let (mut p, o, _) = printer();
        let mut ask = |_: &str| Ok(true);
        let res = block_on(destroy_with(&r, &s, &req(disable), &mut ask, &mut p));
        (res, text(&o))
    };
    let (res, out) = run(false);
    deploy_snapshot!(outcome(&res, &out, ""), "protected");
    assert!(res.is_err());
    assert!(fake(&r).template("todo").is_some());
    let (res, out) = run(true);
    deploy_snapshot!(outcome(&res, &out, ""), "unprotected");
    assert_eq!(res.unwrap(), 0);
    assert!(fake(&r).template("todo").is_none());
}

#[test]
fn declining_leaves_nothing_behind() {
    let r = cloud();
    let (res, out, err) = apply(&r, &synth(""), &apply_req(&[], None), false);
    deploy_snapshot!(outcome(&res, &out, &err));
    assert!(res.is_err());
    assert!(fake(&r).template("todo").is_none());
    assert!(!fake(&r)
        .calls()
        .iter()
        .any(|c| c.starts_with("ExecuteChangeSet")));
}

#[test]
fn wait_waits_for_an_operation_in_progress() {
    let r = cloud();
    apply(&r, &synth(""), &apply_req(&[], None), true)
        .0
        .unwrap();
    fake(&r).set_stack("todo", StackStatus::UpdateInProgress, None);
    let s = synth("");
    let (mut p, _, _) = printer();
    let mut req = PlanRequest {
        deploy: deploy_args(),
        out: None,
        output: OutputFormat::Text,
    };
    req.deploy.wait = true;
    // The operation ends while plan waits.
    let done = block_on(async {
        let settle = async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            fake(&r).set_stack("todo", StackStatus::UpdateComplete, None);
        };
        let (res, ()) = tokio::join!(plan_with(&r, &s, &req, &mut p), settle);
        res
    });
    assert_eq!(done.unwrap(), 0);
}
