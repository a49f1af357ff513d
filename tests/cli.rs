//! The binary as a user runs it: exit codes, messages, files written.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{blueprint, command, input_header, project, run_and_format};

#[test]
fn synth_todo_writes_template_assets_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = cli_snapshot!(command().args(["synth", "todo", "--out"]).arg(&out));
    assert!(run.status.success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["blueprint"], "todo");
    assert_eq!(manifest["stacks"][0]["template"], "todo.template.yaml");
    let asset = manifest["assets"][0]["file"].as_str().unwrap();
    let zip = std::fs::read(out.join(asset)).unwrap();
    assert_eq!(
        zip.len() as u64,
        manifest["assets"][0]["bytes"].as_u64().unwrap()
    );
    let template = std::fs::read_to_string(out.join("todo.template.yaml")).unwrap();
    let key = manifest["assets"][0]["key"].as_str().unwrap();
    assert!(template.contains(&format!("S3Key: {key}")));
    // Named by its SHA-256.
    assert_eq!(
        key,
        format!("{}.zip", manifest["assets"][0]["sha256"].as_str().unwrap())
    );
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn two_runs_give_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    let read_all = |d: &Path| {
        let mut files: Vec<(String, Vec<u8>)> = walk(d)
            .into_iter()
            .map(|e| {
                (
                    e.strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(&e).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    for (i, format) in ["yaml", "json"].iter().enumerate() {
        let a = dir.path().join(format!("a{i}"));
        let b = dir.path().join(format!("b{i}"));
        for out in [&a, &b] {
            blueprint()
                .args(["synth", "todo", "--format", format, "--out"])
                .arg(out)
                .assert()
                .success();
        }
        assert_eq!(read_all(&a), read_all(&b));
        assert_eq!(read_all(&a).len(), 3);
    }
}

#[test]
fn synth_to_stdout_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "todo", "--stdout"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "AWSTemplateFormatVersion: 2010-09-09\n",
        ));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn synth_reads_the_project_file_in_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "blueprint: todo\nstack_name: shop-todo\nregion: eu-west-1\ntags:\n  team: mobile\noptions:\n  cache: api\n",
    );
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success();
    let out = dir.path().join("blueprint.out");
    let t = std::fs::read_to_string(out.join("shop-todo.template.yaml")).unwrap();
    assert!(t.contains("CacheClusterEnabled: true"));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["region"], "eu-west-1");
    assert_eq!(m["tags"]["team"], "mobile");
}

#[test]
fn a_projects_own_function_code_overrides_the_built_in_code() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "blueprint: todo\nstack_name: todo\nregion: us-east-1\n",
    );
    let builtin = blueprint()
        .args(["synth", "todo", "--stdout"])
        .output()
        .unwrap()
        .stdout;
    let same = blueprint()
        .current_dir(dir.path())
        .args(["synth", "--stdout"])
        .output()
        .unwrap();
    assert_eq!(
        builtin, same.stdout,
        "no functions/ dir: the built-in code is used"
    );
    let fdir = dir.path().join("functions/api");
    std::fs::create_dir_all(&fdir).unwrap();
    std::fs::write(
        fdir.join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
    let own = blueprint()
        .current_dir(dir.path())
        .args(["synth", "--stdout"])
        .output()
        .unwrap();
    assert!(own.status.success());
    assert_ne!(
        builtin, own.stdout,
        "the S3 key must follow the project's code"
    );
    let run = cli_snapshot!(command().current_dir(dir.path()).arg("synth"));
    assert!(run.status.success());
}

#[test]
fn stale_files_of_the_previous_synth_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    blueprint()
        .args(["synth", "todo", "--out"])
        .arg(&out)
        .assert()
        .success();
    blueprint()
        .args(["synth", "todo", "--stack-name", "other", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(!out.join("todo.template.yaml").exists());
    assert!(out.join("other.template.yaml").exists());
}

#[test]
fn list_names_every_blueprint() {
    let out = cli_snapshot!(command().arg("list"));
    assert!(out.status.success());
    // In the registry's order, each with its summary.
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), blueprint::blueprints::ALL.len());
    for (line, b) in lines.iter().zip(blueprint::blueprints::ALL) {
        let (name, summary) = line.split_once("  ").unwrap();
        assert_eq!(name, b.name());
        assert_eq!(summary.trim_start(), b.summary());
    }
}

