"""Fixtures for the tests against a local CloudFormation endpoint (moto's
server mode, started through moto_launcher.py, which registers placeholder
models and fixes nested-stack updates; see README.md): the server is started
on a free loopback port for the session and stopped afterwards. Under CI a
missing moto fails the tests; it is never silently skipped."""

import os
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The tests import what they share from deploying.py, beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAUNCHER = Path(__file__).resolve().parent / "moto_launcher.py"


def _moto_installed():
    """moto's server mode (moto[server]: flask, werkzeug) in this interpreter."""
    return all(importlib.util.find_spec(m) is not None for m in ("moto", "flask", "werkzeug"))


@pytest.fixture(scope="session")
def endpoint():
    if not _moto_installed():
        message = "moto[server] is not installed: run scripts/test, which installs it into .venv"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = open(ROOT / "target" / "moto-server.log", "w") if (ROOT / "target").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"moto (moto_launcher.py) did not start on {url}; its log: {getattr(log, 'name', '(none)')}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def aws_env(endpoint, tmp_path):
    """An environment that reaches only the local endpoint, with fake
    credentials and no retries (moto answers some failures with HTTP 500).
    Every test starts from an empty account: moto's state is reset (the
    toolkit stack, for one, is per region)."""
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST"), timeout=30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=endpoint,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_MAX_ATTEMPTS="1",
        # moto deploys a whole stack inside ExecuteChangeSet (CloudFormation
        # answers at once and works afterwards): 430 nested stacks take
        # seconds, over the default per-attempt limit meant for silent endpoints.
        BLUEPRINT_TIMEOUT_SECONDS="120",
        NO_COLOR="1",
        # The blueprints' documented placeholders (blog's sender
        # no-reply@example.com, the variants' example.com domains) deploy to
        # moto as they are; test_deploy_moto.py checks the refusal without it.
        BLUEPRINT_ALLOW_PLACEHOLDERS="1",
    )
    return env
