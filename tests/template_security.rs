//! Security properties read from every synthesized template: each
//! blueprint's defaults and every project file in tests/variants/, nested
//! stacks included (issue 13):
//! - a cached answer is never served to another identity: every cached,
//!   authenticated GET (or ANY) method has the caller in its cache key, or
//!   the stage turns caching off for it;
//! - with a custom domain (TLS 1.2) the default `execute-api` endpoint is
//!   off and nothing points at it; every domain name has the TLS 1.2 policy
//!   and every distribution with its own certificate TLSv1.2_2021;
//! - every SNS topic is encrypted, with a customer-managed key that admits
//!   the AWS services publishing to it when there are any.
//!
//! Each check is a function over one synthesis's templates, so the tests at
//! the end can show that it catches the template it exists for.

use std::collections::BTreeMap;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides, ALL};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::{json, Value};

/// One synthesis: its name and every template it wrote (path → template).
struct Synthesis {
    name: String,
    templates: BTreeMap<String, Value>,
}

impl Synthesis {
    fn resources(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.templates.iter().flat_map(|(path, t)| {
            t["Resources"]
                .as_object()
                .into_iter()
                .flatten()
                .map(move |(id, r)| (path.as_str(), id.as_str(), r))
        })
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a str, &'a Value)> {
        self.resources().filter(move |(_, _, r)| r["Type"] == kind)
    }
}

