//! The conference blueprint's security and data-keeping properties, read
//! from the generated templates: the versioned, logged site bucket reached
//! only through CloudFront, the CloudFront settings of the notes (CONF-2),
//! the asynchronous certificate path (CONF-4), least privilege, retained
//! data, and the two-stack split for a custom domain outside us-east-1.

use blueprint::blueprints::{StackInput, StackTemplate};
use serde_json::{json, Value};

use crate::common::{self, statements};

fn stacks(region: &str, options: &str) -> Vec<StackTemplate> {
    let text = format!(
        "blueprint: conference\nstack_name: conference\nregion: {region}\noptions:\n{options}"
    );
    common::try_synth("conference", &text)
        .unwrap()
        .expansion
        .stacks
}

fn doc(options: &str) -> Value {
    let s = stacks("us-east-1", options);
    assert_eq!(s.len(), 1);
    s[0].template.to_json()
}

fn distribution(d: &Value) -> &Value {
    &d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]
}

#[test]
fn the_site_bucket_is_versioned_logged_private_and_read_only_by_the_distribution() {
    let d = doc("");
    let site = &d["Resources"]["SiteBucket"]["Properties"];
    assert_eq!(site["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        site["LoggingConfiguration"],
        json!({"DestinationBucketName": {"Ref": "LogBucket"}, "LogFilePrefix": "site/"})
    );
    for id in ["SiteBucket", "LogBucket", "CertificatesBucket"] {
        let p = &d["Resources"][id]["Properties"];
        assert_eq!(
            p["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"], true,
            "{id}"
        );
        assert_eq!(
            p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );
        let first =
            &d["Resources"][format!("{id}Policy")]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(first["Sid"], "DenyInsecureTransport");
    }
    let policy = &d["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    let allow = &policy[1];
    assert_eq!(allow["Effect"], "Allow");
    assert_eq!(
        allow["Principal"],
        json!({"Service": ["cloudfront.amazonaws.com"]})
    );
    assert_eq!(allow["Action"], json!(["s3:GetObject"]));
    assert_eq!(
        allow["Condition"]["StringEquals"]["AWS:SourceArn"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${CdnDistribution}"}])
    );
    assert_eq!(policy.as_array().unwrap().len(), 2);
    let origin = &distribution(&d)["Origins"][0];
    assert_eq!(origin["Id"], "site");
    assert_eq!(origin["S3OriginConfig"]["OriginAccessIdentity"], "");
    assert_eq!(
        origin["OriginAccessControlId"],
        json!({"Fn::GetAtt": ["SiteBucketAccessControl", "Id"]})
    );
    // The log bucket takes S3's access logs of the site bucket only.
    let logs = &d["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][1];
    assert_eq!(
        logs["Principal"],
        json!({"Service": ["logging.s3.amazonaws.com"]})
    );
    assert_eq!(logs["Action"], json!(["s3:PutObject"]));
    assert_eq!(
        logs["Resource"],
        json!([{"Fn::Sub": "${LogBucket.Arn}/site/*"}])
    );
    assert_eq!(
        logs["Condition"]["ArnLike"]["aws:SourceArn"],
        json!([{"Fn::Sub": "${SiteBucket.Arn}"}])
    );
    assert_eq!(
        logs["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!([{"Fn::Sub": "${AWS::AccountId}"}])
    );
    let expiry = d["Resources"]["LogBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Id"] == "ExpireObjects")
        .unwrap()
        .clone();
    assert_eq!(expiry["ExpirationInDays"], 365);
}

#[test]
fn cloudfront_follows_the_notes() {
    let d = doc("");
    let cfg = distribution(&d);
    assert_eq!(cfg["DefaultRootObject"], "index.html");
    let default = &cfg["DefaultCacheBehavior"];
    assert_eq!(default["ViewerProtocolPolicy"], "redirect-to-https");
    assert_eq!(default["Compress"], true);
    assert_eq!(default["CachedMethods"], json!(["GET", "HEAD"]));
    assert_eq!(default["AllowedMethods"], json!(["GET", "HEAD"]));
    assert_eq!(
        default["CachePolicyId"],
        json!({"Fn::GetAtt": ["CdnPagesCachePolicy", "Id"]})
    );
    let pages = &d["Resources"]["CdnPagesCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(pages["MinTTL"], 0);
    assert_eq!(pages["MaxTTL"], 31_536_000);
    assert_eq!(pages["DefaultTTL"], 86_400);
    let api = &cfg["CacheBehaviors"][0];
    assert_eq!(api["PathPattern"], "/api/*");
    assert_eq!(api["ViewerProtocolPolicy"], "redirect-to-https");
    assert_eq!(api["CachedMethods"], json!(["GET", "HEAD"]));
    let api_cache = &d["Resources"]["CdnApiCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(api_cache["MaxTTL"], 0);
    assert_eq!(
        cfg["ViewerCertificate"],
        json!({"CloudFrontDefaultCertificate": true})
    );
    let with_domain = stacks(
        "ap-northeast-2",
        "  domain:\n    name: conf.example.kr\n    hosted_zone_id: Z05512345EXAMPLEKR\n",
    );
    let main = with_domain[1].template.to_json();
    assert_eq!(
        distribution(&main)["ViewerCertificate"]["MinimumProtocolVersion"],
        "TLSv1.2_2021"
    );
}

#[test]
fn certificates_are_made_asynchronously_through_sns() {
    let d = doc("");
    let topic = &d["Resources"]["RegistrationsTopic"]["Properties"];
    assert_eq!(topic["KmsMasterKeyId"], "alias/aws/sns");
    let api = statements(&d["Resources"]["ApiFunctionRole"]);
    let publish = api
        .iter()
        .find(|s| s["Action"] == json!(["sns:Publish"]))
        .unwrap();
    assert_eq!(publish["Resource"], json!([{"Ref": "RegistrationsTopic"}]));
    assert_eq!(
        d["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]["TOPIC_ARN"],
        json!({"Ref": "RegistrationsTopic"})
    );
    let sub = &d["Resources"]["CertificateSubscription"]["Properties"];
    assert_eq!(sub["Protocol"], "lambda");
    assert_eq!(sub["TopicArn"], json!({"Ref": "RegistrationsTopic"}));
    assert_eq!(
        sub["Endpoint"],
        json!({"Fn::GetAtt": ["CertificateFunction", "Arn"]})
    );
    let perm = &d["Resources"]["CertificateSubscriptionPermission"]["Properties"];
    assert_eq!(perm["Principal"], "sns.amazonaws.com");
    assert_eq!(perm["SourceArn"], json!({"Ref": "RegistrationsTopic"}));
    let retry = &d["Resources"]["CertificateAsyncFailures"]["Properties"];
    assert_eq!(
        retry["DestinationConfig"]["OnFailure"]["Destination"],
        json!({"Fn::GetAtt": ["CertificateFailures", "Arn"]})
    );
    // The API cannot write certificates; the maker cannot publish.
    assert!(!api.iter().any(|s| s["Action"]
        .as_array()
        .unwrap()
        .contains(&json!("s3:PutObject"))));
    let maker = statements(&d["Resources"]["CertificateFunctionRole"]);
    assert!(!maker.iter().any(|s| s["Action"]
        .as_array()
        .unwrap()
        .contains(&json!("sns:Publish"))));
    let put = maker
        .iter()
        .find(|s| s["Action"] == json!(["s3:PutObject"]))
        .unwrap();
    assert_eq!(
        put["Resource"],
        json!([{"Fn::Sub": "${CertificatesBucket.Arn}/certificates/*"}])
    );
}

#[test]
fn least_privilege_and_retained_data() {
    for options in ["", "  functions:\n    architecture: x86_64\n"] {
        let d = doc(options);
        for (id, r) in d["Resources"].as_object().unwrap() {
            if r["Type"] == "AWS::IAM::Role" {
                for s in statements(r) {
                    for a in s["Action"].as_array().unwrap() {
                        let a = a.as_str().unwrap();
                        assert!(a != "*" && !a.ends_with(":*"), "{id}: {a}");
                    }
                    for res in s["Resource"].as_array().unwrap() {
                        assert_ne!(res, "*", "{id}");
                    }
                }
            }
            if r["Type"] == "AWS::Logs::LogGroup" {
                assert!(r["Properties"]["RetentionInDays"].is_u64(), "{id}");
            }
        }
        for id in [
            "RegistrationsTable",
            "SiteBucket",
            "LogBucket",
            "CertificatesBucket",
        ] {
            assert_eq!(d["Resources"][id]["DeletionPolicy"], "Retain", "{id}");
            assert_eq!(d["Resources"][id]["UpdateReplacePolicy"], "Retain", "{id}");
        }
        let table = &d["Resources"]["RegistrationsTable"]["Properties"];
        assert_eq!(table["SSESpecification"]["SSEEnabled"], true);
        assert_eq!(
            table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
            true
        );
    }
    let scratch = doc("  retain:\n    registrations_table: false\n    site_bucket: false\n    log_bucket: false\n    certificates_bucket: false\n");
    for id in [
        "RegistrationsTable",
        "SiteBucket",
        "LogBucket",
        "CertificatesBucket",
    ] {
        assert_eq!(scratch["Resources"][id]["DeletionPolicy"], "Delete", "{id}");
    }
}

#[test]
fn a_domain_outside_us_east_1_splits_off_a_certificate_stack() {
    let s = stacks(
        "ap-northeast-2",
        "  domain:\n    name: conf.example.kr\n    hosted_zone_id: Z05512345EXAMPLEKR\n",
    );
    assert_eq!(s.len(), 2);
    assert_eq!(
        (s[0].stack_name.as_str(), s[0].region.as_str()),
        ("conference-cert", "us-east-1")
    );
    assert_eq!(
        (s[1].stack_name.as_str(), s[1].region.as_str()),
        ("conference", "ap-northeast-2")
    );
    assert_eq!(s[1].depends_on, vec!["conference-cert".to_string()]);
    assert_eq!(
        s[1].inputs,
        vec![StackInput {
            parameter: "CertificateArn".into(),
            from_stack: "conference-cert".into(),
            output: "CertificateArn".into(),
        }]
    );
    let main = s[1].template.to_json();
    assert_eq!(
        distribution(&main)["ViewerCertificate"]["AcmCertificateArn"],
        json!({"Ref": "CertificateArn"})
    );
    assert!(!main.to_string().contains("Fn::ImportValue"));
}
