//! A DynamoDB Accelerator cluster in private subnets, encrypted at rest and in
//! transit, reachable only from the security group of its clients.

use indexmap::IndexMap;

use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::dax::{Cluster, ParameterGroup, SseSpecification, SubnetGroup};
use crate::cfn::resources::ec2::{
    EgressRule, SecurityGroup, SecurityGroupEgress, SecurityGroupIngress,
};
use crate::cfn::resources::iam::{InlinePolicy, Role};
use crate::cfn::{LogicalId, Template, Value};
use crate::error::Error;

/// The Python DAX client a function that reads through DAX gets in its
/// package (the blueprint adds these to the function's own requirements:
/// [`crate::assets::CodeSource::package_with`]), pinned with hashes and
/// complete: pip installs them without their dependencies.
///
/// - `amazon-dax-client` 2.1.0, the newest release (it supports Python
///   3.13), is published only as a pure-Python source distribution; pip
///   builds it on this machine, and only its Python files and license files
///   are packaged, so the package is the same wherever it is built.
/// - Its dependencies `antlr4-python3-runtime` (exactly 4.13.2, as the
///   client requires) and `six` are pure-Python wheels, pinned here.
/// - `botocore` (and boto3, urllib3, jmespath, dateutil) are deliberately
///   not installed: the Lambda Python 3.13 runtime ships them, in versions
///   the client accepts (`botocore>=1.20.35,~=1.20`: any 1.x from 1.20.35).
///   Installing botocore would add about 31 MB (unzipped) of AWS service
///   models to every DAX function and freeze it at our pin instead of the
///   runtime's updates. `six` may well be in the runtime too, but nothing
///   promises it, so it is pinned here (one 34 KB file).
///
/// The client adds about 1.06 MB unzipped (280 KB zipped), far under
/// Lambda's 250 MB.
pub const CLIENT_REQUIREMENTS: &[&str] = &[
    "amazon-dax-client==2.1.0 --hash=sha256:e1afa0e112b6f29d06f52c390bab3485cd745f71a90f9d4d12f8b9af8320dcc4",
    "antlr4-python3-runtime==4.13.2 --hash=sha256:fe3835eb8d33daece0e799090eda89719dbccee7aa39ef94eed3818cafa5a7e8",
    "six==1.17.0 --hash=sha256:4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
];

/// The Python package the DAX client provides (what a handler imports).
pub const CLIENT_MODULE: &str = "amazondax";

/// The synth warning for `function` when it reads through DAX but its code
/// is the project's own (`functions/<function>`) and none of its Python
/// files imports [`CLIENT_MODULE`]: the client is packaged, but the code
/// reads DynamoDB directly and the cluster serves nothing. Built-in code
/// always uses the client: no warning. `handler_file` is the file the
/// function's handler is in (e.g. `handler.py`), named in the warning.
pub fn client_warning(
    code: &crate::assets::CodeSource,
    function: &str,
    handler_file: &str,
) -> Result<Option<String>, Error> {
    let (origin, files) = code.files(function)?;
    if origin.starts_with("<built-in>") {
        return Ok(None);
    }
    let imports = files.iter().filter(|f| f.path.ends_with(".py")).any(|f| {
        String::from_utf8_lossy(&f.contents).lines().any(|l| {
            let code = l.split('#').next().unwrap_or("").trim();
            code.starts_with(&format!("import {CLIENT_MODULE}"))
                || code.starts_with(&format!("from {CLIENT_MODULE}"))
                || code.contains(&format!("\"{CLIENT_MODULE}\""))
                || code.contains(&format!("'{CLIENT_MODULE}'"))
        })
    });
    if imports {
        return Ok(None);
    }
    let dir = code.project_dir(function);
    Ok(Some(format!(
        "function `{function}` reads through DAX (its DAX_ENDPOINT names the cluster), but its own code in {dir} never imports `{CLIENT_MODULE}` (its handler is {dir}/{handler_file}): its reads go straight to DynamoDB and the cluster serves nothing; read through `amazondax.AmazonDaxClient.resource(endpoint_url=os.environ[\"DAX_ENDPOINT\"])` (the client is packaged with the function)"
    )))
}

