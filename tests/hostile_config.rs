//! Hostile and malformed project files: each is refused with exit code 1 and
//! an exact, plain message located at file:line:col where there is a place
//! to point at, and nothing is written. No test here is timed; parse time
//! is measured by `cargo bench --bench parse`.

use std::path::Path;

use crate::common::{blueprint, command};

const HEAD: &str = "blueprint: todo\nstack_name: todo\nregion: us-east-1\n";

/// Runs `synth --config CONFIG --out out` in `dir` and checks that it fails
/// with exit code 1, prints exactly `error: MESSAGE`, and writes nothing.
fn refused(dir: &Path, config: &str, message: &str) {
    let out = dir.join("out");
    let run = blueprint()
        .current_dir(dir)
        .args(["synth", "--config", config, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(stderr, format!("error: {message}\n"));
    assert!(run.stdout.is_empty());
    assert!(!out.exists(), "{} was created", out.display());
}

/// Writes `body` as blueprint.yaml in a new directory and expects `message`.
fn file_refused(body: impl AsRef<[u8]>, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), body).unwrap();
    refused(dir.path(), "blueprint.yaml", message);
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let body = format!("{HEAD}# {}\n", "x".repeat(1024 * 1024));
    file_refused(
        body,
        "blueprint.yaml: the file is larger than 1 MiB, the most blueprint reads; a project file is far smaller",
    );
}

#[cfg(unix)]
#[test]
fn an_endless_device_is_read_only_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        dir.path(),
        "/dev/zero",
        "/dev/zero: the file is larger than 1 MiB, the most blueprint reads; a project file is far smaller",
    );
}

#[test]
fn a_directory_or_bytes_that_are_not_text_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("project")).unwrap();
    refused(
        dir.path(),
        "project",
        "project: is a directory; name the project file (blueprint.yaml)",
    );
    file_refused(
        b"blueprint: todo\nstack_name: todo\xff\n",
        "blueprint.yaml: is not UTF-8 text (the first bad byte is at offset 32); save it as UTF-8",
    );
}

#[test]
fn deep_flow_nesting_is_refused_where_it_passes_the_limit() {
    // About 1 MB of brackets.
    let n = 500_000;
    let body = format!("{HEAD}options: {}{}\n", "[".repeat(n), "]".repeat(n));
    file_refused(
        body,
        "blueprint.yaml:4:73: mappings and lists nest more than 64 levels deep here, more than any project file needs",
    );
    // Mappings in flow style count the same, also inside a block mapping.
    let body = format!(
        "{HEAD}options:\n  a: {}{}\n",
        "{b: ".repeat(70),
        "}".repeat(70)
    );
    file_refused(
        body,
        "blueprint.yaml:5:254: mappings and lists nest more than 64 levels deep here, more than any project file needs",
    );
}

#[test]
fn deep_block_nesting_is_refused_where_it_passes_the_limit() {
    let mut body = String::from(HEAD);
    for i in 0..1000 {
        body.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
    }
    file_refused(
        body,
        "blueprint.yaml:68:65: mappings and lists nest more than 64 levels deep here, more than any project file needs",
    );
    // Lists nested in one line (`- - - x`).
    let body = format!("{HEAD}options:\n  a:\n    {}x\n", "- ".repeat(100));
    file_refused(
        body,
        "blueprint.yaml:6:129: mappings and lists nest more than 64 levels deep here, more than any project file needs",
    );
}

#[test]
fn nesting_within_the_limit_parses_to_an_ordinary_error() {
    // 60 levels are not refused as too deep: the unknown key is reported.
    let body = format!("{HEAD}extra: {}{}\n", "[".repeat(60), "]".repeat(60));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blueprint.yaml"), body).unwrap();
    let run = cli_snapshot!(command().current_dir(dir.path()).args([
        "synth",
        "--config",
        "blueprint.yaml",
        "--out",
        "out"
    ]));
    assert_eq!(run.status.code(), Some(1));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn billion_laughs_aliases_are_refused() {
    let mut body = format!(
        "{HEAD}options:\n  a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(", ");
        body.push_str(&format!("  {0}: &{0} [{refs}]\n", w[1]));
    }
    file_refused(
        body,
        "blueprint.yaml:11:18: aliases (`*name`) repeat more than 16 MiB of text by here, more than any project file needs",
    );
}

#[test]
fn a_quadratic_alias_fan_out_is_refused() {
    // One big anchored list, repeated by many aliases.
    let mut body = format!("{HEAD}x: &big [{}]\ny: [", vec!["1"; 100_000].join(", "));
    body.push_str(&vec!["*big"; 100_000].join(", "));
    body.push_str("]\n");
    file_refused(
        body,
        "blueprint.yaml:5:335: aliases (`*name`) repeat more than 16 MiB of text by here, more than any project file needs",
    );
}

#[test]
fn an_alias_inside_its_own_anchor_is_refused() {
    file_refused(
        format!("{HEAD}options:\n  a: &a\n    b: *a\n"),
        "blueprint.yaml:6:8: the alias `*a` is used inside the value its anchor `&a` names, so it would repeat forever",
    );
}

#[test]
fn an_alias_without_an_anchor_is_plain() {
    file_refused(
        format!("{HEAD}x: *nope\n"),
        "blueprint.yaml:4:4: this alias (`*name`) names no anchor (`&name`) written before it",
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = "\u{feff}".to_string();
    body.push_str(HEAD);
    std::fs::write(dir.path().join("blueprint.yaml"), body).unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "--config", "blueprint.yaml", "--out", "out"])
        .assert()
        .success();
    assert!(dir.path().join("out/todo.template.yaml").exists());
}

