//! Saved plans bind to what was planned, `plan --out` is checked before
//! anything is made, and watches end when the stack is final; over the
//! in-memory CloudFormation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use blueprint::commands::apply::{apply_with, ApplyRequest};
use blueprint::commands::plan::{plan_with, PlanRequest};
use blueprint::commands::status::{status_with, StatusRequest};
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::types::StackStatus;
use blueprint::deploy::watch::{watch, ProgressMode};
use blueprint::error::Error;
use blueprint::output::{OutputFormat, Printer, Verbosity};
use blueprint::synthesis::Synthesized;

use crate::common::{block_on, cloud, deploy_args, fake, outcome, synth_project, text};

fn synth_named(stack: &str, options: &str) -> Synthesized {
    synth_project(
        "todo",
        format!("blueprint: todo\nstack_name: {stack}\nregion: us-east-1\noptions:\n{options}"),
    )
}

fn synth(options: &str) -> Synthesized {
    synth_named("todo", options)
}

const MB512: &str = "  function:\n    memory_mb: 512\n";
const MB1024: &str = "  function:\n    memory_mb: 1024\n";

fn plan(r: &Regions<FakeCloud>, s: &Synthesized, out: Option<PathBuf>) -> Result<i32, Error> {
    let (mut p, _, _) = Printer::capture(Verbosity::Normal);
    let req = PlanRequest {
        deploy: deploy_args(),
        out,
        output: OutputFormat::Text,
    };
    block_on(plan_with(r, s, &req, &mut p))
}

fn apply(r: &Regions<FakeCloud>, s: &Synthesized, planfile: Option<PathBuf>) -> Result<i32, Error> {
    let (mut p, _, _) = Printer::capture(Verbosity::Normal);
    let req = ApplyRequest {
        deploy: deploy_args(),
        planfile,
        yes: true,
        allow_data_loss: Vec::new(),
        progress: ProgressMode::Events,
        outputs_file: None,
    };
    let mut ask = |_: &str| Ok(true);
    block_on(apply_with(r, s, &req, &mut ask, true, &mut p))
}

fn executions(r: &Regions<FakeCloud>) -> usize {
    fake(r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("ExecuteChangeSet"))
        .count()
}

fn read(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(path: &Path, doc: &serde_json::Value) {
    std::fs::write(path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
}

/// The first stack's `field` of a plan file.
fn field(doc: &serde_json::Value, field: &str) -> String {
    doc["stacks"][0][field].as_str().unwrap().to_string()
}

/// A deployed `todo` stack and a saved plan of the 512 MB change (not
/// executed); returns the cloud, the directory and the plan file.
fn deployed_with_plan() -> (Regions<FakeCloud>, tempfile::TempDir, PathBuf) {
    let r = cloud();
    apply(&r, &synth(""), None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.json");
    assert_eq!(plan(&r, &synth(MB512), Some(file.clone())).unwrap(), 2);
    (r, dir, file)
}

/// Applies the (tampered) plan file with the project it was made for:
/// refused with `message`, nothing executed, the stack unchanged.
fn assert_refused(r: &Regions<FakeCloud>, file: &Path, message: &str) {
    let before = executions(r);
    let err = apply(r, &synth(MB512), Some(file.to_path_buf())).unwrap_err();
    assert_eq!(err.to_string(), message);
    assert_eq!(err.exit_code(), 1);
    assert_eq!(executions(r), before, "{:?}", fake(r).calls());
    assert!(fake(r)
        .template("todo")
        .unwrap()
        .contains("MemorySize: 256"));
}

fn refusal(why: &str) -> String {
    format!("refusing the saved plan for stack `todo`: {why}. Nothing was executed; run `blueprint plan --out PLANFILE` again")
}

#[test]
fn a_plan_file_records_the_change_set_its_stack_and_name() {
    let (r, _dir, file) = deployed_with_plan();
    let doc = read(&file);
    assert_eq!(doc["version"], 2);
    assert_eq!(field(&doc, "stack_id"), fake(&r).stack_id("todo").unwrap());
    let sha = field(&doc, "template_sha256");
    assert!(field(&doc, "change_set_name").starts_with(&format!("blueprint-{}-", &sha[..12])));
    // Untampered, it is executed.
    assert_eq!(apply(&r, &synth(MB512), Some(file)).unwrap(), 0);
    assert!(fake(&r)
        .template("todo")
        .unwrap()
        .contains("MemorySize: 512"));
}

#[test]
fn another_change_set_of_the_same_stack_made_from_another_template_is_refused() {
    let (r, dir, file) = deployed_with_plan();
    let other = dir.path().join("other.json");
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(plan(&r, &synth(MB1024), Some(other.clone())).unwrap(), 2);
    let theirs = read(&other);
    let mut doc = read(&file);
    let sha = field(&doc, "template_sha256");
    // Only the ID replaced.
    doc["stacks"][0]["change_set_id"] = theirs["stacks"][0]["change_set_id"].clone();
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "change set `{}` was not made from this project's template (sha256 {}…)",
            field(&theirs, "change_set_name"),
            &sha[..12]
        )),
    );
    // The ID and the name replaced: the same.
    doc["stacks"][0]["change_set_name"] = theirs["stacks"][0]["change_set_name"].clone();
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "change set `{}` was not made from this project's template (sha256 {}…)",
            field(&theirs, "change_set_name"),
            &sha[..12]
        )),
    );
}