/// The port of a DAX cluster with TLS endpoint encryption.
pub const DAX_TLS_PORT: u16 = 9111;

/// How to build the cluster.
pub struct DaxCluster<'a> {
    /// Logical ID prefix (`Dax` gives `DaxCluster`, `DaxRole`, ...).
    pub name: &'a str,
    /// The node type (`dax.t3.small`, ...).
    pub node_type: &'a str,
    /// How many nodes.
    pub nodes: u32,
    /// The VPC the cluster runs in.
    pub vpc: &'a LogicalId,
    /// Its subnets.
    pub subnets: &'a [LogicalId],
    /// The tables the cluster may read and write (their ARNs).
    pub tables: Vec<Value<String>>,
    /// How long an item is cached, in milliseconds.
    pub record_ttl_ms: u64,
    /// How long a query result is cached, in milliseconds.
    pub query_ttl_ms: u64,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct DaxIds {
    /// The cluster.
    pub cluster: LogicalId,
    /// The security group its clients (functions) must be in.
    pub client_security_group: LogicalId,
}

impl DaxCluster<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(self, t: &mut Template) -> Result<DaxIds, Error> {
        let (client_sg, cluster_sg) = self.add_security_groups(t)?;
        let role = self.add_role(t)?;
        let subnet_group = self.add_subnet_group(t)?;
        let params = self.add_parameter_group(t)?;
        let n = self.name;
        let cluster = t
            .add(
                &format!("{n}Cluster"),
                Cluster {
                    cluster_endpoint_encryption_type: Some("TLS".into()),
                    description: Some("Read cache in front of DynamoDB".into()),
                    parameter_group_name: Some(params.r#ref()),
                    security_group_ids: Some(vec![cluster_sg.get_att("GroupId")].into()),
                    sse_specification: Some(
                        SseSpecification {
                            sse_enabled: Some(true.into()),
                        }
                        .into(),
                    ),
                    subnet_group_name: Some(subnet_group.r#ref()),
                    ..Cluster::new(role.get_att("Arn"), self.node_type, self.nodes)
                },
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        Ok(DaxIds {
            cluster,
            client_security_group: client_sg,
        })
    }

    /// Adds the clients' and the cluster's security groups and the DAX (TLS)
    /// rules between them; returns (clients' group, cluster's group).
    fn add_security_groups(&self, t: &mut Template) -> Result<(LogicalId, LogicalId), Error> {
        let n = self.name;
        let req = self.requirements;
        let client_sg = t
            .add(
                &format!("{n}ClientSecurityGroup"),
                SecurityGroup {
                    security_group_egress: Some(
                        vec![EgressRule {
                            cidr_ip: Some("0.0.0.0/0".into()),
                            description: Some(
                                "HTTPS to AWS APIs through the gateway endpoints".into(),
                            ),
                            from_port: Some(443.into()),
                            to_port: Some(443.into()),
                            ..EgressRule::new("tcp")
                        }]
                        .into(),
                    ),
                    tags: None,
                    vpc_id: Some(self.vpc.r#ref()),
                    ..SecurityGroup::new("Clients of the DAX cluster: DAX and HTTPS out only")
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let cluster_sg = t
            .add(
                &format!("{n}SecurityGroup"),
                SecurityGroup {
                    // DAX reads through to DynamoDB over HTTPS (the
                    // subnets route it to the gateway endpoint); nothing else.
                    security_group_egress: Some(
                        vec![EgressRule {
                            cidr_ip: Some("0.0.0.0/0".into()),
                            description: Some(
                                "HTTPS to DynamoDB through the gateway endpoint".into(),
                            ),
                            from_port: Some(443.into()),
                            to_port: Some(443.into()),
                            ..EgressRule::new("tcp")
                        }]
                        .into(),
                    ),
                    tags: None,
                    vpc_id: Some(self.vpc.r#ref()),
                    ..SecurityGroup::new("The DAX cluster: reachable from its clients only")
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("{n}IngressFromClients"),
            SecurityGroupIngress {
                cidr_ip: None,
                description: Some("DAX over TLS from its clients".into()),
                from_port: Some(DAX_TLS_PORT.into()),
                group_id: Some(cluster_sg.get_att("GroupId")),
                source_security_group_id: Some(client_sg.get_att("GroupId")),
                to_port: Some(DAX_TLS_PORT.into()),
                ..SecurityGroupIngress::new("tcp")
            },
        )?
        .satisfies(req);
        t.add(
            &format!("{n}EgressFromClients"),
            SecurityGroupEgress {
                description: Some("DAX over TLS to the cluster".into()),
                destination_security_group_id: Some(cluster_sg.get_att("GroupId")),
                from_port: Some(DAX_TLS_PORT.into()),
                to_port: Some(DAX_TLS_PORT.into()),
                ..SecurityGroupEgress::new(client_sg.get_att("GroupId"), "tcp")
            },
        )?
        .satisfies(req);
        Ok((client_sg, cluster_sg))
    }

    /// Adds the role that lets the cluster read and write the cached tables.
    fn add_role(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let n = self.name;
        let req = self.requirements;
        let mut table_resources = Vec::new();
        for table in &self.tables {
            table_resources.push(table.clone());
        }
        let role = t
            .add(
                &format!("{n}Role"),
                Role {
                    policies: Some(
                        vec![InlinePolicy {
                            policy_name: "cached-tables-only".into(),
                            policy_document: PolicyDocument::new(vec![Statement::allow(
                                &[
                                    "dynamodb:BatchGetItem",
                                    "dynamodb:BatchWriteItem",
                                    "dynamodb:ConditionCheckItem",
                                    "dynamodb:DeleteItem",
                                    "dynamodb:DescribeTable",
                                    "dynamodb:GetItem",
                                    "dynamodb:PutItem",
                                    "dynamodb:Query",
                                    "dynamodb:Scan",
                                    "dynamodb:UpdateItem",
                                ],
                                table_resources,
                            )]),
                        }]
                        .into(),
                    ),
                    ..Role::described(
                        PolicyDocument::new(vec![Statement::assume_by_service(&[
                            "dax.amazonaws.com",
                        ])]),
                        "Lets the DAX cluster reach the tables it caches",
                    )
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(role)
    }

    /// Adds the subnet group of the cluster's private subnets.
    fn add_subnet_group(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let n = self.name;
        let req = self.requirements;
        let subnet_group = t
            .add(
                &format!("{n}SubnetGroup"),
                SubnetGroup {
                    description: Some("Private subnets of the DAX cluster".into()),
                    ..SubnetGroup::new(
                        self.subnets
                            .iter()
                            .map(LogicalId::r#ref)
                            .collect::<Vec<_>>(),
                    )
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(subnet_group)
    }

    /// Adds the parameter group with the item and query cache lifetimes.
    fn add_parameter_group(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let n = self.name;
        let req = self.requirements;
        let mut ttl = IndexMap::new();
        ttl.insert(
            "query-ttl-millis".to_string(),
            Value::from(self.query_ttl_ms.to_string()),
        );
        ttl.insert(
            "record-ttl-millis".to_string(),
            Value::from(self.record_ttl_ms.to_string()),
        );
        let params = t
            .add(
                &format!("{n}ParameterGroup"),
                ParameterGroup {
                    description: Some("Item and query cache lifetimes".into()),
                    parameter_name_values: Some(ttl.into()),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(params)
    }
}
