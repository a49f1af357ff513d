"""Environments (issue 16, item 3) against moto's server: `apply --env dev`
deploys the environment's stack, with its tags merged over the project's and
its options, read back through CloudFormation and Lambda; an environment
whose `account:` is not the caller's (moto's STS answers GetCallerIdentity
with account 123456789012) is refused by every command before anything is
created."""

import pytest
from botocore.exceptions import ClientError

from deploying import client, ok, run

MOTO_ACCOUNT = "123456789012"


def write_project(path, prod_account):
    path.write_text(
        "blueprint: todo\n"
        "stack_name: todo-env\n"
        "region: us-east-1\n"
        "termination_protection: false\n"
        "tags:\n"
        "  team: payments\n"
        "  environment: none\n"
        "options:\n"
        "  function:\n"
        "    memory_mb: 256\n"
        "environments:\n"
        "  dev:\n"
        "    stack_name: todo-env-dev\n"
        "    tags: {environment: dev}\n"
        f"    account: \"{MOTO_ACCOUNT}\"\n"
        "    options:\n"
        "      function: {memory_mb: 512}\n"
        "  prod:\n"
        "    stack_name: todo-env-prod\n"
        f"    account: \"{prod_account}\"\n"
    )


def stack(endpoint, name):
    try:
        return client(endpoint, "cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as e:
        assert "does not exist" in str(e), e
        return None


def test_apply_env_dev_deploys_the_dev_stack(blueprint_bin, aws_env, endpoint, tmp_path):
    write_project(tmp_path / "blueprint.yaml", "111122223333")
    r = run(blueprint_bin, aws_env, tmp_path, "bootstrap", "--region", "us-east-1")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--env", "dev", "--yes")
    assert r.returncode == 0, ok(r)

    dev = stack(endpoint, "todo-env-dev")
    assert dev is not None and dev["StackStatus"] == "CREATE_COMPLETE", dev
    tags = {t["Key"]: t["Value"] for t in dev.get("Tags", [])}
    assert tags.get("team") == "payments", tags
    assert tags.get("environment") == "dev", tags
    # The project's own stack was not touched.
    assert stack(endpoint, "todo-env") is None

    cfn = client(endpoint, "cloudformation")
    resources = cfn.list_stack_resources(StackName="todo-env-dev")["StackResourceSummaries"]
    function = next(x["PhysicalResourceId"] for x in resources if x["LogicalResourceId"] == "ApiFunction")
    config = client(endpoint, "lambda").get_function_configuration(FunctionName=function)
    assert config["MemorySize"] == 512

    r = run(blueprint_bin, aws_env, tmp_path, "plan", "--env", "dev")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "outputs", "--env", "dev")
    assert r.returncode == 0 and "todo-env-dev" in r.stdout, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "destroy", "--env", "dev", "--yes")
    assert r.returncode == 0, ok(r)
    assert stack(endpoint, "todo-env-dev") is None


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["apply", "--yes"],
        ["apply", "--yes", "--hotswap", "--force-hotswap"],
        ["destroy", "--yes"],
        ["status"],
        ["outputs"],
        ["bootstrap"],
    ],
    ids=lambda a: "-".join(a).replace("--", ""),
)
def test_the_wrong_account_is_refused(blueprint_bin, aws_env, endpoint, tmp_path, args):
    write_project(tmp_path / "blueprint.yaml", "111122223333")
    r = run(blueprint_bin, aws_env, tmp_path, "bootstrap", "--region", "us-east-1")
    assert r.returncode == 0, ok(r)
    before = [s["StackName"] for s in client(endpoint, "cloudformation").describe_stacks()["Stacks"]]

    r = run(blueprint_bin, aws_env, tmp_path, *args, "--env", "prod")
    assert r.returncode == 1, ok(r)
    assert "refusing to work in environment `prod`" in r.stderr, ok(r)
    assert f"for AWS account 111122223333, but the credentials in use are for account {MOTO_ACCOUNT}" in r.stderr
    after = [s["StackName"] for s in client(endpoint, "cloudformation").describe_stacks()["Stacks"]]
    assert after == before
    assert stack(endpoint, "todo-env-prod") is None


def test_the_right_account_plans(blueprint_bin, aws_env, endpoint, tmp_path):
    write_project(tmp_path / "blueprint.yaml", MOTO_ACCOUNT)
    r = run(blueprint_bin, aws_env, tmp_path, "bootstrap", "--region", "us-east-1")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "plan", "--env", "prod")
    assert r.returncode == 2, ok(r)
    assert "Stack todo-env-prod (us-east-1): create" in r.stdout, ok(r)
