//! `options.security.waf` (issue 13), read from the synthesized templates:
//! with the option on, for every blueprint's defaults and every variant in
//! tests/variants/, every REST API stage and internet-facing load balancer
//! is associated with the template's regional web ACL and every
//! distribution has a web ACL (the template's own CloudFront-scope one in
//! us-east-1, else the given ARN); HTTP and WebSocket APIs are named in one
//! warning; a distribution outside us-east-1 without an ARN is refused with
//! a located error; the option's values are validated where they are
//! written; the web ACLs' logical IDs and properties do not move when
//! services are added, removed or reordered. Off, every distribution
//! records CKV_AWS_68 as an accepted risk.

use crate::common;

use std::collections::BTreeMap;

use assert_cmd::Command;
use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides, ALL};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::{json, Value};

const EDGE_ARN: &str =
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0a1b2c3d-4e5f-6789-abcd-ef0123456789";

const MANAGED: [&str; 3] = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
];

/// One synthesis: every template (path → JSON) and the warnings.
struct Synthesis {
    templates: BTreeMap<String, Value>,
    warnings: Vec<String>,
}

fn synth(name: &str, text: &str) -> Result<Synthesis, String> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: text.to_string(),
    };
    let bp = find(&blueprint::config::blueprint_name(&source).unwrap()).unwrap();
    let s = synthesize(
        bp,
        &source,
        &CodeSource::BuiltIn {
            blueprint: bp.name().into(),
        },
        &Overrides::default(),
        Format::Json,
    )
    .map_err(|e| format!("{name}: {e}"))?;
    let mut templates = BTreeMap::new();
    for t in &s.templates {
        templates.insert(t.stack_name.clone(), serde_json::from_str(&t.body).unwrap());
    }
    for n in &s.nested {
        templates.insert(n.path.clone(), serde_json::from_str(&n.body).unwrap());
    }
    Ok(Synthesis {
        templates,
        warnings: s.warnings.clone(),
    })
}

/// `text` (a project file) with `options.security.waf` set to `waf`.
fn with_waf(text: &str, waf: serde_norway::Value) -> String {
    let mut doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
    let root = doc.as_mapping_mut().unwrap();
    let options = root
        .entry("options".into())
        .or_insert(serde_norway::Value::Mapping(Default::default()));
    if options.is_null() {
        *options = serde_norway::Value::Mapping(Default::default());
    }
    let security = options
        .as_mapping_mut()
        .unwrap()
        .entry("security".into())
        .or_insert(serde_norway::Value::Mapping(Default::default()));
    security.as_mapping_mut().unwrap().insert("waf".into(), waf);
    serde_norway::to_string(&doc).unwrap()
}

fn waf_on(region: &str) -> serde_norway::Value {
    let mut text = "enabled: true\nrate_limit: 1234\n".to_string();
    if region != "us-east-1" {
        text.push_str(&format!("cloudfront_web_acl_arn: {EDGE_ARN}\n"));
    }
    serde_norway::from_str(&text).unwrap()
}

fn region_of(text: &str) -> String {
    let doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
    doc["region"].as_str().unwrap_or("us-east-1").to_string()
}

fn resources(t: &Value) -> impl Iterator<Item = (&String, &Value)> {
    t["Resources"].as_object().into_iter().flatten()
}

/// What is wrong with one web ACL.
fn acl_findings(id: &str, acl: &Value, scope: &str, limit: u64) -> Vec<String> {
    let mut out = Vec::new();
    let p = &acl["Properties"];
    if acl["Type"] != "AWS::WAFv2::WebACL" || p["Scope"] != scope {
        out.push(format!("{id}: not a {scope} web ACL"));
    }
    if p["DefaultAction"] != json!({"Allow": {}}) {
        out.push(format!("{id}: default action is not Allow"));
    }
    let on =
        |v: &Value| v["CloudWatchMetricsEnabled"] == true && v["SampledRequestsEnabled"] == true;
    if !on(&p["VisibilityConfig"]) {
        out.push(format!("{id}: metrics or sampled requests off"));
    }
    let rules = p["Rules"].as_array().cloned().unwrap_or_default();
    if rules.len() != 1 + MANAGED.len() {
        out.push(format!("{id}: {} rules", rules.len()));
        return out;
    }
    let priorities: Vec<u64> = rules
        .iter()
        .filter_map(|r| r["Priority"].as_u64())
        .collect();
    if priorities != [0, 1, 2, 3] {
        out.push(format!("{id}: priorities {priorities:?}"));
    }
    let rate = &rules[0]["Statement"]["RateBasedStatement"];
    if rate["Limit"] != limit
        || rate["AggregateKeyType"] != "IP"
        || rules[0]["Action"] != json!({"Block": {}})
    {
        out.push(format!("{id}: rate rule {}", rules[0]));
    }
    for (rule, group) in rules[1..].iter().zip(MANAGED) {
        let m = &rule["Statement"]["ManagedRuleGroupStatement"];
        if m["VendorName"] != "AWS"
            || m["Name"] != group
            || rule["OverrideAction"] != json!({"None": {}})
        {
            out.push(format!("{id}: rule {rule} is not {group} as it is"));
        }
    }
    for r in &rules {
        if !on(&r["VisibilityConfig"]) {
            out.push(format!("{id}: rule {} without metrics", r["Name"]));
        }
    }
    out
}

