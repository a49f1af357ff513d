"""Extra resources (issue 16, item 2) deployed in moto and read back through
the services' own APIs: `tests/variants/todo-extra-resources.yaml`, written
with CloudFormation's short forms as a user would (the file is copied as
text, not re-dumped). The project's own queue exists with its properties
(SQS GetQueueAttributes, ListQueueTags: the blueprint's table's name through
`!Ref TodoTable`, the condition's `!If`), the stack's outputs are the
queue's URL and ARN and the blueprint's table's ARN (DescribeTable); a plan
right after shows no changes. Removing the queue from the project is DATA
LOSS in the plan (exit 3); apply refuses it without `--allow-data-loss
AuditQueue` and the queue is still there; with it, the queue leaves the
stack and stays in SQS (retained by default, as the blueprints' own)."""

from deploying import VARIANTS, apply, client, ok, run, stack_resources

STACK = "todo-extra"


def project_text(without_queue=False):
    text = (VARIANTS / "todo-extra-resources.yaml").read_text()
    text = text.replace("region: us-east-1\n", "region: us-east-1\ntermination_protection: false\n")
    if without_queue:
        # The queue and the outputs that read it: what is left are the
        # parameter, the condition and the table's output.
        start = text.index("resources:\n")
        end = text.index("  TodoTableArn:\n")
        text = text[:start] + "outputs:\n" + text[end:]
    return text


def test_extra_resources_deploy_and_are_protected(blueprint_bin, aws_env, endpoint, tmp_path):
    env = aws_env
    (tmp_path / "blueprint.yaml").write_text(project_text())
    apply(blueprint_bin, env, tmp_path, "us-east-1")

    resources = stack_resources(endpoint, "us-east-1", STACK)
    kind, queue_url = resources["AuditQueue"]
    assert kind == "AWS::SQS::Queue"
    table_name = resources["TodoTable"][1]
    sqs = client(endpoint, "sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == "1209600"
    assert attributes["KmsMasterKeyId"] == "alias/aws/sqs"
    tags = sqs.list_queue_tags(QueueUrl=queue_url)["Tags"]
    assert tags == {"table": table_name, "retention": "long"}, tags

    cfn = client(endpoint, "cloudformation")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]}
    assert outputs["AuditQueueUrl"] == queue_url
    assert outputs["AuditQueueArn"] == attributes["QueueArn"]
    table_arn = client(endpoint, "dynamodb").describe_table(TableName=table_name)["Table"]["TableArn"]
    assert outputs["TodoTableArn"] == table_arn
    r = run(blueprint_bin, env, tmp_path, "outputs")
    assert r.returncode == 0, ok(r)
    assert queue_url in r.stdout, ok(r)

    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout, ok(r)

    # The project's queue removed: its messages would be lost.
    (tmp_path / "blueprint.yaml").write_text(project_text(without_queue=True))
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 3, ok(r)
    assert "DATA LOSS" in r.stdout, ok(r)
    assert "AuditQueue" in r.stdout, ok(r)
    r = run(blueprint_bin, env, tmp_path, "apply", "--yes")
    assert r.returncode != 0, ok(r)
    assert "--allow-data-loss AuditQueue" in r.stderr, ok(r)
    assert "AuditQueue" in stack_resources(endpoint, "us-east-1", STACK)
    r = run(blueprint_bin, env, tmp_path, "apply", "--yes", "--allow-data-loss", "AuditQueue")
    assert r.returncode == 0, ok(r)
    assert "AuditQueue" not in stack_resources(endpoint, "us-east-1", STACK)
    # Retained: the queue outlives its place in the stack.
    assert sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout, ok(r)
