//! A small web fleet serving files from EFS: an internal Application Load
//! Balancer in the private subnets with health checks (a CDN reaches it
//! through a VPC origin; nothing outside the VPC can), an Auto Scaling group
//! of instances in private subnets launched from a launch template (AMI from
//! an SSM parameter, IMDSv2 only, encrypted root volume, Session Manager
//! instead of SSH), and an encrypted EFS file system the instances mount
//! read-only through an access point, over TLS, with IAM authorization.
//!
//! TLS on every leg: the listener is HTTPS with a TLS 1.2+ policy when a
//! certificate is given, and the load balancer talks HTTPS (TLS 1.2+) to
//! the instances, which make a self-signed certificate at boot (a load
//! balancer does not check target certificates). Every security group lists
//! its egress.

use indexmap::IndexMap;

use crate::cfn::intrinsic::{get_att, sub, Expr, Intrinsic};
use crate::cfn::policy::{PolicyDocument, Principal, Statement};
use crate::cfn::resources::autoscaling::{
    AutoScalingGroup, LaunchTemplateSpecification, PolicyType, PredefinedMetricSpecification,
    PredefinedMetricSpecificationPredefinedMetricType as Metric, ScalingPolicy, TagProperty,
    TargetTrackingConfiguration,
};
use crate::cfn::resources::ec2::HttpEndpoint;
use crate::cfn::resources::ec2::HttpTokens;
use crate::cfn::resources::ec2::ResourceType;
use crate::cfn::resources::ec2::VolumeType;
use crate::cfn::resources::ec2::{
    BlockDeviceMapping, Ebs, EgressRule, IamInstanceProfileSpecification, LaunchTemplate,
    LaunchTemplateData, MetadataOptions, SecurityGroup, SecurityGroupIngress, TagSpecification,
};
use crate::cfn::resources::efs::{
    AccessPoint, BackupPolicy, CreationInfo, FileSystem, LifecyclePolicy, MountTarget,
    PerformanceMode, PosixUser, RootDirectory, Status, ThroughputMode, TransitionToIa,
    TransitionToPrimaryStorageClass,
};
use crate::cfn::resources::elasticloadbalancingv2::{
    Action, Certificate, HealthCheckProtocol, Listener, LoadBalancer, LoadBalancerIpAddressType,
    LoadBalancerType, Matcher, Protocol, Scheme, TargetGroup, TargetType,
};
use crate::cfn::resources::iam::{InlinePolicy, InstanceProfile, Role};
use crate::cfn::resources::Tag;
use crate::cfn::{LogicalId, Template, Value};
use crate::components::arn;
use crate::components::public_network::PublicNetworkIds;
use crate::error::Error;

/// The HTTPS listener's TLS policy: TLS 1.3 and 1.2, no older.
pub const LISTENER_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// The port the instances serve HTTPS on (to the load balancer).
pub const TARGET_PORT: u16 = 443;

/// HTTPS on the load balancer's listener.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetTls {
    /// The name on the certificate (what the CDN connects to).
    pub domain_name: String,
    /// An ACM certificate in the stack's region.
    pub certificate_arn: Value<String>,
}

/// Where the files are mounted on the instances.
pub const FILES_MOUNT: &str = "/srv/files";

/// How to build the fleet.
pub struct WebFleet<'a> {
    /// Logical ID prefix (`Origin` gives `OriginLoadBalancer`, ...).
    pub name: &'a str,
    pub network: &'a PublicNetworkIds,
    /// The VPC's CIDR block (the load balancer may only reach the instances
    /// inside it).
    pub vpc_cidr: &'a str,
    /// The parameter holding the AMI ID.
    pub image_parameter: &'a LogicalId,
    pub instance_type: &'a str,
    pub min_size: u32,
    pub max_size: u32,
    pub desired: u32,
    /// Target average CPU utilization for scaling, percent.
    pub cpu_target: u32,
    pub health_check_path: &'a str,
    /// An HTTPS listener (443) with this certificate; `None`: plain HTTP (80).
    pub tls: Option<&'a FleetTls>,
    /// Keep the file system when it is removed from the stack.
    pub retain_files: bool,
    pub requirements: &'a [&'a str],
    /// Requirement IDs served by the health checks.
    pub health_requirements: &'a [&'a str],
}

