//! `options.lambda`: what every Lambda blueprint lets you tune on all of
//! its functions, one schema for all of them (FN-LIMITS, FN-TRACE,
//! FN-CONCURRENCY, FN-DEPLOY, FN-VPC, FN-ASYNC). The expansion is
//! [`crate::passes::lambda`].

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use super::values::{Ranged, VpcCidr};

/// Options shared by every function of a blueprint, with per-function
/// overrides. Every default leaves the functions as the blueprint builds them.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(try_from = "RawLambdaOptions")]
pub struct LambdaOptions {
    /// FN-TRACE: X-Ray active tracing.
    pub tracing: bool,
    /// FN-TRACE: JSON or text logs.
    pub log_format: LogFormat,
    /// FN-TRACE: the lowest application log level kept (JSON logs).
    pub log_level: Option<LogLevel>,
    /// FN-LIMITS: the size of `/tmp`.
    pub ephemeral_storage_mb: Ranged<512, 10_240>,
    /// FN-CONCURRENCY: concurrent executions reserved for each function.
    pub reserved_concurrency: Option<u32>,
    /// FN-CONCURRENCY: environments kept initialized on each function's `live` alias.
    pub provisioned_concurrency: u32,
    /// FN-LIMITS: the account's concurrent executions limit.
    pub account_concurrency_limit: Ranged<1_000, 10_000_000>,
    /// FN-DEPLOY: gradual deployments.
    pub deploy: DeployOptions,
    /// FN-VPC: where the functions run.
    pub vpc: VpcOptions,
    #[serde(rename = "async")]
    /// FN-ASYNC: asynchronous invocations.
    pub async_invocations: AsyncOptions,
    /// Per-function values, by logical ID.
    pub overrides: IndexMap<String, FunctionOverride>,
}

impl Default for LambdaOptions {
    fn default() -> Self {
        LambdaOptions::try_from(RawLambdaOptions::default()).expect("the defaults are valid")
    }
}

/// `options.lambda` as written, checked as a whole by `TryFrom`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "LambdaOptions")]
struct RawLambdaOptions {
    tracing: bool,
    log_format: LogFormat,
    log_level: Option<LogLevel>,
    ephemeral_storage_mb: Ranged<512, 10_240>,
    reserved_concurrency: Option<Ranged<0, 10_000_000>>,
    provisioned_concurrency: Ranged<0, 10_000_000>,
    account_concurrency_limit: Ranged<1_000, 10_000_000>,
    deploy: DeployOptions,
    vpc: RawVpcOptions,
    #[serde(rename = "async")]
    async_invocations: AsyncOptions,
    overrides: IndexMap<String, FunctionOverride>,
}

impl Default for RawLambdaOptions {
    fn default() -> Self {
        RawLambdaOptions {
            tracing: false,
            log_format: LogFormat::Json,
            log_level: None,
            ephemeral_storage_mb: Ranged::of(512),
            reserved_concurrency: None,
            provisioned_concurrency: Ranged::of(0),
            account_concurrency_limit: Ranged::of(1_000),
            deploy: DeployOptions::default(),
            vpc: RawVpcOptions::default(),
            async_invocations: AsyncOptions::default(),
            overrides: IndexMap::new(),
        }
    }
}

/// Lambda keeps 100 concurrent executions of an account unreserved.
pub const UNRESERVED_MINIMUM: u64 = 100;

impl TryFrom<RawLambdaOptions> for LambdaOptions {
    type Error = String;

