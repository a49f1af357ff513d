//! The generated templates, snapshot-tested for every documented variant of
//! the todo blueprint. A change shows up as a reviewable diff; stale
//! snapshots fail the test run.

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};

fn synth_with(options: &str, format: Format) -> Synthesized {
    let bp = find("todo").unwrap();
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!("blueprint: todo\nstack_name: todo\nregion: us-east-1\noptions:\n{options}"),
    };
    let code = CodeSource::BuiltIn {
        blueprint: "todo".into(),
    };
    synthesize(bp, &source, &code, &Overrides::default(), format).unwrap()
}

fn body(options: &str) -> String {
    synth_with(options, Format::Yaml).templates[0].body.clone()
}

#[test]
fn values_yaml_11_would_misread_are_quoted() {
    let b = body("  auth:\n    mfa: \"on\"\n");
    assert!(b.contains("MfaConfiguration: 'ON'\n"), "{b}");
}

/// Every blueprint's built-in defaults, in YAML and JSON: one test each, so
/// that one mismatch does not hide the others;
/// `every_blueprint_has_its_defaults_tested` fails when a blueprint is
/// missing from `defaults!` below.
fn defaults_match_their_snapshots(name: &str, format: Format) {
    let bp = find(name).unwrap();
    let source = bp.defaults().unwrap();
    let code = CodeSource::BuiltIn {
        blueprint: bp.name().into(),
    };
    let s = synthesize(bp, &source, &code, &Overrides::default(), format).unwrap();
    for t in &s.templates {
        let name = if s.templates.len() == 1 {
            format!("{}-defaults-{}", bp.name(), format.extension())
        } else {
            format!(
                "{}-defaults-{}-{}",
                bp.name(),
                t.stack_name,
                format.extension()
            )
        };
        snapshot!(name, t.body);
    }
    // Nested stack templates, named by their path (stack/LogicalId).
    for n in &s.nested {
        let name = format!(
            "{}-defaults-{}-{}",
            bp.name(),
            format.extension(),
            n.path.replace('/', "-")
        );
        snapshot!(name, n.body);
    }
}

