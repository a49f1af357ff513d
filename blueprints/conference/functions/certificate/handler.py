"""Makes the participation certificate of a conference registration.

Subscribed to the registrations topic: each SNS message names a
``registrationId``. The function reads the registration, writes a printable
certificate (a self-contained UTF-8 HTML page, so every script and name
prints, e.g. Hangul) to ``CERTIFICATES_BUCKET/CERTIFICATES_PREFIX<id>.html``,
and marks the registration ``certificate: ready``. A registration that is
already done is left alone, so a repeated message changes nothing.

Failures raise: Lambda retries the asynchronous invocation and then hands the
event to the failure queue.

Environment
-----------
``REGISTRATIONS_TABLE``, ``CERTIFICATES_BUCKET``   (required)
``CERTIFICATES_PREFIX``                            (default ``certificates/``)
``EVENT_NAME``                                     the conference's name
"""

from __future__ import annotations

import html
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("conference-certificate")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_clients: dict[str, Any] = {}


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _table() -> Any:
    if "table" not in _clients:
        _clients["table"] = boto3.resource("dynamodb").Table(os.environ["REGISTRATIONS_TABLE"])
    return _clients["table"]


def _s3() -> Any:
    if "s3" not in _clients:
        _clients["s3"] = boto3.client("s3")
    return _clients["s3"]


def render(name: str, affiliation: str, event_name: str, registration_id: str, issued_on: str) -> str:
    """The certificate page: every value escaped, nothing loaded from elsewhere."""
    e = html.escape
    affiliation_line = f'<p class="affiliation">{e(affiliation)}</p>' if affiliation else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Certificate of participation: {e(event_name)}</title>
<style>
@page {{ size: A4 landscape; margin: 0; }}
body {{ margin: 0; font-family: system-ui, sans-serif; color: #1d2733; }}
.sheet {{ box-sizing: border-box; width: 297mm; height: 210mm; padding: 28mm; border: 6mm solid #1f6feb; text-align: center; }}
h1 {{ font-size: 30pt; margin: 0 0 14mm; letter-spacing: .08em; }}
.name {{ font-size: 34pt; font-weight: 700; margin: 6mm 0; }}
.affiliation {{ font-size: 16pt; margin: 0 0 10mm; }}
.event {{ font-size: 18pt; }}
.meta {{ margin-top: 18mm; font-size: 10pt; color: #5b6672; }}
</style>
</head>
<body>
<div class="sheet">
<h1>Certificate of Participation</h1>
<p>This certifies that</p>
<p class="name">{e(name)}</p>
{affiliation_line}
<p class="event">took part in {e(event_name)}.</p>
<p class="meta">Issued {e(issued_on)} &middot; registration {e(registration_id)}</p>
</div>
</body>
</html>
"""


def make_certificate(registration_id: str) -> str | None:
    """Writes the certificate of one registration; returns its key, or None
    when there was nothing to do."""
    item = _table().get_item(Key={"registrationId": registration_id}).get("Item")
    if not item:
        logger.warning("no registration %s; nothing to certify", registration_id)
        return None
    if item.get("certificate") == "ready":
        logger.info("certificate of %s is already ready", registration_id)
        return None
    now = datetime.now(UTC)
    prefix = os.environ.get("CERTIFICATES_PREFIX", "certificates/")
    key = f"{prefix}{registration_id}.html"
    page = render(
        str(item.get("name", "")),
        str(item.get("affiliation", "")),
        os.environ.get("EVENT_NAME", "the conference"),
        registration_id,
        now.strftime("%Y-%m-%d"),
    )
    _s3().put_object(
        Bucket=os.environ["CERTIFICATES_BUCKET"],
        Key=key,
        Body=page.encode("utf-8"),
        ContentType="text/html; charset=utf-8",
    )
    try:
        _table().update_item(
            Key={"registrationId": registration_id},
            UpdateExpression="SET certificate = :ready, certificateKey = :key, issuedAt = :now",
            ConditionExpression="attribute_exists(registrationId)",
            ExpressionAttributeValues={
                ":ready": "ready",
                ":key": key,
                ":now": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            },
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        logger.warning("registration %s disappeared while certifying", registration_id)
        return None
    return key


def _registration_id(record: dict[str, Any]) -> str | None:
    try:
        message = json.loads(record["Sns"]["Message"])
    except (KeyError, TypeError, json.JSONDecodeError):
        return None
    value = message.get("registrationId") if isinstance(message, dict) else None
    return value if isinstance(value, str) and value else None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles an SNS event."""
    made = []
    for record in event.get("Records", []):
        registration_id = _registration_id(record)
        if registration_id is None:
            logger.warning("message without a registrationId; ignored")
            continue
        key = make_certificate(registration_id)
        if key:
            made.append(key)
    return {"certificates": made}
