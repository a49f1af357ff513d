"""Sends the blog's welcome email to each new user.

The users table's stream feeds this function through an event source mapping
that passes INSERT records only (a new sign-up). Only the user pool's post
confirmation trigger adds users, once Cognito has verified their address, so
this function never mails an address its owner did not confirm. For each one the function
claims the user (``welcomeClaimedAt``, set only if absent, so a retried batch
never mails anyone twice), sends the email with SES as ``SENDER`` (the role
may send from that identity only), and records ``welcomedAt``. If sending
fails the claim is released and the record is reported as a batch item
failure, so Lambda retries it and finally hands it to the failure queue.

Environment
-----------
``USERS_TABLE``  the users table (required)
``SENDER``       the From address (required)
``SUBJECT``      the subject line
``SITE_NAME``    the blog's name
``SITE_URL``     the blog's address
"""

from __future__ import annotations

import html
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("blog-welcome-email")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_clients: dict[str, Any] = {}


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _users() -> Any:
    if "users" not in _clients:
        _clients["users"] = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])
    return _clients["users"]


def _ses() -> Any:
    if "ses" not in _clients:
        _clients["ses"] = boto3.client("ses")
    return _clients["ses"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _string(image: dict[str, Any], name: str) -> str:
    """A string attribute of a stream image (``{"S": "..."}``), or ``""``."""
    value = image.get(name)
    return value.get("S", "") if isinstance(value, dict) else ""


def compose(name: str, site_name: str, site_url: str) -> tuple[str, str]:
    """The text and HTML bodies of the welcome email."""
    greeting = f"Hello {name}," if name else "Hello,"
    text = (
        f"{greeting}\n\n"
        f"thanks for signing up to {site_name}! New posts are waiting for you at {site_url}\n\n"
        f"-- {site_name}\n"
    )
    e = html.escape
    body = (
        "<!doctype html><html><body>"
        f"<p>{e(greeting)}</p>"
        f"<p>thanks for signing up to {e(site_name)}! New posts are waiting for you at "
        f'<a href="{e(site_url, quote=True)}">{e(site_url)}</a>.</p>'
        f"<p>&mdash; {e(site_name)}</p>"
        "</body></html>"
    )
    return text, body


def _claim(email: str) -> bool:
    """Marks the user as being welcomed; False if someone already did."""
    try:
        _users().update_item(
            Key={"email": email},
            UpdateExpression="SET welcomeClaimedAt = :now",
            ConditionExpression="attribute_exists(email) AND attribute_not_exists(welcomeClaimedAt)",
            ExpressionAttributeValues={":now": _now()},
        )
        return True
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise


def _release(email: str) -> None:
    try:
        _users().update_item(Key={"email": email}, UpdateExpression="REMOVE welcomeClaimedAt")
    except ClientError:
        logger.exception("could not release the welcome claim")


def welcome(email: str, name: str) -> bool:
    """Sends the welcome email once; returns whether it was sent now."""
    if not _claim(email):
        logger.info("user already welcomed")
        return False
    site_name = os.environ.get("SITE_NAME", "our blog")
    site_url = os.environ.get("SITE_URL", "")
    text, body = compose(name, site_name, site_url)
    try:
        _ses().send_email(
            Source=os.environ["SENDER"],
            Destination={"ToAddresses": [email]},
            Message={
                "Subject": {"Data": os.environ.get("SUBJECT", f"Welcome to {site_name}"), "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": text, "Charset": "UTF-8"},
                    "Html": {"Data": body, "Charset": "UTF-8"},
                },
            },
        )
    except Exception:
        _release(email)
        raise
    _users().update_item(
        Key={"email": email},
        UpdateExpression="SET welcomedAt = :now",
        ExpressionAttributeValues={":now": _now()},
    )
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles a batch of stream records; reports the ones that failed."""
    failures = []
    sent = 0
    for record in event.get("Records", []):
        data = record.get("dynamodb", {})
        if record.get("eventName") != "INSERT":
            continue
        image = data.get("NewImage", {})
        email = _string(image, "email")
        if not email:
            logger.warning("INSERT record without an email; skipped")
            continue
        try:
            if welcome(email, _string(image, "name")):
                sent += 1
        except Exception:
            logger.exception("welcome email failed")
            failures.append({"itemIdentifier": data.get("SequenceNumber", "")})
    logger.info("welcome emails sent: %d, failed: %d", sent, len(failures))
    return {"batchItemFailures": failures}
