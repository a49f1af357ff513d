"""Starts the certificate state machine for each new registration (FLOW).

Subscribed to the registrations topic in place of the certificate function
when the flow is on: each SNS message names a ``registrationId``, and the
function starts one execution of ``STATE_MACHINE_ARN`` with the input
``{"registrationId": "..."}``. The execution is named after the registration,
so a repeated message finds it already started (a standard workflow keeps
names for 90 days) and changes nothing.

Failures raise: Lambda retries the asynchronous invocation and then hands the
event to the failure queue.

Environment
-----------
``STATE_MACHINE_ARN``   the certificate state machine (required)
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("conference-start-flow")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

# Execution names: 1-80 characters, none of whitespace, brackets, wildcards,
# punctuation Step Functions reserves, or control characters.
_NAME = re.compile(r"^[A-Za-z0-9_.@+=-]{1,80}$")

_clients: dict[str, Any] = {}


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _sfn() -> Any:
    if "sfn" not in _clients:
        _clients["sfn"] = boto3.client("stepfunctions")
    return _clients["sfn"]


def execution_name(registration_id: str) -> str | None:
    """The execution's name: the registration's ID when it is a valid name."""
    return registration_id if _NAME.match(registration_id) else None


def start(registration_id: str) -> str | None:
    """Starts the execution of one registration; its ARN, or None when it
    was already started."""
    request: dict[str, Any] = {
        "stateMachineArn": os.environ["STATE_MACHINE_ARN"],
        "input": json.dumps({"registrationId": registration_id}),
    }
    name = execution_name(registration_id)
    if name:
        request["name"] = name
    try:
        return str(_sfn().start_execution(**request)["executionArn"])
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        logger.info("the flow of %s was already started", registration_id)
        return None


def _registration_id(record: dict[str, Any]) -> str | None:
    try:
        message = json.loads(record["Sns"]["Message"])
    except (KeyError, TypeError, json.JSONDecodeError):
        return None
    value = message.get("registrationId") if isinstance(message, dict) else None
    return value if isinstance(value, str) and value else None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles an SNS event."""
    started = []
    for record in event.get("Records", []):
        registration_id = _registration_id(record)
        if registration_id is None:
            logger.warning("message without a registrationId; ignored")
            continue
        arn = start(registration_id)
        if arn:
            started.append(arn)
    return {"executions": started}
