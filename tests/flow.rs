//! FLOW: the `flow:` option of the blog and conference blueprints, read from
//! the generated templates: the state machine's role may invoke exactly the
//! flow's functions, every task has retries, a catch and a timeout, the
//! definition has Choice and Parallel states whose transitions all resolve,
//! the trigger may start only this state machine, the option is off by
//! default, and bad values are reported at file:line:col.

use std::collections::BTreeSet;

use blueprint::assets::CodeSource;
use blueprint::blueprints::find;
use blueprint::config::Source;
use blueprint::render::Format;
use blueprint::synthesis::synthesize;
use serde_json::{json, Value};

fn synth(blueprint: &str, options: &str) -> Result<Value, String> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: format!(
            "blueprint: {blueprint}\nstack_name: {blueprint}\nregion: eu-west-1\noptions:\n{options}"
        ),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Default::default(),
        Format::Yaml,
    )
    .map(|s| {
        assert_eq!(s.expansion.stacks.len(), 1);
        s.expansion.stacks[0].template.to_json()
    })
    .map_err(|e| e.to_string())
}

/// The flow of each blueprint: its state machine, the functions it must
/// invoke, and the resource that starts it.
const FLOWS: &[(&str, &str, &[&str], &str)] = &[
    (
        "blog",
        "ThumbnailsFlow",
        &["ThumbnailsFunction", "PhotoMetadataFunction"],
        "ThumbnailsFlowTriggerRole",
    ),
    (
        "conference",
        "CertificateFlow",
        &["CertificateFunction", "BadgeFunction"],
        "StartFlowFunctionRole",
    ),
];

const STANDARD: &str = "  flow:\n    enabled: true\n    timeout_seconds: 600\n    task_timeout_seconds: 45\n    retry:\n      max_attempts: 4\n      interval_seconds: 3\n      backoff_rate: 1.5\n";
const EXPRESS: &str =
    "  flow:\n    enabled: true\n    type: express\n    timeout_seconds: 120\n    tracing: true\n";

fn statements(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap().clone())
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

#[test]
fn the_state_machine_role_may_invoke_exactly_the_flows_functions() {
    // Actions that have no resource-level permissions in IAM: the only ones
    // allowed on `*` (log delivery always, X-Ray when tracing is on).
    let unscoped: BTreeSet<&str> = [
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ]
    .into();
    for (blueprint, machine, functions, _) in FLOWS {
        for options in [STANDARD, EXPRESS] {
            let d = synth(blueprint, options).unwrap();
            let role_id = format!("{machine}Role");
            let role = &d["Resources"][&role_id];
            assert_eq!(role["Type"], "AWS::IAM::Role");
            assert_eq!(
                d["Resources"][machine]["Properties"]["RoleArn"],
                json!({"Fn::GetAtt": [role_id, "Arn"]})
            );
            assert_eq!(
                role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
                json!({"Service": ["states.amazonaws.com"]})
            );
            assert!(role["Properties"].get("ManagedPolicyArns").is_none());
            let mut invoked = Vec::new();
            for s in statements(role) {
                assert_eq!(s["Effect"], "Allow");
                let actions = strings(&s["Action"]);
                for a in &actions {
                    assert!(!a.contains('*'), "{blueprint}: {a}");
                }
                let resources = s["Resource"].as_array().unwrap();
                if resources.iter().any(|r| r == "*") {
                    assert_eq!(resources.len(), 1);
                    for a in &actions {
                        assert!(unscoped.contains(a), "{blueprint}: {a} on *");
                    }
                    continue;
                }
                for a in &actions {
                    assert!(a.starts_with("lambda:"), "{blueprint}: {a}");
                }
                assert_eq!(actions, ["lambda:InvokeFunction"]);
                invoked.extend(resources.iter().cloned());
            }
            // Each function, and its versions and aliases: nothing else.
            let expected: Vec<Value> = functions
                .iter()
                .flat_map(|f| {
                    [
                        json!({"Fn::GetAtt": [f, "Arn"]}),
                        json!({"Fn::Sub": format!("${{{f}.Arn}}:*")}),
                    ]
                })
                .collect();
            assert_eq!(invoked, expected, "{blueprint}");
            // The definition reaches exactly these functions.
            let subs = d["Resources"][machine]["Properties"]["DefinitionSubstitutions"]
                .as_object()
                .unwrap();
            let substituted: Vec<Value> = subs.values().cloned().collect();
            let arns: Vec<Value> = functions
                .iter()
                .map(|f| json!({"Fn::GetAtt": [f, "Arn"]}))
                .collect();
            assert_eq!(substituted, arns);
            let tracing = options.contains("tracing: true");
            let xray = statements(role)
                .iter()
                .any(|s| strings(&s["Action"]).iter().any(|a| a.starts_with("xray:")));
            assert_eq!(xray, tracing, "{blueprint}");
        }
    }
}

