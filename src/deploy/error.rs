//! What can go wrong talking to AWS, in terms a user can act on.

use super::types::StackStatus;

/// A failure of the deploy layer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeployError {
    #[error("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or sign in with `aws sso login` ({detail})")]
    NoCredentials { detail: String },
    #[error("cannot reach {service} at {endpoint}: {detail}")]
    Unreachable {
        service: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("{operation} was throttled by AWS and still failed after retries: {message}")]
    Throttled {
        operation: &'static str,
        message: String,
    },
    #[error("{operation} failed: {code}: {message}")]
    Api {
        operation: &'static str,
        code: String,
        message: String,
    },
    #[error("{operation} failed: {message}")]
    Other {
        operation: &'static str,
        message: String,
    },
}

/// `reason`, or "no reason given".
fn given(reason: &Option<String>) -> &str {
    reason.as_deref().unwrap_or("no reason given")
}

/// A stack (or the toolkit stack a command needs) is in a state the command
/// cannot start from; each variant says how to get out of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StackStateError {
    /// An operation is under way: wait for it (plan and apply can, with
    /// `--wait`).
    #[error("stack `{stack}` has an operation in progress ({status}); wait for it (`blueprint status --watch`){}", if *.can_wait { " or pass --wait" } else { "" })]
    Busy {
        stack: String,
        status: StackStatus,
        /// The command takes `--wait`.
        can_wait: bool,
    },
    /// CloudFormation could not roll an update back: continue the rollback.
    #[error("stack `{stack}` is in UPDATE_ROLLBACK_FAILED ({}): CloudFormation could not roll back an update. Fix what blocked it, then run `aws cloudformation continue-update-rollback --stack-name {stack}` (with --resources-to-skip for resources that cannot be rolled back). blueprint never deletes a stack in this state.", given(.reason))]
    UpdateRollbackFailed {
        stack: String,
        reason: Option<String>,
    },
    /// A deletion failed: fix what blocked it and destroy again.
    #[error("stack `{stack}` is in DELETE_FAILED ({}): fix what blocked the deletion and run `blueprint destroy` again", given(.reason))]
    DeleteFailed {
        stack: String,
        reason: Option<String>,
    },
    /// A failed state no update starts from (ROLLBACK_FAILED, CREATE_FAILED,
    /// IMPORT_ROLLBACK_FAILED): inspect, then destroy.
    #[error("stack `{stack}` is in {status} ({}): it cannot be updated; inspect it with `blueprint status`, then `blueprint destroy` it", given(.reason))]
    CannotUpdate {
        stack: String,
        status: StackStatus,
        reason: Option<String>,
    },
    /// A failed create (ROLLBACK_COMPLETE) that kept resources: blueprint
    /// will not delete it.
    #[error("stack `{stack}` is in ROLLBACK_COMPLETE but kept resources: {}. blueprint will not delete it; remove or import them yourself, then run `blueprint destroy`", .kept.join(", "))]
    RollbackCompleteKept {
        stack: String,
        /// `LogicalId (physical ID)` of each kept resource.
        kept: Vec<String>,
    },
    /// The stack is not deployed: apply first.
    #[error("stack `{stack}` is not deployed in {region}; run `blueprint apply` first")]
    NotDeployed { stack: String, region: String },
    /// The region has no toolkit stack (no assets bucket): bootstrap it.
    #[error("no assets bucket in {region}: the toolkit stack `{toolkit}` is missing; run `blueprint bootstrap --region {region}` first")]
    NotBootstrapped { region: String, toolkit: String },
    /// Termination protection is on: destroy turns it off only when asked.
    #[error("stack `{stack}` has termination protection on; run again with --disable-termination-protection to turn it off and delete the stack")]
    TerminationProtected { stack: String },
    /// The deployed template is neither YAML nor JSON blueprint can read.
    #[error("the deployed template of stack `{stack}` cannot be read: {detail}")]
    UnreadableTemplate { stack: String, detail: String },
}

