//! The blog blueprint's security and data-keeping properties, read from the
//! generated templates: no public bucket, origin access control with a bucket
//! policy for this distribution only, HTTPS only with TLS 1.2+, SES scoped to
//! the configured identity, no thumbnail trigger loop, retained data, least
//! privilege, and the two-stack split for a custom domain outside us-east-1.
//! Never acting for a stranger: every route but the public reads needs a
//! signed-in caller (defaults and every tests/variants/blog-*.yaml) unless
//! `auth.public_routes` opens it, which synth warns about; no public route
//! leads to ses:SendEmail (the welcome email goes only to addresses Cognito
//! verified); uploads are for authors, under their own prefix; the API's
//! CloudFront cache is keyed by the caller's token.

use crate::common::{self, of_type, statements};

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, StackInput, StackTemplate};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::{json, Value};

fn stacks(region: &str, options: &str) -> Vec<StackTemplate> {
    let text = format!("blueprint: blog\nstack_name: blog\nregion: {region}\noptions:\n{options}");
    common::try_synth("blog", &text).unwrap().expansion.stacks
}

fn doc(options: &str) -> Value {
    let s = stacks("us-east-1", options);
    assert_eq!(s.len(), 1);
    s[0].template.to_json()
}

fn variants() -> Vec<Value> {
    [
        "",
        "  dax:\n    enabled: true\n  tables:\n    replica_regions: [eu-west-1]\n",
        "  thumbnails:\n    notify_sns: true\n    notify_sqs: true\n",
        "  domain:\n    name: blog.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n",
    ]
    .iter()
    .map(|o| doc(o))
    .collect()
}

