//! FLOW: a Step Functions state machine that runs a blueprint's functions as
//! one workflow, with its role, its log group and helpers for the states.
//!
//! The definition is a typed Amazon States Language document
//! ([`Definition`]); each function's ARN reaches it through a
//! `DefinitionSubstitutions` entry (`${ThumbnailsFunctionArn}`), so the
//! document itself holds no intrinsic functions. The role may invoke exactly
//! the flow's functions (and their versions and aliases, `<arn>:*`), deliver
//! execution logs, and, with tracing on, write to X-Ray; nothing else.

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::logs::LogGroup;
use crate::cfn::resources::stepfunctions::{
    CloudWatchLogsLogGroup, Level, LogDestination, LoggingConfiguration, StateMachine,
    StateMachineType, TracingConfiguration,
};
use crate::cfn::states::{
    Branch, Catcher, ChoiceRule, ChoiceState, Definition, FailState, ParallelState, Retrier, State,
    SucceedState, TaskState,
};
use crate::cfn::{DeletionPolicy, LogicalId, Template, Value};
use crate::components::cdn::stack_uuid;
use crate::config::flow::{FlowOptions, FlowType};
use crate::error::Error;

/// The Lambda service integration every task uses.
pub const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// The errors a task retries: Lambda's own transient errors, throttling, the
/// task's timeout, and errors the function raised.
pub const RETRIED_ERRORS: &[&str] = &[
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "States.Timeout",
    "States.TaskFailed",
];

/// What the role may do to deliver execution logs. CloudWatch Logs' log
/// delivery actions have no resource-level permissions, so these are the
/// only statement of the role with `Resource: "*"` (besides X-Ray's, when
/// tracing is on).
pub const LOG_DELIVERY_ACTIONS: &[&str] = &[
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
];

/// What the role may do to send traces (no resource-level permissions either).
pub const XRAY_ACTIONS: &[&str] = &[
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// A function a flow invokes: the substitution variable its ARN goes by in
/// the definition, and the function.
pub struct FlowFunction<'a> {
    /// e.g. `ThumbnailsFunctionArn`, used as `${ThumbnailsFunctionArn}`.
    pub variable: &'a str,
    /// The function.
    pub function: &'a LogicalId,
}

/// How to build a flow.
pub struct Flow<'a> {
    /// Logical ID of the state machine; `<name>Role`, `<name>LogGroup`.
    pub name: &'a str,
    /// `options.flow`.
    pub options: &'a FlowOptions,
    /// The definition, made with [`lambda_task`] and friends.
    pub definition: Definition,
    /// Every function the definition invokes (and no other).
    pub functions: Vec<FlowFunction<'a>>,
    /// Days its logs are kept.
    pub log_retention_days: u32,
    /// Requirement IDs besides `FLOW`.
    pub requirements: &'a [&'a str],
}

/// The logical IDs of a flow's resources.
pub struct FlowIds {
    /// The state machine.
    pub state_machine: LogicalId,
    /// Its role.
    pub role: LogicalId,
    /// Its log group.
    pub log_group: LogicalId,
}

