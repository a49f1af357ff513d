//! The binary as a user runs it: exit codes, messages, files written.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::{blueprint, project};

#[test]
fn synth_todo_writes_template_assets_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    blueprint()
        .args(["synth", "todo", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("todo.template.yaml"));
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
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "function `api` from functions/api",
        ));
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
    let out = blueprint().arg("list").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), blueprint::blueprints::ALL.len());
    for (line, b) in lines.iter().zip(blueprint::blueprints::ALL) {
        let (name, summary) = line.split_once("  ").unwrap();
        assert_eq!(name, b.name());
        assert_eq!(summary.trim_start(), b.summary());
    }
    assert!(lines[0].starts_with("todo "));
    assert!(text.contains("Mobile todo-list backend"));
}

#[test]
fn explain_lists_every_accepted_risk_with_its_reason() {
    let out = blueprint().args(["explain", "blog"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let risks = text
        .split("accepted risks (security checks not met on purpose, and why)\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no accepted risks in\n{text}"));
    // The public reads, each with the blueprint's own reason.
    for method in ["ApiApiPostsGet", "ApiApiPostsPostIdGet"] {
        assert!(
            risks.contains(&format!(
                "    {method}  CKV_AWS_59: public by design: anyone may read the published posts"
            )),
            "{method} in\n{risks}"
        );
    }
    assert!(risks.contains("    ThumbnailsFunction  CKV_AWS_116: failed asynchronous events go to the on-failure destination"));
    // A route the project opens carries the project's choice instead.
    let dir = tempfile::tempdir().unwrap();
    let cfg = project(
        dir.path(),
        "blueprint: blog\nstack_name: b\nregion: us-east-1\noptions:\n  auth:\n    public_routes: [POST /api/uploads]\n",
    );
    let out = blueprint()
        .args(["explain", "--output", "json", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = json.to_string();
    assert!(
        text.contains(
            "the project opened this route (options.auth.public_routes, warned at synth)"
        ),
        "{text}"
    );
}

#[test]
fn explain_maps_requirements_to_resources_from_the_template() {
    let out = blueprint().args(["explain", "todo"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for id in ["TODO-1", "TODO-2", "TODO-3", "TODO-4", "TODO-5", "TODO-6"] {
        assert!(text.contains(id), "{id} missing in\n{text}");
    }
    assert!(text.contains("TODO-3  Users manage their own files"));
    assert!(text.contains("    UsersAuthenticatedRole\n"));
    // Without a cache, TODO-5 has nothing to show.
    let todo5 = text.split("TODO-5").nth(1).unwrap();
    assert!(todo5.starts_with("  Read-heavy"));
    assert!(todo5.contains("(no resources with these options)"));

    let dir = tempfile::tempdir().unwrap();
    let cfg = project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: dax\n",
    );
    let out = blueprint()
        .args(["explain", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let todo5 = text
        .split("TODO-5")
        .nth(1)
        .unwrap()
        .split("TODO-6")
        .next()
        .unwrap();
    assert!(todo5.contains("    DaxCluster\n"), "{todo5}");
    assert!(todo5.contains("    ApiFunction\n"), "{todo5}");
}

fn fails_with(args: &[&str], dir: &Path, code: i32, message: &str) {
    blueprint()
        .current_dir(dir)
        .args(args)
        .assert()
        .code(code)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("panicked").not())
        .stderr(predicate::str::contains("RUST_BACKTRACE").not());
}

#[test]
fn a_misspelled_key_is_located_and_the_right_one_suggested() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cahce: dax\n",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "error: blueprint.yaml:5:3: options.cahce: unknown key; expected one of",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "help: did you mean the key `cache`?",
    );
    assert!(
        !dir.path().join("blueprint.out").exists(),
        "nothing may be written"
    );
}

#[test]
fn an_unknown_value_is_located_and_the_right_one_suggested() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\noptions:\n  cache: daxx\n",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "blueprint.yaml:5:10: options.cache: unknown value `daxx`",
    );
    fails_with(&["synth"], dir.path(), 1, "did you mean the value `dax`?");
}

#[test]
fn values_outside_aws_limits_are_refused_with_their_location() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "options:\n  function:\n    memory_mb: 20000\n",
            "blueprint.yaml:6:16: options.function.memory_mb: expected a whole number from 128 to 10240, found 20000",
        ),
        (
            "options:\n  function:\n    timeout_seconds: 0\n",
            "expected a whole number from 1 to 900, found 0",
        ),
        (
            "options:\n  log_retention_days: 31\n",
            "blueprint.yaml:5:23: options.log_retention_days: 31 is not a retention period CloudWatch Logs accepts",
        ),
        (
            "options:\n  table:\n    read_capacity: {min: 50, max: 10}\n",
            "min (50) is greater than max (10)",
        ),
        (
            "options:\n  api_cache:\n    size_gb: 2\n",
            "2 is not an API Gateway cache size",
        ),
        (
            "options:\n  dax:\n    vpc_cidr: 10.0.0.0/8\n",
            "is not an IPv4 CIDR block from /16 to /24",
        ),
        (
            "tags:\n  aws:owner: me\n",
            "the `aws:` prefix is reserved by AWS",
        ),
    ];
    for (body, message) in cases {
        project(
            dir.path(),
            &format!("blueprint: todo\nstack_name: t\nregion: us-east-1\n{body}"),
        );
        fails_with(&["synth"], dir.path(), 1, message);
    }
    project(
        dir.path(),
        "blueprint: todo\nstack_name: 9lives\nregion: us-east-1\n",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "blueprint.yaml:2:13: stack_name: `9lives` is not a valid stack name",
    );
    project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: mars-1\n",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "`mars-1` is not an AWS region code",
    );
}

