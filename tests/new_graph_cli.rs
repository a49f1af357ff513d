//! CLI tests of `new`, `graph`, `completions`, `man`, `--output json` and colour.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{command, run_and_format};

fn blueprint() -> Command {
    let mut c = Command::cargo_bin("blueprint").unwrap();
    c.env_remove("NO_COLOR");
    c
}

#[test]
fn new_then_synth_in_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli_snapshot!(command().current_dir(dir.path()).args([
        "new",
        "todo",
        "demo",
        "--name",
        "my-todo",
        "--region",
        "eu-west-1",
    ]));
    assert!(out.status.success());
    let demo = dir.path().join("demo");
    for f in [
        "blueprint.yaml",
        "README.md",
        ".gitignore",
        ".blueprint-scaffold.json",
        "functions/api/handler.py",
    ] {
        assert!(demo.join(f).is_file(), "{f}");
    }
    blueprint()
        .current_dir(&demo)
        .args(["-q", "synth"])
        .assert()
        .success();
    let ours = std::fs::read_to_string(demo.join("blueprint.out/my-todo.template.yaml")).unwrap();
    let theirs = blueprint()
        .args([
            "synth",
            "todo",
            "--stack-name",
            "my-todo",
            "--region",
            "eu-west-1",
            "--stdout",
        ])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(ours, String::from_utf8(theirs).unwrap());
}

#[test]
fn new_refuses_what_it_must() {
    let dir = tempfile::tempdir().unwrap();
    let new = |args: &[&str]| {
        let (text, out) = run_and_format(command().current_dir(dir.path()).args(args));
        assert_eq!(out.status.code(), Some(1), "{text}");
        text
    };
    let mut all = vec![
        new(&["new", "todoo", "x"]),
        new(&["new", "todo", "x", "--name", "9lives"]),
    ];
    std::fs::create_dir(dir.path().join("full")).unwrap();
    std::fs::write(dir.path().join("full/README.md"), "mine\n").unwrap();
    all.push(new(&["new", "todo", "full"]));
    all.push(new(&["new", "todo", "full", "--force"]));
    redacted_snapshot!(all.join("\n"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("full/README.md")).unwrap(),
        "mine\n"
    );
    assert!(dir.path().join("full/blueprint.yaml").is_file());
}

#[test]
fn graph_formats() {
    let out = cli_snapshot!(command().args(["graph", "todo"]), "mermaid");
    assert!(out.status.success());
    let out = cli_snapshot!(command().args(["graph", "todo", "--format", "dot"]), "dot");
    assert!(out.status.success());
    let out = blueprint()
        .args(["graph", "todo", "--output", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let node = &v["nodes"][0];
    for k in ["id", "label", "type", "layer", "stack", "folded"] {
        assert!(node.get(k).is_some(), "{k}");
    }
    let edge = &v["edges"][0];
    for k in ["from", "to", "label"] {
        assert!(edge.get(k).is_some(), "{k}");
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        blueprint()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("synth").and(predicate::str::contains("graph")));
    }
    blueprint()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH blueprint").and(predicate::str::contains("new")));
    let dir = tempfile::tempdir().unwrap();
    blueprint()
        .args(["man", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(dir.path().join("blueprint.1").is_file());
    assert!(dir.path().join("blueprint-synth.1").is_file());
}

#[test]
fn json_output_of_list_explain_and_synth() {
    let out = blueprint()
        .args(["list", "--output", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "todo");
    assert_eq!(v[0]["requirements"][0]["id"], "TODO-1");
    assert!(v[0]["summary"].is_string() && v[0]["requirements"][0]["text"].is_string());

    let out = blueprint()
        .args(["explain", "todo", "--output", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["blueprint"], "todo");
    let r = &v["requirements"][0]["resources"][0];
    assert_eq!(r["stack"], "todo");
    assert!(r["logical_id"].is_string() && r["type"].is_string());

    let dir = tempfile::tempdir().unwrap();
    let out = blueprint()
        .args(["synth", "todo", "--output", "json", "--out"])
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("o/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(v, written);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    // Not a terminal: plain.
    blueprint().args(["list", "--bogus"]).assert().code(1);
    blueprint()
        .args(["synth", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: unknown blueprint"));
    blueprint()
        .args(["--color", "always", "synth", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("\u{1b}["));
    blueprint()
        .env("NO_COLOR", "1")
        .args(["--color", "auto", "synth", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error:"));
}
