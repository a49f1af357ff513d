//! The placement file as a user meets it: `synth` writes it next to the
//! project file (and only then), keeps services where it says through
//! removals and reorders, and refuses a broken one at file:line:col, writing
//! nothing.

use std::path::Path;

use predicates::prelude::*;

use crate::common::blueprint;

/// A microservices project with the services `names`, in that order, each
/// with one route and the shared code folder `functions/orders`.
fn services(dir: &Path, file: &str, names: &[&str]) {
    let mut body = String::from(
        "blueprint: microservices\nstack_name: shop\nregion: us-east-1\noptions:\n  services:\n",
    );
    for n in names {
        body.push_str(&format!(
            "    - name: {n}\n      code: orders\n      routes:\n        - {{method: GET, path: /}}\n"
        ));
    }
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, body).unwrap();
    let code = path.parent().unwrap().join("functions/orders");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(
        code.join("handler.py"),
        "def handler(event, context):\n    return {}\n",
    )
    .unwrap();
}

fn placement(units: &[(&str, &str)]) -> String {
    let lines: Vec<String> = units
        .iter()
        .map(|(u, h)| format!("      \"{u}\": \"{h}\""))
        .collect();
    format!(
        "{{\n  \"version\": 1,\n  \"templates\": {{\n    \"shop\": {{\n{}\n    }}\n  }}\n}}\n",
        lines.join(",\n")
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn synth_writes_the_placement_next_to_the_project_file() {
    let dir = tempfile::tempdir().unwrap();
    services(dir.path(), "blueprint.yaml", &["users", "orders"]);
    let file = dir.path().join("blueprint.placement.json");
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "  blueprint.placement.json  where each of 2 units lives (0 in overflow stacks); commit it\n",
        ));
    assert_eq!(
        read(&file),
        placement(&[("orders", "root"), ("users", "root")])
    );
    // Again: the same file, said to be unchanged.
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "(0 in overflow stacks), unchanged; commit it",
        ));
    assert_eq!(
        read(&file),
        placement(&[("orders", "root"), ("users", "root")])
    );
    // `--config dir/x.yaml` → dir/x.placement.json.
    services(dir.path(), "sub/x.yaml", &["users"]);
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "--config", "sub/x.yaml", "--out", "sub/out"])
        .assert()
        .success();
    assert_eq!(
        read(&dir.path().join("sub/x.placement.json")),
        placement(&[("users", "root")])
    );
}

#[test]
fn no_placement_file_without_a_project_file_units_or_files_to_write() {
    let dir = tempfile::tempdir().unwrap();
    // Built-in defaults: no project file, no placement file.
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "microservices"])
        .assert()
        .success()
        .stderr(predicate::str::contains("placement").not());
    // --stdout writes nothing.
    services(dir.path(), "blueprint.yaml", &["users"]);
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "--stdout"])
        .assert()
        .success();
    // A blueprint without units (todo) has nothing to place.
    std::fs::write(
        dir.path().join("todo.yaml"),
        "blueprint: todo\nstack_name: t\nregion: us-east-1\n",
    )
    .unwrap();
    blueprint()
        .current_dir(dir.path())
        .args(["synth", "--config", "todo.yaml", "--out", "todo.out"])
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("placement"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// A service the placement file keeps in an overflow stack stays there when
/// services before it are removed or the list is reordered; a new one goes
/// to the root.
#[test]
fn services_stay_where_the_placement_file_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blueprint.placement.json");
    services(dir.path(), "blueprint.yaml", &["a", "b", "c"]);
    std::fs::write(
        &file,
        placement(&[("a", "root"), ("b", "Overflow2"), ("c", "root")]),
    )
    .unwrap();
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "split shop: over CloudFormation's limits, so 2 units stay and the rest go to 1 overflow stack (Overflow2: 1 units, 1 resources)",
        ))
        .stderr(predicate::str::contains("(1 in overflow stacks), unchanged"));
    services(dir.path(), "blueprint.yaml", &["d", "c", "b"]);
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success();
    assert_eq!(
        read(&file),
        placement(&[("b", "Overflow2"), ("c", "root"), ("d", "root")])
    );
    let root = read(&dir.path().join("blueprint.out/shop.template.yaml"));
    assert!(
        root.contains("  Overflow2:\n    Type: AWS::CloudFormation::Stack"),
        "{root}"
    );
    assert!(!root.contains("BService:"), "{root}");
}

/// Other stack names' entries (`--stack-name`) are kept.
#[test]
fn other_templates_in_the_file_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blueprint.placement.json");
    services(dir.path(), "blueprint.yaml", &["a"]);
    let other = "{\n  \"version\": 1,\n  \"templates\": {\n    \"prod\": {\n      \"a\": \"Overflow1\"\n    }\n  }\n}\n";
    std::fs::write(&file, other).unwrap();
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .success();
    assert_eq!(
        read(&file),
        "{\n  \"version\": 1,\n  \"templates\": {\n    \"prod\": {\n      \"a\": \"Overflow1\"\n    },\n    \"shop\": {\n      \"a\": \"root\"\n    }\n  }\n}\n"
    );
}

