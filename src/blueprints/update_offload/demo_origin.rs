//! OFFLOAD-2: the demo origin (a VPC, an internal load balancer in front of
//! an Auto Scaling group, EFS for the files) and CloudFront's way into it.

use super::options::*;
use super::publisher::{add_publisher, DemoFleet};
use crate::assets::{CodeSource, Package};
use crate::blueprints::ProjectInfo;
use crate::cfn::resources::cloudfront::{VpcOrigin, VpcOriginEndpointConfig};
use crate::cfn::template::ParameterType;
use crate::cfn::{LogicalId, Parameter, Template, Value};
use crate::components::cdn::{stack_unique_name, OriginKind};
use crate::components::custom_domain::CustomDomain;
use crate::components::public_network::PublicNetwork;
use crate::components::web_fleet::{FleetTls, WebFleet};
use crate::config::{DomainName, SsmParameterName};
use crate::error::Error;

/// The public SSM parameters of the latest Amazon Linux 2023 AMIs.
const AL2023_ARM64: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const AL2023_X86_64: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/// The TLS leg between CloudFront and the demo origin's load balancer: the
/// name CloudFront checks and the certificate that carries it (given, or
/// created and DNS-validated in the custom domain's hosted zone).
fn demo_tls(project: &ProjectInfo, o: &Options, t: &mut Template) -> Result<FleetTls, Error> {
    let d = &o.demo_origin;
    let name = match (&d.domain_name, &o.domain) {
        (Some(n), _) => n.clone(),
        (None, Some(domain)) => DomainName::new(&format!("origin.{}", domain.name))
            .map_err(|e| Error::User(format!("options.demo_origin.domain_name: {e}")))?,
        (None, None) => {
            return Err(Error::User(
                "options.demo_origin: HTTPS from CloudFront to the private load balancer needs a name on a certificate: set options.domain (the origin is then origin.<domain.name>, with a certificate the stack creates), or options.demo_origin.domain_name and certificate_arn; or choose protocol: http-only with allow_plain_http: true".into(),
            ))
        }
    };
    let certificate_arn: Value<String> = match (&d.certificate_arn, &o.domain) {
        (Some(arn), _) => {
            if arn.region() != project.region.as_str() {
                return Err(Error::User(format!(
                    "options.demo_origin.certificate_arn: the certificate is in {}, the load balancer in {}; a load balancer uses certificates of its own region",
                    arn.region(),
                    project.region
                )));
            }
            arn.as_str().into()
        }
        (None, Some(domain)) => CustomDomain {
            name: &name,
            hosted_zone_id: &domain.hosted_zone_id,
            requirements: &["OFFLOAD-2"],
        }
        .add_certificate(t, "OriginCertificate")?
        .r#ref(),
        (None, None) => {
            return Err(Error::User(format!(
                "options.demo_origin.certificate_arn: give the ACM certificate for {name} in {} (or set options.domain so the stack creates one)",
                project.region
            )))
        }
    };
    Ok(FleetTls {
        domain_name: name.to_string(),
        certificate_arn,
    })
}

/// CloudFront's private way into the load balancer.
fn add_vpc_origin(
    t: &mut Template,
    load_balancer: &LogicalId,
    https: bool,
) -> Result<LogicalId, Error> {
    Ok(t.add(
        "OriginVpcOrigin",
        VpcOrigin::new(VpcOriginEndpointConfig::load_balancer(
            load_balancer.r#ref(),
            stack_unique_name("origin"),
            https,
        )),
    )?
    .satisfies(&["OFFLOAD-2"])
    .id()
    .clone())
}

/// The demo origin as CloudFront reaches it, and the publisher's code.
pub(super) struct DemoOrigin {
    pub origin: OriginKind<'static>,
    pub publisher: Option<Package>,
}

/// OFFLOAD-2: the demo origin: a network, a fleet from the AMI parameter
/// behind an internal load balancer (HTTPS with a certificate, or plain
/// HTTP), EFS for the files, the VPC origin, and the publisher.
pub(super) fn add_demo_origin(
    project: &ProjectInfo,
    o: &Options,
    t: &mut Template,
    code: &CodeSource,
) -> Result<DemoOrigin, Error> {
    let d = &o.demo_origin;
    let tls = match d.protocol {
        DemoProtocol::HttpsOnly => Some(demo_tls(project, o, t)?),
        DemoProtocol::HttpOnly => None,
    };
    let image = add_image_parameter(t, d)?;
    let network = PublicNetwork {
        name: "Network",
        cidr: &d.vpc_cidr,
        requirements: &["OFFLOAD-2"],
    }
    .add_to(t)?;
    let fleet = WebFleet {
        name: "Origin",
        network: &network,
        vpc_cidr: d.vpc_cidr.as_str(),
        image_parameter: &image,
        instance_type: d.instance_type.as_str(),
        min_size: d.min_size.get_u32(),
        max_size: d.max_size.get_u32(),
        desired: d.desired_capacity.get_u32(),
        cpu_target: d.cpu_target_percent.get_u32(),
        health_check_path: &d.health_check_path.0,
        tls: tls.as_ref(),
        retain_files: o.retain.files,
        requirements: &["OFFLOAD-2"],
        health_requirements: &["OFFLOAD-3"],
    }
    .add_to(t)?;
    t.output(
        "OriginLoadBalancerDnsName",
        "The demo origin's internal load balancer (reachable only inside the VPC; CloudFront comes in through the VPC origin)",
        fleet.load_balancer.get_att("DNSName"),
        None,
    )?;
    let vpc_origin = add_vpc_origin(t, &fleet.load_balancer, tls.is_some())?;
    let publisher = if d.publisher.enabled {
        let writer = DemoFleet {
            network: &network,
            vpc_cidr: d.vpc_cidr.as_str(),
            fleet_name: "Origin",
            fleet: &fleet,
        };
        Some(add_publisher(
            t,
            &d.publisher,
            o.retain.updates_bucket,
            &writer,
            code,
        )?)
    } else {
        None
    };
    t.output(
        "FilesFileSystemId",
        "The EFS file system with the update files (mounted read-only on the instances)",
        fleet.file_system.r#ref(),
        None,
    )?;
    let origin = OriginKind::Vpc {
        vpc_origin,
        // Over HTTPS, CloudFront checks this name on the certificate.
        domain: match &tls {
            Some(tls) => tls.domain_name.as_str().into(),
            None => fleet.load_balancer.get_att("DNSName"),
        },
    };
    Ok(DemoOrigin { origin, publisher })
}

/// The SSM parameter of the instances' AMI (the latest Amazon Linux 2023
/// for the instance type's architecture by default).
fn add_image_parameter(t: &mut Template, d: &DemoOriginOptions) -> Result<LogicalId, Error> {
    let default_ami = if d.instance_type.is_arm64() {
        AL2023_ARM64
    } else {
        AL2023_X86_64
    };
    Ok(t.parameter(
        "ImageId",
        Parameter {
            kind: ParameterType::SsmImageId,
            default: Some(serde_json::Value::String(
                d.ami_parameter
                    .as_ref()
                    .map_or(default_ami, SsmParameterName::as_str)
                    .to_string(),
            )),
            ..Parameter::string(
                "The SSM parameter holding the origin instances' AMI (the latest Amazon Linux 2023 by default)",
            )
        },
    )?)
}
