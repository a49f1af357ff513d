//! `queue-worker`: an encrypted SQS queue (with a retained dead-letter
//! queue) and a Lambda function that consumes it in batches, with its own
//! least-privilege role and log group. Built from blueprint's components over
//! its typed CloudFormation model; the cross-cutting options (`lambda:`
//! tracing, concurrency, gradual deploys, ...; `security:`) apply to it as to
//! any built-in blueprint.

use blueprint::assets::CodeSource;
use blueprint::blueprints::{
    Blueprint, Expansion, ProjectInfo, Requirement, SharedOptions, StackTemplate,
};
use blueprint::cfn::policy::Statement;
use blueprint::cfn::Template;
use blueprint::components::assets::{assets_parameter, ASSETS_BUCKET};
use blueprint::components::function::LambdaFunction;
use blueprint::components::queue::{BufferedQueue, QueueConsumer, CONSUME_ACTIONS};
use blueprint::config::lambda::LambdaOptions;
use blueprint::config::security::SecurityOptions;
use blueprint::config::{Architecture, Ranged, RetentionDays};
use blueprint::error::Error;
use include_dir::{include_dir, Dir};
use schemars::JsonSchema;
use serde::Deserialize;

/// This blueprint's own files: `queue-worker/blueprint.yaml` (the documented
/// defaults) and `queue-worker/functions/worker/` (the handler).
static FILES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

/// The `queue-worker` blueprint.
pub struct QueueWorker;

impl Blueprint for QueueWorker {
    type Options = Options;

    const NAME: &'static str = "queue-worker";
    const SUMMARY: &'static str =
        "Queue worker: an SQS queue with a dead-letter queue, consumed in batches by a Lambda function";
    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement {
            id: "QW-1",
            text: "An encrypted SQS queue whose failed messages move to a retained dead-letter queue after max_receive_count receives",
        },
        Requirement {
            id: "QW-2",
            text: "A function consumes the queue in batches and reports its failed messages, with a role that may only consume this queue and write its own logs",
        },
    ];
    const FILES: Option<&'static Dir<'static>> = Some(&FILES);

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        let mut t = Template::new(format!(
            "blueprint queue-worker: SQS -> Lambda (stack {})",
            project.stack_name
        ));
        let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
        let package = code.package_for("worker", o.function.architecture)?;
        let timeout = o.function.timeout_seconds.get_u32();
        let queue = BufferedQueue {
            name: "Jobs",
            max_receive_count: o.queue.max_receive_count.get_u32(),
            // SQS hides a message while it is processed: six times the
            // function's timeout, as AWS recommends for event source mappings.
            visibility_timeout_s: (timeout * 6).clamp(30, 43_200),
            retention_s: o.queue.retention_days.get_u32() * 86_400,
            requirements: &["QW-1"],
        }
        .add_to(&mut t)?;
        let function = LambdaFunction {
            name: "Worker",
            description: "Processes the jobs queue in batches",
            package: &package,
            assets_bucket: &assets,
            handler: "handler.handler",
            memory_mb: o.function.memory_mb.get_u32(),
            timeout_s: timeout,
            architecture: o.function.architecture.as_str(),
            environment: Default::default(),
            statements: vec![
                Statement::allow(CONSUME_ACTIONS, vec![queue.queue.get_att("Arn")])
                    .sid("ConsumeJobs"),
            ],
            managed_policies: Vec::new(),
            log_retention_days: o.log_retention_days.get(),
            vpc: None,
            requirements: &["QW-2"],
        }
        .add_to(&mut t)?;
        QueueConsumer {
            id: "JobsMapping",
            queue: &queue.queue,
            function: &function.function,
            batch_size: o.queue.batch_size.get_u32(),
            batching_window_s: 0,
            requirements: &["QW-2"],
        }
        .add_to(&mut t)?;
        t.output("QueueUrl", "Send jobs here", queue.queue.r#ref(), None)?;
        t.output(
            "DeadLetterQueueUrl",
            "Jobs that failed max_receive_count times",
            queue.dead_letter.r#ref(),
            None,
        )?;
        Ok(Expansion {
            project: project.clone(),
            stacks: vec![StackTemplate::single(project, t)],
            packages: vec![package],
        })
    }
}

/// The blueprint's `options:` in blueprint.yaml. Its `Default` is what
/// blueprints/queue-worker/blueprint.yaml documents; unknown keys are
/// refused, at their file:line:col.
#[derive(Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// The jobs queue.
    pub queue: QueueOptions,
    /// The worker function.
    pub function: FunctionOptions,
    /// Days the function's logs are kept (a CloudWatch Logs retention).
    pub log_retention_days: RetentionDays,
    /// What every function shares (`options.lambda`, FN-*).
    pub lambda: LambdaOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: SecurityOptions,
}

/// The jobs queue.
#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct QueueOptions {
    /// Messages per invocation, 1 to 10.
    pub batch_size: Ranged<1, 10>,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: Ranged<1, 1_000>,
    /// How long an unprocessed message is kept, 1 to 14 days.
    pub retention_days: Ranged<1, 14>,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            batch_size: Ranged::of(10),
            max_receive_count: Ranged::of(5),
            retention_days: Ranged::of(4),
        }
    }
}

/// The worker function.
#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionOptions {
    /// 128 to 10,240 MB.
    pub memory_mb: Ranged<128, 10_240>,
    /// 1 to 900 seconds.
    pub timeout_seconds: Ranged<1, 900>,
    /// `arm64` or `x86_64`.
    pub architecture: Architecture,
}

impl Default for FunctionOptions {
    fn default() -> Self {
        FunctionOptions {
            memory_mb: Ranged::of(256),
            timeout_seconds: Ranged::of(30),
            architecture: Architecture::Arm64,
        }
    }
}

impl SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &SecurityOptions {
        &self.security
    }
}