/// Each class of broken placement file: a located, plain-language error,
/// exit 1, nothing written, the file untouched.
#[test]
fn a_broken_placement_file_is_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    services(dir.path(), "blueprint.yaml", &["users"]);
    let file = dir.path().join("blueprint.placement.json");
    let f = "blueprint.placement.json";
    let ok = |units: &str| format!("{{\"version\": 1, \"templates\": {{\"shop\": {units}}}}}");
    let cases: Vec<(Vec<u8>, String)> = vec![
        (b"".to_vec(), format!("{f}:1:1: the file is empty")),
        (b"  \n".to_vec(), format!("{f}:1:1: the file is empty")),
        (b"null".to_vec(), format!("{f}:1:4: expected a JSON object with the keys `version` and `templates`, found null")),
        (b"[1]".to_vec(), format!("{f}:1:1: expected a JSON object with the keys `version` and `templates`, found a list")),
        (b"{\"version\": 1, \"templates\": {}, \"stacks\": {}}".to_vec(), format!("{f}:1:40: unknown key `stacks`; a placement file has the keys `version` and `templates`")),
        (b"{\"version\": \"1\", \"templates\": {}}".to_vec(), format!("{f}:1:15: expected the version number 1, found the string `1`")),
        (b"{\"version\": 7, \"templates\": {}}".to_vec(), format!("{f}:1:13: version 7 is not one this blueprint reads (it reads version 1)")),
        (b"{\"version\": 1}".to_vec(), format!("{f}:1:14: the key `templates` is missing")),
        (b"{\"version\": 1, \"templates\": {}, \"version\": 1}".to_vec(), format!("{f}:1:41: `version` is given twice")),
        (b"{\"version\": 1, \"templates\": []}".to_vec(), "expected an object: each template's path → the places of its units, found a list".into()),
        (b"{\"version\": 1, \"templates\": {\"shop\": {}, \"shop\": {}}}".to_vec(), "`shop` is listed twice among the templates".into()),
        (ok("{\"users\": \"root\",\n \"users\": \"root\"}").into_bytes(), format!("{f}:2:8: `users` is listed twice among the units of a template")),
        (ok("{\"users\": 1}").into_bytes(), "expected the name of a stack: `root` or `Overflow1` to `Overflow20`, found the number 1".into()),
        (ok("{\"users\": {\"home\": \"root\"}}").into_bytes(), "found an object".into()),
        (ok("{\"users\": null}").into_bytes(), "found null".into()),
        (ok("{\"users\": \"Foo\"}").into_bytes(), format!("{f}:1:52: `Foo` is not a stack: a unit lives in `root` (the template itself) or in `Overflow1` to `Overflow20`")),
        (ok("{\"users\": \"Overflow0\"}").into_bytes(), "`Overflow0` is not an overflow stack".into()),
        (ok("{\"users\": \"Overflow21\"}").into_bytes(), "`Overflow21` is not an overflow stack".into()),
        (ok("{\"\": \"root\"}").into_bytes(), "an empty name among the units of a template".into()),
        // Hostile: not JSON, cut short, deep, odd bytes.
        (b"{\"version\": 1,\n  \"templates\": {},}".to_vec(), format!("{f}:2:19: this is not valid JSON: unexpected `}}`")),
        (b"{\"version\": 1, \"templates\": {".to_vec(), "the file ends before the JSON does".into()),
        (b"{\"version\": 1, \"templates\": {}} trailing".to_vec(), "this is not valid JSON: unexpected `t`".into()),
        (format!("{{\"version\": 1, \"templates\": {}{}}}", "[".repeat(200_000), "]".repeat(200_000)).into_bytes(), "found a list".into()),
        (b"\xef\xbb\xbf{\"version\": 1, \"templates\": {}}".to_vec(), format!("{f}:1:1: this is not valid JSON: unexpected character U+FEFF")),
        (b"{\"version\": 1, \"templates\": {\"\xff\": {}}}".to_vec(), format!("{f}:1:")),
        (ok("{\"users\": \"\\ud800\"}").into_bytes(), "this is not valid JSON".into()),
        (b"{\"version\": 1e999, \"templates\": {}}".to_vec(), "this is not valid JSON".into()),
        (b"\0".to_vec(), "this is not valid JSON: unexpected character U+0000".into()),
    ];
    for (text, message) in cases {
        std::fs::write(&file, &text).unwrap();
        blueprint()
            .current_dir(dir.path())
            .arg("synth")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(message.as_str()))
            .stderr(predicate::str::contains(
                "restore the file from version control",
            ))
            .stderr(predicate::str::contains("panicked").not());
        assert_eq!(std::fs::read(&file).unwrap(), text);
        assert!(!dir.path().join("blueprint.out").exists());
    }
}

#[test]
fn a_huge_placement_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    services(dir.path(), "blueprint.yaml", &["users"]);
    let file = dir.path().join("blueprint.placement.json");
    let huge = format!(
        "{{\"version\": 1, \"templates\": {{\"x\": \"{}\"}}}}",
        "a".repeat(9 << 20)
    );
    std::fs::write(&file, &huge).unwrap();
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "blueprint.placement.json:1:1: the file is over 8388608 bytes",
        ));
    assert!(!dir.path().join("blueprint.out").exists());
    // A directory of that name is no placement file.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    blueprint()
        .current_dir(dir.path())
        .arg("synth")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "blueprint.placement.json is a directory",
        ));
}

/// `plan` reads the placement file as synth does: a broken one stops it
/// before it talks to AWS.
#[test]
fn plan_reads_the_placement_file_too() {
    let dir = tempfile::tempdir().unwrap();
    services(dir.path(), "blueprint.yaml", &["users"]);
    std::fs::write(dir.path().join("blueprint.placement.json"), "null").unwrap();
    blueprint()
        .current_dir(dir.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .arg("plan")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "blueprint.placement.json:1:4: expected a JSON object",
        ));
}
