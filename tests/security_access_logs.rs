//! `options.security.access_logs` (issue #13): in every blueprint's defaults
//! and variants, each stack with a distribution, load balancer or bucket has
//! one log bucket (retained, SSE-S3, TLS-only, expiring after
//! `retention_days`, its policy letting exactly the log writers in), every
//! distribution, load balancer and other bucket logs into it under its own
//! prefix (nested stacks through a `LogBucket` parameter), the prefixes stay
//! put when services move, and `enabled: false` leaves no log bucket and
//! records each accepted risk. Read from the expanded templates (nested ones
//! included, before any split).

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{defaults_and_variants, synth_named};
use blueprint::cfn::Template;
use blueprint::diff::Impact;
use blueprint::passes::access_logs::ELB_ACCOUNTS;
use serde_json::{json, Value};

use crate::common::of_type;

const BLUEPRINTS: &[&str] = &[
    "todo",
    "microservices",
    "blog",
    "conference",
    "update-offload",
    "event-pipeline",
    "chat",
];

const OFF: &str = "access logs turned off (options.security.access_logs.enabled: false)";

/// `(path, template JSON, is root)` for a stack's tree, parents first.
fn tree(t: &Template, path: &str, out: &mut Vec<(String, Value, bool)>) {
    out.push((path.to_string(), t.to_json(), path.is_empty()));
    for (id, child) in t.nested() {
        tree(child, &format!("{path}{id}/"), out);
    }
}