/// The IDs other resources need.
pub struct WebFleetIds {
    pub load_balancer: LogicalId,
    pub file_system: LogicalId,
    pub group: LogicalId,
    /// The instances' read-only access point.
    pub files_access_point: LogicalId,
    /// The mount targets' security group (NFS in).
    pub files_security_group: LogicalId,
    /// One mount target per private subnet: what mounts the files waits
    /// for them.
    pub files_mount_targets: Vec<LogicalId>,
}

/// The POSIX user every access point of the files acts as, and owner of
/// their root directory: the instances read what a writer made.
const FILES_UID: &str = "1000";
/// The directory of the file system the access points expose.
const FILES_ROOT: &str = "/files";

/// The access point's fixed identity and root directory (created on first
/// use, owned by that identity, `0755`).
fn files_access_point(file_system: &LogicalId) -> AccessPoint {
    AccessPoint {
        posix_user: Some(PosixUser::new(FILES_UID, FILES_UID).into()),
        root_directory: Some(
            RootDirectory {
                creation_info: Some(CreationInfo::new(FILES_UID, FILES_UID, "0755").into()),
                path: Some(FILES_ROOT.into()),
            }
            .into(),
        ),
        ..AccessPoint::new(file_system.r#ref())
    }
}

/// A writer of the fleet's files (e.g. a publishing function in the
/// fleet's VPC): it gets an access point of its own onto the same
/// directory, as the same POSIX user, and NFS into the mount targets from
/// its security group. What it may do through that access point is up to
/// its role (`elasticfilesystem:ClientWrite` with the access point's ARN as
/// condition); the instances keep mounting read-only.
pub struct FilesWriter<'a> {
    /// Logical ID part: `Publisher` gives `<fleet>FilesPublisherAccessPoint`
    /// and `<fleet>FilesIngressFromPublisher`.
    pub name: &'a str,
    /// The writer's security group (allowed NFS into the mount targets).
    pub security_group: &'a LogicalId,
    pub requirements: &'a [&'a str],
}

impl FilesWriter<'_> {
    /// Adds the writer's access point and NFS ingress rule; returns the
    /// access point's ID.
    pub fn add_to(
        &self,
        t: &mut Template,
        fleet_name: &str,
        fleet: &WebFleetIds,
    ) -> Result<LogicalId, Error> {
        let w = self.name;
        t.add(
            &format!("{fleet_name}FilesIngressFrom{w}"),
            SecurityGroupIngress {
                description: Some(format!("NFS from the writer of the files ({w})").into()),
                from_port: Some(2049.into()),
                group_id: Some(group_id(&fleet.files_security_group)),
                source_security_group_id: Some(group_id(self.security_group)),
                to_port: Some(2049.into()),
                ..SecurityGroupIngress::new("tcp")
            },
        )?
        .satisfies(self.requirements);
        Ok(t.add(
            &format!("{fleet_name}Files{w}AccessPoint"),
            files_access_point(&fleet.file_system),
        )?
        .satisfies(self.requirements)
        .id()
        .clone())
    }
}

fn group_id(id: &LogicalId) -> Value<String> {
    id.get_att("GroupId")
}

