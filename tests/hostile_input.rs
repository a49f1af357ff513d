//! The hostile-input suite: several hundred malformed project files and
//! command lines, each run through the real binary.
//!
//! Per blueprint, the cases are generated from its documented default project
//! file (`blueprints/NAME/blueprint.yaml`): every option is replaced in turn by
//! a value of one class (wrong type, out of range, negative, fractional,
//! empty, null, huge, a list, a mapping), every mapping at every depth gets an
//! unknown key, one key is written twice and one mapping is written in flow
//! style with a bad value. Beside them: hostile YAML (aliases, nesting, tags,
//! byte-order marks, several documents, broken syntax) and the command line
//! and output directory.
//!
//! Every case asserts: the exit code (1, refused; a few `null`s that mean
//! "not set" are accepted and marked so), the location (`file:line:col`, on
//! the line the mutation was written to), plain language (no Rust or serde
//! words), and that nothing was written or deleted (the output directory of
//! an earlier good synth is byte-identical afterwards). The exact messages of
//! each group are one insta snapshot (`tests/snapshots/hostile_input__*.snap`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Map, Value};

const BLUEPRINTS: &[&str] = &[
    "blog",
    "chat",
    "conference",
    "event-pipeline",
    "microservices",
    "todo",
    "update-offload",
];

/// Free-form mappings: any key is theirs to take.
const FREE_FORM: &[&str] = &["tags", "hook_test_event", "environment"];

/// Words a user should never read in an error.
const RUST_WORDS: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "i32",
    "i64",
    "usize",
    "f64",
    "struct",
    "enum ",
    "unit value",
    "Option",
    "serde",
    "saphyr",
    "invalid type",
    "sequence",
    "scalar",
    "variant",
    "panicked",
];

fn blueprint() -> Command {
    let mut c = Command::cargo_bin("blueprint").unwrap();
    c.env("NO_COLOR", "1").env_remove("AWS_PROFILE");
    c
}

/// Every file under `dir` (but the project file), with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.file_name().is_some_and(|n| n != "blueprint.yaml") {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// One generated case: the file, and the line its mistake is on.
struct Case {
    name: String,
    text: String,
    line: Option<usize>,
    /// `null` for an optional value may mean "not set".
    may_be_accepted: bool,
}

/// What is done to the default document.
#[derive(Clone, Default)]
struct Plan {
    /// Write this YAML text as the value of the key at this path.
    replace: Option<(Vec<String>, String)>,
    /// Add `zz_unknown: 1` to the mapping at this path.
    unknown_in: Option<Vec<String>>,
    /// Write the key at this path a second time.
    duplicate: Option<Vec<String>>,
    /// Write the mapping at this path in flow style.
    flow: Option<Vec<String>>,
}

/// Block-style YAML of `doc` with the plan applied; returns the text and the
/// line (from 1) of the mutation.
fn emit(doc: &Map<String, Value>, plan: &Plan) -> (String, Option<usize>) {
    let mut lines = Vec::new();
    let mut marked = None;
    emit_map(doc, 0, "", &mut Vec::new(), plan, &mut lines, &mut marked);
    (lines.join("\n") + "\n", marked)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap(),
        other => other.to_string(),
    }
}

