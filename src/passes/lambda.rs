//! The options every Lambda blueprint shares (`options.lambda`, see
//! `crate::config::functions`), applied to every function of an expansion
//! after the blueprint has built it, so a later blueprint gets them for free:
//!
//! - FN-TRACE: X-Ray active tracing, log format and level;
//! - FN-LIMITS: ephemeral storage; reserved concurrency within the account's
//!   limit across the whole project;
//! - FN-CONCURRENCY: reserved concurrency, provisioned concurrency on a `live`
//!   alias;
//! - FN-DEPLOY: a published version and a `live` alias per function, a
//!   CodeDeploy deployment group with the chosen configuration, the alias's
//!   `CodeDeployLambdaAliasUpdate` update policy, error and throttle alarms
//!   that roll back, optional traffic hooks; everything that invokes the
//!   function (API integrations, event sources, subscriptions, notifications,
//!   permissions, other roles) is pointed at the alias;
//! - FN-VPC: functions in a VPC the blueprint creates (two zones, private
//!   subnets, S3 and DynamoDB gateway endpoints, optional NAT gateway with an
//!   Elastic IP) or in subnets and security groups you name;
//! - FN-ASYNC: retries, event age and an on-failure destination for every
//!   function something invokes asynchronously (S3, SNS, EventBridge).
//!
//! Functions a blueprint already placed in a VPC of its own (todo and blog
//! with DAX) stay there.

mod deploy;
mod vpc;

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use self::deploy::add_deployments;
use self::vpc::{add_vpc, pass_vpc, VpcPlacement};
use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::cloudformation::Stack;
use crate::cfn::resources::cloudwatch::Alarm;
use crate::cfn::resources::codedeploy::DeploymentGroup;
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::lambda::{
    Alias, ApplicationLogLevel, DestinationConfig, EphemeralStorage, EventInvokeConfig, Function,
    LogFormat as FunctionLogFormat, Mode, OnFailure as OnFailureDestination, Permission,
    ProvisionedConcurrencyConfiguration, SystemLogLevel, TracingConfig, Version, VpcConfig,
};
use crate::cfn::resources::logs::LogGroup;
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::resources::{apigateway, apigatewayv2};
use crate::cfn::template::{Parameter, ParameterType, ResourceProperties};
use crate::cfn::walk::{rewrite_references, ReferenceKind, Walk};
use crate::cfn::{LogicalId, Template, Value};
use crate::config::lambda::{
    DeployStrategy, LambdaOptions, LogFormat, LogLevel, OnFailure, UNRESERVED_MINIMUM,
};
use crate::config::{nearest, Architecture, ConfigError, Source};
use crate::error::Error;
use crate::expansion::Expansion;

/// The alias every function gets with FN-DEPLOY or provisioned concurrency.
pub const ALIAS_NAME: &str = "live";
/// The parameters a nested stack's functions read the shared VPC from.
const SUBNETS_PARAMETER: &str = "FunctionSubnetIds";
const SECURITY_GROUP_PARAMETER: &str = "FunctionSecurityGroupId";

const XRAY_POLICY: &str = "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess";

/// A function found in the expansion: the template path (nested stack
/// logical IDs) and its logical ID.
#[derive(Clone, Debug)]
struct Found {
    stack: usize,
    nested: Vec<LogicalId>,
    id: LogicalId,
}

impl Found {
    /// How overrides name it: `ApiFunction`, or `OrdersService/Function` in a
    /// nested stack.
    fn path(&self) -> String {
        function_path(&self.nested, &self.id)
    }
}

/// `ApiFunction`, or `OrdersService/Function` for a function in a nested stack.
fn function_path(nested: &[LogicalId], id: &LogicalId) -> String {
    let mut parts: Vec<&str> = nested.iter().map(LogicalId::as_str).collect();
    parts.push(id.as_str());
    parts.join("/")
}

