"""Secrets and parameters (issue 16): `tests/variants/microservices-secrets.yaml`
deployed in moto with its SSM parameters and secrets made first (boto3), and
read back through Lambda and IAM. Each stored value is a recognizable canary;
none may appear in any file blueprint writes (synth output, saved plan,
outputs file, placement file), in anything it prints (bootstrap, synth, plan
in text and JSON, apply, status, outputs, destroy) or in a function's
configuration (GetFunctionConfiguration), except the String parameter
CloudFormation puts there by design.

moto's CloudFormation leaves `{{resolve:...}}` as it is; the launcher's patch
20 resolves dynamic references from moto's SSM and Secrets Manager, as
CloudFormation does (README), so a secret resolved into a template would
show up in the function's configuration here."""

import fnmatch
import json

import yaml

from deploying import VARIANTS, client, ok, run, stack_resources

CANARY = "CANARY-4f1d9e-never-printed"
REGION = "us-east-1"


def make_stored_values(endpoint):
    ssm = client(endpoint, "ssm", REGION)
    ssm.put_parameter(Name="/orders/db-host", Value="db.internal.example", Type="String")
    ssm.put_parameter(Name="/orders/api-token", Value=f"{CANARY}-token", Type="SecureString")
    sm = client(endpoint, "secretsmanager", REGION)
    arns = {}
    for name, value in [
        ("orders/db", json.dumps({"password": f"{CANARY}-db"})),
        ("orders/signing", f"{CANARY}-signing"),
        # Names the role's patterns must not match.
        ("orders/db-admin", f"{CANARY}-decoy"),
        ("orders/dbx", f"{CANARY}-decoy2"),
    ]:
        arns[name] = sm.create_secret(Name=name, SecretString=value)["ARN"]
    return arns


def test_stored_values_stay_in_their_stores(blueprint_bin, aws_env, endpoint, tmp_path):
    arns = make_stored_values(endpoint)
    config = yaml.safe_load((VARIANTS / "microservices-secrets.yaml").read_text())
    config["termination_protection"] = False
    (tmp_path / "blueprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    printed = []

    def step(*args, code=0):
        r = run(blueprint_bin, aws_env, tmp_path, *args)
        printed.append(f"$ blueprint {' '.join(args)}\n{r.stdout}{r.stderr}")
        assert r.returncode == code, ok(r)
        return r

    step("bootstrap", "--region", REGION)
    step("synth", "--out", "out")
    json.loads(step("plan", "--output", "json", code=2).stdout)
    step("apply", "--yes", "--outputs-file", "outputs.json")
    step("plan", "--out", "plan.json", code=0)
    step("status")
    step("outputs")

    res = stack_resources(endpoint, REGION, config["stack_name"])
    lam = client(endpoint, "lambda", REGION)
    cfg = lam.get_function_configuration(FunctionName=res["OrdersService/Function"][1])
    variables = cfg["Environment"]["Variables"]
    # The String parameter is resolved by CloudFormation (moto: patch 20);
    # the others are names the function reads at run time.
    assert variables["DB_HOST"] == "db.internal.example", variables
    assert variables["API_TOKEN"] == "/orders/api-token", variables
    assert variables["DB_PASSWORD"] == "orders/db", variables
    assert variables["SIGNING_KEY"] == "orders/signing", variables
    assert variables["CURRENCY"] == "EUR", variables
    for path, (kind, pid) in res.items():
        if kind == "AWS::Lambda::Function":
            assert CANARY not in json.dumps(lam.get_function_configuration(FunctionName=pid)), path

    # The role may read exactly the SecureString and the two secrets.
    iam = client(endpoint, "iam", REGION)
    role = res["OrdersService/FunctionRole"][1]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    assert names == ["least-privilege"], names
    document = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    by_sid = {s.get("Sid"): s for s in document["Statement"]}
    parameter = client(endpoint, "ssm", REGION).get_parameter(Name="/orders/api-token")["Parameter"]["ARN"]
    assert by_sid["ReadOwnParameters"]["Action"] == ["ssm:GetParameter", "ssm:GetParameters"]
    assert by_sid["ReadOwnParameters"]["Resource"] == [parameter]
    secrets = by_sid["ReadOwnSecrets"]["Resource"]
    assert by_sid["ReadOwnSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    readable = sorted(n for n, arn in arns.items() if any(fnmatch.fnmatchcase(arn, p) for p in secrets))
    assert readable == ["orders/db", "orders/signing"], (secrets, arns)
    decrypt = by_sid["DecryptOwnSecretsThroughSecretsManager"]
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": [f"secretsmanager.{REGION}.amazonaws.com"]}}
    every_action = [a for s in document["Statement"] for a in s["Action"]]
    assert not any(a.startswith(("ssm:", "secretsmanager:", "kms:")) for a in every_action if a not in (
        "ssm:GetParameter", "ssm:GetParameters", "secretsmanager:GetSecretValue", "kms:Decrypt")), every_action
    # The other service's role reads nothing of it.
    other = iam.get_role_policy(RoleName=res["UsersService/FunctionRole"][1], PolicyName="least-privilege")
    assert "secretsmanager" not in json.dumps(other) and "ssm:" not in json.dumps(other)

    step("destroy", "--yes")

    # Nothing written or printed holds a value.
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "plan.json" for p in written) and any(p.name == "outputs.json" for p in written)
    for p in written:
        assert CANARY.encode() not in p.read_bytes(), p
    assert CANARY not in "".join(printed)
