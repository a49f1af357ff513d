//! `options.lambda`, the options every Lambda blueprint shares (FN-TRACE,
//! FN-LIMITS, FN-CONCURRENCY, FN-DEPLOY, FN-VPC, FN-ASYNC): the properties
//! that matter, on the generated templates, and the errors for bad values.

use assert_cmd::Command;
use serde_json::{json, Value as Json};

use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides, ALL};
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};

use crate::common::{command, input_header, of_type, run_and_format};

fn synth(blueprint: &str, head: &str, lambda: &str) -> Synthesized {
    let bp = find(blueprint).unwrap();
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!("blueprint: {blueprint}\nstack_name: t\nregion: us-east-1\noptions:\n{head}  lambda:\n{lambda}"),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    synthesize(bp, &source, &code, &Overrides::default(), Format::Json).unwrap()
}

/// The main stack's template (the last one: certificate stacks come first).
fn main(s: &Synthesized) -> Json {
    s.expansion.stacks.last().unwrap().template.to_json()
}

fn text(v: &Json) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn with_gradual_deployment_everything_invokes_the_alias() {
    let t = main(&synth(
        "todo",
        "",
        "    deploy:\n      strategy: canary10-5m\n      pre_traffic_hook: true\n",
    ));
    let alias = "ApiFunctionLive";
    assert_eq!(t["Resources"][alias]["Type"], "AWS::Lambda::Alias");
    assert_eq!(t["Resources"][alias]["Properties"]["Name"], "live");
    // Every API method integrates with the alias, never the bare function.
    let methods = of_type(&t, "AWS::ApiGateway::Method");
    assert!(!methods.is_empty());
    for (id, m) in &methods {
        let uri = text(&m["Properties"]["Integration"]["Uri"]);
        if uri != "null" {
            assert!(uri.contains("${ApiFunctionLive}"), "{id}: {uri}");
            assert!(!uri.contains("ApiFunction.Arn"), "{id}: {uri}");
        }
    }
    for (id, p) in of_type(&t, "AWS::Lambda::Permission") {
        if text(&p["Properties"]["FunctionName"]).contains("ApiFunction") {
            assert_eq!(
                p["Properties"]["FunctionName"],
                json!({"Ref": alias}),
                "{id}"
            );
        }
    }
    // The alias shifts traffic through CodeDeploy with the chosen configuration.
    let policy = &t["Resources"][alias]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"];
    assert_eq!(
        policy["ApplicationName"],
        json!({"Ref": "CodeDeployApplication"})
    );
    assert_eq!(
        policy["DeploymentGroupName"],
        json!({"Ref": "ApiFunctionDeploymentGroup"})
    );
    assert_eq!(
        policy["BeforeAllowTrafficHook"],
        json!({"Ref": "PreTrafficHookFunction"})
    );
    assert!(policy.get("AfterAllowTrafficHook").is_none());
    let group = &t["Resources"]["ApiFunctionDeploymentGroup"]["Properties"];
    assert_eq!(
        group["DeploymentConfigName"],
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    );
    assert_eq!(
        group["AlarmConfiguration"]["Alarms"],
        json!([{"Name": {"Ref": "ApiFunctionErrorsAlarm"}}, {"Name": {"Ref": "ApiFunctionThrottlesAlarm"}}])
    );
    assert_eq!(
        group["AutoRollbackConfiguration"]["Events"],
        json!(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
    );
    // The API takes a new deployment (snapshot) pointing at the alias.
    let deployments = of_type(&t, "AWS::ApiGateway::Deployment");
    assert_eq!(deployments.len(), 1);
    assert!(deployments[0].0.ends_with("Live"), "{}", deployments[0].0);
    // The hook may invoke only the tested function's versions and report to
    // this application's deployments.
    let hook_role = text(&t["Resources"]["PreTrafficHookFunctionRole"]["Properties"]["Policies"]);
    assert!(hook_role.contains("${ApiFunction.Arn}:*"), "{hook_role}");
    assert!(!hook_role.contains("\"*\""), "{hook_role}");
}

#[test]
fn every_strategy_maps_to_its_codedeploy_configuration() {
    for (strategy, config) in [
        ("all-at-once", "LambdaAllAtOnce"),
        ("canary10-5m", "LambdaCanary10Percent5Minutes"),
        ("canary10-30m", "LambdaCanary10Percent30Minutes"),
        ("linear10-every-1m", "LambdaLinear10PercentEvery1Minute"),
        ("linear10-every-3m", "LambdaLinear10PercentEvery3Minutes"),
        ("linear10-every-10m", "LambdaLinear10PercentEvery10Minutes"),
    ] {
        let t = main(&synth(
            "event-pipeline",
            "",
            &format!("    deploy: {{strategy: {strategy}}}\n"),
        ));
        assert_eq!(
            t["Resources"]["ProcessorFunctionDeploymentGroup"]["Properties"]
                ["DeploymentConfigName"],
            format!("CodeDeployDefault.{config}")
        );
        // The queue's event source mapping reads into the alias.
        assert_eq!(
            t["Resources"]["EventsQueueMapping"]["Properties"]["FunctionName"],
            json!({"Ref": "ProcessorFunctionLive"})
        );
    }
}

#[test]
fn a_changed_function_publishes_a_new_version() {
    let versions = |memory: u32| -> Vec<String> {
        let s = synth(
            "event-pipeline",
            &format!("  function:\n    memory_mb: {memory}\n"),
            "    deploy: {strategy: all-at-once}\n",
        );
        of_type(&main(&s), "AWS::Lambda::Version")
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect()
    };
    assert_eq!(versions(256), versions(256));
    assert_ne!(versions(256), versions(512));
}

#[test]
fn a_nat_gateway_only_when_asked() {
    let count = |t: &Json, kind: &str| of_type(t, kind).len();
    let none = main(&synth("todo", "", "    tracing: false\n"));
    let private = main(&synth("todo", "", "    vpc: {mode: create}\n"));
    let nat = main(&synth(
        "todo",
        "",
        "    vpc: {mode: create, nat_gateway: true}\n",
    ));
    assert_eq!(count(&none, "AWS::EC2::VPC"), 0);
    assert_eq!(count(&private, "AWS::EC2::VPC"), 1);
    assert_eq!(count(&private, "AWS::EC2::NatGateway"), 0);
    assert_eq!(count(&private, "AWS::EC2::EIP"), 0);
    assert_eq!(count(&private, "AWS::EC2::InternetGateway"), 0);
    assert_eq!(count(&nat, "AWS::EC2::NatGateway"), 1);
    assert_eq!(count(&nat, "AWS::EC2::EIP"), 1);
    for t in [&private, &nat] {
        let endpoints: Vec<String> = of_type(t, "AWS::EC2::VPCEndpoint")
            .iter()
            .map(|(_, e)| text(&e["Properties"]["ServiceName"]))
            .collect();
        assert!(
            endpoints.iter().any(|e| e.ends_with(".s3\"}")),
            "{endpoints:?}"
        );
        assert!(
            endpoints.iter().any(|e| e.ends_with(".dynamodb\"}")),
            "{endpoints:?}"
        );
        let f = &t["Resources"]["ApiFunction"]["Properties"];
        assert_eq!(f["VpcConfig"]["SubnetIds"].as_array().unwrap().len(), 2);
        // What attaching to the VPC needs, not the broad managed policy.
        let role = text(&t["Resources"]["ApiFunctionRole"]["Properties"]);
        assert!(!role.contains("AWSLambdaVPCAccessExecutionRole"), "{role}");
        assert!(role.contains("ec2:CreateNetworkInterface"), "{role}");
        assert!(role.contains(":network-interface/*"), "{role}");
    }
}

#[test]
fn nested_service_functions_read_the_vpc_through_parameters() {
    let s = synth(
        "microservices",
        "",
        "    vpc: {mode: existing, subnet_ids: [subnet-0123456789abcdef0], security_group_ids: [sg-0123456789abcdef0]}\n",
    );
    let root = main(&s);
    let stacks = of_type(&root, "AWS::CloudFormation::Stack");
    assert!(!stacks.is_empty());
    for (id, stack) in stacks {
        assert_eq!(
            stack["Properties"]["Parameters"]["FunctionSubnetIds"],
            json!({"Fn::Join": [",", ["subnet-0123456789abcdef0"]]}),
            "{id}"
        );
        let child = s.expansion.stacks[0]
            .template
            .nested_template(id)
            .unwrap()
            .to_json();
        assert_eq!(
            child["Parameters"]["FunctionSubnetIds"]["Type"],
            "List<AWS::EC2::Subnet::Id>"
        );
        assert_eq!(
            child["Resources"]["Function"]["Properties"]["VpcConfig"],
            json!({"SecurityGroupIds": [{"Ref": "FunctionSecurityGroupId"}], "SubnetIds": {"Ref": "FunctionSubnetIds"}})
        );
    }
}

#[test]
fn tracing_for_all_with_a_per_function_override() {
    let t = main(&synth(
        "chat",
        "",
        "    tracing: true\n    overrides:\n      ConnectFunction: {tracing: false, ephemeral_storage_mb: 1024}\n",
    ));
    for f in ["DisconnectFunction", "BroadcastFunction"] {
        assert_eq!(
            t["Resources"][f]["Properties"]["TracingConfig"],
            json!({"Mode": "Active"})
        );
        let role = text(&t["Resources"][format!("{f}Role")]["Properties"]["ManagedPolicyArns"]);
        assert!(role.contains("AWSXRayDaemonWriteAccess"), "{role}");
    }
    let connect = &t["Resources"]["ConnectFunction"]["Properties"];
    assert!(connect.get("TracingConfig").is_none());
    assert_eq!(connect["EphemeralStorage"], json!({"Size": 1024}));
}

#[test]
fn asynchronously_invoked_functions_get_retries_and_a_destination() {
    let t = main(&synth(
        "blog",
        "",
        "    async: {max_retry_attempts: 0, max_event_age_seconds: 120, on_failure: sns}\n",
    ));
    // S3 invokes the thumbnail function asynchronously; the API is invoked
    // synchronously and gets nothing.
    let configs = of_type(&t, "AWS::Lambda::EventInvokeConfig");
    let names: Vec<String> = configs
        .iter()
        .map(|(_, c)| text(&c["Properties"]["FunctionName"]))
        .collect();
    assert!(names.iter().all(|n| n.contains("Thumbnails")), "{names:?}");
    let (_, c) = configs[0];
    assert_eq!(c["Properties"]["MaximumRetryAttempts"], 0);
    assert_eq!(c["Properties"]["MaximumEventAgeInSeconds"], 120);
    assert_eq!(
        c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
        json!({"Ref": "FunctionFailuresTopic"})
    );
    let role = text(&t["Resources"]["ThumbnailsFunctionRole"]["Properties"]["Policies"]);
    assert!(
        role.contains("sns:Publish") && role.contains("FunctionFailuresTopic"),
        "{role}"
    );
}

#[test]
fn defaults_change_no_template() {
    for bp in ALL.iter().filter(|b| b.name() != "update-offload") {
        let code = CodeSource::BuiltIn {
            blueprint: bp.name().into(),
        };
        let src = bp.defaults().unwrap();
        let with = synthesize(*bp, &src, &code, &Overrides::default(), Format::Json).unwrap();
        // The documented defaults without the `lambda:` section.
        let cut = src.text.find("\n  lambda:\n").unwrap();
        let without = Source {
            name: src.name.clone(),
            text: src.text[..cut + 1].to_string(),
        };
        let plain = synthesize(*bp, &without, &code, &Overrides::default(), Format::Json).unwrap();
        assert_eq!(with.templates.len(), plain.templates.len(), "{}", bp.name());
        for (a, b) in with.templates.iter().zip(&plain.templates) {
            assert_eq!(a.body, b.body, "{}", bp.name());
        }
    }
}

/// `synth --stdout` with `body` as the project file, which must fail with
/// exit code 1: the file and the output go to `all`, for a snapshot.
fn cli_fails(all: &mut Vec<String>, body: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), body).unwrap();
    let (text, out) = run_and_format(
        command()
            .current_dir(dir.path())
            .args(["synth", "--stdout"]),
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    all.push(input_header("blueprint.yaml", body) + &text);
}

