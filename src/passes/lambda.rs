//! The options every Lambda blueprint shares (`options.lambda`, see
//! [`crate::config::functions`]), applied to every function of an expansion
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

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::assets::{CodeSource, Package};
use crate::cfn::intrinsic::{sub, Intrinsic};
use crate::cfn::policy::Statement;
use crate::cfn::resources::cloudwatch::{
    Alarm, ComparisonOperator, Dimension, Statistic, TreatMissingData,
};
use crate::cfn::resources::codedeploy::{
    AlarmConfiguration, AlarmName, Application, AutoRollbackConfiguration, ComputePlatform,
    DeploymentGroup, DeploymentOption, DeploymentStyle, DeploymentType, Events,
};
use crate::cfn::resources::ec2::VpcEndpointType;
use crate::cfn::resources::ec2::{EgressRule, SecurityGroup, VpcEndpoint};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::lambda::{
    Alias, DestinationConfig, EventInvokeConfig, OnFailure as OnFailureDestination,
    ProvisionedConcurrencyConfiguration, Version,
};
use crate::cfn::resources::sns::Topic;
use crate::cfn::resources::sqs::Queue;
use crate::cfn::resources::Tag;
use crate::cfn::template::{Parameter, ParameterType};
use crate::cfn::walk::{rewrite_references, ReferenceKind, Walk};
use crate::cfn::{LogicalId, Template, Value};
use crate::components::function::LambdaFunction;
use crate::components::network::PrivateNetwork;
use crate::components::public_network::PublicNetwork;
use crate::config::lambda::{
    DeployStrategy, LambdaOptions, LogFormat, OnFailure, VpcOptions, UNRESERVED_MINIMUM,
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
const CODEDEPLOY_POLICY: &str =
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited";

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
        if r.kind() == "AWS::Lambda::Function" {
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

/// Where the functions of a template tree go.
#[derive(Clone, Debug, Default)]
struct VpcPlacement {
    /// The `SubnetIds` value: a list, or a `Ref` to a list parameter.
    subnets: Json,
    /// The `SecurityGroupIds` value.
    security_groups: Json,
}

/// FN-VPC: the network in the root template (created or named).
fn add_vpc(t: &mut Template, v: &VpcOptions) -> Result<Option<VpcPlacement>, Error> {
    let req: &[&str] = &["FN-VPC"];
    match v {
        VpcOptions::None => Ok(None),
        VpcOptions::Existing {
            subnet_ids,
            security_group_ids,
            vpc_id,
            route_table_ids,
        } => {
            if let Some(vpc) = vpc_id {
                add_gateway_endpoints(
                    t,
                    "FunctionsVpc",
                    vpc.clone().into(),
                    route_table_ids.iter().map(|r| r.clone().into()).collect(),
                )?;
            }
            Ok(Some(VpcPlacement {
                subnets: json!(subnet_ids),
                security_groups: json!(security_group_ids),
            }))
        }
        VpcOptions::Create { cidr, nat_gateway } => {
            let (vpc, subnets, route_table) = if *nat_gateway {
                let n = PublicNetwork {
                    name: "FunctionsNetwork",
                    cidr,
                    requirements: req,
                }
                .add_to(t)?;
                (n.vpc, n.private_subnets, n.private_route_table)
            } else {
                let n = PrivateNetwork {
                    name: "FunctionsNetwork",
                    cidr,
                    gateway_endpoints: Vec::new(),
                    requirements: req,
                }
                .add_to(t)?;
                (n.vpc, n.subnets, n.route_table)
            };
            add_gateway_endpoints(
                t,
                "FunctionsNetwork",
                vpc.r#ref(),
                vec![route_table.r#ref()],
            )?;
            // Without NAT, only AWS endpoints are reachable (HTTPS); with it,
            // HTTPS anywhere outside, from the NAT's address.
            let egress = if *nat_gateway {
                EgressRule {
                    cidr_ip: Some("0.0.0.0/0".into()),
                    description: Some("HTTPS anywhere, through the NAT gateway".into()),
                    from_port: Some(443.into()),
                    to_port: Some(443.into()),
                    ..EgressRule::new("tcp")
                }
            } else {
                EgressRule {
                    cidr_ip: Some("0.0.0.0/0".into()),
                    description: Some("HTTPS to AWS services through the gateway endpoints".into()),
                    from_port: Some(443.into()),
                    to_port: Some(443.into()),
                    ..EgressRule::new("tcp")
                }
            };
            let sg = t
                .add(
                    "FunctionsSecurityGroup",
                    SecurityGroup {
                        security_group_egress: Some(vec![egress].into()),
                        tags: Some(
                            vec![Tag::new("Name", sub("${AWS::StackName}-functions"))].into(),
                        ),
                        vpc_id: Some(vpc.r#ref()),
                        ..SecurityGroup::new("Lambda functions: outbound only, nothing inbound")
                    },
                )?
                .satisfies(req)
                .id()
                .clone();
            let subnets: Vec<Json> = subnets.iter().map(|s| json!({"Ref": s.as_str()})).collect();
            Ok(Some(VpcPlacement {
                subnets: Json::Array(subnets),
                security_groups: json!([{"Fn::GetAtt": [sg.as_str(), "GroupId"]}]),
            }))
        }
    }
}

/// An API deployment is a snapshot of the API's integrations: once they
/// point at aliases, every deployment of the stack (root and nested) gets a
/// new logical ID, so CloudFormation takes a new snapshot and the stage
/// serves the aliases (and again when the aliases go).
fn refresh_api_deployments(t: &mut Template) -> Result<(), Error> {
    let ids: Vec<String> = t
        .resources()
        .filter(|r| {
            matches!(
                r.kind(),
                "AWS::ApiGateway::Deployment" | "AWS::ApiGatewayV2::Deployment"
            )
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

/// FN-VPC: S3 and DynamoDB gateway endpoints (`<prefix>S3Endpoint`,
/// `<prefix>DynamoDbEndpoint`) on the functions' route tables, so they reach
/// both without the internet.
fn add_gateway_endpoints(
    t: &mut Template,
    prefix: &str,
    vpc: Value<String>,
    route_tables: Vec<Value<String>>,
) -> Result<(), Error> {
    for (service, id) in [("s3", "S3"), ("dynamodb", "DynamoDb")] {
        t.add(
            &format!("{prefix}{id}Endpoint"),
            VpcEndpoint {
                policy_document: None,
                private_dns_enabled: None,
                route_table_ids: Some(route_tables.clone().into()),
                security_group_ids: None,
                subnet_ids: None,
                service_name: Some(sub(format!("com.amazonaws.${{AWS::Region}}.{service}")).into()),
                vpc_endpoint_type: Some(VpcEndpointType::Gateway.into()),
                ..VpcEndpoint::new(vpc.clone())
            },
        )?
        .satisfies(&["FN-VPC"]);
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
                    if let Some(r) = t.resource_mut(id.as_str()) {
                        let params = r
                            .properties_json_mut()
                            .entry("Parameters")
                            .or_insert_with(|| Json::Object(Map::new()));
                        if let Json::Object(p) = params {
                            p.insert(
                                SUBNETS_PARAMETER.into(),
                                json!({"Fn::Join": [",", v.subnets]}),
                            );
                            p.insert(
                                SECURITY_GROUP_PARAMETER.into(),
                                v.security_groups.get(0).cloned().unwrap_or_default(),
                            );
                        }
                    }
                    Some(VpcPlacement {
                        subnets: json!({"Ref": SUBNETS_PARAMETER}),
                        security_groups: json!([{"Ref": SECURITY_GROUP_PARAMETER}]),
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
        .filter(|r| r.kind() == "AWS::Lambda::Function")
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
    t.resources().any(|r| r.kind() == "AWS::Lambda::Function")
}

/// The role a function runs as (its `Role: !GetAtt X.Arn`).
fn role_of(t: &Template, f: &LogicalId) -> Option<String> {
    let r = t.resource(f.as_str())?;
    r.properties_json()
        .get("Role")?
        .get("Fn::GetAtt")?
        .get(0)?
        .as_str()
        .map(str::to_string)
}

/// Adds a managed policy to a role, once.
fn attach_managed_policy(t: &mut Template, role: &str, arn: &str) {
    if let Some(r) = t.resource_mut(role) {
        let list = r
            .properties_json_mut()
            .entry("ManagedPolicyArns")
            .or_insert_with(|| Json::Array(Vec::new()));
        let value = json!({ "Fn::Sub": arn });
        if let Json::Array(l) = list {
            if !l.contains(&value) {
                l.push(value);
            }
        }
    }
}

/// Appends statements to a role's first inline policy.
fn allow(t: &mut Template, role: &str, statements: Vec<Statement>) {
    let Some(r) = t.resource_mut(role) else {
        return;
    };
    let new: Vec<Json> = statements
        .iter()
        .filter_map(|s| serde_json::to_value(s).ok())
        .collect();
    let list = r
        .properties_json_mut()
        .get_mut("Policies")
        .and_then(|p| p.get_mut(0))
        .and_then(|p| p.get_mut("PolicyDocument"))
        .and_then(|d| d.get_mut("Statement"))
        .and_then(Json::as_array_mut);
    match list {
        Some(l) => l.extend(new),
        None => {
            let policy = json!([{
                "PolicyName": "function-options",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": new}
            }]);
            r.properties_json_mut().insert("Policies".into(), policy);
        }
    }
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
    let p = r.properties_json_mut();
    let mut requirements = Vec::new();
    if s.tracing {
        p.insert("TracingConfig".into(), json!({"Mode": "Active"}));
        requirements.push("FN-TRACE");
    }
    if let Some(Json::Object(logging)) = p.get_mut("LoggingConfig") {
        match o.log_format {
            LogFormat::Json => {
                logging.insert("LogFormat".into(), json!("JSON"));
                if let Some(level) = o.log_level {
                    logging.insert("ApplicationLogLevel".into(), json!(level.as_str()));
                    logging.insert("SystemLogLevel".into(), json!("INFO"));
                    requirements.push("FN-TRACE");
                }
            }
            LogFormat::Text => {
                logging.insert("LogFormat".into(), json!("Text"));
                logging.remove("ApplicationLogLevel");
                logging.remove("SystemLogLevel");
                requirements.push("FN-TRACE");
            }
        }
    }
    if s.ephemeral_storage_mb != 512 {
        p.insert(
            "EphemeralStorage".into(),
            json!({"Size": s.ephemeral_storage_mb}),
        );
        requirements.push("FN-LIMITS");
    }
    if let Some(n) = s.reserved_concurrency {
        p.insert("ReservedConcurrentExecutions".into(), json!(n));
        requirements.push("FN-CONCURRENCY");
    }
    let mut in_vpc = false;
    if let Some(v) = vpc {
        if !p.contains_key("VpcConfig") {
            p.insert(
                "VpcConfig".into(),
                json!({
                    "SecurityGroupIds": v.security_groups,
                    "SubnetIds": v.subnets,
                }),
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

/// A published version (its logical ID carries a hash of the function's
/// properties, so changed code or configuration publishes a new one) and the
/// `live` alias pointing at it.
fn add_alias(t: &mut Template, f: &LogicalId, provisioned: u32) -> Result<LogicalId, Error> {
    let props = t
        .resource(f.as_str())
        .map(|r| serde_json::to_vec(&r.properties_json()).unwrap_or_default())
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
        let kind = r.kind();
        if own.contains(id.as_str())
            || matches!(
                kind,
                "AWS::Lambda::Version"
                    | "AWS::Lambda::Alias"
                    | "AWS::Lambda::EventInvokeConfig"
                    | "AWS::CloudWatch::Alarm"
                    | "AWS::Logs::LogGroup"
                    | "AWS::CodeDeploy::DeploymentGroup"
            )
        {
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
        .filter(|r| r.kind() == "AWS::Lambda::Permission")
        .any(|r| {
            let props = r.properties_json();
            let principal = props.get("Principal").and_then(Json::as_str);
            let async_principal = matches!(
                principal,
                Some("s3.amazonaws.com" | "sns.amazonaws.com" | "events.amazonaws.com")
            );
            let target = props.get("FunctionName");
            let names = |id: &LogicalId| {
                target == Some(&json!({"Ref": id.as_str()}))
                    || target == Some(&json!({"Fn::GetAtt": [id.as_str(), "Arn"]}))
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
                r.kind() == "AWS::Lambda::EventInvokeConfig"
                    && r.properties_json().get("FunctionName") == Some(&json!({"Ref": f.as_str()}))
            })
            .map(|r| r.id().clone());
        match existing {
            Some(id) => {
                if let Some(r) = t.resource_mut(id.as_str()) {
                    let p = r.properties_json_mut();
                    if let Some(n) = a.max_retry_attempts {
                        p.insert("MaximumRetryAttempts".into(), json!(n.get()));
                    }
                    if let Some(n) = a.max_event_age_seconds {
                        p.insert("MaximumEventAgeInSeconds".into(), json!(n.get()));
                    }
                    if let Some(c) = &on_failure {
                        p.insert(
                            "DestinationConfig".into(),
                            serde_json::to_value(c).unwrap_or_default(),
                        );
                    }
                    p.insert("Qualifier".into(), json!(qualifier));
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

/// FN-DEPLOY: the CodeDeploy application and role of the template, and per
/// function alarms, a deployment group and the alias's update policy.
fn add_deployments(
    t: &mut Template,
    aliases: &[(LogicalId, LogicalId)],
    o: &LambdaOptions,
    config: &str,
    hook: Option<&Package>,
) -> Result<(), Error> {
    let req: &[&str] = &["FN-DEPLOY"];
    let app = t
        .add(
            "CodeDeployApplication",
            Application {
                compute_platform: Some(ComputePlatform::Lambda.into()),
                ..Default::default()
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    let group_arn = |group: &str| -> Value<String> {
        sub(format!(
            "arn:${{AWS::Partition}}:codedeploy:${{AWS::Region}}:${{AWS::AccountId}}:deploymentgroup:${{{app}}}/{group}"
        ))
        .into()
    };
    // Traffic hooks: one function per phase, testing whichever function the
    // deployment shifts (it reads the deployment's AppSpec).
    let mut hooks: IndexMap<&str, LogicalId> = IndexMap::new();
    if let Some(package) = hook {
        let assets = LogicalId::new(crate::components::assets::ASSETS_BUCKET)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let retention = log_retention(t, &aliases[0].0);
        let test_event = serde_json::to_string(&o.deploy.hook_test_event)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let invoke: Vec<Value<String>> = aliases
            .iter()
            .map(|(f, _)| sub(format!("${{{f}.Arn}}:*")).into())
            .collect();
        for (phase, on, name) in [
            ("pre", o.deploy.pre_traffic_hook, "PreTrafficHook"),
            ("post", o.deploy.post_traffic_hook, "PostTrafficHook"),
        ] {
            if !on {
                continue;
            }
            let mut environment = IndexMap::new();
            environment.insert("HOOK_PHASE".to_string(), Value::from(phase.to_string()));
            environment.insert("TEST_EVENT".to_string(), Value::from(test_event.clone()));
            let ids = LambdaFunction {
                name,
                description: if phase == "pre" {
                    "CodeDeploy hook: invokes the new version before traffic shifts (FN-DEPLOY)"
                } else {
                    "CodeDeploy hook: invokes the live alias after traffic has shifted (FN-DEPLOY)"
                },
                package,
                assets_bucket: &assets,
                handler: "handler.handler",
                memory_mb: 128,
                timeout_s: 60,
                architecture: "arm64",
                environment,
                statements: vec![
                    Statement::allow(&["lambda:InvokeFunction"], invoke.clone())
                        .sid("InvokeTheFunctionsItTests"),
                    Statement::allow(
                        &[
                            "codedeploy:GetDeployment",
                            "codedeploy:PutLifecycleEventHookExecutionStatus",
                        ],
                        vec![group_arn("*")],
                    )
                    .sid("ReportToThisApplicationsDeployments"),
                ],
                managed_policies: Vec::new(),
                log_retention_days: retention,
                vpc: None,
                requirements: req,
            }
            .add_to(t)?;
            hooks.insert(phase, ids.function);
        }
    }
    let mut role_statements = Vec::new();
    if !hooks.is_empty() {
        role_statements.push(
            Statement::allow(
                &["lambda:InvokeFunction"],
                hooks.values().map(|h| h.get_att("Arn")).collect(),
            )
            .sid("InvokeTrafficHooks"),
        );
    }
    let role = t
        .add(
            "CodeDeployRole",
            Role {
                managed_policy_arns: Some(vec![sub(CODEDEPLOY_POLICY).into()].into()),
                policies: (!role_statements.is_empty())
                    .then(|| {
                        vec![InlinePolicy {
                            policy_name: "traffic-hooks".into(),
                            policy_document: crate::cfn::policy::PolicyDocument::new(
                                role_statements,
                            ),
                        }]
                    })
                    .map(Into::into),
                ..Role::described(
                    crate::cfn::policy::PolicyDocument::new(vec![Statement::assume_by_service(&[
                        "codedeploy.amazonaws.com",
                    ])]),
                    "CodeDeploy: shifts traffic between function versions of this stack",
                )
            },
        )?
        .satisfies(req)
        .id()
        .clone();
    for (f, alias) in aliases {
        let mut alarms = Vec::new();
        if o.deploy.rollback_alarms {
            for (metric, what) in [("Errors", "errors"), ("Throttles", "throttles")] {
                let id = t
                    .add(
                        &format!("{f}{metric}Alarm"),
                        Alarm {
                            alarm_description: Some(format!(
                                "{f}: any {what} on the live alias roll a deployment back (FN-DEPLOY)"
                            ).into()),
                            dimensions: Some(vec![
                                Dimension {
                                    name: "FunctionName".into(),
                                    value: f.r#ref(),
                                },
                                Dimension {
                                    name: "Resource".into(),
                                    value: sub(format!("${{{f}}}:{ALIAS_NAME}")).into(),
                                },
                            ].into()),
                            metric_name: Some(metric.into()),
                            namespace: Some("AWS/Lambda".into()),
                            period: Some(60.into()),
                            statistic: Some(Statistic::Sum.into()),
                            threshold: Some(1.0.into()),
                            treat_missing_data: Some(TreatMissingData::NotBreaching.into()),
                            comparison_operator: Some(
                                ComparisonOperator::GreaterThanOrEqualToThreshold.into(),
                            ),
                            evaluation_periods: Some(1.into()),
                            ..Default::default()
                        },
                    )?
                    .satisfies(req)
                    .id()
                    .clone();
                alarms.push(AlarmName {
                    name: Some(id.r#ref()),
                });
            }
        }
        let group = t
            .add(
                &format!("{f}DeploymentGroup"),
                DeploymentGroup {
                    alarm_configuration: (!alarms.is_empty()).then(|| {
                        AlarmConfiguration {
                            alarms: Some(alarms.into()),
                            enabled: Some(true.into()),
                            ..Default::default()
                        }
                        .into()
                    }),
                    auto_rollback_configuration: Some(
                        AutoRollbackConfiguration {
                            enabled: Some(true.into()),
                            events: Some(
                                if o.deploy.rollback_alarms {
                                    vec![
                                        Events::DeploymentFailure.into(),
                                        Events::DeploymentStopOnAlarm.into(),
                                    ]
                                } else {
                                    vec![Events::DeploymentFailure.into()]
                                }
                                .into(),
                            ),
                        }
                        .into(),
                    ),
                    deployment_config_name: Some(config.into()),
                    deployment_style: Some(
                        DeploymentStyle {
                            deployment_option: Some(DeploymentOption::WithTrafficControl.into()),
                            deployment_type: Some(DeploymentType::BlueGreen.into()),
                        }
                        .into(),
                    ),
                    ..DeploymentGroup::new(app.r#ref(), role.get_att("Arn"))
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let mut policy = Map::new();
        policy.insert("ApplicationName".into(), json!({"Ref": app.as_str()}));
        policy.insert("DeploymentGroupName".into(), json!({"Ref": group.as_str()}));
        if let Some(h) = hooks.get("pre") {
            policy.insert("BeforeAllowTrafficHook".into(), json!({"Ref": h.as_str()}));
        }
        if let Some(h) = hooks.get("post") {
            policy.insert("AfterAllowTrafficHook".into(), json!({"Ref": h.as_str()}));
        }
        if let Some(r) = t.resource_mut(alias.as_str()) {
            r.update_policy = Some(json!({ "CodeDeployLambdaAliasUpdate": policy }));
            r.satisfies(req);
        }
    }
    Ok(())
}

/// The retention of `f`'s log group (what the blueprint chose), for the
/// functions added here.
fn log_retention(t: &Template, f: &LogicalId) -> u32 {
    t.resource(f.as_str())
        .and_then(|r| {
            let config = r.properties_json();
            let group = config.get("LoggingConfig")?.get("LogGroup")?.get("Ref")?;
            t.resource(group.as_str()?)
        })
        .and_then(|g| g.properties_json().get("RetentionInDays")?.as_u64())
        .map_or(30, |d| d as u32)
}

/// Everything one function gets, for tests and `explain`: the IDs added.
#[cfg(test)]
mod tests {
    use super::*;

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
