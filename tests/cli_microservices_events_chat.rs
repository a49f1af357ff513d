//! The microservices, event-pipeline and chat blueprints as a user runs them:
//! bad option values located at file:line:col, missing service code, nested
//! stack templates written as assets, the split report, `blueprint openapi`.

use std::path::Path;

use crate::common::{blueprint, command, input_header, project, run_and_format};

/// `synth --stdout` in `dir` with `body` as its project file, which must fail
/// with exit code 1: the file and the output, for a snapshot.
fn refused(dir: &Path, body: &str) -> String {
    project(dir, body);
    let (text, out) = run_and_format(command().current_dir(dir).args(["synth", "--stdout"]));
    assert_eq!(out.status.code(), Some(1), "{text}");
    input_header("blueprint.yaml", body) + &text
}

const MICRO: &str = "blueprint: microservices\nstack_name: t\nregion: us-east-1\noptions:\n";

#[test]
fn bad_microservices_options_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let route = "      routes:\n        - method: GET\n          path: /\n";
    let cases: Vec<String> = vec![
        format!("  services:\n    - name: Users\n{route}"),
        format!("  services:\n    - name: users\n{route}    - name: users\n{route}"),
        format!("  services:\n    - name: a-1\n{route}    - name: a1\n{route}"),
        "  services:\n    - name: users\n      routes:\n        - method: FETCH\n          path: /\n".into(),
        "  services:\n    - name: users\n      routes:\n        - method: GET\n          path: users/{id}\n".into(),
        "  services:\n    - name: users\n      routes:\n        - method: GET\n          path: /{proxy+}/x\n".into(),
        format!("  services:\n    - name: users\n      memory_mb: 20000\n{route}"),
        format!("  services:\n    - name: users\n      timeout_seconds: 901\n{route}"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          batch_size: 20000\n"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          max_receive_count: 0\n"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        queue:\n          batch_size: 50\n"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        stream:\n          batch_size: 10001\n"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        bucket:\n          retry_attempts: 3\n"),
        format!("  services:\n    - name: users\n{route}      inputs:\n        bucket:\n          events: [s3:ObjectCreate:*]\n"),
        format!("  services:\n    - name: users\n      environment:\n        AWS_REGION: eu\n{route}"),
        format!("  services:\n    - name: users\n      environment:\n        SERVICE_NAME: x\n{route}"),
        "  front: alb\n".into(),
        "  front: alb\n  alb:\n    certificate_arn: arn:aws:iam::123456789012:server-certificate/x\n".into(),
        "  alb:\n    ssl_policy: ELBSecurityPolicy-2016-08\n".into(),
        "  services: []\n".into(),
        "  services:\n    - name: worker\n      inputs:\n        queue: {}\n".into(),
    ];
    let all: Vec<String> = cases
        .iter()
        .map(|options| refused(dir.path(), &format!("{MICRO}{options}")))
        .collect();
    redacted_snapshot!(all.join("\n"));
    assert!(!dir.path().join("blueprint.out").exists());
}

#[test]
fn bad_event_pipeline_and_chat_options_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let ep = "blueprint: event-pipeline\nstack_name: t\nregion: us-east-1\noptions:\n";
    let chat = "blueprint: chat\nstack_name: t\nregion: us-east-1\noptions:\n";
    let cases = [
        format!("{ep}  buffer: kafka\n"),
        format!("{ep}  queue:\n    max_receive_count: 1001\n"),
        format!("{ep}  queue:\n    batch_size: 0\n"),
        format!("{ep}  queue:\n    batch_size: 100\n"),
        // One key per setting: the retries are `lambda.async`'s (FN-ASYNC).
        format!("{ep}  async_invocations:\n    retry_attempts: 1\n"),
        format!("{ep}  lambda:\n    async:\n      max_retry_attempts: 3\n"),
        format!("{ep}  results_prefix: incoming/done/\n"),
        format!("{ep}  prefix: res\n"),
        format!("{ep}  events: []\n"),
        format!("{ep}  prefix: \"in*\"\n"),
        format!("{chat}  connection_ttl_hours: 48\n"),
        format!("{chat}  connect_authorization: jwt\n"),
        format!("{chat}  max_message_bytes: 40000\n"),
        format!("{chat}  function:\n    memory_mb: 64\n"),
    ];
    let all = cases.map(|body| refused(dir.path(), &body));
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn a_service_without_code_names_the_service_and_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        &format!("{MICRO}  services:\n    - name: payments\n      routes:\n        - method: GET\n          path: /\n"),
    );
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "no-code");
    assert_eq!(out.status.code(), Some(1));
    // With the folder, it synthesizes; the code goes into its own package.
    let code = dir.path().join("functions/payments");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "with-code");
    assert!(out.status.success());
}

#[test]
fn nested_templates_are_written_as_assets_and_listed_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = cli_snapshot!(
        command()
            .args(["synth", "microservices", "--out"])
            .arg(&out),
        "synth"
    );
    assert!(run.status.success());
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
    // Explain walks the nested stacks (`microservices/OrdersService/...`).
    let run = cli_snapshot!(command().args(["explain", "microservices"]), "explain");
    assert!(run.status.success());
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
    let run = cli_snapshot!(command()
        .args(["synth", "--format", "json", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out));
    assert!(run.status.success());
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
    let run = cli_snapshot!(
        command()
            .args([
                "openapi",
                "--config",
                "tests/variants/microservices-3-services.yaml",
                "-f",
                "yaml",
                "--out",
            ])
            .arg(&file),
        "out"
    );
    assert!(run.status.success());
    let yaml = std::fs::read_to_string(&file).unwrap();
    assert!(yaml.starts_with("openapi: 3.0.3\n"), "{yaml}");
    assert!(yaml.contains("/b2b-customers/{proxy+}:"));

    let run = cli_snapshot!(command().args(["openapi", "todo"]), "no-export");
    assert_eq!(run.status.code(), Some(1));
}

#[test]
fn the_new_blueprints_are_listed_and_synthesize() {
    // Listed: `cli::list_names_every_blueprint`'s snapshot.
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
