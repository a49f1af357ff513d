//! `blueprint schema [BLUEPRINT]` (issue 16, item 5): the JSON Schema of
//! blueprint.yaml, and the copy `blueprint new` writes beside it. That every
//! documented project validates against it, and that wrong files do not, is
//! checked with a JSON Schema validator in tests/schema (pytest).

use blueprint::blueprints::{find, ALL};
use blueprint::scaffold::{scaffold, SCHEMA_FILE};

use crate::common::command;

/// One blueprint's schema, whole (the smallest: chat).
#[test]
fn the_schema_of_one_blueprint() {
    let out = cli_snapshot!(command().args(["schema", "chat"]));
    assert!(out.status.success());
}

#[test]
fn an_unknown_blueprint_is_refused_with_the_nearest_name() {
    let out = cli_snapshot!(command().args(["schema", "todoo"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// The same binary prints the same bytes, every time.
#[test]
fn the_schema_is_deterministic() {
    for args in [vec!["schema"], vec!["schema", "microservices"]] {
        let first = command().args(&args).output().unwrap();
        let second = command().args(&args).output().unwrap();
        assert!(first.status.success());
        assert_eq!(first.stdout, second.stdout, "{args:?}");
    }
}

fn schema(args: &[&str]) -> serde_json::Value {
    let out = command().arg("schema").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Without a blueprint: the `blueprint:` key is one of the catalog's, and
/// chooses the project schema of that blueprint (one `if`/`then` each).
#[test]
fn one_schema_serves_every_blueprint() {
    let all = schema(&[]);
    let names: Vec<&str> = ALL.iter().map(|b| b.name()).collect();
    assert_eq!(
        all["properties"]["blueprint"]["enum"],
        serde_json::json!(names)
    );
    let branches = all["allOf"].as_array().unwrap();
    assert_eq!(branches.len(), ALL.len());
    for (b, branch) in ALL.iter().zip(branches) {
        assert_eq!(branch["if"]["properties"]["blueprint"]["const"], b.name());
        let target = branch["then"]["$ref"].as_str().unwrap();
        let def = target.strip_prefix("#/definitions/").unwrap();
        let project = &all["definitions"][def];
        assert_eq!(project["properties"]["blueprint"]["const"], b.name());
        assert_eq!(project["additionalProperties"], false);
    }
}

/// Every key of the project file, with its rule, from the code.
#[test]
fn each_blueprint_schema_states_the_project_keys() {
    for b in ALL {
        let s = schema(&[b.name()]);
        assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(s["additionalProperties"], false, "{}", b.name());
        let props = s["properties"].as_object().unwrap();
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "blueprint",
                "stack_name",
                "region",
                "tags",
                "termination_protection",
                "options",
                "resources",
                "outputs",
                "conditions",
                "parameters",
                "nested_stacks",
                "overrides",
                "environments"
            ],
            "{}",
            b.name()
        );
        assert_eq!(
            s["required"],
            serde_json::json!(["blueprint", "stack_name", "region"])
        );
        assert_eq!(props["stack_name"]["pattern"], "^[A-Za-z][A-Za-z0-9-]*$");
        assert!(props["region"]["enum"].as_array().unwrap().len() > 30);
        assert_eq!(props["termination_protection"]["default"], true);
    }
}

/// `new` writes the blueprint's schema next to blueprint.yaml, and names it
/// on the file's first line, relative to the file (works offline).
#[test]
fn new_writes_the_schema_and_the_editor_line() {
    let todo = find("todo").unwrap();
    let files = scaffold(todo, None, None).unwrap();
    let file = |path: &str| {
        let f = files.iter().find(|f| f.path == path).unwrap();
        String::from_utf8(f.contents.clone()).unwrap()
    };
    let printed = command().args(["schema", "todo"]).output().unwrap().stdout;
    assert_eq!(file(SCHEMA_FILE), String::from_utf8(printed).unwrap());
    assert_eq!(
        file("blueprint.yaml").lines().next(),
        Some("# yaml-language-server: $schema=.blueprint/schema.json")
    );
}
