"""Tests for the conference registration API (moto-backed)."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from conference_api_support import BUCKET, call, handler_module


def _published(aws: Any) -> list[dict[str, Any]]:
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_registering_stores_and_publishes_without_waiting_for_the_certificate(aws: Any) -> None:
    status, body = call(
        "POST",
        "/api/registrations",
        json_body={"name": " 김서버 ", "email": "Kim@Example.com", "affiliation": "Fast Campus"},
    )
    assert status == 202
    assert uuid.UUID(body["registrationId"]).version == 4
    assert body["name"] == "김서버"
    assert body["certificate"] == "pending"
    assert "email" not in body
    item = aws["table"].get_item(Key={"registrationId": body["registrationId"]})["Item"]
    assert item["email"] == "kim@example.com"
    assert _published(aws) == [{"registrationId": body["registrationId"]}]


def test_a_failed_publish_removes_the_registration(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:missing")
    status, body = call("POST", "/api/registrations", json_body={"name": "A", "email": "a@example.com"})
    assert status == 503
    assert "try again" in body["error"]
    assert aws["table"].scan()["Count"] == 0


@pytest.mark.parametrize(
    "payload, error",
    [
        ({"email": "a@example.com"}, "name is required"),
        ({"name": "   ", "email": "a@example.com"}, "name is required"),
        ({"name": "x" * 101, "email": "a@example.com"}, "name must be"),
        ({"name": "a\nb", "email": "a@example.com"}, "name must be"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "email": "a@example.com", "affiliation": 7}, "affiliation must be"),
    ],
)
def test_registrations_are_validated(aws: Any, payload: dict[str, Any], error: str) -> None:
    status, body = call("POST", "/api/registrations", json_body=payload)
    assert status == 400
    assert error in body["error"]
    assert _published(aws) == []


@pytest.mark.parametrize("raw", [None, "{", "[]"])
def test_bodies_must_be_json_objects(aws: Any, raw: str | None) -> None:
    assert call("POST", "/api/registrations", body=raw)[0] == 400


def test_base64_bodies_are_accepted(aws: Any) -> None:
    status, _ = call(
        "POST", "/api/registrations", body=json.dumps({"name": "B", "email": "b@example.com"}), base64_body=True
    )
    assert status == 202


def test_reading_a_pending_registration(aws: Any) -> None:
    _, created = call("POST", "/api/registrations", json_body={"name": "A", "email": "a@example.com"})
    status, body = call(
        "GET", "/api/registrations/{registrationId}", path_params={"registrationId": created["registrationId"]}
    )
    assert status == 200
    assert body["certificate"] == "pending"
    assert "certificateUrl" not in body and "email" not in body


def test_a_ready_certificate_comes_with_a_short_lived_link(aws: Any) -> None:
    _, created = call("POST", "/api/registrations", json_body={"name": "A", "email": "a@example.com"})
    rid = created["registrationId"]
    aws["table"].update_item(
        Key={"registrationId": rid},
        UpdateExpression="SET certificate = :r, certificateKey = :k",
        ExpressionAttributeValues={":r": "ready", ":k": f"certificates/{rid}.html"},
    )
    status, body = call("GET", "/api/registrations/{registrationId}", path_params={"registrationId": rid})
    assert status == 200
    url = urlparse(body["certificateUrl"])
    assert BUCKET in url.netloc + url.path
    assert url.path.endswith(f"certificates/{rid}.html")
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["600"]
    assert query["response-content-type"] == ["text/html; charset=utf-8"]


@pytest.mark.parametrize("rid", [str(uuid.uuid4()), "not-a-uuid", "../x"])
def test_unknown_registrations_are_404(aws: Any, rid: str) -> None:
    status, body = call("GET", "/api/registrations/{registrationId}", path_params={"registrationId": rid})
    assert status == 404
    assert body == {"error": "no such registration"}


def test_unknown_routes_are_404(aws: Any) -> None:
    assert call("DELETE", "/api/registrations", json_body={})[0] == 404


def test_unexpected_errors_are_500(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRATIONS_TABLE", "missing-table")
    handler_module.reset_clients()
    status, body = call("GET", "/api/registrations/{registrationId}", path_params={"registrationId": str(uuid.uuid4())})
    assert status == 500
    assert body == {"error": "internal error"}