/// Applies `o` to every function of `expansion`. `source` locates mistakes
/// (an override for a function that does not exist).
pub fn apply(expansion: &mut Expansion, o: &LambdaOptions, source: &Source) -> Result<(), Error> {
    let mut found = Vec::new();
    for (i, s) in expansion.stacks.iter().enumerate() {
        collect(&s.template, i, &mut Vec::new(), &mut found);
    }
    let paths: Vec<String> = found.iter().map(Found::path).collect();
    for name in o.overrides.keys() {
        if !paths.contains(name) {
            return Err(unknown_function(source, name, &paths).into());
        }
    }
    check_reserved_total(o, &found, &paths)?;
    if o == &LambdaOptions::default() {
        return Ok(());
    }
    let hook = if o.deploy.pre_traffic_hook || o.deploy.post_traffic_hook {
        let p = CodeSource::shared_package("traffic-hook", Architecture::Arm64)?;
        if !expansion.packages.iter().any(|x| x.key == p.key) {
            expansion.packages.push(p.clone());
        }
        Some(p)
    } else {
        None
    };
    for (i, stack) in expansion.stacks.iter_mut().enumerate() {
        if !found.iter().any(|f| f.stack == i) {
            continue;
        }
        let vpc = add_vpc(&mut stack.template, &o.vpc)?;
        if apply_tree(&mut stack.template, &[], o, &vpc, hook.as_ref())? {
            refresh_api_deployments(&mut stack.template)?;
        }
    }
    Ok(())
}

fn collect(t: &Template, stack: usize, nested: &mut Vec<LogicalId>, out: &mut Vec<Found>) {
    for r in t.resources() {
        if r.kind() == Function::TYPE {
            out.push(Found {
                stack,
                nested: nested.clone(),
                id: r.id().clone(),
            });
        }
    }
    for (id, child) in t.nested() {
        nested.push(id.clone());
        collect(child, stack, nested, out);
        nested.pop();
    }
}

/// An override for a function the project does not have, located at its key.
fn unknown_function(source: &Source, name: &str, paths: &[String]) -> ConfigError {
    let candidates: Vec<&str> = paths.iter().map(String::as_str).collect();
    ConfigError {
        file: source.name.clone(),
        location: crate::config::locate_key(
            &source.text,
            &["options", "lambda", "overrides", name],
        ),
        message: format!(
            "options.lambda.overrides: there is no function `{name}`; the functions are: {}",
            paths.join(", ")
        ),
        help: nearest(name, &candidates).map(|n| format!("did you mean the function `{n}`?")),
    }
}

/// FN-LIMITS across the project: reserved concurrency of every function
/// together must leave Lambda's 100 unreserved executions.
fn check_reserved_total(o: &LambdaOptions, found: &[Found], paths: &[String]) -> Result<(), Error> {
    let limit = o.account_concurrency_limit.get();
    let max = limit - UNRESERVED_MINIMUM;
    let mut total = 0u64;
    let mut reserving = Vec::new();
    for (f, path) in found.iter().zip(paths) {
        if let Some(n) = o.for_function(path).reserved_concurrency {
            total += u64::from(n);
            reserving.push(format!("{} ({n})", f.path()));
        }
    }
    if total > max {
        return Err(Error::User(format!(
            "options.lambda: the functions reserve {total} concurrent executions in total ({}); an account with a limit of {limit} can reserve {max} (Lambda keeps {UNRESERVED_MINIMUM} unreserved). Lower reserved_concurrency or set account_concurrency_limit to your account's limit",
            reserving.join(", ")
        )));
    }
    Ok(())
}

/// An API deployment is a snapshot of the API's integrations: once they
/// point at aliases, every deployment of the stack (root and nested) gets a
/// new logical ID, so CloudFormation takes a new snapshot and the stage
/// serves the aliases (and again when the aliases go).
fn refresh_api_deployments(t: &mut Template) -> Result<(), Error> {
    let ids: Vec<String> = t
        .resources()
        .filter(|r| {
            [apigateway::Deployment::TYPE, apigatewayv2::Deployment::TYPE].contains(&r.kind())
        })
        .map(|r| r.id().to_string())
        .collect();
    for id in ids {
        t.rename_resource(&id, &format!("{id}{}", "Live"))?;
    }
    for (_, child) in t.nested_mut() {
        refresh_api_deployments(child)?;
    }
    Ok(())
}