/// What is wrong with the WAF of one synthesis (`limit`: the rate limit;
/// `edge`: the distributions' expected `WebACLId` when not the template's own).
fn findings(s: &Synthesis, limit: u64, edge: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut v2_apis = Vec::new();
    for (path, t) in &s.templates {
        let r = &t["Resources"];
        let associations: Vec<&Value> = resources(t)
            .filter(|(_, r)| r["Type"] == "AWS::WAFv2::WebACLAssociation")
            .map(|(_, r)| r)
            .collect();
        let associated = |arn: &Value, depends: Option<&str>| {
            associations.iter().any(|a| {
                a["Properties"]["ResourceArn"] == *arn
                    && a["Properties"]["WebACLArn"] == json!({"Fn::GetAtt": ["WebAcl", "Arn"]})
                    && depends.is_none_or(|d| {
                        a["DependsOn"] == d
                            || a["DependsOn"]
                                .as_array()
                                .is_some_and(|l| l.contains(&json!(d)))
                    })
            })
        };
        let mut regional = 0;
        for (id, res) in resources(t) {
            let p = &res["Properties"];
            match res["Type"].as_str().unwrap() {
                "AWS::ApiGateway::Stage" => {
                    regional += 1;
                    let arn = json!({"Fn::Sub": [
                        format!("arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}::/restapis/${{RestApiId}}/stages/{}", p["StageName"].as_str().unwrap()),
                        {"RestApiId": p["RestApiId"]}
                    ]});
                    if !associated(&arn, Some(id)) {
                        out.push(format!("{path}/{id}: REST stage without a web ACL"));
                    }
                }
                "AWS::ElasticLoadBalancingV2::LoadBalancer" if p["Scheme"] != "internal" => {
                    regional += 1;
                    if !associated(&json!({"Ref": id}), None) {
                        out.push(format!("{path}/{id}: load balancer without a web ACL"));
                    }
                }
                "AWS::CloudFront::Distribution" => {
                    let acl = &p["DistributionConfig"]["WebACLId"];
                    let ok = match edge {
                        Some(arn) => acl == arn && r.get("CloudFrontWebAcl").is_none(),
                        None => {
                            *acl == json!({"Fn::GetAtt": ["CloudFrontWebAcl", "Arn"]})
                                && acl_findings(
                                    "CloudFrontWebAcl",
                                    &r["CloudFrontWebAcl"],
                                    "CLOUDFRONT",
                                    limit,
                                )
                                .is_empty()
                        }
                    };
                    if !ok {
                        out.push(format!("{path}/{id}: distribution's WebACLId {acl}"));
                    }
                }
                "AWS::ApiGatewayV2::Api" => v2_apis.push(id.clone()),
                _ => {}
            }
        }
        if regional > 0 {
            out.extend(acl_findings(
                &format!("{path}/WebAcl"),
                &r["WebAcl"],
                "REGIONAL",
                limit,
            ));
        } else if r.get("WebAcl").is_some() {
            out.push(format!(
                "{path}: a regional web ACL with nothing to protect"
            ));
        }
    }
    let waf_warnings: Vec<&String> = s
        .warnings
        .iter()
        .filter(|w| w.contains("options.security.waf"))
        .collect();
    match (v2_apis.is_empty(), waf_warnings.as_slice()) {
        (true, []) => {}
        (false, [w]) if v2_apis.iter().all(|id| w.contains(id.as_str())) => {}
        _ => out.push(format!(
            "API Gateway v2 APIs {v2_apis:?}, warnings {waf_warnings:?}"
        )),
    }
    out
}

