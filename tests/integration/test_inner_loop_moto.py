"""The inner loop (issue 17) against moto's server: `apply --hotswap` after a
handler edit changes the function's code through Lambda (its CodeSha256)
without a change set, for todo and for a service inside microservices'
nested stacks; a memory change falls back to a change set, saying why.
`logs` shows events written through the Logs API (and `--follow`, without
live tail there, falls back to polling); `invoke` through the
launcher's stand-in for Lambda's Invoke (moto needs Docker to run code).
Drift detection is tested over the in-memory fake (moto has none)."""

import json
import queue
import signal
import subprocess
import threading
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


def _log_group(endpoint, config, name):
    conf = client(endpoint, "lambda", config["region"]).get_function(FunctionName=name)["Configuration"]
    return (conf.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"


def test_logs_shows_events_written_through_the_logs_api(blueprint_bin, aws_env, endpoint, tmp_path):
    project, config = _new(blueprint_bin, aws_env, tmp_path, "todo")
    name = _functions(endpoint, config)["ApiFunction"]
    group = _log_group(endpoint, config, name)
    logs = client(endpoint, "logs", config["region"])
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/05/[$LATEST]abc")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/05/[$LATEST]abc",
        logEvents=[
            {"timestamp": now - 2000, "message": "START RequestId: r-1 Version: $LATEST"},
            {"timestamp": now - 1000, "message": json.dumps({"level": "ERROR", "message": "table missing", "requestId": "r-1"})},
        ],
    )
    r = run(blueprint_bin, aws_env, project, "logs", "ApiFunction", "--since", "1h")
    assert r.returncode == 0, ok(r)
    lines = r.stdout.splitlines()
    assert lines[0].endswith(" START RequestId: r-1 Version: $LATEST"), ok(r)
    assert lines[1].endswith(" ERROR table missing requestId=r-1"), ok(r)
    # Every function, prefixed by its path; JSON output.
    r = run(blueprint_bin, aws_env, project, "logs", "--output", "json")
    assert r.returncode == 0, ok(r)
    events = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["function"] for e in events] == ["ApiFunction", "ApiFunction"], ok(r)
    assert events[1]["json"]["level"] == "ERROR"
    r = run(blueprint_bin, aws_env, project, "logs", "--filter", "ERROR")
    assert r.returncode == 0 and "table missing" in r.stdout and "START" not in r.stdout, ok(r)
    _follow_falls_back_to_polling(blueprint_bin, aws_env, project, logs, group)


def _follow_falls_back_to_polling(blueprint_bin, env, project, logs, group):
    """`logs --follow`: moto has no live tail, so blueprint says so once and
    polls; an event written while it runs is printed; Ctrl-C ends it with 0."""
    proc = subprocess.Popen(
        [blueprint_bin, "logs", "ApiFunction", "--follow", "--since", "1h", "--filter", "ERROR"],
        env=env, cwd=project, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(text):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if text in lines.get(timeout=0.5):
                    return True
            except queue.Empty:
                pass
        return False

    try:
        assert wait_for("ERROR table missing"), "the history is printed first"
        logs.put_log_events(
            logGroupName=group,
            logStreamName="2026/12/05/[$LATEST]abc",
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "ERROR written while following"}],
        )
        assert wait_for("ERROR written while following"), "a new event is printed while following"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr.read().count("live tail is not available at this endpoint: following by polling") == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    "args,message",
    [
        (["logs", "ApiFuncton"], "no function `ApiFuncton` in the deployed stacks; did you mean `ApiFunction`?"),
        (["logs", "--since", "ten minutes"], "is not a duration"),
        (["logs", "--since", "10y"], "is not a duration"),
        (["logs", "--filter", ""], "is not a filter pattern"),
    ],
)
def test_logs_refuses_bad_input(blueprint_bin, aws_env, endpoint, tmp_path, args, message):
    project, _ = _new(blueprint_bin, aws_env, tmp_path, "todo") if args[1] == "ApiFuncton" else (tmp_path, None)
    r = run(blueprint_bin, aws_env, project, *args)
    assert r.returncode == 1, ok(r)
    assert message in r.stderr, ok(r)
    assert "panicked" not in r.stderr