#[test]
fn malformed_yaml_is_located() {
    let dir = tempfile::tempdir().unwrap();
    project(
        dir.path(),
        "blueprint: todo\nstack_name: t\n  region: us-east-1\n",
    );
    fails_with(&["synth"], dir.path(), 1, "blueprint.yaml:3:");
    project(dir.path(), "");
    fails_with(&["synth"], dir.path(), 1, "missing key `blueprint`");
    project(
        dir.path(),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\nregion: us-east-2\n",
    );
    fails_with(&["synth"], dir.path(), 1, "duplicate");
}

#[test]
fn unknown_blueprints_and_missing_files_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        &["synth", "tood"],
        dir.path(),
        1,
        "unknown blueprint `tood` (did you mean `todo`?); the blueprints are: todo",
    );
    fails_with(&["synth"], dir.path(), 1, "blueprint.yaml: no such file");
    project(
        dir.path(),
        "blueprint: nope\nstack_name: t\nregion: us-east-1\n",
    );
    fails_with(
        &["synth"],
        dir.path(),
        1,
        "blueprint.yaml:1:12: blueprint: unknown blueprint `nope`",
    );
    fails_with(
        &["synth", "--stack-name", "a_b", "todo"],
        dir.path(),
        1,
        "--stack-name: `a_b` is not a valid stack name",
    );
    fails_with(&["frobnicate"], dir.path(), 1, "unrecognized subcommand");
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, "keep me").unwrap();
    blueprint()
        .args(["synth", "todo", "--out"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("exists and is not a directory"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn help_and_version() {
    blueprint()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("blueprint "));
    for cmd in [
        &["--help"][..],
        &["synth", "--help"],
        &["list", "--help"],
        &["explain", "--help"],
    ] {
        blueprint()
            .args(cmd)
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage:"));
    }
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
        let out = blueprint()
            .args(&args)
            .arg("--config")
            .arg(&cfg)
            // Nothing listens there: a refusal must come first.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(
                "the project still has 2 placeholder values: fill them in before deploying"
            ),
            "{err}"
        );
        assert!(
            err.contains("blueprint.yaml:6:18: options.origin.domain_name is `files.example.net`"),
            "{err}"
        );
        assert!(
            err.contains(
                "blueprint.yaml:9:21: options.domain.hosted_zone_id is `Z05512345EXAMPLE`"
            ),
            "{err}"
        );
        assert!(err.contains("--allow-placeholders"), "{err}");
        assert!(!err.contains("127.0.0.1"), "{err}");
    }
}