#[test]
fn bad_values_are_located() {
    let mut all = Vec::new();
    let head = "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  lambda:\n";
    cli_fails(&mut all, &format!("{head}    ephemeral_storage_mb: 100\n"));
    cli_fails(
        &mut all,
        &format!("{head}    deploy:\n      strategy: canary-5m\n"),
    );
    cli_fails(
        &mut all,
        &format!("{head}    async:\n      max_retry_attempts: 5\n"),
    );
    cli_fails(
        &mut all,
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  lambda: yes\n",
    );
    cli_fails(&mut all, &format!("{head}    tracng: true\n"));
    // Known only once the functions are: located at the override's key.
    cli_fails(
        &mut all,
        &format!("{head}    overrides:\n      ApiFuntion:\n        tracing: true\n"),
    );
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn combinations_refused_while_expanding_are_located_too() {
    let mut all = Vec::new();
    cli_fails(&mut all, "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: api\n  api:\n    type: http\n");
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn reserved_concurrency_of_all_functions_must_fit_the_account() {
    let mut all = Vec::new();
    let body = "blueprint: chat\nstack_name: t\nregion: us-east-1\noptions:\n  lambda:\n    reserved_concurrency: 400\n";
    cli_fails(&mut all, body);
    redacted_snapshot!(all.join("\n"));
    // With the account's real limit, it fits.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("blueprint.yaml"),
        format!("{body}    account_concurrency_limit: 2000\n"),
    )
    .unwrap();
    Command::cargo_bin("blueprint")
        .unwrap()
        .current_dir(dir.path())
        .args(["synth", "--stdout"])
        .assert()
        .success();
}
