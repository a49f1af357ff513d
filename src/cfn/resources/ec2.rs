//! Amazon VPC networking.

use serde::Serialize;

use super::{resource_type, Tag};
use crate::cfn::intrinsic::Value;
use crate::cfn::policy::PolicyDocument;

/// `AWS::EC2::VPC`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    pub cidr_block: Value<String>,
    pub enable_dns_hostnames: Option<bool>,
    pub enable_dns_support: Option<bool>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(
    Vpc,
    "AWS::EC2::VPC",
    [
        "CidrBlock",
        "CidrBlockAssociations",
        "DefaultNetworkAcl",
        "DefaultSecurityGroup",
        "Ipv6CidrBlocks",
        "VpcId"
    ]
);

/// `AWS::EC2::Subnet`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    pub availability_zone: Option<Value<String>>,
    pub cidr_block: Option<Value<String>>,
    pub map_public_ip_on_launch: Option<bool>,
    pub tags: Option<Vec<Tag>>,
    pub vpc_id: Value<String>,
}
resource_type!(
    Subnet,
    "AWS::EC2::Subnet",
    [
        "AvailabilityZone",
        "AvailabilityZoneId",
        "CidrBlock",
        "NetworkAclAssociationId",
        "SubnetId",
        "VpcId"
    ]
);

/// `AWS::EC2::RouteTable`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTable {
    pub tags: Option<Vec<Tag>>,
    pub vpc_id: Value<String>,
}
resource_type!(RouteTable, "AWS::EC2::RouteTable", ["RouteTableId"]);

/// `AWS::EC2::SubnetRouteTableAssociation`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetRouteTableAssociation {
    pub route_table_id: Value<String>,
    pub subnet_id: Value<String>,
}
resource_type!(
    SubnetRouteTableAssociation,
    "AWS::EC2::SubnetRouteTableAssociation",
    ["Id"]
);

/// `AWS::EC2::SecurityGroup`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_description: String,
    pub security_group_egress: Option<Vec<EgressRule>>,
    pub tags: Option<Vec<Tag>>,
    pub vpc_id: Value<String>,
}
resource_type!(
    SecurityGroup,
    "AWS::EC2::SecurityGroup",
    ["GroupId", "VpcId"]
);

/// An egress rule inside a security group.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EgressRule {
    pub cidr_ip: Option<String>,
    pub description: Option<String>,
    pub from_port: Option<u16>,
    pub ip_protocol: String,
    pub to_port: Option<u16>,
}

/// `AWS::EC2::SecurityGroupIngress`: a rule kept outside the group, so two
/// groups can name each other without a dependency cycle.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIngress {
    pub description: Option<String>,
    pub from_port: Option<u16>,
    pub group_id: Value<String>,
    pub ip_protocol: String,
    pub source_security_group_id: Option<Value<String>>,
    pub to_port: Option<u16>,
}
resource_type!(
    SecurityGroupIngress,
    "AWS::EC2::SecurityGroupIngress",
    ["Id"]
);

/// `AWS::EC2::SecurityGroupEgress`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupEgress {
    pub description: Option<String>,
    pub destination_security_group_id: Option<Value<String>>,
    pub from_port: Option<u16>,
    pub group_id: Value<String>,
    pub ip_protocol: String,
    pub to_port: Option<u16>,
}
resource_type!(SecurityGroupEgress, "AWS::EC2::SecurityGroupEgress", ["Id"]);

/// `AWS::EC2::VPCEndpoint`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    pub policy_document: Option<PolicyDocument>,
    pub route_table_ids: Option<Vec<Value<String>>>,
    pub service_name: Value<String>,
    /// `Gateway` or `Interface`.
    pub vpc_endpoint_type: Option<String>,
    pub vpc_id: Value<String>,
}
resource_type!(
    VpcEndpoint,
    "AWS::EC2::VPCEndpoint",
    [
        "CreationTimestamp",
        "DnsEntries",
        "Id",
        "NetworkInterfaceIds"
    ]
);
