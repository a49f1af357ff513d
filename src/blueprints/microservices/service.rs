//! One service's nested stack: its function, table, inputs and routes.

use indexmap::IndexMap;

use super::alb::{alb_sign_in, creates_user_pool};
use super::inputs::{BucketInput, StartingPosition, StreamInput, StreamMode};
use super::options::{Authorization, Front, Options};
use super::routes::{add_alb_routes, add_http_routes, add_routes};
use super::services::Service;
use super::{P_API_URL, P_HTTP_API, P_LISTENER, P_REST_API, P_ROOT_RESOURCE, P_USER_POOL};
use crate::assets::Package;
use crate::blueprints::ProjectInfo;
use crate::cfn::policy::Statement;
use crate::cfn::resources::kinesis::{
    Stream, StreamEncryption, StreamMode as KinesisStreamMode, StreamModeDetails,
};
use crate::cfn::resources::lambda::{
    DestinationConfig, EventInvokeConfig, EventSourceMapping, FunctionResponseTypes, OnFailure,
    Permission,
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
use crate::components::function_triggers::on_failure_destination;
use crate::components::queue::{
    allow_topic_to_send, subscribe_queue, BufferedQueue, QueueConsumer, QueueIds, CONSUME_ACTIONS,
};
use crate::components::stored_values;
use crate::components::table::Table;
use crate::components::with_stack_uuid;
use crate::config::queue::{QueueOptions, TopicOptions};
use crate::config::secrets::EnvValue;
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

/// One service's nested template: its parameters, then each feature the
/// service asks for (table, queue, topic, stream, bucket), its function, the
/// function's event sources, and its routes on the front.
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
    let params = add_parameters(&mut t, o, s)?;
    let mut wiring = Wiring::new(s, &params);
    if s.table {
        add_table(&mut t, o, &mut wiring)?;
    }
    allow_calling_services(o, &params, &mut wiring);

    // MICRO-3: asynchronous inputs.
    let queue = add_queue_input(&mut t, s, &mut wiring)?;
    if let (Some(topic_input), Some((ids, _))) = (&s.inputs.topic, &queue) {
        add_topic_input(&mut t, topic_input, &ids.queue)?;
    }
    let stream = match &s.inputs.stream {
        Some(st) => Some(add_stream_input(&mut t, st, &mut wiring)?),
        None => None,
    };
    let bucket_failures = match &s.inputs.bucket {
        Some(_) => Some(prepare_bucket_input(&mut t, s, &mut wiring)?),
        None => None,
    };
    add_environment(s, &mut wiring);

    let function = add_function(&mut t, o, s, package, &params.assets, wiring)?;
    if let Some((ids, q)) = &queue {
        connect_queue(&mut t, &ids.queue, q, &function)?;
    }
    if let Some(stream) = &stream {
        connect_stream(&mut t, stream, &function)?;
    }
    if let (Some(b), Some(failures)) = (&s.inputs.bucket, &bucket_failures) {
        add_bucket_input(&mut t, o, s, b, failures, &function)?;
    }

    // MICRO-1/2: the routes.
    if !s.routes.is_empty() {
        add_service_routes(&mut t, o, s, index, &params, &function)?;
    }
    Ok(t)
}

const MICRO1: &[&str] = &["MICRO-1"];
const MICRO3: &[&str] = &["MICRO-3"];

/// The parameters of a service's stack (see [`service_parameters`]).
struct ServiceParams {
    assets: LogicalId,
    api_url: LogicalId,
    rest_api: Option<LogicalId>,
    http_api: Option<LogicalId>,
    root_resource: Option<LogicalId>,
    listener: Option<LogicalId>,
}

/// What the features give the service's function: its environment and the
/// statements of its role's policy, in the order they were added.
struct Wiring {
    env: IndexMap<String, Value<String>>,
    statements: Vec<Statement>,
}

