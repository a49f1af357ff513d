"""`overrides:` in blueprint.yaml (issue 16, item 1) deployed to moto and
read back through the services' own APIs, not only the stack status:
`todo-overrides.yaml` (DynamoDB DescribeTable: the third attribute, the
`byStatus` index with its key and projection, the table class; Lambda
GetFunctionConfiguration: memory 512 and the description; the table class
from GetTemplate, as moto drops it), then an edited
override (memory 1024): plan exit 2 naming `ApiFunction` and
`Properties.MemorySize`, apply, 1024 through Lambda, the table kept by
destroy; and `microservices-overrides.yaml`, where the overrides are inside
the services' nested stacks (`OrdersService/Table`: provisioned 5/2 through
DescribeTable; `UsersService/Function`: timeout 20 through Lambda) and the
root stack (`Api`: the REST API's description through API Gateway)."""

import yaml

from deploying import client, deploy, ok, run


def test_overrides_reach_the_table_and_the_function(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("todo-overrides.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    ddb = client(endpoint, "dynamodb")
    table_name = res["TodoTable"][1]
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]) == [
        ("status", "S"),
        ("todoId", "S"),
        ("userId", "S"),
    ]
    indexes = table.get("GlobalSecondaryIndexes", [])
    assert [i["IndexName"] for i in indexes] == ["byStatus"], table
    assert indexes[0]["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"}]
    assert indexes[0]["Projection"]["ProjectionType"] == "KEYS_ONLY"
    # moto's CloudFormation creates the table without its TableClass (its
    # DescribeTable has no TableClassSummary), so the class is read from the
    # template CloudFormation holds (README, "What moto lacks").
    cfn = client(endpoint, "cloudformation")
    deployed = yaml.safe_load(cfn.get_template(StackName=config["stack_name"])["TemplateBody"])
    assert deployed["Resources"]["TodoTable"]["Properties"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"

    lam = client(endpoint, "lambda")
    function = res["ApiFunction"][1]
    cfg = lam.get_function_configuration(FunctionName=function)
    assert cfg["MemorySize"] == 512
    assert cfg["Description"] == "Todo CRUD (memory raised by an override)"

    # An edited override is a change plan shows and apply makes.
    text = (tmp_path / "blueprint.yaml").read_text()
    project = yaml.safe_load(text)
    project["overrides"]["ApiFunction"]["set"]["Properties.MemorySize"] = 1024
    (tmp_path / "blueprint.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    r = run(blueprint_bin, aws_env, tmp_path, "plan")
    assert r.returncode == 2, ok(r)
    assert "ApiFunction" in r.stdout and "MemorySize" in r.stdout, ok(r)
    assert "512 → 1024" in r.stdout, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "apply", "--yes")
    assert r.returncode == 0, ok(r)
    assert lam.get_function_configuration(FunctionName=function)["MemorySize"] == 1024
    r = run(blueprint_bin, aws_env, tmp_path, "plan")
    assert r.returncode == 0, ok(r)

    r = run(blueprint_bin, aws_env, tmp_path, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
    # Retained as the blueprint made it: the override changed what it named only.
    assert ddb.describe_table(TableName=table_name)["Table"]["TableStatus"] == "ACTIVE"


def test_overrides_reach_resources_inside_nested_stacks(blueprint_bin, aws_env, endpoint, tmp_path):
    config, res = deploy("microservices-overrides.yaml", blueprint_bin, aws_env, endpoint, tmp_path)
    ddb = client(endpoint, "dynamodb")
    orders = ddb.describe_table(TableName=res["OrdersService/Table"][1])["Table"]
    assert orders["ProvisionedThroughput"]["ReadCapacityUnits"] == 5, orders
    assert orders["ProvisionedThroughput"]["WriteCapacityUnits"] == 2, orders
    users = ddb.describe_table(TableName=res["UsersService/Table"][1])["Table"]
    # The other service's table is as the blueprint made it.
    assert users.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", users

    lam = client(endpoint, "lambda")
    cfg = lam.get_function_configuration(FunctionName=res["UsersService/Function"][1])
    assert cfg["Timeout"] == 20
    cfg = lam.get_function_configuration(FunctionName=res["OrdersService/Function"][1])
    assert cfg["Timeout"] == 10

    apigw = client(endpoint, "apigateway")
    api = apigw.get_rest_api(restApiId=res["Api"][1])
    assert api["description"] == "Shop API (described by an override)"

    r = run(blueprint_bin, aws_env, tmp_path, "plan")
    assert r.returncode == 0, ok(r)
    r = run(blueprint_bin, aws_env, tmp_path, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