    fn try_from(r: RawLambdaOptions) -> Result<Self, String> {
        let limit = r.account_concurrency_limit.get();
        let max_reserved = limit - UNRESERVED_MINIMUM;
        let check = |what: &str, reserved: Option<u64>, provisioned: Option<u64>| {
            if let Some(n) = reserved.filter(|n| *n > max_reserved) {
                return Err(format!(
                    "options.lambda{what}: reserved_concurrency {n} is over what an account with a limit of {limit} can reserve ({max_reserved}: Lambda keeps {UNRESERVED_MINIMUM} unreserved); raise account_concurrency_limit if your account's limit is higher"
                ));
            }
            match (reserved, provisioned) {
                (Some(res), Some(p)) if p > res => Err(format!(
                    "options.lambda{what}: provisioned_concurrency {p} is more than the reserved_concurrency {res} it must fit in"
                )),
                (None, Some(p)) if p > max_reserved => Err(format!(
                    "options.lambda{what}: provisioned_concurrency {p} is over what an account with a limit of {limit} allows ({max_reserved})"
                )),
                _ => Ok(()),
            }
        };
        let reserved = r.reserved_concurrency.map(Ranged::get);
        let provisioned = Some(r.provisioned_concurrency.get()).filter(|p| *p > 0);
        check("", reserved, provisioned)?;
        for (name, o) in &r.overrides {
            check(
                &format!(".overrides.{name}"),
                o.reserved_concurrency.map(Ranged::get).or(reserved),
                o.provisioned_concurrency.map(Ranged::get).or(provisioned),
            )?;
        }
        if r.log_level.is_some() && r.log_format == LogFormat::Text {
            return Err(
                "options.lambda: log_level needs `log_format: json` (Lambda filters levels of structured logs only)"
                    .into(),
            );
        }
        if r.deploy.strategy == DeployStrategy::None
            && (r.deploy.pre_traffic_hook || r.deploy.post_traffic_hook)
        {
            return Err(
                "options.lambda.deploy: traffic hooks run during gradual deployments: choose a `strategy` other than none"
                    .into(),
            );
        }
        Ok(LambdaOptions {
            tracing: r.tracing,
            log_format: r.log_format,
            log_level: r.log_level,
            ephemeral_storage_mb: r.ephemeral_storage_mb,
            reserved_concurrency: reserved.map(|n| n as u32),
            provisioned_concurrency: provisioned.unwrap_or(0) as u32,
            account_concurrency_limit: r.account_concurrency_limit,
            deploy: r.deploy,
            vpc: VpcOptions::try_from(r.vpc)?,
            async_invocations: r.async_invocations,
            overrides: r.overrides,
        })
    }
}

impl LambdaOptions {
    /// The settings of the function at `path` (its logical ID, or
    /// `NestedStack/LogicalId` inside a nested stack): the override for it,
    /// else the shared value.
    pub fn for_function(&self, path: &str) -> FunctionSettings {
        let o = self.overrides.get(path);
        FunctionSettings {
            tracing: o.and_then(|o| o.tracing).unwrap_or(self.tracing),
            ephemeral_storage_mb: o
                .and_then(|o| o.ephemeral_storage_mb)
                .unwrap_or(self.ephemeral_storage_mb)
                .get_u32(),
            reserved_concurrency: o
                .and_then(|o| o.reserved_concurrency)
                .map(Ranged::get_u32)
                .or(self.reserved_concurrency),
            provisioned_concurrency: o
                .and_then(|o| o.provisioned_concurrency)
                .map(Ranged::get_u32)
                .unwrap_or(self.provisioned_concurrency),
        }
    }
}

/// What one function gets, overrides applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionSettings {
    /// X-Ray active tracing.
    pub tracing: bool,
    /// The size of `/tmp`, in MB.
    pub ephemeral_storage_mb: u32,
    /// Reserved concurrent executions.
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency on the `live` alias.
    pub provisioned_concurrency: u32,
}

/// Per-function settings; what is left out takes the shared value.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionOverride {
    /// X-Ray active tracing.
    pub tracing: Option<bool>,
    /// The size of `/tmp`, in MB.
    pub ephemeral_storage_mb: Option<Ranged<512, 10_240>>,
    /// Reserved concurrent executions.
    pub reserved_concurrency: Option<Ranged<0, 10_000_000>>,
    /// Provisioned concurrency on the `live` alias.
    pub provisioned_concurrency: Option<Ranged<0, 10_000_000>>,
}