/// A value in flow style (JSON is YAML), with the planned replacement.
fn flow(v: &Value, path: &mut Vec<String>, plan: &Plan) -> String {
    if let Some((p, raw)) = &plan.replace {
        if p == path {
            return raw.clone();
        }
    }
    match v {
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    path.push(k.clone());
                    let s = format!("{k}: {}", flow(v, path, plan));
                    path.pop();
                    s
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(format!("[{i}]"));
                    let s = flow(v, path, plan);
                    path.pop();
                    s
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        other => scalar(other),
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_map(
    map: &Map<String, Value>,
    indent: usize,
    first_prefix: &str,
    path: &mut Vec<String>,
    plan: &Plan,
    lines: &mut Vec<String>,
    marked: &mut Option<usize>,
) {
    let pad = " ".repeat(indent);
    for (i, (k, v)) in map.iter().enumerate() {
        // The first key of a list item follows its `- `.
        let lead = if i == 0 && !first_prefix.is_empty() {
            format!("{}{first_prefix}", " ".repeat(indent - first_prefix.len()))
        } else {
            pad.clone()
        };
        path.push(k.clone());
        let replaced = plan.replace.as_ref().filter(|(p, _)| p == path);
        if let Some((_, raw)) = replaced {
            lines.push(format!("{lead}{k}: {raw}"));
            *marked = Some(lines.len());
        } else if plan.flow.as_ref() == Some(path) {
            lines.push(format!("{lead}{k}: {}", flow(v, path, plan)));
            *marked = Some(lines.len());
        } else {
            match v {
                Value::Object(m) if !m.is_empty() || plan.unknown_in.as_ref() == Some(path) => {
                    lines.push(format!("{lead}{k}:"));
                    emit_map(m, indent + 2, "", path, plan, lines, marked);
                }
                Value::Array(a) if a.iter().any(Value::is_object) => {
                    lines.push(format!("{lead}{k}:"));
                    for (j, item) in a.iter().enumerate() {
                        path.push(format!("[{j}]"));
                        match item {
                            Value::Object(m) => {
                                emit_map(m, indent + 4, "- ", path, plan, lines, marked)
                            }
                            other => lines.push(format!("{pad}  - {}", scalar(other))),
                        }
                        path.pop();
                    }
                }
                other => lines.push(format!("{lead}{k}: {}", flow(other, path, plan))),
            }
        }
        if plan.duplicate.as_ref() == Some(path) {
            lines.push(format!("{pad}{k}: {}", flow(v, path, plan)));
            *marked = Some(lines.len());
        }
        path.pop();
    }
    if plan.unknown_in.as_ref() == Some(path) {
        lines.push(format!("{pad}zz_unknown: 1"));
        *marked = Some(lines.len());
    }
}

/// Every leaf (not inside a free-form mapping) and every mapping, with paths.
fn walk(
    v: &Value,
    path: &mut Vec<String>,
    leaves: &mut Vec<(Vec<String>, Value)>,
    maps: &mut Vec<Vec<String>>,
) {
    if path.last().is_some_and(|k| FREE_FORM.contains(&k.as_str())) {
        return;
    }
    match v {
        Value::Object(m) => {
            maps.push(path.clone());
            for (k, v) in m {
                path.push(k.clone());
                walk(v, path, leaves, maps);
                path.pop();
            }
        }
        Value::Array(a) if a.iter().any(Value::is_object) => {
            for (i, v) in a.iter().enumerate() {
                path.push(format!("[{i}]"));
                walk(v, path, leaves, maps);
                path.pop();
            }
        }
        other => leaves.push((path.clone(), other.clone())),
    }
}

/// The classes a leaf of this kind is tried with: a name and YAML text.
fn classes(v: &Value) -> Vec<(&'static str, String)> {
    let huge = format!("\"{}\"", "x".repeat(100_000));
    match v {
        Value::Number(_) => vec![
            ("text", "abc".into()),
            ("out-of-range", "999999999999".into()),
            ("negative", "-5".into()),
            ("fraction", "1.5".into()),
            ("list", "[1]".into()),
            ("null", "null".into()),
            ("huge-number", "1e400".into()),
        ],
        Value::Bool(_) => vec![
            ("text", "maybe".into()),
            ("number", "5".into()),
            ("yes", "yes".into()),
            ("null", "null".into()),
            ("list", "[true]".into()),
        ],
        Value::String(_) => vec![
            ("empty", "\"\"".into()),
            ("huge", huge),
            ("list", "[a, b]".into()),
            ("mapping", "{a: 1}".into()),
            ("null", "~".into()),
            ("control", "\"a\\u0000b\"".into()),
        ],
        Value::Array(_) => vec![
            ("mapping", "{a: 1}".into()),
            ("nested-list", "[[1]]".into()),
            ("text", "\"x\"".into()),
        ],
        Value::Null => vec![
            ("list", "[1]".into()),
            ("unknown-mapping", "{zz_unknown: 1}".into()),
        ],
        Value::Object(_) => vec![],
    }
}

fn dotted(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if !p.starts_with('[') && !s.is_empty() {
            s.push('.');
        }
        s.push_str(p);
    }
    s
}

/// The cases of one blueprint, from its default project file.
fn cases_of(name: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("blueprints")
        .join(name)
        .join("blueprint.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    let doc = doc.as_object().unwrap().clone();
    let (mut leaves, mut maps) = (Vec::new(), Vec::new());
    walk(
        &Value::Object(doc.clone()),
        &mut Vec::new(),
        &mut leaves,
        &mut maps,
    );
    let mut cases = Vec::new();
    let mut add = |case: String, plan: Plan, may_be_accepted: bool| {
        let (text, line) = emit(&doc, &plan);
        cases.push(Case {
            name: case,
            text,
            line,
            may_be_accepted,
        });
    };
    // Each leaf with one class, rotating, so every class meets every kind.
    for (i, (path, value)) in leaves.iter().enumerate() {
        if path.first().is_some_and(|k| k == "blueprint") {
            continue;
        }
        let classes = classes(value);
        let (class, raw) = &classes[i % classes.len()];
        let plan = Plan {
            replace: Some((path.clone(), raw.clone())),
            ..Plan::default()
        };
        add(
            format!("{} = {class}", dotted(path)),
            plan,
            *class == "null",
        );
    }
    // An unknown key in every mapping, at every depth.
    for path in &maps {
        let plan = Plan {
            unknown_in: Some(path.clone()),
            ..Plan::default()
        };
        let at = if path.is_empty() {
            "the top".into()
        } else {
            dotted(path)
        };
        add(format!("unknown key in {at}"), plan, false);
    }
    // A key written twice, at the deepest mapping with a leaf.
    let deepest = leaves
        .iter()
        .max_by_key(|(p, _)| p.len())
        .unwrap()
        .0
        .clone();
    add(
        format!("{} written twice", dotted(&deepest)),
        Plan {
            duplicate: Some(deepest.clone()),
            ..Plan::default()
        },
        false,
    );
    // That mapping in flow style, with a wrong value inside.
    let parent = deepest[..deepest.len() - 1].to_vec();
    add(
        format!("{} in flow style with a list inside", dotted(&parent)),
        Plan {
            flow: Some(parent),
            replace: Some((deepest, "[1, 2]".into())),
            ..Plan::default()
        },
        false,
    );
    cases
}

/// Runs `synth` on `text` in `dir` (holding the output of a good synth in
/// `out`); checks what every case must hold and returns its record.
fn run_case(dir: &Path, case: &Case, before: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    std::fs::write(dir.join("blueprint.yaml"), &case.text).unwrap();
    let run = blueprint()
        .current_dir(dir)
        .args(["synth", "--out", "out"])
        .output()
        .unwrap();
    check(&case.name, &run, case.line, case.may_be_accepted);
    if run.status.success() {
        // Accepted: the output is rewritten; put the good one back.
        restore(dir, before);
    } else {
        assert!(
            files(dir) == *before,
            "{}: files were written or deleted",
            case.name
        );
    }
    record(&case.name, &run)
}

fn restore(dir: &Path, before: &BTreeMap<PathBuf, Vec<u8>>) {
    let _ = std::fs::remove_dir_all(dir.join("out"));
    for (p, bytes) in before {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn check(name: &str, run: &Output, line: Option<usize>, may_be_accepted: bool) {
    let stderr = String::from_utf8_lossy(&run.stderr);
    if run.status.success() {
        assert!(may_be_accepted, "{name}: accepted\n{stderr}");
        return;
    }
    assert_eq!(run.status.code(), Some(1), "{name}: {stderr}");
    assert!(stderr.starts_with("error: "), "{name}: {stderr}");
    for word in RUST_WORDS {
        assert!(!stderr.contains(word), "{name}: `{word}` in {stderr}");
    }
    assert!(
        stderr.len() < 2_000,
        "{name}: a message of {} bytes",
        stderr.len()
    );
    if let Some(line) = line {
        let at = format!("error: blueprint.yaml:{line}:");
        assert!(
            stderr.starts_with(&at),
            "{name}: expected {at}…, got {stderr}"
        );
    }
}

fn record(name: &str, run: &Output) -> String {
    let stderr = String::from_utf8_lossy(&run.stderr);
    let outcome = match run.status.code() {
        Some(0) => "accepted (not set)".to_string(),
        Some(c) => format!("exit {c}"),
        None => "killed".into(),
    };
    format!("## {name}\n{outcome}\n{}\n", stderr.trim_end())
}

/// A new directory holding `project` as blueprint.yaml and the output of a
/// good synth of it in `out`.
fn synthesized(project: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), project).unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["-q", "synth", "--out", "out"])
        .assert()
        .success();
    dir
}

fn blueprint_suite(name: &str) {
    let defaults = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("blueprints")
            .join(name)
            .join("blueprint.yaml"),
    )
    .unwrap();
    let dir = synthesized(&defaults);
    let before = files(dir.path());
    assert!(!before.is_empty());
    let cases = cases_of(name);
    let records: Vec<String> = cases
        .iter()
        .map(|c| run_case(dir.path(), c, &before))
        .collect();
    snapshot!(name, records.join("\n"));
}

