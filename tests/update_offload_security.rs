//! The update-offload blueprint's properties, read from the generated
//! templates: HTTPS to viewers and to the existing origin, long TTLs for
//! update files and short ones for manifests (in that match order), the demo
//! origin locked down (load balancer answers CloudFront only, instances
//! private with IMDSv2 and encrypted volumes, EFS encrypted, TLS only and
//! retained), failover and Origin Shield, and validated options.

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, StackTemplate};
use blueprint::config::Source;
use blueprint::error::Error;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::{json, Value};

fn try_stacks(region: &str, options: &str) -> Result<Vec<StackTemplate>, Error> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!(
            "blueprint: update-offload\nstack_name: updates\nregion: {region}\noptions:\n{options}"
        ),
    };
    let code = CodeSource::BuiltIn {
        blueprint: "update-offload".into(),
    };
    synthesize(
        find("update-offload").unwrap(),
        &source,
        &code,
        &Default::default(),
        Format::Yaml,
    )
    .map(|s| s.expansion.stacks)
}

fn doc(options: &str) -> Value {
    let s = try_stacks("eu-west-1", options).unwrap();
    assert_eq!(s.len(), 1);
    s[0].template.to_json()
}

fn distribution(d: &Value) -> &Value {
    &d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]
}

const DEMO: &str = "  demo_origin:\n    enabled: true\n";

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
    // No buckets, tables or functions: nothing else to secure by default.
    let kinds: Vec<&str> = d["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.iter().all(|k| k.starts_with("AWS::CloudFront::")),
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
fn the_demo_origin_answers_only_cloudfront() {
    let d = doc(DEMO);
    let origin = &distribution(&d)["Origins"][0];
    assert_eq!(
        origin["DomainName"],
        json!({"Fn::GetAtt": ["OriginLoadBalancer", "DNSName"]})
    );
    let header = &origin["OriginCustomHeaders"][0];
    assert_eq!(header["HeaderName"], "X-Origin-Verify");
    let listener = &d["Resources"]["OriginListener"]["Properties"];
    assert_eq!(listener["DefaultActions"][0]["Type"], "fixed-response");
    assert_eq!(
        listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"],
        "403"
    );
    let rule = &d["Resources"]["OriginFromCdnRule"]["Properties"];
    assert_eq!(rule["Conditions"][0]["Field"], "http-header");
    let cfg = &rule["Conditions"][0]["HttpHeaderConfig"];
    assert_eq!(cfg["HttpHeaderName"], "X-Origin-Verify");
    assert_eq!(cfg["Values"][0], header["HeaderValue"]);
    assert_eq!(rule["Actions"][0]["Type"], "forward");
    let lb = &d["Resources"]["OriginLoadBalancer"]["Properties"];
    assert!(lb["LoadBalancerAttributes"].as_array().unwrap().contains(
        &json!({"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"})
    ));
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
    let x86 = doc("  demo_origin:\n    enabled: true\n    instance_type: m7i.large\n");
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
    // The instances take HTTP from the load balancer only.
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
    let role = &d["Resources"]["OriginInstanceRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"];
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
    let scratch = doc("  demo_origin:\n    enabled: true\n  retain:\n    files: false\n");
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
