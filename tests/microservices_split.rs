//! MICRO-5: a microservices project with hundreds of services is split into
//! nested stacks that each stay under CloudFormation's limits, the same way
//! every time, and adding a service never moves an existing one.

use std::collections::BTreeSet;

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::check::{MAX_BODY_S3, MAX_OUTPUTS, MAX_PARAMETERS, MAX_RESOURCES};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};

/// A project with `n` services of mixed shapes (as scripts/gen-microservices
/// writes it): a table and three routes each, a queue fed by a topic every
/// 3rd, S3 triggers every 10th.
fn project(n: usize) -> String {
    let mut s = String::from(
        "blueprint: microservices\nstack_name: services\nregion: us-east-1\noptions:\n  services:\n",
    );
    for i in 1..=n {
        s.push_str(&format!(
            "    - name: svc{i:04}\n      code: orders\n      table: true\n      routes:\n        - {{method: GET, path: \"/\"}}\n        - {{method: POST, path: \"/\"}}\n        - {{method: GET, path: \"/{{id}}\"}}\n"
        ));
        if i % 3 == 0 {
            s.push_str("      inputs:\n        queue: {}\n        topic: {}\n");
        } else if i % 10 == 0 {
            s.push_str("      inputs:\n        bucket: {prefix: incoming/}\n");
        }
    }
    s
}

fn synth(n: usize, format: Format) -> Synthesized {
    let bp = find("microservices").unwrap();
    let source = Source {
        name: format!("services-{n}.yaml"),
        text: project(n),
    };
    let code = CodeSource::BuiltIn {
        blueprint: "microservices".into(),
    };
    synthesize(bp, &source, &code, &Overrides::default(), format).unwrap()
}

/// Every resource as (the path of the stack holding it, logical ID, type).
fn placement(s: &Synthesized) -> BTreeSet<(String, String, String)> {
    fn walk(
        path: &str,
        t: &blueprint::cfn::Template,
        out: &mut BTreeSet<(String, String, String)>,
    ) {
        for r in t.resources() {
            out.insert((path.to_string(), r.id().to_string(), r.kind().to_string()));
            if let Some(child) = t.nested_template(r.id().as_str()) {
                walk(&format!("{path}/{}", r.id()), child, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for st in &s.expansion.stacks {
        walk(&st.stack_name, &st.template, &mut out);
    }
    out
}

fn assert_within_limits(s: &Synthesized) {
    fn walk(path: &str, t: &blueprint::cfn::Template) {
        assert!(
            t.resources().len() <= MAX_RESOURCES,
            "{path}: {} resources",
            t.resources().len()
        );
        assert!(t.parameters.len() <= MAX_PARAMETERS, "{path}");
        assert!(t.outputs.len() <= MAX_OUTPUTS, "{path}");
        for (id, child) in t.nested() {
            walk(&format!("{path}/{id}"), child);
        }
    }
    for st in &s.expansion.stacks {
        walk(&st.stack_name, &st.template);
    }
    for t in &s.templates {
        assert!(t.body.len() <= MAX_BODY_S3, "{}", t.stack_name);
    }
    for n in &s.nested {
        assert!(n.body.len() <= MAX_BODY_S3, "{}", n.path);
    }
}

#[test]
fn ten_services_need_no_split() {
    let s = synth(10, Format::Yaml);
    assert!(s.splits.is_empty());
    assert_eq!(s.nested.len(), 10);
    assert_within_limits(&s);
    // One package for ten services with the same code.
    assert_eq!(s.expansion.packages.len(), 1);
}

#[test]
fn a_thousand_services_split_into_overflow_stacks_within_every_limit() {
    let s = synth(1000, Format::Json);
    assert_within_limits(&s);
    assert_eq!(s.splits.len(), 1);
    let split = &s.splits[0];
    assert_eq!(split.path, "services");
    let units: usize = split.kept_units + split.overflow.iter().map(|o| o.1).sum::<usize>();
    assert_eq!(units, 1000);
    assert!(split.overflow.len() >= 2, "{split:?}");
    // Every service is a nested stack, under the root or an overflow stack.
    let services = s
        .nested
        .iter()
        .filter(|n| n.path.ends_with("Service"))
        .count();
    assert_eq!(services, 1000);
    let root = &s.expansion.stacks[0].template;
    for (id, _, _) in &split.overflow {
        let r = root.resource(id).unwrap();
        assert_eq!(r.kind(), "AWS::CloudFormation::Stack");
        assert!(r.requirements().contains(&"MICRO-5"));
        let url = r.properties["TemplateURL"]["Fn::Sub"].as_str().unwrap();
        assert!(url.starts_with("https://${AssetsBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"));
        assert!(url.ends_with(".template.json"), "{url}");
    }
    // The deployment waits for the overflow stacks (their methods).
    let deployment = root
        .resources()
        .find(|r| r.kind() == "AWS::ApiGateway::Deployment")
        .unwrap();
    for (id, _, _) in &split.overflow {
        assert!(deployment.depends_on.iter().any(|d| d.as_str() == id));
    }
}

#[test]
fn the_split_is_deterministic() {
    let a = synth(600, Format::Yaml);
    let b = synth(600, Format::Yaml);
    assert_eq!(a.splits, b.splits);
    assert_eq!(a.templates[0].body, b.templates[0].body);
    let keys = |s: &Synthesized| s.nested.iter().map(|n| n.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&a), keys(&b));
}

/// Adding a service leaves every existing resource in the same stack with
/// the same logical ID: below the split, where the split starts, and past it.
/// The API deployment is the one exception by design: a new route set is a
/// new deployment (a new logical ID), which the stage then points at.
#[test]
fn adding_a_service_moves_no_existing_resource() {
    for n in [10, 424, 999] {
        let (a, b) = (synth(n, Format::Yaml), synth(n + 1, Format::Yaml));
        // Every existing service's template is byte for byte the same.
        for old in a.nested.iter().filter(|x| x.path.ends_with("Service")) {
            let new = b.nested.iter().find(|x| x.path == old.path);
            assert_eq!(new.map(|x| &x.key), Some(&old.key), "n = {n}: {}", old.path);
        }
        let before = placement(&a);
        let after = placement(&b);
        let moved: Vec<_> = before
            .difference(&after)
            .filter(|(_, _, kind)| kind != "AWS::ApiGateway::Deployment")
            .collect();
        assert!(moved.is_empty(), "n = {n}: {moved:?}");
        let added = after.difference(&before).count();
        assert!(added >= 10, "n = {n}: service {} added {added}", n + 1);
    }
}

#[test]
fn the_first_overflow_starts_where_the_root_is_full() {
    let full = synth(424, Format::Yaml);
    assert!(full.splits.is_empty(), "{:?}", full.splits);
    let over = synth(425, Format::Yaml);
    assert_eq!(over.splits.len(), 1);
    assert_eq!(over.splits[0].kept_units, 424);
    assert_eq!(over.splits[0].overflow, [("Overflow1".to_string(), 1, 1)]);
    assert!(over
        .nested
        .iter()
        .any(|n| n.path == "services/Overflow1/Svc0425Service"));
}