#[test]
fn another_change_set_of_the_same_stack_and_template_is_refused() {
    let (r, dir, file) = deployed_with_plan();
    let again = dir.path().join("again.json");
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(plan(&r, &synth(MB512), Some(again.clone())).unwrap(), 2);
    let theirs = read(&again);
    let mut doc = read(&file);
    doc["stacks"][0]["change_set_id"] = theirs["stacks"][0]["change_set_id"].clone();
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "change set `{}` is not the planned `{}`",
            field(&theirs, "change_set_name"),
            field(&doc, "change_set_name")
        )),
    );
}

#[test]
fn another_stacks_change_set_is_refused() {
    let (r, dir, file) = deployed_with_plan();
    let other = dir.path().join("other.json");
    assert_eq!(
        plan(&r, &synth_named("other", MB512), Some(other.clone())).unwrap(),
        2
    );
    let theirs = read(&other);
    let mut doc = read(&file);
    for key in ["change_set_id", "change_set_name"] {
        doc["stacks"][0][key] = theirs["stacks"][0][key].clone();
    }
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "change set `{}` belongs to stack `other`, not to stack `todo` ({})",
            field(&theirs, "change_set_id"),
            fake(&r).stack_id("todo").unwrap()
        )),
    );
    // The stack ID replaced too: still another stack's.
    doc["stacks"][0]["stack_id"] = theirs["stacks"][0]["stack_id"].clone();
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "change set `{}` belongs to stack `other`, not to stack `todo` ({})",
            field(&theirs, "change_set_id"),
            fake(&r).stack_id("todo").unwrap()
        )),
    );
}

#[test]
fn a_plan_for_a_stack_that_was_replaced_is_refused() {
    let (r, _dir, file) = deployed_with_plan();
    let mut doc = read(&file);
    let recorded = "arn:aws:cloudformation:us-east-1:123456789012:stack/todo/gone";
    doc["stacks"][0]["stack_id"] = serde_json::json!(recorded);
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &refusal(&format!(
            "stack `todo` is now {}; the plan was made for {recorded}",
            fake(&r).stack_id("todo").unwrap()
        )),
    );
}

#[test]
fn a_version_1_plan_file_is_refused() {
    let (r, _dir, file) = deployed_with_plan();
    let mut doc = read(&file);
    doc["version"] = serde_json::json!(1);
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &format!(
            "{}: plan file version 1 was written by an older blueprint and is not bound to its change set; plan again with `blueprint plan --out PLANFILE`",
            file.display()
        ),
    );
    doc["version"] = serde_json::json!(7);
    write(&file, &doc);
    assert_refused(
        &r,
        &file,
        &format!(
            "{}: plan file version 7 is not supported (this blueprint reads version 2); plan again with `blueprint plan --out PLANFILE`",
            file.display()
        ),
    );
}

