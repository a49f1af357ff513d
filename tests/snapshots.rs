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

/// Every blueprint's built-in defaults, in YAML and JSON, and every project file
/// in tests/variants/ (the documented option variants; scripts/test runs
/// cfn-lint over the same set): one test each, so that one mismatch does not
/// hide the others. `every_blueprint_has_its_defaults_tested` and
/// `every_variant_file_has_a_test` fail when a blueprint or a file in
/// tests/variants/ is missing from the lists below.
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

/// The project file tests/variants/`stem`.yaml.
fn variant_matches_its_snapshots(stem: &str) {
    let path = std::path::Path::new("tests/variants").join(format!("{stem}.yaml"));
    let source = Source {
        name: path.display().to_string(),
        text: std::fs::read_to_string(&path).unwrap(),
    };
    let bp = find(&blueprint::config::blueprint_name(&source).unwrap()).unwrap();
    let code = CodeSource::BuiltIn {
        blueprint: bp.name().into(),
    };
    let s = synthesize(bp, &source, &code, &Overrides::default(), Format::Yaml)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for t in &s.templates {
        snapshot!(format!("{stem}-{}", t.stack_name), t.body);
    }
    for n in &s.nested {
        snapshot!(format!("{stem}-{}", n.path.replace('/', "-")), n.body);
    }
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

/// `variant::STEM`, one test per file in tests/variants/.
macro_rules! variants {
    ($($test:ident => $stem:literal,)*) => {
        mod variant {
            $(#[test]
            fn $test() {
                super::variant_matches_its_snapshots($stem);
            })*
        }
        const VARIANTS: &[&str] = &[$($stem),*];
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

variants! {
    blog_access_logs_off => "blog-access-logs-off",
    blog_domain_eu_west_1 => "blog-domain-eu-west-1",
    blog_domain_us_east_1 => "blog-domain-us-east-1",
    blog_flow => "blog-flow",
    blog_flow_express => "blog-flow-express",
    blog_global_dax => "blog-global-dax",
    blog_http_api => "blog-http-api",
    blog_lambda_options => "blog-lambda-options",
    blog_notifications => "blog-notifications",
    blog_public_uploads => "blog-public-uploads",
    blog_throwaway => "blog-throwaway",
    blog_usage_plan => "blog-usage-plan",
    blog_waf => "blog-waf",
    chat_iam => "chat-iam",
    chat_lambda_tracing => "chat-lambda-tracing",
    chat_open => "chat-open",
    conference_api_domain => "conference-api-domain",
    conference_domain_ap_northeast_2 => "conference-domain-ap-northeast-2",
    conference_domain_us_east_1 => "conference-domain-us-east-1",
    conference_flow => "conference-flow",
    conference_flow_express => "conference-flow-express",
    conference_http_api => "conference-http-api",
    conference_lambda_deploy => "conference-lambda-deploy",
    conference_throwaway => "conference-throwaway",
    conference_tuned => "conference-tuned",
    event_pipeline_big_batches => "event-pipeline-big-batches",
    event_pipeline_buffer_none => "event-pipeline-buffer-none",
    event_pipeline_lambda_async_sns => "event-pipeline-lambda-async-sns",
    microservices_1_service => "microservices-1-service",
    microservices_3_services => "microservices-3-services",
    microservices_alb => "microservices-alb",
    microservices_alb_logs_30 => "microservices-alb-logs-30",
    microservices_alb_oidc => "microservices-alb-oidc",
    microservices_alb_waf => "microservices-alb-waf",
    microservices_customer_keys => "microservices-customer-keys",
    microservices_every_input => "microservices-every-input",
    microservices_http_api => "microservices-http-api",
    microservices_lambda_vpc_deploy => "microservices-lambda-vpc-deploy",
    microservices_private_api => "microservices-private-api",
    microservices_schemas => "microservices-schemas",
    todo_cache_api => "todo-cache-api",
    todo_cache_dax => "todo-cache-dax",
    todo_customer_keys => "todo-customer-keys",
    todo_dax_provisioned => "todo-dax-provisioned",
    todo_edge_mfa => "todo-edge-mfa",
    todo_http_api => "todo-http-api",
    todo_lambda_deploy => "todo-lambda-deploy",
    todo_lambda_vpc_existing => "todo-lambda-vpc-existing",
    todo_lambda_vpc_nat => "todo-lambda-vpc-nat",
    todo_private_api => "todo-private-api",
    todo_private_api_existing_vpc => "todo-private-api-existing-vpc",
    todo_provisioned => "todo-provisioned",
    todo_throwaway => "todo-throwaway",
    todo_usage_plan => "todo-usage-plan",
    update_offload_demo_origin => "update-offload-demo-origin",
    update_offload_demo_publisher_tuned => "update-offload-demo-publisher-tuned",
    update_offload_demo_shield_domain => "update-offload-demo-shield-domain",
    update_offload_domain_us_east_1 => "update-offload-domain-us-east-1",
    update_offload_shield_failover => "update-offload-shield-failover",
    update_offload_waf_arn_eu => "update-offload-waf-arn-eu",
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
fn every_variant_file_has_a_test() {
    let mut files: Vec<String> = std::fs::read_dir("tests/variants")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut listed: Vec<String> = VARIANTS.iter().map(|v| v.to_string()).collect();
    listed.sort();
    assert_eq!(
        files, listed,
        "add the file to `variants!` in tests/snapshots.rs"
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
