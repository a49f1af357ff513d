//! A private network: a VPC with private subnets in two availability zones,
//! no internet route, and gateway endpoints so functions still reach DynamoDB
//! and S3.

use crate::cfn::intrinsic::{cidr, get_azs, select, sub};
use crate::cfn::policy::{PolicyDocument, Statement};
use crate::cfn::resources::ec2::VpcEndpointType;
use crate::cfn::resources::ec2::{
    RouteTable, Subnet, SubnetRouteTableAssociation, Vpc, VpcEndpoint,
};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template};
use crate::config::VpcCidr;
use crate::error::Error;

/// The number of availability zones the network spans.
pub const ZONES: usize = 2;

/// How to build the network.
pub struct PrivateNetwork<'a> {
    /// Logical ID prefix (`Network` gives `NetworkVpc`, `NetworkPrivateSubnet1`, ...).
    pub name: &'a str,
    /// The VPC's address range.
    pub cidr: &'a VpcCidr,
    /// Gateway endpoints to create, each with the statements its policy allows
    /// (`dynamodb`, `s3`).
    pub gateway_endpoints: Vec<(&'a str, Vec<Statement>)>,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct NetworkIds {
    /// The VPC.
    pub vpc: LogicalId,
    /// Its private subnets.
    pub subnets: Vec<LogicalId>,
    /// The subnets' route table.
    pub route_table: LogicalId,
}

impl PrivateNetwork<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(self, t: &mut Template) -> Result<NetworkIds, Error> {
        let n = self.name;
        let vpc = t
            .add(
                &format!("{n}Vpc"),
                Vpc {
                    cidr_block: Some(self.cidr.as_str().into()),
                    enable_dns_hostnames: Some(true.into()),
                    enable_dns_support: Some(true.into()),
                    tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-private"))].into()),
                    ..Default::default()
                },
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        let route_table = t
            .add(
                &format!("{n}PrivateRouteTable"),
                RouteTable {
                    tags: Some(vec![Tag::new("Name", sub("${AWS::StackName}-private"))].into()),
                    vpc_id: vpc.r#ref(),
                },
            )?
            .satisfies(self.requirements)
            .id()
            .clone();
        // Four subnets' worth of room, each 1/16th of the VPC.
        let host_bits = 32 - (i64::from(self.cidr.prefix()) + 4);
        let mut subnets = Vec::new();
        for zone in 0..ZONES {
            let subnet = t
                .add(
                    &format!("{n}PrivateSubnet{}", zone + 1),
                    Subnet {
                        availability_zone: Some(select(zone as i64, get_azs()).into()),
                        cidr_block: Some(
                            select(zone as i64, cidr(vpc_cidr(&vpc), 4, host_bits)).into(),
                        ),
                        map_public_ip_on_launch: Some(false.into()),
                        tags: Some(
                            vec![Tag::new(
                                "Name",
                                sub(format!("${{AWS::StackName}}-private-{}", zone + 1)),
                            )]
                            .into(),
                        ),
                        ..Subnet::new(vpc.r#ref())
                    },
                )?
                .satisfies(self.requirements)
                .id()
                .clone();
            t.add(
                &format!("{n}PrivateSubnet{}Routes", zone + 1),
                SubnetRouteTableAssociation {
                    route_table_id: route_table.r#ref(),
                    subnet_id: subnet.r#ref(),
                },
            )?
            .satisfies(self.requirements);
            subnets.push(subnet);
        }
        for (service, statements) in self.gateway_endpoints {
            let id: String = match service {
                "dynamodb" => "DynamoDb".into(),
                "s3" => "S3".into(),
                other => other.chars().filter(char::is_ascii_alphanumeric).collect(),
            };
            t.add(
                &format!("{n}{id}Endpoint"),
                VpcEndpoint {
                    policy_document: (!statements.is_empty())
                        .then(|| PolicyDocument::new(statements)),
                    private_dns_enabled: None,
                    route_table_ids: Some(vec![route_table.r#ref()].into()),
                    security_group_ids: None,
                    subnet_ids: None,
                    service_name: Some(
                        sub(format!("com.amazonaws.${{AWS::Region}}.{service}")).into(),
                    ),
                    vpc_endpoint_type: Some(VpcEndpointType::Gateway.into()),
                    ..VpcEndpoint::new(vpc.r#ref())
                },
            )?
            .satisfies(self.requirements);
        }
        Ok(NetworkIds {
            vpc,
            subnets,
            route_table,
        })
    }
}

fn vpc_cidr(vpc: &LogicalId) -> crate::cfn::Intrinsic {
    crate::cfn::intrinsic::get_att(vpc.as_str(), "CidrBlock")
}