impl WebFleet<'_> {
    pub fn add_to(&self, t: &mut Template) -> Result<WebFleetIds, Error> {
        let sgs = self.add_security_groups(t)?;
        let profile = self.add_instance_profile(t)?;
        let files = self.add_files(t, &sgs)?;
        let (load_balancer, target_group) = self.add_load_balancer(t, &sgs)?;
        let group = self.add_instances(t, &sgs, &profile, &files, &target_group)?;
        Ok(WebFleetIds {
            load_balancer,
            file_system: files.file_system,
            group,
            files_access_point: files.access_point,
            files_security_group: sgs.files,
            files_mount_targets: files.mount_targets,
        })
    }

    /// Security groups: the VPC (CloudFront's VPC origin) → ALB:443 (or
    /// 80) → instances:443 → EFS:2049, each group with its egress listed.
    fn add_security_groups(&self, t: &mut Template) -> Result<SecurityGroups, Error> {
        let n = self.name;
        let req = self.requirements;
        let vpc = &self.network.vpc;
        let listener_port: u16 = if self.tls.is_some() { 443 } else { 80 };
        // Security groups: the VPC (CloudFront's VPC origin) → ALB:443 (or
        // 80) → instances:443 → EFS:2049, each group with its egress listed.
        let group_description = "The origin load balancer (internal): from the VPC only (the CloudFront VPC origin), HTTPS to the instances only";
        let alb_sg = t
            .add(
                &format!("{n}LoadBalancerSecurityGroup"),
                SecurityGroup {
                    security_group_egress: Some(
                        vec![EgressRule::tcp(
                            self.vpc_cidr.to_string(),
                            "HTTPS to the instances",
                            TARGET_PORT,
                        )]
                        .into(),
                    ),
                    tags: Some(vec![name_tag("origin-alb")].into()),
                    vpc_id: Some(vpc.r#ref()),
                    ..SecurityGroup::new(group_description)
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let description = format!(
            "{} from inside the VPC only (CloudFront's VPC origin); not reachable from the internet",
            if self.tls.is_some() { "HTTPS" } else { "HTTP" }
        );
        t.add(
            &format!("{n}LoadBalancerIngress"),
            SecurityGroupIngress {
                cidr_ip: Some(self.vpc_cidr.to_string().into()),
                description: Some(description.into()),
                from_port: Some(listener_port.into()),
                group_id: Some(group_id(&alb_sg)),
                to_port: Some(listener_port.into()),
                ..SecurityGroupIngress::new("tcp")
            },
        )?
        .satisfies(req);
        let group_description = "Origin instances: HTTPS from the load balancer; HTTPS out for packages and AWS APIs; NFS to EFS";
        let instance_sg = t
            .add(
                &format!("{n}InstanceSecurityGroup"),
                SecurityGroup {
                    security_group_egress: Some(
                        vec![
                            EgressRule::tcp(
                                "0.0.0.0/0",
                                "HTTPS: package repositories and AWS APIs",
                                443,
                            ),
                            EgressRule::tcp(
                                self.vpc_cidr.to_string(),
                                "NFS (TLS) to the EFS mount targets",
                                2049,
                            ),
                        ]
                        .into(),
                    ),
                    tags: Some(vec![name_tag("origin-instances")].into()),
                    vpc_id: Some(vpc.r#ref()),
                    ..SecurityGroup::new(group_description)
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("{n}InstanceIngressFromLoadBalancer"),
            SecurityGroupIngress {
                description: Some("HTTPS from the load balancer".into()),
                from_port: Some(TARGET_PORT.into()),
                group_id: Some(group_id(&instance_sg)),
                source_security_group_id: Some(group_id(&alb_sg)),
                to_port: Some(TARGET_PORT.into()),
                ..SecurityGroupIngress::new("tcp")
            },
        )?
        .satisfies(req);
        let efs_sg = t
            .add(
                &format!("{n}FilesSecurityGroup"),
                SecurityGroup {
                    // A rule nothing matches replaces the default allow-all.
                    security_group_egress: Some(
                        vec![EgressRule::none("No egress: mount targets only answer")].into(),
                    ),
                    tags: Some(vec![name_tag("origin-files")].into()),
                    vpc_id: Some(vpc.r#ref()),
                    ..SecurityGroup::new(
                        "EFS mount targets: NFS from the origin instances only; no egress",
                    )
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        t.add(
            &format!("{n}FilesIngressFromInstances"),
            SecurityGroupIngress {
                description: Some("NFS from the origin instances".into()),
                from_port: Some(2049.into()),
                group_id: Some(group_id(&efs_sg)),
                source_security_group_id: Some(group_id(&instance_sg)),
                to_port: Some(2049.into()),
                ..SecurityGroupIngress::new("tcp")
            },
        )?
        .satisfies(req);
        Ok(SecurityGroups {
            alb: alb_sg,
            instances: instance_sg,
            files: efs_sg,
        })
    }

    /// The instance role (Session Manager, and mounting the files
    /// read-only) and its instance profile.
    fn add_instance_profile(&self, t: &mut Template) -> Result<LogicalId, Error> {
        let n = self.name;
        let req = self.requirements;
        // The instance role: Session Manager, and mounting the files read-only.
        let role_id = format!("{n}InstanceRole");
        let fs_id = format!("{n}Files");
        let ap_id = format!("{n}FilesAccessPoint");
        let role = t
            .add(
                &role_id,
                Role {
                    // Session Manager's own permissions, instead of the
                    // managed AmazonSSMManagedInstanceCore (which also reads
                    // every SSM parameter and document): register this
                    // instance, and open the session channels (which have no
                    // resource-level permissions).
                    policies: Some(
                        vec![
                            InlinePolicy {
                                policy_name: "session-manager".into(),
                                policy_document: PolicyDocument::new(vec![
                                    Statement::allow(
                                        &["ssm:UpdateInstanceInformation"],
                                        vec![arn(
                                            "ec2:${AWS::Region}:${AWS::AccountId}:instance/*",
                                        )],
                                    )
                                    .sid("RegisterWithSessionManager"),
                                    Statement::allow(
                                        &[
                                            "ssmmessages:CreateControlChannel",
                                            "ssmmessages:CreateDataChannel",
                                            "ssmmessages:OpenControlChannel",
                                            "ssmmessages:OpenDataChannel",
                                        ],
                                        vec!["*".into()],
                                    )
                                    .sid("OpenSessionChannels"),
                                ]),
                            },
                            InlinePolicy {
                                policy_name: "mount-files-read-only".into(),
                                policy_document: PolicyDocument::new(vec![Statement::allow(
                                    &["elasticfilesystem:ClientMount"],
                                    vec![get_att(&fs_id, "Arn").into()],
                                )
                                .sid("MountThroughTheAccessPoint")
                                .condition(
                                    "StringEquals",
                                    "elasticfilesystem:AccessPointArn",
                                    vec![get_att(&ap_id, "Arn").into()],
                                )]),
                            },
                        ]
                        .into(),
                    ),
                    ..Role::described(
                        PolicyDocument::new(vec![Statement::assume_by_service(&[
                            "ec2.amazonaws.com",
                        ])]),
                        "Origin instances: Session Manager, and read-only access to the files",
                    )
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let profile = t
            .add(
                &format!("{n}InstanceProfile"),
                InstanceProfile::new(vec![role.r#ref()]),
            )?
            .satisfies(req)
            .id()
            .clone();
        Ok(profile)
    }

    /// The files: encrypted, backed up, TLS only, readable by the fleet.
    fn add_files(&self, t: &mut Template, sgs: &SecurityGroups) -> Result<Files, Error> {
        let n = self.name;
        let req = self.requirements;
        let efs_sg = &sgs.files;
        let ap_id = format!("{n}FilesAccessPoint");
        let fs_id = format!("{n}Files");
        // The files: encrypted, backed up, TLS only, readable by the fleet.
        let file_system = t
            .add(
                &fs_id,
                FileSystem {
                    backup_policy: Some(BackupPolicy::new(Status::Enabled).into()),
                    encrypted: Some(true.into()),
                    file_system_policy: Some(PolicyDocument::new(vec![Statement {
                        resource: None,
                        ..Statement::deny(
                            &[
                                "elasticfilesystem:ClientMount",
                                "elasticfilesystem:ClientRootAccess",
                                "elasticfilesystem:ClientWrite",
                            ],
                            Vec::new(),
                        )
                    }
                    .sid("DenyInsecureTransport")
                    .principal(Principal::Everyone)
                    .condition("Bool", "aws:SecureTransport", vec!["false".into()])])),
                    file_system_tags: Some(
                        vec![Tag::new("Name", sub("${AWS::StackName}-files"))].into(),
                    ),
                    lifecycle_policies: Some(
                        vec![
                            LifecyclePolicy {
                                transition_to_ia: Some(TransitionToIa::After30Days.into()),
                                ..Default::default()
                            },
                            LifecyclePolicy {
                                transition_to_primary_storage_class: Some(
                                    TransitionToPrimaryStorageClass::After1Access.into(),
                                ),
                                ..Default::default()
                            },
                        ]
                        .into(),
                    ),
                    performance_mode: Some(PerformanceMode::GeneralPurpose.into()),
                    throughput_mode: Some(ThroughputMode::Elastic.into()),
                    ..Default::default()
                },
            )?
            .retain_if(self.retain_files)
            .satisfies(req)
            .id()
            .clone();
        let mut mount_targets = Vec::new();
        for (i, subnet) in self.network.private_subnets.iter().enumerate() {
            mount_targets.push(
                t.add(
                    &format!("{n}FilesMountTarget{}", i + 1),
                    MountTarget::new(file_system.r#ref(), vec![group_id(efs_sg)], subnet.r#ref()),
                )?
                .satisfies(req)
                .id()
                .clone(),
            );
        }
        let access_point = t
            .add(&ap_id, files_access_point(&file_system))?
            .satisfies(req)
            .id()
            .clone();
        Ok(Files {
            file_system,
            mount_targets,
            access_point,
        })
    }

    /// The load balancer (internal, in the private subnets), its target
    /// group and listener.
    fn add_load_balancer(
        &self,
        t: &mut Template,
        sgs: &SecurityGroups,
    ) -> Result<(LogicalId, LogicalId), Error> {
        let n = self.name;
        let req = self.requirements;
        let vpc = &self.network.vpc;
        let alb_sg = &sgs.alb;
        let (listener_port, listener_protocol): (u16, _) = match self.tls {
            Some(_) => (443, Protocol::Https),
            None => (80, Protocol::Http),
        };
        // The load balancer: internal, in the private subnets.
        let subnets: Vec<_> = self
            .network
            .private_subnets
            .iter()
            .map(LogicalId::r#ref)
            .collect();
        let load_balancer = t
            .add(
                &format!("{n}LoadBalancer"),
                LoadBalancer {
                    ip_address_type: Some(LoadBalancerIpAddressType::Ipv4.into()),
                    load_balancer_attributes: Some(
                        vec![
                            Tag::new("routing.http.drop_invalid_header_fields.enabled", "true"),
                            Tag::new("idle_timeout.timeout_seconds", "60"),
                        ]
                        .into(),
                    ),
                    scheme: Some(Scheme::Internal.into()),
                    security_groups: Some(vec![group_id(alb_sg)].into()),
                    subnets: Some(subnets.into()),
                    r#type: Some(LoadBalancerType::Application.into()),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let target_group = t
            .add(
                &format!("{n}TargetGroup"),
                TargetGroup {
                    health_check_enabled: Some(true.into()),
                    health_check_interval_seconds: Some(15.into()),
                    health_check_path: Some(self.health_check_path.into()),
                    health_check_protocol: Some(HealthCheckProtocol::Https.into()),
                    health_check_timeout_seconds: Some(5.into()),
                    healthy_threshold_count: Some(2.into()),
                    matcher: Some(Matcher::http("200").into()),
                    port: Some(TARGET_PORT.into()),
                    protocol: Some(Protocol::Https.into()),
                    target_group_attributes: Some(
                        vec![Tag::new("deregistration_delay.timeout_seconds", "30")].into(),
                    ),
                    target_type: Some(TargetType::Instance.into()),
                    unhealthy_threshold_count: Some(3.into()),
                    vpc_id: Some(vpc.r#ref()),
                    ..Default::default()
                },
            )?
            .satisfies(req)
            .satisfies(self.health_requirements)
            .id()
            .clone();
        t.add(
            &format!("{n}Listener"),
            Listener {
                certificates: self
                    .tls
                    .map(|tls| vec![Certificate::of(tls.certificate_arn.clone())].into()),
                port: Some(listener_port.into()),
                protocol: Some(listener_protocol.into()),
                ssl_policy: self.tls.map(|_| LISTENER_TLS_POLICY.into()),
                ..Listener::new(
                    vec![Action::forward(target_group.r#ref())],
                    load_balancer.r#ref(),
                )
            },
        )?
        .satisfies(req);
        if self.tls.is_none() {
            // Chosen explicitly (the blueprint asks for it and warns).
            let why = "plain HTTP inside the VPC, chosen explicitly (allow_plain_http: true, and synth warns): the load balancer is internal and admits only the VPC's range";
            if let Some(listener) = t.resource_mut(&format!("{n}Listener")) {
                listener
                    .accepts_risk("CKV_AWS_2", why)
                    .accepts_risk("CKV_AWS_103", why);
            }
        }
        Ok((load_balancer, target_group))
    }

    /// What each instance launches with: an encrypted gp3 root volume, the
    /// instance profile, IMDSv2 only, and nginx serving the EFS files.
    fn launch_template_data(
        &self,
        profile: &LogicalId,
        instance_sg: &LogicalId,
        file_system: &LogicalId,
        access_point: &LogicalId,
    ) -> LaunchTemplateData {
        LaunchTemplateData {
            block_device_mappings: Some(
                vec![BlockDeviceMapping {
                    device_name: Some("/dev/xvda".into()),
                    ebs: Some(
                        Ebs {
                            delete_on_termination: Some(true.into()),
                            encrypted: Some(true.into()),
                            volume_size: Some(16.into()),
                            volume_type: Some(VolumeType::Gp3.into()),
                            ..Default::default()
                        }
                        .into(),
                    ),
                    ..Default::default()
                }]
                .into(),
            ),
            iam_instance_profile: Some(
                IamInstanceProfileSpecification {
                    arn: Some(profile.get_att("Arn")),
                    ..Default::default()
                }
                .into(),
            ),
            image_id: Some(self.image_parameter.r#ref()),
            instance_type: Some(self.instance_type.to_string().into()),
            metadata_options: Some(
                MetadataOptions {
                    http_endpoint: Some(HttpEndpoint::Enabled.into()),
                    http_put_response_hop_limit: Some(1.into()),
                    http_tokens: Some(HttpTokens::Required.into()),
                    ..Default::default()
                }
                .into(),
            ),
            security_group_ids: Some(vec![group_id(instance_sg)].into()),
            tag_specifications: Some(
                vec![
                    TagSpecification {
                        resource_type: Some(ResourceType::Instance.into()),
                        tags: Some(vec![name_tag("origin")].into()),
                    },
                    TagSpecification {
                        resource_type: Some(ResourceType::Volume.into()),
                        tags: Some(vec![name_tag("origin")].into()),
                    },
                ]
                .into(),
            ),
            user_data: Some(user_data(file_system, access_point, self.health_check_path)),
            ..Default::default()
        }
    }

    /// The instances: launch template, auto scaling group, CPU scaling.
    fn add_instances(
        &self,
        t: &mut Template,
        sgs: &SecurityGroups,
        profile: &LogicalId,
        files: &Files,
        target_group: &LogicalId,
    ) -> Result<LogicalId, Error> {
        let n = self.name;
        let req = self.requirements;
        let instance_sg = &sgs.instances;
        let (file_system, access_point, mount_targets) = (
            &files.file_system,
            &files.access_point,
            &files.mount_targets,
        );
        // The instances.
        let template = t
            .add(
                &format!("{n}LaunchTemplate"),
                LaunchTemplate {
                    version_description: Some("nginx serving the EFS files".into()),
                    ..LaunchTemplate::new(self.launch_template_data(
                        profile,
                        instance_sg,
                        file_system,
                        access_point,
                    ))
                },
            )?
            .satisfies(req)
            .id()
            .clone();
        let origin_name = sub("${AWS::StackName}-origin");
        let group = t.add(
            &format!("{n}Instances"),
            AutoScalingGroup {
                desired_capacity: Some(self.desired.to_string().into()),
                health_check_grace_period: Some(300.into()),
                health_check_type: Some("ELB".into()),
                launch_template: Some(
                    LaunchTemplateSpecification {
                        launch_template_id: Some(template.r#ref()),
                        ..LaunchTemplateSpecification::new(template.get_att("LatestVersionNumber"))
                    }
                    .into(),
                ),
                tags: Some(vec![TagProperty::new("Name", true, origin_name)].into()),
                target_group_arns: Some(vec![target_group.r#ref()].into()),
                vpc_zone_identifier: Some(
                    self.network
                        .private_subnets
                        .iter()
                        .map(LogicalId::r#ref)
                        .collect::<Vec<_>>()
                        .into(),
                ),
                ..AutoScalingGroup::new(self.max_size.to_string(), self.min_size.to_string())
            },
        )?;
        group.satisfies(req).satisfies(self.health_requirements);
        // Instances install packages and mount the files while booting.
        group.depends_on(&self.network.private_default_route);
        for m in mount_targets {
            group.depends_on(m);
        }
        let group = group.id().clone();
        t.add(
            &format!("{n}CpuScaling"),
            ScalingPolicy {
                policy_type: Some(PolicyType::TargetTrackingScaling.into()),
                target_tracking_configuration: Some(
                    TargetTrackingConfiguration {
                        predefined_metric_specification: Some(
                            PredefinedMetricSpecification::new(Metric::AsgAverageCpuUtilization)
                                .into(),
                        ),
                        ..TargetTrackingConfiguration::new(f64::from(self.cpu_target))
                    }
                    .into(),
                ),
                ..ScalingPolicy::new(group.r#ref())
            },
        )?
        .satisfies(req);
        Ok(group)
    }
}

/// The fleet's security groups.
struct SecurityGroups {
    alb: LogicalId,
    instances: LogicalId,
    files: LogicalId,
}

/// The fleet's files.
struct Files {
    file_system: LogicalId,
    mount_targets: Vec<LogicalId>,
    access_point: LogicalId,
}

/// A `Name` tag: the stack's name and `suffix`.
fn name_tag(suffix: &str) -> Tag {
    Tag::new("Name", sub(format!("${{AWS::StackName}}-{suffix}")))
}

/// The boot script: nginx serving the EFS files, mounted read-only through
/// the access point with TLS and IAM authorization, and the health check
/// page at `health` (a path of letters, digits and `/_.-`).
fn user_data(file_system: &LogicalId, access_point: &LogicalId, health: &str) -> Value<String> {
    let script = format!(
        r#"#!/bin/bash
set -euxo pipefail
dnf install -y nginx amazon-efs-utils openssl
mkdir -p {FILES_MOUNT}
echo "${{FileSystem}}:/ {FILES_MOUNT} efs _netdev,noresvport,tls,iam,ro,accesspoint=${{AccessPoint}} 0 0" >> /etc/fstab
for attempt in 1 2 3 4 5 6 7 8 9 10; do mount {FILES_MOUNT} && break; sleep 15; done
mountpoint -q {FILES_MOUNT}
# HTTPS to the load balancer (which does not check target certificates).
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=origin -keyout /etc/nginx/origin.key -out /etc/nginx/origin.crt
chmod 600 /etc/nginx/origin.key
cat > /etc/nginx/nginx.conf <<'CONF'
user nginx;
worker_processes auto;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    access_log /var/log/nginx/access.log;
    server {{
        listen {TARGET_PORT} ssl default_server;
        ssl_certificate /etc/nginx/origin.crt;
        ssl_certificate_key /etc/nginx/origin.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root {FILES_MOUNT};
        location = {health} {{ default_type text/plain; return 200 "ok\n"; }}
        location / {{ try_files $uri =404; }}
    }}
}}
CONF
systemctl enable --now nginx
"#
    );
    let mut vars = IndexMap::new();
    vars.insert(
        "FileSystem".to_string(),
        Expr::from(Intrinsic::Ref(file_system.to_string())),
    );
    vars.insert(
        "AccessPoint".to_string(),
        Expr::from(Intrinsic::Ref(access_point.to_string())),
    );
    Intrinsic::Base64(Intrinsic::SubWith(script, vars).into()).into()
}
