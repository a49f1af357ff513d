//! One service's nested stack: its function, table, inputs and routes.

use indexmap::IndexMap;

use super::alb::{alb_sign_in, creates_user_pool};
use super::inputs::{StartingPosition, StreamMode};
use super::options::{Authorization, Front, Options};
use super::routes::{add_alb_routes, add_http_routes, add_routes};
use super::services::Service;
use super::{P_API_URL, P_HTTP_API, P_LISTENER, P_REST_API, P_ROOT_RESOURCE, P_USER_POOL};
use crate::assets::Package;
use crate::blueprints::ProjectInfo;
use crate::cfn::policy::Statement;
use crate::cfn::resources::kinesis::{Stream, StreamEncryption, StreamModeDetails};
use crate::cfn::resources::lambda::{
    DestinationConfig, EventInvokeConfig, EventSourceMapping, OnFailure, Permission,
};
use crate::cfn::resources::s3::{
    FilterRule, LambdaConfiguration, NotificationConfiguration, NotificationFilter, S3KeyFilter,
};
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::{DeletionPolicy, LogicalId, Parameter, Pseudo, Template, Value};
use crate::components::arn;
use crate::components::assets::{assets_parameter, ASSETS_BUCKET};
use crate::components::bucket::PrivateBucket;
use crate::components::function::LambdaFunction;
use crate::components::queue::{
    allow_topic_to_send, subscribe_queue, BufferedQueue, QueueConsumer, CONSUME_ACTIONS,
};
use crate::components::table::Table;
use crate::components::with_stack_uuid;
use crate::error::Error;

pub(super) const TABLE_ACTIONS: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
];

pub(super) const STREAM_ACTIONS: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
];

/// The parameters (besides `AssetsBucket` and `ApiUrl`) a service's stack
/// takes: what its routes and its calls to the other services need.
pub(super) fn service_parameters(o: &Options, s: &Service) -> Vec<&'static str> {
    let routes = !s.routes.is_empty();
    match o.front {
        Front::ApiGateway if o.api.is_http() => {
            if routes || o.api.authorization == Authorization::Iam {
                vec![P_HTTP_API]
            } else {
                Vec::new()
            }
        }
        Front::ApiGateway => {
            let mut p = Vec::new();
            if routes || o.api.authorization == Authorization::Iam {
                p.push(P_REST_API);
            }
            if routes {
                p.push(P_ROOT_RESOURCE);
            }
            p
        }
        Front::Alb if routes && creates_user_pool(o) => {
            let mut p = vec![P_LISTENER];
            p.extend(P_USER_POOL);
            p
        }
        Front::Alb if routes => vec![P_LISTENER],
        Front::Alb => Vec::new(),
    }
}

