"""DAX for real (issue #14, TODO-5 and BLOG-2).

1. Deployed to moto, read back through the services' APIs: the DAX variants'
   API function (Lambda GetFunction) runs the code whose zip, read from
   moto's S3 where blueprint uploaded it, holds the `amazondax` package
   (CodeSha256 is that zip's), and its DAX_ENDPOINT is the discovery
   endpoint of the cluster the DAX API describes (a TLS cluster: `daxs://`).
   The defaults' function has neither.
2. The REAL DAX client, from the package `blueprint synth` writes, is what
   the handler uses: with the package on sys.path (in a separate Python) and
   DAX_ENDPOINT naming a TCP listener on loopback, the handler's request
   makes the client dial that listener and open the DAX protocol (its
   handshake starts with the client's magic bytes); a second listener
   standing in for DynamoDB (AWS_ENDPOINT_URL_DYNAMODB) gets nothing, so
   there is no fallback. The listener does not speak DAX (CBOR), so the
   client then fails and the handler answers 500 with a loud error.

moto cannot prove real DAX traffic (it has no DAX data plane): see README.
"""

import base64
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from deploying import client, deploy, destroy, ok, run

DAX_MAGIC = b"gJ7yne5G"  # amazondax/Tube.py: the first bytes of a DAX connection


def _function_zip(endpoint, region, stack, logical_id):
    """The zip the function's template points at, from moto's S3."""
    cfn = client(endpoint, "cloudformation", region)
    body = cfn.get_template(StackName=stack)["TemplateBody"]
    doc = body if isinstance(body, dict) else yaml.safe_load(body)
    code = doc["Resources"][logical_id]["Properties"]["Code"]
    bucket = code["S3Bucket"]
    if isinstance(bucket, dict):  # {"Ref": "AssetsBucket"}: the stack's parameter
        params = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Parameters"]
        bucket = next(p["ParameterValue"] for p in params if p["ParameterKey"] == bucket["Ref"])
    return client(endpoint, "s3", region).get_object(Bucket=bucket, Key=code["S3Key"])["Body"].read()


def _describe_available(dax, name):
    """The cluster as the DAX API describes it once available (moto moves
    a new cluster from `creating` to `available` over describe calls)."""
    for _ in range(10):
        cluster = dax.describe_clusters(ClusterNames=[name])["Clusters"][0]
        if cluster["Status"] == "available":
            return cluster
    raise AssertionError(f"DAX cluster {name} never became available: {cluster}")