#[test]
fn plan_out_is_checked_before_any_change_set_is_made() {
    let r = cloud();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (dir.path().to_path_buf(), "is a directory".to_string()),
        (
            dir.path().join("missing").join("plan.json"),
            format!(
                "the directory {} does not exist",
                dir.path().join("missing").display()
            ),
        ),
    ];
    for (out, why) in cases {
        let err = plan(&r, &synth(""), Some(out.clone())).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "--out {}: {why}; nothing was planned. Give the path of a file to write, such as plan.json",
                out.display()
            )
        );
        assert_eq!(err.exit_code(), 1);
    }
    // Nothing was asked of CloudFormation, let alone created.
    assert_eq!(fake(&r).calls(), Vec::<String>::new());
    assert_eq!(fake(&r).stack_names(), ["blueprint-toolkit"]);
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[cfg(unix)]
#[test]
fn plan_out_into_a_read_only_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes anyway: nothing to check then.
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        return;
    }
    let r = cloud();
    let err = plan(&r, &synth(""), Some(ro.join("plan.json"))).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "--out {}: cannot write in {}: ",
            ro.join("plan.json").display(),
            ro.display()
        )),
        "{err}"
    );
    assert_eq!(fake(&r).calls(), Vec::<String>::new());
}

fn status_watch(r: &Regions<FakeCloud>, s: &Synthesized) -> (Result<i32, Error>, String) {
    let (mut p, o, _) = Printer::capture(Verbosity::Normal);
    let req = StatusRequest {
        deploy: deploy_args(),
        watch: true,
        output: OutputFormat::Text,
    };
    let r = block_on(async {
        tokio::time::timeout(Duration::from_secs(5), status_with(r, s, &req, &mut p)).await
    })
    .expect("status --watch returned within 5 s");
    (r, text(&o))
}

fn describes(r: &Regions<FakeCloud>) -> usize {
    fake(r)
        .calls()
        .iter()
        .filter(|c| c.starts_with("DescribeStacks todo"))
        .count()
}

#[test]
fn status_watch_on_a_settled_stack_returns_at_once() {
    let r = cloud();
    let s = synth("");
    apply(&r, &s, None).unwrap();
    for status in [
        StackStatus::CreateComplete,
        StackStatus::UpdateRollbackComplete,
        StackStatus::DeleteFailed,
        // Waiting for its change set to be executed: nothing to follow.
        StackStatus::ReviewInProgress,
    ] {
        fake(&r).set_stack("todo", status.clone(), None);
        let before = describes(&r);
        let (code, out) = status_watch(&r, &s);
        deploy_snapshot!(outcome(&code, &out, ""), &status.to_string());
        assert_eq!(code.unwrap(), 0);
        // One look, no polling.
        assert_eq!(describes(&r) - before, 1, "{status}");
    }
}

#[test]
fn a_watch_ends_when_the_status_is_final_without_an_end_event() {
    let r = cloud();
    apply(&r, &synth(""), None).unwrap();
    // The operation ended without a stack-level event the watch could see,
    // and without a new last-updated time (a failed delete, say): the final
    // status ends the watch once the start grace (5 s, for endpoints that
    // report a new operation a moment late) has passed.
    fake(&r).set_stack("todo", StackStatus::DeleteFailed, None);
    let events = fake(&r).events("todo");
    let since = events.last().map(|e| e.event_id.clone());
    let last = block_on(async {
        use blueprint::deploy::cloudformation::CloudFormation;
        fake(&r).describe_stack("todo").await.unwrap().unwrap()
    })
    .last_updated;
    let (mut p, _, _) = Printer::capture(Verbosity::Normal);
    let outcome = block_on(async {
        tokio::time::timeout(
            Duration::from_secs(8),
            watch(
                fake(&r),
                "todo",
                since,
                last,
                0,
                ProgressMode::Quiet,
                &mut p,
            ),
        )
        .await
    })
    .expect("the watch ended within 8 s")
    .unwrap();
    assert_eq!(
        outcome.stack.map(|s| s.status),
        Some(StackStatus::DeleteFailed)
    );
}