fn synthesize_all() -> Vec<Synthesis> {
    let code = |name: &str| CodeSource::BuiltIn {
        blueprint: name.into(),
    };
    let mut sources: Vec<(String, Source)> = ALL
        .iter()
        .map(|bp| (format!("{} defaults", bp.name()), bp.defaults().unwrap()))
        .collect();
    let mut variants: Vec<_> = std::fs::read_dir("tests/variants")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    variants.sort();
    for path in variants {
        let source = Source {
            name: path.display().to_string(),
            text: std::fs::read_to_string(&path).unwrap(),
        };
        sources.push((path.display().to_string(), source));
    }
    sources
        .into_iter()
        .map(|(name, source)| {
            let bp = find(&blueprint::config::blueprint_name(&source).unwrap()).unwrap();
            let s = synthesize(
                bp,
                &source,
                &code(bp.name()),
                &Overrides::default(),
                Format::Json,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut templates = BTreeMap::new();
            for t in &s.templates {
                templates.insert(t.stack_name.clone(), serde_json::from_str(&t.body).unwrap());
            }
            for n in &s.nested {
                templates.insert(n.path.clone(), serde_json::from_str(&n.body).unwrap());
            }
            Synthesis { name, templates }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The stage cache
// ---------------------------------------------------------------------------

const AUTHORIZATION: &str = "method.request.header.Authorization";

/// A method's resource path, `/todos/{todoId}`, from its resource chain in
/// its own template (a nested stack's chain ends at a parameter: the root).
fn resource_path(template: &Value, resource: &Value) -> String {
    let mut segments = Vec::new();
    let mut current = resource.clone();
    while let Some(id) = current["Ref"].as_str() {
        let r = &template["Resources"][id];
        if r["Type"] != "AWS::ApiGateway::Resource" {
            break;
        }
        segments.push(r["Properties"]["PathPart"].as_str().unwrap().to_string());
        current = r["Properties"]["ParentId"].clone();
    }
    segments.reverse();
    format!("/{}", segments.join("/"))
}

/// Whether the stage caches `method` on `path`: its own method setting, or
/// the stage-wide one.
fn caching_enabled(stage: &Value, method: &str, path: &str) -> bool {
    let settings = stage["Properties"]["MethodSettings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let encoded = format!("/{}", path.replace('/', "~1"));
    let own = settings
        .iter()
        .find(|s| s["HttpMethod"] == method && s["ResourcePath"] == encoded.as_str());
    let wide = settings
        .iter()
        .find(|s| s["HttpMethod"] == "*" && s["ResourcePath"] == "/*");
    own.or(wide)
        .map(|s| s["CachingEnabled"] == true)
        .unwrap_or(false)
}

/// What is wrong with the cached methods of `s`: per method, why another
/// caller could be served its answer (or another path's).
fn cache_findings(s: &Synthesis) -> (usize, Vec<String>) {
    let stages: Vec<&Value> = s
        .of_type("AWS::ApiGateway::Stage")
        .filter(|(_, _, r)| r["Properties"]["CacheClusterEnabled"] == true)
        .map(|(_, _, r)| r)
        .collect();
    let Some(stage) = stages.first() else {
        return (0, Vec::new());
    };
    assert_eq!(stages.len(), 1, "{}: one cached stage expected", s.name);
    let mut checked = 0;
    let mut findings = Vec::new();
    for (path, id, m) in s.of_type("AWS::ApiGateway::Method") {
        let p = &m["Properties"];
        let method = p["HttpMethod"].as_str().unwrap();
        if method != "GET" && method != "ANY" {
            continue;
        }
        let resource = resource_path(&s.templates[path], &p["ResourceId"]);
        if !caching_enabled(stage, method, &resource) {
            continue;
        }
        checked += 1;
        let key: Vec<&str> = p["Integration"]["CacheKeyParameters"]
            .as_array()
            .map(|k| k.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        let declared = |name: &str| p["RequestParameters"].get(name).is_some();
        let at = format!("{}: {path}/{id} ({method} {resource})", s.name);
        match p["AuthorizationType"].as_str().unwrap() {
            "NONE" => {}
            "COGNITO_USER_POOLS" | "CUSTOM" => {
                if !key.contains(&AUTHORIZATION) || !declared(AUTHORIZATION) {
                    findings.push(format!("{at}: cached without the caller in its key"));
                }
            }
            other => findings.push(format!(
                "{at}: cached behind {other}, which has no stable caller header"
            )),
        }
        for segment in resource.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let param = format!("method.request.path.{}", name.trim_end_matches('+'));
                if !key.contains(&param.as_str()) || !declared(&param) {
                    findings.push(format!("{at}: cached without `{param}` in its key"));
                }
            }
        }
        for name in &key {
            if !declared(name) {
                findings.push(format!(
                    "{at}: cache key `{name}` is not a request parameter"
                ));
            }
        }
    }
    (checked, findings)
}

#[test]
fn every_cached_authenticated_get_is_keyed_by_the_caller_or_not_cached() {
    let mut cached = Vec::new();
    let mut findings = Vec::new();
    for s in synthesize_all() {
        let (checked, mut f) = cache_findings(&s);
        if s.of_type("AWS::ApiGateway::Stage")
            .any(|(_, _, r)| r["Properties"]["CacheClusterEnabled"] == true)
        {
            cached.push((s.name.clone(), checked));
        }
        findings.append(&mut f);
    }
    assert!(findings.is_empty(), "{findings:#?}");
    // The templates with a cache are there, and the authenticated ones
    // cache what they can: todo's GETs under the caller's key.
    let names: Vec<&str> = cached.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "todo-cache-api",
        "todo-usage-plan",
        "blog-usage-plan",
        "microservices-private-api",
    ] {
        assert!(
            names.iter().any(|n| n.contains(expected)),
            "{expected} has no cached stage: {names:?}"
        );
    }
    let todo = cached
        .iter()
        .find(|(n, _)| n.contains("todo-cache-api"))
        .unwrap();
    assert_eq!(todo.1, 3, "todo's three GET methods stay cached");
}

/// A synthesis of one template.
fn one(name: &str, template: Value) -> Synthesis {
    Synthesis {
        name: name.into(),
        templates: BTreeMap::from([("stack".to_string(), template)]),
    }
}

fn cached_api(method: Value) -> Value {
    json!({"Resources": {
        "Todos": {"Type": "AWS::ApiGateway::Resource",
                  "Properties": {"ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                                 "PathPart": "todos", "RestApiId": {"Ref": "Api"}}},
        "TodosGet": {"Type": "AWS::ApiGateway::Method", "Properties": method},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "CacheClusterEnabled": true,
            "MethodSettings": [{"HttpMethod": "*", "ResourcePath": "/*", "CachingEnabled": true}]}}
    }})
}

#[test]
fn the_cache_check_catches_a_shared_answer() {
    // What todo with `cache: api` had: the stage caches `/*`, keyed by nothing.
    let unkeyed = json!({"AuthorizationType": "COGNITO_USER_POOLS", "HttpMethod": "GET",
        "ResourceId": {"Ref": "Todos"}, "Integration": {"Type": "AWS_PROXY"}});
    let (checked, findings) = cache_findings(&one("unkeyed", cached_api(unkeyed)));
    assert_eq!(checked, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].contains("without the caller"), "{findings:?}");
    // IAM: cached at all is wrong.
    let iam = json!({"AuthorizationType": "AWS_IAM", "HttpMethod": "GET",
        "ResourceId": {"Ref": "Todos"}, "Integration": {"Type": "AWS_PROXY",
        "CacheKeyParameters": [AUTHORIZATION]}, "RequestParameters": {AUTHORIZATION: true}});
    let (_, findings) = cache_findings(&one("iam", cached_api(iam.clone())));
    assert!(
        findings[0].contains("no stable caller header"),
        "{findings:?}"
    );
    // ... unless the stage turns caching off for it.
    let mut off = cached_api(iam);
    off["Resources"]["Stage"]["Properties"]["MethodSettings"]
        .as_array_mut()
        .unwrap()
        .push(json!({"HttpMethod": "GET", "ResourcePath": "/~1todos", "CachingEnabled": false}));
    assert_eq!(cache_findings(&one("off", off)), (0, Vec::new()));
    // Keyed by the caller: fine.
    let keyed = json!({"AuthorizationType": "COGNITO_USER_POOLS", "HttpMethod": "GET",
        "ResourceId": {"Ref": "Todos"}, "Integration": {"Type": "AWS_PROXY",
        "CacheKeyParameters": [AUTHORIZATION]}, "RequestParameters": {AUTHORIZATION: true}});
    assert_eq!(
        cache_findings(&one("keyed", cached_api(keyed))),
        (1, Vec::new())
    );
}

// ---------------------------------------------------------------------------
// Custom domains and TLS
// ---------------------------------------------------------------------------

/// The default endpoint's host name as the templates write it.
const EXECUTE_API_HOST: &str = ".execute-api.${AWS::Region}";

fn domain_findings(s: &Synthesis) -> (bool, Vec<String>) {
    let mut findings = Vec::new();
    let rest_domains: Vec<_> = s.of_type("AWS::ApiGateway::DomainName").collect();
    let http_domains: Vec<_> = s.of_type("AWS::ApiGatewayV2::DomainName").collect();
    for (path, id, d) in &rest_domains {
        if d["Properties"]["SecurityPolicy"] != "TLS_1_2" {
            findings.push(format!("{}: {path}/{id}: not TLS_1_2", s.name));
        }
    }
    for (path, id, d) in &http_domains {
        let configs = d["Properties"]["DomainNameConfigurations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if configs.is_empty() || configs.iter().any(|c| c["SecurityPolicy"] != "TLS_1_2") {
            findings.push(format!("{}: {path}/{id}: not TLS_1_2", s.name));
        }
    }
    for (path, id, d) in s.of_type("AWS::CloudFront::Distribution") {
        let cert = &d["Properties"]["DistributionConfig"]["ViewerCertificate"];
        if cert.get("AcmCertificateArn").is_some()
            && cert["MinimumProtocolVersion"] != "TLSv1.2_2021"
        {
            findings.push(format!("{}: {path}/{id}: below TLSv1.2_2021", s.name));
        }
    }
    let has_domain = !rest_domains.is_empty() || !http_domains.is_empty();
    if has_domain {
        let apis = s.of_type("AWS::ApiGateway::RestApi").chain(
            s.of_type("AWS::ApiGatewayV2::Api")
                .filter(|(_, _, r)| r["Properties"]["ProtocolType"] == "HTTP"),
        );
        for (path, id, api) in apis {
            if api["Properties"]["DisableExecuteApiEndpoint"] != true {
                findings.push(format!(
                    "{}: {path}/{id}: the execute-api endpoint is on beside the custom domain",
                    s.name
                ));
            }
        }
        for (path, t) in &s.templates {
            let text = t.to_string();
            if text.contains(EXECUTE_API_HOST) {
                findings.push(format!(
                    "{}: {path} still points at the execute-api host name",
                    s.name
                ));
            }
        }
    }
    (has_domain, findings)
}

#[test]
fn a_custom_domain_is_the_only_way_in_and_tls_is_1_2() {
    let mut with_domain = Vec::new();
    let mut findings = Vec::new();
    for s in synthesize_all() {
        let (has, mut f) = domain_findings(&s);
        if has {
            with_domain.push(s.name.clone());
        }
        findings.append(&mut f);
    }
    assert!(findings.is_empty(), "{findings:#?}");
    for expected in [
        "todo-usage-plan",
        "todo-http-api",
        "blog-http-api",
        "conference-api-domain",
        "microservices-http-api",
    ] {
        assert!(
            with_domain.iter().any(|n| n.contains(expected)),
            "{expected} has no API domain: {with_domain:?}"
        );
    }
}

#[test]
fn the_domain_check_catches_a_second_way_in() {
    let template = json!({"Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "api"}},
        "ApiDomainName": {"Type": "AWS::ApiGateway::DomainName",
                          "Properties": {"DomainName": "api.example.com", "SecurityPolicy": "TLS_1_0"}}
    }, "Outputs": {"ApiUrl": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod"}}}});
    let (has, findings) = domain_findings(&one("open", template));
    assert!(has);
    assert_eq!(findings.len(), 3, "{findings:#?}");
}

// ---------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------

/// The logical ID a `Ref` or `Fn::GetAtt` names.
fn target(v: &Value) -> Option<&str> {
    v["Ref"].as_str().or_else(|| v["Fn::GetAtt"][0].as_str())
}

/// The AWS services that publish to each topic of `template` in their own
/// name: bucket notifications, EventBridge rules, CloudWatch alarms.
fn service_publishers(template: &Value) -> BTreeMap<String, Vec<&'static str>> {
    let mut out: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for r in template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, r)| r)
    {
        let p = &r["Properties"];
        let (service, targets): (&str, Vec<&Value>) = match r["Type"].as_str().unwrap() {
            "AWS::S3::Bucket" => (
                "s3.amazonaws.com",
                p["NotificationConfiguration"]["TopicConfigurations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| &c["Topic"])
                    .collect(),
            ),
            "AWS::Events::Rule" => (
                "events.amazonaws.com",
                p["Targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| &c["Arn"])
                    .collect(),
            ),
            "AWS::CloudWatch::Alarm" => (
                "cloudwatch.amazonaws.com",
                p["AlarmActions"].as_array().into_iter().flatten().collect(),
            ),
            _ => continue,
        };
        for t in targets.into_iter().filter_map(target) {
            out.entry(t.to_string()).or_default().push(service);
        }
    }
    out
}

fn topic_findings(s: &Synthesis) -> (usize, Vec<String>) {
    let mut findings = Vec::new();
    let mut topics = 0;
    for (path, t) in &s.templates {
        let publishers = service_publishers(t);
        let resources = t["Resources"].as_object().cloned().unwrap_or_default();
        for (id, topic) in resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::SNS::Topic")
        {
            topics += 1;
            let at = format!("{}: {path}/{id}", s.name);
            let key = &topic["Properties"]["KmsMasterKeyId"];
            if key.is_null() {
                findings.push(format!("{at}: not encrypted"));
                continue;
            }
            let services = publishers.get(id.as_str()).cloned().unwrap_or_default();
            // AWS services publish: the AWS managed key refuses them.
            let Some(key_id) = target(key) else {
                if !services.is_empty() {
                    findings.push(format!(
                        "{at}: {services:?} publish, but the key is {key} (an AWS managed key refuses them)"
                    ));
                }
                continue;
            };
            let k = &t["Resources"][key_id];
            if k["Type"] != "AWS::KMS::Key" {
                findings.push(format!("{at}: {key_id} is not a KMS key"));
                continue;
            }
            if k["Properties"]["EnableKeyRotation"] != true {
                findings.push(format!("{at}: {key_id} does not rotate"));
            }
            if k["DeletionPolicy"] != "Retain" || k["UpdateReplacePolicy"] != "Retain" {
                findings.push(format!("{at}: {key_id} is not retained"));
            }
            let statements = k["Properties"]["KeyPolicy"]["Statement"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for service in services {
                let admitted = statements.iter().any(|st| {
                    st["Effect"] == "Allow"
                        && st["Principal"]["Service"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|p| p == service))
                        && ["kms:GenerateDataKey", "kms:Decrypt"].iter().all(|a| {
                            st["Action"]
                                .as_array()
                                .is_some_and(|acts| acts.iter().any(|x| x == a))
                        })
                });
                if !admitted {
                    findings.push(format!("{at}: {key_id}'s policy does not admit {service}"));
                }
            }
            // A role that publishes to the topic may use its key.
            for (role_id, role) in resources
                .iter()
                .filter(|(_, r)| r["Type"] == "AWS::IAM::Role")
            {
                let statements: Vec<&Value> = role["Properties"]["Policies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|p| {
                        p["PolicyDocument"]["Statement"]
                            .as_array()
                            .into_iter()
                            .flatten()
                    })
                    .collect();
                let publishes = statements.iter().any(|st| {
                    st["Action"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "sns:Publish"))
                        && st["Resource"]
                            .as_array()
                            .is_some_and(|r| r.iter().any(|x| target(x) == Some(id.as_str())))
                });
                let may_encrypt = statements.iter().any(|st| {
                    st["Action"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "kms:GenerateDataKey"))
                        && st["Resource"]
                            .as_array()
                            .is_some_and(|r| r.iter().any(|x| target(x) == Some(key_id)))
                });
                if publishes && !may_encrypt {
                    findings.push(format!(
                        "{at}: {role_id} publishes but may not use {key_id}"
                    ));
                }
            }
        }
    }
    (topics, findings)
}