/// Every state of a definition (or branch), branches included, as
/// (scope's state names, state name, state).
fn walk<'a>(scope: &'a Value, out: &mut Vec<(BTreeSet<String>, String, &'a Value)>) {
    let states = scope["States"].as_object().unwrap();
    let names: BTreeSet<String> = states.keys().cloned().collect();
    assert!(names.contains(scope["StartAt"].as_str().unwrap()));
    for (name, state) in states {
        out.push((names.clone(), name.clone(), state));
        if let Some(branches) = state["Branches"].as_array() {
            for b in branches {
                walk(b, out);
            }
        }
    }
}

#[test]
fn every_task_has_retry_catch_and_timeout_and_every_transition_resolves() {
    for (blueprint, machine, functions, _) in FLOWS {
        let d = synth(blueprint, STANDARD).unwrap();
        let sm = &d["Resources"][machine]["Properties"];
        assert_eq!(sm["StateMachineType"], "STANDARD");
        let definition = &sm["Definition"];
        assert_eq!(definition["TimeoutSeconds"], 600);
        let mut all = Vec::new();
        walk(definition, &mut all);
        let mut types = BTreeSet::new();
        let mut called = Vec::new();
        for (scope, name, state) in &all {
            let kind = state["Type"].as_str().unwrap();
            types.insert(kind);
            let mut targets: Vec<&str> = Vec::new();
            targets.extend(state["Next"].as_str());
            targets.extend(state["Default"].as_str());
            for c in state["Choices"].as_array().into_iter().flatten() {
                targets.push(c["Next"].as_str().unwrap());
            }
            for c in state["Catch"].as_array().into_iter().flatten() {
                targets.push(c["Next"].as_str().unwrap());
            }
            for t in targets {
                assert!(scope.contains(t), "{blueprint}: {name} -> {t}");
            }
            if kind != "Task" {
                continue;
            }
            assert_eq!(state["Resource"], "arn:aws:states:::lambda:invoke");
            assert_eq!(state["TimeoutSeconds"], 45, "{blueprint}: {name}");
            let retry = state["Retry"].as_array().unwrap();
            assert_eq!(retry.len(), 1, "{blueprint}: {name}");
            assert_eq!(retry[0]["MaxAttempts"], 4);
            assert_eq!(retry[0]["IntervalSeconds"], 3);
            assert_eq!(retry[0]["BackoffRate"], 1.5);
            let errors = strings(&retry[0]["ErrorEquals"]);
            for e in [
                "Lambda.ServiceException",
                "Lambda.TooManyRequestsException",
                "States.Timeout",
            ] {
                assert!(
                    errors.contains(&e),
                    "{blueprint}: {name} does not retry {e}"
                );
            }
            let catch = state["Catch"].as_array().unwrap();
            assert_eq!(strings(&catch[0]["ErrorEquals"]), ["States.ALL"]);
            let handler = catch[0]["Next"].as_str().unwrap();
            let handler_state = all
                .iter()
                .find(|(s, n, _)| n == handler && s == scope)
                .unwrap()
                .2;
            assert_eq!(handler_state["Type"], "Fail", "{blueprint}: {handler}");
            let var = state["Parameters"]["FunctionName"].as_str().unwrap();
            let var = var.strip_prefix("${").unwrap().strip_suffix('}').unwrap();
            called.push(sm["DefinitionSubstitutions"][var].clone());
        }
        assert!(types.contains("Parallel"), "{blueprint}: {types:?}");
        assert!(types.contains("Choice"), "{blueprint}: {types:?}");
        // Every function of the flow is a task, once.
        let expected: Vec<Value> = functions
            .iter()
            .map(|f| json!({"Fn::GetAtt": [f, "Arn"]}))
            .collect();
        assert_eq!(called, expected, "{blueprint}");
        // The Parallel state itself is caught too.
        let parallel = all
            .iter()
            .find(|(_, _, s)| s["Type"] == "Parallel")
            .unwrap();
        assert_eq!(parallel.2["Catch"][0]["ErrorEquals"], json!(["States.ALL"]));
    }
}

#[test]
fn executions_are_logged_with_retention_and_express_flows_log_everything() {
    for (blueprint, machine, _, _) in FLOWS {
        for (options, kind, level, tracing) in [
            (STANDARD, "STANDARD", "ERROR", false),
            (EXPRESS, "EXPRESS", "ALL", true),
        ] {
            let d = synth(blueprint, options).unwrap();
            let sm = &d["Resources"][machine]["Properties"];
            assert_eq!(sm["StateMachineType"], kind);
            let logging = &sm["LoggingConfiguration"];
            assert_eq!(logging["Level"], level);
            assert_eq!(logging["IncludeExecutionData"], false);
            let group = format!("{machine}LogGroup");
            assert_eq!(
                logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"],
                json!({"Fn::GetAtt": [group, "Arn"]})
            );
            assert_eq!(d["Resources"][&group]["Properties"]["RetentionInDays"], 30);
            assert_eq!(
                sm.get("TracingConfiguration").is_some(),
                tracing,
                "{blueprint}"
            );
            // Every new resource is listed under FLOW.
            for id in [machine.to_string(), format!("{machine}Role"), group] {
                let reqs = &d["Resources"][&id]["Metadata"]["BlueprintRequirements"];
                assert!(
                    reqs.as_array().unwrap().contains(&json!("FLOW")),
                    "{blueprint}: {id}"
                );
            }
        }
    }
}

