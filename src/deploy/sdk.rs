//! The AWS SDK implementation of [`CloudFormation`] and [`ObjectStore`]:
//! SDK types are converted into the crate's own here and nowhere else.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudformation as cfn;
use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3 as s3;
use aws_smithy_types::date_time::Format as DateFormat;

use super::cloudformation::{CloudFormation, ObjectStore};
use super::error::DeployError;
use super::types::{
    Capability, ChangeAction, ChangeDetail, ChangeSet, ChangeSetKind, ChangeSetRequest,
    Replacement, ResourceChange, Stack, StackEvent, StackOutput, StackResource, StackStatus,
    TemplateSource,
};

/// How to reach AWS: the default chain plus the command line's choices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// Overrides the project's region.
    pub region: Option<String>,
    /// A custom endpoint (a local emulator); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
    /// Attempts per request (1 = no retries); `None` for the SDK default (3).
    pub max_attempts: Option<u32>,
}

/// The environment variable that sets how long one attempt of an AWS call
/// may take, in seconds (connecting, and waiting for the whole answer).
pub const TIMEOUT_ENV: &str = "BLUEPRINT_TIMEOUT_SECONDS";

/// One attempt's limit when [`TIMEOUT_ENV`] does not say: with retries,
/// a silent endpoint is reported after [`total`] of it (20 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

/// The limit of one attempt: [`TIMEOUT_ENV`] when it is a positive number
/// of seconds (`2`, `0.5`), else [`DEFAULT_TIMEOUT`].
pub fn attempt_timeout() -> Duration {
    std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// The limit of a whole call, retries and their backoff included.
pub fn total(attempt: Duration) -> Duration {
    attempt * 5 / 2
}

/// Connect, read, attempt and operation timeouts for calls whose answers
/// are small (every CloudFormation call, S3's HEAD).
fn timeouts(attempt: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(attempt)
        .read_timeout(attempt)
        .operation_attempt_timeout(attempt)
        .operation_timeout(total(attempt))
        .build()
}

/// The timeouts of an upload of `len` bytes: the attempt's limit plus the
/// time to send it at 64 KiB/s, so a large package on a slow link is not
/// cut off while a silent endpoint still is.
fn upload_timeouts(attempt: Duration, len: usize) -> TimeoutConfig {
    let sending = Duration::from_secs_f64(len as f64 / (64.0 * 1024.0));
    let t = attempt + sending;
    TimeoutConfig::builder()
        .connect_timeout(attempt)
        .read_timeout(t)
        .operation_attempt_timeout(t)
        .operation_timeout(total(t))
        .build()
}

/// Seconds for a message: `10`, `2.5`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{}", (s * 10.0).round() / 10.0)
    }
}

/// The HTTP client of every SDK client and credential provider (SSO, web
/// identity, ECS, IMDS): the SDK's own default HTTPS client (hyper 1,
/// rustls 0.23, the platform's trust roots, TLS 1.2 and 1.3, proxies from
/// `HTTPS_PROXY`/`NO_PROXY`) built the way `aws-smithy-runtime` builds it,
/// with ring as rustls's crypto provider instead of aws-lc-rs, whose C
/// library was the longest step of a cold build. Plain `http://` endpoints
/// (a local emulator) still work.
fn https_client() -> cfn::config::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut conn = ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}

/// CloudFormation and S3 clients for one region.
pub struct Aws {
    pub(super) cfn: cfn::Client,
    s3: s3::Client,
    /// Lambda and CloudWatch Logs (the inner loop: `sdk_lambda.rs`).
    pub(super) lambda: aws_sdk_lambda::Client,
    pub(super) logs: aws_sdk_cloudwatchlogs::Client,
    /// STS, for the account of the credentials (`sdk_identity.rs`).
    pub(super) sts: aws_sdk_sts::Client,
    region: String,
    pub(super) endpoint: String,
    /// One attempt's limit (see [`attempt_timeout`]).
    pub(super) timeout: Duration,
}

