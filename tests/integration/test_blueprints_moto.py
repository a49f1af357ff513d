"""Every blueprint deployed against moto's CloudFormation (through
moto_launcher.py), its defaults as `blueprint new NAME DIR --name it-NAME`
makes them: bootstrap, plan (2), apply, plan (0), change an option, plan (2,
naming the change), apply, plan (0), destroy; the resources checked through
their own services' APIs, not only the stack status. Then the split
microservices cycle: a root past its resource budget with an overflow stack,
a change inside a nested stack, a removed service's table as DATA LOSS. Then
every option variant in tests/variants/: apply, plan (0), destroy."""

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from deploying import load_project, make_stored_values, ok, run


class Aws:
    """boto3 clients against the moto endpoint, made once each."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self._clients = {}

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)
        name = service.rstrip("_").replace("_", "-")
        if name not in self._clients:
            self._clients[name] = boto3.client(
                name,
                endpoint_url=self.endpoint,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._clients[name]

    def resources(self, stack):
        """{logical ID: (type, physical ID)} of a stack."""
        out = {}
        pages = self.cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
        for page in pages:
            for r in page["StackResourceSummaries"]:
                out[r["LogicalResourceId"]] = (r["ResourceType"], r.get("PhysicalResourceId"))
        return out

    def ids(self, stack):
        return {k: v[1] for k, v in self.resources(stack).items()}

    def memory(self, function):
        return self.lambda_.get_function_configuration(FunctionName=function)["MemorySize"]


def error_code(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]["Code"]


def assert_stack_does_not_exist(aws, stack):
    """The specific error CloudFormation gives for a stack that is gone."""
    with pytest.raises(ClientError) as e:
        aws.cloudformation.describe_stacks(StackName=stack)
    err = e.value.response["Error"]
    assert err["Code"] == "ValidationError", err
    assert err["Message"] == f"Stack with id {stack} does not exist", err


def new_project(bin_, env, directory, blueprint, stack):
    r = run(bin_, env, directory.parent, "new", blueprint, str(directory), "--name", stack)
    assert r.returncode == 0, ok(r)
    edit(directory, lambda c: c.__setitem__("termination_protection", False))


def edit(directory, change):
    path = directory / "blueprint.yaml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def synthesized_resources(bin_, env, directory):
    """{template path ("" for the root, else nested logical IDs joined by
    "/"): set of logical IDs}, from `blueprint synth` of the project."""
    out = directory / "synth-check"
    r = run(bin_, env, directory, "-q", "synth", "--format", "json", "--out", str(out))
    assert r.returncode == 0, ok(r)
    root = next(p for p in out.glob("*.template.json"))
    found = {}

    def walk(path, template_file):
        template = json.loads(template_file.read_text())
        found[path] = set(template["Resources"])
        for logical, res in template["Resources"].items():
            if res["Type"] == "AWS::CloudFormation::Stack":
                url = json.dumps(res["Properties"]["TemplateURL"])
                digest = re.search(r"([0-9a-f]{64}\.template\.json)", url).group(1)
                walk(f"{path}/{logical}".lstrip("/"), out / "assets" / digest)

    walk("", root)
    return found


def assert_every_resource_deployed(aws, stack, expected):
    """Every resource of every synthesized template is in its deployed
    stack (moto would silently skip a type it does not model)."""
    stacks = {"": stack}
    # Parents before their children: the root, then by depth.
    for path in sorted(expected, key=lambda p: (p != "", p.count("/"))):
        deployed = aws.resources(stacks[path])
        assert set(deployed) == expected[path], (path, expected[path] ^ set(deployed))
        for logical, (kind, physical) in deployed.items():
            if kind == "AWS::CloudFormation::Stack":
                stacks[f"{path}/{logical}".lstrip("/")] = physical


# --------------------------------------------------------------------------
# Per-blueprint checks through the service APIs
# --------------------------------------------------------------------------


def table_keys(aws, name):
    return [k["AttributeName"] for k in aws.dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]]


def queue_attributes(aws, url):
    return aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def distribution_config(aws, dist_id):
    return aws.cloudfront.get_distribution_config(Id=dist_id)["DistributionConfig"]


def rest_stage(aws, api, stage="v1"):
    return aws.apigateway.get_stage(restApiId=api, stageName=stage)


def check_todo(aws, ids, memory):
    assert table_keys(aws, ids["TodoTable"]) == ["userId", "todoId"]
    assert aws.memory(ids["ApiFunction"]) == memory
    aws.s3.head_bucket(Bucket=ids["UserFilesBucket"])
    assert rest_stage(aws, ids["Api"])["stageName"] == "v1"
    pool = aws.cognito_idp.describe_user_pool(UserPoolId=ids["UsersPool"])["UserPool"]
    assert pool["Id"] == ids["UsersPool"]
    groups = aws.cognito_idp.list_groups(UserPoolId=ids["UsersPool"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["admin"]
    clients = aws.cognito_idp.list_user_pool_clients(UserPoolId=ids["UsersPool"], MaxResults=10)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [ids["UsersPoolClient"]]


def check_blog(aws, ids, memory):
    assert table_keys(aws, ids["PostsTable"])
    assert table_keys(aws, ids["UsersTable"])
    assert aws.memory(ids["ApiFunction"]) == memory
    assert aws.memory(ids["WelcomeEmailFunction"]) == 128
    assert aws.memory(ids["ThumbnailsFunction"]) == 1024
    for bucket in ("SiteBucket", "ThumbnailsBucket", "UploadsBucket"):
        aws.s3.head_bucket(Bucket=ids[bucket])
    assert rest_stage(aws, ids["Api"])["stageName"] == "v1"
    config = distribution_config(aws, ids["CdnDistribution"])
    assert config["DefaultRootObject"] == "index.html"
    assert sorted(o["Id"] for o in config["Origins"]["Items"]) == ["api", "site", "thumbnails"]
    assert [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]] == ["/api/*", "/thumbnails/*"]
    for queue in ("WelcomeEmailFailures", "ThumbnailsFailures"):
        assert queue_attributes(aws, ids[queue])["QueueArn"].endswith(ids[queue].rsplit("/", 1)[1])
    # Never acting for a stranger: the welcome email goes only to addresses
    # Cognito verified (its post confirmation trigger records the user), no
    # route takes an address, and uploads need a signed-in caller.
    pool = aws.cognito_idp.describe_user_pool(UserPoolId=ids["UsersPool"])["UserPool"]
    trigger = aws.lambda_.get_function(FunctionName=ids["PostConfirmationFunction"])["Configuration"]
    assert pool["LambdaConfig"]["PostConfirmation"] == trigger["FunctionArn"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert trigger["Environment"]["Variables"]["USERS_TABLE"] == ids["UsersTable"]
    groups = aws.cognito_idp.list_groups(UserPoolId=ids["UsersPool"])["Groups"]
    assert [g["GroupName"] for g in groups] == ["authors"]
    clients = aws.cognito_idp.list_user_pool_clients(UserPoolId=ids["UsersPool"], MaxResults=10)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [ids["UsersPoolClient"]]
    api_env = aws.lambda_.get_function(FunctionName=ids["ApiFunction"])["Configuration"]["Environment"]["Variables"]
    assert "USERS_TABLE" not in api_env and "UPLOADS_PUBLIC" not in api_env
    resources = {r["path"]: r for r in aws.apigateway.get_resources(restApiId=ids["Api"], limit=500)["items"]}
    assert "/api/users" not in resources
    auth = {
        (method, path): aws.apigateway.get_method(restApiId=ids["Api"], resourceId=r["id"], httpMethod=method)[
            "authorizationType"
        ]
        for path, r in resources.items()
        for method in (r.get("resourceMethods") or {})
    }
    assert auth == {
        ("GET", "/api/posts"): "NONE",
        ("GET", "/api/posts/{postId}"): "NONE",
        ("POST", "/api/uploads"): "COGNITO_USER_POOLS",
    }


def check_update_offload(aws, ids, price_class):
    config = distribution_config(aws, ids["CdnDistribution"])
    assert config["PriceClass"] == price_class
    assert [o["DomainName"] for o in config["Origins"]["Items"]] == ["updates-origin.example.com"]
    assert [b["PathPattern"] for b in config["CacheBehaviors"]["Items"]] == [
        "/updates/*.json",
        "/updates/*.xml",
        "/updates/*",
    ]


def check_conference(aws, ids, memory):
    assert table_keys(aws, ids["RegistrationsTable"])
    assert aws.memory(ids["ApiFunction"]) == memory
    assert aws.memory(ids["CertificateFunction"]) == 256
    for bucket in ("SiteBucket", "LogBucket", "CertificatesBucket"):
        aws.s3.head_bucket(Bucket=ids[bucket])
    assert rest_stage(aws, ids["Api"])["stageName"] == "v1"
    subs = aws.sns.list_subscriptions_by_topic(TopicArn=ids["RegistrationsTopic"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"].rsplit(":", 1)[-1]) for s in subs] == [
        ("lambda", ids["CertificateFunction"])
    ]
    config = distribution_config(aws, ids["CdnDistribution"])
    assert config["PriceClass"] == "PriceClass_All"
    queue_attributes(aws, ids["CertificateFailures"])


def check_event_pipeline(aws, ids, memory):
    assert aws.memory(ids["ProcessorFunction"]) == memory
    aws.s3.head_bucket(Bucket=ids["UploadsBucket"])
    subs = aws.sns.list_subscriptions_by_topic(TopicArn=ids["EventsTopic"])["Subscriptions"]
    queue_arn = queue_attributes(aws, ids["EventsQueue"])["QueueArn"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("sqs", queue_arn)]
    raw = aws.sns.get_subscription_attributes(SubscriptionArn=subs[0]["SubscriptionArn"])["Attributes"]
    assert raw["RawMessageDelivery"] == "true"
    attrs = queue_attributes(aws, ids["EventsQueue"])
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"] == queue_attributes(aws, ids["EventsQueueDeadLetter"])["QueueArn"]
    assert json.loads(attrs["Policy"])["Statement"], attrs
    mappings = aws.lambda_.list_event_source_mappings(FunctionName=ids["ProcessorFunction"])["EventSourceMappings"]
    assert [m["EventSourceArn"] for m in mappings] == [queue_arn]
    # With the queue as buffer nothing invokes the function asynchronously:
    # EVENT-3 is the redrive above, and there is no failed-events queue.
    assert "FailedEvents" not in ids and "ProcessorAsyncConfig" not in ids
    # S3 publishes in its own name: the topic has a key of its own, rotating,
    # whose policy admits S3 for this bucket.
    topic = aws.sns.get_topic_attributes(TopicArn=ids["EventsTopic"])["Attributes"]
    key = aws.kms.describe_key(KeyId=ids["EventsTopicKey"])["KeyMetadata"]
    assert topic["KmsMasterKeyId"] == key["Arn"]
    assert aws.kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    policy = json.loads(aws.kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    s3 = [s for s in policy["Statement"] if s.get("Principal", {}).get("Service") == ["s3.amazonaws.com"]]
    assert sorted(s3[0]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"], policy


def check_chat(aws, ids, memory):
    api = aws.apigatewayv2.get_api(ApiId=ids["ChatApi"])
    assert api["ProtocolType"] == "WEBSOCKET"
    routes = aws.apigatewayv2.get_routes(ApiId=ids["ChatApi"])["Items"]
    assert sorted(r["RouteKey"] for r in routes) == ["$connect", "$disconnect", "sendmessage"]
    integrations = aws.apigatewayv2.get_integrations(ApiId=ids["ChatApi"])["Items"]
    assert {r["Target"] for r in routes} == {f"integrations/{i['IntegrationId']}" for i in integrations}
    assert aws.apigatewayv2.get_stage(ApiId=ids["ChatApi"], StageName="v1")["StageName"] == "v1"
    assert table_keys(aws, ids["ConnectionsTable"]) == ["connectionId"]
    for fn in ("ConnectFunction", "DisconnectFunction", "BroadcastFunction"):
        assert aws.memory(ids[fn]) == memory
    # Only signed-in users connect: $connect runs the Lambda REQUEST
    # authorizer on the `token` query string; the other routes carry none.
    by_key = {r["RouteKey"]: r for r in routes}
    assert by_key["$connect"]["AuthorizationType"] == "CUSTOM"
    assert by_key["$disconnect"].get("AuthorizationType", "NONE") == "NONE"
    assert by_key["sendmessage"].get("AuthorizationType", "NONE") == "NONE"
    authorizer = aws.apigatewayv2.get_authorizer(ApiId=ids["ChatApi"], AuthorizerId=by_key["$connect"]["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == ["route.request.querystring.token"]
    assert f"function:{ids['ConnectAuthorizerFunction']}/invocations" in authorizer["AuthorizerUri"]
    env = aws.lambda_.get_function(FunctionName=ids["ConnectAuthorizerFunction"])["Configuration"]["Environment"]
    assert env["Variables"] == {"USER_POOL_ID": ids["UsersPool"], "APP_CLIENT_ID": ids["UsersPoolClient"]}
    aws.cognito_idp.describe_user_pool(UserPoolId=ids["UsersPool"])


def check_microservices(aws, ids, memory):
    """`memory`: the orders service's. Each service is a nested stack."""
    assert rest_stage(aws, ids["Api"])["stageName"] == "v1"
    users = aws.ids(ids["UsersService"])
    orders = aws.ids(ids["OrdersService"])
    assert table_keys(aws, users["Table"])
    assert table_keys(aws, orders["Table"])
    assert aws.memory(users["Function"]) == 256
    assert aws.memory(orders["Function"]) == memory
    subs = aws.sns.list_subscriptions_by_topic(TopicArn=orders["Topic"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [
        ("sqs", queue_attributes(aws, orders["Queue"])["QueueArn"])
    ]
    mappings = aws.lambda_.list_event_source_mappings(FunctionName=orders["Function"])["EventSourceMappings"]
    assert len(mappings) == 1
    # The service's routes hang under the root API.
    paths = {r["path"] for r in aws.apigateway.get_resources(restApiId=ids["Api"], limit=500)["items"]}
    assert {"/users", "/orders", "/orders/{orderId}"} <= paths, paths


def change_block(stdout, path):
    """The lines a plan prints for the resource at `path` (its `~ path` line
    and the property changes under it)."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if re.match(rf"\s*~ {re.escape(path)}\s", line):
            block = [line]
            for more in lines[i + 1 :]:
                if re.match(r"\s*[~+-] \S|Nested stack |Plan: |Stack ", more):
                    break
                block.append(more)
            return "\n".join(block)
    raise AssertionError(f"the plan names no change of {path}:\n{stdout}")


def assert_memory_change(stdout, path):
    block = change_block(stdout, path)
    assert "MemorySize" in block and "256 → 512" in block, block


def set_path(*keys, value):
    def change(config):
        node = config["options"]
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return change


@dataclass
class Case:
    change: Callable
    before: object
    after: object
    check: Callable
    # Lines (substrings) the plan of the change prints.
    plan_lines: list
    # Resources with DeletionPolicy Retain: still there after destroy.
    retained: dict = field(default_factory=dict)
    # Resources destroy deletes, checked gone through their API.
    deleted: dict = field(default_factory=dict)
    # More checks of the plan's output.
    plan_check: Callable = lambda out: None
    # Lines (substrings) `status` prints after the update.
    status_lines: list = field(default_factory=list)


def exists_table(aws, name):
    aws.dynamodb.describe_table(TableName=name)


def exists_bucket(aws, name):
    aws.s3.head_bucket(Bucket=name)


def exists_queue(aws, url):
    queue_attributes(aws, url)


def exists_key(aws, key):
    assert aws.kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def exists_pool(aws, pool):
    aws.cognito_idp.describe_user_pool(UserPoolId=pool)


def gone_function(aws, name):
    assert error_code(aws.lambda_.get_function, FunctionName=name) == "ResourceNotFoundException"


def gone_distribution(aws, dist):
    assert error_code(aws.cloudfront.get_distribution, Id=dist) == "NoSuchDistribution"


def gone_v2_api(aws, api):
    assert error_code(aws.apigatewayv2.get_api, ApiId=api) == "NotFoundException"


MEMORY_LINE = "Properties.MemorySize: 256 → 512"

CASES = {
    "todo": Case(
        change=set_path("function", "memory_mb", value=512),
        before=256,
        after=512,
        check=check_todo,
        plan_lines=[MEMORY_LINE],
        plan_check=lambda out: assert_memory_change(out, "ApiFunction"),
        retained={"TodoTable": exists_table, "UserFilesBucket": exists_bucket, "UsersPool": exists_pool},
        deleted={"ApiFunction": gone_function},
    ),
    "blog": Case(
        change=set_path("functions", "api", "memory_mb", value=512),
        before=256,
        after=512,
        check=check_blog,
        plan_lines=[MEMORY_LINE],
        plan_check=lambda out: assert_memory_change(out, "ApiFunction"),
        retained={
            "PostsTable": exists_table,
            "UsersTable": exists_table,
            "SiteBucket": exists_bucket,
            "ThumbnailsBucket": exists_bucket,
            "UploadsBucket": exists_bucket,
            "WelcomeEmailFailures": exists_queue,
            "ThumbnailsFailures": exists_queue,
            "UsersPool": exists_pool,
        },
        deleted={"ApiFunction": gone_function, "CdnDistribution": gone_distribution},
    ),
    "microservices": Case(
        # The second service (orders): its function lives in a nested stack.
        change=lambda c: c["options"]["services"][1].__setitem__("memory_mb", 512),
        before=256,
        after=512,
        check=check_microservices,
        plan_lines=[],
        plan_check=lambda out: assert_memory_change(out, "OrdersService/Function"),
        # (moto reports every resource as CREATE_COMPLETE in ListStackResources.)
        status_lines=["nested stacks: 2 ("],
    ),
    "update-offload": Case(
        change=set_path("cdn", "price_class", value="PriceClass_100"),
        before="PriceClass_All",
        after="PriceClass_100",
        check=check_update_offload,
        plan_lines=[
            "~ CdnDistribution",
            'Properties.DistributionConfig.PriceClass: "PriceClass_All" → "PriceClass_100"',
        ],
        deleted={"CdnDistribution": gone_distribution},
    ),
    "conference": Case(
        change=set_path("functions", "api", "memory_mb", value=512),
        before=256,
        after=512,
        check=check_conference,
        plan_lines=[MEMORY_LINE],
        plan_check=lambda out: assert_memory_change(out, "ApiFunction"),
        retained={
            "RegistrationsTable": exists_table,
            "SiteBucket": exists_bucket,
            "LogBucket": exists_bucket,
            "CertificatesBucket": exists_bucket,
            "CertificateFailures": exists_queue,
        },
        deleted={"ApiFunction": gone_function, "CdnDistribution": gone_distribution},
    ),
    "event-pipeline": Case(
        change=set_path("function", "memory_mb", value=512),
        before=256,
        after=512,
        check=check_event_pipeline,
        plan_lines=[MEMORY_LINE],
        plan_check=lambda out: assert_memory_change(out, "ProcessorFunction"),
        retained={
            "UploadsBucket": exists_bucket,
            "EventsQueueDeadLetter": exists_queue,
            "EventsTopicKey": exists_key,
        },
        deleted={"ProcessorFunction": gone_function},
    ),
    "chat": Case(
        change=set_path("function", "memory_mb", value=512),
        before=256,
        after=512,
        check=check_chat,
        plan_lines=[MEMORY_LINE],
        plan_check=lambda out: [
            assert_memory_change(out, f) for f in ("ConnectFunction", "DisconnectFunction", "BroadcastFunction")
        ],
        retained={"ConnectionsTable": exists_table, "UsersPool": exists_pool},
        deleted={"BroadcastFunction": gone_function, "ChatApi": gone_v2_api},
    ),
}


# The types whose resources hold data: a stack policy protects them (and
# the nested stacks, which hold such resources) from replacement and deletion.
STATEFUL_TYPES = {
    "AWS::Cognito::UserPool",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EFS::FileSystem",
    "AWS::Kinesis::Stream",
    "AWS::Logs::LogGroup",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
}


def assert_policies_protect_data(aws, stack):
    """GetStackPolicy on the stack and every nested stack: each denies
    replacing and deleting its stateful resources and nested stacks."""
    resources = aws.resources(stack)
    protected = [k for k, (t, _) in resources.items() if t in STATEFUL_TYPES or t == "AWS::CloudFormation::Stack"]
    if protected:
        assert_protects(policy_statements(aws, stack), protected)
    for t, physical in resources.values():
        if t == "AWS::CloudFormation::Stack":
            assert_policies_protect_data(aws, physical)


def test_every_blueprint_has_a_case(blueprint_bin):
    r = subprocess.run([blueprint_bin, "list"], capture_output=True, text=True, check=True)
    assert sorted(line.split()[0] for line in r.stdout.splitlines() if line.strip()) == sorted(CASES)


@pytest.fixture
def aws(endpoint):
    return Aws(endpoint)


@pytest.mark.parametrize("blueprint", sorted(CASES))
def test_blueprint_cycle(blueprint, blueprint_bin, aws_env, aws, tmp_path):
    case = CASES[blueprint]
    env, stack = aws_env, f"it-{blueprint}"
    project = tmp_path / blueprint
    new_project(blueprint_bin, env, project, blueprint, stack)

    r = run(blueprint_bin, env, project, "bootstrap")
    assert r.returncode == 0, ok(r)

    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 2, ok(r)
    assert f"Stack {stack} (us-east-1): create" in r.stdout, r.stdout

    r = run(blueprint_bin, env, project, "apply", "--yes", "--progress", "events")
    assert r.returncode == 0, ok(r)
    assert_every_resource_deployed(aws, stack, synthesized_resources(blueprint_bin, env, project))
    ids = aws.ids(stack)
    case.check(aws, ids, case.before)
    assert_policies_protect_data(aws, stack)

    # The stack's outputs, as CloudFormation reports them and as `outputs` prints them.
    template = json.loads(next((project / "synth-check").glob("*.template.json")).read_text())
    reported = aws.cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    assert sorted(o["OutputKey"] for o in reported) == sorted(template.get("Outputs", {}))
    r = run(blueprint_bin, env, project, "outputs")
    assert r.returncode == 0, ok(r)
    for o in reported:
        assert o["OutputKey"] in r.stdout and o["OutputValue"] in r.stdout, (o, r.stdout)

    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout

    edit(project, case.change)
    r = run(blueprint_bin, env, project, "plan", "--out", "plan.json")
    assert r.returncode == 2, ok(r)
    for line in case.plan_lines:
        assert line in r.stdout, (line, r.stdout)
    case.plan_check(r.stdout)

    r = run(blueprint_bin, env, project, "apply", "plan.json", "--yes", "--progress", "events")
    assert r.returncode == 0, ok(r)
    after = aws.ids(stack)
    # Updated in place: every resource (nested stacks included) kept its physical ID.
    assert after == ids
    case.check(aws, after, case.after)
    assert_policies_protect_data(aws, stack)

    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout

    r = run(blueprint_bin, env, project, "status")
    assert r.returncode == 0 and stack in r.stdout, ok(r)
    for line in case.status_lines:
        assert line in r.stdout, (line, r.stdout)

    nested = {k: v for k, (t, v) in aws.resources(stack).items() if t == "AWS::CloudFormation::Stack"}
    nested_retained = {
        f"{k}/{logical}": physical
        for k, arn in nested.items()
        for logical, (t, physical) in aws.resources(arn).items()
        if t == "AWS::DynamoDB::Table"
    }
    r = run(blueprint_bin, env, project, "destroy", "--yes", "--progress", "events")
    assert r.returncode == 0, ok(r)
    if case.retained or nested_retained:
        assert "kept (Retain)" in r.stdout, r.stdout
    assert_stack_does_not_exist(aws, stack)
    for logical, exists in case.retained.items():
        exists(aws, ids[logical])
    for logical, gone in case.deleted.items():
        gone(aws, ids[logical])
    # Nested stacks are deleted with their parent; their retained tables stay.
    for arn in nested.values():
        assert aws.cloudformation.describe_stacks(StackName=arn)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    for path, table in nested_retained.items():
        exists_table(aws, table)
        assert table in r.stdout, (path, r.stdout)
    r = run(blueprint_bin, env, project, "status")
    assert "not deployed" in r.stdout, ok(r)


# --------------------------------------------------------------------------
# The split microservices cycle
# --------------------------------------------------------------------------

# The root stack keeps services until it holds 430 resources (90% of 500,
# less 20 overflow slots): every service is one nested stack resource in it,
# so 430 services put the last six into Overflow1. Services are kept small
# (one route, a table on every hundredth) so moto creates them quickly.
SPLIT_SERVICES = 430
SPLIT_STACK = "it-split"
CHANGED = {3: "Svc0003Service", 428: "Overflow1/Svc0428Service"}
REMOVED = 5  # has a table: Svc0005Service/Table


def split_project(path, memory=256, removed=False, reverse=False):
    services = []
    for i in range(1, SPLIT_SERVICES + 1):
        if removed and i == REMOVED:
            continue
        services.append(
            {
                "name": f"svc{i:04d}",
                "code": "orders",
                "table": i % 100 == REMOVED,
                "memory_mb": memory if i in CHANGED else 256,
                "routes": [{"method": "GET", "path": "/"}],
            }
        )
    if reverse:
        services.reverse()
    config = {
        "blueprint": "microservices",
        "stack_name": SPLIT_STACK,
        "region": "us-east-1",
        "termination_protection": False,
        "options": {"services": services},
    }
    (path / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def nested_stack(aws, stack, path):
    """The physical ID (ARN) of the nested stack at `path` under `stack`."""
    for logical in path.split("/"):
        stack = aws.ids(stack)[logical]
    return stack


def policy_statements(aws, stack):
    body = aws.cloudformation.get_stack_policy(StackName=stack).get("StackPolicyBody")
    assert body, f"no stack policy on {stack}"
    return json.loads(body)["Statement"]


def assert_protects(statements, logical_ids):
    denied = [s for s in statements if s["Effect"] == "Deny"]
    assert denied, statements
    for logical in logical_ids:
        assert any(
            f"\"LogicalResourceId/{logical}\"" in json.dumps(s.get("Resource", []))
            and "\"Update:Replace\"" in json.dumps(s["Action"])
            and "\"Update:Delete\"" in json.dumps(s["Action"])
            for s in denied
        ), (logical, statements)


def test_split_microservices_cycle(blueprint_bin, aws_env, aws, tmp_path):
    env = aws_env
    project = tmp_path / "split"
    project.mkdir()
    split_project(project)
    # The root really splits.
    synth = tmp_path / "split-synth"
    r = run(blueprint_bin, env, project, "-q", "synth", "--format", "json", "--out", str(synth))
    assert r.returncode == 0, ok(r)
    root = json.loads((synth / f"{SPLIT_STACK}.template.json").read_text())
    assert "Overflow1" in root["Resources"]
    assert "Svc0428Service" not in root["Resources"]

    r = run(blueprint_bin, env, project, "bootstrap")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 2, ok(r)
    r = run(blueprint_bin, env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)

    fn = {path: aws.ids(nested_stack(aws, SPLIT_STACK, path))["Function"] for path in CHANGED.values()}
    assert all(aws.memory(f) == 256 for f in fn.values())
    removed_path = f"Svc{REMOVED:04d}Service"
    removed_stack = nested_stack(aws, SPLIT_STACK, removed_path)
    removed_table = aws.ids(removed_stack)["Table"]
    assert table_keys(aws, removed_table)

    # Stack policies: a service's denies replacing or deleting its table;
    # the root's, its nested stacks (which hold the tables).
    assert_protects(policy_statements(aws, removed_stack), ["Table"])
    assert_protects(policy_statements(aws, SPLIT_STACK), [removed_path, "Overflow1"])

    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout

    # A change inside nested stacks (one under the root, one under Overflow1).
    split_project(project, memory=512)
    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 2, ok(r)
    for path in CHANGED.values():
        assert_memory_change(r.stdout, f"{path}/Function")
    stacks_before = {path: nested_stack(aws, SPLIT_STACK, path) for path in CHANGED.values()}
    r = run(blueprint_bin, env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    for path, function in fn.items():
        # Updated in place: the same nested stack and function.
        assert nested_stack(aws, SPLIT_STACK, path) == stacks_before[path]
        assert aws.ids(nested_stack(aws, SPLIT_STACK, path))["Function"] == function
        assert aws.memory(function) == 512

    # Removing a service that has a table is DATA LOSS, refused by apply.
    split_project(project, memory=512, removed=True)
    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode == 3, ok(r)
    assert "DATA LOSS" in r.stdout
    assert f"{removed_path}/Table" in r.stdout
    removals = re.findall(r"^Nested stack (\S+): remove", r.stdout, re.M)
    assert removals == [removed_path], ok(r)
    r = run(blueprint_bin, env, project, "apply", "--yes")
    assert r.returncode != 0, ok(r)
    exists_table(aws, removed_table)
    assert nested_stack(aws, SPLIT_STACK, removed_path) == removed_stack
    status = aws.cloudformation.describe_stacks(StackName=removed_stack)["Stacks"][0]["StackStatus"]
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), status

    # The refusal names every path to accept: the table and the retained log
    # group of the removed service, nothing else (the placement file keeps
    # every other service where it is: none moves into the freed slot).
    accept = re.findall(r"--allow-data-loss (\S+)", r.stderr)
    assert sorted(accept) == [f"{removed_path}/FunctionLogGroup", f"{removed_path}/Table"], ok(r)
    # Accepting only the table is not enough.
    r = run(blueprint_bin, env, project, "apply", "--yes", "--allow-data-loss", f"{removed_path}/Table")
    assert r.returncode != 0, ok(r)
    assert nested_stack(aws, SPLIT_STACK, removed_path) == removed_stack
    args = [a for path in accept for a in ("--allow-data-loss", path)]
    r = run(blueprint_bin, env, project, "apply", "--yes", *args)
    assert r.returncode == 0, ok(r)
    assert removed_path not in aws.ids(SPLIT_STACK)
    status = aws.cloudformation.describe_stacks(StackName=removed_stack)["Stacks"][0]["StackStatus"]
    assert status == "DELETE_COMPLETE", status
    # The table is retained (DeletionPolicy Retain), with its data.
    exists_table(aws, removed_table)

    # A lost placement file and a reordered list: plan and apply read where
    # each service is deployed and keep it there (plain next fit would move
    # services between the root and Overflow1, emptying their tables).
    placement = project / "blueprint.placement.json"
    pinned = placement.read_text()
    placement.unlink()
    split_project(project, memory=512, removed=True, reverse=True)
    r = run(blueprint_bin, env, project, "plan")
    assert r.returncode in (0, 2), ok(r)
    assert "stay where they are deployed" in r.stderr, ok(r)
    assert ": remove" not in r.stdout and "DATA LOSS" not in r.stdout, ok(r)
    r = run(blueprint_bin, env, project, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    # apply recorded the deployed placement again.
    assert json.loads(placement.read_text()) == json.loads(pinned)

    kept = {
        f"{path}/{logical}": physical
        for path in (f"Svc{i:04d}Service" for i in range(100 + REMOVED, SPLIT_SERVICES, 100))
        for logical, physical in aws.ids(nested_stack(aws, SPLIT_STACK, path)).items()
        if logical == "Table"
    }
    assert len(kept) == 4, kept
    r = run(blueprint_bin, env, project, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
    for path, table in kept.items():
        assert table in r.stdout, (path, r.stdout[-3000:])
        exists_table(aws, table)
    assert_stack_does_not_exist(aws, SPLIT_STACK)


# --------------------------------------------------------------------------
# Every documented option variant (tests/variants/*.yaml): apply, plan (no
# changes), destroy. IDs of things a variant expects to exist already (a
# hosted zone, a VPC with subnets, security groups and a route table, an ACM
# certificate) are made in moto first and put in place of the documented
# example IDs.
# --------------------------------------------------------------------------

VARIANTS = sorted((Path(__file__).resolve().parents[1] / "variants").glob("*.yaml"))


def stand_ins(aws_region, text):
    """`text` with every example ID replaced by one of a resource made in
    moto (in the variant's region)."""
    made = {}

    def hosted_zone(m):
        zone_id = m.group(1)
        if zone_id not in made:
            zone = aws_region("route53").create_hosted_zone(Name=f"{zone_id.lower()}.example.com", CallerReference=zone_id)
            made[zone_id] = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
        return m.group(0).replace(zone_id, made[zone_id])

    text = re.sub(r"hosted_zone_id: (Z[0-9A-Z]+)", hosted_zone, text)
    ec2 = aws_region("ec2")
    vpc_ids = sorted(set(re.findall(r"\bvpc-[0-9a-f]{17}\b", text)))
    for n, vpc_id in enumerate(vpc_ids):
        made[vpc_id] = ec2.create_vpc(CidrBlock=f"10.{90 + n}.0.0/16")["Vpc"]["VpcId"]
    vpc = made[vpc_ids[0]] if vpc_ids else ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    for n, subnet in enumerate(sorted(set(re.findall(r"\bsubnet-[0-9a-f]{17}\b", text)))):
        made[subnet] = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{90}.{n}.0/24")["Subnet"]["SubnetId"]
    for n, group in enumerate(sorted(set(re.findall(r"\bsg-[0-9a-f]{17}\b", text)))):
        made[group] = ec2.create_security_group(GroupName=f"g{n}", Description="stand-in", VpcId=vpc)["GroupId"]
    for table in sorted(set(re.findall(r"\brtb-[0-9a-f]{17}\b", text))):
        made[table] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for arn in sorted(set(re.findall(r"arn:aws:acm:[a-z0-9-]+:\d+:certificate/[0-9a-f-]+", text))):
        acm = aws_region("acm", arn.split(":")[3])
        made[arn] = acm.request_certificate(DomainName="api.example.com")["CertificateArn"]
    # A secret named by its full ARN (the load balancer's OIDC client secret):
    # CloudFormation resolves `{{resolve:secretsmanager:ARN}}` at deploy
    # (launcher patch 20), so it must exist; moto picks its own suffix.
    for arn in sorted(set(re.findall(r"arn:aws:secretsmanager:[a-z0-9-]+:\d+:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}\b", text))):
        name = arn.split(":secret:", 1)[1][:-7]
        secrets = aws_region("secretsmanager", arn.split(":")[3])
        made[arn] = secrets.create_secret(Name=name, SecretString="stand-in client secret")["ARN"]
    for example, real in made.items():
        if not example.startswith("Z"):
            text = text.replace(example, real)
    return text


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda p: p.stem)
def test_variant_deploys(variant, blueprint_bin, aws_env, endpoint, tmp_path):
    config = load_project(variant.read_text())
    region = config.get("region", "us-east-1")

    def client(service, in_region=None):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=in_region or region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    config = load_project(stand_ins(client, variant.read_text()))
    config["termination_protection"] = False
    make_stored_values(endpoint, config)
    (tmp_path / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = aws_env
    # The project's region, and us-east-1 for the certificate stacks of
    # custom domains.
    for bootstrap_region in sorted({region, "us-east-1"}):
        r = run(blueprint_bin, env, tmp_path, "bootstrap", "--region", bootstrap_region)
        assert r.returncode == 0, ok(r)
    # What synth warns about (an insecure choice made on purpose), plan and
    # apply say again before they act.
    r = run(blueprint_bin, env, tmp_path, "synth", "--out", str(tmp_path / "synth-out"))
    assert r.returncode == 0, ok(r)
    warnings = [line for line in r.stderr.splitlines() if line.startswith("warning: ")]
    r = run(blueprint_bin, env, tmp_path, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    for w in warnings:
        assert w in r.stderr.splitlines(), (w, ok(r))
    r = run(blueprint_bin, env, tmp_path, "plan")
    assert r.returncode == 0, ok(r)
    assert "No changes." in r.stdout
    for w in warnings:
        assert w in r.stderr.splitlines(), (w, ok(r))
    r = run(blueprint_bin, env, tmp_path, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, env, tmp_path, "status")
    assert "not deployed" in r.stdout, ok(r)
    stack = config["stack_name"]
    with pytest.raises(ClientError) as gone:
        client("cloudformation").describe_stacks(StackName=stack)
    assert gone.value.response["Error"]["Message"] == f"Stack with id {stack} does not exist"
