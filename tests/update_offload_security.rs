//! The update-offload blueprint's properties, read from the generated
//! templates: HTTPS to viewers and to the existing origin, long TTLs for
//! update files and short ones for manifests (in that match order), the demo
//! origin locked down (an internal load balancer CloudFront reaches through a
//! VPC origin over HTTPS with TLS 1.2 or newer on every leg, no origin secret
//! derived from the stack ID, instances private with IMDSv2 and encrypted
//! volumes, EFS encrypted, TLS only and retained, every security group with
//! its egress listed), plain HTTP to an origin only with an explicit option
//! and a warning, failover and Origin Shield, and validated options. The
//! security properties are checked over the defaults and every
//! `tests/variants/update-offload-*.yaml` too.

use crate::common;

use blueprint::blueprints::StackTemplate;
use blueprint::error::Error;
use blueprint::synthesis::Synthesized;
use serde_json::{json, Value};

fn try_stacks(region: &str, options: &str) -> Result<Vec<StackTemplate>, Error> {
    try_synth(&format!(
        "blueprint: update-offload\nstack_name: updates\nregion: {region}\noptions:\n{options}"
    ))
    .map(|s| s.expansion.stacks)
}

fn try_synth(text: &str) -> Result<Synthesized, Error> {
    common::try_synth("update-offload", text)
}

fn doc(options: &str) -> Value {
    let s = try_stacks("eu-west-1", options).unwrap();
    assert_eq!(s.len(), 1);
    s[0].template.to_json()
}

fn distribution(d: &Value) -> &Value {
    &d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]
}

const DEMO_CERT: &str =
    "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

/// The demo origin over HTTPS, with the certificate of its name given.
const DEMO: &str = "  demo_origin:\n    enabled: true\n    domain_name: origin.updates.example.net\n    certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789\n";

#[test]
fn the_existing_origin_is_reached_over_https_and_viewers_are_redirected() {
    let d = doc("");
    let cfg = distribution(&d);
    let origin = &cfg["Origins"][0];
    assert_eq!(origin["DomainName"], "updates-origin.example.com");
    assert_eq!(
        origin["CustomOriginConfig"]["OriginProtocolPolicy"],
        "https-only"
    );
    assert_eq!(
        origin["CustomOriginConfig"]["OriginSSLProtocols"],
        json!(["TLSv1.2"])
    );
    let mut behaviors = vec![cfg["DefaultCacheBehavior"].clone()];
    behaviors.extend(cfg["CacheBehaviors"].as_array().unwrap().iter().cloned());
    for b in &behaviors {
        assert_eq!(b["ViewerProtocolPolicy"], "redirect-to-https");
        assert_eq!(b["Compress"], true);
        assert_eq!(b["AllowedMethods"], json!(["GET", "HEAD"]));
    }
    // No tables or functions, and no bucket but the access-log bucket
    // (options.security.access_logs): nothing else to secure by default.
    let kinds: Vec<&str> = d["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().all(|k| k.starts_with("AWS::CloudFront::")
            || ["AWS::S3::Bucket", "AWS::S3::BucketPolicy"].contains(k)),
        "{kinds:?}"
    );
}