def test_invoke_returns_the_result_and_the_log_tail(blueprint_bin, aws_env, endpoint, tmp_path):
    """Through the launcher's stand-in for Invoke (patch 19: moto needs
    Docker to run the code): what blueprint sends, reads back and prints."""
    project, config = _new(blueprint_bin, aws_env, tmp_path, "todo")
    name = _functions(endpoint, config)["ApiFunction"]
    (project / "event.json").write_text(json.dumps({"httpMethod": "GET", "path": "/todos"}))
    r = run(blueprint_bin, aws_env, project, "invoke", "ApiFunction", "--event", "event.json")
    assert r.returncode == 0, ok(r)
    result = json.loads(r.stdout)
    assert result == {"stand_in": "moto launcher patch 19", "function": name, "event": {"httpMethod": "GET", "path": "/todos"}}
    assert f"log tail of {name}:" in r.stderr, ok(r)
    assert "INFO invoked through the stand-in requestId=" in r.stderr, ok(r)
    r = run(blueprint_bin, aws_env, project, "invoke", "apifunction", "--output", "json")
    assert r.returncode == 0, ok(r)
    doc = json.loads(r.stdout)
    assert doc["status_code"] == 200 and doc["payload"]["event"] == {} and doc["function"] == "ApiFunction"
    # The invocation's lines reached the function's log group: `logs` shows them.
    r = run(blueprint_bin, aws_env, project, "logs", "ApiFunction")
    assert r.returncode == 0 and "INFO invoked through the stand-in" in r.stdout, ok(r)


def test_invoke_refuses_bad_events(blueprint_bin, aws_env, endpoint, tmp_path):
    project, _ = _new(blueprint_bin, aws_env, tmp_path, "todo")
    (project / "empty.json").write_text("  \n")
    (project / "bad.json").write_text("{\"a\": ")
    (project / "huge.json").write_text("[" + "1," * (3 * 1024 * 1024) + "1]")
    (tmp_path / "outside.json").write_text("{}")
    for args, message in [
        (["--event", "empty.json"], "the event is empty"),
        (["--event", "bad.json"], "the event is not JSON (line 1, column 6)"),
        (["--event", "huge.json"], "the event is over 6 MB"),
        (["--event", "../outside.json"], "is outside the project directory"),
        (["--event", "missing.json"], "missing.json: no such file or directory"),
    ]:
        r = run(blueprint_bin, aws_env, project, "invoke", "ApiFunction", *args)
        assert r.returncode == 1, (args, ok(r))
        assert message in r.stderr, (args, ok(r))
    r = run(blueprint_bin, aws_env, project, "invoke", "Apifunc")
    assert r.returncode == 1 and "did you mean `ApiFunction`?" in r.stderr, ok(r)


def test_watch_runs_a_round_after_an_edit_and_ends_on_ctrl_c(blueprint_bin, aws_env, endpoint, tmp_path):
    import signal
    import subprocess

    project, config = _new(blueprint_bin, aws_env, tmp_path, "todo")
    name = _functions(endpoint, config)["ApiFunction"]
    lam = client(endpoint, "lambda", config["region"])
    before = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    proc = subprocess.Popen(
        [blueprint_bin, "watch"], cwd=project, env=aws_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr.readline().startswith("watching blueprint.yaml and functions"), "no watching line"
        _edit(project / "functions/api/handler.py")
        line = proc.stdout.readline()
        assert line.startswith("round 1 (functions/api/handler.py): hot-swapped 1 function in "), line
        assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] != before
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert "stopped watching" in err


def test_hotswap_with_gradual_deploys_publishes_a_version_and_moves_the_alias(blueprint_bin, aws_env, endpoint, tmp_path):
    import shutil
    from pathlib import Path

    from deploying import deploy

    shutil.copytree(Path(__file__).resolve().parents[2] / "blueprints/todo/functions", tmp_path / "functions")
    config, resources = deploy("todo-lambda-deploy.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    name = resources["ApiFunction"][1]
    lam = client(endpoint, "lambda", config["region"])
    versions = len(lam.list_versions_by_function(FunctionName=name)["Versions"])
    _edit(tmp_path / "functions/api/handler.py")
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    line = next(l for l in r.stdout.splitlines() if l.startswith(f"hot-swapped todo/ApiFunction ({name}): code ("))
    assert ", alias live" in line, ok(r)
    version = line.split(", version ")[1].split(",")[0]
    assert len(lam.list_versions_by_function(FunctionName=name)["Versions"]) == versions + 1
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == version
