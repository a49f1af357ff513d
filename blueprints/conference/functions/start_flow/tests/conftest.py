"""Fixtures for the flow starter tests: moto's Step Functions and IAM."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from conference_start_flow_support import REGION, handler_module  # noqa: E402


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    handler_module.reset_clients()
    with mock_aws():
        role = boto3.client("iam").create_role(
            RoleName="flow",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
        )["Role"]["Arn"]
        sfn = boto3.client("stepfunctions", region_name=REGION)
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        arn = sfn.create_state_machine(name="certificates", definition=json.dumps(definition), roleArn=role)[
            "stateMachineArn"
        ]
        monkeypatch.setenv("STATE_MACHINE_ARN", arn)
        yield {"sfn": sfn, "arn": arn}
    handler_module.reset_clients()