/// Applies the options to the functions of `t` and of its nested stacks;
/// whether any function got an alias.
fn apply_tree(
    t: &mut Template,
    nested: &[LogicalId],
    o: &LambdaOptions,
    vpc: &Option<VpcPlacement>,
    hook: Option<&Package>,
) -> Result<bool, Error> {
    let mut any_alias = false;
    // Children first, each reading the VPC through parameters of its own.
    let child_ids: Vec<LogicalId> = t.nested().map(|(id, _)| id.clone()).collect();
    for id in child_ids {
        let mut path = nested.to_vec();
        path.push(id.clone());
        let child_vpc = match vpc {
            Some(v) => {
                let child = t.nested_mut().find(|(c, _)| **c == id).map(|(_, c)| c);
                let Some(child) = child else { continue };
                let has_functions = has_functions(child);
                if has_functions {
                    child.parameter(
                        SUBNETS_PARAMETER,
                        Parameter {
                            kind: ParameterType::SubnetIdList,
                            description: Some(
                                "The private subnets of the functions (FN-VPC)".into(),
                            ),
                            ..Parameter::string("")
                        },
                    )?;
                    child.parameter(
                        SECURITY_GROUP_PARAMETER,
                        Parameter {
                            kind: ParameterType::SecurityGroupId,
                            description: Some("The functions' security group (FN-VPC)".into()),
                            ..Parameter::string("")
                        },
                    )?;
                    if let Some(stack) = t
                        .resource_mut(id.as_str())
                        .and_then(|r| r.get_mut::<Stack>())
                    {
                        pass_vpc(stack, v)?;
                    }
                    Some(VpcPlacement {
                        subnets: Intrinsic::Ref(SUBNETS_PARAMETER.into()).into(),
                        security_groups: vec![
                            Intrinsic::Ref(SECURITY_GROUP_PARAMETER.into()).into()
                        ]
                        .into(),
                    })
                } else {
                    None
                }
            }
            None => None,
        };
        if let Some((_, child)) = t.nested_mut().find(|(c, _)| **c == id) {
            any_alias |= apply_tree(child, &path, o, &child_vpc, hook)?;
        }
    }
    let functions: Vec<LogicalId> = t
        .resources()
        .filter(|r| r.kind() == Function::TYPE)
        .map(|r| r.id().clone())
        .collect();
    if functions.is_empty() {
        return Ok(any_alias);
    }
    t.lambda_account_concurrency = Some(o.account_concurrency_limit.get_u32());
    let mut aliases = Vec::new();
    for f in &functions {
        let s = o.for_function(&function_path(nested, f));
        configure_function(t, f, o, &s, vpc)?;
        if o.deploy.strategy != DeployStrategy::None || s.provisioned_concurrency > 0 {
            aliases.push((f.clone(), add_alias(t, f, s.provisioned_concurrency)?));
        }
    }
    for (f, alias) in &aliases {
        point_at_alias(t, f, alias);
    }
    if o.async_invocations.is_set() {
        configure_async(t, &functions, &aliases, o)?;
    }
    if let Some(config) = o.deploy.strategy.config_name() {
        add_deployments(t, &aliases, o, config, hook)?;
    }
    Ok(any_alias || !aliases.is_empty())
}

fn has_functions(t: &Template) -> bool {
    t.resources().any(|r| r.kind() == Function::TYPE)
}

/// The role a function runs as (its `Role: !GetAtt X.Arn`).
fn role_of(t: &Template, f: &LogicalId) -> Option<String> {
    match t.resource(f.as_str())?.get::<Function>()?.role.function()? {
        Intrinsic::GetAtt(role, _) => Some(role.clone()),
        _ => None,
    }
}

/// Adds a managed policy to a role, once.
fn attach_managed_policy(t: &mut Template, role: &str, arn: &str) {
    let Some(role) = t.resource_mut(role).and_then(|r| r.get_mut::<Role>()) else {
        return;
    };
    let value: Value<String> = sub(arn).into();
    let list = role
        .managed_policy_arns
        .get_or_insert_with(|| Vec::new().into());
    if let Value::Lit(l) = list {
        if !l.contains(&value) {
            l.push(value);
        }
    }
}