impl Aws {
    /// Loads configuration from the default chain (environment, profiles,
    /// SSO) with the given overrides.
    pub async fn connect(region: &str, opts: &AwsOptions) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .region(Region::new(region.to_string()));
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        if let Some(n) = opts.max_attempts {
            loader = loader.retry_config(RetryConfig::standard().with_max_attempts(n.max(1)));
        }
        // Every call is bounded: an endpoint that accepts connections and
        // never answers (or stops in the middle of an answer) is reported.
        let timeout = attempt_timeout();
        loader = loader.timeout_config(timeouts(timeout));
        let conf = loader.load().await;
        let endpoint = conf
            .endpoint_url()
            .map(str::to_string)
            .unwrap_or_else(|| format!("https://cloudformation.{region}.{}", dns_suffix(region)));
        let custom_endpoint = conf.endpoint_url().is_some();
        let s3_conf = s3::config::Builder::from(&conf)
            .force_path_style(custom_endpoint)
            .build();
        Aws {
            cfn: cfn::Client::new(&conf),
            s3: s3::Client::from_conf(s3_conf),
            lambda: aws_sdk_lambda::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            sts: aws_sdk_sts::Client::new(&conf),
            region: region.to_string(),
            endpoint,
            timeout,
        }
    }

    /// The endpoint S3 calls go to, for messages: the custom endpoint, or
    /// the region's S3.
    fn s3_endpoint(&self) -> String {
        if self.endpoint.starts_with("https://cloudformation.") {
            format!("https://s3.{}.{}", self.region, dns_suffix(&self.region))
        } else {
            self.endpoint.clone()
        }
    }

    pub(super) fn fail<E>(
        &self,
        operation: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> DeployError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        classify(operation, &self.endpoint, self.timeout, err)
    }
}

/// The error for a call that got no answer in time (connecting, waiting for
/// the answer, or reading it): it names the call, the endpoint and the
/// limits, whichever limit struck first.
fn timed_out(operation: &'static str, endpoint: &str, attempt: Duration) -> DeployError {
    DeployError::Other {
        operation,
        message: format!(
            "no answer from {endpoint} in time ({} s per attempt, {} s in all); check that the endpoint is right and answering, or allow more time with {TIMEOUT_ENV}",
            seconds(attempt),
            seconds(total(attempt))
        ),
    }
}

/// Sorts an SDK error into what a user can do about it. `attempt` is the
/// limit of one attempt, for the message of a timeout.
pub(super) fn classify<E>(
    operation: &'static str,
    endpoint: &str,
    attempt: Duration,
    err: SdkError<E, HttpResponse>,
) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::TimeoutError(_) => return timed_out(operation, endpoint, attempt),
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            return timed_out(operation, endpoint, attempt)
        }
        _ => {}
    }
    let text = DisplayErrorContext(&err).to_string();
    if text.contains("credentials") || text.contains("no credential") {
        return DeployError::NoCredentials {
            detail: short(&text),
        };
    }
    match &err {
        SdkError::DispatchFailure(d) if d.is_io() => DeployError::Unreachable {
            service: "AWS",
            endpoint: endpoint.to_string(),
            detail: format!("{operation}: {}", short(&text)),
        },
        SdkError::ServiceError(service) if service.raw().status().is_success() => {
            // A success status with a body the SDK cannot read (not XML, or
            // not CloudFormation's): not an AWS endpoint, or a broken one.
            DeployError::Other {
                operation,
                message: unreadable(endpoint, service.raw()),
            }
        }
        SdkError::ResponseError(r) => DeployError::Other {
            operation,
            message: unreadable(endpoint, r.raw()),
        },
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            // An endpoint that answers without an error code (an emulator's
            // internal error, a proxy) still says which HTTP status it gave.
            let code = err
                .code()
                .map_or_else(|| format!("HTTP {status}"), str::to_string);
            let message = match err.message() {
                Some(m) if !m.is_empty() => m.to_string(),
                _ => format!(
                    "the endpoint {endpoint} answered HTTP {status} without an error message; its own log may say more"
                ),
            };
            if matches!(
                code.as_str(),
                "Throttling"
                    | "ThrottlingException"
                    | "TooManyRequestsException"
                    | "RequestLimitExceeded"
            ) {
                DeployError::Throttled { operation, message }
            } else {
                DeployError::Api {
                    operation,
                    code,
                    message,
                }
            }
        }
        _ => DeployError::Other {
            operation,
            message: short(&text),
        },
    }
}

