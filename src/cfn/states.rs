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
    pub comment: Option<String>,
    pub start_at: String,
    /// The whole execution's limit; past it the execution fails with `States.Timeout`.
    pub timeout_seconds: Option<u64>,
    pub states: IndexMap<String, State>,
}

/// The states of a `Parallel` branch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Branch {
    pub start_at: String,
    pub states: IndexMap<String, State>,
}

/// One state, tagged by its `Type`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "Type")]
pub enum State {
    Task(TaskState),
    Parallel(ParallelState),
    Choice(ChoiceState),
    Succeed(SucceedState),
    Fail(FailState),
}

/// A `Task`: calls a service integration (e.g. `arn:aws:states:::lambda:invoke`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskState {
    pub comment: Option<String>,
    pub resource: String,
    /// The request; keys ending in `.$` take JSONPath values from the input.
    pub parameters: Option<serde_json::Value>,
    pub result_selector: Option<serde_json::Value>,
    pub result_path: Option<String>,
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    pub next: Option<String>,
    pub end: Option<bool>,
}

/// A `Parallel` state: runs its branches at once; its output is the array of
/// their outputs.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ParallelState {
    pub comment: Option<String>,
    pub branches: Vec<Branch>,
    pub result_selector: Option<serde_json::Value>,
    pub result_path: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry: Vec<Retrier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub catch: Vec<Catcher>,
    pub next: Option<String>,
    pub end: Option<bool>,
}

/// A `Choice` state: the first matching rule's `Next`, else `Default`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceState {
    pub comment: Option<String>,
    pub choices: Vec<ChoiceRule>,
    pub default: Option<String>,
}

/// A choice rule: a comparison on `Variable`, or `And` of rules; top-level
/// rules carry `Next`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChoiceRule {
    pub variable: Option<String>,
    pub and: Option<Vec<ChoiceRule>>,
    pub is_present: Option<bool>,
    pub is_string: Option<bool>,
    pub is_numeric: Option<bool>,
    pub numeric_greater_than: Option<u64>,
    pub next: Option<String>,
}

/// A `Succeed` state: ends the execution (or branch) successfully.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SucceedState {
    pub comment: Option<String>,
}

/// A `Fail` state: ends the execution (or branch) with an error.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailState {
    pub comment: Option<String>,
    pub error: String,
    pub cause: String,
}

/// Retries a state on the listed errors.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
}

/// Moves to `Next` on the listed errors (after retries), with the error
/// placed at `ResultPath` in the input.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub result_path: Option<String>,
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