#[test]
fn every_stage_load_balancer_and_distribution_is_behind_a_web_acl() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for bp in ALL {
        for (name, text) in common::defaults_and_variants(bp.name()) {
            let region = region_of(&text);
            let s = synth(&name, &with_waf(&text, waf_on(&region))).unwrap();
            let edge = (region != "us-east-1").then_some(EDGE_ARN);
            for f in findings(&s, 1234, edge) {
                failures.push(format!("{} {name}: {f}", bp.name()));
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_checks_catch_what_they_exist_for() {
    let text = find("blog").unwrap().defaults().unwrap().text;
    let on = synth("blog", &with_waf(&text, waf_on("us-east-1"))).unwrap();
    assert!(findings(&on, 1234, None).is_empty());
    // Off: no web ACL anywhere.
    let off = synth("blog", &text).unwrap();
    let f = findings(&off, 1234, None);
    assert!(
        f.iter().any(|f| f.contains("ApiStage: REST stage without")),
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|f| f.contains("CdnDistribution: distribution's WebACLId null")),
        "{f:?}"
    );
    // Another limit than the one asked for.
    assert!(findings(&on, 2000, None)
        .iter()
        .any(|f| f.contains("rate rule")));
}

#[test]
fn without_waf_every_distribution_accepts_the_risk() {
    for bp in ALL {
        let text = bp.defaults().unwrap().text;
        let s = synth(bp.name(), &text).unwrap();
        for (path, t) in &s.templates {
            for (id, r) in resources(t) {
                assert!(
                    !r["Type"].as_str().unwrap().starts_with("AWS::WAFv2::"),
                    "{path}/{id}"
                );
                if r["Type"] == "AWS::CloudFront::Distribution" {
                    let skips = r["Metadata"]["checkov"]["skip"].as_array().unwrap();
                    let skip = skips.iter().find(|s| s["id"] == "CKV_AWS_68").unwrap();
                    assert!(skip["comment"]
                        .as_str()
                        .unwrap()
                        .contains("options.security.waf.enabled"));
                }
            }
        }
    }
}

#[test]
fn http_and_websocket_apis_are_named_once() {
    let chat = find("chat").unwrap().defaults().unwrap().text;
    let s = synth("chat", &with_waf(&chat, waf_on("us-east-1"))).unwrap();
    let w: Vec<&String> = s.warnings.iter().filter(|w| w.contains("waf")).collect();
    assert_eq!(
        w,
        ["options.security.waf: AWS WAF cannot protect HTTP or WebSocket APIs (API Gateway v2), so ChatApi (WebSocket API) has no web ACL"]
    );
    let todo = std::fs::read_to_string("tests/variants/todo-http-api.yaml").unwrap();
    let s = synth("todo-http-api", &with_waf(&todo, waf_on(&region_of(&todo)))).unwrap();
    let w: Vec<&String> = s.warnings.iter().filter(|w| w.contains("waf")).collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("Api (HTTP API) has no web ACL"), "{}", w[0]);
    // Off: no warning.
    let s = synth("chat", &chat).unwrap();
    assert!(!s.warnings.iter().any(|w| w.contains("waf")));
}

#[test]
fn an_existing_web_acl_is_used_in_us_east_1_too() {
    let text = find("blog").unwrap().defaults().unwrap().text;
    let waf = serde_norway::from_str(&format!(
        "enabled: true\ncloudfront_web_acl_arn: {EDGE_ARN}\n"
    ))
    .unwrap();
    let s = synth("blog", &with_waf(&text, waf)).unwrap();
    assert!(findings(&s, 2000, Some(EDGE_ARN)).is_empty());
    let t = &s.templates["blog"];
    assert!(t["Resources"].get("CloudFrontWebAcl").is_none());
    assert_eq!(t["Resources"]["WebAcl"]["Properties"]["Scope"], "REGIONAL");
}

// ---------------------------------------------------------------------------
// The CLI: refusals located in the project file, nothing written
// ---------------------------------------------------------------------------

/// Runs `blueprint synth` on `text` in a fresh directory: (exit code,
/// stderr, whether the output directory exists).
fn cli_synth(text: &str) -> (i32, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), text).unwrap();
    let out = Command::cargo_bin("blueprint")
        .unwrap()
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["synth", "-q", "-o", "out"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
        dir.path().join("out").exists(),
    )
}

fn blog_with(region: &str, waf: &str) -> String {
    format!("blueprint: blog\nstack_name: blog\nregion: {region}\noptions:\n  security:\n    waf:\n{waf}")
}

