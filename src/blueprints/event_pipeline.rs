//! `event-pipeline`: S3 → SNS → SQS → Lambda (EVENT-1 to EVENT-3).
//!
//! Objects uploaded under a prefix of a private bucket raise notifications
//! to an SNS topic that only this bucket (in this account) may publish to.
//! With `buffer: sqs` the topic fans out to a queue (redriven to a
//! dead-letter queue after N receives) that a function consumes in batches,
//! reporting partial batch failures; with `buffer: none` the topic invokes
//! the function directly and undeliverable messages go to a dead-letter queue
//! on the subscription. Failed asynchronous invocations are retried and then
//! kept in a failed-events queue. The function writes a JSON summary of each
//! object under a separate prefix (never one that triggers it).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Blueprint, Expansion, ProjectInfo, Requirement, StackTemplate};
use crate::assets::{CodeSource, Package};
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::lambda::{DestinationConfig, EventInvokeConfig, OnFailure, Permission};
use crate::cfn::resources::s3::{
    FilterRule, NotificationConfiguration, NotificationFilter, S3KeyFilter, TopicConfiguration,
};
use crate::cfn::resources::sns::{Subscription, TopicPolicy};
use crate::cfn::resources::sqs::{Queue, QueuePolicy};
use crate::cfn::shapes::SubscriptionRedrivePolicy;
use crate::cfn::{LogicalId, Pseudo, Template, Value};
use crate::components::assets::{assets_parameter, ASSETS_BUCKET};
use crate::components::bucket::PrivateBucket;
use crate::components::function::LambdaFunction;
use crate::components::queue::{
    allow_topic_to_send, subscribe_queue, BufferedQueue, QueueConsumer, QueueIds, CONSUME_ACTIONS,
    DLQ_RETENTION_S,
};
use crate::components::s3_events::{KeyFilter, S3Event};
use crate::components::topic::{EncryptedTopic, ServicePublisher};
use crate::components::with_stack_uuid;
use crate::config::lambda::LambdaOptions;
pub use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::{Architecture, Ranged, RetentionDays};
use crate::error::Error;

/// The `event-pipeline` blueprint (see the module's documentation).
pub struct EventPipeline;

impl Blueprint for EventPipeline {
    type Options = Options;

    const NAME: &'static str = "event-pipeline";
    const SUMMARY: &'static str =
        "Event pipeline: S3 notifications fan out through SNS, buffered in SQS (or not), processed by Lambda; failures kept";

    const REQUIREMENTS: &'static [Requirement] = &[
        Requirement { id: "EVENT-1", text: "S3 events fan out through SNS: bucket notifications to a topic whose policy allows only this bucket, in this account" },
        Requirement { id: "EVENT-2", text: "Buffering and reprocessing: `buffer: sqs` (SNS -> SQS -> Lambda, redrive to a dead-letter queue after N receives, partial batch failures) or `none` (SNS -> Lambda, dead-letter queue on the subscription)" },
        Requirement { id: "EVENT-3", text: "Failed events are kept: with `buffer: sqs`, a message the function failed max_receive_count times moves to the queue's dead-letter queue; with `buffer: none`, Lambda retries the asynchronous invocation, then sends it to an on-failure destination queue" },
    ];

    fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
        expand(project, o, code)
    }
}

/// The event-pipeline blueprint's options (`options:` in blueprint.yaml).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(try_from = "RawOptions")]
pub struct Options {
    /// EVENT-2: `sqs` or `none`.
    pub buffer: Buffer,
    pub events: Vec<S3Event>,
    /// Only objects under this prefix raise events.
    pub prefix: KeyFilter,
    pub suffix: Option<KeyFilter>,
    /// Where the function writes its summaries; must not raise events.
    pub results_prefix: KeyFilter,
    pub queue: QueueOptions,
    pub topic: TopicOptions,
    pub function: FunctionOptions,
    pub bucket: BucketOptions,
    pub log_retention_days: RetentionDays,
    /// FN-*: what every function of the blueprint shares (`options.lambda`).
    pub lambda: LambdaOptions,
    pub retain: RetainOptions,
    /// Keys, access logs and a web application firewall (`options.security`).
    pub security: crate::config::security::SecurityOptions,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
struct RawOptions {
    buffer: Buffer,
    events: Vec<S3Event>,
    prefix: KeyFilter,
    suffix: Option<KeyFilter>,
    results_prefix: KeyFilter,
    queue: QueueOptions,
    topic: TopicOptions,
    function: FunctionOptions,
    bucket: BucketOptions,
    log_retention_days: RetentionDays,
    lambda: LambdaOptions,
    retain: RetainOptions,
    security: crate::config::security::SecurityOptions,
}

impl Default for RawOptions {
    fn default() -> Self {
        let o = Options::default();
        RawOptions {
            buffer: o.buffer,
            events: o.events,
            prefix: o.prefix,
            suffix: o.suffix,
            results_prefix: o.results_prefix,
            queue: o.queue,
            topic: o.topic,
            function: o.function,
            bucket: o.bucket,
            log_retention_days: o.log_retention_days,
            lambda: o.lambda,
            retain: o.retain,
            security: o.security,
        }
    }
}

impl TryFrom<RawOptions> for Options {
    type Error = String;