#[test]
fn no_bucket_is_public_and_every_bucket_is_encrypted_and_tls_only() {
    for d in variants() {
        // The access-log bucket (ACLs on for CloudFront's logs) is checked
        // in security_access_logs.rs.
        let mut buckets = of_type(&d, "AWS::S3::Bucket");
        buckets.retain(|(id, _)| id.as_str() != "LogBucket");
        assert_eq!(buckets.len(), 3, "site, uploads, thumbnails");
        for (id, b) in buckets {
            let p = &b["Properties"];
            assert_eq!(
                p["PublicAccessBlockConfiguration"],
                json!({"BlockPublicAcls": true, "BlockPublicPolicy": true,
                       "IgnorePublicAcls": true, "RestrictPublicBuckets": true}),
                "{id}"
            );
            assert_eq!(
                p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                    ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
                "AES256",
                "{id}"
            );
            assert!(p.get("AccessControl").is_none(), "{id}");
            assert_eq!(
                p["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
                "BucketOwnerEnforced"
            );
            let policy = &d["Resources"][format!("{id}Policy")];
            let first = &policy["Properties"]["PolicyDocument"]["Statement"][0];
            assert_eq!(first["Sid"], "DenyInsecureTransport", "{id}");
            assert_eq!(first["Effect"], "Deny");
            // Nothing is granted to everyone.
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
            {
                if s["Effect"] == "Allow" {
                    assert_ne!(s["Principal"], "*", "{id}");
                }
            }
        }
    }
}

#[test]
fn the_site_and_thumbnails_are_read_only_through_origin_access_control() {
    let d = doc("");
    let origins = d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["Origins"]
        .as_array()
        .unwrap()
        .clone();
    for (origin_id, bucket) in [("site", "SiteBucket"), ("thumbnails", "ThumbnailsBucket")] {
        let o = origins.iter().find(|o| o["Id"] == origin_id).unwrap();
        assert_eq!(
            o["DomainName"],
            json!({"Fn::GetAtt": [bucket, "RegionalDomainName"]})
        );
        assert_eq!(o["S3OriginConfig"]["OriginAccessIdentity"], "");
        let oac = format!("{bucket}AccessControl");
        assert_eq!(
            o["OriginAccessControlId"],
            json!({"Fn::GetAtt": [oac, "Id"]})
        );
        let cfg = &d["Resources"][&oac]["Properties"]["OriginAccessControlConfig"];
        assert_eq!(cfg["OriginAccessControlOriginType"], "s3");
        assert_eq!(cfg["SigningBehavior"], "always");
        assert_eq!(cfg["SigningProtocol"], "sigv4");

        let statements = d["Resources"][format!("{bucket}Policy")]["Properties"]["PolicyDocument"]
            ["Statement"]
            .as_array()
            .unwrap()
            .clone();
        let allows: Vec<&Value> = statements
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .collect();
        assert_eq!(allows.len(), 1, "{bucket}");
        let allow = allows[0];
        assert_eq!(
            allow["Principal"],
            json!({"Service": ["cloudfront.amazonaws.com"]})
        );
        assert_eq!(allow["Action"], json!(["s3:GetObject"]));
        assert_eq!(
            allow["Resource"],
            json!([{"Fn::Sub": format!("${{{bucket}.Arn}}/*")}])
        );
        assert_eq!(
            allow["Condition"]["StringEquals"]["AWS:SourceArn"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${CdnDistribution}"}])
        );
    }
    // The uploads bucket is not an origin and grants nothing.
    assert!(
        origins
            .iter()
            .all(|o| o["DomainName"]
                != json!({"Fn::GetAtt": ["UploadsBucket", "RegionalDomainName"]}))
    );
}

fn behaviors(d: &Value) -> Vec<Value> {
    let cfg = &d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"];
    let mut all = vec![cfg["DefaultCacheBehavior"].clone()];
    all.extend(cfg["CacheBehaviors"].as_array().unwrap().iter().cloned());
    all
}

#[test]
fn viewers_get_https_only_and_compression_everywhere() {
    for d in variants() {
        for b in behaviors(&d) {
            assert_eq!(b["ViewerProtocolPolicy"], "redirect-to-https");
            assert_eq!(b["Compress"], true);
            assert_eq!(
                b["ResponseHeadersPolicyId"],
                json!({"Fn::GetAtt": ["CdnSecurityHeaders", "Id"]})
            );
        }
        let hsts = &d["Resources"]["CdnSecurityHeaders"]["Properties"]
            ["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["StrictTransportSecurity"];
        assert!(hsts["AccessControlMaxAgeSec"].as_u64().unwrap() >= 31_536_000);
        let api = d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["Origins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["Id"] == "api")
            .unwrap()
            .clone();
        assert_eq!(
            api["CustomOriginConfig"]["OriginProtocolPolicy"],
            "https-only"
        );
        assert_eq!(
            api["CustomOriginConfig"]["OriginSSLProtocols"],
            json!(["TLSv1.2"])
        );
        assert_eq!(api["OriginPath"], "/v1");
    }
}

#[test]
fn a_custom_domain_gets_tls_1_2_or_newer() {
    let d =
        doc("  domain:\n    name: blog.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n");
    let cfg = &d["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"];
    assert_eq!(
        cfg["ViewerCertificate"],
        json!({"AcmCertificateArn": {"Ref": "Certificate"},
               "MinimumProtocolVersion": "TLSv1.2_2021", "SslSupportMethod": "sni-only"})
    );
    assert_eq!(cfg["Aliases"], json!(["blog.example.com"]));
    let cert = &d["Resources"]["Certificate"]["Properties"];
    assert_eq!(cert["ValidationMethod"], "DNS");
    assert_eq!(
        cert["DomainValidationOptions"][0]["HostedZoneId"],
        "Z0123456789ABCDEFGHIJ"
    );
    let records = &d["Resources"]["DomainRecords"]["Properties"]["RecordSets"];
    assert_eq!(records[0]["Type"], "A");
    assert_eq!(records[1]["Type"], "AAAA");
    assert_eq!(
        records[0]["AliasTarget"]["DNSName"],
        json!({"Fn::GetAtt": ["CdnDistribution", "DomainName"]})
    );
    // Without a domain: CloudFront's own name and certificate.
    let plain = doc("");
    assert_eq!(
        plain["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]
            ["ViewerCertificate"],
        json!({"CloudFrontDefaultCertificate": true})
    );
}

#[test]
fn static_assets_are_cached_long_and_the_api_per_caller_at_most_a_second() {
    let d = doc("");
    let stat = &d["Resources"]["CdnStaticCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(stat["DefaultTTL"], 86_400);
    assert_eq!(stat["MaxTTL"], 31_536_000);
    assert_eq!(
        stat["ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"],
        true
    );
    let api = &d["Resources"]["CdnApiCachePolicy"]["Properties"]["CachePolicyConfig"];
    // CloudFront forwards Authorization only in a cache key, and allows no
    // header in the key of a cache that is off: at most one second.
    assert_eq!(
        (
            api["MinTTL"].as_u64(),
            api["DefaultTTL"].as_u64(),
            api["MaxTTL"].as_u64()
        ),
        (Some(0), Some(0), Some(1))
    );
    assert_eq!(
        api["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"],
        json!({"HeaderBehavior": "whitelist", "Headers": ["Authorization"]})
    );
    let b = behaviors(&d);
    let api_behavior = b.iter().find(|b| b["PathPattern"] == "/api/*").unwrap();
    assert_eq!(api_behavior["TargetOriginId"], "api");
    assert_eq!(
        api_behavior["CachePolicyId"],
        json!({"Fn::GetAtt": ["CdnApiCachePolicy", "Id"]})
    );
    let orp = &d["Resources"]["CdnApiOriginRequestPolicy"]["Properties"]
        ["OriginRequestPolicyConfig"]["HeadersConfig"];
    assert_eq!(
        orp,
        &json!({"HeaderBehavior": "allExcept", "Headers": ["Host"]})
    );
    let short = doc("  cdn:\n    api_ttl_seconds: 30\n");
    let api = &short["Resources"]["CdnApiCachePolicy"]["Properties"]["CachePolicyConfig"];
    assert_eq!(api["MaxTTL"], 30);
}

#[test]
fn ses_is_allowed_only_from_the_configured_identity() {
    for (options, identity, sender) in [
        ("", "example.com", "no-reply@example.com"),
        (
            "  welcome_email:\n    sender: hi@news.example.org\n    identity: address\n",
            "hi@news.example.org",
            "hi@news.example.org",
        ),
    ] {
        let d = doc(options);
        let all = statements(&d["Resources"]["WelcomeEmailFunctionRole"]);
        let ses: Vec<&Value> = all
            .iter()
            .filter(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a.as_str().unwrap().starts_with("ses:"))
            })
            .collect();
        assert_eq!(ses.len(), 1);
        assert_eq!(ses[0]["Action"], json!(["ses:SendEmail"]));
        assert_eq!(
            ses[0]["Resource"],
            json!([{"Fn::Sub": format!("arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{identity}")}])
        );
        assert_eq!(
            ses[0]["Condition"]["StringEquals"]["ses:FromAddress"],
            json!([sender])
        );
        // No other role may send email.
        for (id, role) in of_type(&d, "AWS::IAM::Role") {
            if id != "WelcomeEmailFunctionRole" {
                assert!(!role.to_string().contains("\"ses:"), "{id}");
            }
        }
    }
}

#[test]
fn the_welcome_email_reads_new_users_only() {
    let d = doc("");
    let m = &d["Resources"]["WelcomeEmailTrigger"]["Properties"];
    assert_eq!(
        m["EventSourceArn"],
        json!({"Fn::GetAtt": ["UsersTable", "StreamArn"]})
    );
    assert_eq!(
        m["FilterCriteria"]["Filters"][0]["Pattern"],
        r#"{"eventName":["INSERT"]}"#
    );
    assert_eq!(
        m["DestinationConfig"]["OnFailure"]["Destination"],
        json!({"Fn::GetAtt": ["WelcomeEmailFailures", "Arn"]})
    );
    assert_eq!(
        d["Resources"]["UsersTable"]["Properties"]["StreamSpecification"]["StreamViewType"],
        "NEW_IMAGE"
    );
}

#[test]
fn thumbnails_are_never_written_where_they_would_trigger_again() {
    for d in variants() {
        let uploads = &d["Resources"]["UploadsBucket"]["Properties"];
        assert_eq!(
            uploads["AccelerateConfiguration"]["AccelerationStatus"],
            "Enabled"
        );
        let notify = &uploads["NotificationConfiguration"]["LambdaConfigurations"];
        assert_eq!(notify.as_array().unwrap().len(), 1);
        assert_eq!(
            notify[0]["Function"],
            json!({"Fn::GetAtt": ["ThumbnailsFunction", "Arn"]})
        );
        assert_eq!(
            notify[0]["Filter"]["S3Key"]["Rules"],
            json!([{"Name": "prefix", "Value": "uploads/"}])
        );
        // The bucket waits for the permission that lets S3 invoke the function,
        // which is scoped to this bucket and account.
        assert_eq!(
            d["Resources"]["UploadsBucket"]["DependsOn"],
            "ThumbnailsInvokedByUploads"
        );
        let perm = &d["Resources"]["ThumbnailsInvokedByUploads"]["Properties"];
        assert_eq!(perm["Principal"], "s3.amazonaws.com");
        assert_eq!(perm["SourceAccount"], json!({"Ref": "AWS::AccountId"}));
        assert_eq!(
            perm["SourceArn"]["Fn::Sub"][0],
            "arn:${AWS::Partition}:s3:::blog-uploads-${StackUuid}"
        );
        assert_eq!(
            uploads["BucketName"]["Fn::Sub"][0],
            "blog-uploads-${StackUuid}"
        );
        // The thumbnails bucket triggers nothing.
        assert!(d["Resources"]["ThumbnailsBucket"]["Properties"]
            .get("NotificationConfiguration")
            .is_none());
        // The function writes only into the thumbnails bucket, reads only uploads.
        let f = &d["Resources"]["ThumbnailsFunction"]["Properties"]["Environment"]["Variables"];
        assert_eq!(f["THUMBNAILS_BUCKET"], json!({"Ref": "ThumbnailsBucket"}));
        assert_eq!(f["THUMBNAILS_PREFIX"], "thumbnails/");
        let all = statements(&d["Resources"]["ThumbnailsFunctionRole"]);
        let puts: Vec<&Value> = all
            .iter()
            .filter(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("s3:PutObject"))
            })
            .collect();
        assert_eq!(puts.len(), 1);
        assert_eq!(
            puts[0]["Resource"],
            json!([{"Fn::Sub": "${ThumbnailsBucket.Arn}/thumbnails/*"}])
        );
        let gets: Vec<&Value> = all
            .iter()
            .filter(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("s3:GetObject"))
            })
            .collect();
        assert_eq!(gets.len(), 1);
        assert_eq!(
            gets[0]["Resource"][0]["Fn::Sub"][0],
            "arn:${AWS::Partition}:s3:::blog-uploads-${StackUuid}/uploads/*"
        );
    }
}

