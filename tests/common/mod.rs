//! Helpers shared by the modules of the one integration-test binary
//! (tests/suite.rs): the CLI command, the in-memory CloudFormation for plan /
//! apply / destroy (`deploy_fake`, `deploy_nested`, `plan_file_binding`),
//! synthesis of project files, the snapshot names, and the scanner of Rust
//! source for the code-shape tests (`rust_source`).

#![allow(dead_code)]

pub mod rust_source;

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

/// The name of the test function this is expanded in (`fn` inside `#[test]`),
/// closures stripped: what CLI snapshots are named after.
macro_rules! test_name {
    () => {{
        fn f() {}
        fn name_of<T>(_: T) -> &'static str {
            std::any::type_name::<T>()
        }
        let mut name = name_of(f).strip_suffix("::f").unwrap();
        while let Some(rest) = name.strip_suffix("::{{closure}}") {
            name = rest;
        }
        name.rsplit("::").next().unwrap()
    }};
}

/// `snapshot!` of CLI output, named after the test (`FILE__TEST.snap`, or
/// `FILE__TEST-SUFFIX.snap` for a test with several), with the volatile
/// parts redacted ([`redactions`]).
macro_rules! redacted_snapshot {
    ($text:expr $(,)?) => {
        redacted_snapshot!($text, "")
    };
    ($text:expr, $suffix:expr $(,)?) => {{
        let suffix: &str = $suffix;
        let name = match suffix {
            "" => test_name!().to_string(),
            s => format!("{}-{s}", test_name!()),
        };
        let text: &str = &$text;
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in $crate::common::redactions() {
            settings.add_filter(&pattern, replacement);
        }
        settings.bind(|| snapshot!(name, text));
    }};
}

/// `redacted_snapshot!` of what plan / apply / destroy printed over the
/// in-memory CloudFormation, with the content hashes redacted as well
/// ([`deploy_redactions`]).
macro_rules! deploy_snapshot {
    ($text:expr $(, $suffix:expr)? $(,)?) => {{
        let mut settings = insta::Settings::clone_current();
        for (pattern, replacement) in $crate::common::deploy_redactions() {
            settings.add_filter(&pattern, replacement);
        }
        settings.bind(|| redacted_snapshot!($text $(, $suffix)?));
    }};
}

/// Runs `cmd` (a [`command`]) and snapshots its whole output, as uv's tests
/// do: the command line, exit code, standard output and standard error
/// ([`run_and_format`]), redacted, named after the test (and `SUFFIX` when
/// a test runs several commands). Returns the output for the assertions a
/// snapshot cannot make (files written or not).
macro_rules! cli_snapshot {
    ($cmd:expr $(, $suffix:expr)? $(,)?) => {{
        let (text, output) = $crate::common::run_and_format($cmd);
        redacted_snapshot!(text $(, $suffix)?);
        output
    }};
}

/// The `blueprint` binary as a `std::process::Command` (its arguments can be
/// read back for a snapshot), without colour.
pub fn command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_blueprint"));
    c.env("NO_COLOR", "1");
    c
}

/// Runs `cmd` and formats what a user sees, for a snapshot:
///
/// ```text
/// $ blueprint ARGS
/// exit_code: 1
/// ----- stdout -----
/// ...
/// ----- stderr -----
/// ...
/// ```
///
/// (a stream is left out when empty).
pub fn run_and_format(cmd: &mut std::process::Command) -> (String, std::process::Output) {
    let output = cmd.output().expect("the blueprint binary runs");
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| {
            let a = a.to_string_lossy();
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a.into_owned()
            }
        })
        .collect();
    let mut text = format!("$ blueprint {}\n", args.join(" "));
    match output.status.code() {
        Some(code) => text.push_str(&format!("exit_code: {code}\n")),
        None => text.push_str(&format!("exit_status: {}\n", output.status)),
    }
    for (name, stream) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if !stream.is_empty() {
            text.push_str(&format!("----- {name} -----\n"));
            text.push_str(&String::from_utf8_lossy(stream));
        }
    }
    (text, output)
}