impl Flow<'_> {
    /// Adds the log group, the role and the state machine.
    pub fn add_to(self, t: &mut Template) -> Result<FlowIds, Error> {
        let mut requirements = vec!["FLOW"];
        requirements.extend_from_slice(self.requirements);
        let mut vars = IndexMap::new();
        vars.insert("StackUuid".to_string(), stack_uuid());
        // Under /aws/vendedlogs/ the log delivery needs no growing resource
        // policy on CloudWatch Logs; the stack's UUID keeps a retained group
        // of an earlier stack from blocking a new one.
        let log_group_name: Value<String> = Intrinsic::SubWith(
            format!(
                "/aws/vendedlogs/states/${{AWS::StackName}}-{}-${{StackUuid}}",
                self.name
            ),
            vars,
        )
        .into();
        let log_group = t
            .add(
                &format!("{}LogGroup", self.name),
                LogGroup {
                    log_group_name: Some(log_group_name),
                    retention_in_days: Some(self.log_retention_days.into()),
                    ..Default::default()
                },
            )?
            .policies(DeletionPolicy::Retain)
            .satisfies(&requirements)
            .id()
            .clone();

        let mut function_arns = Vec::new();
        for f in &self.functions {
            function_arns.push(f.function.get_att("Arn"));
            function_arns.push(sub(format!("${{{}.Arn}}:*", f.function)).into());
        }
        let mut statements = vec![
            Statement::allow(&["lambda:InvokeFunction"], function_arns)
                .sid("InvokeOnlyTheFlowsFunctions"),
            Statement::allow(LOG_DELIVERY_ACTIONS, vec!["*".into()])
                .sid("DeliverExecutionLogsLogDeliveryHasNoResourceLevelPermissions"),
        ];
        if self.options.tracing {
            statements.push(
                Statement::allow(XRAY_ACTIONS, vec!["*".into()])
                    .sid("SendTracesXRayHasNoResourceLevelPermissions"),
            );
        }
        let trust = Statement::assume_by_service(&["states.amazonaws.com"]).condition(
            "StringEquals",
            "aws:SourceAccount",
            vec![sub("${AWS::AccountId}").into()],
        );
        let role = Role {
            policies: Some(
                vec![InlinePolicy {
                    policy_name: "least-privilege".into(),
                    policy_document: PolicyDocument::new(statements),
                }]
                .into(),
            ),
            ..Role::described(
                PolicyDocument::new(vec![trust]),
                &format!(
                    "Execution role of {}: invokes only its functions, delivers its logs",
                    self.name
                ),
            )
        };
        let role = t
            .add(&format!("{}Role", self.name), role)?
            .satisfies(&requirements)
            .id()
            .clone();

        let substitutions = self
            .functions
            .iter()
            .map(|f| (f.variable.to_string(), f.function.get_att("Arn")))
            .collect::<IndexMap<_, _>>();
        let express = self.options.r#type == FlowType::Express;
        let state_machine = StateMachine {
            definition: Some(self.definition),
            definition_substitutions: Some(substitutions.into()),
            logging_configuration: Some(logging(&log_group, express).into()),
            state_machine_type: Some(
                if express {
                    StateMachineType::Express
                } else {
                    StateMachineType::Standard
                }
                .into(),
            ),
            tracing_configuration: self.options.tracing.then(|| {
                TracingConfiguration {
                    enabled: Some(true.into()),
                }
                .into()
            }),
            ..StateMachine::new(role.get_att("Arn"))
        };
        let state_machine = t
            .add(self.name, state_machine)?
            .satisfies(&requirements)
            .id()
            .clone();
        Ok(FlowIds {
            state_machine,
            role,
            log_group,
        })
    }
}

/// `${variable}`: a definition substitution.
pub fn substitution(variable: &str) -> String {
    format!("${{{variable}}}")
}

/// The retry policy of every task, from the options.
pub fn retriers(o: &FlowOptions) -> Vec<Retrier> {
    vec![Retrier {
        error_equals: RETRIED_ERRORS.iter().map(|e| (*e).to_string()).collect(),
        interval_seconds: o.retry.interval_seconds.get(),
        max_attempts: o.retry.max_attempts.get(),
        backoff_rate: o.retry.backoff_rate.get(),
    }]
}

/// Catches every error (after retries) into `$.error` and moves to `next`.
pub fn catch_all(next: &str) -> Vec<Catcher> {
    vec![Catcher {
        error_equals: vec!["States.ALL".into()],
        result_path: Some("$.error".into()),
        next: next.into(),
    }]
}

/// A task that invokes the function `${variable}` with `payload` and ends its
/// branch with `{result_key: <the function's result>}`; retried per the
/// options, limited to the task timeout, caught into `on_error`.
pub fn lambda_task(
    o: &FlowOptions,
    comment: &str,
    variable: &str,
    payload: Json,
    result_key: &str,
    on_error: &str,
) -> State {
    let mut parameters = serde_json::Map::new();
    parameters.insert("FunctionName".into(), Json::String(substitution(variable)));
    parameters.insert("Payload".into(), payload);
    let mut selector = serde_json::Map::new();
    selector.insert(format!("{result_key}.$"), Json::String("$.Payload".into()));
    State::Task(TaskState {
        comment: Some(comment.into()),
        resource: LAMBDA_INVOKE.into(),
        parameters: Some(Json::Object(parameters)),
        result_selector: Some(Json::Object(selector)),
        result_path: None,
        timeout_seconds: Some(o.task_timeout_seconds.get()),
        retry: retriers(o),
        catch: catch_all(on_error),
        next: None,
        end: Some(true),
    })
}

/// A `Fail` state.
pub fn fail(error: &str, cause: &str) -> State {
    State::Fail(FailState {
        comment: None,
        error: error.into(),
        cause: cause.into(),
    })
}