/// The message for an answer that cannot be read: its status and how it
/// starts (control characters blanked, at most 60 characters).
fn unreadable(endpoint: &str, raw: &HttpResponse) -> String {
    let status = raw.status().as_u16();
    let body = raw
        .body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let start: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(60)
        .collect();
    let start = start.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = if start.is_empty() {
        "an empty body".to_string()
    } else {
        format!("a body starting `{start}`")
    };
    format!(
        "the endpoint {endpoint} answered HTTP {status} with {shown}, which is not a CloudFormation answer; check that --endpoint-url (or AWS_ENDPOINT_URL) points at CloudFormation"
    )
}

/// The most useful part of a long SDK error chain: the readable causes, not
/// the debug dump that follows them.
fn short(text: &str) -> String {
    let mut t = text.trim();
    for marker in [
        " (DispatchFailure",
        " (ServiceError",
        " (ConstructionFailure",
        " (TimeoutError",
        " (ResponseError",
    ] {
        if let Some(i) = t.find(marker) {
            t = &t[..i];
        }
    }
    if t.len() > 400 {
        format!(
            "{}…",
            &t[..t.char_indices().nth(400).map(|(i, _)| i).unwrap_or(t.len())]
        )
    } else {
        t.to_string()
    }
}

pub(super) fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|d| d.fmt(DateFormat::DateTime).ok())
}

fn does_not_exist(e: &DeployError) -> bool {
    matches!(e, DeployError::Api { code, message, .. } if code == "ValidationError" && message.contains("does not exist"))
}

