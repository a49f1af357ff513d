//! FLOW: the blog's thumbnails as a Step Functions workflow (option `flow`):
//! each upload (S3 -> EventBridge) starts a state machine that makes the
//! thumbnail and reads the photo's metadata in parallel.

use indexmap::IndexMap;
use serde_json::json;

use super::thumbnails::{uploads_bucket_name, uploads_objects_arn};
use super::{Blog, THUMBNAILS_PREFIX, UPLOADS_PREFIX};
use crate::assets::Package;
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::events::{RetryPolicy, Rule, State as RuleState, Target};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::shapes::EventPattern;
use crate::cfn::states::{ChoiceRule, ChoiceState, Definition, State, SucceedState};
use crate::cfn::{LogicalId, Template};
use crate::components::function::LambdaFunction;
use crate::components::state_machine::{
    present_and, start_execution_statement, Flow, FlowFunction, GuardedParallel, ParallelTask,
};
use crate::error::Error;

/// The requirements the flow's own resources serve.
const REQUIREMENTS: &[&str] = &["FLOW", "BLOG-6"];

/// FLOW: the photo metadata function, the state machine that runs it and
/// the thumbnail function in parallel, and the EventBridge rule that starts
/// an execution for each upload.
pub(super) fn add_thumbnails_flow(
    t: &mut Template,
    b: &Blog,
    thumbnails: &LogicalId,
    thumbs_bucket: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<(), Error> {
    let o = b.o;
    let metadata = add_photo_metadata(t, b, thumbs_bucket, packages)?;
    let f = &o.flow;
    let flow = Flow {
        name: "ThumbnailsFlow",
        options: f,
        definition: thumbnails_flow_definition(b),
        functions: vec![
            FlowFunction {
                variable: "ThumbnailsFunctionArn",
                function: thumbnails,
            },
            FlowFunction {
                variable: "PhotoMetadataFunctionArn",
                function: &metadata,
            },
        ],
        log_retention_days: o.log_retention_days.get(),
        requirements: &["BLOG-6"],
    }
    .add_to(t)?;
    add_flow_trigger(t, &flow.state_machine)?;
    t.output(
        "ThumbnailsFlowArn",
        "The thumbnails state machine (FLOW); one execution per upload",
        flow.state_machine.r#ref(),
        None,
    )?;
    Ok(())
}

/// FLOW, BLOG-6: the function that records each uploaded photo's metadata
/// next to its thumbnail (its package added to `packages`).
fn add_photo_metadata(
    t: &mut Template,
    b: &Blog,
    thumbs_bucket: &LogicalId,
    packages: &mut Vec<Package>,
) -> Result<LogicalId, Error> {
    let o = b.o;
    let package = b
        .code
        .package_for("photo_metadata", o.functions.architecture)?;
    let max_bytes = o.thumbnails.max_upload_mb.get() * 1024 * 1024;
    let mut env = IndexMap::new();
    env.insert("THUMBNAILS_BUCKET".to_string(), thumbs_bucket.r#ref());
    env.insert("THUMBNAILS_PREFIX".to_string(), THUMBNAILS_PREFIX.into());
    env.insert("UPLOADS_PREFIX".to_string(), UPLOADS_PREFIX.into());
    env.insert("MAX_SOURCE_BYTES".to_string(), max_bytes.to_string().into());
    let metadata = LambdaFunction {
        name: "PhotoMetadata",
        description: "Records each uploaded photo's size, format and date taken, next to its thumbnail (FLOW)",
        package: &package,
        assets_bucket: &b.assets,
        handler: "handler.handler",
        memory_mb: o.functions.thumbnails.memory_mb.get_u32(),
        timeout_s: o.functions.thumbnails.timeout_seconds.get_u32(),
        architecture: o.functions.architecture.as_str(),
        environment: env,
        statements: vec![
            Statement::allow(&["s3:GetObject"], vec![uploads_objects_arn()])
                .sid("ReadUploadedPhotos"),
            Statement::allow(
                &["s3:PutObject"],
                vec![sub(format!("${{{thumbs_bucket}.Arn}}/{THUMBNAILS_PREFIX}*")).into()],
            )
            .sid("WriteMetadataNextToThumbnails"),
        ],
        managed_policies: Vec::new(),
        log_retention_days: o.log_retention_days.get(),
        vpc: None,
        requirements: REQUIREMENTS,
    }
    .add_to(t)?;
    packages.push(package);
    Ok(metadata.function)
}

/// FLOW: the state machine's definition: a size check, then the thumbnail
/// and the metadata in parallel.
fn thumbnails_flow_definition(b: &Blog) -> Definition {
    let o = b.o;
    let max_bytes = o.thumbnails.max_upload_mb.get() * 1024 * 1024;
    // The function input: the S3 event record each function takes, made
    // from the EventBridge event.
    let record = json!({"Records": [{"s3": {
        "bucket": {"name.$": "$.detail.bucket.name"},
        "object": {"key.$": "$.detail.object.key", "size.$": "$.detail.object.size"},
    }}]});
    GuardedParallel {
        comment: "BLOG-6 thumbnails as a workflow (FLOW): an uploaded photo gets its thumbnail and its metadata in parallel",
        guard: (
            "CheckUpload",
            ChoiceState {
                comment: Some("Photos over the upload limit are skipped, as the function would".into()),
                choices: vec![ChoiceRule {
                    next: Some("TooLarge".into()),
                    ..present_and(
                        "$.detail.object.size",
                        ChoiceRule {
                            numeric_greater_than: Some(max_bytes),
                            ..Default::default()
                        },
                    )
                }],
                default: Some("ThumbnailAndMetadata".into()),
            },
        ),
        other: (
            "TooLarge",
            State::Succeed(SucceedState {
                comment: Some("Larger than thumbnails.max_upload_mb: nothing to do".into()),
            }),
        ),
        parallel: "ThumbnailAndMetadata",
        parallel_comment: "The thumbnail and the metadata, at once",
        tasks: vec![
            ParallelTask {
                state: "MakeThumbnail",
                description: "The thumbnail function",
                variable: "ThumbnailsFunctionArn",
                input: record.clone(),
                result: "thumbnail",
                failed: "ThumbnailFailed",
            },
            ParallelTask {
                state: "ReadMetadata",
                description: "The metadata function",
                variable: "PhotoMetadataFunctionArn",
                input: record,
                result: "metadata",
                failed: "MetadataFailed",
            },
        ],
        failed_error: "ThumbnailsFlowFailed",
    }
    .definition(&o.flow)
}

/// FLOW, BLOG-6: the EventBridge rule (and its role, allowed to start only
/// this state machine) that starts an execution for each new upload.
fn add_flow_trigger(t: &mut Template, state_machine: &LogicalId) -> Result<(), Error> {
    let requirements = REQUIREMENTS;
    let uploads_name = &uploads_bucket_name();
    // Each new upload starts an execution.
    let rule_role = t
        .add(
            "ThumbnailsFlowTriggerRole",
            Role {
                policies: Some(
                    vec![InlinePolicy::new(
                        "least-privilege",
                        PolicyDocument::new(vec![start_execution_statement(
                            state_machine,
                            "StartOnlyTheThumbnailsFlow",
                        )]),
                    )]
                    .into(),
                ),
                ..Role::described(
                    PolicyDocument::new(vec![Statement::assume_by_service(&[
                        "events.amazonaws.com",
                    ])
                    .condition(
                        "StringEquals",
                        "aws:SourceAccount",
                        vec![sub("${AWS::AccountId}").into()],
                    )]),
                    "Lets EventBridge start the thumbnails flow, and nothing else",
                )
            },
        )?
        .satisfies(requirements)
        .id()
        .clone();
    t.add(
        "ThumbnailsFlowTrigger",
        Rule {
            description: Some(
                "Each photo uploaded under uploads/ starts the thumbnails flow".into(),
            ),
            event_pattern: Some(EventPattern {
                source: vec!["aws.s3".into()],
                detail_type: vec!["Object Created".into()],
                detail: json!({
                    "bucket": {"name": [uploads_name]},
                    "object": {"key": [{"prefix": UPLOADS_PREFIX}]},
                }),
            }),
            state: Some(RuleState::Enabled.into()),
            targets: Some(
                vec![Target {
                    role_arn: Some(rule_role.get_att("Arn")),
                    retry_policy: Some(
                        RetryPolicy {
                            maximum_event_age_in_seconds: Some(3600.into()),
                            maximum_retry_attempts: Some(10.into()),
                        }
                        .into(),
                    ),
                    ..Target::new(state_machine.r#ref(), "ThumbnailsFlow")
                }]
                .into(),
            ),
            ..Default::default()
        },
    )?
    .satisfies(requirements);
    Ok(())
}
