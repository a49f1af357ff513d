//! `options.security.access_logs`: one retained, encrypted log bucket per
//! stack, and every CloudFront distribution, load balancer and bucket of the
//! stack (nested templates included) writing its access logs into it.
//!
//! - The log bucket lives in the stack's root template as [`LOG_BUCKET_ID`];
//!   a nested template that needs it gets its name as a parameter of the same
//!   name from its parent's `AWS::CloudFormation::Stack` `Parameters`, so a
//!   `Ref: LogBucket` means the bucket's name at every depth. A blueprint
//!   whose root already has a bucket with that ID (conference's site log
//!   bucket) has it used for the stack instead of a second one.
//! - Prefixes are the writer's logical ID (with its nested stack's, for a
//!   nested writer), so they stay put when options or services come and go:
//!   `cloudfront/<Distribution>/`, `elb/<LoadBalancer>` (Elastic Load
//!   Balancing adds `/AWSLogs/<account>/...`), `s3/<Bucket>/`.
//! - The bucket policy lets exactly the writers in, each only under its own
//!   prefixes: S3 server access logging (`logging.s3.amazonaws.com`, from
//!   this account and, in the root template, from the stack's buckets) and
//!   Elastic Load Balancing (the region's ELB account, or its log-delivery
//!   service in Regions opened since August 2022). CloudFront standard
//!   logging writes through an ACL grant it adds itself, so the bucket keeps
//!   ACLs enabled (`BucketOwnerPreferred`) when the stack has a distribution.
//! - SSE-S3 (AES256), not SSE-KMS: Elastic Load Balancing supports only
//!   SSE-S3 on its target bucket ("Enable access logs for your Application
//!   Load Balancer", bucket requirements), and one bucket serves every
//!   writer of the stack.

use crate::cfn::intrinsic::sub;
use crate::cfn::policy::{Principal, Statement};
use crate::cfn::resources::cloudformation::Stack;
use crate::cfn::resources::cloudfront::{Distribution, Logging};
use crate::cfn::resources::elasticloadbalancingv2::LoadBalancer;
use crate::cfn::resources::s3::{
    Bucket, BucketPolicy, LifecycleRule, LoggingConfiguration, OwnershipControls, RuleStatus,
};
use crate::cfn::resources::Tag;
use crate::cfn::template::{Resource, ResourceProperties};
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::bucket::{PrivateBucket, LOG_BUCKET_ID};
use crate::config::security::AccessLogOptions;
use crate::error::Error;

const DISTRIBUTION: &str = Distribution::TYPE;
const LOAD_BALANCER: &str = LoadBalancer::TYPE;
const BUCKET: &str = Bucket::TYPE;

/// The reason recorded on each unlogged resource when logs are off.
pub const TURNED_OFF: &str = "access logs turned off (options.security.access_logs.enabled: false)";

