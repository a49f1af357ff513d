//! The microservices, event-pipeline and chat blueprints as a user runs them:
//! bad option values located at file:line:col, missing service code, nested
//! stack templates written as assets, the split report, `blueprint openapi`.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{blueprint, project};

fn fails_with(dir: &Path, message: &str) {
    blueprint()
        .current_dir(dir)
        .args(["synth", "--stdout"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("panicked").not());
}

const MICRO: &str = "blueprint: microservices\nstack_name: t\nregion: us-east-1\noptions:\n";

#[test]
fn bad_microservices_options_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let route = "      routes:\n        - method: GET\n          path: /\n";
    let cases = [
        (
            format!("  services:\n    - name: Users\n{route}"),
            "blueprint.yaml:6:13: options.services[0].name: `Users` is not a valid service name",
        ),
        (
            format!("  services:\n    - name: users\n{route}    - name: users\n{route}"),
            "blueprint.yaml:10:13: options.services[1].name: service `users` is listed twice (services 1 and 2)",
        ),
        (
            format!("  services:\n    - name: a-1\n{route}    - name: a1\n{route}"),
            "services `a-1` and `a1` both become logical ID `A1Service`",
        ),
        (
            "  services:\n    - name: users\n      routes:\n        - method: FETCH\n          path: /\n".into(),
            "blueprint.yaml:8:19: options.services[0].routes[0].method: unknown value `FETCH`; expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `ANY`",
        ),
        (
            "  services:\n    - name: users\n      routes:\n        - method: GET\n          path: users/{id}\n".into(),
            "blueprint.yaml:9:17: options.services[0].routes[0].path: `users/{id}` does not start with `/`",
        ),
        (
            "  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /{proxy+}/x\n".into(),
            "is not a valid route path",
        ),
        (
            format!("  services:\n    - name: users\n      memory_mb: 20000\n{route}"),
            "blueprint.yaml:7:18: options.services[0].memory_mb: expected a whole number from 128 to 10240, found 20000",
        ),
        (
            format!("  services:\n    - name: users\n      timeout_seconds: 901\n{route}"),
            "options.services[0].timeout_seconds: expected a whole number from 1 to 900, found 901",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          batch_size: 20000\n"),
            "blueprint.yaml:12:23: options.services[0].inputs.queue.batch_size: expected a whole number from 1 to 10000, found 20000",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          max_receive_count: 0\n"),
            "options.services[0].inputs.queue.max_receive_count: expected a whole number from 1 to 1000, found 0",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          batch_size: 50\n"),
            "options.services[0].inputs.queue.batch_size: service `users`: batch_size 50 needs max_batching_window_seconds of at least 1",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        stream:\n          batch_size: 10001\n"),
            "options.services[0].inputs.stream.batch_size: expected a whole number from 1 to 10000, found 10001",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        bucket:\n          retry_attempts: 3\n"),
            "options.services[0].inputs.bucket.retry_attempts: expected a whole number from 0 to 2, found 3",
        ),
        (
            format!("  services:\n    - name: users\n{route}      inputs:\n        bucket:\n          events: [s3:ObjectCreate:*]\n"),
            "`s3:ObjectCreate:*` is not an S3 event type (did you mean `s3:ObjectCreated:*`?)",
        ),
        (
            format!("  services:\n    - name: users\n      environment:\n        AWS_REGION: eu\n{route}"),
            "`AWS_REGION` is reserved by Lambda",
        ),
        (
            format!("  services:\n    - name: users\n      environment:\n        SERVICE_NAME: x\n{route}"),
            "service `users`: environment variable `SERVICE_NAME` is set by the blueprint",
        ),
        (
            "  front: alb\n".into(),
            "blueprint.yaml:5:10: options.front: `alb` needs options.alb.certificate_arn",
        ),
        (
            "  front: alb\n  alb:\n    certificate_arn: arn:aws:iam::123456789012:server-certificate/x\n".into(),
            "is not an ACM certificate ARN",
        ),
        (
            "  alb:\n    ssl_policy: ELBSecurityPolicy-2016-08\n".into(),
            "is not an allowed TLS policy (TLS 1.2 or newer)",
        ),
        (
            "  services: []\n".into(),
            "options.services: list at least one service",
        ),
        (
            "  services:\n    - name: worker\n      inputs:\n        queue: {}\n".into(),
            "blueprint.yaml:5:3: options.services: no service has routes",
        ),
    ];
    for (options, message) in cases {
        project(dir.path(), &format!("{MICRO}{options}"));
        fails_with(dir.path(), message);
    }
    assert!(!dir.path().join("blueprint.out").exists());
}

