//! Amazon States Language (JSONPath), typed: the states the blueprints use.
//! The `Definition` of an `AWS::StepFunctions::StateMachine` (its resource
//! schema leaves it free JSON; scripts/gen-resource-types maps it here).

use super::walk::{walk, Visitor, VisitorMut, Walk};
use indexmap::IndexMap;
use serde::Serialize;

/// A state machine definition: its states and where execution starts.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Definition {
    /// A description of the state machine.
    pub comment: Option<String>,
    /// The state it starts at.
    pub start_at: String,
    /// The whole execution's limit; past it the execution fails with `States.Timeout`.
    pub timeout_seconds: Option<u64>,
    /// The states, by name.
    pub states: IndexMap<String, State>,
}

/// The states of a `Parallel` branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Branch {
    /// The state the branch starts at.
    pub start_at: String,
    /// The branch's states, by name.
    pub states: IndexMap<String, State>,
}

/// One state, tagged by its `Type`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "Type")]
pub enum State {
    /// Runs a task (a Lambda function, a service integration).
    Task(TaskState),
    /// Runs branches in parallel.
    Parallel(ParallelState),
    /// Chooses the next state by rules.
    Choice(ChoiceState),
    /// Ends the execution successfully.
    Succeed(SucceedState),
    /// Ends the execution with an error.
    Fail(FailState),
}

/// A `Task`: calls a service integration (e.g. `arn:aws:states:::lambda:invoke`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskState {
    /// A description of the state.
    pub comment: Option<String>,
    /// The ARN of what the task runs.
    pub resource: String,
    /// The request; keys ending in `.$` take JSONPath values from the input.
    pub parameters: Option<serde_json::Value>,
    /// Reshapes the task's result.
    pub result_selector: Option<serde_json::Value>,
    /// Where in the input the result goes.
    pub result_path: Option<String>,
    /// How long the task may run.
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Retries on errors.
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Where errors go once retries are exhausted.
    pub catch: Vec<Catcher>,
    /// The next state (or `end`).
    pub next: Option<String>,
    /// Whether the execution ends here.
    pub end: Option<bool>,
}

/// A `Parallel` state: runs its branches at once; its output is the array of
/// their outputs.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParallelState {
    /// A description of the state.
    pub comment: Option<String>,
    /// The branches, run at the same time.
    pub branches: Vec<Branch>,
    /// Reshapes the branches' results.
    pub result_selector: Option<serde_json::Value>,
    /// Where in the input the results go.
    pub result_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Retries on errors.
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Where errors go once retries are exhausted.
    pub catch: Vec<Catcher>,
    /// The next state (or `end`).
    pub next: Option<String>,
    /// Whether the execution ends here.
    pub end: Option<bool>,
}

/// A `Choice` state: the first matching rule's `Next`, else `Default`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceState {
    /// A description of the state.
    pub comment: Option<String>,
    /// The rules, tried in order.
    pub choices: Vec<ChoiceRule>,
    /// The state when no rule matches.
    pub default: Option<String>,
}

/// A choice rule: a comparison on `Variable`, or `And` of rules; top-level
/// rules carry `Next`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceRule {
    /// The input path the rule tests.
    pub variable: Option<String>,
    /// All of these rules match.
    pub and: Option<Vec<ChoiceRule>>,
    /// The path is present.
    pub is_present: Option<bool>,
    /// The value is a string.
    pub is_string: Option<bool>,
    /// The value is a number.
    pub is_numeric: Option<bool>,
    /// The value is greater than this.
    pub numeric_greater_than: Option<u64>,
    /// The state when the rule matches (top-level rules only).
    pub next: Option<String>,
}

/// A `Succeed` state: ends the execution (or branch) successfully.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SucceedState {
    /// A description of the state.
    pub comment: Option<String>,
}

/// A `Fail` state: ends the execution (or branch) with an error.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailState {
    /// A description of the state.
    pub comment: Option<String>,
    /// The error name.
    pub error: String,
    /// What went wrong.
    pub cause: String,
}

/// Retries a state on the listed errors.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    /// The errors retried (`States.ALL`, ...).
    pub error_equals: Vec<String>,
    /// Seconds before the first retry.
    pub interval_seconds: u64,
    /// Retries at most.
    pub max_attempts: u64,
    /// The factor each interval grows by.
    pub backoff_rate: f64,
}

/// Moves to `Next` on the listed errors (after retries), with the error
/// placed at `ResultPath` in the input.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    /// The errors caught.
    pub error_equals: Vec<String>,
    /// Where in the input the error goes.
    pub result_path: Option<String>,
    /// The state the error goes to.
    pub next: String,
}

// What holds intrinsics (task parameters are free JSON), for the walker.
walk!(Definition {
    comment,
    start_at,
    timeout_seconds,
    states
});
walk!(Branch { start_at, states });
walk!(TaskState {
    comment,
    resource,
    parameters,
    result_selector,
    result_path,
    timeout_seconds,
    retry,
    catch,
    next,
    end
});
walk!(ParallelState {
    comment,
    branches,
    result_selector,
    result_path,
    retry,
    catch,
    next,
    end
});
walk!(ChoiceState {
    comment,
    choices,
    default
});
walk!(ChoiceRule {
    variable,
    and,
    is_present,
    is_string,
    is_numeric,
    numeric_greater_than,
    next
});
walk!(SucceedState { comment });
walk!(FailState {
    comment,
    error,
    cause
});
walk!(Retrier {
    error_equals,
    interval_seconds,
    max_attempts,
    backoff_rate
});
walk!(Catcher {
    error_equals,
    result_path,
    next
});

impl Walk for State {
    fn walk(&self, v: &mut dyn Visitor) {
        match self {
            State::Task(s) => s.walk(v),
            State::Parallel(s) => s.walk(v),
            State::Choice(s) => s.walk(v),
            State::Succeed(s) => s.walk(v),
            State::Fail(s) => s.walk(v),
        }
    }
    fn walk_mut(&mut self, v: &mut dyn VisitorMut) {
        match self {
            State::Task(s) => s.walk_mut(v),
            State::Parallel(s) => s.walk_mut(v),
            State::Choice(s) => s.walk_mut(v),
            State::Succeed(s) => s.walk_mut(v),
            State::Fail(s) => s.walk_mut(v),
        }
    }
}