    fn try_from(r: RawOptions) -> Result<Self, String> {
        if r.events.is_empty() {
            return Err("options.events: no event type is listed; name at least one, like `s3:ObjectCreated:*`".into());
        }
        let (p, q) = (r.prefix.as_str(), r.results_prefix.as_str());
        if p.starts_with(q) || q.starts_with(p) {
            // Name the one the user changed (the other kept its default).
            return Err(if q == Options::default().results_prefix.as_str() {
                format!(
                    "options.prefix: `{p}` and the results prefix `{q}` overlap: the function's own results would trigger it again, in a loop"
                )
            } else {
                format!(
                    "options.results_prefix: `{q}` and the prefix `{p}` overlap: the function's own results would trigger it again, in a loop"
                )
            });
        }
        if r.queue.batch_size.get() > 10 && r.queue.max_batching_window_seconds.get() == 0 {
            return Err(format!(
                "options.queue.batch_size: {} needs queue.max_batching_window_seconds of at least 1 (SQS batches over 10 messages need a batching window)",
                r.queue.batch_size
            ));
        }
        Ok(Options {
            buffer: r.buffer,
            events: r.events,
            prefix: r.prefix,
            suffix: r.suffix,
            results_prefix: r.results_prefix,
            queue: r.queue,
            topic: r.topic,
            function: r.function,
            bucket: r.bucket,
            log_retention_days: r.log_retention_days,
            lambda: r.lambda,
            retain: r.retain,
            security: r.security,
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            buffer: Buffer::Sqs,
            events: vec![S3Event::new("s3:ObjectCreated:*").unwrap_or_else(|_| unreachable!())],
            prefix: KeyFilter::new("incoming/").unwrap_or_else(|_| unreachable!()),
            suffix: None,
            results_prefix: KeyFilter::new("results/").unwrap_or_else(|_| unreachable!()),
            queue: QueueOptions::default(),
            topic: TopicOptions::default(),
            function: FunctionOptions::default(),
            bucket: BucketOptions::default(),
            log_retention_days: RetentionDays::default(),
            lambda: LambdaOptions::default(),
            retain: RetainOptions::default(),
            security: Default::default(),
        }
    }
}

/// EVENT-2: what sits between the topic and the function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Buffer {
    /// SNS → SQS → Lambda.
    #[default]
    Sqs,
    /// SNS → Lambda.
    None,
}

/// The processing function.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionOptions {
    pub memory_mb: Ranged<128, 10_240>,
    pub timeout_seconds: Ranged<1, 900>,
    pub architecture: Architecture,
    /// Objects larger than this are summarized without reading their content.
    pub max_read_mb: Ranged<1, 1_024>,
}

impl Default for FunctionOptions {
    fn default() -> Self {
        FunctionOptions {
            memory_mb: Ranged::of(256),
            timeout_seconds: Ranged::of(60),
            architecture: Architecture::Arm64,
            max_read_mb: Ranged::of(64),
        }
    }
}

/// EVENT-3 with `buffer: none`: Lambda's retries of an asynchronous
/// invocation and how long an event may wait (its defaults; the project's
/// `lambda.async` replaces them, FN-ASYNC).
const ASYNC_RETRY_ATTEMPTS: u32 = 2;
const ASYNC_MAX_EVENT_AGE_S: u32 = 21_600;

/// The uploads bucket.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BucketOptions {
    pub keep_old_versions_days: Ranged<1, 3_650>,
}

impl Default for BucketOptions {
    fn default() -> Self {
        BucketOptions {
            keep_old_versions_days: Ranged::of(30),
        }
    }
}

/// Which stateful resources survive their removal from the stack.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RetainOptions {
    pub bucket: bool,
}