#[test]
fn bad_event_pipeline_and_chat_options_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let ep = "blueprint: event-pipeline\nstack_name: t\nregion: us-east-1\noptions:\n";
    let chat = "blueprint: chat\nstack_name: t\nregion: us-east-1\noptions:\n";
    let cases = [
        (format!("{ep}  buffer: kafka\n"), "blueprint.yaml:5:11: options.buffer: unknown value `kafka`; expected `sqs` or `none`"),
        (format!("{ep}  queue:\n    max_receive_count: 1001\n"), "blueprint.yaml:6:24: options.queue.max_receive_count: expected a whole number from 1 to 1000, found 1001"),
        (format!("{ep}  queue:\n    batch_size: 0\n"), "options.queue.batch_size: expected a whole number from 1 to 10000, found 0"),
        (format!("{ep}  queue:\n    batch_size: 100\n"), "blueprint.yaml:6:17: options.queue.batch_size: 100 needs queue.max_batching_window_seconds of at least 1"),
        // One key per setting: the retries are `lambda.async`'s (FN-ASYNC).
        (format!("{ep}  async_invocations:\n    retry_attempts: 1\n"), "blueprint.yaml:5:3: options.async_invocations: unknown key"),
        (format!("{ep}  lambda:\n    async:\n      max_retry_attempts: 3\n"), "options.lambda.async.max_retry_attempts: expected a whole number from 0 to 2, found 3"),
        (format!("{ep}  results_prefix: incoming/done/\n"), "blueprint.yaml:5:19: options.results_prefix: `incoming/done/` and the prefix `incoming/` overlap"),
        (format!("{ep}  prefix: res\n"), "blueprint.yaml:5:11: options.prefix: `res` and the results prefix `results/` overlap"),
        (format!("{ep}  events: []\n"), "options.events: no event type is listed"),
        (format!("{ep}  prefix: \"in*\"\n"), "is not a valid key filter"),
        (format!("{chat}  connection_ttl_hours: 48\n"), "blueprint.yaml:5:25: options.connection_ttl_hours: expected a whole number from 1 to 24, found 48"),
        (format!("{chat}  connect_authorization: jwt\n"), "unknown value `jwt`; expected one of `cognito`, `iam`, `none`"),
        (format!("{chat}  max_message_bytes: 40000\n"), "expected a whole number from 1 to 32768, found 40000"),
        (format!("{chat}  function:\n    memory_mb: 64\n"), "options.function.memory_mb: expected a whole number from 128 to 10240, found 64"),
    ];
    for (body, message) in cases {
        project(dir.path(), &body);
        fails_with(dir.path(), message);
    }
}

#[test]
fn a_service_without_code_names_the_service_and_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &format!("{MICRO}  services:\n    - name: payments\n      routes:\n        - method: GET\n          path: /\n"),
    );
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: service `payments` has no code: create the folder ./functions/payments",
        ));
    // With the folder, it synthesizes; the code goes into its own package.
    let code = dir.path().join("functions/payments");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "function `payments` from functions/payments",
        ));
}

