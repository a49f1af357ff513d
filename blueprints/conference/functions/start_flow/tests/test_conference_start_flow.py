"""Tests for the flow starter (moto-backed Step Functions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conference_start_flow_support import handler_module, sns_event

RID = "6f1c2b7e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"


def _executions(aws: Any) -> list[dict[str, Any]]:
    return aws["sfn"].list_executions(stateMachineArn=aws["arn"])["executions"]


def test_a_registration_starts_one_execution_named_after_it(aws: Any) -> None:
    result = handler_module.handler(sns_event({"registrationId": RID}), None)

    [execution] = _executions(aws)
    assert result == {"executions": [execution["executionArn"]]}
    assert execution["name"] == RID
    described = aws["sfn"].describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"registrationId": RID}


def test_a_repeated_message_starts_nothing_more(aws: Any) -> None:
    first = handler_module.handler(sns_event({"registrationId": RID}), None)
    # While it runs, Step Functions answers with the same execution.
    again = handler_module.handler(sns_event({"registrationId": RID}), None)
    assert again["executions"] in ([], first["executions"])
    assert len(_executions(aws)) == 1


def test_an_execution_that_already_ran_is_not_an_error(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    class Finished:
        def start_execution(self, **request: Any) -> Any:
            error = {"Error": {"Code": "ExecutionAlreadyExists", "Message": "done before"}}
            raise ClientError(error, "StartExecution")

    monkeypatch.setitem(handler_module._clients, "sfn", Finished())
    assert handler_module.handler(sns_event({"registrationId": RID}), None) == {"executions": []}


def test_bad_messages_are_ignored(aws: Any) -> None:
    result = handler_module.handler(sns_event("not json", {"other": 1}, ["list"], {"registrationId": 5}), None)
    assert result == {"executions": []}
    assert _executions(aws) == []


def test_an_id_that_is_no_valid_name_gets_a_generated_one(aws: Any) -> None:
    odd = "a b/c"
    result = handler_module.handler(sns_event({"registrationId": odd}), None)
    [execution] = _executions(aws)
    assert result == {"executions": [execution["executionArn"]]}
    assert execution["name"] != odd


def test_names_follow_step_functions_rules() -> None:
    name = handler_module.execution_name
    assert name(RID) == RID
    assert name("x" * 80) == "x" * 80
    assert name("x" * 81) is None
    assert name("a b") is None and name("a/b") is None and name("") is None


def test_other_errors_raise_so_lambda_retries(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_MACHINE_ARN", aws["arn"] + "-gone")
    with pytest.raises(Exception, match="StateMachineDoesNotExist"):
        handler_module.handler(sns_event({"registrationId": RID}), None)
