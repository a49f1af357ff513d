//! What invokes a function and where its failures go: a service's permission
//! to invoke it (S3, SNS), a DynamoDB stream mapping with an event filter,
//! an SNS subscription, asynchronous retry settings, and an encrypted
//! queue that keeps what could not be processed.
//!
//! The function itself (role, log group) is [`super::function::LambdaFunction`];
//! the statements a trigger needs in that role come from the helpers here
//! (e.g. [`stream_read_statement`]) and are passed in its `statements`.

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::resources::lambda::{
    DestinationConfig, EventInvokeConfig, EventSourceMapping, EventSourceMappingDestinationConfig,
    EventSourceMappingOnFailure, Filter, FilterCriteria, FunctionResponseTypes, OnFailure,
    Permission,
};
use crate::cfn::resources::sns::Subscription;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::{LogicalId, Pseudo, Template, Value};
use crate::error::Error;

/// Lets `principal` (e.g. `s3.amazonaws.com`) invoke `function`, only from
/// `source_arn` and, with `same_account`, only from this account.
pub fn allow_invoke(
    t: &mut Template,
    id: &str,
    function: &LogicalId,
    principal: &str,
    source_arn: Value<String>,
    same_account: bool,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Permission {
            source_account: same_account.then(|| Pseudo::AccountId.r#ref()),
            source_arn: Some(source_arn),
            ..Permission::new("lambda:InvokeFunction", function.get_att("Arn"), principal)
        },
    )?
    .satisfies(requirements)
    .id()
    .clone())
}

/// The statements a function's role needs to read the stream of `table`
/// (a table or global table in this template).
pub fn stream_read_statement(table: &LogicalId) -> Vec<Statement> {
    vec![
        Statement::allow(
            &[
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
            ],
            vec![table.get_att("StreamArn")],
        )
        .sid("ReadTableStream"),
        Statement::allow(
            &["dynamodb:ListStreams"],
            vec![sub(format!("${{{table}.Arn}}/stream/*")).into()],
        )
        .sid("ListTableStreams"),
    ]
}

/// The statement that lets a function (or its event source mapping) send
/// failed events to `queue`.
pub fn send_to_queue_statement(queue: &LogicalId, sid: &str) -> Statement {
    Statement::allow(&["sqs:SendMessage"], vec![queue.get_att("Arn")]).sid(sid)
}

/// A DynamoDB stream feeding a function.
pub struct StreamTrigger<'a> {
    /// Logical ID of the mapping.
    pub id: &'a str,
    /// The function.
    pub function: &'a LogicalId,
    /// The table (or global table) whose stream is read.
    pub table: &'a LogicalId,
    /// Only these `eventName`s reach the function (`INSERT`, `MODIFY`,
    /// `REMOVE`); empty for all.
    pub event_names: &'a [&'a str],
    /// Records per invocation.
    pub batch_size: u32,
    /// Retries of a failing batch before it goes to `on_failure`.
    pub max_retries: i32,
    /// A queue for the records of batches that kept failing.
    pub on_failure: Option<&'a LogicalId>,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

