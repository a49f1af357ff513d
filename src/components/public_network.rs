//! A two-tier network: a VPC with a public and a private subnet in each of
//! two availability zones, an internet gateway for the public subnets, and
//! one NAT gateway so instances in the private subnets can reach package
//! repositories and AWS APIs without being reachable themselves.

use crate::cfn::intrinsic::{cidr, get_att, get_azs, select, sub};
use crate::cfn::resources::ec2::{
    Eip, InternetGateway, NatGateway, Route, RouteTable, Subnet, SubnetRouteTableAssociation, Vpc,
    VpcGatewayAttachment,
};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template};
use crate::config::VpcCidr;
use crate::error::Error;

/// The number of availability zones the network spans.
pub const ZONES: usize = 2;

/// How to build the network.
pub struct PublicNetwork<'a> {
    /// Logical ID prefix (`Network` gives `NetworkVpc`, `NetworkPublicSubnet1`, ...).
    pub name: &'a str,
    /// The VPC's address range.
    pub cidr: &'a VpcCidr,
    /// Requirement IDs the resources serve (their `BlueprintRequirements` metadata).
    pub requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct PublicNetworkIds {
    /// The VPC.
    pub vpc: LogicalId,
    /// Its public subnets.
    pub public_subnets: Vec<LogicalId>,
    /// Its private subnets.
    pub private_subnets: Vec<LogicalId>,
    /// The private subnets' default route (through the NAT gateway):
    /// instances that need the internet at boot wait for it.
    pub private_default_route: LogicalId,
    /// The private subnets' route table (for gateway endpoints).
    pub private_route_table: LogicalId,
}

/// A `Name` tag of `${AWS::StackName}-<suffix>`.
fn name_tag(suffix: &str) -> Option<Vec<Tag>> {
    Some(vec![Tag::new(
        "Name",
        sub(format!("${{AWS::StackName}}-{suffix}")),
    )])
}

/// What the internet gateway gives the rest of the network.
struct Gateway {
    vpc: LogicalId,
    igw: LogicalId,
    attachment: LogicalId,
}