/// Allows `states:StartExecution` on this state machine only (its `Ref` is
/// its ARN).
pub fn start_execution_statement(state_machine: &LogicalId, sid: &str) -> Statement {
    Statement::allow(&["states:StartExecution"], vec![state_machine.r#ref()]).sid(sid)
}

/// A choice rule: `variable` is present and `test` holds of it (`test` is a
/// rule without its variable, e.g. `numeric_greater_than`).
pub fn present_and(variable: &str, test: ChoiceRule) -> ChoiceRule {
    ChoiceRule {
        and: Some(vec![
            ChoiceRule {
                variable: Some(variable.into()),
                is_present: Some(true),
                ..Default::default()
            },
            ChoiceRule {
                variable: Some(variable.into()),
                ..test
            },
        ]),
        ..Default::default()
    }
}

/// One function of a [`GuardedParallel`] flow.
pub struct ParallelTask<'a> {
    /// The task state's name (`MakeThumbnail`).
    pub state: &'a str,
    /// What it invokes, for comments and the failure cause (`The thumbnail function`).
    pub description: &'a str,
    /// The definition substitution holding the function's ARN.
    pub variable: &'a str,
    /// The task's input.
    pub input: Json,
    /// The key of its result in the flow's output.
    pub result: &'a str,
    /// The `Fail` state its branch ends in on an error (`ThumbnailFailed`).
    pub failed: &'a str,
}

/// The shape of the blueprints' flows: a Choice state guards the input (its
/// rules lead to `parallel` or to `other`), then the functions run in
/// parallel, each task retried and caught into a `Fail` state of its branch;
/// the results are gathered by their `result` keys, then `Done`; a failed
/// branch ends the execution in `Failed` with `failed_error`.
pub struct GuardedParallel<'a> {
    /// The state machine's description.
    pub comment: &'a str,
    /// The first state: its name and the choice that guards the work.
    pub guard: (&'a str, ChoiceState),
    /// The state the guard goes to otherwise: its name and state.
    pub other: (&'a str, State),
    /// The parallel state's name.
    pub parallel: &'a str,
    /// Its description.
    pub parallel_comment: &'a str,
    /// The tasks it runs.
    pub tasks: Vec<ParallelTask<'a>>,
    /// The error name of the failure state.
    pub failed_error: &'a str,
}

impl GuardedParallel<'_> {
    /// The definition, with the task options of `o`.
    pub fn definition(self, o: &FlowOptions) -> Definition {
        let mut selector = serde_json::Map::new();
        let branches = self
            .tasks
            .into_iter()
            .enumerate()
            .map(|(i, task)| {
                selector.insert(
                    format!("{}.$", task.result),
                    Json::String(format!("$[{i}].{}", task.result)),
                );
                let state = lambda_task(
                    o,
                    task.description,
                    task.variable,
                    task.input,
                    task.result,
                    task.failed,
                );
                let cause = format!("{} failed after its retries", task.description);
                Branch {
                    start_at: task.state.into(),
                    states: IndexMap::from([
                        (task.state.to_string(), state),
                        (task.failed.to_string(), fail(task.failed, &cause)),
                    ]),
                }
            })
            .collect();
        Definition {
            comment: Some(self.comment.into()),
            start_at: self.guard.0.into(),
            timeout_seconds: Some(o.timeout_seconds.get()),
            states: IndexMap::from([
                (self.guard.0.to_string(), State::Choice(self.guard.1)),
                (self.other.0.to_string(), self.other.1),
                (
                    self.parallel.to_string(),
                    State::Parallel(ParallelState {
                        comment: Some(self.parallel_comment.into()),
                        branches,
                        result_selector: Some(Json::Object(selector)),
                        result_path: None,
                        retry: Vec::new(),
                        catch: catch_all("Failed"),
                        next: Some("Done".into()),
                        end: None,
                    }),
                ),
                ("Done".to_string(), State::Succeed(SucceedState::default())),
                (
                    "Failed".to_string(),
                    fail(
                        self.failed_error,
                        "A step failed; the execution's history and log group have the error",
                    ),
                ),
            ]),
        }
    }
}

/// Execution logs into `log_group`: events only for standard workflows,
/// everything for express ones (they keep no history but their logs).
fn logging(log_group: &LogicalId, express: bool) -> LoggingConfiguration {
    LoggingConfiguration {
        destinations: Some(
            vec![LogDestination {
                cloud_watch_logs_log_group: Some(
                    CloudWatchLogsLogGroup {
                        log_group_arn: Some(log_group.get_att("Arn")),
                    }
                    .into(),
                ),
            }]
            .into(),
        ),
        // Inputs hold user data (names, keys): logged as events only.
        include_execution_data: Some(false.into()),
        level: Some(if express { Level::All } else { Level::Error }.into()),
    }
}
