//! OFFLOAD-2: the publisher: update files uploaded to a bucket reach the
//! demo origin's EFS.

use indexmap::IndexMap;

use super::options::*;
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::sub;
use crate::cfn::policy::Statement;
use crate::cfn::resources::ec2::{EgressRule, SecurityGroup, VpcEndpoint, VpcEndpointType};
use crate::cfn::resources::lambda::{FileSystemConfig, Function, VpcConfig};
use crate::cfn::resources::s3::{LambdaConfiguration, NotificationConfiguration};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::bucket::PrivateBucket;
use crate::components::edge;
use crate::components::function::{network_interface_statements, LambdaFunction};
use crate::components::function_triggers::{
    add_failure_queue, allow_invoke, send_to_queue_statement, AsyncFailures,
};
use crate::components::public_network::PublicNetworkIds;
use crate::components::web_fleet::{FilesWriter, WebFleetIds};
use crate::components::with_stack_uuid;
use crate::config::{Architecture, RetentionDays};
use crate::error::Error;

/// The updates bucket's name prefix (the stack's UUID follows).
const UPDATES_BUCKET_PREFIX: &str = "update-files";

/// Where the publisher mounts the files (Lambda wants a path under `/mnt/`).
pub const PUBLISHER_MOUNT: &str = "/mnt/files";

const REQ: &[&str] = &["OFFLOAD-2"];

/// The demo origin's network and fleet, which the publisher writes into.
pub(super) struct DemoFleet<'a> {
    pub network: &'a PublicNetworkIds,
    pub vpc_cidr: &'a str,
    pub fleet_name: &'a str,
    pub fleet: &'a WebFleetIds,
}

/// OFFLOAD-2: the way update files reach the demo origin. A private,
/// versioned bucket the publisher uploads to (its name is explicit, so the
/// function's role and invoke permission can name it before it exists),
/// whose object-created and object-removed events invoke a function in the
/// VPC's private subnets that copies (or deletes) the file on EFS through an
/// access point of its own: the only writer; the instances keep mounting
/// read-only. S3 is reached through a gateway endpoint on the private route
/// table (not the NAT gateway); events the function keeps failing on go to
/// a queue.
pub(super) fn add_publisher(
    t: &mut Template,
    p: &PublisherOptions,
    retain_bucket: bool,
    demo: &DemoFleet<'_>,
    code: &CodeSource,
) -> Result<Package, Error> {
    let assets = edge::assets_parameter(t)?;
    let package = code.package_for("publisher", Architecture::Arm64)?;
    let bucket_name = with_stack_uuid(format!("{UPDATES_BUCKET_PREFIX}-${{StackUuid}}"));
    let bucket_arn_text =
        format!("arn:${{AWS::Partition}}:s3:::{UPDATES_BUCKET_PREFIX}-${{StackUuid}}");
    add_s3_endpoint(t, demo.network)?;
    let sg = add_security_group(t, demo)?;
    let access_point = FilesWriter {
        name: "Publisher",
        security_group: &sg,
        requirements: REQ,
    }
    .add_to(t, demo.fleet_name, demo.fleet)?;
    let failures = add_failure_queue(t, "PublisherFailures", REQ)?;
    let parts = FunctionParts {
        package: &package,
        assets: &assets,
        security_group: &sg,
        access_point: &access_point,
        statements: publisher_statements(&bucket_arn_text, demo.fleet, &access_point, &failures),
        bucket_name: bucket_name.clone(),
    };
    let function = add_function(t, p, demo, parts)?;
    AsyncFailures {
        id: "PublisherAsyncFailures",
        function: &function,
        max_retries: 2,
        max_event_age_s: 21_600,
        on_failure: &failures,
        requirements: REQ,
    }
    .add_to(t)?;
    let permission = allow_invoke(
        t,
        "PublisherInvokedByUpdatesBucket",
        &function,
        "s3.amazonaws.com",
        with_stack_uuid(bucket_arn_text),
        true,
        REQ,
    )?;
    add_updates_bucket(t, p, retain_bucket, bucket_name, &function, permission)?;
    t.output(
        "PublisherFailuresQueueUrl",
        "Bucket events the publisher failed on after its retries",
        failures.r#ref(),
        None,
    )?;
    Ok(package)
}