#[test]
fn the_trigger_may_start_only_this_state_machine() {
    for (blueprint, machine, _, trigger_role) in FLOWS {
        let d = synth(blueprint, STANDARD).unwrap();
        let role = &d["Resources"][trigger_role];
        let starts: Vec<Value> = statements(role)
            .into_iter()
            .filter(|s| {
                strings(&s["Action"])
                    .iter()
                    .any(|a| a.starts_with("states:"))
            })
            .collect();
        assert_eq!(starts.len(), 1, "{blueprint}");
        assert_eq!(strings(&starts[0]["Action"]), ["states:StartExecution"]);
        assert_eq!(starts[0]["Resource"], json!([{"Ref": machine}]));
    }
    // blog: S3 -> EventBridge -> the state machine; no direct Lambda trigger.
    let d = synth("blog", STANDARD).unwrap();
    let bucket = &d["Resources"]["UploadsBucket"]["Properties"]["NotificationConfiguration"];
    assert_eq!(
        bucket,
        &json!({"EventBridgeConfiguration": {"EventBridgeEnabled": true}})
    );
    assert!(d["Resources"].get("ThumbnailsInvokedByUploads").is_none());
    let rule = &d["Resources"]["ThumbnailsFlowTrigger"]["Properties"];
    assert_eq!(rule["EventPattern"]["source"], json!(["aws.s3"]));
    assert_eq!(
        rule["EventPattern"]["detail"]["object"]["key"],
        json!([{"prefix": "uploads/"}])
    );
    assert_eq!(rule["Targets"][0]["Arn"], json!({"Ref": "ThumbnailsFlow"}));
    // conference: the topic now reaches the starter, not the certificate function.
    let d = synth("conference", STANDARD).unwrap();
    let subscription = &d["Resources"]["StartFlowSubscription"]["Properties"];
    assert_eq!(
        subscription["Endpoint"],
        json!({"Fn::GetAtt": ["StartFlowFunction", "Arn"]})
    );
    assert!(d["Resources"].get("CertificateSubscription").is_none());
}

#[test]
fn the_flow_is_off_by_default() {
    for (blueprint, _, _, _) in FLOWS {
        let d = synth(
            blueprint,
            "  flow:\n    enabled: false\n    type: express\n",
        )
        .unwrap();
        assert_eq!(d, synth(blueprint, "  {}\n").unwrap());
        let text = d.to_string();
        assert!(!text.contains("AWS::StepFunctions"), "{blueprint}");
        assert!(!text.contains("\"FLOW\""), "{blueprint}");
    }
}

#[test]
fn bad_values_are_reported_at_file_line_col() {
    let head = "  flow:\n    enabled: true\n";
    for (options, expected) in [
        (
            "    type: express\n    timeout_seconds: 600\n",
            "blueprint.yaml:8:22: options.flow.timeout_seconds: 600 is longer than an express workflow may run (at most 300 seconds); use `type: standard` or a shorter timeout",
        ),
        (
            "    timeout_seconds: 100\n    task_timeout_seconds: 200\n",
            "blueprint.yaml:8:27: options.flow.task_timeout_seconds: 200 is longer than the whole execution may run (timeout_seconds: 100)",
        ),
        (
            "    timeout_seconds: 31536001\n",
            "blueprint.yaml:7:22: options.flow.timeout_seconds: expected a whole number from 1 to 31536000, found 31536001",
        ),
        (
            "    task_timeout_seconds: 0\n",
            "blueprint.yaml:7:27: options.flow.task_timeout_seconds: expected a whole number from 1 to 900, found 0",
        ),
        (
            "    retry:\n      max_attempts: 11\n",
            "blueprint.yaml:8:21: options.flow.retry.max_attempts: expected a whole number from 0 to 10, found 11",
        ),
        (
            "    retry:\n      max_attempts: 2\n      backoff_rate: 0.5\n",
            "blueprint.yaml:9:21: options.flow.retry.backoff_rate: expected a number from 1.0 to 10.0, found 0.5",
        ),
        (
            "    retry:\n      backoff_rate: 20\n",
            "blueprint.yaml:8:21: options.flow.retry.backoff_rate: expected a number from 1.0 to 10.0, found 20",
        ),
        (
            "    type: expres\n",
            "blueprint.yaml:7:11: options.flow.type: unknown value `expres`; expected `standard` or `express`\n  help: did you mean the value `express`?",
        ),
    ] {
        for (blueprint, _, _, _) in FLOWS {
            let err = synth(blueprint, &format!("{head}{options}")).unwrap_err();
            assert_eq!(err, expected, "{blueprint}");
        }
    }
}