/// What a command run in-process (`plan_with`, `apply_with`, ...) showed, for
/// a snapshot, in [`run_and_format`]'s layout: its exit code or its error
/// (as `main` would print it, with the exit code it maps to), then standard
/// output and standard error (a stream is left out when empty).
pub fn outcome(result: &Result<i32, Error>, stdout: &str, stderr: &str) -> String {
    let mut text = match result {
        Ok(code) => format!("exit_code: {code}\n"),
        Err(e) => format!("exit_code: {}\nerror: {e}\n", e.exit_code()),
    };
    for (name, stream) in [("stdout", stdout), ("stderr", stderr)] {
        if !stream.is_empty() {
            text.push_str(&format!("----- {name} -----\n{stream}"));
            if !stream.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    text
}

/// A heading for an input file shown above a command's output in a
/// snapshot: `# NAME:` and the text (a long one only by its size).
pub fn input_header(name: &str, text: &str) -> String {
    if text.len() > 2000 {
        format!("# {name}: {} bytes, not shown\n", text.len())
    } else {
        format!("# {name}:\n{text}\n")
    }
}

/// The redactions of CLI snapshots, as (regex, replacement), applied in
/// order (uv's `INSTA_FILTERS` and `TestContext` filters, narrowed to what
/// blueprint prints): temporary directories (`[TEMP_DIR]`, each test's own
/// `tempfile` directory), this checkout (`[REPO]`), the home directory
/// (`[HOME]`, under which the dependency cache lives), the version,
/// durations (`[TIME]`: `applied in 1.2s`, stack event lines) and the port
/// of a test's endpoint on loopback (`127.0.0.1:[PORT]`).
pub fn redactions() -> Vec<(String, &'static str)> {
    let mut filters = Vec::new();
    let temp = std::env::temp_dir();
    let canonical = temp.canonicalize().unwrap_or_else(|_| temp.clone());
    for dir in [canonical, temp] {
        let dir = dir.display().to_string();
        let dir = regex_escape(dir.trim_end_matches('/'));
        filters.push((format!(r"{dir}/\.tmp[A-Za-z0-9]+"), "[TEMP_DIR]"));
    }
    filters.push((regex_escape(env!("CARGO_MANIFEST_DIR")), "[REPO]"));
    if let Some(home) = std::env::var_os("HOME").filter(|h| h.len() > 1) {
        let home = home.to_string_lossy().trim_end_matches('/').to_string();
        filters.push((regex_escape(&home), "[HOME]"));
    }
    filters.push((
        format!(r"blueprint {}", regex_escape(env!("CARGO_PKG_VERSION"))),
        "blueprint [VERSION]",
    ));
    filters.push((r"\b\d+\.\ds\b".to_string(), "[TIME]"));
    filters.push((r"127\.0\.0\.1:\d+".to_string(), "127.0.0.1:[PORT]"));
    filters
}

/// The redactions of deploy snapshots, beyond [`redactions`]: content
/// hashes, which change with every change of a blueprint's code or template
/// (what these tests are not about): asset keys (`[SHA256]`), the template
/// hashes a stale plan names (`template [SHA] → [SHA]`), a nested stack's
/// shortened template key in a diff (`"[SHA]…"`) and the change set names
/// made from a hash and the time (`blueprint-[SHA]-[MILLIS]`); and the
/// in-memory CloudFormation's clock, which counts its operations, so it
/// moves with every resource a blueprint adds: event times (`[TIMESTAMP]`)
/// and last-updated times (`last updated [T]`).
pub fn deploy_redactions() -> Vec<(String, &'static str)> {
    vec![
        (r"\b[0-9a-f]{64}\b".to_string(), "[SHA256]"),
        (
            r"template [0-9a-f]{12} → [0-9a-f]{12}\b".to_string(),
            "template [SHA] → [SHA]",
        ),
        (r#""[0-9a-f]{12}…""#.to_string(), r#""[SHA]…""#),
        (
            r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b".to_string(),
            "[TIMESTAMP]",
        ),
        (
            r"last updated t\d+ → t\d+\b".to_string(),
            "last updated [T] → [T]",
        ),
        (r"last updated t\d+\b".to_string(), "last updated [T]"),
        (
            r"\bblueprint-[0-9a-f]{12}-\d+\b".to_string(),
            "blueprint-[SHA]-[MILLIS]",
        ),
    ]
}

/// `text` with every regex metacharacter escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `blueprint` binary, without colour.
pub fn blueprint() -> Command {
    let mut c = Command::cargo_bin("blueprint").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Resolves the project `args` name (its catalog, file or defaults, and
/// environment) and synthesizes it as YAML, as `synth` does.
pub fn synth_resolved(
    args: &blueprint::commands::project::ProjectArgs,
) -> Result<Synthesized, Error> {
    let p = blueprint::commands::project::resolve(args)?;
    synthesize(
        p.blueprint,
        &p.source,
        &p.code,
        &args.overrides,
        Format::Yaml,
    )
}

/// Runs `synth --out` on a project file holding `text`, in a new directory,
/// and checks that it fails with exit code 1, prints nothing on standard
/// output and writes nothing; returns what it printed on standard error.
pub fn synth_refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), text).unwrap();
    let out = dir.path().join("out");
    let run = blueprint()
        .current_dir(dir.path())
        .args(["synth", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        run.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert!(!out.exists(), "{} was created", out.display());
    stderr
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

/// `apply --yes` with the deploy flags of [`deploy_args`], no plan file,
/// no data loss allowed, events as progress.
pub fn apply_request() -> blueprint::commands::apply::ApplyRequest {
    blueprint::commands::apply::ApplyRequest {
        deploy: deploy_args(),
        planfile: None,
        yes: true,
        allow_data_loss: Vec::new(),
        progress: blueprint::deploy::watch::ProgressMode::Events,
        outputs_file: None,
    }
}

/// Applies `s` to the fake cloud `r` with [`apply_request`]; fails the test
/// (with what was printed) unless it exits 0.
pub fn applied(r: &Regions<FakeCloud>, s: &Synthesized) {
    use blueprint::output::{Printer, Verbosity};
    let (mut p, o, e) = Printer::capture(Verbosity::Normal);
    let mut ask = |_: &str| Ok(true);
    let code = block_on(blueprint::commands::apply::apply_with(
        r,
        s,
        &apply_request(),
        &mut ask,
        false,
        &mut p,
    ));
    assert_eq!(code.unwrap(), 0, "{}{}", text(&o), text(&e));
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