impl CloudFormation for Aws {
    async fn describe_stack(&self, name: &str) -> Result<Option<Stack>, DeployError> {
        let out = match self.cfn.describe_stacks().stack_name(name).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = self.fail("DescribeStacks", e);
                return if does_not_exist(&e) { Ok(None) } else { Err(e) };
            }
        };
        let Some(s) = out.stacks().first() else {
            return Ok(None);
        };
        let status = StackStatus::parse(s.stack_status().map(|x| x.as_str()).unwrap_or("UNKNOWN"));
        if status == StackStatus::DeleteComplete {
            return Ok(None);
        }
        Ok(Some(Stack {
            name: s.stack_name().unwrap_or(name).to_string(),
            id: s.stack_id().unwrap_or_default().to_string(),
            status,
            status_reason: s.stack_status_reason().map(str::to_string),
            last_updated: time(s.last_updated_time().or(s.creation_time())),
            outputs: s
                .outputs()
                .iter()
                .map(|o| StackOutput {
                    key: o.output_key().unwrap_or_default().to_string(),
                    value: o.output_value().unwrap_or_default().to_string(),
                    description: o.description().map(str::to_string),
                    export_name: o.export_name().map(str::to_string),
                })
                .collect(),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
        }))
    }

    async fn get_template(&self, name: &str) -> Result<String, DeployError> {
        let out = self
            .cfn
            .get_template()
            .stack_name(name)
            .template_stage(cfn::types::TemplateStage::Original)
            .send()
            .await
            .map_err(|e| self.fail("GetTemplate", e))?;
        Ok(out.template_body().unwrap_or_default().to_string())
    }

    async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<String, DeployError> {
        let mut call = self
            .cfn
            .create_change_set()
            .stack_name(&req.stack_name)
            .change_set_name(&req.change_set_name)
            .description(&req.description)
            .include_nested_stacks(req.include_nested)
            .change_set_type(match req.kind {
                ChangeSetKind::Create => cfn::types::ChangeSetType::Create,
                ChangeSetKind::Update => cfn::types::ChangeSetType::Update,
            });
        call = match &req.template {
            TemplateSource::Body(b) => call.template_body(b),
            TemplateSource::Url(u) => call.template_url(u),
        };
        for (k, v) in &req.parameters {
            call = call.parameters(
                cfn::types::Parameter::builder()
                    .parameter_key(k)
                    .parameter_value(v)
                    .build(),
            );
        }
        for c in &req.capabilities {
            call = call.capabilities(cfn::types::Capability::from(c.as_str()));
        }
        for (k, v) in &req.tags {
            call = call.tags(cfn::types::Tag::builder().key(k).value(v).build());
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.fail("CreateChangeSet", e))?;
        Ok(out.id().unwrap_or_default().to_string())
    }

    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, DeployError> {
        let mut token: Option<String> = None;
        let mut set: Option<ChangeSet> = None;
        loop {
            // A change set ARN names its stack; a nested change set belongs
            // to a nested stack whose name the caller may not know.
            let stack_name = (!id.starts_with("arn:")).then(|| stack.to_string());
            let out = self
                .cfn
                .describe_change_set()
                .set_stack_name(stack_name)
                .change_set_name(id)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| self.fail("DescribeChangeSet", e))?;
            let s = set.get_or_insert_with(|| ChangeSet {
                id: out.change_set_id().unwrap_or(id).to_string(),
                name: out.change_set_name().unwrap_or_default().to_string(),
                stack_id: out.stack_id().unwrap_or_default().to_string(),
                stack_name: out.stack_name().unwrap_or_default().to_string(),
                description: out.description().map(str::to_string),
                status: out
                    .status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                status_reason: out.status_reason().map(str::to_string),
                execution_status: out.execution_status().map(|x| x.as_str().to_string()),
                changes: Vec::new(),
            });
            for c in out.changes() {
                let Some(rc) = c.resource_change() else {
                    continue;
                };
                s.changes.push(ResourceChange {
                    action: match rc.action().map(|a| a.as_str()) {
                        Some("Add") => ChangeAction::Add,
                        Some("Remove") => ChangeAction::Remove,
                        Some("Import") => ChangeAction::Import,
                        Some("Dynamic") => ChangeAction::Dynamic,
                        _ => ChangeAction::Modify,
                    },
                    logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: rc.physical_resource_id().map(str::to_string),
                    resource_type: rc.resource_type().unwrap_or_default().to_string(),
                    replacement: rc.replacement().map(|r| match r.as_str() {
                        "True" => Replacement::True,
                        "Conditional" => Replacement::Conditional,
                        _ => Replacement::False,
                    }),
                    scope: rc.scope().iter().map(|x| x.as_str().to_string()).collect(),
                    details: rc
                        .details()
                        .iter()
                        .map(|d| ChangeDetail {
                            name: d.target().and_then(|t| t.name()).map(str::to_string),
                            requires_recreation: d
                                .target()
                                .and_then(|t| t.requires_recreation())
                                .map(|r| r.as_str().to_string()),
                            change_source: d.change_source().map(|c| c.as_str().to_string()),
                        })
                        .collect(),
                    change_set_id: rc.change_set_id().map(str::to_string),
                });
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        set.ok_or_else(|| DeployError::Other {
            operation: "DescribeChangeSet",
            message: "empty answer".into(),
        })
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        self.cfn
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| self.fail("ExecuteChangeSet", e))?;
        Ok(())
    }

    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), DeployError> {
        self.cfn
            .delete_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| self.fail("DeleteChangeSet", e))?;
        Ok(())
    }

    async fn stack_events(
        &self,
        stack: &str,
        after_event_id: Option<&str>,
    ) -> Result<Vec<StackEvent>, DeployError> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .describe_stack_events()
                .stack_name(stack)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| self.fail("DescribeStackEvents", e))?;
            for e in out.stack_events() {
                let id = e.event_id().unwrap_or_default();
                if Some(id) == after_event_id {
                    return Ok(events);
                }
                events.push(StackEvent {
                    event_id: id.to_string(),
                    stack_name: e.stack_name().unwrap_or(stack).to_string(),
                    logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: e.physical_resource_id().map(str::to_string),
                    resource_type: e.resource_type().unwrap_or_default().to_string(),
                    status: e
                        .resource_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: e.resource_status_reason().map(str::to_string),
                    timestamp: time(e.timestamp()).unwrap_or_default(),
                });
            }
            token = out.next_token().map(str::to_string);
            // Without a marker only the most recent page is wanted.
            if token.is_none() || after_event_id.is_none() {
                return Ok(events);
            }
        }
    }

    async fn stack_resources(&self, stack: &str) -> Result<Vec<StackResource>, DeployError> {
        let mut resources = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .list_stack_resources()
                .stack_name(stack)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| self.fail("ListStackResources", e))?;
            for r in out.stack_resource_summaries() {
                resources.push(StackResource {
                    logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: r.physical_resource_id().map(str::to_string),
                    resource_type: r.resource_type().unwrap_or_default().to_string(),
                    status: r
                        .resource_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                });
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(resources);
            }
        }
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), DeployError> {
        self.cfn
            .delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| self.fail("DeleteStack", e))?;
        Ok(())
    }

    async fn set_stack_policy(&self, stack: &str, policy: &str) -> Result<(), DeployError> {
        self.cfn
            .set_stack_policy()
            .stack_name(stack)
            .stack_policy_body(policy)
            .send()
            .await
            .map_err(|e| self.fail("SetStackPolicy", e))?;
        Ok(())
    }

    async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), DeployError> {
        self.cfn
            .update_termination_protection()
            .stack_name(stack)
            .enable_termination_protection(on)
            .send()
            .await
            .map_err(|e| self.fail("UpdateTerminationProtection", e))?;
        Ok(())
    }
}