#[test]
fn a_distribution_outside_us_east_1_needs_an_existing_web_acl() {
    let (code, err, written) = cli_synth(&blog_with("eu-west-1", "      enabled: true\n"));
    assert_ne!(code, 0);
    assert!(!written);
    assert_eq!(
        err,
        "error: blueprint.yaml:6:5: options.security.waf: the stack's region is eu-west-1, and a CloudFront distribution's web ACL can only be created in us-east-1; create a web ACL of CloudFront scope in us-east-1 and give its ARN as options.security.waf.cloudfront_web_acl_arn, or put the stack in us-east-1\n"
    );
    // With the ARN: synthesized, the distribution uses it.
    let text = blog_with(
        "eu-west-1",
        &format!("      enabled: true\n      cloudfront_web_acl_arn: {EDGE_ARN}\n"),
    );
    let (code, err, written) = cli_synth(&text);
    // The example ARN and the blog's example sender are placeholders: synth
    // says so, and nothing else.
    assert_eq!((code, written), (0, true), "{err}");
    assert!(
        err.lines().all(|l| l
            .ends_with("a placeholder; fill it in before deploying (plan and apply refuse it)")),
        "{err}"
    );
    let s = synth("blog", &text).unwrap();
    assert!(findings(&s, 2000, Some(EDGE_ARN)).is_empty());
    // A stack without a distribution needs no ARN anywhere.
    let todo = "blueprint: todo\nstack_name: todo\nregion: eu-west-1\noptions:\n  security:\n    waf:\n      enabled: true\n";
    assert_eq!(cli_synth(todo).0, 0);
}

#[test]
fn bad_values_are_refused_where_they_are_written() {
    let cases = [
        ("      rate_limit: 5\n", "blueprint.yaml:8:19: options.security.waf.rate_limit: expected a whole number from 10 to 2000000000, found 5"),
        ("      rate_limit: 2000000001\n", "blueprint.yaml:8:19: options.security.waf.rate_limit: expected a whole number from 10 to 2000000000"),
        ("      rate_limit: lots\n", "blueprint.yaml:8:19: options.security.waf.rate_limit: expected a whole number from 10 to 2000000000, found the text \"lots\""),
        ("      cloudfront_web_acl_arn: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/0a1b\n", "blueprint.yaml:8:31: options.security.waf.cloudfront_web_acl_arn: `arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/0a1b` is not the ARN of a CloudFront-scope web ACL"),
        ("      cloudfront_web_acl_arn: [a]\n", "blueprint.yaml:8:31: options.security.waf.cloudfront_web_acl_arn:"),
        ("      enabled: yes please\n", "blueprint.yaml:7:16: options.security.waf.enabled: expected true or false"),
    ];
    for (line, expected) in cases {
        let (code, err, written) = cli_synth(&blog_with(
            "eu-west-1",
            &format!("      enabled: true\n{line}")
                .replace("      enabled: true\n      enabled:", "      enabled:"),
        ));
        assert_ne!(code, 0, "{line}");
        assert!(!written, "{line}");
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{line}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------
// Stability: services added, removed, reordered
// ---------------------------------------------------------------------------

fn microservices(front: &str, services: &[&str]) -> String {
    let mut text =
        "blueprint: microservices\nstack_name: micro\nregion: us-east-1\noptions:\n".to_string();
    if front == "alb" {
        text.push_str("  front: alb\n  alb:\n    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789\n");
    }
    text.push_str("  security:\n    waf:\n      enabled: true\n  services:\n");
    for s in services {
        text.push_str(&format!(
            "    - name: {s}\n      code: users\n      routes:\n        - {{method: GET, path: \"/\"}}\n"
        ));
    }
    text
}

/// Every WAF resource of the synthesis: (template path, logical ID) → resource.
fn waf_resources(s: &Synthesis) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, t) in &s.templates {
        for (id, r) in resources(t) {
            if r["Type"].as_str().unwrap().starts_with("AWS::WAFv2::") {
                out.insert((path.clone(), id.clone()), r.clone());
            }
        }
    }
    out
}

#[test]
fn web_acls_stay_put_when_services_change() {
    for front in ["api", "alb"] {
        let base = synth(
            "base",
            &microservices(front, &["users", "orders", "billing"]),
        )
        .unwrap();
        let acls = waf_resources(&base);
        assert!(!acls.is_empty());
        for (path, id) in acls.keys() {
            if id == "WebAcl" {
                // No Name: CloudFormation generates one once and keeps it.
                assert!(acls[&(path.clone(), id.clone())]["Properties"]
                    .get("Name")
                    .is_none());
            }
        }
        for services in [
            &["billing", "users", "orders"][..],
            &["users", "orders"],
            &["users", "orders", "billing", "stock"],
            &["stock"],
        ] {
            let other = synth("other", &microservices(front, services)).unwrap();
            assert_eq!(waf_resources(&other), acls, "{front} {services:?}");
            assert!(findings(&other, 2000, None).is_empty());
        }
    }
}