impl PublicNetwork<'_> {
    /// Adds the resources to `t`; returns the logical IDs other resources need.
    pub fn add_to(&self, t: &mut Template) -> Result<PublicNetworkIds, Error> {
        let gateway = self.add_vpc(t)?;
        let (public_subnets, private_subnets) = self.add_subnets(t, &gateway.vpc)?;
        self.add_public_routes(t, &gateway, &public_subnets)?;
        let (private_default_route, private_routes) =
            self.add_private_routes(t, &gateway, &public_subnets, &private_subnets)?;
        Ok(PublicNetworkIds {
            vpc: gateway.vpc,
            public_subnets,
            private_subnets,
            private_default_route,
            private_route_table: private_routes,
        })
    }

    /// Adds the VPC, its internet gateway and the gateway's attachment.
    fn add_vpc(&self, t: &mut Template) -> Result<Gateway, Error> {
        let n = self.name;
        let req = self.requirements;
        let vpc = t
            .add(
                &format!("{n}Vpc"),
                Vpc {
                    cidr_block: Some(self.cidr.as_str().into()),
                    enable_dns_hostnames: Some(true.into()),
                    enable_dns_support: Some(true.into()),
                    tags: name_tag("vpc").map(Into::into),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let igw = t
            .add(
                &format!("{n}InternetGateway"),
                InternetGateway {
                    tags: name_tag("igw").map(Into::into),
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let attachment = t
            .add(
                &format!("{n}InternetGatewayAttachment"),
                VpcGatewayAttachment {
                    internet_gateway_id: Some(igw.r#ref()),
                    ..VpcGatewayAttachment::new(vpc.r#ref())
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(Gateway {
            vpc,
            igw,
            attachment,
        })
    }

    /// Adds a public and a private subnet in each zone; returns (public,
    /// private).
    fn add_subnets(
        &self,
        t: &mut Template,
        vpc: &LogicalId,
    ) -> Result<(Vec<LogicalId>, Vec<LogicalId>), Error> {
        let n = self.name;
        let req = self.requirements;
        // Four equal subnets: public 1, public 2, private 1, private 2.
        let host_bits = 32 - (i64::from(self.cidr.prefix()) + 2);
        let blocks = || cidr(get_att(vpc.as_str(), "CidrBlock"), 4, host_bits);
        let subnet = |t: &mut Template, tier: &str, zone: usize, index: i64| {
            t.add(
                &format!("{n}{tier}Subnet{}", zone + 1),
                Subnet {
                    availability_zone: Some(select(zone as i64, get_azs()).into()),
                    cidr_block: Some(select(index, blocks()).into()),
                    map_public_ip_on_launch: Some(false.into()),
                    tags: name_tag(&format!("{}-{}", tier.to_ascii_lowercase(), zone + 1))
                        .map(Into::into),
                    ..Subnet::new(vpc.r#ref())
                },
            )
            .map(|r| r.satisfies(req).id().clone())
        };
        let mut public_subnets = Vec::new();
        let mut private_subnets = Vec::new();
        for zone in 0..ZONES {
            public_subnets.push(subnet(t, "Public", zone, zone as i64)?);
        }
        for zone in 0..ZONES {
            private_subnets.push(subnet(t, "Private", zone, (ZONES + zone) as i64)?);
        }
        Ok((public_subnets, private_subnets))
    }

    /// Adds the public subnets' route table, its default route through the
    /// internet gateway and its subnet associations.
    fn add_public_routes(
        &self,
        t: &mut Template,
        gateway: &Gateway,
        public_subnets: &[LogicalId],
    ) -> Result<(), Error> {
        let n = self.name;
        let req = self.requirements;
        let Gateway {
            vpc,
            igw,
            attachment,
        } = gateway;
        let public_routes = t
            .add(
                &format!("{n}PublicRouteTable"),
                RouteTable {
                    tags: name_tag("public").map(Into::into),
                    vpc_id: vpc.r#ref(),
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("{n}PublicDefaultRoute"),
            Route {
                destination_cidr_block: Some("0.0.0.0/0".into()),
                gateway_id: Some(igw.r#ref()),
                nat_gateway_id: None,
                ..Route::new(public_routes.r#ref())
            },
        )?
        .satisfies(req)
        .depends_on(attachment);
        for (i, s) in public_subnets.iter().enumerate() {
            t.add(
                &format!("{n}PublicSubnet{}Routes", i + 1),
                SubnetRouteTableAssociation {
                    route_table_id: public_routes.r#ref(),
                    subnet_id: s.r#ref(),
                },
            )?
            .satisfies(req);
        }
        Ok(())
    }

    /// Adds the NAT gateway (in the first public subnet) and the private
    /// subnets' route table, default route and associations; returns (default
    /// route, route table).
    fn add_private_routes(
        &self,
        t: &mut Template,
        gateway: &Gateway,
        public_subnets: &[LogicalId],
        private_subnets: &[LogicalId],
    ) -> Result<(LogicalId, LogicalId), Error> {
        let n = self.name;
        let req = self.requirements;
        let Gateway {
            vpc, attachment, ..
        } = gateway;
        let eip = t
            .add(
                &format!("{n}NatAddress"),
                Eip {
                    domain: Some("vpc".into()),
                    tags: name_tag("nat").map(Into::into),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .depends_on(attachment)
            .id()
            .clone();
        let nat = t
            .add(
                &format!("{n}NatGateway"),
                NatGateway {
                    allocation_id: Some(eip.get_att("AllocationId")),
                    subnet_id: Some(public_subnets[0].r#ref()),
                    tags: name_tag("nat").map(Into::into),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let private_routes = t
            .add(
                &format!("{n}PrivateRouteTable"),
                RouteTable {
                    tags: name_tag("private").map(Into::into),
                    vpc_id: vpc.r#ref(),
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let private_default_route = t
            .add(
                &format!("{n}PrivateDefaultRoute"),
                Route {
                    destination_cidr_block: Some("0.0.0.0/0".into()),
                    gateway_id: None,
                    nat_gateway_id: Some(nat.r#ref()),
                    ..Route::new(private_routes.r#ref())
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        for (i, s) in private_subnets.iter().enumerate() {
            t.add(
                &format!("{n}PrivateSubnet{}Routes", i + 1),
                SubnetRouteTableAssociation {
                    route_table_id: private_routes.r#ref(),
                    subnet_id: s.r#ref(),
                },
            )?
            .satisfies(req);
        }
        Ok((private_default_route, private_routes))
    }
}
