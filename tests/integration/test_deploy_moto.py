"""The deploy cycle against moto's CloudFormation: bootstrap, plan, apply,
plan again, change an option, plan, apply, destroy; every step checked through
the exit code, the output and the service APIs (not only the stack status)."""

import subprocess

import boto3
import pytest
from botocore.exceptions import ClientError


def run(bin_, env, cwd, *args, stdin=subprocess.DEVNULL):
    return subprocess.run([bin_, *args], env=env, cwd=cwd, capture_output=True, text=True, stdin=stdin, timeout=120)


def client(endpoint, service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def write_project(path, memory):
    path.write_text(
        "blueprint: todo\n"
        "stack_name: todo-it\n"
        "region: us-east-1\n"
        "termination_protection: false\n"
        "options:\n"
        "  function:\n"
        f"    memory_mb: {memory}\n"
    )


def physical_ids(endpoint, stack):
    cfn = client(endpoint, "cloudformation")
    return {
        r["LogicalResourceId"]: r.get("PhysicalResourceId")
        for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    }


def test_full_cycle(blueprint_bin, aws_env, endpoint, tmp_path):
    env = aws_env
    # Without the toolkit, plan names the command to run.
    write_project(tmp_path / "blueprint.yaml", 256)
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 1, r.stderr
    assert "run `blueprint bootstrap --region us-east-1` first" in r.stderr

    r = run(blueprint_bin, env, tmp_path, "bootstrap")
    assert r.returncode == 0, r.stderr
    bucket = r.stdout.strip().rsplit(" ", 1)[-1]
    s3 = client(endpoint, "s3")
    s3.head_bucket(Bucket=bucket)
    # Idempotent.
    r = run(blueprint_bin, env, tmp_path, "bootstrap")
    assert r.returncode == 0 and "up to date" in r.stdout, r.stdout + r.stderr

    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Stack todo-it (us-east-1): create" in r.stdout
    assert "+ TodoTable" in r.stdout
    planned = r.stderr

    r = run(blueprint_bin, env, tmp_path, "apply", "--yes", "--progress", "events", "--outputs-file", "outputs.json")
    assert r.returncode == 0, r.stdout + r.stderr
    # The function package is uploaded once, by the plan (which uploads the
    # assets a change set needs) or by apply.
    assert (planned + r.stderr).count("uploaded s3://") == 1, planned + r.stderr
    assert (tmp_path / "outputs.json").exists()

    # The resources exist, checked through their own APIs.
    ids = physical_ids(endpoint, "todo-it")
    ddb = client(endpoint, "dynamodb")
    table = ddb.describe_table(TableName=ids["TodoTable"])["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["userId", "todoId"]
    lam = client(endpoint, "lambda")
    conf = lam.get_function_configuration(FunctionName=ids["ApiFunction"])
    assert conf["MemorySize"] == 256
    assert conf["Runtime"] == "python3.13"
    s3.head_bucket(Bucket=ids["UserFilesBucket"])
    objects = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert any(o["Key"].endswith(".zip") for o in objects)
    apis = client(endpoint, "apigateway").get_rest_apis()["items"]
    assert any(a["id"] == ids["Api"] for a in apis)

    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No changes." in r.stdout

    write_project(tmp_path / "blueprint.yaml", 512)
    # Without a terminal, apply refuses to go on without --yes, and changes nothing.
    r = run(blueprint_bin, env, tmp_path, "apply")
    assert r.returncode == 1
    assert "pass --yes" in r.stderr
    assert lam.get_function_configuration(FunctionName=ids["ApiFunction"])["MemorySize"] == 256

    r = run(blueprint_bin, env, tmp_path, "plan", "--out", "plan.json")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "~ ApiFunction" in r.stdout
    assert "Properties.MemorySize: 256 → 512" in r.stdout

    r = run(blueprint_bin, env, tmp_path, "apply", "plan.json", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert lam.get_function_configuration(FunctionName=ids["ApiFunction"])["MemorySize"] == 512
    # The plan was used up: its change set was executed.
    r = run(blueprint_bin, env, tmp_path, "apply", "plan.json", "--yes")
    assert r.returncode == 1
    assert "the saved plan's change set for stack `todo-it` can no longer be executed" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith("; plan again"), r.stderr

    r = run(blueprint_bin, env, tmp_path, "status")
    assert r.returncode == 0 and "todo-it" in r.stdout

    r = run(blueprint_bin, env, tmp_path, "destroy", "--yes", "--progress", "events")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kept (Retain)" in r.stdout
    # The stack is gone; the retained table and bucket keep the data.
    cfn = client(endpoint, "cloudformation")
    with pytest.raises(ClientError) as gone:
        cfn.describe_stacks(StackName="todo-it")
    assert gone.value.response["Error"]["Code"] == "ValidationError"
    assert gone.value.response["Error"]["Message"] == "Stack with id todo-it does not exist"
    ddb.describe_table(TableName=ids["TodoTable"])
    s3.head_bucket(Bucket=ids["UserFilesBucket"])
    r = run(blueprint_bin, env, tmp_path, "status")
    assert "not deployed" in r.stdout


def test_unreachable_endpoint_is_a_clear_error_and_writes_nothing(blueprint_bin, aws_env, tmp_path):
    write_project(tmp_path / "blueprint.yaml", 256)
    r = run(blueprint_bin, aws_env, tmp_path, "plan", "--endpoint-url", "http://127.0.0.1:9", "--out", "plan.json")
    assert r.returncode == 1
    assert "cannot reach AWS at http://127.0.0.1:9" in r.stderr
    assert "panicked" not in r.stderr
    assert not (tmp_path / "plan.json").exists()


def test_missing_credentials_name_the_ways_to_provide_them(blueprint_bin, aws_env, tmp_path):
    env = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    write_project(tmp_path / "blueprint.yaml", 256)
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 1
    assert "no AWS credentials found" in r.stderr
    assert "--profile" in r.stderr and "AWS_ACCESS_KEY_ID" in r.stderr


def test_shared_function_options_deploy(blueprint_bin, aws_env, endpoint, tmp_path):
    """options.lambda end to end, as far as moto models it: an existing VPC's
    subnets and security group on the function, the S3 and DynamoDB gateway
    endpoints, reserved concurrency. moto's CloudFormation does not pass
    tracing, logging or ephemeral storage to the function; `vpc.mode:
    create` and FN-DEPLOY (alias, CodeDeploy) are deployed by the option
    variants (test_blueprints_moto.py, test_variant_deploys) and their
    templates covered by the synthesis tests (tests/lambda_options.rs)."""
    env = aws_env
    # An existing network.
    ec2 = client(endpoint, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = sorted(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)
    )
    group = ec2.create_security_group(GroupName="fn", Description="functions", VpcId=vpc)["GroupId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    (tmp_path / "blueprint.yaml").write_text(
        "blueprint: event-pipeline\n"
        "stack_name: fn-options-it\n"
        "region: us-east-1\n"
        "termination_protection: false\n"
        "options:\n"
        "  lambda:\n"
        "    tracing: true\n"
        "    reserved_concurrency: 5\n"
        "    vpc:\n"
        "      mode: existing\n"
        f"      subnet_ids: [{subnets[0]}, {subnets[1]}]\n"
        f"      security_group_ids: [{group}]\n"
        f"      vpc_id: {vpc}\n"
        f"      route_table_ids: [{table}]\n"
    )
    r = run(blueprint_bin, env, tmp_path, "bootstrap")
    assert r.returncode == 0, r.stderr
    r = run(blueprint_bin, env, tmp_path, "apply", "--yes", "--progress", "events")
    assert r.returncode == 0, r.stdout + r.stderr
    ids = physical_ids(endpoint, "fn-options-it")
    lam = client(endpoint, "lambda")
    conf = lam.get_function_configuration(FunctionName=ids["ProcessorFunction"])
    assert sorted(conf["VpcConfig"]["SubnetIds"]) == subnets, conf["VpcConfig"]
    assert conf["VpcConfig"]["SecurityGroupIds"] == [group]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
    assert sorted(e["ServiceName"].rsplit(".", 1)[-1] for e in endpoints) == ["dynamodb", "s3"]
    concurrency = lam.get_function_concurrency(FunctionName=ids["ProcessorFunction"])
    assert concurrency["ReservedConcurrentExecutions"] == 5
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 0 and "No changes." in r.stdout, r.stdout + r.stderr
    r = run(blueprint_bin, env, tmp_path, "destroy", "--yes", "--progress", "events")
    assert r.returncode == 0, r.stdout + r.stderr


def test_placeholders_are_refused_until_filled_in(blueprint_bin, aws_env, endpoint, tmp_path):
    """A new blog project names its welcome email's sender
    `no-reply@example.com`: synth warns, plan and apply refuse it by key and
    create nothing; with a real sender the same project plans."""
    env = {k: v for k, v in aws_env.items() if k != "BLUEPRINT_ALLOW_PLACEHOLDERS"}
    project = tmp_path / "blog"
    r = run(blueprint_bin, env, tmp_path, "new", "blog", str(project))
    assert r.returncode == 0, r.stderr
    r = run(blueprint_bin, env, project, "bootstrap")
    assert r.returncode == 0, r.stderr
    r = run(blueprint_bin, env, project, "synth")
    assert r.returncode == 0, r.stderr
    assert "options.welcome_email.sender is `no-reply@example.com`: a placeholder" in r.stderr
    for command in (["plan"], ["apply", "--yes"]):
        r = run(blueprint_bin, env, project, *command)
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        assert "the project still has 1 placeholder value: fill it in before deploying" in r.stderr
        assert "blueprint.yaml:" in r.stderr and "options.welcome_email.sender is `no-reply@example.com`" in r.stderr
    stacks = client(endpoint, "cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"] == ["blueprint-toolkit"]
    config = project / "blueprint.yaml"
    config.write_text(config.read_text().replace("no-reply@example.com", "hello@blog.blueprint-it.dev"))
    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "placeholder" not in r.stderr
