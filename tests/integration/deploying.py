"""What the deploy tests share: running the binary, boto3 clients against the
local endpoint, and applying a project file from tests/variants/ (its example
certificate ARNs replaced by certificates made in moto's ACM) with every
resource of its stack tree read back. conftest.py puts this directory on
sys.path."""

import re
import subprocess
from pathlib import Path

import boto3
import yaml

VARIANTS = Path(__file__).resolve().parents[1] / "variants"


class ProjectLoader(yaml.SafeLoader):
    """A project file's YAML, with CloudFormation's short forms in its extra
    resources (`!Ref X`, `!GetAtt A.B`, `!If [...]`) read as their long form
    (`{"Ref": "X"}`), which blueprint reads the same: what the tests rewrite
    and write back stays a valid project file."""


def _long_form(loader, suffix, node):
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


ProjectLoader.add_multi_constructor("!", _long_form)


def load_project(text):
    """`text` (a blueprint.yaml) as data, short forms in long form."""
    return yaml.load(text, Loader=ProjectLoader)


def run(bin_, env, cwd, *args, timeout=300):
    return subprocess.run(
        [bin_, *args], env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=timeout
    )


def ok(r):
    return r.stdout + r.stderr


def client(endpoint, service, region="us-east-1"):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def apply(blueprint_bin, env, directory, region):
    """Bootstraps the project's region and us-east-1 (certificate stacks of
    custom domains), then applies ./blueprint.yaml."""
    for bootstrap_region in sorted({region, "us-east-1"}):
        r = run(blueprint_bin, env, directory, "bootstrap", "--region", bootstrap_region)
        assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, env, directory, "apply", "--yes")
    assert r.returncode == 0, ok(r)


def stack_resources(endpoint, region, stack):
    """{path: (type, physical ID)} of the stack's resources and every nested
    stack's: a root resource by its logical ID, a nested one as
    `Parent/LogicalId`."""
    cfn = client(endpoint, "cloudformation", region)
    resources = {}

    def walk(stack, path):
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for s in page["StackResourceSummaries"]:
                key = f"{path}/{s['LogicalResourceId']}" if path else s["LogicalResourceId"]
                resources[key] = (s["ResourceType"], s.get("PhysicalResourceId"))
                if s["ResourceType"] == "AWS::CloudFormation::Stack":
                    walk(s["PhysicalResourceId"], key)

    walk(stack, "")
    return resources


def deploy(variant, blueprint_bin, env, endpoint, tmp_path):
    """Applies tests/variants/VARIANT (termination protection off, example
    certificates replaced by moto's); returns (config, stack_resources)."""
    text = (VARIANTS / variant).read_text()
    for arn in sorted(set(re.findall(r"arn:aws:acm:[a-z0-9-]+:\d+:certificate/[0-9a-f-]+", text))):
        made = client(endpoint, "acm", arn.split(":")[3]).request_certificate(DomainName="api.example.com")
        text = text.replace(arn, made["CertificateArn"])
    config = load_project(text)
    config["termination_protection"] = False
    make_stored_values(endpoint, config)
    (tmp_path / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    apply(blueprint_bin, env, tmp_path, config["region"])
    return config, stack_resources(endpoint, config["region"], config["stack_name"])


def stored_values(node):
    """Every `{ ssm: ... }` and `{ secret: ... }` in a project file."""
    if isinstance(node, dict):
        if "ssm" in node or "secret" in node:
            yield node
        for v in node.values():
            yield from stored_values(v)
    elif isinstance(node, list):
        for v in node:
            yield from stored_values(v)


def make_stored_values(endpoint, config, value="stand-in value"):
    """Makes the SSM parameters and secrets a project names (issue 16), as
    they would exist in the account, each holding `value`."""
    region = config["region"]
    for v in stored_values(config.get("options")):
        if "ssm" in v:
            kind = "SecureString" if v.get("secure") else "String"
            client(endpoint, "ssm", region).put_parameter(Name=v["ssm"], Value=value, Type=kind, Overwrite=True)
        elif not v["secret"].startswith("arn:"):
            client(endpoint, "secretsmanager", region).create_secret(Name=v["secret"], SecretString=value)


def destroy(blueprint_bin, env, directory):
    r = run(blueprint_bin, env, directory, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