#[test]
fn blog() {
    blueprint_suite("blog");
}

#[test]
fn chat() {
    blueprint_suite("chat");
}

#[test]
fn conference() {
    blueprint_suite("conference");
}

#[test]
fn event_pipeline() {
    blueprint_suite("event-pipeline");
}

#[test]
fn microservices() {
    blueprint_suite("microservices");
}

#[test]
fn todo() {
    blueprint_suite("todo");
}

#[test]
fn update_offload() {
    blueprint_suite("update-offload");
}

#[test]
fn every_blueprint_has_a_suite() {
    let listed = blueprint().arg("list").output().unwrap();
    let mut names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    assert_eq!(names, BLUEPRINTS);
}

const HEAD: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";

/// Hostile YAML: what a parser must survive, each refused at its place.
/// `(name, file bytes, the line the error must be on, or None for an
/// error about the whole file; accepted)`.
fn yaml_cases() -> Vec<(&'static str, Vec<u8>, Option<usize>, bool)> {
    let t = |s: String| s.into_bytes();
    vec![
        ("an empty file", vec![], None, false),
        (
            "only comments",
            t("# nothing\n# here\n".into()),
            None,
            false,
        ),
        (
            "a tab for indentation",
            t(format!("{HEAD}options:\n\tcache: none\n")),
            Some(5),
            false,
        ),
        (
            "an unterminated quote",
            t(format!("{HEAD}options:\n  cache: \"none\n")),
            Some(5),
            false,
        ),
        (
            "an unclosed list",
            t(format!("{HEAD}tags: [a, b\n")),
            Some(4),
            false,
        ),
        (
            "an unclosed mapping",
            t(format!("{HEAD}tags: {{a: b\n")),
            Some(4),
            false,
        ),
        (
            "a key without a colon",
            t(format!("{HEAD}options\n")),
            Some(4),
            false,
        ),
        (
            "a child less indented than its sibling",
            t(format!("{HEAD}options:\n    cache: none\n  table: {{}}\n")),
            Some(6),
            false,
        ),
        (
            "two documents",
            t(format!("{HEAD}---\nblueprint: todo\n")),
            Some(5),
            false,
        ),
        (
            "content after a document end",
            t(format!("{HEAD}...\nextra: 1\n")),
            Some(5),
            false,
        ),
        (
            "a byte-order mark inside the file",
            t(format!("{HEAD}\u{feff}options: {{}}\n")),
            Some(4),
            false,
        ),
        (
            "a NUL byte",
            t(format!("{HEAD}options: {{}}\0\n")),
            Some(4),
            false,
        ),
        (
            "bytes that are not UTF-8",
            [HEAD.as_bytes(), b"tags: {a: \xff}\n"].concat(),
            None,
            false,
        ),
        (
            "an alias without an anchor",
            t(format!("{HEAD}stack_name: *n\n")),
            Some(4),
            false,
        ),
        (
            "an anchor reused where it is wrong",
            t("blueprint: todo\nstack_name: &n todo\nregion: *n\n".into()),
            Some(3),
            false,
        ),
        (
            "nested aliases that would repeat a billionfold",
            t({
                let mut s = format!("{HEAD}x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
                for i in 1..10 {
                    s.push_str(&format!(
                        "x{i}: &a{i} [{}]\n",
                        vec![format!("*a{}", i - 1); 10].join(", ")
                    ));
                }
                s
            }),
            Some(10),
            false,
        ),
        (
            "100 levels of nesting",
            t(format!(
                "{HEAD}options: {}{}\n",
                "[".repeat(100),
                "]".repeat(100)
            )),
            Some(4),
            false,
        ),
        (
            "a merge key",
            t(format!("{HEAD}options:\n  <<: {{cache: none}}\n")),
            Some(5),
            false,
        ),
        (
            "a complex key",
            t(format!("{HEAD}? [a, b]\n: 1\n")),
            Some(4),
            false,
        ),
        (
            "a CloudFormation tag",
            t(format!("{HEAD}options:\n  cache: !Ref Cache\n")),
            Some(5),
            false,
        ),
        (
            "a local tag on a mapping",
            t(format!("{HEAD}options: !opts\n  cache: none\n")),
            Some(5),
            false,
        ),
        (
            "a binary value where text goes",
            t("blueprint: todo\nstack_name: !!binary dG9kbw==\nregion: us-east-1\n".into()),
            Some(2),
            false,
        ),
        (
            "a tagged number where a region goes",
            t("blueprint: todo\nstack_name: todo\nregion: !!int 5\n".into()),
            Some(3),
            false,
        ),
        (
            "the blueprint as a list",
            t("blueprint: [todo]\nstack_name: todo\nregion: us-east-1\n".into()),
            Some(1),
            false,
        ),
        (
            "an unknown blueprint",
            t("blueprint: todoo\nstack_name: todo\nregion: us-east-1\n".into()),
            Some(1),
            false,
        ),
        (
            "no blueprint",
            t("stack_name: todo\nregion: us-east-1\n".into()),
            None,
            false,
        ),
        (
            "no stack name",
            t("blueprint: todo\nregion: us-east-1\n".into()),
            None,
            false,
        ),
        (
            "the blueprint twice",
            t(format!("{HEAD}blueprint: todo\n")),
            Some(4),
            false,
        ),
        ("a null key", t(format!("{HEAD}~: 1\n")), Some(4), false),
        (
            "a number as a key",
            t(format!("{HEAD}1: 2\n")),
            Some(4),
            false,
        ),
        (
            "a key of 10,000 characters",
            t(format!("{HEAD}{}: 1\n", "k".repeat(10_000))),
            Some(4),
            false,
        ),
        (
            "a line over 1 MiB",
            t(format!("{HEAD}# {}\n", "x".repeat(1024 * 1024))),
            None,
            false,
        ),
        (
            "the whole file in flow style with a wrong value",
            t(
                "{blueprint: todo, stack_name: todo, region: us-east-1, options: {cache: [1]}}\n"
                    .into(),
            ),
            Some(1),
            false,
        ),
        (
            "Windows line endings",
            t(HEAD.replace('\n', "\r\n")),
            None,
            true,
        ),
        (
            "a YAML 1.2 directive",
            t(format!("%YAML 1.2\n---\n{HEAD}")),
            None,
            true,
        ),
    ]
}

#[test]
fn hostile_yaml() {
    let dir = synthesized(HEAD);
    let before = files(dir.path());
    let mut records = Vec::new();
    for (name, body, line, accepted) in yaml_cases() {
        std::fs::write(dir.path().join("blueprint.yaml"), &body).unwrap();
        let run = blueprint()
            .current_dir(dir.path())
            .args(["synth", "--out", "out"])
            .output()
            .unwrap();
        assert_eq!(run.status.success(), accepted, "{name}: {:?}", run);
        check(name, &run, line, accepted);
        if accepted {
            restore(dir.path(), &before);
        } else {
            let stderr = String::from_utf8_lossy(&run.stderr);
            // An error about the whole file names it without a place.
            if line.is_none() {
                assert!(
                    stderr.starts_with("error: blueprint.yaml: "),
                    "{name}: {stderr}"
                );
            }
            assert!(files(dir.path()) == before, "{name}: files changed");
        }
        records.push(record(name, &run));
    }
    snapshot!("yaml", records.join("\n"));
}

/// The command line and the output directory, in a directory holding a
/// good project and its output.
#[test]
fn hostile_command_lines() {
    let dir = synthesized(HEAD);
    let d = dir.path();
    std::fs::write(d.join("a-file"), "not a directory").unwrap();
    std::fs::create_dir(d.join("a-dir")).unwrap();
    std::fs::write(d.join("garbage.plan"), "{not json").unwrap();
    let before = files(d);
    let long = "a".repeat(200);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("an unknown blueprint", vec!["synth", "todoo"]),
        (
            "an output directory that is a file",
            vec!["synth", "--out", "a-file"],
        ),
        ("an empty output directory name", vec!["synth", "--out", ""]),
        (
            "a project file that does not exist",
            vec!["synth", "--config", "missing.yaml"],
        ),
        (
            "a project file that is a directory",
            vec!["synth", "--config", "a-dir"],
        ),
        ("an empty project file name", vec!["synth", "--config", ""]),
        ("an unknown format", vec!["synth", "--format", "xml"]),
        (
            "a region that does not exist",
            vec!["synth", "--region", "mars-1"],
        ),
        ("an empty region", vec!["synth", "--region", ""]),
        (
            "a stack name that CloudFormation refuses",
            vec!["synth", "--stack-name", "9lives"],
        ),
        (
            "a stack name of 200 characters",
            vec!["synth", "--stack-name", &long],
        ),
        ("an unknown flag", vec!["synth", "--bogus"]),
        ("an unknown command", vec!["synthesize"]),
        (
            "new with an unknown blueprint",
            vec!["new", "todoo", "fresh"],
        ),
        (
            "new into a directory that holds files",
            vec!["new", "todo", "out"],
        ),
        ("new into a file", vec!["new", "todo", "a-file"]),
        ("explain an unknown blueprint", vec!["explain", "todoo"]),
        (
            "graph in an unknown format",
            vec!["graph", "todo", "--format", "png"],
        ),
        (
            "a saved plan that does not exist",
            vec!["apply", "missing.plan"],
        ),
        (
            "a saved plan that is not JSON",
            vec!["apply", "garbage.plan"],
        ),
        (
            "plan --out naming a directory",
            vec![
                "plan",
                "--out",
                "a-dir",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ],
        ),
        (
            "an endpoint that is not a URL",
            vec!["status", "--endpoint-url", "not a url"],
        ),
    ];
    let mut records = Vec::new();
    for (name, args) in cases {
        let run = blueprint()
            .current_dir(d)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("BLUEPRINT_TIMEOUT_SECONDS", "2")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{name}: accepted");
        assert!(
            matches!(run.status.code(), Some(1) | Some(2)),
            "{name}: exit {:?}: {stderr}",
            run.status.code()
        );
        for word in RUST_WORDS {
            assert!(!stderr.contains(word), "{name}: `{word}` in {stderr}");
        }
        assert!(files(d) == before, "{name}: files were written or deleted");
        let shown = record(name, &run).replace(&long, "a…(200)");
        records.push(shown.replace(&d.display().to_string(), "[DIR]"));
    }
    snapshot!("cli", records.join("\n"));
}
