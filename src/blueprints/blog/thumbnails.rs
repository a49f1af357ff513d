//! BLOG-6: thumbnails of the photos authors upload: the uploads and
//! thumbnails buckets, the thumbnail function and what triggers it.

use indexmap::IndexMap;

use super::flow::add_thumbnails_flow;
use super::{
    Blog, Options, ThumbnailFormat, CDN_NAME, THUMBNAILS_PREFIX, UPLOADS_BUCKET_PREFIX,
    UPLOADS_PREFIX,
};
use crate::assets::Package;
use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::Statement;
use crate::cfn::resources::s3::{
    AllowedMethods, CorsConfiguration, CorsRule, EventBridgeConfiguration, FilterRule,
    LambdaConfiguration, NotificationConfiguration, NotificationFilter, S3KeyFilter,
};
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::bucket::PrivateBucket;
use crate::components::cdn::stack_uuid;
use crate::components::function::LambdaFunction;
use crate::components::function_triggers::{
    add_failure_queue, allow_invoke, send_to_queue_statement, AsyncFailures,
};
use crate::components::static_site::{StaticSite, StaticSiteIds};
use crate::error::Error;

/// The uploads bucket's name: `blog-uploads-<stack UUID>`. It is explicit
/// because the bucket invokes the thumbnail function, whose role and invoke
/// permission must name the bucket before it exists (a `Ref` would be a
/// dependency cycle).
pub(super) fn uploads_bucket_name() -> Value<String> {
    named(&format!("{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}"))
}

/// `Fn::Sub` of `template` with `${StackUuid}` defined.
fn named(template: &str) -> Value<String> {
    let mut vars = IndexMap::new();
    vars.insert("StackUuid".to_string(), stack_uuid());
    Intrinsic::SubWith(template.to_string(), vars).into()
}

/// BLOG-6: the uploads bucket's ARN.
fn uploads_bucket_arn() -> Value<String> {
    named(&format!(
        "arn:${{AWS::Partition}}:s3:::{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}"
    ))
}

/// BLOG-6: the ARN of the uploaded photos (under the uploads prefix).
pub(super) fn uploads_objects_arn() -> Value<String> {
    named(&format!(
        "arn:${{AWS::Partition}}:s3:::{UPLOADS_BUCKET_PREFIX}-${{StackUuid}}/{UPLOADS_PREFIX}*"
    ))
}

