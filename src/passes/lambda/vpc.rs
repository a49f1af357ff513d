//! FN-VPC: the network the functions run in (created or named) and how a
//! nested stack's functions get it.

use indexmap::IndexMap;

use super::{SECURITY_GROUP_PARAMETER, SUBNETS_PARAMETER};
use crate::cfn::intrinsic::{sub, Expr, Intrinsic};
use crate::cfn::resources::cloudformation::Stack;
use crate::cfn::resources::ec2::{EgressRule, SecurityGroup, VpcEndpoint, VpcEndpointType};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::network::PrivateNetwork;
use crate::components::public_network::PublicNetwork;
use crate::config::lambda::VpcOptions;
use crate::error::Error;

/// A list of strings, as `VpcConfig` takes it.
pub(super) type Strings = Value<Vec<Value<String>>>;

/// Where the functions of a template tree go.
#[derive(Clone, Debug)]
pub(super) struct VpcPlacement {
    /// The `SubnetIds` value: a list, or a `Ref` to a list parameter.
    pub(super) subnets: Strings,
    /// The `SecurityGroupIds` value.
    pub(super) security_groups: Strings,
}

/// FN-VPC: the network in the root template (created or named).
pub(super) fn add_vpc(t: &mut Template, v: &VpcOptions) -> Result<Option<VpcPlacement>, Error> {
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
            let strings = |l: &[String]| -> Strings {
                l.iter()
                    .map(|s| Value::from(s.clone()))
                    .collect::<Vec<_>>()
                    .into()
            };
            Ok(Some(VpcPlacement {
                subnets: strings(subnet_ids),
                security_groups: strings(security_group_ids),
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
            let subnets: Vec<Value<String>> = subnets.iter().map(LogicalId::r#ref).collect();
            Ok(Some(VpcPlacement {
                subnets: subnets.into(),
                security_groups: vec![sg.get_att("GroupId")].into(),
            }))
        }
    }
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

/// FN-VPC for a nested stack's functions: passes the subnets (joined, as a
/// nested stack's parameters are strings) and the first security group.
pub(super) fn pass_vpc(stack: &mut Stack, v: &VpcPlacement) -> Result<(), Error> {
    let Value::Lit(subnets) = &v.subnets else {
        return Err(Error::Internal(
            "FN-VPC: functions two nested stacks deep are not supported".into(),
        ));
    };
    let subnets: Vec<Expr> = subnets
        .iter()
        .map(|s| match s {
            Value::Lit(s) => Expr::Str(s.clone()),
            Value::Fn(f) => Expr::Fn(f.clone()),
        })
        .collect();
    let group = match &v.security_groups {
        Value::Lit(l) => l.first().cloned(),
        Value::Fn(_) => None,
    };
    let params = stack
        .parameters
        .get_or_insert_with(|| IndexMap::new().into());
    if let Value::Lit(p) = params {
        p.insert(
            SUBNETS_PARAMETER.into(),
            Intrinsic::Join(",".into(), subnets).into(),
        );
        if let Some(g) = group {
            p.insert(SECURITY_GROUP_PARAMETER.into(), g);
        }
    }
    Ok(())
}
