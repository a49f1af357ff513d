"""The traffic hook: reads the AppSpec, invokes the right qualifier, reports."""

import io
import json
import sys
from pathlib import Path
from unittest import mock

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import handler  # noqa: E402

APPSPEC = {
    "version": 0.0,
    "Resources": [
        {
            "Api": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Name": "stack-ApiFunction", "Alias": "live", "CurrentVersion": "3", "TargetVersion": "4"},
            }
        }
    ],
}


class FakeCodeDeploy:
    def __init__(self, spec):
        self.spec = spec
        self.reported = []

    def get_deployment(self, deploymentId):
        return {"deploymentInfo": {"revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": json.dumps(self.spec)}}}}

    def put_lifecycle_event_hook_execution_status(self, **kwargs):
        self.reported.append(kwargs)


class FakeLambda:
    def __init__(self, error=None, raises=False):
        self.calls = []
        self.error = error
        self.raises = raises

    def invoke(self, FunctionName, InvocationType, Payload):
        self.calls.append((FunctionName, json.loads(Payload)))
        if self.raises:
            raise RuntimeError("no such version")
        response = {"StatusCode": 200, "Payload": io.BytesIO(b'{"errorMessage": "boom"}')}
        if self.error:
            response["FunctionError"] = self.error
        return response


def run(monkeypatch, phase, lam, spec=APPSPEC):
    cd = FakeCodeDeploy(spec)
    monkeypatch.setattr(handler, "codedeploy", cd)
    monkeypatch.setattr(handler, "lambda_client", lam)
    monkeypatch.setenv("HOOK_PHASE", phase)
    monkeypatch.setenv("TEST_EVENT", '{"path": "/health"}')
    result = handler.handler({"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "e-1"}, None)
    return result, cd


def test_pre_traffic_invokes_the_new_version(monkeypatch):
    lam = FakeLambda()
    result, cd = run(monkeypatch, "pre", lam)
    assert lam.calls == [("stack-ApiFunction:4", {"path": "/health"})]
    assert result == {"status": "Succeeded"}
    assert cd.reported == [{"deploymentId": "d-1", "lifecycleEventHookExecutionId": "e-1", "status": "Succeeded"}]


def test_post_traffic_invokes_the_alias(monkeypatch):
    lam = FakeLambda()
    run(monkeypatch, "post", lam)
    assert lam.calls[0][0] == "stack-ApiFunction:live"


@pytest.mark.parametrize("lam", [FakeLambda(error="Unhandled"), FakeLambda(raises=True)])
def test_a_failing_function_fails_the_deployment(monkeypatch, lam):
    result, cd = run(monkeypatch, "pre", lam)
    assert result == {"status": "Failed"}
    assert cd.reported[0]["status"] == "Failed"


def test_a_deployment_without_functions_is_failed_not_left_waiting(monkeypatch):
    result, cd = run(monkeypatch, "pre", FakeLambda(), spec={"Resources": []})
    assert result == {"status": "Failed"}
    assert len(cd.reported) == 1


def test_the_real_clients_are_built_with_boto3(monkeypatch):
    monkeypatch.setattr(handler, "codedeploy", None)
    monkeypatch.setattr(handler, "lambda_client", None)
    with mock.patch.dict("os.environ", {"AWS_DEFAULT_REGION": "us-east-1"}):
        cd, lam = handler.clients()
    assert cd.meta.service_model.service_name == "codedeploy"
    assert lam.meta.service_model.service_name == "lambda"