#[test]
fn every_topic_is_encrypted_with_a_key_its_publishers_may_use() {
    let mut findings = Vec::new();
    let mut topics = 0;
    let mut event_pipeline_keys = 0;
    for s in synthesize_all() {
        let (n, mut f) = topic_findings(&s);
        topics += n;
        findings.append(&mut f);
        if s.name.contains("event-pipeline") {
            event_pipeline_keys += s.of_type("AWS::KMS::Key").count();
        }
    }
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(topics >= 10, "only {topics} topics seen");
    // Every event-pipeline template (defaults and variants) has its key.
    assert!(event_pipeline_keys >= 4, "{event_pipeline_keys}");
}

#[test]
fn the_topic_check_catches_an_unusable_or_missing_key() {
    let template = json!({"Resources": {
        "Plain": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "Events": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": "alias/aws/sns"}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"NotificationConfiguration": {
            "TopicConfigurations": [{"Event": "s3:ObjectCreated:*", "Topic": {"Ref": "Events"}}]}}}
    }});
    let (topics, findings) = topic_findings(&one("plain", template));
    assert_eq!(topics, 2);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.contains("Events") && f.contains("AWS managed key refuses")),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("Plain: not encrypted")),
        "{findings:#?}"
    );
}

#[test]
fn a_public_cached_microservices_api_keys_its_answers_by_path() {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: "blueprint: microservices\nstack_name: micro-public\nregion: eu-west-1\noptions:\n  api:\n    authorization: none\n    cache: {size_gb: 0.5, ttl_seconds: 60}\n".into(),
    };
    let s = synthesize(
        find("microservices").unwrap(),
        &source,
        &CodeSource::BuiltIn {
            blueprint: "microservices".into(),
        },
        &Overrides::default(),
        Format::Json,
    )
    .unwrap();
    let mut templates = BTreeMap::new();
    for t in &s.templates {
        templates.insert(t.stack_name.clone(), serde_json::from_str(&t.body).unwrap());
    }
    for n in &s.nested {
        templates.insert(n.path.clone(), serde_json::from_str(&n.body).unwrap());
    }
    let s = Synthesis {
        name: "micro-public".into(),
        templates,
    };
    let (checked, findings) = cache_findings(&s);
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(checked, 4, "the default services' four GETs stay cached");
    let keyed = s.of_type("AWS::ApiGateway::Method").any(|(_, _, m)| {
        m["Properties"]["Integration"]["CacheKeyParameters"]
            == json!(["method.request.path.userId"])
    });
    assert!(keyed);
}