@pytest.mark.parametrize(
    ("variant", "function_id"),
    [
        ("todo-cache-dax.yaml", "ApiFunction"),
        ("todo-dax-provisioned.yaml", "ApiFunction"),
        ("blog-global-dax.yaml", "ApiFunction"),
    ],
)
def test_the_deployed_function_packages_the_client_and_names_the_cluster(
    variant, function_id, blueprint_bin, aws_env, endpoint, tmp_path
):
    config, res = deploy(variant, blueprint_bin, aws_env, endpoint, tmp_path)
    region, stack = config["region"], config["stack_name"]
    assert function_id in res, sorted(res)
    lam = client(endpoint, "lambda", region)
    function = lam.get_function(FunctionName=res[function_id][1])
    conf = function["Configuration"]

    # DAX_ENDPOINT is the discovery endpoint of the cluster the DAX API knows.
    dax = client(endpoint, "dax", region)
    cluster = _describe_available(dax, res["DaxCluster"][1])
    assert cluster["ClusterEndpointEncryptionType"] == "TLS"
    address = cluster["ClusterDiscoveryEndpoint"]["Address"]
    assert conf["Environment"]["Variables"]["DAX_ENDPOINT"] == f"daxs://{address}"
    # The function is in the cluster's VPC (its subnets), with the client group.
    assert conf["VpcConfig"]["SubnetIds"], conf.get("VpcConfig")

    # The code Lambda runs (its CodeSha256) is the uploaded zip, holding the client.
    package = _function_zip(endpoint, region, stack, function_id)
    assert conf["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    names = zipfile.ZipFile(io.BytesIO(package)).namelist()
    for needed in ("handler.py", "amazondax/__init__.py", "amazondax/AmazonDaxClient.py", "antlr4/__init__.py"):
        assert needed in names, needed
    assert not any(n.startswith("botocore/") for n in names)
    destroy(blueprint_bin, aws_env, tmp_path)
    assert dax.describe_clusters()["Clusters"] == [] or all(
        c["Status"] in ("deleting", "deleted") for c in dax.describe_clusters()["Clusters"]
    )


def test_without_dax_the_deployed_function_has_no_client(blueprint_bin, aws_env, endpoint, tmp_path):
    r = run(blueprint_bin, aws_env, tmp_path, "new", "todo", str(tmp_path / "p"), "--name", "it-todo-nodax")
    assert r.returncode == 0, ok(r)
    directory = tmp_path / "p"
    config = yaml.safe_load((directory / "blueprint.yaml").read_text())
    config["termination_protection"] = False
    (directory / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for bootstrap_region in sorted({config["region"]}):
        assert run(blueprint_bin, aws_env, directory, "bootstrap", "--region", bootstrap_region).returncode == 0
    r = run(blueprint_bin, aws_env, directory, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    region, stack = config["region"], config["stack_name"]
    lam = client(endpoint, "lambda", region)
    cfn = client(endpoint, "cloudformation", region)
    physical = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="ApiFunction")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    conf = lam.get_function(FunctionName=physical)["Configuration"]
    assert "DAX_ENDPOINT" not in conf["Environment"]["Variables"]
    names = zipfile.ZipFile(io.BytesIO(_function_zip(endpoint, region, stack, "ApiFunction"))).namelist()
    assert not any(n.startswith("amazondax/") for n in names), names
    destroy(blueprint_bin, aws_env, directory)


# --------------------------------------------------------------------------
# The real client from the synthesized package dials DAX_ENDPOINT
# --------------------------------------------------------------------------


class _Listener:
    """A TCP listener on loopback recording each connection's first bytes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(4096))
                except OSError:
                    self.received.append(b"")

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


_INVOKE = r"""
import json, sys
import handler
response = handler.handler(json.loads(sys.argv[1]), None)
dax = sys.modules.get("amazondax")
print(json.dumps({"amazondax": getattr(dax, "__file__", None), "handler": handler.__file__}), flush=True)
print(json.dumps(response), flush=True)
"""


@pytest.mark.parametrize(
    ("target", "event", "environment"),
    [
        (
            ["--config", str(Path(__file__).resolve().parents[1] / "variants" / "todo-cache-dax.yaml")],
            {"resource": "/todos", "httpMethod": "GET", "requestContext": {"authorizer": {"claims": {"sub": "u-1"}}}},
            {"TABLE_NAME": "todos"},
        ),
        (
            ["--config", str(Path(__file__).resolve().parents[1] / "variants" / "blog-global-dax.yaml")],
            {"resource": "/api/posts/{postId}", "httpMethod": "GET", "pathParameters": {"postId": "post-1"}},
            {"POSTS_TABLE": "posts", "UPLOADS_BUCKET": "uploads"},
        ),
    ],
    ids=["todo", "blog"],
)
def test_the_real_client_in_the_package_dials_dax_endpoint(blueprint_bin, tmp_path, target, event, environment):
    r = run(blueprint_bin, {**os.environ, "NO_COLOR": "1"}, tmp_path, "-q", "synth", *target, "--out", "out")
    assert r.returncode == 0, ok(r)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    api = next(a for a in manifest["assets"] if a.get("function") == "api")
    package = tmp_path / "package"
    zipfile.ZipFile(tmp_path / "out" / api["file"]).extractall(package)

    dax, dynamodb = _Listener(), _Listener()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
        env.update(
            environment,
            PYTHONPATH=str(package),
            PYTHONDONTWRITEBYTECODE="1",
            DAX_ENDPOINT=f"dax://127.0.0.1:{dax.port}",
            AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{dynamodb.port}",
            AWS_REGION="us-east-1",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_CONFIG_FILE=str(tmp_path / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_MAX_ATTEMPTS="1",
        )
        started = time.monotonic()
        p = subprocess.run(
            [sys.executable, "-c", _INVOKE, json.dumps(event)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        elapsed = time.monotonic() - started
    finally:
        dax.close()
        dynamodb.close()
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.strip().splitlines()
    modules, response = json.loads(lines[0]), json.loads(lines[-1])
    # The client imported is the package's own, not one installed here.
    assert modules["amazondax"], "the handler never imported amazondax"
    assert Path(modules["amazondax"]).resolve().is_relative_to(package.resolve()), modules
    assert Path(modules["handler"]).resolve().is_relative_to(package.resolve()), modules
    # It dialed the endpoint DAX_ENDPOINT names and spoke DAX.
    assert dax.received, f"nothing connected to DAX_ENDPOINT in {elapsed:.1f}s\n{p.stderr}"
    assert dax.received[0].startswith(DAX_MAGIC), dax.received[0][:64]
    # No silent fallback: DynamoDB was never called, the request failed loudly.
    assert dynamodb.received == [], dynamodb.received
    assert response["statusCode"] == 500, response
    assert "DAX_ENDPOINT is set" in p.stderr and "could not be built" in p.stderr, p.stderr[-3000:]