/// Appends statements to a role's first inline policy.
fn allow(t: &mut Template, role: &str, statements: Vec<Statement>) {
    let Some(role) = t.resource_mut(role).and_then(|r| r.get_mut::<Role>()) else {
        return;
    };
    if let Some(Value::Lit(policies)) = &mut role.policies {
        if let Some(first) = policies.first_mut() {
            first.policy_document.statement.extend(statements);
            return;
        }
    }
    role.policies = Some(
        vec![InlinePolicy::new(
            "function-options",
            PolicyDocument::new(statements),
        )]
        .into(),
    );
}

/// FN-TRACE, FN-LIMITS (ephemeral storage), FN-CONCURRENCY (reserved) and
/// FN-VPC on one function.
fn configure_function(
    t: &mut Template,
    f: &LogicalId,
    o: &LambdaOptions,
    s: &crate::config::lambda::FunctionSettings,
    vpc: &Option<VpcPlacement>,
) -> Result<(), Error> {
    let role = role_of(t, f);
    let Some(r) = t.resource_mut(f.as_str()) else {
        return Ok(());
    };
    let Some(p) = r.get_mut::<Function>() else {
        return Ok(());
    };
    let mut requirements = Vec::new();
    if s.tracing {
        p.tracing_config = Some(
            TracingConfig {
                mode: Some(Mode::Active.into()),
            }
            .into(),
        );
        requirements.push("FN-TRACE");
    }
    if let Some(Value::Lit(logging)) = &mut p.logging_config {
        match o.log_format {
            LogFormat::Json => {
                logging.log_format = Some(FunctionLogFormat::Json.into());
                if let Some(level) = o.log_level {
                    logging.application_log_level = Some(application_log_level(level).into());
                    logging.system_log_level = Some(SystemLogLevel::Info.into());
                    requirements.push("FN-TRACE");
                }
            }
            LogFormat::Text => {
                logging.log_format = Some(FunctionLogFormat::Text.into());
                logging.application_log_level = None;
                logging.system_log_level = None;
                requirements.push("FN-TRACE");
            }
        }
    }
    if s.ephemeral_storage_mb != 512 {
        p.ephemeral_storage = Some(EphemeralStorage::new(s.ephemeral_storage_mb).into());
        requirements.push("FN-LIMITS");
    }
    if let Some(n) = s.reserved_concurrency {
        p.reserved_concurrent_executions = Some(n.into());
        requirements.push("FN-CONCURRENCY");
    }
    let mut in_vpc = false;
    if let Some(v) = vpc {
        if p.vpc_config.is_none() {
            p.vpc_config = Some(
                VpcConfig {
                    security_group_ids: Some(v.security_groups.clone()),
                    subnet_ids: Some(v.subnets.clone()),
                    ..Default::default()
                }
                .into(),
            );
            requirements.push("FN-VPC");
            in_vpc = true;
        }
    }
    r.satisfies(&requirements);
    if let Some(role) = role {
        if s.tracing {
            attach_managed_policy(t, &role, XRAY_POLICY);
        }
        if in_vpc {
            allow(
                t,
                &role,
                crate::components::function::network_interface_statements(),
            );
        }
    }
    Ok(())
}

/// A function's application log level, as `LoggingConfig` takes it.
fn application_log_level(level: LogLevel) -> ApplicationLogLevel {
    match level {
        LogLevel::Trace => ApplicationLogLevel::Trace,
        LogLevel::Debug => ApplicationLogLevel::Debug,
        LogLevel::Info => ApplicationLogLevel::Info,
        LogLevel::Warn => ApplicationLogLevel::Warn,
        LogLevel::Error => ApplicationLogLevel::Error,
        LogLevel::Fatal => ApplicationLogLevel::Fatal,
    }
}