/// Actions AWS only allows on `"Resource": "*"` (no resource-level
/// permissions) that the blueprints need; any other action on `*` is a
/// finding.
const ONLY_ON_EVERYTHING: &[&str] = &[
    // A function in a VPC finds its network interfaces.
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    // Session Manager's channels on the demo instances.
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    // X-Ray traces (FN-TRACE, a traced state machine) and metrics.
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    // A state machine's execution logs (CloudWatch Logs' vended-log
    // delivery has no resource-level permissions).
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
];

/// AWS managed policies that grant more than the blueprints need.
const TOO_BROAD: &[&str] = &[
    "AWSLambdaVPCAccessExecutionRole",
    "AmazonSSMManagedInstanceCore",
    "AWSLambdaBasicExecutionRole",
];

/// Every identity-policy statement of a template: (resource ID, statement).
fn identity_statements(s: &Synthesis) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (path, id, r) in s.resources() {
        let docs: Vec<&Value> = match r["Type"].as_str() {
            Some("AWS::IAM::Role") => r["Properties"]["Policies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| &p["PolicyDocument"])
                .collect(),
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => {
                vec![&r["Properties"]["PolicyDocument"]]
            }
            _ => continue,
        };
        for d in docs {
            for st in d["Statement"].as_array().into_iter().flatten() {
                out.push((format!("{path}/{id}"), st));
            }
        }
    }
    out
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn privilege_findings(s: &Synthesis) -> Vec<String> {
    let mut findings = Vec::new();
    for (_, id, r) in s.of_type("AWS::IAM::Role") {
        let managed = r["Properties"]["ManagedPolicyArns"].to_string();
        for broad in TOO_BROAD {
            if managed.contains(broad) {
                findings.push(format!("{}: {id} attaches {broad}", s.name));
            }
        }
    }
    for (at, st) in identity_statements(s) {
        if st["Effect"] != "Allow" {
            continue;
        }
        let everything = as_list(&st["Resource"]).iter().any(|r| *r == "*");
        if !everything {
            continue;
        }
        for action in as_list(&st["Action"]) {
            let action = action.as_str().unwrap_or("?");
            if !ONLY_ON_EVERYTHING.contains(&action) {
                findings.push(format!("{}: {at} allows {action} on *", s.name));
            }
        }
    }
    for (path, id, r) in s.of_type("AWS::EC2::SecurityGroup") {
        let egress = as_list(&r["Properties"]["SecurityGroupEgress"]);
        if egress.is_empty() {
            findings.push(format!(
                "{}: {path}/{id} lists no egress (so all is allowed)",
                s.name
            ));
        }
        for rule in egress {
            if rule["IpProtocol"] == "-1" && rule["CidrIp"] == "0.0.0.0/0" {
                findings.push(format!("{}: {path}/{id} allows all egress", s.name));
            }
        }
    }
    findings
}

#[test]
fn roles_get_only_what_they_use_and_every_security_group_lists_its_egress() {
    let mut findings = Vec::new();
    let mut in_vpc = 0;
    for s in synthesize_all() {
        in_vpc += s
            .of_type("AWS::Lambda::Function")
            .filter(|(_, _, f)| !f["Properties"]["VpcConfig"].is_null())
            .count();
        findings.extend(privilege_findings(&s));
    }
    // The variants do put functions in VPCs, so the check meets them.
    assert!(in_vpc >= 3, "{in_vpc} functions in a VPC");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_privilege_check_catches_broad_policies_and_open_egress() {
    let s = one(
        "hand-made",
        json!({"Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}],
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["ssm:GetParameter", "ec2:DescribeSubnets"], "Resource": "*"}
                ]}}]}},
            "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g"}},
            "Open": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "o",
                "SecurityGroupEgress": [{"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}]}}
        }}),
    );
    let findings = privilege_findings(&s);
    assert_eq!(findings.len(), 4, "{findings:#?}");
    assert!(findings[0].contains("AWSLambdaVPCAccessExecutionRole"));
    assert!(findings[1].contains("ssm:GetParameter on *"));
    assert!(findings[2].contains("Group lists no egress"));
    assert!(findings[3].contains("Open allows all egress"));
}

