"""The inner loop (issue 17) against moto's server, for every blueprint
(todo, blog, microservices, update-offload, conference, event-pipeline,
chat; one deploy each): `apply --hotswap` after a handler edit changes the
code of every function that uses the handler through Lambda (CodeSha256,
LastUpdateStatus) without a change set on any stack of the tree; an option
that changes only a function's environment is hot-swapped through
UpdateFunctionConfiguration; a full apply and `plan` 0 follow; `invoke`
through the launcher's stand-in for Lambda's Invoke (moto needs Docker to
run code) and `logs` (one function, nested names included; every function
with --output json) checked against the Logs API; a change that cannot be
hot-swapped (memory in a microservices service, todo's admin group) falls
back to a change set, saying why. Also on todo: `logs --filter` and
`--follow` (polling: moto has no live tail), bad input, `watch`, FN-DEPLOY's
version and alias. Drift detection is tested over the in-memory fake (moto
has none)."""

import base64
import dataclasses
import json
import queue
import signal
import subprocess
import threading
import time

import pytest
import yaml

from deploying import client, ok, run, stack_resources


def _new(blueprint_bin, env, tmp_path, blueprint, setup=None):
    """`blueprint new`, termination protection off, `setup(config)` applied
    to the project file, then bootstrap and apply."""
    project = tmp_path / blueprint
    r = run(blueprint_bin, env, tmp_path, "new", blueprint, str(project), "--name", f"it-{blueprint}")
    assert r.returncode == 0, ok(r)
    path = project / "blueprint.yaml"
    config = yaml.safe_load(path.read_text())
    config["termination_protection"] = False
    if setup:
        setup(config)
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
    deployed = lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    _edit(tmp_path / "functions/api/handler.py")
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    line = next(l for l in r.stdout.splitlines() if l.startswith(f"hot-swapped todo/ApiFunction ({name}): code ("))
    assert ", alias live" in line, ok(r)
    version = line.split(", version ")[1].split(",")[0]
    assert len(lam.list_versions_by_function(FunctionName=name)["Versions"]) == versions + 1
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == version
    code = lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"]
    assert lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]["CodeSha256"] == code

    # The alias moved back by hand (or a round that failed before moving
    # it): $LATEST already runs the package, the alias does not. The next
    # round moves the alias to a version of the new code without sending
    # the code again (Lambda hands back the version already published).
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion=deployed)
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    assert r.stdout == f"hot-swapped todo/ApiFunction ({name}): version {version}, alias live\n", ok(r)
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == version
    assert lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] == code
    assert "now differs from its template" in r.stderr, ok(r)

    # Nothing left to do: said once, and not as a warning.
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    assert r.stdout == "No changes: every function already runs this code and environment.\n", ok(r)
    assert "warning:" not in r.stderr, ok(r)
    assert r.stderr.count("note: stack `todo` still differs from its template after an earlier hot-swap") == 1, ok(r)


# ---------------------------------------------------------------------------
# Every blueprint (the team rule: what reaches AWS is run against the local
# endpoint for every blueprint it touches). One deploy per blueprint, then in
# sequence: a handler edit hot-swapped, an environment-only change
# hot-swapped (where an option makes one), a full apply and `plan` 0,
# `invoke`, `logs` of that function and of all functions; a change that
# cannot be hot-swapped falls back to a change set (todo, microservices).
# ---------------------------------------------------------------------------