/// One service's nested template.
pub(super) fn service_template(
    project: &ProjectInfo,
    o: &Options,
    s: &Service,
    index: usize,
    package: &Package,
) -> Result<Template, Error> {
    let mut t = Template::new(format!(
        "blueprint microservices: service `{}` under /{} (stack {})",
        s.name,
        s.base_path(),
        project.stack_name
    ));
    let assets = t.parameter(ASSETS_BUCKET, assets_parameter())?;
    let api_url = t.parameter(
        P_API_URL,
        Parameter::string("The API's base URL, for calling the other services"),
    )?;
    let declared = |t: &mut Template, name: &str, what: &str| -> Result<Option<LogicalId>, Error> {
        if service_parameters(o, s).contains(&name) {
            Ok(Some(t.parameter(name, Parameter::string(what))?))
        } else {
            Ok(None)
        }
    };
    let rest_api = declared(&mut t, P_REST_API, "The shared REST API")?;
    let http_api = declared(&mut t, P_HTTP_API, "The shared HTTP API")?;
    let root_resource = declared(&mut t, P_ROOT_RESOURCE, "The REST API's root resource")?;
    let listener = declared(&mut t, P_LISTENER, "The load balancer's HTTPS listener")?;

    let mut env: IndexMap<String, Value<String>> = IndexMap::new();
    env.insert("SERVICE_NAME".into(), s.name.as_str().into());
    env.insert("BASE_PATH".into(), format!("/{}", s.base_path()).into());
    env.insert("API_URL".into(), api_url.r#ref());
    let mut statements = Vec::new();
    let micro1: &[&str] = &["MICRO-1"];
    let micro3: &[&str] = &["MICRO-3"];

    if s.table {
        let table = Table {
            id: "Table",
            partition_key: "id",
            retain: o.retain.tables,
            requirements: micro1,
            ..Default::default()
        }
        .add_to(&mut t)?;
        env.insert("TABLE_NAME".into(), table.r#ref());
        statements
            .push(Statement::allow(TABLE_ACTIONS, vec![table.get_att("Arn")]).sid("OwnTable"));
        t.output("TableName", "The service's table", table.r#ref(), None)?;
    }
    if let (Some(api), Authorization::Iam) = (&http_api, o.api.authorization) {
        // Services call each other through the API, signed with their role.
        statements.push(
            Statement::allow(
                &["execute-api:Invoke"],
                vec![arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*"
                ))],
            )
            .sid("CallOtherServices"),
        );
    }
    if let (Some(rest_api), Authorization::Iam) = (&rest_api, o.api.authorization) {
        // Services call each other through the API, signed with their role.
        statements.push(
            Statement::allow(
                &["execute-api:Invoke"],
                vec![arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{rest_api}}}/{}/*",
                    o.api.stage_name.as_str()
                ))],
            )
            .sid("CallOtherServices"),
        );
    }

    // MICRO-3: asynchronous inputs.
    let timeout = s.timeout_seconds.get_u32();
    let queue = match s.queue() {
        Some(q) => {
            let ids = BufferedQueue {
                name: "Queue",
                max_receive_count: q.max_receive_count.get_u32(),
                visibility_timeout_s: (timeout * 6).clamp(30, 43_200),
                retention_s: q.retention_days.get_u32() * 86_400,
                requirements: micro3,
            }
            .add_to(&mut t)?;
            statements.push(
                Statement::allow(CONSUME_ACTIONS, vec![ids.queue.get_att("Arn")])
                    .sid("ConsumeQueue"),
            );
            t.output(
                "QueueUrl",
                "Messages for the service",
                ids.queue.r#ref(),
                None,
            )?;
            t.output(
                "DeadLetterQueueUrl",
                "Messages the service failed to process",
                ids.dead_letter.r#ref(),
                None,
            )?;
            Some((ids, q))
        }
        None => None,
    };
    if let (Some(topic_input), Some((ids, _))) = (&s.inputs.topic, &queue) {
        let topic = t
            .add(
                "Topic",
                Topic {
                    display_name: None,
                    kms_master_key_id: Some("alias/aws/sns".into()),
                    tags: None,
                    topic_name: None,
                },
            )?
            .satisfies(micro3)
            .id()
            .clone();
        allow_topic_to_send(&mut t, "QueuePolicy", &ids.queue, &topic, micro3)?;
        subscribe_queue(
            &mut t,
            "TopicSubscription",
            &topic,
            &ids.queue,
            topic_input.raw_message_delivery,
            micro3,
        )?;
        t.output(
            "TopicArn",
            "Publish here to reach the service",
            topic.r#ref(),
            None,
        )?;
    }
    let stream = match &s.inputs.stream {
        Some(st) => {
            let stream = t
                .add(
                    "Stream",
                    Stream {
                        retention_period_hours: Some(st.retention_hours.get_u32()),
                        shard_count: (st.mode == StreamMode::Provisioned)
                            .then(|| st.shards.get_u32()),
                        stream_encryption: Some(StreamEncryption::aws_managed()),
                        stream_mode_details: Some(StreamModeDetails {
                            stream_mode: match st.mode {
                                StreamMode::OnDemand => "ON_DEMAND",
                                StreamMode::Provisioned => "PROVISIONED",
                            }
                            .into(),
                        }),
                        ..Default::default()
                    },
                )?
                // Records are in flight, like a queue's messages; a retained
                // stream would keep costing money.
                .policies(DeletionPolicy::Delete)
                .satisfies(micro3)
                .id()
                .clone();
            let failures = failure_queue(&mut t, "StreamFailures", micro3)?;
            statements.push(
                Statement::allow(STREAM_ACTIONS, vec![stream.get_att("Arn")]).sid("ReadStream"),
            );
            statements.push(
                Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
                    .sid("KeepFailedRecords"),
            );
            env.insert("STREAM_NAME".into(), stream.r#ref());
            t.output(
                "StreamName",
                "Records for the service",
                stream.r#ref(),
                None,
            )?;
            Some((stream, failures, st.clone()))
        }
        None => None,
    };
    let bucket_name = with_stack_uuid(format!("{}-${{StackUuid}}", bucket_prefix(s)));
    let bucket_arn = with_stack_uuid(format!(
        "arn:${{AWS::Partition}}:s3:::{}-${{StackUuid}}",
        bucket_prefix(s)
    ));
    let bucket_objects = with_stack_uuid(format!(
        "arn:${{AWS::Partition}}:s3:::{}-${{StackUuid}}/*",
        bucket_prefix(s)
    ));
    let async_failures = if s.inputs.bucket.is_some() {
        let failures = failure_queue(&mut t, "FailedEvents", micro3)?;
        statements
            .push(Statement::allow(&["s3:GetObject"], vec![bucket_objects]).sid("ReadUploads"));
        statements.push(
            Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
                .sid("KeepFailedEvents"),
        );
        env.insert("BUCKET_NAME".into(), bucket_name.clone());
        Some(failures)
    } else {
        None
    };
    for (k, v) in &s.environment.0 {
        env.insert(k.clone(), v.as_str().into());
    }

    let function = LambdaFunction {
        name: "",
        description: &format!("Service `{}`", s.name),
        package,
        assets_bucket: &assets,
        handler: "handler.handler",
        memory_mb: s.memory_mb.get_u32(),
        timeout_s: timeout,
        architecture: o.architecture.as_str(),
        environment: env,
        statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: micro1,
    }
    .add_to(&mut t)?
    .function;
    t.output(
        "FunctionArn",
        "The service's function",
        function.get_att("Arn"),
        None,
    )?;

    if let Some((ids, q)) = &queue {
        QueueConsumer {
            id: "QueueMapping",
            queue: &ids.queue,
            function: &function,
            batch_size: q.batch_size.get_u32(),
            batching_window_s: q.max_batching_window_seconds.get_u32(),
            requirements: micro3,
        }
        .add_to(&mut t)?;
    }
    if let Some((stream, failures, st)) = &stream {
        t.add(
            "StreamMapping",
            EventSourceMapping {
                batch_size: Some(st.batch_size.get_u32()),
                bisect_batch_on_function_error: Some(true),
                destination_config: Some(DestinationConfig {
                    on_failure: Some(OnFailure {
                        destination: failures.get_att("Arn"),
                    }),
                    on_success: None,
                }),
                enabled: Some(true),
                event_source_arn: Some(stream.get_att("Arn")),
                filter_criteria: None,
                function_name: function.r#ref(),
                function_response_types: Some(vec!["ReportBatchItemFailures".into()]),
                maximum_batching_window_in_seconds: None,
                maximum_retry_attempts: Some(
                    i32::try_from(st.max_retry_attempts.get()).unwrap_or(i32::MAX),
                ),
                starting_position: Some(
                    match st.starting_position {
                        StartingPosition::Latest => "LATEST",
                        StartingPosition::TrimHorizon => "TRIM_HORIZON",
                    }
                    .into(),
                ),
            },
        )?
        .satisfies(micro3);
    }
    if let (Some(b), Some(failures)) = (&s.inputs.bucket, &async_failures) {
        let permission = t
            .add(
                "BucketPermission",
                Permission {
                    action: "lambda:InvokeFunction".into(),
                    function_name: function.get_att("Arn"),
                    principal: "s3.amazonaws.com".into(),
                    source_account: Some(Pseudo::AccountId.r#ref()),
                    source_arn: Some(bucket_arn),
                },
            )?
            .satisfies(micro3)
            .id()
            .clone();
        let mut rules = Vec::new();
        if let Some(p) = &b.prefix {
            rules.push(FilterRule {
                name: "prefix".into(),
                value: p.as_str().into(),
            });
        }
        if let Some(x) = &b.suffix {
            rules.push(FilterRule {
                name: "suffix".into(),
                value: x.as_str().into(),
            });
        }
        let filter = (!rules.is_empty()).then_some(NotificationFilter {
            s3_key: S3KeyFilter { rules },
        });
        let bucket = PrivateBucket {
            id: "Bucket",
            noncurrent_version_days: Some(b.keep_old_versions_days.get_u32()),
            retain: o.retain.buckets,
            requirements: micro3,
            bucket_name: Some(bucket_name),
            notifications: Some(NotificationConfiguration {
                lambda_configurations: Some(
                    b.events
                        .iter()
                        .map(|e| LambdaConfiguration {
                            event: e.as_str().into(),
                            filter: filter.clone(),
                            function: function.get_att("Arn"),
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            depends_on: vec![permission],
            ..Default::default()
        }
        .add_to(&mut t)?;
        t.add(
            "AsyncConfig",
            EventInvokeConfig {
                destination_config: Some(DestinationConfig {
                    on_failure: Some(OnFailure {
                        destination: failures.get_att("Arn"),
                    }),
                    on_success: None,
                }),
                function_name: function.r#ref(),
                maximum_event_age_in_seconds: Some(b.max_event_age_seconds.get_u32()),
                maximum_retry_attempts: Some(b.retry_attempts.get_u32()),
                qualifier: "$LATEST".into(),
            },
        )?
        .satisfies(micro3);
        t.output(
            "BucketName",
            "Uploads here trigger the service",
            bucket.r#ref(),
            None,
        )?;
    }

    // MICRO-1/2: the routes.
    if !s.routes.is_empty() {
        match (&rest_api, &root_resource, &listener) {
            _ if http_api.is_some() => {
                let api = http_api
                    .as_ref()
                    .ok_or_else(|| Error::Internal("no HTTP API".into()))?;
                add_http_routes(&mut t, o, s, api, &function)?;
            }
            (Some(api), Some(root), _) => add_routes(&mut t, o, s, api, root, &function)?,
            (_, _, Some(listener)) => {
                let sign_in = alb_sign_in(&mut t, o)?;
                add_alb_routes(&mut t, s, index, listener, &function, sign_in)?
            }
            _ => return Err(Error::Internal("a service stack without a front".into())),
        }
    }
    Ok(t)
}

/// The bucket name prefix of a service: its name, cut to fit with the
/// 36-character stack UUID in 63 characters.
pub(super) fn bucket_prefix(s: &Service) -> String {
    let name: String = s.name.as_str().chars().take(26).collect();
    name.trim_end_matches('-').to_string()
}

/// An encrypted queue for events that could not be processed (retained).
pub(super) fn failure_queue(
    t: &mut Template,
    id: &str,
    requirements: &[&str],
) -> Result<LogicalId, Error> {
    Ok(t.add(
        id,
        Queue {
            message_retention_period: Some(crate::components::queue::DLQ_RETENTION_S),
            sqs_managed_sse_enabled: Some(true),
            ..Default::default()
        },
    )?
    .retain()
    .satisfies(requirements)
    .id()
    .clone())
}