// ---------------------------------------------------------------------------
// Accepted risks (checkov suppressions)
// ---------------------------------------------------------------------------

/// Whether `resource` really does not meet `check`: a suppression must not
/// outlive the setting it excuses (an option turned the setting on). `None`
/// for a check this table does not know: every suppression the blueprints
/// record must be in it.
fn still_unmet(check: &str, r: &Value) -> Option<bool> {
    let p = &r["Properties"];
    let unset = |key: &str| p[key].is_null();
    Some(match check {
        "CKV_AWS_116" => unset("DeadLetterConfig"),
        "CKV_AWS_115" => unset("ReservedConcurrentExecutions"),
        "CKV_AWS_117" => unset("VpcConfig"),
        "CKV_AWS_73" => p["TracingEnabled"] != true,
        "CKV_AWS_120" => p["CacheClusterEnabled"] != true,
        "CKV_AWS_59" => p["AuthorizationType"] == "NONE",
        "CKV_AWS_21" => p["VersioningConfiguration"]["Status"] != "Enabled",
        "CKV_AWS_174" => {
            p["DistributionConfig"]["ViewerCertificate"]["CloudFrontDefaultCertificate"] == true
        }
        "CKV2_AWS_72" => p["DistributionConfig"]["Origins"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| {
                !o["CustomOriginConfig"].is_null()
                    && o["CustomOriginConfig"]["OriginProtocolPolicy"] != "https-only"
            }),
        // A plain-HTTP listener that forwards (a redirect to HTTPS meets both).
        "CKV_AWS_2" | "CKV_AWS_103" => {
            p["Protocol"] == "HTTP"
                && !p["DefaultActions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|a| a["Type"] == "redirect")
        }
        "CKV_AWS_260" => p["FromPort"] == 80 && p["CidrIp"] == "0.0.0.0/0",
        "CKV_AWS_158" => unset("KmsKeyId"),
        "CKV_AWS_119" => p["SSESpecification"]["KMSMasterKeyId"].is_null(),
        "CKV_AWS_173" => unset("KmsKeyArn"),
        "CKV_AWS_27" => unset("KmsMasterKeyId"),
        "CKV_AWS_68" => p["DistributionConfig"]["WebACLId"].is_null(),
        "CKV_AWS_18" => unset("LoggingConfiguration"),
        "CKV_AWS_86" => p["DistributionConfig"]["Logging"].is_null(),
        "CKV_AWS_91" => !p["LoadBalancerAttributes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["Key"] == "access_logs.s3.enabled" && a["Value"] == "true"),
        _ => return None,
    })
}

/// Every suppression of `s` that is unknown, has no reason, or excuses a
/// check the resource meets.
fn risk_findings(s: &Synthesis) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut findings = Vec::new();
    for (path, id, r) in s.resources() {
        let skips = r["Metadata"]["checkov"]["skip"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for skip in skips {
            count += 1;
            let check = skip["id"].as_str().unwrap_or_default();
            let reason = skip["comment"].as_str().unwrap_or_default();
            let at = format!("{}: {path}: {id}: {check}", s.name);
            if reason.split_whitespace().count() < 5 {
                findings.push(format!("{at}: no reason a reviewer can judge: {reason:?}"));
            }
            match still_unmet(check, r) {
                None => findings.push(format!("{at}: a check the test does not know")),
                Some(false) => {
                    findings.push(format!("{at}: suppressed, but the resource meets it"))
                }
                Some(true) => {}
            }
        }
    }
    (count, findings)
}

#[test]
fn every_accepted_risk_has_a_reason_and_is_still_a_risk() {
    let mut findings = Vec::new();
    let mut total = 0;
    for s in synthesize_all() {
        let (count, f) = risk_findings(&s);
        total += count;
        findings.extend(f);
    }
    assert!(total > 500, "{total} suppressions");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn the_risk_check_catches_a_stale_or_unexplained_suppression() {
    let skip =
        |id: &str, comment: &str| json!({"checkov": {"skip": [{"id": id, "comment": comment}]}});
    let s = one(
        "hand-made",
        json!({"Resources": {
            "Traced": {"Type": "AWS::ApiGateway::Stage", "Metadata": skip("CKV_AWS_73", "tracing costs money per trace here"),
                "Properties": {"TracingEnabled": true}},
            "Terse": {"Type": "AWS::Lambda::Function", "Metadata": skip("CKV_AWS_117", "fine"),
                "Properties": {}},
            "Unknown": {"Type": "AWS::SQS::Queue", "Metadata": skip("CKV_AWS_999", "a check nobody has heard of"),
                "Properties": {}}
        }}),
    );
    let (count, findings) = risk_findings(&s);
    assert_eq!(count, 3);
    assert_eq!(findings.len(), 3, "{findings:#?}");
    assert!(findings[0].contains("Traced: CKV_AWS_73: suppressed, but the resource meets it"));
    assert!(findings[1].contains("Terse: CKV_AWS_117: no reason"));
    assert!(findings[2].contains("Unknown: CKV_AWS_999: a check the test does not know"));
}
