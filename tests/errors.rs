//! Deploy refusals and stack-state problems are typed (issue 15, "errors as
//! types"): each variant renders the message `blueprint` has always printed
//! for it (the CLI's output stays byte-identical) and maps to its exit code.

use std::path::PathBuf;

use blueprint::deploy::plan_file::{Mismatch, Staleness};
use blueprint::deploy::refusal::OutPathProblem;
use blueprint::deploy::types::StackStatus;
use blueprint::deploy::{
    ApplyError, DeployError, FirstFailure, Refusal, SavedPlanError, StackStateError,
};
use blueprint::error::Error;

/// The message and exit code of `e`, as `main` shows them.
fn shown(e: impl Into<Error>) -> (String, i32) {
    let e = e.into();
    (e.to_string(), e.exit_code())
}

fn user(message: &str) -> (String, i32) {
    (message.to_string(), 1)
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn stack_states_say_how_to_get_out_of_them() {
    let cases: Vec<(StackStateError, &str)> = vec![
        (
            StackStateError::Busy { stack: s("shop"), status: StackStatus::UpdateInProgress, can_wait: true },
            "stack `shop` has an operation in progress (UPDATE_IN_PROGRESS); wait for it (`blueprint status --watch`) or pass --wait",
        ),
        (
            StackStateError::Busy { stack: s("shop"), status: StackStatus::DeleteInProgress, can_wait: false },
            "stack `shop` has an operation in progress (DELETE_IN_PROGRESS); wait for it (`blueprint status --watch`)",
        ),
        (
            StackStateError::UpdateRollbackFailed { stack: s("shop"), reason: Some(s("Table busy")) },
            "stack `shop` is in UPDATE_ROLLBACK_FAILED (Table busy): CloudFormation could not roll back an update. Fix what blocked it, then run `aws cloudformation continue-update-rollback --stack-name shop` (with --resources-to-skip for resources that cannot be rolled back). blueprint never deletes a stack in this state.",
        ),
        (
            StackStateError::DeleteFailed { stack: s("shop"), reason: None },
            "stack `shop` is in DELETE_FAILED (no reason given): fix what blocked the deletion and run `blueprint destroy` again",
        ),
        (
            StackStateError::CannotUpdate { stack: s("shop"), status: StackStatus::CreateFailed, reason: Some(s("denied")) },
            "stack `shop` is in CREATE_FAILED (denied): it cannot be updated; inspect it with `blueprint status`, then `blueprint destroy` it",
        ),
        (
            StackStateError::RollbackCompleteKept { stack: s("shop"), kept: vec![s("Table (shop-table)"), s("Logs (/aws/x)")] },
            "stack `shop` is in ROLLBACK_COMPLETE but kept resources: Table (shop-table), Logs (/aws/x). blueprint will not delete it; remove or import them yourself, then run `blueprint destroy`",
        ),
        (
            StackStateError::NotDeployed { stack: s("shop"), region: s("eu-west-1") },
            "stack `shop` is not deployed in eu-west-1; run `blueprint apply` first",
        ),
        (
            StackStateError::NotBootstrapped { region: s("eu-west-1"), toolkit: s("BlueprintToolkit") },
            "no assets bucket in eu-west-1: the toolkit stack `BlueprintToolkit` is missing; run `blueprint bootstrap --region eu-west-1` first",
        ),
        (
            StackStateError::TerminationProtected { stack: s("shop") },
            "stack `shop` has termination protection on; run again with --disable-termination-protection to turn it off and delete the stack",
        ),
        (
            StackStateError::UnreadableTemplate { stack: s("shop"), detail: s("bad indentation") },
            "the deployed template of stack `shop` cannot be read: bad indentation",
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.exit_code(), 1, "{e}");
        assert_eq!(shown(e), user(message));
    }
}

#[test]
fn failed_operations_give_the_first_failure_and_the_next_step() {
    let table = FirstFailure::Resource {
        path: s("Orders/Table"),
        resource_type: s("AWS::DynamoDB::Table"),
        reason: Some(s("limit exceeded")),
    };
    let failed = |status: StackStatus, first_failure: FirstFailure| ApplyError::Failed {
        stack: s("shop"),
        status,
        first_failure,
    };
    let cases: Vec<(ApplyError, &str)> = vec![
        (
            ApplyError::ChangeSetFailed { stack: s("shop"), reason: Some(s("Template format error")) },
            "CloudFormation refused the change set for stack `shop`: Template format error",
        ),
        (
            ApplyError::ChangeSetFailed { stack: s("shop"), reason: None },
            "CloudFormation refused the change set for stack `shop`: no reason given",
        ),
        (
            ApplyError::NoChangeSet { stack: s("web"), notes: vec![s("a"), s("b")] },
            "no change set could be made for stack `web`: a; b",
        ),
        (
            ApplyError::NotStarted { stack: s("shop"), waited_secs: 60 },
            "CloudFormation has not started executing the change set of `shop` after 60 s (the stack is still REVIEW_IN_PROGRESS); check it with `blueprint status`",
        ),
        (
            ApplyError::Vanished { stack: s("shop") },
            "stack `shop` disappeared while it was being applied",
        ),
        (
            ApplyError::FailedStackNotDeleted { stack: s("shop") },
            "could not delete the failed stack `shop`; see `blueprint status`",
        ),
        (
            failed(StackStatus::RollbackComplete, table.clone()),
            "applying stack `shop` failed: Orders/Table (AWS::DynamoDB::Table) failed: limit exceeded\n  final state: ROLLBACK_COMPLETE\n  next: the stack was never created; fix the cause and run `blueprint apply` again (it deletes the failed stack first, after asking)",
        ),
        (
            failed(StackStatus::UpdateRollbackComplete, table),
            "applying stack `shop` failed: Orders/Table (AWS::DynamoDB::Table) failed: limit exceeded\n  final state: UPDATE_ROLLBACK_COMPLETE\n  next: the update was rolled back and the stack is as it was; fix the cause and apply again",
        ),
        (
            failed(StackStatus::UpdateRollbackFailed, FirstFailure::Stack { reason: None }),
            "applying stack `shop` failed: no reason given\n  final state: UPDATE_ROLLBACK_FAILED\n  next: the rollback failed too; fix the cause, then `aws cloudformation continue-update-rollback --stack-name shop`",
        ),
        (
            failed(StackStatus::DeleteFailed, FirstFailure::Stack { reason: Some(s("bucket not empty")) }),
            "applying stack `shop` failed: bucket not empty\n  final state: DELETE_FAILED\n  next: inspect the stack with `blueprint status` before trying again",
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.exit_code(), 1, "{e}");
        assert_eq!(shown(e), user(message));
    }
}

#[test]
fn refusals_say_what_the_user_can_do_instead() {
    let cases: Vec<(Refusal, &str)> = vec![
        (
            Refusal::DataLoss { stack: s("shop"), resources: vec![s("Table"), s("Orders/Table")] },
            "refusing to apply stack `shop`: the plan replaces or removes resources that hold data: Table, Orders/Table. Nothing was changed. If you mean it, run again with --allow-data-loss Table --allow-data-loss Orders/Table",
        ),
        (Refusal::ApplyCancelled, "apply cancelled; nothing was changed"),
        (Refusal::DestroyCancelled, "destroy cancelled; nothing was deleted"),
        (
            Refusal::Placeholders { found: vec![s("blueprint.yaml:3:5: domain (example.com)")] },
            "the project still has 1 placeholder value: fill it in before deploying\n  blueprint.yaml:3:5: domain (example.com)\n(--allow-placeholders deploys them as they are, e.g. against a local endpoint)",
        ),
        (
            Refusal::Placeholders { found: vec![s("a"), s("b")] },
            "the project still has 2 placeholder values: fill them in before deploying\n  a\n  b\n(--allow-placeholders deploys them as they are, e.g. against a local endpoint)",
        ),
        (
            Refusal::OutPath { path: PathBuf::from("out/"), problem: OutPathProblem::IsDirectory },
            "--out out/: is a directory; nothing was planned. Give the path of a file to write, such as plan.json",
        ),
        (
            Refusal::OutPath { path: PathBuf::from(".."), problem: OutPathProblem::NotAFileName },
            "--out ..: is not a file name; nothing was planned. Give the path of a file to write, such as plan.json",
        ),
        (
            Refusal::OutPath { path: PathBuf::from("no/plan.json"), problem: OutPathProblem::NoDirectory(PathBuf::from("no")) },
            "--out no/plan.json: the directory no does not exist; nothing was planned. Give the path of a file to write, such as plan.json",
        ),
        (
            Refusal::OutPath { path: PathBuf::from("f/plan.json"), problem: OutPathProblem::NotADirectory(PathBuf::from("f")) },
            "--out f/plan.json: f is not a directory; nothing was planned. Give the path of a file to write, such as plan.json",
        ),
        (
            Refusal::OutPath { path: PathBuf::from("ro/plan.json"), problem: OutPathProblem::CannotWrite { dir: PathBuf::from("ro"), detail: s("Permission denied (os error 13)") } },
            "--out ro/plan.json: cannot write in ro: Permission denied (os error 13); nothing was planned. Give the path of a file to write, such as plan.json",
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.exit_code(), 1, "{e}");
        assert_eq!(shown(e), user(message));
    }
}

#[test]
fn saved_plan_errors_say_to_plan_again() {
    let again = "run `blueprint plan --out PLANFILE` again";
    let not_bound = |mismatch: Mismatch| SavedPlanError::NotBound {
        stack: s("todo"),
        mismatch,
    };
    let bound = |why: &str| {
        format!("refusing the saved plan for stack `todo`: {why}. Nothing was executed; {again}")
    };
    let cases: Vec<(SavedPlanError, String)> = vec![
        (
            SavedPlanError::NotAPlanFile { path: PathBuf::from("plan.json"), line: 1, column: 2, detail: s("key must be a string") },
            s("plan.json:1:2: not a blueprint plan file: key must be a string"),
        ),
        (
            SavedPlanError::OldVersion { path: PathBuf::from("plan.json") },
            s("plan.json: plan file version 1 was written by an older blueprint and is not bound to its change set; plan again with `blueprint plan --out PLANFILE`"),
        ),
        (
            SavedPlanError::UnsupportedVersion { path: PathBuf::from("plan.json"), version: 9 },
            s("plan.json: plan file version 9 is not supported (this blueprint reads version 2); plan again with `blueprint plan --out PLANFILE`"),
        ),
        (
            SavedPlanError::NoVersion { path: PathBuf::from("plan.json") },
            s("plan.json: not a blueprint plan file: it has no version"),
        ),
        (
            SavedPlanError::ForOtherProject { planned: s("blog"), project: s("todo") },
            s("the plan file is for blueprint `blog`, this project is `todo`"),
        ),
        (
            SavedPlanError::Stale(Staleness::ProjectChanged { planned: s("0123456789ab"), now: s("ba9876543210") }),
            s("the saved plan is stale: the project changed since the plan was made (template 0123456789ab → ba9876543210). Run `blueprint plan --out PLANFILE` again"),
        ),
        (
            SavedPlanError::Stale(Staleness::StackChanged { stack: s("todo"), planned: None, now: Some(s("2026-01-01T00:00:00Z")) }),
            s("the saved plan is stale: stack `todo` changed since the plan was made (last updated never → 2026-01-01T00:00:00Z). Run `blueprint plan --out PLANFILE` again"),
        ),
        (
            SavedPlanError::MissingStack { stack: s("web") },
            s("the plan file has no stack `web`; plan again"),
        ),
        (
            SavedPlanError::NoChangeSet { stack: s("todo") },
            s("the saved plan has no change set for stack `todo`; run `blueprint apply` without a plan file"),
        ),
        (
            SavedPlanError::ChangeSetGone {
                stack: s("todo"),
                source: DeployError::Api { operation: "DescribeChangeSet", code: s("ChangeSetNotFound"), message: s("gone") },
            },
            format!("the saved plan's change set for stack `todo` is gone (DescribeChangeSet failed: ChangeSetNotFound: gone); {again}"),
        ),
        (
            SavedPlanError::NotExecutable { stack: s("todo"), status: s("FAILED"), execution_status: None },
            s("the saved plan's change set for stack `todo` can no longer be executed (FAILED, ?); plan again"),
        ),
        (
            not_bound(Mismatch::OtherChangeSet { described: s("arn:b"), planned: s("arn:a") }),
            bound("CloudFormation describes change set `arn:b`, not the planned `arn:a`"),
        ),
        (
            not_bound(Mismatch::StackGone { stack: s("todo") }),
            bound("stack `todo` does not exist any more"),
        ),
        (
            not_bound(Mismatch::OtherStack { planned: s("arn:a"), owner: s("other"), stack: s("todo"), current: s("arn:todo") }),
            bound("change set `arn:a` belongs to stack `other`, not to stack `todo` (arn:todo)"),
        ),
        (
            not_bound(Mismatch::StackReplaced { stack: s("todo"), current: s("arn:2"), planned_for: None }),
            bound("stack `todo` is now arn:2; the plan was made for no stack"),
        ),
        (
            not_bound(Mismatch::OtherTemplate { change_set: s("blueprint-aaaa-1"), sha256_prefix: s("0123456789ab") }),
            bound("change set `blueprint-aaaa-1` was not made from this project's template (sha256 0123456789ab…)"),
        ),
        (
            not_bound(Mismatch::OtherName { name: s("blueprint-x-2"), planned: None }),
            bound("change set `blueprint-x-2` is not the planned `?`"),
        ),
    ];
    for (e, message) in cases {
        assert_eq!(e.exit_code(), 1, "{e}");
        assert_eq!(shown(e), user(&message));
    }
}

/// Every typed error is the user's to resolve: 1, never a code `plan`
/// gives an outcome (0, 2, 3) nor the internal error's (70).
#[test]
fn typed_errors_never_take_an_outcome_or_internal_exit_code() {
    let errors: Vec<Error> = vec![
        Refusal::ApplyCancelled.into(),
        ApplyError::Vanished { stack: s("shop") }.into(),
        StackStateError::NotDeployed {
            stack: s("shop"),
            region: s("eu-west-1"),
        }
        .into(),
        SavedPlanError::MissingStack { stack: s("shop") }.into(),
    ];
    for e in errors {
        assert!(![0, 2, 3, 70].contains(&e.exit_code()), "{e}");
    }
}