#[test]
fn explain_lists_every_accepted_risk_with_its_reason() {
    // The public reads, each with the blueprint's own reason.
    let out = cli_snapshot!(command().args(["explain", "blog"]), "blog");
    assert!(out.status.success());
    // A route the project opens carries the project's choice instead.
    let dir = tempfile::tempdir().unwrap();
    let cfg = project(
        dir.path(),
        "blueprint: blog\nstack_name: b\nregion: us-east-1\noptions:\n  auth:\n    public_routes: [POST /api/uploads]\n",
    );
    let out = cli_snapshot!(
        command()
            .args(["explain", "--output", "json", "--config"])
            .arg(&cfg),
        "json-public-route"
    );
    assert!(out.status.success());
}

#[test]
fn explain_maps_requirements_to_resources_from_the_template() {
    // Without a cache, TODO-5 has nothing to show.
    let out = cli_snapshot!(command().args(["explain", "todo"]), "defaults");
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let cfg = project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: dax\n",
    );
    let out = cli_snapshot!(command().args(["explain", "--config"]).arg(&cfg), "dax");
    assert!(out.status.success());
}

/// Runs `blueprint ARGS` in `dir`, which must fail with exit code 1, and
/// returns its output for a snapshot.
fn failure(args: &[&str], dir: &Path) -> String {
    let (text, out) = run_and_format(command().current_dir(dir).args(args));
    assert_eq!(out.status.code(), Some(1), "{text}");
    text
}

/// [`failure`] of `blueprint synth` in `dir` with `body` as its project file.
fn synth_failure(dir: &Path, body: &str) -> String {
    project(dir, body);
    input_header("blueprint.yaml", body) + &failure(&["synth"], dir)
}

#[test]
fn a_misspelled_key_is_located_and_the_right_one_suggested() {
    let dir = tempfile::tempdir().unwrap();
    redacted_snapshot!(synth_failure(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cahce: dax\n",
    ));
    assert!(
        !dir.path().join("blueprint.out").exists(),
        "nothing may be written"
    );
}

#[test]
fn an_unknown_value_is_located_and_the_right_one_suggested() {
    let dir = tempfile::tempdir().unwrap();
    redacted_snapshot!(synth_failure(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: daxx\n",
    ));
}

#[test]
fn values_outside_aws_limits_are_refused_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "options:\n  function:\n    memory_mb: 20000\n",
        "options:\n  function:\n    timeout_seconds: 0\n",
        "options:\n  log_retention_days: 31\n",
        "options:\n  table:\n    read_capacity: {min: 50, max: 10}\n",
        "options:\n  api_cache:\n    size_gb: 2\n",
        "options:\n  dax:\n    vpc_cidr: 10.0.0.0/8\n",
        "tags:\n  aws:owner: me\n",
    ];
    let mut all: Vec<String> = cases
        .iter()
        .map(|body| {
            synth_failure(
                dir.path(),
                &format!("blueprint: todo\nstack_name: t\nregion: us-east-1\n{body}"),
            )
        })
        .collect();
    all.push(synth_failure(
        dir.path(),
        "blueprint: todo\nstack_name: 9lives\nregion: us-east-1\n",
    ));
    all.push(synth_failure(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: mars-1\n",
    ));
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn malformed_yaml_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let all = [
        "blueprint: todo\nstack_name: t\n  region: us-east-1\n",
        "",
        "blueprint: todo\nstack_name: t\nregion: us-east-1\nregion: us-east-2\n",
    ]
    .map(|body| synth_failure(dir.path(), body));
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn unknown_blueprints_and_missing_files_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec![
        failure(&["synth", "tood"], dir.path()),
        failure(&["synth"], dir.path()),
    ];
    all.push(synth_failure(
        dir.path(),
        "blueprint: nope\nstack_name: t\nregion: us-east-1\n",
    ));
    all.push(failure(
        &["synth", "--stack-name", "a_b", "todo"],
        dir.path(),
    ));
    all.push(failure(&["frobnicate"], dir.path()));
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "keep me").unwrap();
    let out = cli_snapshot!(command().args(["synth", "todo", "--out"]).arg(&file));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn help_and_version() {
    let all = [
        &["--version"][..],
        &["--help"],
        &["synth", "--help"],
        &["list", "--help"],
        &["explain", "--help"],
    ]
    .map(|args| {
        let (text, out) = run_and_format(command().args(args));
        assert!(out.status.success(), "{text}");
        text
    });
    redacted_snapshot!(all.join("\n"));
}