/// The format of the functions' logs (FN-TRACE).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    /// Structured JSON.
    Json,
    /// Plain text.
    Text,
}

/// The lowest application log level kept (JSON logs only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// `TRACE` and above.
    Trace,
    /// `DEBUG` and above.
    Debug,
    /// `INFO` and above.
    Info,
    /// `WARN` and above.
    Warn,
    /// `ERROR` and above.
    Error,
    /// `FATAL` only.
    Fatal,
}

impl LogLevel {
    /// As Lambda's `LoggingConfig` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }
}

/// Gradual deployment (FN-DEPLOY).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DeployOptions {
    /// How traffic shifts to a new version.
    pub strategy: DeployStrategy,
    /// A function CodeDeploy runs before shifting traffic: it invokes the new
    /// version with `hook_test_event` and fails the deployment on an error.
    pub pre_traffic_hook: bool,
    /// The same after all traffic has shifted, invoking the `live` alias.
    pub post_traffic_hook: bool,
    /// The event the hooks invoke the function with.
    pub hook_test_event: Map<String, Json>,
    /// Roll back when the function's errors or throttles alarm fires.
    pub rollback_alarms: bool,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            strategy: DeployStrategy::None,
            pre_traffic_hook: false,
            post_traffic_hook: false,
            hook_test_event: Map::new(),
            rollback_alarms: true,
        }
    }
}

/// How CodeDeploy shifts traffic to a new version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum DeployStrategy {
    /// No alias, no CodeDeploy: an update replaces the code at once.
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "all-at-once")]
    /// All at once.
    AllAtOnce,
    #[serde(rename = "canary10-5m")]
    /// 10% for 5 minutes, then the rest.
    Canary10Percent5Minutes,
    #[serde(rename = "canary10-30m")]
    /// 10% for 30 minutes, then the rest.
    Canary10Percent30Minutes,
    #[serde(rename = "linear10-every-1m")]
    /// 10% more every minute.
    Linear10PercentEvery1Minute,
    #[serde(rename = "linear10-every-3m")]
    /// 10% more every 3 minutes.
    Linear10PercentEvery3Minutes,
    #[serde(rename = "linear10-every-10m")]
    /// 10% more every 10 minutes.
    Linear10PercentEvery10Minutes,
}

impl DeployStrategy {
    /// CodeDeploy's predefined configuration, or `None` for no deployment.
    pub fn config_name(self) -> Option<&'static str> {
        Some(match self {
            DeployStrategy::None => return None,
            DeployStrategy::AllAtOnce => "CodeDeployDefault.LambdaAllAtOnce",
            DeployStrategy::Canary10Percent5Minutes => {
                "CodeDeployDefault.LambdaCanary10Percent5Minutes"
            }
            DeployStrategy::Canary10Percent30Minutes => {
                "CodeDeployDefault.LambdaCanary10Percent30Minutes"
            }
            DeployStrategy::Linear10PercentEvery1Minute => {
                "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
            }
            DeployStrategy::Linear10PercentEvery3Minutes => {
                "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"
            }
            DeployStrategy::Linear10PercentEvery10Minutes => {
                "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes"
            }
        })
    }
}

/// Where the functions run (FN-VPC).
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
pub enum VpcOptions {
    /// Lambda's own network (the default).
    #[default]
    None,
    /// A VPC the blueprint creates: two private subnets in two zones, gateway
    /// endpoints for S3 and DynamoDB, and optionally a NAT gateway.
    Create {
        /// The VPC's address range.
        cidr: VpcCidr,
        /// A NAT gateway with an Elastic IP.
        nat_gateway: bool,
    },
    /// Subnets and security groups you have; with `vpc_id` and
    /// `route_table_ids`, gateway endpoints for S3 and DynamoDB are added.
    Existing {
        /// The subnets (`subnet-...`).
        subnet_ids: Vec<String>,
        /// The security groups (`sg-...`).
        security_group_ids: Vec<String>,
        /// The VPC, for gateway endpoints.
        vpc_id: Option<String>,
        /// Route tables the gateway endpoints are added to.
        route_table_ids: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "VpcOptions")]