def _options(*path, value):
    """A change of options.PATH (keys, or list indexes) to `value`."""

    def change(config):
        node = config["options"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def _with_demo_origin(endpoint):
    """update-offload's defaults have no function: its publisher comes with
    the demo origin (HTTPS with a certificate made in moto's ACM, as
    tests/variants/update-offload-demo-origin.yaml's)."""

    def setup(config):
        name = "origin.updates.example.net"
        arn = client(endpoint, "acm", config["region"]).request_certificate(DomainName=name)["CertificateArn"]
        config["options"]["demo_origin"].update(enabled=True, domain_name=name, certificate_arn=arn)

    return setup


def _with_shared_orders_code(endpoint):
    """A third service with the orders service's code (`code: orders`; the
    services then share one package): one handler file, two functions in two
    nested stacks."""

    def setup(config):
        config["options"]["services"].append(
            {"name": "order-history", "code": "orders", "table": False, "routes": [{"method": "GET", "path": "/"}]}
        )

    return setup


@dataclasses.dataclass
class Loop:
    """What one blueprint's inner loop edits and checks."""

    # The handler file edited, under the project `blueprint new` wrote.
    handler: str
    # Every function whose code that file is (paths as `blueprint explain`
    # names them; nested ones `Parent/Child`): each must be hot-swapped.
    swapped: tuple
    # The function `invoke` and `logs FUNCTION` name.
    function: str
    # An option that changes only one function's environment: (the change,
    # the function's path, the variable, its new value); None where no
    # option does (see `environment_note`).
    environment: tuple = None
    environment_note: str = ""
    # A change that cannot be hot-swapped: (the change, a reason `apply
    # --hotswap` must print, check(lam, functions) through Lambda).
    fallback: tuple = None
    # Options set before the first apply: setup(endpoint) -> setup(config).
    setup: object = None


def _memory(path, mb):
    def check(lam, functions):
        assert lam.get_function_configuration(FunctionName=functions[path])["MemorySize"] == mb

    return check


def _variable(path, name, value):
    def check(lam, functions):
        variables = lam.get_function_configuration(FunctionName=functions[path])["Environment"]["Variables"]
        assert variables[name] == value, variables

    return check


LOOPS = {
    "todo": Loop(
        handler="functions/api/handler.py",
        swapped=("ApiFunction",),
        function="ApiFunction",
        environment_note="auth.admin_group (ADMIN_GROUP) also renames the Cognito group",
        # The one option behind an environment variable also renames the
        # admin group: nothing is hot-swapped, the change set does both.
        fallback=(
            _options("auth", "admin_group", value="admins"),
            "UsersAdminGroup (AWS::Cognito::UserPoolGroup) is removed",
            _variable("ApiFunction", "ADMIN_GROUP", "admins"),
        ),
    ),
    "blog": Loop(
        handler="functions/api/handler.py",
        swapped=("ApiFunction",),
        function="ApiFunction",
        environment=(
            _options("welcome_email", "subject", value="Welcome, reader"),
            "WelcomeEmailFunction",
            "SUBJECT",
            "Welcome, reader",
        ),
    ),
    "microservices": Loop(
        handler="functions/orders/handler.py",
        swapped=("OrdersService/Function", "OrderHistoryService/Function"),
        function="OrdersService/Function",
        environment=(
            _options("services", 1, "environment", value={"GREETING": "hello"}),
            "OrdersService/Function",
            "GREETING",
            "hello",
        ),
        fallback=(
            _options("services", 1, "memory_mb", value=512),
            "it-microservices: OrdersService/Function (AWS::Lambda::Function) changes Properties.MemorySize",
            _memory("OrdersService/Function", 512),
        ),
        setup=_with_shared_orders_code,
    ),
    "update-offload": Loop(
        handler="functions/publisher/handler.py",
        swapped=("PublisherFunction",),
        function="PublisherFunction",
        environment_note="the publisher's variables are the bucket's name and the mount path, set by the blueprint",
        setup=_with_demo_origin,
    ),
    "conference": Loop(
        handler="functions/api/handler.py",
        swapped=("ApiFunction",),
        function="ApiFunction",
        environment=(
            _options("certificates", "download_link_minutes", value=20),
            "ApiFunction",
            "DOWNLOAD_LINK_SECONDS",
            "1200",
        ),
    ),
    "event-pipeline": Loop(
        handler="functions/processor/handler.py",
        swapped=("ProcessorFunction",),
        function="ProcessorFunction",
        environment=(
            _options("function", "max_read_mb", value=32),
            "ProcessorFunction",
            "MAX_READ_BYTES",
            str(32 * 1024 * 1024),
        ),
    ),
    "chat": Loop(
        handler="functions/broadcast/handler.py",
        swapped=("BroadcastFunction",),
        function="BroadcastFunction",
        environment=(
            _options("connection_ttl_hours", value=3),
            "ConnectFunction",
            "CONNECTION_TTL_SECONDS",
            "10800",
        ),
    ),
}


def _change(project, change):
    path = project / "blueprint.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def _swapped_lines(r):
    return [line for line in r.stdout.splitlines() if line.startswith("hot-swapped ")]


def _hotswap_a_handler_edit(blueprint_bin, env, endpoint, project, config, functions, loop):
    """The handler edited: every function using it is hot-swapped (a new
    CodeSha256, LastUpdateStatus Successful), no other function changes and
    no change set is made on any stack of the tree."""
    lam = client(endpoint, "lambda", config["region"])
    before = {p: lam.get_function(FunctionName=n)["Configuration"]["CodeSha256"] for p, n in functions.items()}
    change_sets = _change_sets(endpoint, config)
    _edit(project / loop.handler)
    r = run(blueprint_bin, env, project, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    lines = _swapped_lines(r)
    assert len(lines) == len(loop.swapped), ok(r)
    keys = set()
    for path in loop.swapped:
        prefix = f"hot-swapped {config['stack_name']}/{path} ({functions[path]}): code ("
        line = next((l for l in lines if l.startswith(prefix)), None)
        assert line, (prefix, ok(r))
        keys.add(line[len(prefix):].split(")")[0])
    assert len(keys) == 1, f"the functions of one handler share one package: {keys}"
    # blueprint names a package by its zip's SHA-256; Lambda reports it in base64.
    package = base64.b64encode(bytes.fromhex(keys.pop().removesuffix(".zip"))).decode()
    assert "now differs from its template" in r.stderr, ok(r)
    for path, name in functions.items():
        after = lam.get_function(FunctionName=name)["Configuration"]
        if path in loop.swapped:
            assert after["CodeSha256"] != before[path], path
            assert after["CodeSha256"] == package, (path, after)
            assert after["LastUpdateStatus"] == "Successful", (path, after)
        else:
            assert after["CodeSha256"] == before[path], f"{path} does not use {loop.handler}"
    assert _change_sets(endpoint, config) == change_sets, "no change set was made"


def _hotswap_an_environment_change(blueprint_bin, env, endpoint, project, config, functions, loop):
    """An option behind one variable: UpdateFunctionConfiguration with the
    function's variables, that one changed and the others kept. The deployed
    template still has the old package key until a full apply, but the
    handler's functions already run the new package: they are not updated
    again (no code line, the same CodeSha256)."""
    change, path, variable, value = loop.environment
    lam = client(endpoint, "lambda", config["region"])
    name = functions[path]
    before = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    hashes = {p: lam.get_function(FunctionName=n)["Configuration"]["CodeSha256"] for p, n in functions.items()}
    change_sets = _change_sets(endpoint, config)
    _change(project, change)
    r = run(blueprint_bin, env, project, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    stack = config["stack_name"]
    assert _swapped_lines(r) == [f"hot-swapped {stack}/{path} ({name}): environment ({variable})"], ok(r)
    for p in loop.swapped:
        if p != path:
            assert f"{stack}/{p} ({functions[p]}) already runs this code and environment" in r.stderr, ok(r)
    after = lam.get_function_configuration(FunctionName=name)
    assert after["Environment"]["Variables"] == {**before, variable: value}
    assert after["LastUpdateStatus"] == "Successful"
    for p, n in functions.items():
        assert lam.get_function(FunctionName=n)["Configuration"]["CodeSha256"] == hashes[p], p
    assert _change_sets(endpoint, config) == change_sets, "no change set was made"


def _log_events(logs, group, start):
    """The group's events from `start` on, through FilterLogEvents (none
    when the group does not exist: a function never invoked)."""
    try:
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start)
        return [e for page in pages for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def _readable(message):
    """What `logs` shows of a message (its `readable`): a JSON line as
    `LEVEL message key=value`."""
    try:
        m = json.loads(message)
    except ValueError:
        return message.rstrip()
    parts = [m[k] for k in ("level", "message") if k in m]
    parts += [f"{k}={v}" for k, v in m.items() if k not in ("level", "message", "timestamp", "time")]
    return " ".join(str(p) for p in parts)


def _invoke_and_logs(blueprint_bin, env, endpoint, project, config, functions, loop):
    """`invoke FUNCTION --event FILE` through the stand-in (patch 19), then
    `logs FUNCTION` and `logs --output json` (every function) against what
    the Logs API holds, with a line written by PutLogEvents into another
    function's group."""
    start = int(time.time() * 1000) - 3_600_000
    name = functions[loop.function]
    event = {"blueprint": config["blueprint"], "path": loop.function}
    (project / "event.json").write_text(json.dumps(event))
    r = run(blueprint_bin, env, project, "invoke", loop.function, "--event", "event.json")
    assert r.returncode == 0, ok(r)
    assert json.loads(r.stdout) == {"stand_in": "moto launcher patch 19", "function": name, "event": event}, ok(r)
    assert f"log tail of {name}:" in r.stderr, ok(r)
    assert "INFO invoked through the stand-in requestId=" in r.stderr, ok(r)

    logs = client(endpoint, "logs", config["region"])
    other = next((p for p in sorted(functions) if p != loop.function), loop.function)
    group = _log_group(endpoint, config, functions[other])
    if not logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]:
        logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/05/[$LATEST]written")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/05/[$LATEST]written",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": f"written for {other}"}],
    )

    held = _log_events(logs, _log_group(endpoint, config, name), start)
    assert len(held) >= 3, held
    r = run(blueprint_bin, env, project, "logs", loop.function, "--since", "1h")
    assert r.returncode == 0, ok(r)
    lines = r.stdout.splitlines()
    assert len(lines) == len(held), ok(r)
    for line, e in zip(lines, sorted(held, key=lambda e: e["timestamp"])):
        assert line.endswith(" " + _readable(e["message"])), (line, e)

    r = run(blueprint_bin, env, project, "logs", "--since", "1h", "--output", "json")
    assert r.returncode == 0, ok(r)
    shown = sorted((e["function"], e["message"]) for e in map(json.loads, r.stdout.splitlines()))
    want = sorted(
        (path, e["message"].rstrip())
        for path, fn in functions.items()
        for e in _log_events(logs, _log_group(endpoint, config, fn), start)
    )
    assert shown == want, ok(r)
    assert (other, f"written for {other}") in shown


def _fallback(blueprint_bin, env, endpoint, project, config, functions, loop):
    """A change `--hotswap` cannot make: a change set is made and executed,
    the reason printed, nothing hot-swapped."""
    change, reason, check = loop.fallback
    change_sets = _change_sets(endpoint, config)
    _change(project, change)
    r = run(blueprint_bin, env, project, "apply", "--hotswap", "--yes")
    assert r.returncode == 0, ok(r)
    assert "not hot-swappable, applying through a change set:" in r.stderr, ok(r)
    assert reason in r.stderr, ok(r)
    assert _swapped_lines(r) == [], ok(r)
    assert _change_sets(endpoint, config) > change_sets, "a change set was made"
    check(client(endpoint, "lambda", config["region"]), functions)


@pytest.mark.parametrize("blueprint", sorted(LOOPS))
def test_the_inner_loop_of_every_blueprint(blueprint_bin, aws_env, endpoint, tmp_path, blueprint):
    loop = LOOPS[blueprint]
    setup = loop.setup(endpoint) if loop.setup else None
    project, config = _new(blueprint_bin, aws_env, tmp_path, blueprint, setup)
    functions = _functions(endpoint, config)
    assert set(loop.swapped) | {loop.function} <= set(functions), functions
    _hotswap_a_handler_edit(blueprint_bin, aws_env, endpoint, project, config, functions, loop)
    if loop.environment:
        _hotswap_an_environment_change(blueprint_bin, aws_env, endpoint, project, config, functions, loop)
    else:
        assert loop.environment_note, "say why no option changes only an environment"
    # A full apply reconciles the stacks with their templates.
    r = run(blueprint_bin, aws_env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, project, "plan")
    assert r.returncode == 0, ok(r)
    assert _functions(endpoint, config) == functions, "every function kept its name"
    _invoke_and_logs(blueprint_bin, aws_env, endpoint, project, config, functions, loop)
    if loop.fallback:
        _fallback(blueprint_bin, aws_env, endpoint, project, config, functions, loop)
