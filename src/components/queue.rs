//! An encrypted SQS queue with a dead-letter queue, optionally fed by an SNS
//! topic, and the event source mapping that lets a function consume it.

use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::lambda::{EventSourceMapping, FunctionResponseTypes};
use crate::cfn::resources::sns::Subscription;
use crate::cfn::resources::sqs::{Queue, QueuePolicy};
use crate::cfn::shapes::QueueRedrivePolicy;
use crate::cfn::{DeletionPolicy, LogicalId, Template};
use crate::error::Error;

/// How long a dead-letter queue keeps messages: SQS's maximum, 14 days.
pub const DLQ_RETENTION_S: u32 = 14 * 24 * 3600;

/// The actions a function needs to consume a queue through an event source
/// mapping.
pub const CONSUME_ACTIONS: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];

/// How to build the queue pair.
pub struct BufferedQueue<'a> {
    /// Logical IDs: `<name>` and `<name>DeadLetter`.
    pub name: &'a str,
    /// Receives before a message moves to the dead-letter queue (1 to 1000).
    pub max_receive_count: u32,
    /// At least the consuming function's timeout (SQS hides a message this
    /// long while it is processed).
    pub visibility_timeout_s: u32,
    /// 60 to 1,209,600 seconds.
    pub retention_s: u32,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct QueueIds {
    /// The queue.
    pub queue: LogicalId,
    /// Its dead-letter queue.
    pub dead_letter: LogicalId,
}

impl BufferedQueue<'_> {
    /// Adds the queue and its dead-letter queue (both encrypted with SQS
    /// managed keys). The dead-letter queue is retained: its messages are
    /// events that still need handling; the queue itself is a buffer and is
    /// deleted with its stack (explicitly).
    pub fn add_to(&self, t: &mut Template) -> Result<QueueIds, Error> {
        let dead_letter = t
            .add(
                &format!("{}DeadLetter", self.name),
                Queue {
                    message_retention_period: Some(DLQ_RETENTION_S.into()),
                    sqs_managed_sse_enabled: Some(true.into()),
                    ..Default::default()
                },
            )?
            .retain()
            .satisfies(self.requirements)
            .id()
            .clone();
        let queue = t
            .add(
                self.name,
                Queue {
                    message_retention_period: Some(self.retention_s.into()),
                    redrive_policy: Some(QueueRedrivePolicy {
                        dead_letter_target_arn: dead_letter.get_att("Arn"),
                        max_receive_count: self.max_receive_count,
                    }),
                    sqs_managed_sse_enabled: Some(true.into()),
                    visibility_timeout: Some(self.visibility_timeout_s.into()),
                    ..Default::default()
                },
            )?
            .policies(DeletionPolicy::Delete)
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(QueueIds { queue, dead_letter })
    }
}

/// Lets `topic` (and only it) send to `queue`; `id` is the policy's ID.
pub fn allow_topic_to_send(
    t: &mut Template,
    id: &str,
    queue: &LogicalId,
    topic: &LogicalId,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        QueuePolicy {
            policy_document: PolicyDocument::new(vec![Statement::allow(
                &["sqs:SendMessage"],
                vec![queue.get_att("Arn")],
            )
            .sid("FromOwnTopicOnly")
            .principal(Principal::Service(vec!["sns.amazonaws.com".into()]))
            .condition("ArnEquals", "aws:SourceArn", vec![topic.r#ref()])]),
            queues: vec![queue.r#ref()].into(),
        },
    )?
    .satisfies(requirements)
    .id()
    .clone())
}

/// Subscribes `queue` to `topic` (raw delivery: the message body is what was
/// published). The queue's policy must let the topic send
/// ([`allow_topic_to_send`]).
pub fn subscribe_queue(
    t: &mut Template,
    id: &str,
    topic: &LogicalId,
    queue: &LogicalId,
    raw_message_delivery: bool,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Subscription {
            endpoint: Some(queue.get_att("Arn")),
            raw_message_delivery: Some(raw_message_delivery.into()),
            ..Subscription::new("sqs", topic.r#ref())
        },
    )?
    .satisfies(requirements)
    .id()
    .clone())
}

/// A function consuming `queue` in batches, reporting the messages that
/// failed (partial batch responses) so only those are retried.
pub struct QueueConsumer<'a> {
    /// The logical ID.
    pub id: &'a str,
    /// The queue.
    pub queue: &'a LogicalId,
    /// The function.
    pub function: &'a LogicalId,
    /// 1 to 10,000 (above 10 needs a batching window).
    pub batch_size: u32,
    /// 0 to 300 seconds.
    pub batching_window_s: u32,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

impl QueueConsumer<'_> {
    /// Adds the event source mapping.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        Ok(t.add(
            self.id,
            EventSourceMapping {
                batch_size: Some(self.batch_size.into()),
                bisect_batch_on_function_error: None,
                destination_config: None,
                enabled: Some(true.into()),
                event_source_arn: Some(self.queue.get_att("Arn")),
                filter_criteria: None,
                function_response_types: Some(
                    vec![FunctionResponseTypes::ReportBatchItemFailures.into()].into(),
                ),
                maximum_batching_window_in_seconds: (self.batching_window_s > 0)
                    .then_some(self.batching_window_s.into()),
                maximum_retry_attempts: None,
                starting_position: None,
                ..EventSourceMapping::new(self.function.r#ref())
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_redrives_to_its_dead_letter_queue() {
        let mut t = Template::default();
        let ids = BufferedQueue {
            name: "Events",
            max_receive_count: 5,
            visibility_timeout_s: 180,
            retention_s: 345_600,
            requirements: &["X-1"],
        }
        .add_to(&mut t)
        .unwrap();
        let doc = t.to_json();
        let q = &doc["Resources"]["Events"]["Properties"];
        assert_eq!(q["RedrivePolicy"]["maxReceiveCount"], 5);
        assert_eq!(
            q["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0],
            "EventsDeadLetter"
        );
        assert_eq!(q["SqsManagedSseEnabled"], true);
        assert_eq!(ids.dead_letter.as_str(), "EventsDeadLetter");
        assert_eq!(
            doc["Resources"]["EventsDeadLetter"]["DeletionPolicy"],
            "Retain"
        );
    }
}
