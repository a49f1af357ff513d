"""Lambda handler for the conference registration API.

CloudFront forwards ``/api/*`` to an API Gateway REST API (Lambda proxy
integration, payload format 1.0); this function answers both routes.

Routes
------
``POST /api/registrations``
    ``{"name", "email", "affiliation"?}`` → ``202 {"registrationId", ...}``.
    The registration is stored, then published to the SNS topic; the
    certificate is made asynchronously by the certificate function, so the
    request never waits for it. If publishing fails the registration is
    removed again and the answer is ``503`` (try again).
``GET  /api/registrations/{registrationId}``
    the registration (without the email address) and, once the certificate
    is ready, a short-lived download link (``certificateUrl``).

Environment
-----------
``REGISTRATIONS_TABLE``    the table (required)
``TOPIC_ARN``              the topic new registrations go to (required)
``CERTIFICATES_BUCKET``    where certificates are (required)
``DOWNLOAD_LINK_SECONDS``  how long a certificate link works (default 900)
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

logger = logging.getLogger("conference-api")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

TEXT_MAX = 100
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_PUBLIC = ("registrationId", "name", "affiliation", "status", "certificate", "createdAt", "issuedAt")

_clients: dict[str, Any] = {}


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _table() -> Any:
    if "table" not in _clients:
        _clients["table"] = boto3.resource("dynamodb").Table(os.environ["REGISTRATIONS_TABLE"])
    return _clients["table"]


def _client(name: str) -> Any:
    if name not in _clients:
        # SigV4 for presigned links (required in every region opened since 2014).
        config = Config(signature_version="s3v4") if name == "s3" else None
        _clients[name] = boto3.client(name, config=config)
    return _clients[name]


def _response(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body, ensure_ascii=False),
    }


def _json_body(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event.get("body")
    if not raw:
        raise HttpError(400, "a JSON body is required")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as e:
            raise HttpError(400, "the body is not valid base64 UTF-8") from e
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as e:
        raise HttpError(400, "the body is not valid JSON") from e
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    return body


def _text(body: Mapping[str, Any], field: str, required: bool) -> str:
    value = body.get(field, "")
    if not isinstance(value, str) or len(value.strip()) > TEXT_MAX or any(c in value for c in "\r\n\x00"):
        raise HttpError(400, f"{field} must be text of at most {TEXT_MAX} characters on one line")
    value = value.strip()
    if required and not value:
        raise HttpError(400, f"{field} is required")
    return value


def register(event: Mapping[str, Any]) -> dict[str, Any]:
    body = _json_body(event)
    name = _text(body, "name", required=True)
    affiliation = _text(body, "affiliation", required=False)
    email = body.get("email")
    if not isinstance(email, str) or len(email) > EMAIL_MAX or not _EMAIL.match(email.strip()):
        raise HttpError(400, "email must be an email address")
    registration_id = str(uuid.uuid4())
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    item = {
        "registrationId": registration_id,
        "name": name,
        "email": email.strip().lower(),
        "affiliation": affiliation,
        "status": "registered",
        "certificate": "pending",
        "createdAt": now,
    }
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(registrationId)")
    try:
        _client("sns").publish(
            TopicArn=os.environ["TOPIC_ARN"],
            Message=json.dumps({"registrationId": registration_id}),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "registration"}},
        )
    except Exception:
        logger.exception("could not publish the registration; removing it")
        _table().delete_item(Key={"registrationId": registration_id})
        raise HttpError(503, "registration is busy, please try again") from None
    return _response(202, {k: item[k] for k in _PUBLIC if k in item})


def get_registration(event: Mapping[str, Any]) -> dict[str, Any]:
    registration_id = (event.get("pathParameters") or {}).get("registrationId", "")
    if not _UUID.match(registration_id):
        raise HttpError(404, "no such registration")
    item = _table().get_item(Key={"registrationId": registration_id}).get("Item")
    if not item:
        raise HttpError(404, "no such registration")
    result = {k: item[k] for k in _PUBLIC if k in item}
    if item.get("certificate") == "ready" and item.get("certificateKey"):
        result["certificateUrl"] = _client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": os.environ["CERTIFICATES_BUCKET"],
                "Key": item["certificateKey"],
                "ResponseContentType": "text/html; charset=utf-8",
            },
            ExpiresIn=int(os.environ.get("DOWNLOAD_LINK_SECONDS", "900")),
        )
    return _response(200, result)


ROUTES: dict[tuple[str, str], Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    ("POST", "/api/registrations"): register,
    ("GET", "/api/registrations/{registrationId}"): get_registration,
}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Routes an API Gateway proxy event to its handler."""
    route = (event.get("httpMethod", ""), event.get("resource", ""))
    action = ROUTES.get(route)
    try:
        if action is None:
            raise HttpError(404, "no such route")
        return action(event)
    except HttpError as e:
        return _response(e.status, {"error": e.message})
    except Exception:
        logger.exception("request failed: %s %s", *route)
        return _response(500, {"error": "internal error"})
