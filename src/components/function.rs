//! A Lambda function with its own execution role and log group.

use indexmap::IndexMap;

use crate::assets::Package;
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::resources::lambda::{
    Architectures, Code, Environment, Function, LogFormat, LoggingConfig, Runtime, VpcConfig,
};
use crate::cfn::{LogicalId, Template, Value};
use crate::components::log_group::add_log_group;
use crate::error::Error;

/// The Python runtime every built-in function uses.
pub const PYTHON_RUNTIME: Runtime = Runtime::Python3_13;

/// How to build a function.
pub struct LambdaFunction<'a> {
    /// Logical ID prefix: `<name>Function`, `<name>FunctionRole`, `<name>FunctionLogGroup`.
    pub name: &'a str,
    /// The function's description.
    pub description: &'a str,
    /// The packaged code (its S3 key).
    pub package: &'a Package,
    /// The parameter naming the assets bucket.
    pub assets_bucket: &'a LogicalId,
    /// `module.function`.
    pub handler: &'a str,
    /// Memory, 128 to 10,240 MB.
    pub memory_mb: u32,
    /// Timeout, 1 to 900 seconds.
    pub timeout_s: u32,
    /// `arm64` or `x86_64`.
    pub architecture: &'a str,
    /// Environment variables.
    pub environment: IndexMap<String, Value<String>>,
    /// What the function may do, beyond writing its own logs.
    pub statements: Vec<Statement>,
    /// AWS managed policies to attach (e.g. VPC access).
    pub managed_policies: Vec<Value<String>>,
    /// Days its logs are kept.
    pub log_retention_days: u32,
    /// Subnets and security groups, for a function in a VPC.
    pub vpc: Option<VpcConfig>,
    /// Requirement IDs the function serves.
    pub requirements: &'a [&'a str],
}

/// The logical IDs of a function's resources.
pub struct FunctionIds {
    /// The function.
    pub function: LogicalId,
    /// Its execution role.
    pub role: LogicalId,
    /// Its log group.
    pub log_group: LogicalId,
}

impl LambdaFunction<'_> {
    /// Adds the log group, role and function.
    pub fn add_to(self, t: &mut Template) -> Result<FunctionIds, Error> {
        let fn_id = format!("{}Function", self.name);
        let log_group = add_log_group(
            t,
            &format!("{fn_id}LogGroup"),
            self.log_retention_days,
            self.requirements,
        )?;
        let mut statements = vec![Statement::allow(
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![log_group.get_att("Arn")],
        )
        .sid("WriteOwnLogs")];
        statements.extend(self.statements);
        let role = Role {
            managed_policy_arns: (!self.managed_policies.is_empty())
                .then_some(self.managed_policies.into()),
            policies: Some(
                vec![InlinePolicy {
                    policy_name: "least-privilege".into(),
                    policy_document: PolicyDocument::new(statements),
                }]
                .into(),
            ),
            ..Role::described(
                PolicyDocument::new(vec![Statement::assume_by_service(&[
                    "lambda.amazonaws.com",
                ])]),
                &format!("Execution role of {fn_id}: its own logs and only what it needs"),
            )
        };
        let role = t
            .add(&format!("{fn_id}Role"), role)?
            .satisfies(self.requirements)
            .id()
            .clone();
        let function = Function {
            architectures: Some(vec![architecture(self.architecture)?.into()].into()),
            description: Some(self.description.to_string().into()),
            environment: (!self.environment.is_empty()).then_some(
                Environment {
                    variables: Some(self.environment.into()),
                }
                .into(),
            ),
            ephemeral_storage: None,
            file_system_configs: None,
            handler: Some(self.handler.to_string().into()),
            logging_config: Some(
                LoggingConfig {
                    log_format: Some(LogFormat::Json.into()),
                    log_group: Some(log_group.r#ref()),
                    ..Default::default()
                }
                .into(),
            ),
            memory_size: Some(self.memory_mb.into()),
            reserved_concurrent_executions: None,
            runtime: Some(PYTHON_RUNTIME.into()),
            tags: None,
            timeout: Some(self.timeout_s.into()),
            tracing_config: None,
            dead_letter_config: None,
            vpc_config: self.vpc.map(Into::into),
            ..Function::new(
                Code {
                    s3_bucket: Some(self.assets_bucket.r#ref()),
                    s3_key: Some(self.package.key.clone().into()),
                    ..Default::default()
                },
                role.get_att("Arn"),
            )
        };
        let function = t
            .add(&fn_id, function)?
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(FunctionIds {
            function,
            role,
            log_group,
        })
    }
}

/// What a function in a VPC needs to attach its network interfaces, instead
/// of the AWS managed `AWSLambdaVPCAccessExecutionRole` (which also grants
/// `logs:*` writes on every log group, and everything on `*`): managing
/// network interfaces in this account and region, and the two `Describe`
/// calls EC2 only allows on `*` (they read, and have no resource-level
/// permissions).
pub fn network_interface_statements() -> Vec<Statement> {
    vec![
        Statement::allow(
            &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            vec!["*".into()],
        )
        .sid("FindNetworkInterfaces"),
        Statement::allow(
            &[
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            ["network-interface", "subnet", "security-group"]
                .iter()
                .map(|kind| {
                    crate::components::arn(&format!(
                        "ec2:${{AWS::Region}}:${{AWS::AccountId}}:{kind}/*"
                    ))
                })
                .collect(),
        )
        .sid("ManageNetworkInterfacesInThisAccount"),
    ]
}

/// The instruction set a function runs on, by its CloudFormation name.
fn architecture(name: &str) -> Result<Architectures, Error> {
    match name {
        "arm64" => Ok(Architectures::Arm64),
        "x86_64" => Ok(Architectures::X86_64),
        other => Err(Error::Internal(format!(
            "unknown Lambda architecture `{other}`"
        ))),
    }
}