#[test]
fn update_files_are_cached_long_and_manifests_briefly_and_first() {
    let d = doc("");
    let cfg = distribution(&d);
    let patterns: Vec<(&str, &Value)> = cfg["CacheBehaviors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["PathPattern"].as_str().unwrap(),
                &b["CachePolicyId"]["Fn::GetAtt"][0],
            )
        })
        .collect();
    assert_eq!(
        patterns,
        [
            ("/updates/*.json", &json!("CdnManifestsCachePolicy")),
            ("/updates/*.xml", &json!("CdnManifestsCachePolicy")),
            ("/updates/*", &json!("CdnUpdateFilesCachePolicy")),
        ]
    );
    let files = &d["Resources"]["CdnUpdateFilesCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(
        (files["DefaultTTL"].as_u64(), files["MaxTTL"].as_u64()),
        (Some(604_800), Some(31_536_000))
    );
    let manifests = &d["Resources"]["CdnManifestsCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(
        (
            manifests["DefaultTTL"].as_u64(),
            manifests["MaxTTL"].as_u64()
        ),
        (Some(60), Some(60))
    );
    assert_eq!(
        cfg["DefaultCacheBehavior"]["CachePolicyId"],
        json!({"Fn::GetAtt": ["CdnManifestsCachePolicy", "Id"]})
    );
    // Configurable patterns.
    let custom = doc("  cache:\n    update_files:\n      path_patterns: ['*.zip']\n    manifests:\n      path_patterns: ['/latest.json']\n      ttl_seconds: 5\n");
    let b = &distribution(&custom)["CacheBehaviors"];
    assert_eq!(b[0]["PathPattern"], "/latest.json");
    assert_eq!(b[1]["PathPattern"], "*.zip");
}