/// BLOG-6: the thumbnails bucket, served by the distribution.
pub(super) fn add_thumbnails_bucket(t: &mut Template, o: &Options) -> Result<StaticSiteIds, Error> {
    let thumbs = StaticSite {
        id: "ThumbnailsBucket",
        cdn: CDN_NAME,
        noncurrent_version_days: None,
        access_logs: None,
        retain: o.retain.thumbnails_bucket,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    if let Some(b) = t.resource_mut(thumbs.bucket.as_str()) {
        b.accepts_risk(
            "CKV_AWS_21",
            "thumbnails are derived: the thumbnail function makes them again from the versioned uploads",
        );
    }
    Ok(thumbs)
}

/// BLOG-6: the thumbnail function's environment.
fn thumbnails_environment(b: &Blog, thumbs_bucket: &LogicalId) -> IndexMap<String, Value<String>> {
    let o = b.o;
    let mut thumb_env = IndexMap::new();
    thumb_env.insert("THUMBNAILS_BUCKET".to_string(), thumbs_bucket.r#ref());
    thumb_env.insert("THUMBNAILS_PREFIX".to_string(), THUMBNAILS_PREFIX.into());
    thumb_env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    thumb_env.insert(
        "THUMBNAIL_SIZE".to_string(),
        o.thumbnails.size_px.to_string().into(),
    );
    thumb_env.insert(
        "THUMBNAIL_FORMAT".to_string(),
        o.thumbnails.format.as_str().into(),
    );
    thumb_env.insert(
        "MAX_SOURCE_BYTES".to_string(),
        (o.thumbnails.max_upload_mb.get() * 1024 * 1024)
            .to_string()
            .into(),
    );
    thumb_env.insert(
        "THUMBNAILS_BASE_URL".to_string(),
        sub_join(&b.site_url, &format!("/{THUMBNAILS_PREFIX}")),
    );
    thumb_env
}

/// BLOG-6: the optional SNS topic and SQS queue announcing new thumbnails,
/// added to the thumbnail function's environment and permissions.
fn add_thumbnail_notices(
    t: &mut Template,
    o: &Options,
    thumb_env: &mut IndexMap<String, Value<String>>,
    thumb_statements: &mut Vec<Statement>,
) -> Result<(), Error> {
    if o.thumbnails.notify_sns {
        let topic = t
            .add(
                "ThumbnailsTopic",
                Topic {
                    display_name: Some("New thumbnails".into()),
                    kms_master_key_id: Some("alias/aws/sns".into()),
                    ..Default::default()
                },
            )?
            .satisfies(&["BLOG-6"])
            .id()
            .clone();
        thumb_env.insert("TOPIC_ARN".to_string(), topic.r#ref());
        thumb_statements.push(
            Statement::allow(&["sns:Publish"], vec![topic.r#ref()]).sid("AnnounceThumbnails"),
        );
        t.output(
            "ThumbnailsTopicArn",
            "Subscribe here to hear about new thumbnails",
            topic.r#ref(),
            None,
        )?;
    }
    if o.thumbnails.notify_sqs {
        let queue = t
            .add(
                "ThumbnailsQueue",
                Queue {
                    message_retention_period: Some((4 * 24 * 3600).into()),
                    sqs_managed_sse_enabled: Some(true.into()),
                    ..Default::default()
                },
            )?
            .retain()
            .satisfies(&["BLOG-6"])
            .id()
            .clone();
        thumb_env.insert("QUEUE_URL".to_string(), queue.r#ref());
        thumb_statements.push(send_to_queue_statement(&queue, "QueueThumbnailEvents"));
        t.output(
            "ThumbnailsQueueUrl",
            "A queue that receives an event for each new thumbnail",
            queue.r#ref(),
            None,
        )?;
    }
    Ok(())
}

/// How uploads reach the thumbnail function: the uploads bucket's
/// notifications and what the bucket must wait for.
pub(super) struct UploadEvents {
    notifications: NotificationConfiguration,
    depends_on: Vec<LogicalId>,
}

/// BLOG-6 (and FLOW): optional notifications, the thumbnail function and
/// what triggers it.
pub(super) fn add_thumbnails(
    t: &mut Template,
    b: &Blog,
    package: &Package,
    thumbs_bucket: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<UploadEvents, Error> {
    let o = b.o;
    let mut thumb_statements = vec![
        Statement::allow(&["s3:GetObject"], vec![uploads_objects_arn()]).sid("ReadUploadedPhotos"),
        Statement::allow(
            &["s3:PutObject"],
            vec![sub(format!("${{{}.Arn}}/{THUMBNAILS_PREFIX}*", thumbs_bucket)).into()],
        )
        .sid("WriteThumbnailsToTheOtherBucket"),
    ];
    let mut thumb_env = thumbnails_environment(b, thumbs_bucket);
    add_thumbnail_notices(t, o, &mut thumb_env, &mut thumb_statements)?;
    // FLOW: the state machine invokes the function synchronously and keeps
    // failed executions itself; without it, S3 invokes it asynchronously.
    let thumb_failures = if o.flow.enabled {
        None
    } else {
        let q = add_failure_queue(t, "ThumbnailsFailures", &["BLOG-6"])?;
        thumb_statements.push(send_to_queue_statement(&q, "KeepFailedEvents"));
        Some(q)
    };
    let thumbnails = LambdaFunction {
        name: "Thumbnails",
        description: "Makes a thumbnail of each uploaded photo, into the thumbnails bucket",
        package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.thumbnails.memory_mb.get_u32(),
        timeout_s: o.functions.thumbnails.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: thumb_env,
        statements: thumb_statements,
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    match &thumb_failures {
        Some(failures) => add_upload_invocations(t, &thumbnails.function, failures),
        None => {
            add_thumbnails_flow(t, b, &thumbnails.function, thumbs_bucket, packages)?;
            // FLOW: the bucket's events reach the state machine through EventBridge.
            Ok(UploadEvents {
                notifications: NotificationConfiguration {
                    event_bridge_configuration: Some(
                        EventBridgeConfiguration {
                            event_bridge_enabled: true.into(),
                        }
                        .into(),
                    ),
                    ..Default::default()
                },
                depends_on: Vec::new(),
            })
        }
    }
}

/// BLOG-6: S3 invokes the thumbnail function asynchronously for each upload,
/// failed events kept in `failures`.
fn add_upload_invocations(
    t: &mut Template,
    thumbnails: &LogicalId,
    failures: &LogicalId,
) -> Result<UploadEvents, Error> {
    AsyncFailures {
        id: "ThumbnailsAsyncFailures",
        function: thumbnails,
        max_retries: 2,
        max_event_age_s: 3600,
        on_failure: failures,
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    let permission = allow_invoke(
        t,
        "ThumbnailsInvokedByUploads",
        thumbnails,
        "s3.amazonaws.com",
        uploads_bucket_arn(),
        true,
        &["BLOG-6"],
    )?;
    let notifications = NotificationConfiguration {
        lambda_configurations: Some(
            vec![LambdaConfiguration {
                filter: Some(
                    NotificationFilter::new(S3KeyFilter::new(vec![FilterRule::new(
                        "prefix",
                        UPLOADS_PREFIX,
                    )]))
                    .into(),
                ),
                ..LambdaConfiguration::new("s3:ObjectCreated:*", thumbnails.get_att("Arn"))
            }]
            .into(),
        ),
        ..Default::default()
    };
    Ok(UploadEvents {
        notifications,
        depends_on: vec![permission],
    })
}

/// BLOG-6: the uploads bucket (accelerated, explicitly named, CORS for the
/// site's presigned uploads).
pub(super) fn add_uploads(t: &mut Template, b: &Blog, events: UploadEvents) -> Result<(), Error> {
    let cors_origins: Vec<Value<String>> = vec![b.site_url.clone()];
    PrivateBucket {
        id: "UploadsBucket",
        // The authors' originals: an overwrite or delete keeps the old
        // version for 30 days.
        noncurrent_version_days: Some(30),
        retain: b.o.retain.uploads_bucket,
        requirements: &["BLOG-6"],
        bucket_name: Some(uploads_bucket_name()),
        transfer_acceleration: true,
        cors: Some(CorsConfiguration::new(vec![CorsRule {
            allowed_headers: Some(vec!["*".into()].into()),
            max_age: Some(3600.into()),
            ..CorsRule::new(vec![AllowedMethods::Post.into()], cors_origins)
        }])),
        notifications: Some(events.notifications),
        depends_on: events.depends_on,
        ..Default::default()
    }
    .add_to(t)?;
    Ok(())
}

/// The file extension of a thumbnail format.
pub(super) fn extension(format: ThumbnailFormat) -> &'static str {
    match format {
        ThumbnailFormat::Jpeg => ".jpg",
        ThumbnailFormat::Png => ".png",
        ThumbnailFormat::Webp => ".webp",
    }
}

/// `base` (a literal or an `Fn::Sub`) followed by `suffix`.
fn sub_join(base: &Value<String>, suffix: &str) -> Value<String> {
    match base {
        Value::Lit(s) => format!("{s}{suffix}").into(),
        Value::Fn(f) => match f.as_ref() {
            Intrinsic::Sub(s) => sub(format!("{s}{suffix}")).into(),
            other => {
                Intrinsic::Join(String::new(), vec![other.clone().into(), suffix.into()]).into()
            }
        },
    }
}