impl Default for RetainOptions {
    fn default() -> Self {
        RetainOptions { bucket: true }
    }
}

/// The uploads bucket's name prefix (the stack's UUID follows).
const BUCKET_PREFIX: &str = "uploads";

/// Expands the blueprint into one stack.
pub fn expand(project: &ProjectInfo, o: &Options, code: &CodeSource) -> Result<Expansion, Error> {
    let mut t = Template::new(format!(
        "blueprint event-pipeline: S3 -> SNS -> {}Lambda (stack {})",
        if o.buffer == Buffer::Sqs {
            "SQS -> "
        } else {
            ""
        },
        project.stack_name
    ));
    let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
    let package = code.package_for("processor", o.function.architecture)?;
    let (topic, bucket) = add_topic_and_bucket(&mut t, o)?;
    let failed = add_failed_events(&mut t, o)?;
    let (queue, function) = add_processor(&mut t, o, &assets, &package, failed.as_ref())?;
    add_delivery(&mut t, o, queue.as_ref(), &topic, &function)?;
    if let Some(failed) = &failed {
        add_async_failures(&mut t, failed, &function)?;
    }
    t.output("BucketName", "Upload objects here", bucket.r#ref(), None)?;
    t.output("TopicArn", "The bucket's event topic", topic.r#ref(), None)?;
    if let Some(failed) = &failed {
        t.output(
            "FailedEventsQueueUrl",
            "Asynchronous invocations that failed every retry",
            failed.r#ref(),
            None,
        )?;
    }
    Ok(Expansion {
        project: project.clone(),
        stacks: vec![StackTemplate::single(project, t)],
        packages: vec![package],
    })
}

/// EVENT-1: the events topic and the uploads bucket publishing to it.
fn add_topic_and_bucket(t: &mut Template, o: &Options) -> Result<(LogicalId, LogicalId), Error> {
    let e1: &[&str] = &["EVENT-1"];
    // The bucket's name and ARN are known before it exists, so the topic
    // policy and the function's role can name it without a dependency cycle.
    let bucket_name = with_stack_uuid(format!("{BUCKET_PREFIX}-${{StackUuid}}"));
    let bucket_arn_text = format!("arn:${{AWS::Partition}}:s3:::{BUCKET_PREFIX}-${{StackUuid}}");
    let bucket_arn = with_stack_uuid(bucket_arn_text.clone());

    // EVENT-1: the topic, publishable by this bucket (in this account) only,
    // encrypted with a key of its own: S3 publishes in its own name, and the
    // AWS managed key of SNS admits only principals of the account.
    let topic = EncryptedTopic {
        id: "EventsTopic",
        display_name: Some("Bucket events"),
        service_publishers: vec![ServicePublisher {
            service: "s3.amazonaws.com",
            source_arn: bucket_arn.clone(),
        }],
        requirements: e1,
    }
    .add_to(t)?
    .topic;
    let topic_policy = t
        .add(
            "EventsTopicPolicy",
            TopicPolicy {
                policy_document: PolicyDocument::new(vec![Statement::allow(
                    &["sns:Publish"],
                    vec![topic.r#ref()],
                )
                .sid("FromThisBucketOnly")
                .principal(Principal::Service(vec!["s3.amazonaws.com".into()]))
                .condition("ArnEquals", "aws:SourceArn", vec![bucket_arn])
                .condition(
                    "StringEquals",
                    "aws:SourceAccount",
                    vec![Pseudo::AccountId.r#ref()],
                )]),
                topics: vec![topic.r#ref()].into(),
            },
        )?
        .satisfies(e1)
        .id()
        .clone();
    let mut rules = vec![FilterRule::new("prefix", o.prefix.as_str())];
    if let Some(s) = &o.suffix {
        rules.push(FilterRule::new("suffix", s.as_str()));
    }
    let filter = NotificationFilter {
        s3_key: S3KeyFilter::new(rules).into(),
    };
    let bucket = PrivateBucket {
        id: "UploadsBucket",
        noncurrent_version_days: Some(o.bucket.keep_old_versions_days.get_u32()),
        retain: o.retain.bucket,
        requirements: e1,
        bucket_name: Some(bucket_name.clone()),
        notifications: Some(NotificationConfiguration {
            topic_configurations: Some(
                o.events
                    .iter()
                    .map(|e| TopicConfiguration {
                        filter: Some(filter.clone().into()),
                        ..TopicConfiguration::new(e.as_str(), topic.r#ref())
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ..Default::default()
        }),
        depends_on: vec![topic_policy],
        ..Default::default()
    }
    .add_to(t)?;
    Ok((topic, bucket))
}

/// EVENT-3 with `buffer: none`: the failed-events queue.
fn add_failed_events(t: &mut Template, o: &Options) -> Result<Option<LogicalId>, Error> {
    let e3: &[&str] = &["EVENT-3"];
    // EVENT-3 with `buffer: none`: where failed asynchronous invocations
    // are kept (with `buffer: sqs`, the queue's dead-letter queue keeps
    // failed messages and nothing invokes the function asynchronously).
    let failed = if o.buffer == Buffer::None {
        let queue = Queue {
            message_retention_period: Some(DLQ_RETENTION_S.into()),
            sqs_managed_sse_enabled: Some(true.into()),
            ..Default::default()
        };
        Some(
            t.add("FailedEvents", queue)?
                .retain()
                .satisfies(e3)
                .id()
                .clone(),
        )
    } else {
        None
    };
    Ok(failed)
}

/// EVENT-2, EVENT-3: the processor function (and with `buffer: sqs` its
/// buffer queue).
fn add_processor(
    t: &mut Template,
    o: &Options,
    assets: &LogicalId,
    package: &Package,
    failed: Option<&LogicalId>,
) -> Result<(Option<QueueIds>, LogicalId), Error> {
    let e2: &[&str] = &["EVENT-2"];
    let bucket_name = with_stack_uuid(format!("{BUCKET_PREFIX}-${{StackUuid}}"));
    let bucket_arn_text = format!("arn:${{AWS::Partition}}:s3:::{BUCKET_PREFIX}-${{StackUuid}}");
    let objects = |prefix: &str| with_stack_uuid(format!("{bucket_arn_text}/{prefix}*"));
    let mut env: IndexMap<String, Value<String>> = IndexMap::new();
    env.insert("BUCKET_NAME".into(), bucket_name);
    env.insert("RESULTS_PREFIX".into(), o.results_prefix.as_str().into());
    env.insert(
        "MAX_READ_BYTES".into(),
        (o.function.max_read_mb.get() * 1024 * 1024)
            .to_string()
            .into(),
    );
    let mut statements = vec![
        Statement::allow(&["s3:GetObject"], vec![objects(o.prefix.as_str())]).sid("ReadUploads"),
        Statement::allow(
            &["s3:DeleteObject", "s3:PutObject"],
            vec![objects(o.results_prefix.as_str())],
        )
        .sid("WriteResults"),
    ];
    if let Some(failed) = failed {
        statements.push(
            Statement::allow(&["sqs:SendMessage"], vec![failed.get_att("Arn")])
                .sid("KeepFailedEvents"),
        );
    }
    let timeout = o.function.timeout_seconds.get_u32();
    let queue = if o.buffer == Buffer::Sqs {
        let ids = BufferedQueue {
            name: "EventsQueue",
            max_receive_count: o.queue.max_receive_count.get_u32(),
            visibility_timeout_s: (timeout * 6).clamp(30, 43_200),
            retention_s: o.queue.retention_days.get_u32() * 86_400,
            requirements: &["EVENT-2", "EVENT-3"],
        }
        .add_to(t)?;
        statements.push(
            Statement::allow(CONSUME_ACTIONS, vec![ids.queue.get_att("Arn")]).sid("ConsumeQueue"),
        );
        Some(ids)
    } else {
        None
    };
    let function = LambdaFunction {
        name: "Processor",
        description: "Summarizes each uploaded object into the results prefix",
        package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: o.function.memory_mb.get_u32(),
        timeout_s: timeout,
        architecture: o.function.architecture.as_str(),
        environment: env,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: if failed.is_some() {
            &["EVENT-2", "EVENT-3"]
        } else {
            e2
        },
    }
    .add_to(t)?
    .function;
    Ok((queue, function))
}

/// EVENT-2: SNS -> SQS -> Lambda, or SNS -> Lambda.
fn add_delivery(
    t: &mut Template,
    o: &Options,
    queue: Option<&QueueIds>,
    topic: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let e2: &[&str] = &["EVENT-2"];
    // EVENT-2: SNS -> SQS -> Lambda, or SNS -> Lambda.
    match queue {
        Some(ids) => {
            allow_topic_to_send(t, "EventsQueuePolicy", &ids.queue, topic, e2)?;
            subscribe_queue(
                t,
                "EventsSubscription",
                topic,
                &ids.queue,
                o.topic.raw_message_delivery,
                e2,
            )?;
            QueueConsumer {
                id: "EventsQueueMapping",
                queue: &ids.queue,
                function,
                batch_size: o.queue.batch_size.get_u32(),
                batching_window_s: o.queue.max_batching_window_seconds.get_u32(),
                requirements: e2,
            }
            .add_to(t)?;
            t.output("QueueUrl", "The buffer queue", ids.queue.r#ref(), None)?;
            t.output(
                "DeadLetterQueueUrl",
                "Events that failed max_receive_count times",
                ids.dead_letter.r#ref(),
                None,
            )?;
        }
        None => {
            let dlq = t
                .add(
                    "SubscriptionDeadLetter",
                    Queue {
                        message_retention_period: Some(DLQ_RETENTION_S.into()),
                        sqs_managed_sse_enabled: Some(true.into()),
                        ..Default::default()
                    },
                )?
                .retain()
                .satisfies(e2)
                .id()
                .clone();
            t.add(
                "SubscriptionDeadLetterPolicy",
                QueuePolicy {
                    policy_document: PolicyDocument::new(vec![Statement::allow(
                        &["sqs:SendMessage"],
                        vec![dlq.get_att("Arn")],
                    )
                    .sid("FromOwnTopicOnly")
                    .principal(Principal::Service(vec!["sns.amazonaws.com".into()]))
                    .condition(
                        "ArnEquals",
                        "aws:SourceArn",
                        vec![topic.r#ref()],
                    )]),
                    queues: vec![dlq.r#ref()].into(),
                },
            )?
            .satisfies(e2);
            let permission = t
                .add(
                    "ProcessorTopicPermission",
                    Permission {
                        source_account: None,
                        source_arn: Some(topic.r#ref()),
                        ..Permission::new(
                            "lambda:InvokeFunction",
                            function.get_att("Arn"),
                            "sns.amazonaws.com",
                        )
                    },
                )?
                .satisfies(e2)
                .id()
                .clone();
            t.add(
                "EventsSubscription",
                Subscription {
                    endpoint: Some(function.get_att("Arn")),
                    redrive_policy: Some(SubscriptionRedrivePolicy {
                        dead_letter_target_arn: dlq.get_att("Arn"),
                    }),
                    ..Subscription::new("lambda", topic.r#ref())
                },
            )?
            .depends_on(&permission)
            .satisfies(e2);
            t.output(
                "DeadLetterQueueUrl",
                "Messages SNS could not deliver to the function",
                dlq.r#ref(),
                None,
            )?;
        }
    }
    Ok(())
}

/// EVENT-3 with `buffer: none`: retries of asynchronous invocations, then
/// the failed-events queue.
fn add_async_failures(
    t: &mut Template,
    failed: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let e3: &[&str] = &["EVENT-3"];
    t.add(
        "ProcessorAsyncConfig",
        EventInvokeConfig {
            destination_config: Some(
                DestinationConfig {
                    on_failure: Some(
                        OnFailure {
                            destination: failed.get_att("Arn"),
                        }
                        .into(),
                    ),
                    on_success: None,
                }
                .into(),
            ),
            function_name: function.r#ref(),
            maximum_event_age_in_seconds: Some(ASYNC_MAX_EVENT_AGE_S.into()),
            maximum_retry_attempts: Some(ASYNC_RETRY_ATTEMPTS.into()),
            qualifier: "$LATEST".into(),
        },
    )?
    .satisfies(e3);
    Ok(())
}

impl super::SharedOptions for Options {
    fn lambda(&self) -> Option<&LambdaOptions> {
        Some(&self.lambda)
    }

    fn security(&self) -> &crate::config::security::SecurityOptions {
        &self.security
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawOptions {
        RawOptions::default()
    }

    #[test]
    fn overlapping_prefixes_would_loop() {
        let mut r = raw();
        r.results_prefix = KeyFilter::new("incoming/results/").unwrap();
        assert!(Options::try_from(r).unwrap_err().contains("in a loop"));
        let mut r = raw();
        r.prefix = KeyFilter::new("res").unwrap();
        assert!(Options::try_from(r).unwrap_err().contains("overlap"));
        assert!(Options::try_from(raw()).is_ok());
    }

    #[test]
    fn big_batches_need_a_window() {
        let mut r = raw();
        r.queue.batch_size = Ranged::of(100);
        assert!(Options::try_from(r)
            .unwrap_err()
            .contains("batching window"));
    }
}