struct RawVpcOptions {
    mode: VpcMode,
    cidr: VpcCidr,
    nat_gateway: bool,
    subnet_ids: Vec<String>,
    security_group_ids: Vec<String>,
    vpc_id: Option<String>,
    route_table_ids: Vec<String>,
}

impl Default for RawVpcOptions {
    fn default() -> Self {
        RawVpcOptions {
            mode: VpcMode::None,
            cidr: VpcCidr::new("10.0.0.0/16").expect("a valid range"),
            nat_gateway: false,
            subnet_ids: Vec::new(),
            security_group_ids: Vec::new(),
            vpc_id: None,
            route_table_ids: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum VpcMode {
    None,
    Create,
    Existing,
}

/// `prefix-` followed by 8 or 17 lowercase hex digits, as EC2 IDs are.
fn check_ids(what: &str, prefix: &str, ids: &[String]) -> Result<(), String> {
    for id in ids {
        let ok = id.strip_prefix(prefix).is_some_and(|hex| {
            matches!(hex.len(), 8 | 17)
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        });
        if !ok {
            return Err(format!(
                "options.lambda.vpc.{what}: `{id}` is not an ID like {prefix}0123456789abcdef0"
            ));
        }
    }
    Ok(())
}

impl TryFrom<RawVpcOptions> for VpcOptions {
    type Error = String;

    fn try_from(r: RawVpcOptions) -> Result<Self, String> {
        let existing_keys = !r.subnet_ids.is_empty()
            || !r.security_group_ids.is_empty()
            || r.vpc_id.is_some()
            || !r.route_table_ids.is_empty();
        match r.mode {
            VpcMode::None => {
                if existing_keys || r.nat_gateway {
                    return Err("options.lambda.vpc: set `mode: create` or `mode: existing` to use these settings".into());
                }
                Ok(VpcOptions::None)
            }
            VpcMode::Create => {
                if existing_keys {
                    return Err("options.lambda.vpc: subnet_ids, security_group_ids, vpc_id and route_table_ids are for `mode: existing`".into());
                }
                if r.cidr.prefix() > 24 {
                    return Err(format!(
                        "options.lambda.vpc.cidr: {} is too small for two subnets: use /16 to /24",
                        r.cidr.as_str()
                    ));
                }
                Ok(VpcOptions::Create {
                    cidr: r.cidr,
                    nat_gateway: r.nat_gateway,
                })
            }
            VpcMode::Existing => {
                if r.nat_gateway {
                    return Err("options.lambda.vpc: nat_gateway is for `mode: create`; an existing VPC routes outbound traffic itself".into());
                }
                if !(1..=16).contains(&r.subnet_ids.len()) {
                    return Err("options.lambda.vpc.subnet_ids: list 1 to 16 subnets (two in different zones for availability)".into());
                }
                if !(1..=5).contains(&r.security_group_ids.len()) {
                    return Err(
                        "options.lambda.vpc.security_group_ids: list 1 to 5 security groups".into(),
                    );
                }
                check_ids("subnet_ids", "subnet-", &r.subnet_ids)?;
                check_ids("security_group_ids", "sg-", &r.security_group_ids)?;
                check_ids("vpc_id", "vpc-", r.vpc_id.as_slice())?;
                check_ids("route_table_ids", "rtb-", &r.route_table_ids)?;
                if r.vpc_id.is_some() == r.route_table_ids.is_empty() {
                    return Err("options.lambda.vpc: gateway endpoints need both vpc_id and route_table_ids (or neither)".into());
                }
                Ok(VpcOptions::Existing {
                    subnet_ids: r.subnet_ids,
                    security_group_ids: r.security_group_ids,
                    vpc_id: r.vpc_id,
                    route_table_ids: r.route_table_ids,
                })
            }
        }
    }
}

/// Asynchronous invocations (FN-ASYNC): for every function something invokes
/// asynchronously (S3 notifications, SNS subscriptions).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AsyncOptions {
    /// Retries after a failed invocation, 0 to 2 (Lambda's default: 2).
    pub max_retry_attempts: Option<Ranged<0, 2>>,
    /// How long an event may wait, 60 to 21600 seconds (default 21600).
    pub max_event_age_seconds: Option<Ranged<60, 21_600>>,
    /// Where events go when retries are exhausted.
    pub on_failure: OnFailure,
}

impl AsyncOptions {
    /// Whether anything differs from Lambda's defaults.
    pub fn is_set(&self) -> bool {
        self.max_retry_attempts.is_some()
            || self.max_event_age_seconds.is_some()
            || self.on_failure != OnFailure::None
    }
}

/// An on-failure destination.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    #[default]
    /// No destination.
    None,
    /// An SQS queue.
    Sqs,
    /// An SNS topic.
    Sns,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<LambdaOptions, String> {
        serde_norway::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_change_nothing() {
        let d = parse("{}").unwrap();
        assert_eq!(d, LambdaOptions::default());
        assert!(!d.tracing && d.deploy.strategy == DeployStrategy::None);
        assert_eq!(d.vpc, VpcOptions::None);
        assert!(!d.async_invocations.is_set());
    }

    #[test]
    fn values_out_of_range_are_refused() {
        for (yaml, message) in [
            ("ephemeral_storage_mb: 100", "expected a whole number from 512 to 10240, found 100"),
            ("async: {max_retry_attempts: 3}", "expected a whole number from 0 to 2, found 3"),
            ("async: {max_event_age_seconds: 30}", "expected a whole number from 60 to 21600, found 30"),
            ("reserved_concurrency: 950", "reserved_concurrency 950 is over what an account with a limit of 1000 can reserve (900"),
            ("reserved_concurrency: 10\nprovisioned_concurrency: 20", "provisioned_concurrency 20 is more than the reserved_concurrency 10"),
            ("overrides: {ApiFunction: {reserved_concurrency: 5, provisioned_concurrency: 6}}", "options.lambda.overrides.ApiFunction: provisioned_concurrency 6"),
            ("deploy: {strategy: canary10-1m}", "unknown variant `canary10-1m`"),
            ("deploy: {pre_traffic_hook: true}", "traffic hooks run during gradual deployments"),
            ("log_format: text\nlog_level: info", "log_level needs `log_format: json`"),
            ("vpc: {mode: existing, subnet_ids: [subnet-1], security_group_ids: [sg-0123456789abcdef0]}", "`subnet-1` is not an ID"),
            ("vpc: {mode: existing, security_group_ids: [sg-0123456789abcdef0]}", "list 1 to 16 subnets"),
            ("vpc: {mode: create, subnet_ids: [subnet-01234567]}", "are for `mode: existing`"),
            ("vpc: {nat_gateway: true}", "set `mode: create`"),
            ("vpc: {mode: create, cidr: 10.0.0.0/28}", "/16 to /24"),
        ] {
            let e = parse(yaml).unwrap_err();
            assert!(e.contains(message), "{yaml}: {e}");
        }
        assert!(parse("account_concurrency_limit: 5000\nreserved_concurrency: 950").is_ok());
    }

    #[test]
    fn overrides_take_precedence() {
        let o = parse(
            "tracing: true\nreserved_concurrency: 10\noverrides:\n  ApiFunction: {tracing: false, ephemeral_storage_mb: 2048}\n",
        )
        .unwrap();
        let api = o.for_function("ApiFunction");
        assert!(!api.tracing);
        assert_eq!(api.ephemeral_storage_mb, 2048);
        assert_eq!(api.reserved_concurrency, Some(10));
        let other = o.for_function("OtherFunction");
        assert!(other.tracing);
        assert_eq!(other.ephemeral_storage_mb, 512);
    }
}