#[test]
fn the_demo_origin_is_private_and_https_end_to_end() {
    let d = doc(DEMO);
    let r = &d["Resources"];
    // CloudFront comes in through a VPC origin, over HTTPS with TLS 1.2, and
    // checks the certificate's name; no secret header.
    let origin = &distribution(&d)["Origins"][0];
    assert_eq!(origin["DomainName"], "origin.updates.example.net");
    assert_eq!(
        origin["VpcOriginConfig"]["VpcOriginId"],
        json!({"Fn::GetAtt": ["OriginVpcOrigin", "Id"]})
    );
    assert!(origin.get("CustomOriginConfig").is_none());
    assert!(origin.get("OriginCustomHeaders").is_none());
    let endpoint = &r["OriginVpcOrigin"]["Properties"]["VpcOriginEndpointConfig"];
    assert_eq!(endpoint["Arn"], json!({"Ref": "OriginLoadBalancer"}));
    assert_eq!(endpoint["OriginProtocolPolicy"], "https-only");
    assert_eq!(endpoint["OriginSSLProtocols"], json!(["TLSv1.2"]));
    // The load balancer is internal, in the private subnets, and admits the
    // VPC only (where the VPC origin's interfaces live).
    let lb = &r["OriginLoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], "internal");
    assert_eq!(
        lb["Subnets"],
        json!([{"Ref": "NetworkPrivateSubnet1"}, {"Ref": "NetworkPrivateSubnet2"}])
    );
    assert!(lb["LoadBalancerAttributes"].as_array().unwrap().contains(
        &json!({"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"})
    ));
    let ingress = &r["OriginLoadBalancerIngress"]["Properties"];
    assert_eq!(ingress["CidrIp"], "10.0.0.0/16");
    assert_eq!(
        (ingress["FromPort"].as_u64(), ingress["ToPort"].as_u64()),
        (Some(443), Some(443))
    );
    // HTTPS listener with a TLS 1.2+ policy and the given certificate.
    let listener = &r["OriginListener"]["Properties"];
    assert_eq!(listener["Protocol"], "HTTPS");
    assert_eq!(listener["Port"], 443);
    assert_eq!(listener["SslPolicy"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(listener["Certificates"][0]["CertificateArn"], DEMO_CERT);
    assert_eq!(listener["DefaultActions"][0]["Type"], "forward");
    // And HTTPS from the load balancer to the instances (TLS 1.2+ on nginx).
    let tg = &r["OriginTargetGroup"]["Properties"];
    assert_eq!(
        (tg["Protocol"].as_str(), tg["Port"].as_u64()),
        (Some("HTTPS"), Some(443))
    );
    assert_eq!(tg["HealthCheckProtocol"], "HTTPS");
    let user_data = r["OriginLaunchTemplate"]["Properties"]["LaunchTemplateData"]["UserData"]
        ["Fn::Base64"]["Fn::Sub"][0]
        .as_str()
        .unwrap();
    assert!(user_data.contains("listen 443 ssl default_server;"));
    assert!(user_data.contains("ssl_protocols TLSv1.2 TLSv1.3;"));
    assert!(!user_data.contains("listen 80"));
    // No listener rules keyed on a header, nothing derived from the stack ID
    // in the origin path.
    assert!(!r
        .as_object()
        .unwrap()
        .values()
        .any(|x| x["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"));
}

#[test]
fn with_a_domain_the_origin_certificate_is_created() {
    let s = try_stacks(
        "eu-west-1",
        "  demo_origin:\n    enabled: true\n  domain:\n    name: updates.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n",
    )
    .unwrap();
    assert_eq!(s.len(), 2);
    let d = s[1].template.to_json();
    // eu-west-1: the viewer certificate has its own stack; the origin's
    // lives with the load balancer.
    let cert = &d["Resources"]["OriginCertificate"]["Properties"];
    assert_eq!(cert["DomainName"], "origin.updates.example.com");
    assert_eq!(cert["ValidationMethod"], "DNS");
    assert_eq!(
        d["Resources"]["OriginListener"]["Properties"]["Certificates"][0]["CertificateArn"],
        json!({"Ref": "OriginCertificate"})
    );
    assert_eq!(
        distribution(&d)["Origins"][0]["DomainName"],
        "origin.updates.example.com"
    );
}

#[test]
fn plain_http_to_an_origin_takes_an_explicit_option_and_a_warning() {
    for (options, message) in [
        (
            "  origin:\n    protocol: http-only\n".to_string(),
            "options.origin.protocol: `http-only` sends every request",
        ),
        (
            "  demo_origin:\n    enabled: true\n    protocol: http-only\n".to_string(),
            "options.demo_origin.protocol: `http-only`",
        ),
        (
            "  demo_origin:\n    enabled: true\n".to_string(),
            "HTTPS from CloudFront to the private load balancer needs a name on a certificate",
        ),
        (
            DEMO.replace("eu-west-1:1234", "us-east-1:1234"),
            "the certificate is in us-east-1, the load balancer in eu-west-1",
        ),
        (
            "  demo_origin:\n    enabled: true\n    domain_name: origin.example.net\n".to_string(),
            "options.demo_origin.certificate_arn: give the ACM certificate for origin.example.net",
        ),
    ] {
        match try_stacks("eu-west-1", &options) {
            Err(Error::User(m)) => assert!(m.contains(message), "{m}"),
            Err(Error::Config(e)) => assert!(e.message.contains(message), "{e}"),
            other => panic!("{options}: {:?}", other.map(|s| s.len())),
        }
    }
    let text = |o: &str| {
        format!("blueprint: update-offload\nstack_name: updates\nregion: eu-west-1\noptions:\n{o}")
    };
    let s = try_synth(&text(
        "  origin:\n    protocol: http-only\n    allow_plain_http: true\n",
    ))
    .unwrap();
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("options.origin.protocol is http-only"));
    let d = s.expansion.stacks[0].template.to_json();
    assert_eq!(
        distribution(&d)["Origins"][0]["CustomOriginConfig"]["OriginProtocolPolicy"],
        "http-only"
    );
    let s = try_synth(&text(
        "  demo_origin:\n    enabled: true\n    protocol: http-only\n    allow_plain_http: true\n",
    ))
    .unwrap();
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("options.demo_origin.protocol is http-only"));
    let d = s.expansion.stacks[0].template.to_json();
    let endpoint = &d["Resources"]["OriginVpcOrigin"]["Properties"]["VpcOriginEndpointConfig"];
    assert_eq!(endpoint["OriginProtocolPolicy"], "http-only");
    // Still private: internal, reached through the VPC origin only.
    assert_eq!(
        d["Resources"]["OriginLoadBalancer"]["Properties"]["Scheme"],
        "internal"
    );
    assert_eq!(
        d["Resources"]["OriginListener"]["Properties"]["Protocol"],
        "HTTP"
    );
    // https-only (the default) and match-viewer need no option and warn not.
    for o in ["", "  origin:\n    protocol: match-viewer\n", DEMO] {
        assert!(try_synth(&text(o)).unwrap().warnings.is_empty(), "{o}");
    }
}

/// The defaults and every update-offload variant: (name, project file).
fn every_project() -> Vec<(String, String)> {
    let out = common::defaults_and_variants("update-offload");
    assert!(out.len() >= 5);
    out
}

#[test]
fn every_variant_keeps_its_origins_private_and_encrypted() {
    for (name, text) in every_project() {
        let s = try_synth(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let explicit_http = text.contains("allow_plain_http: true");
        assert_eq!(
            !s.warnings.is_empty(),
            explicit_http,
            "{name}: {:?}",
            s.warnings
        );
        for st in &s.expansion.stacks {
            let d = st.template.to_json();
            let resources = d["Resources"].as_object().unwrap();
            for (id, r) in resources {
                let p = &r["Properties"];
                match r["Type"].as_str().unwrap() {
                    "AWS::CloudFront::Distribution" => {
                        for o in p["DistributionConfig"]["Origins"].as_array().unwrap() {
                            if let Some(c) = o.get("CustomOriginConfig") {
                                let policy = c["OriginProtocolPolicy"].as_str().unwrap();
                                assert!(policy != "http-only" || explicit_http, "{name} {id}");
                                assert_eq!(c["OriginSSLProtocols"], json!(["TLSv1.2"]), "{name}");
                            }
                            // No origin secret derived from the stack ID.
                            let headers = serde_json::to_string(&o["OriginCustomHeaders"]).unwrap();
                            assert!(!headers.contains("AWS::StackId"), "{name} {id}");
                        }
                    }
                    "AWS::CloudFront::VpcOrigin" => {
                        let c = &p["VpcOriginEndpointConfig"];
                        if c["OriginProtocolPolicy"] != "http-only" {
                            assert_eq!(c["OriginProtocolPolicy"], "https-only", "{name}");
                            assert_eq!(c["OriginSSLProtocols"], json!(["TLSv1.2"]), "{name}");
                        } else {
                            assert!(explicit_http, "{name}");
                        }
                    }
                    "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
                        assert_eq!(p["Scheme"], "internal", "{name} {id}");
                    }
                    "AWS::ElasticLoadBalancingV2::Listener" => {
                        if p["Protocol"] == "HTTPS" {
                            assert!(
                                p["SslPolicy"]
                                    .as_str()
                                    .unwrap()
                                    .starts_with("ELBSecurityPolicy-TLS13-1-2"),
                                "{name} {id}"
                            );
                        } else {
                            assert!(explicit_http, "{name} {id}");
                        }
                    }
                    "AWS::EC2::SecurityGroupIngress" => {
                        assert_ne!(p["CidrIp"], "0.0.0.0/0", "{name} {id}");
                    }
                    "AWS::EC2::SecurityGroup" => {
                        let egress = p["SecurityGroupEgress"]
                            .as_array()
                            .unwrap_or_else(|| panic!("{name} {id}: implicit allow-all egress"));
                        assert!(!egress.is_empty(), "{name} {id}");
                        for e in egress {
                            assert!(
                                !(e["IpProtocol"] == "-1" && e["CidrIp"] == "0.0.0.0/0"),
                                "{name} {id}"
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn the_demo_instances_are_private_hardened_and_health_checked() {
    let d = doc(DEMO);
    let asg = &d["Resources"]["OriginInstances"];
    let p = &asg["Properties"];
    assert_eq!(
        p["VPCZoneIdentifier"],
        json!([{"Ref": "NetworkPrivateSubnet1"}, {"Ref": "NetworkPrivateSubnet2"}])
    );
    assert_eq!(p["HealthCheckType"], "ELB");
    assert_eq!(
        (
            p["MinSize"].as_str(),
            p["DesiredCapacity"].as_str(),
            p["MaxSize"].as_str()
        ),
        (Some("1"), Some("2"), Some("4"))
    );
    assert_eq!(
        p["LaunchTemplate"]["Version"],
        json!({"Fn::GetAtt": ["OriginLaunchTemplate", "LatestVersionNumber"]})
    );
    let depends = asg["DependsOn"].as_array().unwrap();
    for id in [
        "NetworkPrivateDefaultRoute",
        "OriginFilesMountTarget1",
        "OriginFilesMountTarget2",
    ] {
        assert!(depends.contains(&json!(id)), "{id}");
    }
    let lt = &d["Resources"]["OriginLaunchTemplate"]["Properties"]["LaunchTemplateData"];
    assert_eq!(lt["MetadataOptions"]["HttpTokens"], "required");
    assert_eq!(lt["BlockDeviceMappings"][0]["Ebs"]["Encrypted"], true);
    assert_eq!(lt["ImageId"], json!({"Ref": "ImageId"}));
    assert!(lt.get("KeyName").is_none());
    let image = &d["Parameters"]["ImageId"];
    assert_eq!(
        image["Type"],
        "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    );
    assert_eq!(
        image["Default"],
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    );
    let x86 = doc(&format!("{DEMO}    instance_type: m7i.large\n"));
    assert_eq!(
        x86["Parameters"]["ImageId"]["Default"],
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    );
    let tg = &d["Resources"]["OriginTargetGroup"]["Properties"];
    assert_eq!(tg["HealthCheckPath"], "/health");
    assert_eq!(tg["Matcher"]["HttpCode"], "200");
    assert!(
        d["Resources"]["OriginTargetGroup"]["Metadata"]["BlueprintRequirements"]
            .as_array()
            .unwrap()
            .contains(&json!("OFFLOAD-3"))
    );
    // The instances take HTTPS from the load balancer only.
    let ingress = &d["Resources"]["OriginInstanceIngressFromLoadBalancer"]["Properties"];
    assert_eq!(
        ingress["SourceSecurityGroupId"],
        json!({"Fn::GetAtt": ["OriginLoadBalancerSecurityGroup", "GroupId"]})
    );
    for (id, r) in d["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::EC2::Subnet" {
            assert_eq!(r["Properties"]["MapPublicIpOnLaunch"], false, "{id}");
        }
    }
}

#[test]
fn the_files_are_encrypted_tls_only_retained_and_mounted_read_only() {
    let d = doc(DEMO);
    let fs = &d["Resources"]["OriginFiles"];
    assert_eq!(fs["DeletionPolicy"], "Retain");
    assert_eq!(fs["UpdateReplacePolicy"], "Retain");
    let p = &fs["Properties"];
    assert_eq!(p["Encrypted"], true);
    assert_eq!(p["BackupPolicy"]["Status"], "ENABLED");
    let deny = &p["FileSystemPolicy"]["Statement"][0];
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(
        deny["Condition"]["Bool"]["aws:SecureTransport"],
        json!(["false"])
    );
    let role_props = &d["Resources"]["OriginInstanceRole"]["Properties"];
    let policy = |name: &str| {
        role_props["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["PolicyName"] == name)
            .unwrap_or_else(|| panic!("no policy {name}"))["PolicyDocument"]["Statement"]
            .clone()
    };
    // Session Manager's own permissions, not the managed policy that reads
    // every SSM parameter.
    assert!(role_props["ManagedPolicyArns"].is_null());
    let session = policy("session-manager");
    assert_eq!(
        session[0]["Action"],
        json!(["ssm:UpdateInstanceInformation"])
    );
    assert_eq!(
        session[0]["Resource"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}])
    );
    assert!(session[1]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a.as_str().unwrap().starts_with("ssmmessages:")));
    let role = policy("mount-files-read-only");
    assert_eq!(role.as_array().unwrap().len(), 1);
    assert_eq!(role[0]["Action"], json!(["elasticfilesystem:ClientMount"]));
    assert_eq!(
        role[0]["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"],
        json!([{"Fn::GetAtt": ["OriginFilesAccessPoint", "Arn"]}])
    );
    let user_data = d["Resources"]["OriginLaunchTemplate"]["Properties"]["LaunchTemplateData"]
        ["UserData"]["Fn::Base64"]["Fn::Sub"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(user_data.contains("efs _netdev,noresvport,tls,iam,ro,accesspoint=${AccessPoint}"));
    let scratch = doc(&format!("{DEMO}  retain:\n    files: false\n"));
    assert_eq!(
        scratch["Resources"]["OriginFiles"]["DeletionPolicy"],
        "Delete"
    );
}

#[test]
fn failover_and_origin_shield() {
    let d = doc("  failover:\n    secondary_domain_name: mirror.example.com\n  origin_shield_region: eu-west-1\n");
    let cfg = distribution(&d);
    let group = &cfg["OriginGroups"]["Items"][0];
    assert_eq!(group["Id"], "origins");
    assert_eq!(
        group["Members"]["Items"],
        json!([{"OriginId": "primary"}, {"OriginId": "secondary"}])
    );
    assert_eq!(
        group["FailoverCriteria"]["StatusCodes"]["Items"],
        json!([500, 502, 503, 504])
    );
    assert_eq!(cfg["DefaultCacheBehavior"]["TargetOriginId"], "origins");
    for b in cfg["CacheBehaviors"].as_array().unwrap() {
        assert_eq!(b["TargetOriginId"], "origins");
    }
    for o in cfg["Origins"].as_array().unwrap() {
        assert_eq!(
            o["OriginShield"],
            json!({"Enabled": true, "OriginShieldRegion": "eu-west-1"})
        );
    }
    assert_eq!(cfg["Origins"][1]["DomainName"], "mirror.example.com");
    assert_eq!(
        cfg["Origins"][1]["CustomOriginConfig"]["OriginProtocolPolicy"],
        "https-only"
    );
    assert!(
        d["Resources"]["CdnDistribution"]["Metadata"]["BlueprintRequirements"]
            .as_array()
            .unwrap()
            .contains(&json!("OFFLOAD-3"))
    );
}

/// Mistakes only the expansion sees are reported at the key their message
/// names (or without a location when it is not written out).
#[test]
fn cross_field_mistakes_are_user_errors() {
    for (options, message) in [
        (
            "  cache:\n    manifests:\n      path_patterns: ['/updates/*']\n",
            "path pattern `/updates/*` is listed twice",
        ),
        (
            "  demo_origin:\n    enabled: true\n    min_size: 3\n    desired_capacity: 2\n",
            "min_size <= desired_capacity <= max_size",
        ),
        (
            "  failover:\n    secondary_domain_name: updates-origin.example.com\n",
            "is the primary origin too",
        ),
        (
            "  cache:\n    update_files:\n      default_ttl_seconds: 100\n      max_ttl_seconds: 10\n",
            "greater than max_ttl_seconds",
        ),
    ] {
        match try_stacks("eu-west-1", options) {
            Err(Error::User(m)) => assert!(m.contains(message), "{m}"),
            Err(Error::Config(e)) => {
                assert!(e.message.contains(message), "{e}");
                assert!(e.location.is_some(), "{e}");
            }
            other => panic!("{options}: {:?}", other.map(|s| s.len())),
        }
    }
}

#[test]
fn a_domain_outside_us_east_1_splits_off_a_certificate_stack() {
    let s = try_stacks(
        "ap-northeast-2",
        "  domain:\n    name: updates.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n",
    )
    .unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].stack_name, "updates-cert");
    assert_eq!(s[0].region.as_str(), "us-east-1");
    assert_eq!(s[1].inputs[0].parameter, "CertificateArn");
    assert_eq!(s[1].inputs[0].from_stack, "updates-cert");
    let main = s[1].template.to_json();
    assert_eq!(
        distribution(&main)["ViewerCertificate"]["MinimumProtocolVersion"],
        "TLSv1.2_2021"
    );
}
