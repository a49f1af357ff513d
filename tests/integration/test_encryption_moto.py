"""Customer-managed keys (issue #13, `options.security.customer_managed_keys`)
as deployed in moto and read back through the services' own APIs: the
stack's key rotates and its policy has no `*` principal and admits
CloudWatch Logs (KMS GetKeyRotationStatus, GetKeyPolicy, ListAliases);
every DynamoDB table is encrypted with it (DescribeTable SSEDescription),
every log group (DescribeLogGroups kmsKeyId) and every function's
environment (GetFunctionConfiguration KMSKeyArn), nested stacks included
(microservices); after destroy the key is still there (retained).

moto's CloudFormation drops the templates' table, log group and function
key settings; the launcher's "Customer-managed keys" patch stands in for
that (README)."""

import json

import pytest

from deploying import client, deploy, ok, run



def of_type(resources, kind):
    return {path: pid for path, (t, pid) in resources.items() if t == kind}


def check_encrypted(config, res, endpoint, nested):
    """Everything the option covers uses the stack's key; returns its ID."""
    region = config["region"]
    kms = client(endpoint, "kms", region)
    key_id = res["CustomerManagedKey"][1]
    key = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    key_arn = key["Arn"]
    assert key["Enabled"] is True
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = kms.list_aliases(KeyId=key_id)["Aliases"]
    assert [a["AliasName"] for a in aliases] == [f"alias/{config['stack_name']}"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    for s in policy["Statement"]:
        principal = s.get("Principal")
        assert principal != "*", s
        assert "*" not in json.dumps(principal.get("AWS", [])), s
    logs_statement = [s for s in policy["Statement"] if s["Principal"].get("Service") == [f"logs.{region}.amazonaws.com"]]
    assert len(logs_statement) == 1, policy
    assert logs_statement[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == [
        f"arn:aws:logs:{region}:123456789012:log-group:*"
    ]
    # Only the root stack has a key: the nested ones use its ARN.
    assert sorted(of_type(res, "AWS::KMS::Key")) == ["CustomerManagedKey"]

    tables = of_type(res, "AWS::DynamoDB::Table")
    log_groups = of_type(res, "AWS::Logs::LogGroup")
    functions = of_type(res, "AWS::Lambda::Function")
    assert tables and log_groups and functions
    if nested:
        assert all("/" in p for p in tables), tables

    ddb = client(endpoint, "dynamodb", region)
    for path, name in tables.items():
        sse = ddb.describe_table(TableName=name)["Table"].get("SSEDescription")
        assert sse and sse["SSEType"] == "KMS" and sse["KMSMasterKeyArn"] == key_arn, (path, sse)

    logs = client(endpoint, "logs", region)
    for path, name in log_groups.items():
        groups = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
        assert groups and groups[0].get("kmsKeyId") == key_arn, (path, groups)

    lam = client(endpoint, "lambda", region)
    encrypted = 0
    for path, name in functions.items():
        cfg = lam.get_function_configuration(FunctionName=name)
        if cfg.get("Environment", {}).get("Variables"):
            assert cfg.get("KMSKeyArn") == key_arn, (path, cfg.get("KMSKeyArn"))
            encrypted += 1
    assert encrypted
    return key_id


@pytest.mark.parametrize(
    "variant,nested",
    [("todo-customer-keys.yaml", False), ("microservices-customer-keys.yaml", True)],
)
def test_customer_managed_key_encrypts_tables_log_groups_and_environments(
    variant, nested, blueprint_bin, aws_env, endpoint, tmp_path
):
    config, res = deploy(variant, blueprint_bin, aws_env, endpoint, tmp_path)
    key_id = check_encrypted(config, res, endpoint, nested)
    r = run(blueprint_bin, aws_env, tmp_path, "destroy", "--yes")
    assert r.returncode == 0, ok(r)
    # Retained: what it encrypted (retained tables, log groups, backups)
    # stays readable.
    kms = client(endpoint, "kms", config["region"])
    key = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert key["KeyState"] == "Enabled", key
