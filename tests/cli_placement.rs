//! The placement file as a user meets it: `synth` writes it next to the
//! project file (and only then), keeps services where it says through
//! removals and reorders, and refuses a broken one at file:line:col, writing
//! nothing.

use std::path::Path;

use crate::common::{blueprint, command, run_and_format};

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
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "first");
    assert!(out.status.success());
    assert_eq!(
        read(&file),
        placement(&[("orders", "root"), ("users", "root")])
    );
    // Again: the same file, said to be unchanged.
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "again");
    assert!(out.status.success());
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
    let out = cli_snapshot!(command()
        .current_dir(dir.path())
        .args(["synth", "microservices"]));
    assert!(out.status.success());
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
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"));
    assert!(out.status.success());
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
    let cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"  \n".to_vec(),
        b"null".to_vec(),
        b"[1]".to_vec(),
        b"{\"version\": 1, \"templates\": {}, \"stacks\": {}}".to_vec(),
        b"{\"version\": \"1\", \"templates\": {}}".to_vec(),
        b"{\"version\": 7, \"templates\": {}}".to_vec(),
        b"{\"version\": 1}".to_vec(),
        b"{\"version\": 1, \"templates\": {}, \"version\": 1}".to_vec(),
        b"{\"version\": 1, \"templates\": []}".to_vec(),
        b"{\"version\": 1, \"templates\": {\"shop\": {}, \"shop\": {}}}".to_vec(),
        ok("{\"users\": \"root\",\n \"users\": \"root\"}").into_bytes(),
        ok("{\"users\": 1}").into_bytes(),
        ok("{\"users\": {\"home\": \"root\"}}").into_bytes(),
        ok("{\"users\": null}").into_bytes(),
        ok("{\"users\": \"Foo\"}").into_bytes(),
        ok("{\"users\": \"Overflow0\"}").into_bytes(),
        ok("{\"users\": \"Overflow21\"}").into_bytes(),
        ok("{\"\": \"root\"}").into_bytes(),
        // Hostile: not JSON, cut short, deep, odd bytes.
        b"{\"version\": 1,\n  \"templates\": {},}".to_vec(),
        b"{\"version\": 1, \"templates\": {".to_vec(),
        b"{\"version\": 1, \"templates\": {}} trailing".to_vec(),
        format!(
            "{{\"version\": 1, \"templates\": {}{}}}",
            "[".repeat(200_000),
            "]".repeat(200_000)
        )
        .into_bytes(),
        b"\xef\xbb\xbf{\"version\": 1, \"templates\": {}}".to_vec(),
        b"{\"version\": 1, \"templates\": {\"\xff\": {}}}".to_vec(),
        ok("{\"users\": \"\\ud800\"}").into_bytes(),
        b"{\"version\": 1e999, \"templates\": {}}".to_vec(),
        b"\0".to_vec(),
    ];
    let mut all = Vec::new();
    for text in cases {
        std::fs::write(&file, &text).unwrap();
        let (out, run) = run_and_format(command().current_dir(dir.path()).arg("synth"));
        assert_eq!(run.status.code(), Some(1), "{out}");
        assert_eq!(std::fs::read(&file).unwrap(), text);
        assert!(!dir.path().join("blueprint.out").exists());
        let mut shown = String::from_utf8_lossy(&text).escape_debug().to_string();
        if shown.len() > 100 {
            let start: String = shown.chars().take(60).collect();
            shown = format!("{start}... ({} bytes)", text.len());
        }
        all.push(format!("# {f}: {shown}\n{out}"));
    }
    redacted_snapshot!(all.join("\n"));
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
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "huge");
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("blueprint.out").exists());
    // A directory of that name is no placement file.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let out = cli_snapshot!(command().current_dir(dir.path()).arg("synth"), "directory");
    assert_eq!(out.status.code(), Some(1));
}

/// `plan` reads the placement file as synth does: a broken one stops it
/// before it talks to AWS.
#[test]
fn plan_reads_the_placement_file_too() {
    let dir = tempfile::tempdir().unwrap();
    services(dir.path(), "blueprint.yaml", &["users"]);
    std::fs::write(dir.path().join("blueprint.placement.json"), "null").unwrap();
    let out = cli_snapshot!(command()
        .current_dir(dir.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .arg("plan"));
    assert_eq!(out.status.code(), Some(1));
}