impl StackStateError {
    /// The process exit code: the user's to resolve, never a plan outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            StackStateError::Busy { .. }
            | StackStateError::UpdateRollbackFailed { .. }
            | StackStateError::DeleteFailed { .. }
            | StackStateError::CannotUpdate { .. }
            | StackStateError::RollbackCompleteKept { .. }
            | StackStateError::NotDeployed { .. }
            | StackStateError::NotBootstrapped { .. }
            | StackStateError::TerminationProtected { .. }
            | StackStateError::UnreadableTemplate { .. } => crate::EXIT_USER,
        }
    }
}

/// What failed first in an operation that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FirstFailure {
    /// A resource (by its path inside nested stacks) failed.
    Resource {
        path: String,
        resource_type: String,
        reason: Option<String>,
    },
    /// No resource failed; the stack's own status reason.
    Stack { reason: Option<String> },
}

impl std::fmt::Display for FirstFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FirstFailure::Resource {
                path,
                resource_type,
                reason,
            } => write!(f, "{path} ({resource_type}) failed: {}", given(reason)),
            FirstFailure::Stack { reason } => f.write_str(given(reason)),
        }
    }
}

/// An operation CloudFormation ran (or was asked to run) that did not end
/// well; each variant says what to do next.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// CloudFormation refused to make the change set.
    #[error("CloudFormation refused the change set for stack `{stack}`: {}", given(.reason))]
    ChangeSetFailed {
        stack: String,
        reason: Option<String>,
    },
    /// No change set could be made (a dependency is not deployed, ...).
    #[error("no change set could be made for stack `{stack}`: {}", .notes.join("; "))]
    NoChangeSet { stack: String, notes: Vec<String> },
    /// The change set was executed but CloudFormation never started it.
    #[error("CloudFormation has not started executing the change set of `{stack}` after {waited_secs} s (the stack is still REVIEW_IN_PROGRESS); check it with `blueprint status`")]
    NotStarted { stack: String, waited_secs: u64 },
    /// The stack was deleted while it was being applied.
    #[error("stack `{stack}` disappeared while it was being applied")]
    Vanished { stack: String },
    /// The empty stack of a failed create could not be deleted.
    #[error("could not delete the failed stack `{stack}`; see `blueprint status`")]
    FailedStackNotDeleted { stack: String },
    /// `apply --hotswap` could not update a function; the functions
    /// already updated stay updated.
    #[error("hot-swapping function `{function}` failed: {reason}. Run `blueprint apply` without --hotswap to deploy through CloudFormation (it puts every function back to its template)")]
    HotswapFailed { function: String, reason: String },
    /// The operation failed (and was rolled back, or not): the first
    /// failure, the final state, and what to do next.
    #[error("applying stack `{stack}` failed: {first_failure}\n  final state: {status}\n  next: {}", next_step(.stack, .status))]
    Failed {
        stack: String,
        status: StackStatus,
        first_failure: FirstFailure,
    },
}

/// What to do after an operation ended in `status`.
fn next_step(stack: &str, status: &StackStatus) -> String {
    match status {
        StackStatus::RollbackComplete => {
            "the stack was never created; fix the cause and run `blueprint apply` again (it deletes the failed stack first, after asking)".to_string()
        }
        StackStatus::UpdateRollbackComplete => {
            "the update was rolled back and the stack is as it was; fix the cause and apply again".to_string()
        }
        StackStatus::UpdateRollbackFailed => format!(
            "the rollback failed too; fix the cause, then `aws cloudformation continue-update-rollback --stack-name {stack}`"
        ),
        _ => "inspect the stack with `blueprint status` before trying again".to_string(),
    }
}

impl ApplyError {
    /// The process exit code: the user's to resolve, never a plan outcome.
    pub fn exit_code(&self) -> i32 {
        match self {
            ApplyError::ChangeSetFailed { .. }
            | ApplyError::NoChangeSet { .. }
            | ApplyError::NotStarted { .. }
            | ApplyError::Vanished { .. }
            | ApplyError::FailedStackNotDeleted { .. }
            | ApplyError::HotswapFailed { .. }
            | ApplyError::Failed { .. } => crate::EXIT_USER,
        }
    }
}
