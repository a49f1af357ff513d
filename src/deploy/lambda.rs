//! The small interfaces the inner loop (`apply --hotswap`, `invoke`, `logs`)
//! needs from Lambda and CloudWatch Logs, beside [`super::cloudformation`];
//! `sdk.rs` implements them with the AWS SDK, `fake_lambda.rs` in memory.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::DeployError;

/// A deployed function, as `GetFunction` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FunctionState {
    pub name: String,
    pub arn: String,
    /// The SHA-256 of the deployment package (base64), as Lambda reports it.
    pub code_sha256: String,
    /// `Pending`, `Active`, `Inactive`, `Failed`.
    pub state: Option<String>,
    /// `InProgress`, `Successful`, `Failed`.
    pub last_update_status: Option<String>,
    pub last_update_reason: Option<String>,
    pub environment: BTreeMap<String, String>,
    /// The function's log group (its logging configuration, else
    /// `/aws/lambda/NAME`).
    pub log_group: String,
}

/// The result of one synchronous invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Invocation {
    pub status_code: i32,
    /// `Unhandled` (or `Handled`) when the function failed.
    pub function_error: Option<String>,
    /// What the function returned (JSON text, as Lambda sends it).
    pub payload: String,
    /// The last 4 KB of the invocation's log, decoded.
    pub log_tail: Option<String>,
    pub executed_version: Option<String>,
}

/// Lambda, as far as blueprint uses it.
#[allow(async_fn_in_trait)]
pub trait Functions {
    /// The function, or `None` when there is none by that name.
    async fn get_function(&self, name: &str) -> Result<Option<FunctionState>, DeployError>;
    /// The function as the version or alias `qualifier` has it (an
    /// alias: the version it points at), or `None` when there is none.
    async fn get_qualified(
        &self,
        name: &str,
        qualifier: &str,
    ) -> Result<Option<FunctionState>, DeployError>;
    /// Points the function at a new package in S3.
    async fn update_code(&self, name: &str, bucket: &str, key: &str) -> Result<(), DeployError>;
    /// Replaces the function's environment variables.
    async fn update_environment(
        &self,
        name: &str,
        variables: &BTreeMap<String, String>,
    ) -> Result<(), DeployError>;
    /// Publishes the function's current code and configuration; returns
    /// the new version number.
    async fn publish_version(&self, name: &str, description: &str) -> Result<String, DeployError>;
    /// Points an alias of the function at `version`.
    async fn update_alias(&self, name: &str, alias: &str, version: &str)
        -> Result<(), DeployError>;
    /// Invokes the function (or `name:alias`) synchronously with `payload`.
    async fn invoke(&self, name: &str, payload: &[u8]) -> Result<Invocation, DeployError>;
}

/// One log event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
    pub event_id: String,
}

/// One page of `FilterLogEvents`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

/// One event of a live tail session, with the log group it came from (as
/// the session names it: its ARN or name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailEvent {
    pub group: String,
    pub event: LogEvent,
}

/// A running CloudWatch Logs live tail session (StartLiveTail's event stream).
#[allow(async_fn_in_trait)]
pub trait LiveTail {
    /// The events of the next session update (possibly none); `None` when
    /// the session has ended (on AWS after three hours).
    async fn next_update(&mut self) -> Result<Option<Vec<TailEvent>>, DeployError>;
}

/// CloudWatch Logs, as far as blueprint uses it.
#[allow(async_fn_in_trait)]
pub trait Logs {
    /// A live tail session of this client.
    type Tail: LiveTail;
    /// Starts a live tail session over `group_arns` (1 to 10 log group
    /// ARNs), keeping the events that match `pattern`. `None` when the
    /// endpoint does not implement live tail (a local emulator): the caller
    /// polls [`Logs::filter_events`] instead.
    async fn start_live_tail(
        &self,
        group_arns: &[String],
        pattern: Option<&str>,
    ) -> Result<Option<Self::Tail>, DeployError>;
    /// Events of `group` from `start_ms` on (oldest first), matching
    /// `pattern` (CloudWatch Logs filter syntax) when given. `None` when the
    /// group does not exist (a function never invoked has none yet).
    async fn filter_events(
        &self,
        group: &str,
        start_ms: i64,
        pattern: Option<&str>,
        token: Option<&str>,
    ) -> Result<Option<LogPage>, DeployError>;
}

/// A function of the deployed stack tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeployedFunction {
    /// Its logical ID, under the nested stacks' (`ApiFunction`,
    /// `OrdersService/Function`).
    pub path: String,
    /// Its name in Lambda.
    pub name: String,
}

/// Every function of `root` and its nested stacks, parents first.
pub async fn deployed_functions<C: super::cloudformation::CloudFormation>(
    cf: &C,
    root: &str,
) -> Result<Vec<DeployedFunction>, crate::error::Error> {
    use super::nested::{deployed_tree, join};
    use crate::cfn::{resources::lambda, ResourceProperties};
    const FUNCTION: &str = lambda::Function::TYPE;
    let of = |prefix: &str, resources: &[super::types::StackResource]| {
        resources
            .iter()
            .filter(|r| r.resource_type == FUNCTION && r.status != "DELETE_COMPLETE")
            .filter_map(|r| {
                Some(DeployedFunction {
                    path: join(prefix, &r.logical_id),
                    name: r.physical_id.clone().filter(|p| !p.is_empty())?,
                })
            })
            .collect::<Vec<_>>()
    };
    let resources = cf.stack_resources(root).await.map_err(super::plan::dx)?;
    let mut out = of("", &resources);
    for n in deployed_tree(cf, root, false).await? {
        out.extend(of(&n.path, &n.resources));
    }
    Ok(out)
}
