//! Helpers shared by the modules of the one integration-test binary
//! (tests/suite.rs): the CLI command, the in-memory CloudFormation for plan /
//! apply / destroy (`deploy_fake`, `deploy_nested`, `plan_file_binding`),
//! synthesis of project files, and the snapshot names.

#![allow(dead_code)]

use assert_cmd::Command;
use blueprint::assets::CodeSource;
use blueprint::blueprints::{find, Overrides};
use blueprint::commands::plan::DeployArgs;
use blueprint::commands::project::ProjectArgs;
use blueprint::config::Source;
use blueprint::deploy::fake::FakeCloud;
use blueprint::deploy::regions::Regions;
use blueprint::deploy::sdk::AwsOptions;
use blueprint::deploy::types::StackStatus;
use blueprint::error::Error;
use blueprint::output::Captured;
use blueprint::render::Format;
use blueprint::synthesis::{synthesize, Synthesized};
use serde_json::Value;

/// `insta::assert_snapshot!(name, value)` under the file names the snapshots
/// had when each test file was its own binary: `tests/snapshots/FILE__NAME.snap`,
/// FILE being the test module's file in tests/ (insta would otherwise prefix
/// `suite__FILE__`).
macro_rules! snapshot {
    ($name:expr, $value:expr $(,)?) => {{
        let file = module_path!().split("::").nth(1).unwrap();
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        let name = format!("{file}__{}", $name);
        settings.bind(|| insta::assert_snapshot!(name, $value));
    }};
}

/// The `blueprint` binary, without colour.
pub fn blueprint() -> Command {
    let mut c = Command::cargo_bin("blueprint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Writes `body` to `dir`/blueprint.yaml, returning its path.
pub fn project(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("blueprint.yaml");
    std::fs::write(&path, body).unwrap();
    path
}

/// The resources of type `kind` in a template: `(logical ID, resource)`.
pub fn of_type<'a>(doc: &'a Value, kind: &str) -> Vec<(&'a String, &'a Value)> {
    doc["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// The statements of every inline policy of an IAM role (none without policies).
pub fn statements(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap().clone())
        .collect()
}

/// The toolkit stack, with its assets bucket `assets-bucket`.
pub const TOOLKIT: &str = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  AssetsBucket:\n    Type: AWS::S3::Bucket\nOutputs:\n  AssetsBucketName:\n    Value: assets-bucket\n";

/// Synthesizes `text` (a project file named blueprint.yaml) of `blueprint`
/// with its built-in code, as YAML.
pub fn try_synth(blueprint: &str, text: &str) -> Result<Synthesized, Error> {
    let source = Source {
        name: "blueprint.yaml".into(),
        text: text.to_string(),
    };
    let code = CodeSource::BuiltIn {
        blueprint: blueprint.into(),
    };
    synthesize(
        find(blueprint).unwrap(),
        &source,
        &code,
        &Overrides::default(),
        Format::Yaml,
    )
}

/// Synthesizes `text` (a project file) of `blueprint` with its built-in code.
pub fn synth_project(blueprint: &str, text: String) -> Synthesized {
    try_synth(blueprint, &text).unwrap()
}

/// A fake cloud in us-east-1 with the toolkit stack in place.
pub fn cloud() -> Regions<FakeCloud> {
    let fake = FakeCloud::new();
    fake.set_stack(
        "blueprint-toolkit",
        StackStatus::CreateComplete,
        Some(TOOLKIT),
    );
    Regions::single("us-east-1", fake)
}

pub fn fake(r: &Regions<FakeCloud>) -> &FakeCloud {
    r.get("us-east-1").unwrap()
}

pub fn deploy_args() -> DeployArgs {
    DeployArgs {
        project: ProjectArgs::default(),
        aws: AwsOptions::default(),
        toolkit_stack: "blueprint-toolkit".into(),
        wait: false,
        allow_placeholders: false,
    }
}

pub fn text(c: &Captured) -> String {
    String::from_utf8(c.borrow().clone()).unwrap()
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// The defaults of `blueprint` and every variant of it in `tests/variants`
/// (files named `BLUEPRINT-*.yaml`), sorted: `(name, project file)`.
pub fn defaults_and_variants(blueprint: &str) -> Vec<(String, String)> {
    let defaults = find(blueprint).unwrap().defaults().unwrap().text;
    let mut variants: Vec<std::path::PathBuf> = std::fs::read_dir("tests/variants")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(&format!("{blueprint}-")) && name.ends_with(".yaml")
        })
        .collect();
    variants.sort();
    let mut out = vec![("defaults".to_string(), defaults)];
    for p in variants {
        out.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    out
}

/// Synthesizes `text` (a project file) of `blueprint` with its built-in
/// code, panicking with `name` on an error.
pub fn synth_named(blueprint: &str, name: &str, text: &str) -> Synthesized {
    try_synth(blueprint, text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every `.rs` file under `dir`, recursively, in a stable (sorted) order.
pub fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}
