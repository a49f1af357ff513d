"""`blueprint schema` (issue 16, item 5): the JSON Schema of blueprint.yaml.

Every built-in blueprint.yaml (blueprints/*/blueprint.yaml) and every
documented variant (tests/variants/*.yaml) validates against the schema of
its blueprint and against the one schema for all blueprints; the schema is
not trivially permissive (an unknown key, a wrong type, a number out of
range, a value not in a known set each fail, at the key that is wrong); and
`blueprint new` writes the schema next to blueprint.yaml and names it on
the file's first line.

    BLUEPRINT_BIN=target/debug/blueprint python -m pytest tests/schema
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = sorted(ROOT.glob("blueprints/*/blueprint.yaml")) + sorted(ROOT.glob("tests/variants/*.yaml"))


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1 (`yes`, `on` and dates are not strings there);
    blueprint reads YAML 1.2, where only true/false are booleans and dates
    are text. This loader resolves scalars the 1.2 way for those two."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _long_form(loader, suffix, node):
    """CloudFormation's short forms in a project's extra resources (`!Ref X`)
    as their long form (`{"Ref": "X"}`), as blueprint reads them."""
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        return {key: value.split(".", 1) if suffix == "GetAtt" else value}
    if isinstance(node, yaml.SequenceNode):
        return {key: loader.construct_sequence(node, deep=True)}
    return {key: loader.construct_mapping(node, deep=True)}


Yaml12Loader.add_multi_constructor("!", _long_form)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Yaml12Loader)


def run(blueprint_bin: str, *args: str) -> str:
    return subprocess.run([blueprint_bin, *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout


@pytest.fixture(scope="module")
def names(blueprint_bin: str) -> list[str]:
    return [line.split()[0] for line in run(blueprint_bin, "list").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def validators(blueprint_bin: str, names: list[str]) -> dict[str | None, jsonschema.Draft7Validator]:
    """The validator of each blueprint's schema, and (key None) of the one
    for every blueprint; each schema is checked against the draft first."""
    out: dict[str | None, jsonschema.Draft7Validator] = {}
    for name in [None, *names]:
        schema = json.loads(run(blueprint_bin, "schema", *([name] if name else [])))
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        jsonschema.Draft7Validator.check_schema(schema)
        out[name] = jsonschema.Draft7Validator(schema)
    return out


def errors(validator: jsonschema.Draft7Validator, doc: Any) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(doc)]


def test_every_blueprint_has_a_built_in_project(names: list[str]) -> None:
    built_in = {p.parent.name for p in ROOT.glob("blueprints/*/blueprint.yaml")}
    assert built_in == set(names)
    assert len(PROJECTS) > len(names), "the variants are missing"


@pytest.mark.parametrize("path", PROJECTS, ids=[str(p.relative_to(ROOT)) for p in PROJECTS])
def test_documented_projects_validate(path: Path, validators: dict) -> None:
    doc = load(path.read_text())
    assert errors(validators[doc["blueprint"]], doc) == []
    assert errors(validators[None], doc) == []


def todo() -> dict[str, Any]:
    return load((ROOT / "blueprints/todo/blueprint.yaml").read_text())


def set_at(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    node[last] = value
    return doc


WRONG = [
    # (what, the key to set, its value)
    ("unknown top-level key", "stak_name", "todo"),
    ("unknown option", "options.cach", "none"),
    ("unknown key two levels down", "options.dax.nodez", 3),
    ("unknown key in a shared option", "options.lambda.tracin", True),
    ("unknown key in the API options", "options.api.stagename", "v2"),
    ("wrong type", "options.dax.nodes", "three"),
    ("wrong type for a flag", "termination_protection", "yes please"),
    ("out of range", "options.dax.nodes", 12),
    ("below the range", "options.function.memory_mb", 64),
    ("not a retention period", "options.log_retention_days", 31),
    ("not a choice", "options.cache", "redis"),
    ("not a region", "region", "mars-1"),
    ("not a stack name", "stack_name", "2-todo"),
    ("a reserved tag key", "tags", {"aws:owner": "me"}),
    ("not a CIDR block", "options.dax.vpc_cidr", "10.0.0.0/8"),
    ("not a DAX node type", "options.dax.node_type", "r5.large"),
]


@pytest.mark.parametrize("what,path,value", WRONG, ids=[w[0] for w in WRONG])
def test_wrong_files_fail(what: str, path: str, value: Any, validators: dict, blueprint_bin: str, tmp_path: Path) -> None:
    doc = set_at(todo(), path, value)
    for validator in (validators["todo"], validators[None]):
        found = errors(validator, doc)
        assert found, f"{what}: the schema accepted {path}: {value!r}"
    # Best match names the key that is wrong (or its parent, for an unknown key).
    best = jsonschema.exceptions.best_match(validators["todo"].iter_errors(doc))
    where = ".".join(map(str, best.absolute_path))
    assert path.startswith(where), f"{what}: reported at `{where}`, not at `{path}`"
    # And blueprint itself refuses the same file: the schema states its rules.
    project = tmp_path / "blueprint.yaml"
    project.write_text(yaml.safe_dump(doc, sort_keys=False))
    synth = subprocess.run([blueprint_bin, "-q", "synth", "--config", str(project), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert synth.returncode != 0, f"{what}: blueprint accepted what the schema refuses"


def test_a_blueprint_name_chooses_the_options(validators: dict) -> None:
    doc = todo()
    doc["blueprint"] = "chat"
    assert errors(validators[None], doc), "todo's options passed as chat's"
    doc["blueprint"] = "nope"
    assert errors(validators[None], doc)


def test_new_writes_the_schema_and_names_it(blueprint_bin: str, names: list[str], tmp_path: Path, validators: dict) -> None:
    for name in names:
        project = tmp_path / name
        run(blueprint_bin, "-q", "new", name, str(project))
        text = (project / "blueprint.yaml").read_text()
        assert text.splitlines()[0] == "# yaml-language-server: $schema=.blueprint/schema.json"
        written = json.loads((project / ".blueprint/schema.json").read_text())
        assert written == validators[name].schema
        assert errors(validators[name], load(text)) == []


def test_the_schema_is_deterministic(blueprint_bin: str) -> None:
    assert run(blueprint_bin, "schema") == run(blueprint_bin, "schema")


def test_defaults_and_descriptions_come_from_the_code(validators: dict) -> None:
    schema = validators["todo"].schema
    options = schema["definitions"]["Options"]["properties"]
    assert options["cache"]["default"] == "none"
    assert schema["properties"]["termination_protection"]["default"] is True
    assert "stack name" in schema["properties"]["stack_name"]["description"]