/// S3 without the NAT gateway: a gateway endpoint on the private subnets'
/// route table (the instances' S3 traffic, package repositories included,
/// takes it too).
fn add_s3_endpoint(t: &mut Template, network: &PublicNetworkIds) -> Result<(), Error> {
    t.add(
        "NetworkS3Endpoint",
        VpcEndpoint {
            policy_document: None,
            private_dns_enabled: None,
            route_table_ids: Some(vec![network.private_route_table.r#ref()].into()),
            security_group_ids: None,
            subnet_ids: None,
            service_name: Some(sub("com.amazonaws.${AWS::Region}.s3").into()),
            vpc_endpoint_type: Some(VpcEndpointType::Gateway.into()),
            ..VpcEndpoint::new(network.vpc.r#ref())
        },
    )?
    .satisfies(REQ);
    Ok(())
}

/// The function's security group: HTTPS out (S3) and NFS to the VPC (EFS).
fn add_security_group(t: &mut Template, demo: &DemoFleet<'_>) -> Result<LogicalId, Error> {
    let group_description = "The update files publisher function: HTTPS to S3 (through the gateway endpoint) and NFS to EFS, nothing in";
    Ok(t.add(
        "PublisherSecurityGroup",
        SecurityGroup {
            security_group_egress: Some(
                vec![
                    EgressRule {
                        cidr_ip: Some("0.0.0.0/0".into()),
                        description: Some("HTTPS: S3, through the gateway endpoint".into()),
                        from_port: Some(443.into()),
                        to_port: Some(443.into()),
                        ..EgressRule::new("tcp")
                    },
                    EgressRule {
                        cidr_ip: Some(demo.vpc_cidr.to_string().into()),
                        description: Some("NFS (TLS) to the EFS mount targets".into()),
                        from_port: Some(2049.into()),
                        to_port: Some(2049.into()),
                        ..EgressRule::new("tcp")
                    },
                ]
                .into(),
            ),
            tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-publisher"))].into()),
            vpc_id: Some(demo.network.vpc.r#ref()),
            ..SecurityGroup::new(group_description)
        },
    )?
    .satisfies(REQ)
    .id()
    .clone())
}

/// What the publisher may do: read the updates bucket, write EFS through
/// its own access point, keep failed events, and its network interfaces.
fn publisher_statements(
    bucket_arn_text: &str,
    fleet: &WebFleetIds,
    access_point: &LogicalId,
    failures: &LogicalId,
) -> Vec<Statement> {
    let mut statements = vec![
        Statement::allow(
            &["s3:GetObject"],
            vec![with_stack_uuid(format!("{bucket_arn_text}/*"))],
        )
        .sid("ReadUpdateFiles"),
        // Without it a removed key answers 403 instead of 404, and the
        // function could not tell "deleted" from "forbidden".
        Statement::allow(
            &["s3:ListBucket"],
            vec![with_stack_uuid(bucket_arn_text.to_string())],
        )
        .sid("TellRemovedKeys"),
        Statement::allow(
            &[
                "elasticfilesystem:ClientMount",
                "elasticfilesystem:ClientWrite",
            ],
            vec![fleet.file_system.get_att("Arn")],
        )
        .sid("WriteFilesThroughOwnAccessPoint")
        .condition(
            "StringEquals",
            "elasticfilesystem:AccessPointArn",
            vec![access_point.get_att("Arn")],
        ),
        send_to_queue_statement(failures, "KeepFailedEvents"),
    ];
    statements.extend(network_interface_statements());
    statements
}

/// What the publisher function is built from.
struct FunctionParts<'a> {
    package: &'a Package,
    assets: &'a LogicalId,
    security_group: &'a LogicalId,
    access_point: &'a LogicalId,
    statements: Vec<Statement>,
    bucket_name: Value<String>,
}

/// The publisher function in the private subnets, with the files mounted
/// through its access point (once the mount targets exist).
fn add_function(
    t: &mut Template,
    p: &PublisherOptions,
    demo: &DemoFleet<'_>,
    parts: FunctionParts<'_>,
) -> Result<LogicalId, Error> {
    let mut env = IndexMap::new();
    env.insert("BUCKET_NAME".to_string(), parts.bucket_name);
    env.insert("FILES_ROOT".to_string(), PUBLISHER_MOUNT.into());
    let function = LambdaFunction {
        name: "Publisher",
        description: "Copies each update file created in the updates bucket onto the demo origin's EFS (and deletes removed ones)",
        package: parts.package,
        assets_bucket: parts.assets,
        handler: "handler.handler",
        memory_mb: p.memory_mb.get_u32(),
        timeout_s: p.timeout_seconds.get_u32(),
        architecture: Architecture::Arm64.as_str(),
        environment: env,
        statements: parts.statements,
        managed_policies: Vec::new(),
        log_retention_days: RetentionDays::default().get(),
        vpc: Some(VpcConfig {
            security_group_ids: Some(vec![parts.security_group.get_att("GroupId")].into()),
            subnet_ids: Some(
                demo.network
                    .private_subnets
                    .iter()
                    .map(LogicalId::r#ref)
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ..Default::default()
        }),
        requirements: REQ,
    }
    .add_to(t)?
    .function;
    let r = t
        .resource_mut(function.as_str())
        .ok_or_else(|| Error::Internal("the publisher function is missing".into()))?;
    r.get_mut::<Function>()
        .ok_or_else(|| Error::Internal("the publisher is not a typed function".into()))?
        .file_system_configs = Some(
        vec![FileSystemConfig::new(
            parts.access_point.get_att("Arn"),
            PUBLISHER_MOUNT,
        )]
        .into(),
    );
    r.accepts_risk(
        "CKV_AWS_115",
        "draws on the account's unreserved concurrency: S3 invokes it asynchronously, so a throttled event waits and is retried for up to 6 hours, then kept in PublisherFailures (update-offload has no options.lambda to reserve concurrency)",
    );
    // Lambda mounts the file system when the function is created: the mount
    // targets must exist by then.
    for m in &demo.fleet.files_mount_targets {
        r.depends_on(m);
    }
    Ok(function)
}

/// The private, versioned updates bucket whose created and removed objects
/// invoke the publisher (once it may).
fn add_updates_bucket(
    t: &mut Template,
    p: &PublisherOptions,
    retain: bool,
    bucket_name: Value<String>,
    function: &LogicalId,
    permission: LogicalId,
) -> Result<(), Error> {
    let lambda_on = |event: &str| LambdaConfiguration {
        event: event.into(),
        filter: None,
        function: function.get_att("Arn"),
    };
    let bucket = PrivateBucket {
        id: "UpdatesBucket",
        noncurrent_version_days: Some(p.keep_old_versions_days.get_u32()),
        retain,
        requirements: REQ,
        bucket_name: Some(bucket_name),
        notifications: Some(NotificationConfiguration {
            lambda_configurations: Some(
                vec![
                    lambda_on("s3:ObjectCreated:*"),
                    lambda_on("s3:ObjectRemoved:*"),
                ]
                .into(),
            ),
            ..Default::default()
        }),
        depends_on: vec![permission],
        ..Default::default()
    }
    .add_to(t)?;
    t.output(
        "UpdatesBucketName",
        "Publish update files here (aws s3 sync ./site s3://BUCKET/): each object is copied onto the demo origin under its key",
        bucket.r#ref(),
        None,
    )?;
    Ok(())
}
