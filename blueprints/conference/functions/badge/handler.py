"""Makes the printable name badge of a conference registration (FLOW).

Runs in the certificate state machine, in parallel with the certificate
function. The input names a registration (``{"registrationId": "..."}``);
the function reads it, writes a badge (a self-contained UTF-8 HTML page
sized for a badge holder, so every script prints, e.g. Hangul) to
``CERTIFICATES_BUCKET/BADGES_PREFIX<id>.html`` for the organizers to print,
and marks the registration ``badge: ready``. A registration whose badge is
ready is left alone, so a repeated execution changes nothing.

Failures of DynamoDB or S3 raise, so the state machine retries the task.

Environment
-----------
``REGISTRATIONS_TABLE``, ``CERTIFICATES_BUCKET``   (required)
``BADGES_PREFIX``                                  (default ``badges/``)
``EVENT_NAME``                                     the conference's name
"""

from __future__ import annotations

import html
import logging
import os
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("conference-badge")
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


def render(name: str, affiliation: str, event_name: str, registration_id: str) -> str:
    """The badge page: every value escaped, nothing loaded from elsewhere."""
    e = html.escape
    affiliation_line = f'<p class="affiliation">{e(affiliation)}</p>' if affiliation else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Badge: {e(name)}</title>
<style>
@page {{ size: 100mm 70mm; margin: 0; }}
body {{ margin: 0; font-family: system-ui, sans-serif; color: #1d2733; }}
.badge {{ box-sizing: border-box; width: 100mm; height: 70mm; padding: 6mm; border-top: 8mm solid #1f6feb; text-align: center; }}
.event {{ font-size: 9pt; letter-spacing: .06em; text-transform: uppercase; }}
.name {{ font-size: 22pt; font-weight: 700; margin: 7mm 0 3mm; }}
.affiliation {{ font-size: 12pt; margin: 0; }}
.id {{ margin-top: 6mm; font-size: 7pt; color: #5b6672; }}
</style>
</head>
<body>
<div class="badge">
<p class="event">{e(event_name)}</p>
<p class="name">{e(name)}</p>
{affiliation_line}
<p class="id">{e(registration_id)}</p>
</div>
</body>
</html>
"""


def make_badge(registration_id: str) -> str | None:
    """Writes the badge of one registration; returns its key, or None when
    there was nothing to do."""
    item = _table().get_item(Key={"registrationId": registration_id}).get("Item")
    if not item:
        logger.warning("no registration %s; no badge", registration_id)
        return None
    if item.get("badge") == "ready":
        logger.info("badge of %s is already ready", registration_id)
        return None
    key = f"{os.environ.get('BADGES_PREFIX', 'badges/')}{registration_id}.html"
    page = render(
        str(item.get("name", "")),
        str(item.get("affiliation", "")),
        os.environ.get("EVENT_NAME", "the conference"),
        registration_id,
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
            UpdateExpression="SET badge = :ready, badgeKey = :key",
            ConditionExpression="attribute_exists(registrationId)",
            ExpressionAttributeValues={":ready": "ready", ":key": key},
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        logger.warning("registration %s disappeared while making its badge", registration_id)
        return None
    return key


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles ``{"registrationId": "..."}`` from the state machine."""
    registration_id = event.get("registrationId") if isinstance(event, dict) else None
    if not isinstance(registration_id, str) or not registration_id:
        logger.warning("input without a registrationId; ignored")
        return {"badgeKey": None}
    return {"badgeKey": make_badge(registration_id)}