fn skips(r: &Value) -> BTreeMap<String, String> {
    r["Metadata"]["checkov"]["skip"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["comment"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn logs_off(text: &str) -> bool {
    text.split_once("access_logs:")
        .is_some_and(|(_, rest)| rest.lines().take(3).any(|l| l.trim() == "enabled: false"))
}

fn retention(text: &str) -> u64 {
    text.split_once("access_logs:")
        .and_then(|(_, rest)| {
            rest.lines()
                .take(3)
                .find_map(|l| l.trim().strip_prefix("retention_days: "))
                .map(|d| d.parse().unwrap())
        })
        .unwrap_or(365)
}

/// Every writer of the tree: `(kind, path/id, prefix)`; asserts each points
/// at the log bucket.
fn writers(docs: &[(String, Value, bool)], name: &str) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    for (path, doc, root) in docs {
        let bucket_ref = json!({"Ref": "LogBucket"});
        let mut any = false;
        for (id, r) in of_type(doc, "AWS::CloudFront::Distribution") {
            let logging = &r["Properties"]["DistributionConfig"]["Logging"];
            let expected_bucket = if *root {
                json!({"Fn::GetAtt": ["LogBucket", "DomainName"]})
            } else {
                json!({"Fn::Sub": "${LogBucket}.s3.${AWS::URLSuffix}"})
            };
            assert_eq!(logging["Bucket"], expected_bucket, "{name}: {path}{id}");
            assert_eq!(
                logging["IncludeCookies"],
                json!(false),
                "{name}: {path}{id}"
            );
            assert_eq!(
                logging["Prefix"],
                json!(format!("cloudfront/{path}{id}/")),
                "{name}: {path}{id}"
            );
            out.push((
                "cloudfront",
                format!("{path}{id}"),
                logging["Prefix"].to_string(),
            ));
            any = true;
        }
        for (id, r) in of_type(doc, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
            let attrs: BTreeMap<String, Value> = r["Properties"]["LoadBalancerAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| (a["Key"].as_str().unwrap().to_string(), a["Value"].clone()))
                .collect();
            assert_eq!(
                attrs["access_logs.s3.enabled"],
                json!("true"),
                "{name}: {id}"
            );
            assert_eq!(attrs["access_logs.s3.bucket"], bucket_ref, "{name}: {id}");
            let prefix = format!("elb/{path}{id}");
            assert_eq!(
                attrs["access_logs.s3.prefix"],
                json!(prefix),
                "{name}: {id}"
            );
            // The attributes the blueprint set stay.
            assert!(
                attrs.contains_key("routing.http.drop_invalid_header_fields.enabled"),
                "{name}: {id}"
            );
            if *root {
                let deps = match &r["DependsOn"] {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a.iter().map(|d| d.as_str().unwrap().to_string()).collect(),
                    _ => vec![],
                };
                assert!(
                    deps.contains(&"LogBucketPolicy".to_string()),
                    "{name}: {id}"
                );
            }
            out.push(("elb", format!("{path}{id}"), prefix));
            any = true;
        }
        for (id, r) in of_type(doc, "AWS::S3::Bucket") {
            if *root && id == "LogBucket" {
                continue;
            }
            let lc = &r["Properties"]["LoggingConfiguration"];
            assert_eq!(
                lc["DestinationBucketName"], bucket_ref,
                "{name}: {path}{id}"
            );
            let prefix = lc["LogFilePrefix"].as_str().unwrap().to_string();
            // conference's site bucket keeps the prefix it always had.
            if !(name.contains("conference") && id == "SiteBucket") {
                assert_eq!(prefix, format!("s3/{path}{id}/"), "{name}: {path}{id}");
            }
            out.push(("s3", format!("{path}{id}"), prefix));
            any = true;
        }
        if !*root && any {
            assert_eq!(
                doc["Parameters"]["LogBucket"]["Type"], "String",
                "{name}: {path}"
            );
        }
    }
    // Nested stacks that need the bucket are handed its name.
    for (path, doc, _) in docs {
        for (id, r) in of_type(doc, "AWS::CloudFormation::Stack") {
            let child = docs.iter().find(|(p, _, _)| *p == format!("{path}{id}/"));
            if let Some((_, c, _)) = child {
                if c["Parameters"].get("LogBucket").is_some() {
                    assert_eq!(
                        r["Properties"]["Parameters"]["LogBucket"],
                        json!({"Ref": "LogBucket"}),
                        "{name}: {path}{id}"
                    );
                }
            }
        }
    }
    let prefixes: BTreeSet<&String> = out.iter().map(|(_, _, p)| p).collect();
    assert_eq!(
        prefixes.len(),
        out.len(),
        "{name}: a prefix is shared: {out:?}"
    );
    out
}

/// The log bucket of a root template and its policy's writers.
fn check_log_bucket(
    doc: &Value,
    name: &str,
    days: u64,
    w: &[(&str, String, String)],
    region: &str,
) {
    let b = &doc["Resources"]["LogBucket"];
    assert_eq!(b["Type"], "AWS::S3::Bucket", "{name}");
    // Retained, unless the user let conference's own log bucket go
    // (`retain.log_bucket: false`).
    let policy = if name.starts_with("conference") && text_says_delete(name) {
        "Delete"
    } else {
        "Retain"
    };
    assert_eq!(b["DeletionPolicy"], policy, "{name}");
    assert_eq!(b["UpdateReplacePolicy"], policy, "{name}");
    let p = &b["Properties"];
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256",
        "{name}"
    );
    assert_eq!(
        p["PublicAccessBlockConfiguration"],
        json!({"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}),
        "{name}"
    );
    let rules = p["LifecycleConfiguration"]["Rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"].is_number()),
        "{name}"
    );
    // Every writer's objects expire after retention_days.
    for (_, _, prefix) in w {
        let prefix = prefix.trim_matches('"');
        if prefix == "site/" {
            continue;
        }
        assert!(
            rules.iter().any(|r| r["ExpirationInDays"] == json!(days)
                && r["Prefix"].as_str().is_none_or(|rp| prefix.starts_with(rp))),
            "{name}: {prefix} does not expire after {days} days: {rules:?}"
        );
    }
    let cloudfront = w.iter().any(|(k, _, _)| *k == "cloudfront");
    assert_eq!(
        p["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        if cloudfront {
            "BucketOwnerPreferred"
        } else {
            "BucketOwnerEnforced"
        },
        "{name}"
    );
    let s = skips(b);
    assert!(
        s.contains_key("CKV_AWS_18") && s.contains_key("CKV_AWS_21"),
        "{name}"
    );

    let policy = &doc["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"];
    let statements = policy.as_array().unwrap();
    let deny = &statements[0];
    assert_eq!(deny["Effect"], "Deny", "{name}");
    assert_eq!(
        deny["Condition"]["Bool"]["aws:SecureTransport"],
        json!(["false"]),
        "{name}"
    );
    let mut principals = BTreeSet::new();
    for st in &statements[1..] {
        assert_eq!(st["Effect"], "Allow", "{name}");
        assert_eq!(st["Action"], json!(["s3:PutObject"]), "{name}");
        principals.insert(st["Principal"].to_string());
        // Only under the writers' prefixes.
        for r in st["Resource"].as_array().unwrap() {
            let text = r["Fn::Sub"].as_str().unwrap();
            let rest = text.strip_prefix("${LogBucket.Arn}/").unwrap();
            assert!(
                w.iter()
                    .any(|(_, _, p)| rest.starts_with(p.trim_matches('"'))),
                "{name}: {text}"
            );
        }
    }
    let mut expected = BTreeSet::new();
    if w.iter().any(|(k, _, _)| *k == "s3") {
        expected.insert(json!({"Service": ["logging.s3.amazonaws.com"]}).to_string());
    }
    if w.iter().any(|(k, _, _)| *k == "elb") {
        let elb = match ELB_ACCOUNTS.iter().find(|(r, _)| *r == region) {
            Some((_, id)) => {
                json!({"AWS": [{"Fn::Sub": format!("arn:${{AWS::Partition}}:iam::{id}:root")}]})
            }
            None => json!({"Service": ["logdelivery.elasticloadbalancing.amazonaws.com"]}),
        };
        expected.insert(elb.to_string());
    }
    assert_eq!(principals, expected, "{name}");
}

fn text_says_delete(name: &str) -> bool {
    let path = name.split_once(' ').map_or("", |(_, p)| p);
    std::fs::read_to_string(path).is_ok_and(|t| t.contains("log_bucket: false"))
}

#[test]
fn every_distribution_load_balancer_and_bucket_logs_into_the_stack_log_bucket() {
    for blueprint in BLUEPRINTS {
        for (name, text) in defaults_and_variants(blueprint) {
            let name = format!("{blueprint} {name}");
            let s = synth_named(blueprint, &name, &text);
            for stack in &s.expansion.stacks {
                let mut docs = Vec::new();
                tree(&stack.template, "", &mut docs);
                let root = &docs[0].1;
                if logs_off(&text) {
                    // No log bucket unless the blueprint has its own.
                    if !blueprint.starts_with("conference") {
                        assert!(root["Resources"].get("LogBucket").is_none(), "{name}");
                    }
                    continue;
                }
                let w = writers(&docs, &name);
                if w.is_empty() {
                    assert!(root["Resources"].get("LogBucket").is_none(), "{name}");
                    continue;
                }
                check_log_bucket(root, &name, retention(&text), &w, stack.region.as_str());
            }
        }
    }
}

#[test]
fn logs_turned_off_leave_no_log_bucket_and_record_each_accepted_risk() {
    let text = std::fs::read_to_string("tests/variants/blog-access-logs-off.yaml").unwrap();
    let s = synth_named("blog", "blog-access-logs-off", &text);
    let doc = s.expansion.stacks[0].template.to_json();
    assert!(doc["Resources"].get("LogBucket").is_none());
    assert!(doc["Outputs"].get("LogBucketName").is_none());
    let dists = of_type(&doc, "AWS::CloudFront::Distribution");
    assert!(!dists.is_empty());
    for (id, r) in dists {
        assert!(
            r["Properties"]["DistributionConfig"]
                .get("Logging")
                .is_none(),
            "{id}"
        );
        assert_eq!(skips(r)["CKV_AWS_86"], OFF, "{id}");
    }
    for (id, r) in of_type(&doc, "AWS::S3::Bucket") {
        assert!(
            r["Properties"].get("LoggingConfiguration").is_none(),
            "{id}"
        );
        assert_eq!(skips(r)["CKV_AWS_18"], OFF, "{id}");
    }
    // A load balancer, off.
    let alb = std::fs::read_to_string("tests/variants/microservices-alb.yaml").unwrap()
        + "  security:\n    access_logs:\n      enabled: false\n";
    let s = synth_named("microservices", "alb off", &alb);
    let doc = s.expansion.stacks[0].template.to_json();
    assert!(doc["Resources"].get("LogBucket").is_none());
    for (id, r) in of_type(&doc, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
        assert_eq!(skips(r)["CKV_AWS_91"], OFF, "{id}");
        let attrs = r["Properties"]["LoadBalancerAttributes"].to_string();
        assert!(!attrs.contains("access_logs"), "{id}");
    }
}

#[test]
fn retention_days_sets_the_lifecycle_only() {
    let base = std::fs::read_to_string("tests/variants/microservices-alb.yaml").unwrap();
    let thirty = std::fs::read_to_string("tests/variants/microservices-alb-logs-30.yaml").unwrap();
    let a = synth_named("microservices", "alb", &base).expansion.stacks[0]
        .template
        .to_json();
    let b = synth_named("microservices", "alb-30", &thirty)
        .expansion
        .stacks[0]
        .template
        .to_json();
    let rules = &b["Resources"]["LogBucket"]["Properties"]["LifecycleConfiguration"]["Rules"];
    assert!(rules
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ExpirationInDays"] == 30));
    // Only the lifecycle differs (an in-place update, no replacement).
    let mut pa = a["Resources"]["LogBucket"]["Properties"].clone();
    let mut pb = b["Resources"]["LogBucket"]["Properties"].clone();
    pa.as_object_mut().unwrap().remove("LifecycleConfiguration");
    pb.as_object_mut().unwrap().remove("LifecycleConfiguration");
    assert_eq!(pa, pb);
}

/// `(path/id → prefix)` of every writer, with the log bucket's ID.
fn prefixes(text: &str) -> BTreeMap<String, String> {
    let s = synth_named("microservices", "stability", text);
    let mut docs = Vec::new();
    tree(&s.expansion.stacks[0].template, "", &mut docs);
    assert!(docs[0].1["Resources"].get("LogBucket").is_some());
    writers(&docs, "stability")
        .into_iter()
        .map(|(_, id, p)| (id, p))
        .collect()
}

#[test]
fn the_log_bucket_and_prefixes_stay_when_services_and_options_change() {
    let service = |n: &str| {
        format!(
            "    - name: {n}\n      code: users\n      routes:\n        - {{method: GET, path: \"/\"}}\n      inputs:\n        bucket:\n          events: [\"s3:ObjectCreated:*\"]\n"
        )
    };
    let project = |services: &[&str], extra: &str| {
        format!(
            "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  front: alb\n  alb:\n    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789\n{extra}  services:\n{}",
            services.iter().map(|s| service(s)).collect::<String>()
        )
    };
    let before = prefixes(&project(&["users", "orders"], ""));
    assert!(before.keys().any(|k| k.contains("Orders")), "{before:?}");
    let after = prefixes(&project(
        &["payments", "orders", "users"],
        "  security:\n    access_logs:\n      retention_days: 30\n",
    ));
    for (id, p) in &before {
        assert_eq!(after.get(id), Some(p), "{id} moved");
    }
    let fewer = prefixes(&project(&["orders"], ""));
    for (id, p) in &fewer {
        assert_eq!(before.get(id), Some(p), "{id} moved");
    }
}

#[test]
fn regions_choose_the_load_balancer_log_writer_and_where_cloudfront_delivers() {
    let alb = std::fs::read_to_string("tests/variants/microservices-alb.yaml").unwrap();
    // A Region opened after August 2022 (Spain): the log-delivery service.
    let spain = alb
        .replace("region: us-east-1", "region: eu-south-2")
        .replace("arn:aws:acm:us-east-1", "arn:aws:acm:eu-south-2");
    let doc = synth_named("microservices", "spain", &spain)
        .expansion
        .stacks[0]
        .template
        .to_json();
    let policy = doc["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"].to_string();
    assert!(
        policy.contains("logdelivery.elasticloadbalancing.amazonaws.com"),
        "{policy}"
    );
    assert!(!policy.contains(":root"), "{policy}");
    // N. Virginia: Elastic Load Balancing's account there.
    let doc = synth_named("microservices", "alb", &alb).expansion.stacks[0]
        .template
        .to_json();
    let policy = doc["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"].to_string();
    assert!(policy.contains("iam::127311923021:root"), "{policy}");
    // CloudFront does not deliver standard logs to buckets in af-south-1.
    let offload = "blueprint: update-offload\nstack_name: upd\nregion: af-south-1\n";
    let s = synth_named("update-offload", "cape town", offload);
    let doc = s.expansion.stacks[0].template.to_json();
    for (id, r) in of_type(&doc, "AWS::CloudFront::Distribution") {
        assert!(
            r["Properties"]["DistributionConfig"]
                .get("Logging")
                .is_none(),
            "{id}"
        );
        assert!(skips(r)["CKV_AWS_86"].contains("af-south-1"), "{id}");
    }
}

/// Every template of a tree by path: `(path, JSON)`.
fn by_path(t: &Template) -> BTreeMap<String, Value> {
    let mut docs = Vec::new();
    tree(t, "", &mut docs);
    docs.into_iter().map(|(p, d, _)| (p, d)).collect()
}

/// Asserts that going from `old` to `new` only adds and modifies (the
/// create-only properties of the resource schemas say no replacement).
fn no_replacement(name: &str, old: &Template, new: &Template) {
    let (old, new) = (by_path(old), by_path(new));
    for (path, doc) in &new {
        let diff = blueprint::diff::compute(old.get(path), doc);
        for r in &diff.resources {
            assert!(
                matches!(r.impact, Impact::Add | Impact::Modify),
                "{name}: {path}{} {:?} {:?}",
                r.logical_id,
                r.impact,
                r.reasons
            );
        }
    }
}

#[test]
fn turning_logs_on_and_changing_the_retention_replace_and_remove_nothing() {
    let mut projects: Vec<(String, &str, String)> = BLUEPRINTS
        .iter()
        .map(|b| {
            let text = blueprint::blueprints::find(b)
                .unwrap()
                .defaults()
                .unwrap()
                .text;
            (b.to_string(), *b, text)
        })
        .collect();
    for v in [
        "microservices-alb",
        "microservices-every-input",
        "update-offload-demo-origin",
    ] {
        let text = std::fs::read_to_string(format!("tests/variants/{v}.yaml")).unwrap();
        let blueprint = if v.starts_with("update") {
            "update-offload"
        } else {
            "microservices"
        };
        projects.push((v.to_string(), blueprint, text));
    }
    for (name, blueprint, text) in projects {
        let with = |security: &str| -> String {
            let base = match text.split_once("\n  security:\n") {
                // Drop the documented security block: ours follows.
                Some((head, tail)) => {
                    let rest: String = tail
                        .lines()
                        .skip_while(|l| {
                            l.starts_with("    ")
                                || l.trim().is_empty()
                                || l.trim_start().starts_with('#')
                        })
                        .map(|l| format!("{l}\n"))
                        .collect();
                    format!("{head}\n{rest}")
                }
                None => text.clone(),
            };
            if base.contains("\noptions:\n") {
                base.replacen("\noptions:\n", &format!("\noptions:\n{security}"), 1)
            } else {
                format!("{base}\noptions:\n{security}")
            }
        };
        let off = with("  security:\n    access_logs:\n      enabled: false\n");
        let on = with("  security:\n    access_logs:\n      enabled: true\n");
        let short = with("  security:\n    access_logs:\n      retention_days: 7\n");
        let t_off = synth_named(blueprint, &name, &off);
        let t_on = synth_named(blueprint, &name, &on);
        let t_short = synth_named(blueprint, &name, &short);
        for i in 0..t_on.expansion.stacks.len() {
            let (a, b, c) = (
                &t_off.expansion.stacks[i].template,
                &t_on.expansion.stacks[i].template,
                &t_short.expansion.stacks[i].template,
            );
            // The comparison is between logs off and on indeed.
            if name != "conference" && b.resource("LogBucket").is_some() {
                assert!(a.resource("LogBucket").is_none(), "{name}");
            }
            no_replacement(&format!("{name} on"), a, b);
            no_replacement(&format!("{name} retention"), b, c);
            // The retention changes only the log bucket's lifecycle.
            let (jb, jc) = (b.to_json(), c.to_json());
            let changed: Vec<&String> = jc["Resources"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(id, r)| jb["Resources"][id.as_str()] != **r)
                .map(|(id, _)| id)
                .collect();
            assert!(
                changed.iter().all(|id| *id == "LogBucket"),
                "{name}: {changed:?}"
            );
        }
    }
}