impl ObjectStore for Aws {
    async fn exists(&self, bucket: &str, key: &str) -> Result<bool, DeployError> {
        match self.s3.head_object().bucket(bucket).key(key).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                if let SdkError::ServiceError(se) = &e {
                    if se.err().is_not_found() {
                        return Ok(false);
                    }
                }
                Err(classify("HeadObject", &self.s3_endpoint(), self.timeout, e))
            }
        }
    }

    async fn put(&self, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), DeployError> {
        let limits = upload_timeouts(self.timeout, body.len());
        let attempt = limits.operation_attempt_timeout().unwrap_or(self.timeout);
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(s3::primitives::ByteStream::from(body))
            .customize()
            .config_override(s3::config::Builder::default().timeout_config(limits))
            .send()
            .await
            .map_err(|e| classify("PutObject", &self.s3_endpoint(), attempt, e))?;
        Ok(())
    }

    fn object_url(&self, bucket: &str, key: &str) -> String {
        if self.endpoint.starts_with("https://cloudformation.") {
            format!(
                "https://{bucket}.s3.{}.{}/{key}",
                self.region,
                dns_suffix(&self.region)
            )
        } else {
            format!("{}/{bucket}/{key}", self.endpoint.trim_end_matches('/'))
        }
    }
}

/// The DNS suffix of a region's partition: `amazonaws.com.cn` in China
/// (`cn-north-1`, `cn-northwest-1`), `amazonaws.com` in the standard and
/// GovCloud partitions.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The capability names, for messages.
pub fn capability_names(caps: &[Capability]) -> String {
    caps.iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_follow_the_region_partition() {
        assert_eq!(super::dns_suffix("cn-north-1"), "amazonaws.com.cn");
        assert_eq!(super::dns_suffix("us-gov-west-1"), "amazonaws.com");
        assert_eq!(super::dns_suffix("eu-central-1"), "amazonaws.com");
    }
}