#[test]
fn stateful_resources_are_retained_unless_the_user_opts_out() {
    let stateful = [
        "PostsTable",
        "UsersTable",
        "UsersPool",
        "SiteBucket",
        "UploadsBucket",
        "ThumbnailsBucket",
    ];
    for d in variants() {
        for id in stateful {
            assert_eq!(d["Resources"][id]["DeletionPolicy"], "Retain", "{id}");
            assert_eq!(d["Resources"][id]["UpdateReplacePolicy"], "Retain", "{id}");
        }
        for (id, _) in of_type(&d, "AWS::Logs::LogGroup") {
            assert!(
                d["Resources"][id]["Properties"]["RetentionInDays"].is_u64(),
                "{id}"
            );
        }
        for (id, q) in of_type(&d, "AWS::SQS::Queue") {
            assert_eq!(q["DeletionPolicy"], "Retain", "{id}");
            assert_eq!(q["Properties"]["SqsManagedSseEnabled"], true, "{id}");
        }
    }
    let scratch = doc("  retain:\n    posts_table: false\n    users_table: false\n    user_pool: false\n    site_bucket: false\n    uploads_bucket: false\n    thumbnails_bucket: false\n");
    for id in stateful {
        assert_eq!(scratch["Resources"][id]["DeletionPolicy"], "Delete", "{id}");
    }
}