/// A published version (its logical ID carries a hash of the function's
/// properties, so changed code or configuration publishes a new one) and the
/// `live` alias pointing at it.
fn add_alias(t: &mut Template, f: &LogicalId, provisioned: u32) -> Result<LogicalId, Error> {
    let props = t
        .resource(f.as_str())
        .map(|r| serde_json::to_vec(&r.properties).unwrap_or_default())
        .unwrap_or_default();
    let hash: String = Sha256::digest(&props)
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();
    let requirements: &[&str] = if provisioned > 0 {
        &["FN-DEPLOY", "FN-CONCURRENCY"]
    } else {
        &["FN-DEPLOY"]
    };
    let version = t
        .add(
            &format!("{f}Version{hash}"),
            Version {
                description: Some(format!("{f} as of this template (content hash {hash})").into()),
                ..Version::new(f.r#ref())
            },
        )?
        .satisfies(requirements)
        .id()
        .clone();
    let alias = t
        .add(
            &format!("{f}Live"),
            Alias {
                description: Some(format!("What invokes {f}: the version traffic goes to").into()),
                provisioned_concurrency_config: (provisioned > 0).then_some(
                    ProvisionedConcurrencyConfiguration {
                        provisioned_concurrent_executions: provisioned.into(),
                    }
                    .into(),
                ),
                ..Alias::new(f.r#ref(), version.get_att("Version"), ALIAS_NAME)
            },
        )?
        .satisfies(requirements)
        .id()
        .clone();
    Ok(alias)
}

/// Points everything that invokes `f` at its alias: `!GetAtt f.Arn` and
/// `!Ref f` become `!Ref alias` (an alias's ARN, which Lambda takes wherever
/// a function name goes), `${f.Arn}` in `Fn::Sub` becomes `${alias}`.
/// The function's own resources (role, log group, version, alias, alarms,
/// deployment group, event invoke config) keep naming the function.
fn point_at_alias(t: &mut Template, f: &LogicalId, alias: &LogicalId) {
    let own: BTreeSet<String> = [role_of(t, f)]
        .into_iter()
        .flatten()
        .chain([f.to_string(), alias.to_string()])
        .collect();
    let ids: Vec<LogicalId> = t.resources().map(|r| r.id().clone()).collect();
    for id in ids {
        let Some(r) = t.resource_mut(id.as_str()) else {
            continue;
        };
        let function_own = [
            Version::TYPE,
            Alias::TYPE,
            EventInvokeConfig::TYPE,
            Alarm::TYPE,
            LogGroup::TYPE,
            DeploymentGroup::TYPE,
        ];
        if own.contains(id.as_str()) || function_own.contains(&r.kind()) {
            continue;
        }
        rewrite(&mut r.properties, f.as_str(), alias.as_str());
    }
}

/// `!Ref f`, `!GetAtt f.Arn` and `${f.Arn}` in `v` name `alias` instead.
fn rewrite<W: Walk + ?Sized>(v: &mut W, f: &str, alias: &str) {
    rewrite_references(v, |site| {
        let invokes = site.target == f
            && match site.kind {
                ReferenceKind::Ref => true,
                ReferenceKind::GetAtt | ReferenceKind::Sub => site.attribute == Some("Arn"),
            };
        invokes.then(|| Intrinsic::Ref(alias.to_string()))
    });
}

/// Whether anything invokes `f` (or its alias) asynchronously: a permission
/// for S3, SNS or EventBridge to invoke it.
fn invoked_async(t: &Template, f: &LogicalId, alias: Option<&LogicalId>) -> bool {
    t.resources()
        .filter_map(|r| r.get::<Permission>())
        .any(|p| {
            let async_principal = matches!(
                p.principal.lit().map(String::as_str),
                Some("s3.amazonaws.com" | "sns.amazonaws.com" | "events.amazonaws.com")
            );
            let names = |id: &LogicalId| {
                p.function_name == id.r#ref() || p.function_name == id.get_att("Arn")
            };
            async_principal && (names(f) || alias.is_some_and(names))
        })
}

/// FN-ASYNC: retries, event age and the on-failure destination of every
/// function invoked asynchronously.
fn configure_async(
    t: &mut Template,
    functions: &[LogicalId],
    aliases: &[(LogicalId, LogicalId)],
    o: &LambdaOptions,
) -> Result<(), Error> {
    let a = &o.async_invocations;
    let req: &[&str] = &["FN-ASYNC"];
    let mut destination: Option<Value<String>> = None;
    for f in functions {
        let alias = aliases.iter().find(|(x, _)| x == f).map(|(_, a)| a);
        if !invoked_async(t, f, alias) {
            continue;
        }
        if destination.is_none() && a.on_failure != OnFailure::None {
            destination = Some(match a.on_failure {
                OnFailure::Sqs => t
                    .add(
                        "FunctionFailuresQueue",
                        Queue {
                            message_retention_period: Some(1_209_600.into()),
                            sqs_managed_sse_enabled: Some(true.into()),
                            ..Default::default()
                        },
                    )?
                    .retain()
                    .satisfies(req)
                    .id()
                    .get_att("Arn"),
                _ => t
                    .add(
                        "FunctionFailuresTopic",
                        Topic {
                            display_name: Some("Failed asynchronous invocations".into()),
                            kms_master_key_id: Some("alias/aws/sns".into()),
                            ..Default::default()
                        },
                    )?
                    .satisfies(req)
                    .id()
                    .r#ref(),
            });
        }
        let on_failure = destination.clone().map(|d| DestinationConfig {
            on_failure: Some(OnFailureDestination { destination: d }.into()),
            on_success: None,
        });
        if let (Some(d), Some(role)) = (&destination, role_of(t, f)) {
            let action = if a.on_failure == OnFailure::Sqs {
                "sqs:SendMessage"
            } else {
                "sns:Publish"
            };
            allow(
                t,
                &role,
                vec![Statement::allow(&[action], vec![d.clone()]).sid("AsyncFailureDestination")],
            );
        }
        let qualifier = if alias.is_some() {
            ALIAS_NAME
        } else {
            "$LATEST"
        };
        // A blueprint's own event invoke config (event-pipeline's EVENT-3)
        // takes the values set here.
        let existing = t
            .resources()
            .find(|r| {
                r.get::<EventInvokeConfig>()
                    .is_some_and(|c| c.function_name == f.r#ref())
            })
            .map(|r| r.id().clone());
        match existing {
            Some(id) => {
                if let Some(r) = t.resource_mut(id.as_str()) {
                    if let Some(p) = r.get_mut::<EventInvokeConfig>() {
                        if let Some(n) = a.max_retry_attempts {
                            p.maximum_retry_attempts = Some(n.get_u32().into());
                        }
                        if let Some(n) = a.max_event_age_seconds {
                            p.maximum_event_age_in_seconds = Some(n.get_u32().into());
                        }
                        if let Some(c) = &on_failure {
                            p.destination_config = Some(c.clone().into());
                        }
                        p.qualifier = qualifier.into();
                    }
                    r.satisfies(req);
                    if let Some(alias) = alias {
                        r.depends_on(alias);
                    }
                }
            }
            None => {
                let config = t.add(
                    &format!("{f}AsyncConfig"),
                    EventInvokeConfig {
                        destination_config: on_failure.map(Into::into),
                        function_name: f.r#ref(),
                        maximum_event_age_in_seconds: a
                            .max_event_age_seconds
                            .map(|n| n.get_u32().into()),
                        maximum_retry_attempts: a.max_retry_attempts.map(|n| n.get_u32().into()),
                        qualifier: qualifier.into(),
                    },
                )?;
                config.satisfies(req);
                if let Some(alias) = alias {
                    config.depends_on(alias);
                }
            }
        }
    }
    Ok(())
}

/// Everything one function gets, for tests and `explain`: the IDs added.
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrite_points_arn_ref_and_sub_at_the_alias() {
        let mut v = json!({
            "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ApiFunction.Arn}/invocations"},
            "FunctionName": {"Ref": "ApiFunction"},
            "Target": {"Fn::GetAtt": ["ApiFunction", "Arn"]},
            "Other": {"Fn::GetAtt": ["OtherFunction", "Arn"]},
            "Name": {"Fn::GetAtt": ["ApiFunction", "SnapStartResponse.ApplyOn"]},
        });
        rewrite(&mut v, "ApiFunction", "ApiFunctionLive");
        assert_eq!(
            v,
            json!({
                "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ApiFunctionLive}/invocations"},
                "FunctionName": {"Ref": "ApiFunctionLive"},
                "Target": {"Ref": "ApiFunctionLive"},
                "Other": {"Fn::GetAtt": ["OtherFunction", "Arn"]},
                "Name": {"Fn::GetAtt": ["ApiFunction", "SnapStartResponse.ApplyOn"]},
            })
        );
    }
}