#[test]
fn quiet_synth_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["-q", "synth", "todo"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn clicolor_force_colours_a_pipe_and_clicolor_0_turns_colour_off() {
    let run = |vars: &[(&str, &str)]| {
        let mut c = Command::cargo_bin("blueprint").unwrap();
        c.env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.args(["synth", "todoo"]).output().unwrap();
        String::from_utf8_lossy(&out.stderr).contains('\u{1b}')
    };
    // Standard error is a pipe here: no colour unless forced.
    assert!(!run(&[]));
    assert!(run(&[("CLICOLOR_FORCE", "1")]));
    assert!(run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!run(&[("CLICOLOR_FORCE", "0")]));
    assert!(!run(&[("CLICOLOR", "0")]));
}

#[test]
fn plan_and_apply_refuse_placeholders_before_contacting_aws() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = project(
        dir.path(),
        "blueprint: update-offload\nstack_name: u\nregion: us-east-1\noptions:\n  origin:\n    domain_name: files.example.net\n  domain:\n    name: updates.mycompany.dev\n    hosted_zone_id: Z05512345EXAMPLE\n",
    );
    for args in [vec!["plan"], vec!["apply", "--yes"]] {
        let out = cli_snapshot!(
            command()
                .args(&args)
                .arg("--config")
                .arg(&cfg)
                // Nothing listens there: a refusal must come first.
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
                .env("AWS_ACCESS_KEY_ID", "x")
                .env("AWS_SECRET_ACCESS_KEY", "x"),
            args[0]
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}

/// A big project file is scanned for placeholders on a thread beside the
/// synthesis: the same warnings, at the same places, as a small one.
#[test]
fn placeholders_of_a_big_project_file_are_found_alike() {
    let dir = tempfile::tempdir().unwrap();
    let warnings = |text: &str| {
        let cfg = project(dir.path(), text);
        let out = command()
            .args(["synth", "--stdout", "--config"])
            .arg(&cfg)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("a placeholder"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let text = "blueprint: update-offload\nstack_name: u\nregion: us-east-1\noptions:\n  origin:\n    domain_name: files.example.net\n";
    let small = warnings(text);
    assert_eq!(small.len(), 1, "{small:?}");
    assert!(
        small[0].contains(":6:18: options.origin.domain_name is `files.example.net`"),
        "{small:?}"
    );
    // 40 KB of comments after the options: past the size scanned beside.
    let big = warnings(&format!("{text}{}", "# more notes\n".repeat(3200)));
    assert_eq!(big, small);
}

/// The redactions of CLI snapshots hide what changes from run to run and
/// machine to machine, and nothing else.
#[test]
fn cli_snapshots_redact_temporary_directories_durations_and_ports() {
    let dir = tempfile::tempdir().unwrap();
    let raw = format!(
        "wrote {}/out/manifest.json\nstack `todo` applied in 12.3s\n     0.4s  CREATE_COMPLETE  Api\nfrom {}/tests/variants/x.yaml\nno answer from http://127.0.0.1:40123 in time (1 s per attempt, 2.5 s in all)\nblueprint {}\n",
        dir.path().display(),
        env!("CARGO_MANIFEST_DIR"),
        env!("CARGO_PKG_VERSION"),
    );
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in crate::common::redactions() {
        settings.add_filter(&pattern, replacement);
    }
    settings.bind(|| {
        insta::assert_snapshot!(raw, @r"
        wrote [TEMP_DIR]/out/manifest.json
        stack `todo` applied in [TIME]
             [TIME]  CREATE_COMPLETE  Api
        from [REPO]/tests/variants/x.yaml
        no answer from http://127.0.0.1:[PORT] in time (1 s per attempt, 2.5 s in all)
        blueprint [VERSION]
        ");
    });
}
