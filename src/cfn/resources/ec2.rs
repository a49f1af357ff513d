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

impl EgressRule {
    /// A rule nothing matches (all protocols to `127.0.0.1/32`): it replaces
    /// the allow-all egress a group gets without rules, so the group only
    /// answers what reached it (security groups are stateful).
    pub fn none(description: &str) -> Self {
        EgressRule {
            cidr_ip: Some("127.0.0.1/32".into()),
            description: Some(description.into()),
            from_port: None,
            ip_protocol: "-1".into(),
            to_port: None,
        }
    }
}

/// `AWS::EC2::SecurityGroupIngress`: a rule kept outside the group, so two
/// groups can name each other without a dependency cycle.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIngress {
    pub cidr_ip: Option<String>,
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
    /// Interface endpoints: resolve the service's public name to the endpoint.
    pub private_dns_enabled: Option<bool>,
    pub route_table_ids: Option<Vec<Value<String>>>,
    /// Interface endpoints.
    pub security_group_ids: Option<Vec<Value<String>>>,
    pub service_name: Value<String>,
    /// Interface endpoints: one network interface per subnet.
    pub subnet_ids: Option<Vec<Value<String>>>,
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

/// `AWS::EC2::InternetGateway`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGateway {
    pub tags: Option<Vec<Tag>>,
}
resource_type!(
    InternetGateway,
    "AWS::EC2::InternetGateway",
    ["InternetGatewayId"]
);

/// `AWS::EC2::VPCGatewayAttachment`: attaches an internet gateway to a VPC.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcGatewayAttachment {
    pub internet_gateway_id: Option<Value<String>>,
    pub vpc_id: Value<String>,
}
resource_type!(
    VpcGatewayAttachment,
    "AWS::EC2::VPCGatewayAttachment",
    ["AttachmentType"]
);

/// `AWS::EC2::Route`: one route of a route table.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    pub destination_cidr_block: Option<String>,
    /// An internet gateway.
    pub gateway_id: Option<Value<String>>,
    pub nat_gateway_id: Option<Value<String>>,
    pub route_table_id: Value<String>,
}
resource_type!(Route, "AWS::EC2::Route", ["CidrBlock"]);

/// `AWS::EC2::EIP`: an Elastic IP address.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Eip {
    /// `vpc`.
    pub domain: Option<String>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(Eip, "AWS::EC2::EIP", ["AllocationId", "PublicIp"]);

/// `AWS::EC2::NatGateway`: outbound internet access for private subnets.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGateway {
    pub allocation_id: Option<Value<String>>,
    pub subnet_id: Option<Value<String>>,
    pub tags: Option<Vec<Tag>>,
}
resource_type!(NatGateway, "AWS::EC2::NatGateway", ["NatGatewayId"]);

/// `AWS::EC2::LaunchTemplate`: how an Auto Scaling group launches instances.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplate {
    pub launch_template_data: LaunchTemplateData,
    pub version_description: Option<String>,
}
resource_type!(
    LaunchTemplate,
    "AWS::EC2::LaunchTemplate",
    [
        "DefaultVersionNumber",
        "LatestVersionNumber",
        "LaunchTemplateId"
    ]
);

/// The instance settings of a launch template.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateData {
    pub block_device_mappings: Option<Vec<BlockDeviceMapping>>,
    pub iam_instance_profile: Option<IamInstanceProfileSpecification>,
    pub image_id: Option<Value<String>>,
    pub instance_type: Option<String>,
    pub metadata_options: Option<MetadataOptions>,
    pub monitoring: Option<Monitoring>,
    pub security_group_ids: Option<Vec<Value<String>>>,
    pub tag_specifications: Option<Vec<TagSpecification>>,
    /// Base64-encoded.
    pub user_data: Option<Value<String>>,
}

/// A volume of the instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMapping {
    pub device_name: String,
    pub ebs: Ebs,
}

/// An EBS volume.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ebs {
    pub delete_on_termination: Option<bool>,
    pub encrypted: Option<bool>,
    pub volume_size: Option<u32>,
    /// `gp3`, `gp2`, ...
    pub volume_type: Option<String>,
}

/// The instance profile the instances run with.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamInstanceProfileSpecification {
    pub arn: Value<String>,
}

/// Instance metadata service settings (`HttpTokens: required` is IMDSv2 only).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptions {
    pub http_endpoint: Option<String>,
    pub http_put_response_hop_limit: Option<u32>,
    pub http_tokens: Option<String>,
}

/// Detailed (1-minute) CloudWatch monitoring.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Monitoring {
    pub enabled: bool,
}

/// Tags applied to what the template launches (`instance`, `volume`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagSpecification {
    pub resource_type: String,
    pub tags: Vec<Tag>,
}