impl StreamTrigger<'_> {
    /// Adds the event source mapping; returns its ID.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let filter_criteria = (!self.event_names.is_empty()).then(|| {
            let pattern = serde_json::json!({ "eventName": self.event_names }).to_string();
            FilterCriteria {
                filters: Some(
                    vec![Filter {
                        pattern: Some(pattern.into()),
                    }]
                    .into(),
                ),
            }
            .into()
        });
        Ok(t.add(
            self.id,
            EventSourceMapping {
                batch_size: Some(self.batch_size.into()),
                bisect_batch_on_function_error: Some(true.into()),
                destination_config: self.on_failure.map(|q| on_failure_destination(q).into()),
                enabled: Some(true.into()),
                event_source_arn: Some(self.table.get_att("StreamArn")),
                filter_criteria,
                function_response_types: Some(
                    vec![FunctionResponseTypes::ReportBatchItemFailures.into()].into(),
                ),
                maximum_batching_window_in_seconds: None,
                maximum_retry_attempts: Some(self.max_retries.into()),
                starting_position: Some("LATEST".into()),
                ..EventSourceMapping::new(self.function.r#ref())
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}

/// Subscribes `function` to `topic` and lets the topic invoke it. Returns
/// the subscription's ID.
pub fn subscribe_to_topic(
    t: &mut Template,
    id: &str,
    topic: &LogicalId,
    function: &LogicalId,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    allow_invoke(
        t,
        &format!("{id}Permission"),
        function,
        "sns.amazonaws.com",
        topic.r#ref(),
        false,
        requirements,
    )?;
    Ok(t.add(
        id,
        Subscription {
            endpoint: Some(function.get_att("Arn")),
            ..Subscription::new("lambda", topic.r#ref())
        },
    )?
    .satisfies(requirements)
    .id()
    .clone())
}

/// Retries of asynchronous invocations (S3, SNS) and where events that still
/// fail go.
pub struct AsyncFailures<'a> {
    /// The logical ID.
    pub id: &'a str,
    /// The function.
    pub function: &'a LogicalId,
    /// 0 to 2.
    pub max_retries: u32,
    /// 60 to 21600 seconds.
    pub max_event_age_s: u32,
    /// Where failed events go.
    pub on_failure: &'a LogicalId,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

impl AsyncFailures<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(&self, t: &mut Template) -> Result<LogicalId, Error> {
        Ok(t.add(
            self.id,
            EventInvokeConfig {
                destination_config: Some(
                    DestinationConfig {
                        on_failure: Some(
                            OnFailure {
                                destination: self.on_failure.get_att("Arn"),
                            }
                            .into(),
                        ),
                        on_success: None,
                    }
                    .into(),
                ),
                function_name: self.function.r#ref(),
                maximum_event_age_in_seconds: Some(self.max_event_age_s.into()),
                maximum_retry_attempts: Some(self.max_retries.into()),
                qualifier: "$LATEST".into(),
            },
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}

/// An encrypted queue (SQS-managed keys) holding messages for 14 days, for
/// events a function could not process. Retained: failed events are data.
pub fn add_failure_queue(
    t: &mut Template,
    id: &str,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Queue {
            message_retention_period: Some((14 * 24 * 3600).into()),
            sqs_managed_sse_enabled: Some(true.into()),
            ..Default::default()
        },
    )?
    .retain()
    .satisfies(requirements)
    .id()
    .clone())
}

/// Records a stream mapping failed on go to `queue`.
pub(crate) fn on_failure_destination(queue: &LogicalId) -> EventSourceMappingDestinationConfig {
    EventSourceMappingDestinationConfig {
        on_failure: Some(
            EventSourceMappingOnFailure {
                destination: Some(queue.get_att("Arn")),
            }
            .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_trigger_filters_on_event_names() {
        let mut t = Template::default();
        let f = LogicalId::new("Fn").unwrap();
        let table = LogicalId::new("Users").unwrap();
        let q = add_failure_queue(&mut t, "Dlq", &["X-1"]).unwrap();
        StreamTrigger {
            id: "Trigger",
            function: &f,
            table: &table,
            event_names: &["INSERT"],
            batch_size: 10,
            max_retries: 3,
            on_failure: Some(&q),
            requirements: &["X-1"],
        }
        .add_to(&mut t)
        .unwrap();
        let doc = t.to_json();
        let p = &doc["Resources"]["Trigger"]["Properties"];
        assert_eq!(
            p["FilterCriteria"]["Filters"][0]["Pattern"],
            r#"{"eventName":["INSERT"]}"#
        );
        assert_eq!(p["StartingPosition"], "LATEST");
        assert_eq!(
            p["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0],
            "Dlq"
        );
        let s = serde_json::to_value(stream_read_statement(&table)).unwrap();
        assert_eq!(s[0]["Resource"][0]["Fn::GetAtt"][1], "StreamArn");
        assert_eq!(s[1]["Resource"][0]["Fn::Sub"], "${Users.Arn}/stream/*");
    }
}