impl Wiring {
    /// Every service's own variables: its name, base path and the API's URL.
    fn new(s: &Service, params: &ServiceParams) -> Self {
        let mut env: IndexMap<String, Value<String>> = IndexMap::new();
        env.insert("SERVICE_NAME".into(), s.name.as_str().into());
        env.insert("BASE_PATH".into(), format!("/{}", s.base_path()).into());
        env.insert("API_URL".into(), params.api_url.r#ref());
        Wiring {
            env,
            statements: Vec::new(),
        }
    }
}

/// A stream input once added: the stream, the queue keeping records that
/// failed, and the input's options.
type StreamParts = (LogicalId, LogicalId, StreamInput);

/// Declares the stack's parameters: the assets bucket, the API URL, and
/// those of the front the service's routes go on.
fn add_parameters(t: &mut Template, o: &Options, s: &Service) -> Result<ServiceParams, Error> {
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
    Ok(ServiceParams {
        assets,
        api_url,
        rest_api: declared(t, P_REST_API, "The shared REST API")?,
        http_api: declared(t, P_HTTP_API, "The shared HTTP API")?,
        root_resource: declared(t, P_ROOT_RESOURCE, "The REST API's root resource")?,
        listener: declared(t, P_LISTENER, "The load balancer's HTTPS listener")?,
    })
}

/// `table: true`: the service's own table, which its function reads and
/// writes (`TABLE_NAME`).
fn add_table(t: &mut Template, o: &Options, wiring: &mut Wiring) -> Result<(), Error> {
    let table = Table {
        id: "Table",
        partition_key: "id",
        retain: o.retain.tables,
        requirements: MICRO1,
        ..Default::default()
    }
    .add_to(t)?;
    wiring.env.insert("TABLE_NAME".into(), table.r#ref());
    wiring
        .statements
        .push(Statement::allow(TABLE_ACTIONS, vec![table.get_att("Arn")]).sid("OwnTable"));
    t.output("TableName", "The service's table", table.r#ref(), None)?;
    Ok(())
}

/// `authorization: iam`: services call each other through the API, signed
/// with their role.
fn allow_calling_services(o: &Options, params: &ServiceParams, wiring: &mut Wiring) {
    if let (Some(api), Authorization::Iam) = (&params.http_api, o.api.authorization) {
        wiring.statements.push(
            Statement::allow(
                &["execute-api:Invoke"],
                vec![arn(&format!(
                    "execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*"
                ))],
            )
            .sid("CallOtherServices"),
        );
    }
    if let (Some(rest_api), Authorization::Iam) = (&params.rest_api, o.api.authorization) {
        wiring.statements.push(
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
}

/// `inputs.queue` (or a topic, which is fanned out to it): the queue with
/// its dead-letter queue, consumed by the function.
fn add_queue_input(
    t: &mut Template,
    s: &Service,
    wiring: &mut Wiring,
) -> Result<Option<(QueueIds, QueueOptions)>, Error> {
    let Some(q) = s.queue() else {
        return Ok(None);
    };
    let timeout = s.timeout_seconds.get_u32();
    let ids = BufferedQueue {
        name: "Queue",
        max_receive_count: q.max_receive_count.get_u32(),
        visibility_timeout_s: (timeout * 6).clamp(30, 43_200),
        retention_s: q.retention_days.get_u32() * 86_400,
        requirements: MICRO3,
    }
    .add_to(t)?;
    wiring.statements.push(
        Statement::allow(CONSUME_ACTIONS, vec![ids.queue.get_att("Arn")]).sid("ConsumeQueue"),
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
    Ok(Some((ids, q)))
}

/// `inputs.topic`: an encrypted topic subscribed by the service's queue.
fn add_topic_input(
    t: &mut Template,
    topic_input: &TopicOptions,
    queue: &LogicalId,
) -> Result<(), Error> {
    let topic = t
        .add(
            "Topic",
            Topic {
                kms_master_key_id: Some("alias/aws/sns".into()),
                ..Default::default()
            },
        )?
        .satisfies(MICRO3)
        .id()
        .clone();
    allow_topic_to_send(t, "QueuePolicy", queue, &topic, MICRO3)?;
    subscribe_queue(
        t,
        "TopicSubscription",
        &topic,
        queue,
        topic_input.raw_message_delivery,
        MICRO3,
    )?;
    t.output(
        "TopicArn",
        "Publish here to reach the service",
        topic.r#ref(),
        None,
    )?;
    Ok(())
}

/// `inputs.stream`: an encrypted Kinesis stream the function reads
/// (`STREAM_NAME`), with a queue keeping the records it failed on.
fn add_stream_input(
    t: &mut Template,
    st: &StreamInput,
    wiring: &mut Wiring,
) -> Result<StreamParts, Error> {
    let stream = t
        .add(
            "Stream",
            Stream {
                retention_period_hours: Some(st.retention_hours.get_u32().into()),
                shard_count: (st.mode == StreamMode::Provisioned)
                    .then(|| st.shards.get_u32().into()),
                stream_encryption: Some(StreamEncryption::aws_managed().into()),
                stream_mode_details: Some(
                    StreamModeDetails::new(match st.mode {
                        StreamMode::OnDemand => KinesisStreamMode::OnDemand,
                        StreamMode::Provisioned => KinesisStreamMode::Provisioned,
                    })
                    .into(),
                ),
                ..Default::default()
            },
        )?
        // Records are in flight, like a queue's messages; a retained
        // stream would keep costing money.
        .policies(DeletionPolicy::Delete)
        .satisfies(MICRO3)
        .id()
        .clone();
    let failures = failure_queue(t, "StreamFailures", MICRO3)?;
    wiring
        .statements
        .push(Statement::allow(STREAM_ACTIONS, vec![stream.get_att("Arn")]).sid("ReadStream"));
    wiring.statements.push(
        Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
            .sid("KeepFailedRecords"),
    );
    wiring.env.insert("STREAM_NAME".into(), stream.r#ref());
    t.output(
        "StreamName",
        "Records for the service",
        stream.r#ref(),
        None,
    )?;
    Ok((stream, failures, st.clone()))
}

/// The bucket name of a service's `inputs.bucket`, an ARN of it, or of its
/// objects: `<prefix>-<stack UUID>`, known before the bucket exists.
fn bucket_text(s: &Service, before: &str, after: &str) -> Value<String> {
    with_stack_uuid(format!(
        "{before}{}-${{StackUuid}}{after}",
        bucket_prefix(s)
    ))
}

/// `inputs.bucket`, before the function: the queue keeping events that
/// failed, and the function's access to the uploads (`BUCKET_NAME`).
fn prepare_bucket_input(
    t: &mut Template,
    s: &Service,
    wiring: &mut Wiring,
) -> Result<LogicalId, Error> {
    let failures = failure_queue(t, "FailedEvents", MICRO3)?;
    let objects = bucket_text(s, "arn:${AWS::Partition}:s3:::", "/*");
    wiring
        .statements
        .push(Statement::allow(&["s3:GetObject"], vec![objects]).sid("ReadUploads"));
    wiring.statements.push(
        Statement::allow(&["sqs:SendMessage"], vec![failures.get_att("Arn")])
            .sid("KeepFailedEvents"),
    );
    wiring
        .env
        .insert("BUCKET_NAME".into(), bucket_text(s, "", ""));
    Ok(failures)
}

/// `services[].environment`: text, or the names of values kept in SSM or
/// Secrets Manager, which the function's role may read (those it reads at
/// run time, and only those).
fn add_environment(s: &Service, wiring: &mut Wiring) {
    for (k, v) in &s.environment.0 {
        wiring
            .env
            .insert(k.clone(), stored_values::environment_value(v));
    }
    let stored = s.environment.0.values().filter_map(|v| match v {
        EnvValue::Stored(stored) => Some(stored),
        EnvValue::Text(_) => None,
    });
    wiring
        .statements
        .extend(stored_values::read_statements(stored));
}

/// The service's function with everything the features wired into it.
fn add_function(
    t: &mut Template,
    o: &Options,
    s: &Service,
    package: &Package,
    assets: &LogicalId,
    wiring: Wiring,
) -> Result<LogicalId, Error> {
    let function = LambdaFunction {
        name: "",
        description: &format!("Service `{}`", s.name),
        package,
        assets_bucket: assets,
        handler: "handler.handler",
        memory_mb: s.memory_mb.get_u32(),
        timeout_s: s.timeout_seconds.get_u32(),
        architecture: o.architecture.as_str(),
        environment: wiring.env,
        statements: wiring.statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: MICRO1,
    }
    .add_to(t)?
    .function;
    t.output(
        "FunctionArn",
        "The service's function",
        function.get_att("Arn"),
        None,
    )?;
    Ok(function)
}

/// The function consumes its queue.
fn connect_queue(
    t: &mut Template,
    queue: &LogicalId,
    q: &QueueOptions,
    function: &LogicalId,
) -> Result<(), Error> {
    QueueConsumer {
        id: "QueueMapping",
        queue,
        function,
        batch_size: q.batch_size.get_u32(),
        batching_window_s: q.max_batching_window_seconds.get_u32(),
        requirements: MICRO3,
    }
    .add_to(t)?;
    Ok(())
}

/// The function reads its stream, sending the batches it failed on to the
/// failure queue.
fn connect_stream(
    t: &mut Template,
    (stream, failures, st): &StreamParts,
    function: &LogicalId,
) -> Result<(), Error> {
    t.add(
        "StreamMapping",
        EventSourceMapping {
            batch_size: Some(st.batch_size.get_u32().into()),
            bisect_batch_on_function_error: Some(true.into()),
            destination_config: Some(on_failure_destination(failures).into()),
            enabled: Some(true.into()),
            event_source_arn: Some(stream.get_att("Arn")),
            filter_criteria: None,
            function_response_types: Some(
                vec![FunctionResponseTypes::ReportBatchItemFailures.into()].into(),
            ),
            maximum_batching_window_in_seconds: None,
            maximum_retry_attempts: Some(
                i32::try_from(st.max_retry_attempts.get())
                    .unwrap_or(i32::MAX)
                    .into(),
            ),
            starting_position: Some(
                match st.starting_position {
                    StartingPosition::Latest => "LATEST",
                    StartingPosition::TrimHorizon => "TRIM_HORIZON",
                }
                .into(),
            ),
            ..EventSourceMapping::new(function.r#ref())
        },
    )?
    .satisfies(MICRO3);
    Ok(())
}

/// `inputs.bucket`, after the function: the private bucket whose events
/// invoke it (with their key filters), and where failed events go.
fn add_bucket_input(
    t: &mut Template,
    o: &Options,
    s: &Service,
    b: &BucketInput,
    failures: &LogicalId,
    function: &LogicalId,
) -> Result<(), Error> {
    let permission = t
        .add(
            "BucketPermission",
            Permission {
                source_account: Some(Pseudo::AccountId.r#ref()),
                source_arn: Some(bucket_text(s, "arn:${AWS::Partition}:s3:::", "")),
                ..Permission::new(
                    "lambda:InvokeFunction",
                    function.get_att("Arn"),
                    "s3.amazonaws.com",
                )
            },
        )?
        .satisfies(MICRO3)
        .id()
        .clone();
    let mut rules = Vec::new();
    if let Some(p) = &b.prefix {
        rules.push(FilterRule::new("prefix", p.as_str()));
    }
    if let Some(x) = &b.suffix {
        rules.push(FilterRule::new("suffix", x.as_str()));
    }
    let filter = (!rules.is_empty()).then_some(NotificationFilter {
        s3_key: S3KeyFilter::new(rules).into(),
    });
    let bucket = PrivateBucket {
        id: "Bucket",
        noncurrent_version_days: Some(b.keep_old_versions_days.get_u32()),
        retain: o.retain.buckets,
        requirements: MICRO3,
        bucket_name: Some(bucket_text(s, "", "")),
        notifications: Some(NotificationConfiguration {
            lambda_configurations: Some(
                b.events
                    .iter()
                    .map(|e| LambdaConfiguration {
                        filter: filter.clone().map(Into::into),
                        ..LambdaConfiguration::new(e.as_str(), function.get_att("Arn"))
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ..Default::default()
        }),
        depends_on: vec![permission],
        ..Default::default()
    }
    .add_to(t)?;
    t.add(
        "AsyncConfig",
        EventInvokeConfig {
            destination_config: Some(
                DestinationConfig {
                    on_failure: Some(OnFailure::new(failures.get_att("Arn")).into()),
                    on_success: None,
                }
                .into(),
            ),
            function_name: function.r#ref(),
            maximum_event_age_in_seconds: Some(b.max_event_age_seconds.get_u32().into()),
            maximum_retry_attempts: Some(b.retry_attempts.get_u32().into()),
            qualifier: "$LATEST".into(),
        },
    )?
    .satisfies(MICRO3);
    t.output(
        "BucketName",
        "Uploads here trigger the service",
        bucket.r#ref(),
        None,
    )?;
    Ok(())
}

/// MICRO-1/2: the service's routes on whichever front the root has.
fn add_service_routes(
    t: &mut Template,
    o: &Options,
    s: &Service,
    index: usize,
    params: &ServiceParams,
    function: &LogicalId,
) -> Result<(), Error> {
    match (&params.rest_api, &params.root_resource, &params.listener) {
        _ if params.http_api.is_some() => {
            let api = params
                .http_api
                .as_ref()
                .ok_or_else(|| Error::Internal("no HTTP API".into()))?;
            add_http_routes(t, o, s, api, function)?;
        }
        (Some(api), Some(root), _) => add_routes(t, o, s, api, root, function)?,
        (_, _, Some(listener)) => {
            let sign_in = alb_sign_in(t, o)?;
            add_alb_routes(t, s, index, listener, function, sign_in)?
        }
        _ => return Err(Error::Internal("a service stack without a front".into())),
    }
    Ok(())
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
            message_retention_period: Some(crate::components::queue::DLQ_RETENTION_S.into()),
            sqs_managed_sse_enabled: Some(true.into()),
            ..Default::default()
        },
    )?
    .retain()
    .satisfies(requirements)
    .id()
    .clone())
}