#[test]
fn after_a_byte_order_mark_columns_on_line_one_stay_right() {
    file_refused(
        "\u{feff}{blueprint: todo, stack_name: todo, region: us-east-1, termination_protection: 5}\n",
        "blueprint.yaml:1:80: termination_protection: expected true or false, found the number 5",
    );
}

#[test]
fn two_documents_are_located_at_the_second() {
    file_refused(
        format!("{HEAD}---\noptions: {{}}\n"),
        "blueprint.yaml:5:1: the file holds more than one YAML document (separated by a `---` line); a project file is one document",
    );
}

#[test]
fn wrong_types_are_named_in_plain_words() {
    let cases = [
        // Text where a whole number goes.
        (
            "options:\n  dax:\n    nodes: x\n",
            "blueprint.yaml:6:12: options.dax.nodes: expected a whole number from 1 to 11, found the text \"x\"",
        ),
        (
            "options:\n  dax:\n    nodes: -1\n",
            "blueprint.yaml:6:12: options.dax.nodes: expected a whole number from 1 to 11, found the number -1",
        ),
        (
            "options:\n  dax:\n    nodes: 1.5\n",
            "blueprint.yaml:6:12: options.dax.nodes: expected a whole number from 1 to 11, found the number 1.5",
        ),
        (
            "options:\n  dax:\n    nodes: 99999999999999999999999\n",
            "blueprint.yaml:6:12: options.dax.nodes: expected a whole number from 1 to 11, found the number 99999999999999999999999",
        ),
        // A list where a number goes, in flow style.
        (
            "options:\n  dax: {nodes: [1]}\n",
            "blueprint.yaml:5:16: options.dax.nodes: expected a whole number from 1 to 11, found a list",
        ),
        // Null where a mapping goes.
        (
            "options:\n  dax: null\n",
            "blueprint.yaml:5:8: options.dax: expected a mapping, found nothing (null)",
        ),
        // A list or a number where a mapping goes.
        (
            "options: [1]\n",
            "blueprint.yaml:4:10: options: expected a mapping, found a list",
        ),
        (
            "options: 5\n",
            "blueprint.yaml:4:10: options: expected a mapping, found the number 5",
        ),
        // A list or a mapping where one name goes.
        (
            "options:\n  cache: [none]\n",
            "blueprint.yaml:5:10: options.cache: expected a single name (text), found a list",
        ),
        (
            "options:\n  table:\n    billing: {a: 1}\n",
            "blueprint.yaml:6:14: options.table.billing: unknown value `a`; expected `on-demand` or `provisioned`",
        ),
        // A number or nothing where true or false goes.
        (
            "termination_protection: 5\n",
            "blueprint.yaml:4:25: termination_protection: expected true or false, found the number 5",
        ),
        (
            "termination_protection: null\n",
            "blueprint.yaml:4:25: termination_protection: expected true or false, found nothing (null)",
        ),
    ];
    for (options, message) in cases {
        file_refused(format!("{HEAD}{options}"), message);
    }
}

#[test]
fn wrong_types_in_a_list_of_services_are_plain() {
    let head = "blueprint: microservices\nstack_name: s\nregion: us-east-1\noptions:\n";
    file_refused(
        format!("{head}  services: {{a: 1}}\n"),
        "blueprint.yaml:5:13: options.services: expected a list, found a mapping",
    );
    file_refused(
        format!("{head}  services:\n    - name: svc\n      code: [orders]\n"),
        "blueprint.yaml:7:13: options.services[0].code: expected text, found a list",
    );
}
