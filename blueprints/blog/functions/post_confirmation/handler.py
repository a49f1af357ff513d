"""Records each blog reader whose email address Cognito has verified.

The user pool invokes this function as its post confirmation trigger: after a
user confirmed their sign-up with the code Cognito mailed them, so the address
in ``request.userAttributes.email`` is verified. The function writes the user
into the users table (only if they are not there yet); the table's stream
then sends the welcome email (BLOG-5). Nothing else writes that table, so no
one can make the blog mail an address its owner has not confirmed.

A confirmed password reset fires the same trigger
(``PostConfirmation_ConfirmForgotPassword``): it is ignored. The function
returns the event unchanged, as Cognito requires; an error would fail the
user's confirmation, so only a table failure is raised (Cognito then reports
it and the user can confirm again).

Environment
-----------
``USERS_TABLE``  the users table (required)
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("blog-post-confirmation")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

SIGN_UP = "PostConfirmation_ConfirmSignUp"
NAME_MAX = 100

_clients: dict[str, Any] = {}


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _users() -> Any:
    if "users" not in _clients:
        _clients["users"] = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])
    return _clients["users"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(user_id: str, email: str, name: str) -> bool:
    """Adds the verified user; False when they were recorded before."""
    try:
        _users().put_item(
            Item={
                "email": email,
                "userId": user_id,
                "name": name,
                "createdAt": _now(),
            },
            ConditionExpression="attribute_not_exists(email)",
        )
        return True
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Cognito post confirmation trigger: records a newly confirmed user."""
    if event.get("triggerSource") != SIGN_UP:
        logger.info("ignoring %s", event.get("triggerSource"))
        return event
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    email = str(attributes.get("email", "")).strip().lower()
    # Cognito sets email_verified once the user entered the code it mailed.
    if not email or str(attributes.get("email_verified", "")).lower() != "true":
        logger.warning("confirmed user without a verified email; not recorded")
        return event
    name = str(attributes.get("name", "")).strip()[:NAME_MAX]
    user_id = str(attributes.get("sub") or event.get("userName", ""))
    if record(user_id, email, name):
        logger.info("new verified user recorded")
    else:
        logger.info("user recorded before")
    return event