/// Every project file in tests/variants/ (the documented option variants;
/// scripts/test runs cfn-lint over the same set), found by `insta::glob!`:
/// a new file needs no code. Each template is snapshotted as
/// `snapshots__STEM-STACK.snap` (nested ones `STEM-STACK-LogicalId`); a
/// mismatch does not stop the others (insta collects the failures of a glob
/// and fails the test once at the end, naming each), and neither does a
/// variant that fails to synthesize. Run some with
/// `INSTA_GLOB_FILTER='todo-*' cargo test --test suite snapshots::every_variant`.
#[test]
fn every_variant_matches_its_snapshots() {
    let mut errors = Vec::new();
    insta::glob!("variants/*.yaml", |path| {
        // The names these snapshots have always had: no `@FILE` suffix and
        // no `input_file` in the header (each name starts with the stem).
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.remove_input_file();
        settings.bind(|| {
            if let Err(e) = variant_matches_its_snapshots(path) {
                eprintln!("{e}");
                errors.push(e);
            }
        });
    });
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Snapshots the templates of the project file at `path`; an error names
/// the file.
fn variant_matches_its_snapshots(path: &std::path::Path) -> Result<(), String> {
    let stem = path.file_stem().unwrap().to_string_lossy();
    let name = format!("tests/variants/{stem}.yaml");
    let source = Source {
        name: name.clone(),
        text: std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?,
    };
    let bp = blueprint::config::blueprint_name(&source)
        .ok()
        .and_then(|n| find(&n).ok())
        .ok_or_else(|| format!("{name}: no known blueprint"))?;
    let code = CodeSource::BuiltIn {
        blueprint: bp.name().into(),
    };
    let s = synthesize(bp, &source, &code, &Overrides::default(), Format::Yaml)
        .map_err(|e| format!("{name}: {e}"))?;
    for (t, stack) in s.templates.iter().zip(&s.expansion.stacks) {
        snapshot!(format!("{stem}-{}", t.stack_name), t.body);
        // YAML is written straight from the typed template: it reads back
        // as the template's JSON document (an enum serde would write as a
        // YAML tag, `!Service`, would not).
        let back: serde_json::Value =
            serde_norway::from_str(&t.body).map_err(|e| format!("{name}: {e}"))?;
        if back != stack.template.to_json() {
            return Err(format!(
                "{name}: {} does not read back as its JSON document",
                t.file_name
            ));
        }
    }
    for n in &s.nested {
        snapshot!(format!("{stem}-{}", n.path.replace('/', "-")), n.body);
    }
    Ok(())
}

/// `defaults::BLUEPRINT::{yaml, json}`, one test each.
macro_rules! defaults {
    ($($module:ident => $name:literal,)*) => {
        mod defaults {
            $(mod $module {
                #[test]
                fn yaml() {
                    super::super::defaults_match_their_snapshots($name, blueprint::render::Format::Yaml);
                }
                #[test]
                fn json() {
                    super::super::defaults_match_their_snapshots($name, blueprint::render::Format::Json);
                }
            })*
        }
        const BLUEPRINTS: &[&str] = &[$($name),*];
    };
}

defaults! {
    blog => "blog",
    chat => "chat",
    conference => "conference",
    event_pipeline => "event-pipeline",
    microservices => "microservices",
    todo => "todo",
    update_offload => "update-offload",
}

#[test]
fn every_blueprint_has_its_defaults_tested() {
    let mut all: Vec<&str> = blueprint::blueprints::ALL
        .iter()
        .map(|b| b.name())
        .collect();
    all.sort();
    let mut listed = BLUEPRINTS.to_vec();
    listed.sort();
    assert_eq!(
        all, listed,
        "add the blueprint to `defaults!` in tests/snapshots.rs"
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    for options in ["  cache: none\n", "  cache: api\n", "  cache: dax\n"] {
        let a = synth_with(options, Format::Yaml);
        let b = synth_with(options, Format::Yaml);
        assert_eq!(a.templates[0].body, b.templates[0].body);
        assert_eq!(a.expansion.packages, b.expansion.packages);
    }
}

#[test]
fn stateful_resources_are_retained_by_default() {
    let s = synth_with("  cache: dax\n", Format::Yaml);
    let t = &s.expansion.stacks[0].template;
    for id in ["TodoTable", "UserFilesBucket", "UsersPool"] {
        let r = t.resource(id).unwrap();
        let doc = t.to_json();
        assert_eq!(doc["Resources"][id]["DeletionPolicy"], "Retain", "{id}");
        assert_eq!(
            doc["Resources"][id]["UpdateReplacePolicy"], "Retain",
            "{id}"
        );
        assert!(!r.requirements().is_empty());
    }
    // Opting out per resource.
    let s = synth_with("  retain:\n    table: false\n", Format::Yaml);
    let doc = s.expansion.stacks[0].template.to_json();
    assert_eq!(doc["Resources"]["TodoTable"]["DeletionPolicy"], "Delete");
    assert_eq!(
        doc["Resources"]["UserFilesBucket"]["DeletionPolicy"],
        "Retain"
    );
}

#[test]
fn no_iam_statement_allows_every_action() {
    for options in ["  cache: none\n", "  cache: dax\n"] {
        let body = body(options);
        assert!(!body.contains("Action: '*'"), "{body}");
        // The only wildcard principal is in deny or endpoint-scoped statements.
        let doc: serde_json::Value = serde_norway::from_str(&body).unwrap();
        for (id, r) in doc["Resources"].as_object().unwrap() {
            let text = r.to_string();
            assert!(!text.contains("\"Action\":[\"*\"]"), "{id}");
            assert!(!text.contains("\"Action\":\"*\""), "{id}");
        }
    }
}

#[test]
fn the_identity_role_is_limited_to_the_callers_prefix() {
    let doc = synth_with("", Format::Yaml).expansion.stacks[0]
        .template
        .to_json();
    let statements = &doc["Resources"]["UsersAuthenticatedRole"]["Properties"]["Policies"][0]
        ["PolicyDocument"]["Statement"];
    assert_eq!(
        statements[0]["Resource"][0]["Fn::Sub"],
        "${UserFilesBucket.Arn}/${!cognito-identity.amazonaws.com:sub}/*"
    );
    assert_eq!(
        statements[1]["Condition"]["StringLike"]["s3:prefix"][0],
        "${cognito-identity.amazonaws.com:sub}/*"
    );
    let trust = &doc["Resources"]["UsersAuthenticatedRole"]["Properties"]
        ["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Action"][0], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        trust["Condition"]["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"][0],
        "authenticated"
    );
}

#[test]
fn every_method_uses_the_cognito_authorizer() {
    let doc = synth_with("", Format::Yaml).expansion.stacks[0]
        .template
        .to_json();
    let methods: Vec<_> = doc["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::ApiGateway::Method")
        .collect();
    assert_eq!(methods.len(), 7);
    for m in methods {
        assert_eq!(m["Properties"]["AuthorizationType"], "COGNITO_USER_POOLS");
        assert_eq!(m["Properties"]["AuthorizerId"]["Ref"], "ApiAuthorizer");
    }
}

#[test]
fn dax_puts_the_function_in_the_vpc_with_a_gateway_endpoint() {
    let doc = synth_with("  cache: dax\n", Format::Yaml).expansion.stacks[0]
        .template
        .to_json();
    let f = &doc["Resources"]["ApiFunction"]["Properties"];
    assert_eq!(f["VpcConfig"]["SubnetIds"].as_array().unwrap().len(), 2);
    assert_eq!(
        f["Environment"]["Variables"]["DAX_ENDPOINT"]["Fn::GetAtt"][0],
        "DaxCluster"
    );
    assert_eq!(
        doc["Resources"]["NetworkDynamoDbEndpoint"]["Properties"]["VpcEndpointType"],
        "Gateway"
    );
    assert_eq!(
        doc["Resources"]["DaxCluster"]["Properties"]["SSESpecification"]["SSEEnabled"],
        true
    );
    let none = synth_with("  cache: none\n", Format::Yaml).expansion.stacks[0]
        .template
        .to_json();
    assert!(none["Resources"].get("DaxCluster").is_none());
    assert!(none["Resources"]["ApiFunction"]["Properties"]
        .get("VpcConfig")
        .is_none());
}

#[test]
fn a_route_change_gives_a_new_deployment_id() {
    let doc = synth_with("", Format::Yaml).expansion.stacks[0]
        .template
        .to_json();
    let deployments: Vec<&String> = doc["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("ApiDeployment"))
        .collect();
    assert_eq!(deployments.len(), 1);
    assert_eq!(
        doc["Resources"]["ApiStage"]["Properties"]["DeploymentId"]["Ref"],
        deployments[0].as_str()
    );
}