/// Elastic Load Balancing's account per Region, for the Regions available
/// before August 2022; Regions opened since write through the service
/// principal [`ELB_LOG_DELIVERY_SERVICE`] instead. Source: "Step 2: Attach a
/// policy to your S3 bucket", Enable access logs for your Application Load
/// Balancer, Elastic Load Balancing User Guide,
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html>.
pub const ELB_ACCOUNTS: &[(&str, &str)] = &[
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-southeast-3", "589379963580"),
    ("ap-south-1", "718504428378"),
    ("ap-northeast-3", "383597477331"),
    ("ap-northeast-2", "600734575887"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-northeast-1", "582318560864"),
    ("ca-central-1", "985666609251"),
    ("eu-central-1", "054676820928"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-south-1", "635631232127"),
    ("eu-west-3", "009996457667"),
    ("eu-north-1", "897822967062"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
    ("us-gov-west-1", "048591011584"),
    ("us-gov-east-1", "190560391635"),
    ("cn-north-1", "638102146993"),
    ("cn-northwest-1", "037604701340"),
];

/// The principal that writes load balancer access logs in Regions opened
/// since August 2022 (same source as [`ELB_ACCOUNTS`]).
pub const ELB_LOG_DELIVERY_SERVICE: &str = "logdelivery.elasticloadbalancing.amazonaws.com";

/// Regions whose buckets CloudFront does not deliver standard logs to.
/// Source: the `BucketName` parameter of AWSConfigRemediation-
/// EnableCloudFrontAccessLogs, AWS Systems Manager Automation runbook
/// reference ("Buckets in the af-south-1, ap-east-1, eu-south-1, and
/// me-south-1 Region are not supported").
pub const NO_CLOUDFRONT_LOG_DELIVERY: &[&str] =
    &["af-south-1", "ap-east-1", "eu-south-1", "me-south-1"];

/// Access logs of distributions, load balancers and buckets.
pub fn apply(t: &mut Template, o: &AccessLogOptions, region: &str) -> Result<(), Error> {
    if !o.enabled {
        turned_off(t);
        if t.resource(LOG_BUCKET_ID)
            .is_some_and(|r| r.kind() == BUCKET)
        {
            log_bucket_risks(t);
        }
        return Ok(());
    }
    if !needs_logs(t) {
        return Ok(());
    }
    let cloudfront_delivers = !NO_CLOUDFRONT_LOG_DELIVERY.contains(&region);
    let mut writers = Writers::default();
    wire(t, "", true, cloudfront_delivers, region, &mut writers)?;
    let statements = writers.statements(region);
    let reused = t
        .resource(LOG_BUCKET_ID)
        .is_some_and(|r| r.kind() == BUCKET);
    if reused {
        extend_existing(t, &writers, statements, o.retention_days.get_u32());
    } else {
        let bucket = PrivateBucket {
            id: LOG_BUCKET_ID,
            retain: true,
            expire_objects_days: Some(o.retention_days.get_u32()),
            acls_for_log_delivery: writers.cloudfront,
            policy_statements: statements,
            ..Default::default()
        }
        .add_to(t)?;
        t.output(
            "LogBucketName",
            "Access logs of the stack's distributions, load balancers and buckets",
            bucket.r#ref(),
            None,
        )?;
    }
    log_bucket_risks(t);
    Ok(())
}

/// Who writes into the log bucket, and under which prefixes.
#[derive(Default)]
struct Writers {
    /// Some distribution logs (the bucket needs ACLs).
    cloudfront: bool,
    /// `(bucket logical ID, prefix)` of the root template's buckets.
    s3_root: Vec<(LogicalId, String)>,
    /// Prefixes of buckets in nested templates.
    s3_nested: Vec<String>,
    /// Prefixes of load balancers.
    elb: Vec<String>,
    /// Top-level prefixes used (`cloudfront/`, `elb/`, `s3/`), in the order
    /// of first use.
    tops: Vec<&'static str>,
}

impl Writers {
    fn top(&mut self, top: &'static str) {
        if !self.tops.contains(&top) {
            self.tops.push(top);
        }
    }

    /// The bucket policy statements that let exactly these writers in.
    fn statements(&self, region: &str) -> Vec<Statement> {
        let objects = |prefix: &str, tail: &str| -> Value<String> {
            sub(format!("${{{LOG_BUCKET_ID}.Arn}}/{prefix}{tail}")).into()
        };
        let account = || -> Vec<Value<String>> { vec![sub("${AWS::AccountId}").into()] };
        let mut out = Vec::new();
        if !self.s3_root.is_empty() {
            out.push(
                Statement::allow(
                    &["s3:PutObject"],
                    self.s3_root.iter().map(|(_, p)| objects(p, "*")).collect(),
                )
                .sid("S3ServerAccessLogs")
                .principal(Principal::Service(vec!["logging.s3.amazonaws.com".into()]))
                .condition(
                    "ArnLike",
                    "aws:SourceArn",
                    self.s3_root
                        .iter()
                        .map(|(id, _)| id.get_att("Arn"))
                        .collect(),
                )
                .condition("StringEquals", "aws:SourceAccount", account()),
            );
        }
        if !self.s3_nested.is_empty() {
            // A nested bucket's ARN is not known here without an output
            // read back from its stack: the account and the prefix bound it.
            out.push(
                Statement::allow(
                    &["s3:PutObject"],
                    self.s3_nested.iter().map(|p| objects(p, "*")).collect(),
                )
                .sid("S3ServerAccessLogsOfNestedStacks")
                .principal(Principal::Service(vec!["logging.s3.amazonaws.com".into()]))
                .condition("StringEquals", "aws:SourceAccount", account()),
            );
        }
        if !self.elb.is_empty() {
            let principal = match ELB_ACCOUNTS.iter().find(|(r, _)| *r == region) {
                Some((_, id)) => {
                    Principal::Aws(vec![
                        sub(format!("arn:${{AWS::Partition}}:iam::{id}:root")).into()
                    ])
                }
                None => Principal::Service(vec![ELB_LOG_DELIVERY_SERVICE.into()]),
            };
            out.push(
                Statement::allow(
                    &["s3:PutObject"],
                    self.elb
                        .iter()
                        .map(|p| objects(p, "/AWSLogs/${AWS::AccountId}/*"))
                        .collect(),
                )
                .sid("LoadBalancerAccessLogs")
                .principal(principal),
            );
        }
        out
    }
}

/// Whether the tree has anything that writes access logs.
fn needs_logs(t: &Template) -> bool {
    t.resources().any(|r| match r.kind() {
        DISTRIBUTION | LOAD_BALANCER => true,
        BUCKET => r.id().as_str() != LOG_BUCKET_ID,
        _ => false,
    }) || t.nested().any(|(_, c)| needs_logs(c))
}

/// Points every writer of `t` (and of its nested templates) at the log
/// bucket. `path` is the nested stacks' logical IDs joined with `/` (empty
/// in the root template, whose log bucket is a resource; elsewhere it is a
/// parameter).
fn wire(
    t: &mut Template,
    path: &str,
    root: bool,
    cloudfront_delivers: bool,
    region: &str,
    w: &mut Writers,
) -> Result<(), Error> {
    let bucket = logical_id(LOG_BUCKET_ID)?;
    let policy = logical_id(&format!("{LOG_BUCKET_ID}Policy"))?;
    for r in t.resources_mut() {
        let id = r.id().to_string();
        match r.kind() {
            DISTRIBUTION if cloudfront_delivers => {
                let domain: Value<String> = if root {
                    bucket.get_att("DomainName")
                } else {
                    sub(format!("${{{LOG_BUCKET_ID}}}.s3.${{AWS::URLSuffix}}")).into()
                };
                let logging = Logging::to_bucket(domain, format!("cloudfront/{path}{id}/"));
                if let Some(Value::Lit(config)) = r
                    .get_mut::<Distribution>()
                    .map(|d| &mut d.distribution_config)
                {
                    config.logging = Some(logging.into());
                }
                w.cloudfront = true;
                w.top("cloudfront/");
            }
            DISTRIBUTION => {
                r.accepts_risk(
                    "CKV_AWS_86",
                    &format!("CloudFront does not deliver standard logs to S3 buckets in {region}, the stack's Region"),
                );
            }
            LOAD_BALANCER => {
                let prefix = format!("elb/{path}{id}");
                set_load_balancer_logs(r, &bucket, &prefix);
                if root {
                    // Elastic Load Balancing checks it may write when the
                    // attributes are set.
                    r.depends_on(&policy);
                }
                w.elb.push(prefix);
                w.top("elb/");
            }
            BUCKET if id != LOG_BUCKET_ID => {
                let Some(b) = r.get_mut::<Bucket>() else {
                    continue;
                };
                if b.logging_configuration.is_some() {
                    continue;
                }
                let prefix = format!("s3/{path}{id}/");
                b.logging_configuration = Some(
                    LoggingConfiguration {
                        destination_bucket_name: Some(bucket.r#ref()),
                        log_file_prefix: Some(prefix.clone().into()),
                        ..Default::default()
                    }
                    .into(),
                );
                if root {
                    w.s3_root.push((r.id().clone(), prefix));
                } else {
                    w.s3_nested.push(prefix);
                }
                w.top("s3/");
            }
            _ => {}
        }
    }
    // Nested templates that need the bucket get its name as a parameter.
    let mut children = Vec::new();
    for (id, child) in t.nested_mut() {
        if !needs_logs(child) {
            continue;
        }
        let elb_before = w.elb.len();
        wire(
            child,
            &format!("{path}{id}/"),
            false,
            cloudfront_delivers,
            region,
            w,
        )?;
        if !child.parameters.contains_key(LOG_BUCKET_ID) {
            child.parameter(
                LOG_BUCKET_ID,
                Parameter::string("The stack's access-log bucket (options.security.access_logs)"),
            )?;
        }
        children.push((id.clone(), w.elb.len() > elb_before));
    }
    for (id, has_load_balancer) in children {
        if let Some(r) = t.resource_mut(id.as_str()) {
            let Some(stack) = r.get_mut::<Stack>() else {
                continue;
            };
            let params = stack
                .parameters
                .get_or_insert_with(|| indexmap::IndexMap::new().into());
            if let Value::Lit(m) = params {
                m.insert(LOG_BUCKET_ID.into(), bucket.r#ref());
            }
            if root && has_load_balancer {
                r.depends_on(&policy);
            }
        }
    }
    Ok(())
}

/// Turns on a load balancer's access logs, keeping its other attributes.
fn set_load_balancer_logs(r: &mut Resource, bucket: &LogicalId, prefix: &str) {
    let ours = [
        Tag::new("access_logs.s3.enabled", "true"),
        Tag::new("access_logs.s3.bucket", bucket.r#ref()),
        Tag::new("access_logs.s3.prefix", prefix),
    ];
    let Some(lb) = r.get_mut::<LoadBalancer>() else {
        return;
    };
    let list = lb
        .load_balancer_attributes
        .get_or_insert_with(|| Vec::new().into());
    if let Value::Lit(list) = list {
        list.retain(|a| !a.key.starts_with("access_logs.s3."));
        list.extend(ours);
    }
}

/// Uses the blueprint's own log bucket for the stack: the writers' policy
/// statements join its policy, its ACLs are enabled for CloudFront, and
/// each prefix the pass uses expires after `retention_days` (the blueprint's
/// own prefix keeps its own rule).
fn extend_existing(t: &mut Template, w: &Writers, statements: Vec<Statement>, days: u32) {
    let policy = t
        .resource_mut(&format!("{LOG_BUCKET_ID}Policy"))
        .and_then(|p| p.get_mut::<BucketPolicy>());
    if let Some(p) = policy {
        p.policy_document.statement.extend(statements);
    }
    let Some(b) = t
        .resource_mut(LOG_BUCKET_ID)
        .and_then(|b| b.get_mut::<Bucket>())
    else {
        return;
    };
    if w.cloudfront {
        b.ownership_controls = Some(OwnershipControls::bucket_owner_preferred().into());
    }
    let rules = match &mut b.lifecycle_configuration {
        Some(Value::Lit(l)) => match &mut l.rules {
            Value::Lit(rules) => Some(rules),
            Value::Fn(_) => None,
        },
        _ => None,
    };
    if let Some(rules) = rules {
        for top in &w.tops {
            let name = top.trim_end_matches('/');
            rules.push(LifecycleRule {
                id: Some(format!("ExpireAccessLogs-{name}").into()),
                expiration_in_days: Some(days.into()),
                prefix: Some((*top).to_string().into()),
                ..LifecycleRule::new(RuleStatus::Enabled)
            });
        }
    }
}

/// The checks the log bucket does not meet, and why.
fn log_bucket_risks(t: &mut Template) {
    if let Some(b) = t.resource_mut(LOG_BUCKET_ID) {
        b.accepts_risk(
            "CKV_AWS_18",
            "the access-log bucket itself: logging its own access would write logs about log writes, into itself or into yet another bucket",
        )
        .accepts_risk(
            "CKV_AWS_21",
            "log files are written once and never changed; the lifecycle deletes them after the retention period, so versions would only keep deleted logs",
        );
    }
}

/// `enabled: false`: each resource that would have logged records why not.
fn turned_off(t: &mut Template) {
    crate::passes::each_template(t, &mut |t| {
        for r in t.resources_mut() {
            match r.kind() {
                DISTRIBUTION => {
                    r.accepts_risk("CKV_AWS_86", TURNED_OFF);
                }
                LOAD_BALANCER => {
                    r.accepts_risk("CKV_AWS_91", TURNED_OFF);
                }
                BUCKET
                    if r.id().as_str() != LOG_BUCKET_ID
                        && r.get::<Bucket>()
                            .is_some_and(|b| b.logging_configuration.is_none()) =>
                {
                    r.accepts_risk("CKV_AWS_18", TURNED_OFF);
                }
                _ => {}
            }
        }
    });
}

fn logical_id(id: &str) -> Result<LogicalId, Error> {
    Ok(LogicalId::new(id).map_err(crate::cfn::template::TemplateError::from)?)
}
