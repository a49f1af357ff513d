//! The JSON Schema of blueprint.yaml (`blueprint schema`, and the
//! `.blueprint/schema.json` that `blueprint new` writes), generated from the
//! types a project file is parsed into: their serde attributes (names,
//! defaults, unknown keys refused) and doc comments, and the rules of the
//! validated values (`config::schema`). Draft-07, the draft editors'
//! YAML language servers read.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::{AnyBlueprint, Blueprint};
use crate::config::Project;

/// The meta-schema the schemas name.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

fn generator() -> SchemaGenerator {
    SchemaSettings::draft07().into_generator()
}

/// The schema of a project file of blueprint `B`, its `blueprint:` fixed
/// to `B`'s name; named definitions go into `g`.
pub(super) fn project<B: Blueprint>(g: &mut SchemaGenerator) -> Schema {
    let mut schema = Project::<B::Options>::json_schema(g);
    schema.insert(
        "description".into(),
        format!("blueprint.yaml of a `{}` project: {}", B::NAME, B::SUMMARY).into(),
    );
    if let Some(p) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        p.insert(
            "blueprint".into(),
            json!({"description": "The blueprint's name.", "const": B::NAME}),
        );
    }
    schema
}

/// The schema of a project file of `blueprint`, whole.
pub fn for_blueprint(blueprint: &dyn AnyBlueprint) -> Value {
    let mut g = generator();
    let body = blueprint.project_schema(&mut g).to_value();
    let title = format!("blueprint.yaml ({})", blueprint.name());
    finish(&title, body, g, Map::new())
}

/// One schema for a project file of any blueprint of `catalog`: the
/// `blueprint:` key chooses the rest (`if` it is `todo`, `then` the todo
/// project's schema), so a single schema serves every project.
pub fn for_catalog(catalog: &[&dyn AnyBlueprint]) -> Value {
    let mut g = generator();
    let mut projects = Map::new();
    let mut branches = Vec::new();
    for b in catalog {
        let name = format!("project-{}", b.name());
        projects.insert(name.clone(), b.project_schema(&mut g).to_value());
        branches.push(json!({
            "if": {"properties": {"blueprint": {"const": b.name()}}, "required": ["blueprint"]},
            "then": {"$ref": format!("#/definitions/{name}")},
        }));
    }
    let names: Vec<&str> = catalog.iter().map(|b| b.name()).collect();
    let body = json!({
        "description": "blueprint.yaml: a project of one of the blueprints (`blueprint list`)",
        "type": "object",
        "required": ["blueprint"],
        "properties": {
            "blueprint": {"description": "The blueprint's name.", "enum": names},
        },
        "allOf": branches,
    });
    finish("blueprint.yaml", body, g, projects)
}

/// `body` as a root schema: the draft and a title first, then the body,
/// then `first` and the generator's definitions.
fn finish(title: &str, body: Value, mut g: SchemaGenerator, first: Map<String, Value>) -> Value {
    let mut root = Map::new();
    root.insert("$schema".into(), DRAFT.into());
    root.insert("title".into(), title.into());
    if let Value::Object(body) = body {
        root.extend(body);
    }
    let mut definitions = first;
    definitions.extend(g.take_definitions(true));
    if !definitions.is_empty() {
        root.insert("definitions".into(), Value::Object(definitions));
    }
    Value::Object(root)
}