#[test]
fn nested_templates_are_written_as_assets_and_listed_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    blueprint()
        .args(["synth", "microservices", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "assets/<sha256>.template.json  2 nested stacks in 2 files",
        ));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let root = std::fs::read_to_string(out.join("microservices.template.yaml")).unwrap();
    let assets = m["assets"].as_array().unwrap();
    let templates: Vec<_> = assets.iter().filter(|a| a["kind"] == "template").collect();
    let functions: Vec<_> = assets.iter().filter(|a| a["kind"] == "function").collect();
    assert_eq!(templates.len(), 2);
    assert_eq!(functions.len(), 2);
    for t in templates {
        let key = t["key"].as_str().unwrap();
        // Nested templates are JSON whatever the root's format.
        assert_eq!(
            key,
            format!("{}.template.json", t["sha256"].as_str().unwrap())
        );
        let body = std::fs::read(out.join(t["file"].as_str().unwrap())).unwrap();
        assert_eq!(body.len() as u64, t["bytes"].as_u64().unwrap());
        let child: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(child["AWSTemplateFormatVersion"], "2010-09-09");
        assert!(root.contains(&format!(
            "Fn::Sub: https://${{AssetsBucket}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{key}"
        )));
        assert!(t["stack"].as_str().unwrap().starts_with("microservices/"));
    }
    // Explain walks the nested stacks.
    let text = String::from_utf8(
        blueprint()
            .args(["explain", "microservices"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for id in ["MICRO-1", "MICRO-2", "MICRO-3", "MICRO-4", "MICRO-5"] {
        assert!(text.contains(id), "{id}");
    }
    assert!(
        text.contains("microservices/OrdersService/QueueMapping"),
        "{text}"
    );
    assert!(
        text.contains("microservices/UsersService/ApiUserIdGet"),
        "{text}"
    );
}

#[test]
fn a_big_project_is_split_and_the_split_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = format!("{MICRO}  services:\n");
    for i in 1..=520 {
        body.push_str(&format!(
            "    - name: s{i}\n      code: users\n      routes:\n        - {{method: GET, path: \"/\"}}\n"
        ));
    }
    let cfg = project(dir.path(), &body);
    let out = dir.path().join("out");
    blueprint()
        .args(["synth", "--format", "json", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "split t: over CloudFormation's limits, so 424 units stay and the rest go to 1 overflow stack (Overflow1: 96 units, 96 resources)",
        ))
        .stderr(predicate::str::contains("521 nested stacks"));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let overflow = m["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["stack"] == "t/Overflow1")
        .unwrap();
    assert_eq!(overflow["resources"], 96);
    // One package for 520 services with the same code.
    let functions = m["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "function")
        .count();
    assert_eq!(functions, 1);
}

#[test]
fn openapi_writes_a_document_with_every_route() {
    let out = blueprint()
        .args(["openapi", "microservices"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["/users", "/users/{userId}", "/orders", "/orders/{orderId}"]
    );
    assert_eq!(
        paths["/users/{userId}"]["put"]["operationId"],
        "usersPutUserId"
    );
    assert_eq!(paths["/orders"]["post"]["tags"][0], "orders");
    assert_eq!(paths["/users/{userId}"]["parameters"][0]["name"], "userId");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api/openapi.yaml");
    blueprint()
        .args([
            "openapi",
            "--config",
            "tests/variants/microservices-3-services.yaml",
            "-f",
            "yaml",
            "--out",
        ])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(OpenAPI 3.0.3, 7 paths, 13 operations)",
        ));
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(yaml.starts_with("openapi: 3.0.3\n"), "{yaml}");
    assert!(yaml.contains("/b2b-customers/{proxy+}:"));

    blueprint()
        .args(["openapi", "todo"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "blueprint `todo` has no OpenAPI export; blueprints with one: microservices",
        ));
}

#[test]
fn the_new_blueprints_are_listed_and_synthesize() {
    blueprint()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("microservices"))
        .stdout(predicate::str::contains("event-pipeline"))
        .stdout(predicate::str::contains("chat"));
    for name in ["event-pipeline", "chat"] {
        let text = String::from_utf8(
            blueprint()
                .args(["synth", name, "--stdout"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        assert!(
            text.starts_with("AWSTemplateFormatVersion: 2010-09-09\n"),
            "{name}"
        );
    }
}