#[test]
fn tables_are_encrypted_with_point_in_time_recovery_also_as_global_tables() {
    let d = doc("");
    for id in ["PostsTable", "UsersTable"] {
        let p = &d["Resources"][id]["Properties"];
        assert_eq!(p["SSESpecification"]["SSEEnabled"], true);
        assert_eq!(
            p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
            true
        );
    }
    let g = doc("  tables:\n    replica_regions: [eu-west-1, ap-northeast-2]\n");
    for id in ["PostsTable", "UsersTable"] {
        let r = &g["Resources"][id];
        assert_eq!(r["Type"], "AWS::DynamoDB::GlobalTable");
        assert_eq!(r["DeletionPolicy"], "Retain");
        let p = &r["Properties"];
        assert_eq!(
            p["SSESpecification"],
            json!({"SSEEnabled": true, "SSEType": "KMS"})
        );
        assert_eq!(
            p["StreamSpecification"]["StreamViewType"],
            "NEW_AND_OLD_IMAGES"
        );
        let replicas = p["Replicas"].as_array().unwrap();
        let regions: Vec<&Value> = replicas.iter().map(|r| &r["Region"]).collect();
        assert_eq!(
            regions,
            [
                &json!({"Ref": "AWS::Region"}),
                &json!("eu-west-1"),
                &json!("ap-northeast-2")
            ]
        );
        for r in replicas {
            assert_eq!(
                r["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
                true
            );
            assert_eq!(r["DeletionProtectionEnabled"], true);
        }
    }
}

#[test]
fn dax_sits_between_the_api_function_and_the_posts_table() {
    let d = doc("  dax:\n    enabled: true\n");
    let f = &d["Resources"]["ApiFunction"]["Properties"];
    assert_eq!(f["VpcConfig"]["SubnetIds"].as_array().unwrap().len(), 2);
    assert_eq!(
        f["Environment"]["Variables"]["DAX_ENDPOINT"],
        json!({"Fn::GetAtt": ["DaxCluster", "ClusterDiscoveryEndpointURL"]})
    );
    let dax = &d["Resources"]["DaxCluster"]["Properties"];
    assert_eq!(dax["SSESpecification"]["SSEEnabled"], true);
    assert_eq!(dax["ClusterEndpointEncryptionType"], "TLS");
    assert!(doc("")["Resources"].get("DaxCluster").is_none());
}

#[test]
fn no_iam_statement_allows_every_action_or_every_resource() {
    let mut all = variants();
    all.push(doc("  functions:\n    architecture: x86_64\n"));
    for d in all {
        for (id, role) in of_type(&d, "AWS::IAM::Role") {
            for s in statements(role) {
                for a in s["Action"].as_array().unwrap() {
                    let a = a.as_str().unwrap();
                    assert!(a != "*" && !a.ends_with(":*"), "{id}: {a}");
                }
                // `*` only for the reads EC2 allows on nothing narrower
                // (a function attaching to the DAX VPC).
                let describe_only = s["Action"].as_array().unwrap().iter().all(|a| {
                    ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
                        .contains(&a.as_str().unwrap())
                });
                for r in s["Resource"].as_array().unwrap() {
                    assert!(r != "*" || describe_only, "{id}: {s}");
                }
            }
        }
        assert!(!d.to_string().contains("Fn::ImportValue"));
    }
}

#[test]
fn a_domain_outside_us_east_1_splits_off_a_certificate_stack() {
    let options =
        "  domain:\n    name: blog.example.com\n    hosted_zone_id: Z0123456789ABCDEFGHIJ\n";
    let s = stacks("eu-west-1", options);
    assert_eq!(s.len(), 2);
    let (cert, main) = (&s[0], &s[1]);
    assert_eq!(cert.stack_name, "blog-cert");
    assert_eq!(cert.region.as_str(), "us-east-1");
    assert!(cert.depends_on.is_empty() && cert.inputs.is_empty());
    let c = cert.template.to_json();
    assert_eq!(
        c["Resources"]["Certificate"]["Type"],
        "AWS::CertificateManager::Certificate"
    );
    assert_eq!(c["Resources"].as_object().unwrap().len(), 1);
    assert_eq!(
        c["Outputs"]["CertificateArn"]["Value"],
        json!({"Ref": "Certificate"})
    );

    assert_eq!(main.stack_name, "blog");
    assert_eq!(main.region.as_str(), "eu-west-1");
    assert_eq!(main.depends_on, vec!["blog-cert".to_string()]);
    assert_eq!(
        main.inputs,
        vec![StackInput {
            parameter: "CertificateArn".into(),
            from_stack: "blog-cert".into(),
            output: "CertificateArn".into(),
        }]
    );
    let m = main.template.to_json();
    assert!(m["Resources"].get("Certificate").is_none());
    assert_eq!(m["Parameters"]["CertificateArn"]["Type"], "String");
    assert_eq!(
        m["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]["ViewerCertificate"]
            ["AcmCertificateArn"],
        json!({"Ref": "CertificateArn"})
    );
    assert!(m["Resources"].get("DomainRecords").is_some());
    assert!(!m.to_string().contains("Fn::ImportValue"));
    // In us-east-1 the certificate stays in the one stack.
    assert_eq!(stacks("us-east-1", options).len(), 1);
    // No domain: one stack wherever.
    assert_eq!(stacks("eu-west-1", "").len(), 1);
}

// ---------------------------------------------------------------------------
// Never acting for a stranger.

/// The routes anyone may call: they only read published posts.
const PUBLIC_READS: &[&str] = &["GET /api/posts", "GET /api/posts/{postId}"];

/// One synthesized project: its templates (as JSON) and synth's warnings.
struct Synth {
    name: String,
    docs: Vec<Value>,
    warnings: Vec<String>,
}

fn synth_source(name: &str, text: &str) -> Synth {
    let s = common::synth_named("blog", name, text);
    Synth {
        name: name.to_string(),
        docs: s
            .expansion
            .stacks
            .iter()
            .map(|st| st.template.to_json())
            .collect(),
        warnings: s.warnings,
    }
}

/// The defaults, every blog variant in tests/variants, and this file's
/// option sets.
fn every_project() -> Vec<Synth> {
    let projects = common::defaults_and_variants("blog");
    assert!(projects.len() >= 11, "the blog variants are found");
    let mut all: Vec<Synth> = projects
        .iter()
        .map(|(name, text)| synth_source(name, text))
        .collect();
    for (i, o) in [
        "  api:\n    type: http\n",
        "  api:\n    cache: {size_gb: 0.5, ttl_seconds: 60}\n",
        "  lambda:\n    deploy:\n      strategy: canary10-5m\n",
    ]
    .iter()
    .enumerate()
    {
        all.push(synth_source(
            &format!("inline {i}"),
            &format!("blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n{o}"),
        ));
    }
    all
}

/// The blog's own stack (not the certificate stack).
fn main(s: &Synth) -> &Value {
    s.docs
        .iter()
        .find(|d| d["Resources"].get("ApiFunction").is_some())
        .unwrap_or_else(|| panic!("{}: no API stack", s.name))
}

fn resources(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["Resources"].as_object().unwrap()
}

/// `/api/posts/{postId}` of a REST method, from its resource chain.
fn rest_path(doc: &Value, resource: &Value) -> String {
    let mut parts = Vec::new();
    let mut at = resource.clone();
    while let Some(id) = at.get("Ref").and_then(Value::as_str) {
        let r = &doc["Resources"][id]["Properties"];
        parts.push(r["PathPart"].as_str().unwrap().to_string());
        at = r["ParentId"].clone();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// Every route of the API: `(METHOD /path, authorization type, authorizer ID)`.
fn routes(doc: &Value) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for (_, r) in resources(doc) {
        let p = &r["Properties"];
        let authorizer = p["AuthorizerId"]["Ref"].as_str().map(str::to_string);
        let kind = p["AuthorizationType"]
            .as_str()
            .unwrap_or("NONE")
            .to_string();
        match r["Type"].as_str().unwrap() {
            "AWS::ApiGateway::Method" => out.push((
                format!(
                    "{} {}",
                    p["HttpMethod"].as_str().unwrap(),
                    rest_path(doc, &p["ResourceId"])
                ),
                kind,
                authorizer,
            )),
            "AWS::ApiGatewayV2::Route" => out.push((
                p["RouteKey"].as_str().unwrap().to_string(),
                kind,
                authorizer,
            )),
            _ => {}
        }
    }
    out
}

/// The route keys `synth` warned were opened on purpose.
fn opened(s: &Synth) -> Vec<String> {
    ["POST /api/uploads", "POST /api/users"]
        .iter()
        .filter(|r| s.warnings.iter().any(|w| w.contains(&format!("`{r}`"))))
        .map(|r| r.to_string())
        .collect()
}

#[test]
fn every_route_but_the_public_reads_needs_a_signed_in_caller_unless_opened_and_warned() {
    let mut checked = 0;
    for s in every_project() {
        let open = opened(&s);
        let d = main(&s);
        let pool = json!({"Fn::GetAtt": ["UsersPool", "Arn"]});
        let rs = routes(d);
        assert_eq!(rs.len(), 3, "{}: {rs:?}", s.name);
        for (key, kind, authorizer) in rs {
            let at = format!("{}: {key}", s.name);
            if PUBLIC_READS.contains(&key.as_str()) {
                assert!(key.starts_with("GET "), "{at}: public routes only read");
                assert_eq!(kind, "NONE", "{at}");
                continue;
            }
            if open.contains(&key) {
                assert_eq!(kind, "NONE", "{at}: opened on purpose");
                continue;
            }
            checked += 1;
            let authorizer = authorizer.unwrap_or_else(|| panic!("{at}: no authorizer"));
            let a = &d["Resources"][&authorizer]["Properties"];
            match kind.as_str() {
                "COGNITO_USER_POOLS" => {
                    assert_eq!(a["Type"], "COGNITO_USER_POOLS", "{at}");
                    assert_eq!(a["ProviderARNs"], json!([pool]), "{at}");
                    assert_eq!(
                        a["IdentitySource"], "method.request.header.Authorization",
                        "{at}"
                    );
                }
                "JWT" => {
                    assert_eq!(a["AuthorizerType"], "JWT", "{at}");
                    assert_eq!(
                        a["JwtConfiguration"]["Audience"],
                        json!([{"Ref": "UsersPoolClient"}]),
                        "{at}"
                    );
                    assert!(
                        a["JwtConfiguration"]["Issuer"]["Fn::Sub"]
                            .as_str()
                            .unwrap()
                            .ends_with("/${UsersPool}"),
                        "{at}"
                    );
                }
                other => panic!("{at}: authorization {other}"),
            }
        }
        // Warnings only for what was opened.
        assert_eq!(s.warnings.len(), open.len(), "{}: {:?}", s.name, s.warnings);
    }
    assert!(checked >= 14, "{checked} guarded routes checked");
}

#[test]
fn there_is_no_route_that_takes_an_address_to_mail() {
    for s in every_project() {
        for (key, _, _) in routes(main(&s)) {
            assert!(!key.contains("/api/users"), "{}: {key}", s.name);
        }
    }
}

/// The functions an API route invokes.
fn api_functions(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (_, r) in resources(doc) {
        let p = &r["Properties"];
        let uri = match r["Type"].as_str().unwrap() {
            "AWS::ApiGateway::Method" => p["Integration"]["Uri"].to_string(),
            "AWS::ApiGatewayV2::Integration" => p["IntegrationUri"].to_string(),
            _ => continue,
        };
        for (id, f) in resources(doc) {
            // A function, or its `live` alias (FN-DEPLOY).
            let function = match f["Type"].as_str().unwrap() {
                "AWS::Lambda::Function" => id.clone(),
                "AWS::Lambda::Alias" => f["Properties"]["FunctionName"]["Ref"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                _ => continue,
            };
            if uri.contains(&format!("${{{id}.Arn}}"))
                || uri.contains(&format!("${{{id}}}"))
                || uri.contains(&format!("\"{id}\""))
            {
                out.push(function);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn role_of<'a>(doc: &'a Value, function: &str) -> &'a Value {
    let role = doc["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap();
    &doc["Resources"][role]
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Array(a) => a.iter().map(|a| a.as_str().unwrap().to_string()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn no_public_route_leads_to_ses_and_only_verified_users_reach_the_welcome_email() {
    for s in every_project() {
        let d = main(&s);
        let at = &s.name;
        // What the API may do: nothing with SES, no writes to the users table.
        let api = api_functions(d);
        assert_eq!(api, ["ApiFunction"], "{at}");
        for st in statements(role_of(d, "ApiFunction")) {
            for a in actions(&st) {
                assert!(!a.starts_with("ses:"), "{at}: the API may {a}");
                if st["Resource"].to_string().contains("UsersTable") {
                    panic!("{at}: the API may {a} on the users table");
                }
            }
        }
        // Who may send email: the welcome function alone, fed only by the
        // users table's stream.
        let senders: Vec<&String> = resources(d)
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
            .map(|(id, _)| id)
            .filter(|id| {
                statements(role_of(d, id))
                    .iter()
                    .any(|st| actions(st).iter().any(|a| a.starts_with("ses:")))
            })
            .collect();
        assert_eq!(senders, ["WelcomeEmailFunction"], "{at}");
        let welcome_targets = |v: &Value| {
            let t = v.to_string();
            t.contains("\"WelcomeEmailFunction\"") || t.contains("${WelcomeEmailFunction")
        };
        for (id, r) in resources(d) {
            match r["Type"].as_str().unwrap() {
                "AWS::Lambda::Permission" => {
                    assert!(
                        !welcome_targets(&r["Properties"]["FunctionName"]),
                        "{at}: {id}"
                    )
                }
                "AWS::Lambda::EventSourceMapping" if welcome_targets(&r["Properties"]) => {
                    assert_eq!(
                        r["Properties"]["EventSourceArn"],
                        json!({"Fn::GetAtt": ["UsersTable", "StreamArn"]}),
                        "{at}: {id}"
                    );
                }
                _ => {}
            }
        }
        // Who may add users: only the user pool's post confirmation
        // trigger, invoked only by this pool, after Cognito verified the
        // address (email is the sign-in name and auto-verified).
        let writers: Vec<&String> = resources(d)
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
            .map(|(id, _)| id)
            .filter(|id| {
                statements(role_of(d, id)).iter().any(|st| {
                    st["Resource"].to_string().contains("UsersTable")
                        && actions(st)
                            .iter()
                            .any(|a| a == "dynamodb:PutItem" || a == "dynamodb:BatchWriteItem")
                })
            })
            .collect();
        assert_eq!(writers, ["PostConfirmationFunction"], "{at}");
        let pool = &d["Resources"]["UsersPool"]["Properties"];
        assert_eq!(pool["AutoVerifiedAttributes"], json!(["email"]), "{at}");
        assert_eq!(pool["UsernameAttributes"], json!(["email"]), "{at}");
        let trigger = &pool["LambdaConfig"]["PostConfirmation"];
        assert!(
            *trigger == json!({"Fn::GetAtt": ["PostConfirmationFunction", "Arn"]})
                || trigger["Ref"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("PostConfirmationFunction")),
            "{at}: {trigger}"
        );
        let invokers: Vec<&Value> = resources(d)
            .values()
            .filter(|r| r["Type"] == "AWS::Lambda::Permission")
            .filter(|r| {
                r["Properties"]["FunctionName"]
                    .to_string()
                    .contains("PostConfirmationFunction")
            })
            .collect();
        assert_eq!(invokers.len(), 1, "{at}");
        assert_eq!(
            invokers[0]["Properties"]["Principal"],
            "cognito-idp.amazonaws.com"
        );
        assert_eq!(
            invokers[0]["Properties"]["SourceArn"],
            json!({"Fn::GetAtt": ["UsersPool", "Arn"]})
        );
    }
}

#[test]
fn uploads_are_for_authors_under_their_own_prefix() {
    let d = doc("");
    let env = &d["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(env["UPLOADERS_GROUP"], "authors");
    assert!(env.get("UPLOADS_PUBLIC").is_none());
    assert!(env.get("USERS_TABLE").is_none());
    assert_eq!(
        d["Resources"]["UsersAuthorsGroup"]["Properties"]["GroupName"],
        "authors"
    );
    // The API signs uploads only under uploads/ (the handler adds the
    // caller's sub); the pool lets readers sign themselves up.
    let pool = &d["Resources"]["UsersPool"]["Properties"];
    assert_eq!(
        pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
        false
    );
    assert_eq!(pool["DeletionProtection"], "ACTIVE");
    assert_eq!(pool["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
    let uploads = statements(role_of(&d, "ApiFunction"))
        .into_iter()
        .find(|s| s["Sid"] == "PresignedPhotoUploads")
        .unwrap();
    assert!(uploads["Resource"][0]["Fn::Sub"][0]
        .as_str()
        .unwrap()
        .ends_with("/uploads/*"));
}

#[test]
fn the_api_cache_is_keyed_by_the_callers_token_everywhere() {
    for s in every_project() {
        let d = main(&s);
        let key = &d["Resources"]["CdnApiCachePolicy"]["Properties"]["CachePolicyConfig"]
            ["ParametersInCacheKeyAndForwardedToOrigin"];
        assert_eq!(
            key["HeadersConfig"]["Headers"],
            json!(["Authorization"]),
            "{}",
            s.name
        );
        // No origin request policy may forward it (CloudFront refuses).
        let orp = &d["Resources"]["CdnApiOriginRequestPolicy"]["Properties"]
            ["OriginRequestPolicyConfig"]["HeadersConfig"];
        assert_ne!(orp["HeaderBehavior"], "allViewer", "{}", s.name);
    }
}

#[test]
fn opening_uploads_is_explicit_warned_and_recorded_in_the_function() {
    for api in ["rest", "http"] {
        let s = synth_source(
            api,
            &format!("blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  api:\n    type: {api}\n  auth:\n    public_routes: [\"POST /api/uploads\"]\n"),
        );
        assert_eq!(opened(&s), ["POST /api/uploads"]);
        assert_eq!(s.warnings.len(), 1);
        let d = main(&s);
        let uploads = routes(d)
            .into_iter()
            .find(|(k, _, _)| k == "POST /api/uploads")
            .unwrap();
        assert_eq!((uploads.1.as_str(), uploads.2), ("NONE", None), "{api}");
        assert_eq!(
            d["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
                ["UPLOADS_PUBLIC"],
            "true"
        );
    }
}

#[test]
fn only_guarded_routes_can_be_opened() {
    for (route, why) in [
        ("GET /api/posts", "is public already"),
        ("POST /api/users", "is not a route of this API"),
        ("DELETE /api/uploads", "is not a route of this API"),
    ] {
        let source = Source {
            name: "blueprint.yaml".into(),
            text: format!("blueprint: blog\nstack_name: blog\nregion: us-east-1\noptions:\n  auth:\n    public_routes: [\"{route}\"]\n"),
        };
        let code = CodeSource::BuiltIn {
            blueprint: "blog".into(),
        };
        let err = synthesize(
            find("blog").unwrap(),
            &source,
            &code,
            &Default::default(),
            Format::Yaml,
        )
        .err()
        .unwrap_or_else(|| panic!("{route} was accepted"))
        .to_string();
        assert!(err.contains(why), "{route}: {err}");
    }
}
