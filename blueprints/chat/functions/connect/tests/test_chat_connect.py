"""Tests of the chat `$connect` handler."""

from __future__ import annotations

from typing import Any

from chat_connect_support import ws_event


def test_records_the_connection_with_an_expiry(chat_connect: Any, monkeypatch: Any) -> None:
    module, table = chat_connect
    monkeypatch.setenv("CONNECTION_TTL_SECONDS", "3600")
    result = module.handler(ws_event("conn-1"), None, now=1_000_000.5)
    assert result == {"statusCode": 200, "body": "connected"}
    item = table.get_item(Key={"connectionId": "conn-1"})["Item"]
    assert item == {
        "connectionId": "conn-1",
        "connectedAt": 1_000_000,
        "expiresAt": 1_003_600,
        "sourceIp": "203.0.113.7",
    }


def test_default_ttl_is_two_hours(chat_connect: Any, monkeypatch: Any) -> None:
    module, table = chat_connect
    for bad in ("", "abc", "0"):
        monkeypatch.setenv("CONNECTION_TTL_SECONDS", bad)
        module.handler(ws_event("c"), None, now=100.0)
        assert table.get_item(Key={"connectionId": "c"})["Item"]["expiresAt"] == 100 + 7200


def test_a_missing_connection_id_is_refused(chat_connect: Any) -> None:
    module, table = chat_connect
    assert module.handler(ws_event(None), None)["statusCode"] == 400
    assert table.scan()["Items"] == []


def test_records_the_user_the_authorizer_let_in(chat_connect: Any) -> None:
    module, table = chat_connect
    event = ws_event("conn-2")
    event["requestContext"]["authorizer"] = {
        "principalId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "userId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "userName": "ann",
    }
    assert module.handler(event, None, now=10.0)["statusCode"] == 200
    item = table.get_item(Key={"connectionId": "conn-2"})["Item"]
    assert item["userId"] == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert item["userName"] == "ann"


def test_records_the_signed_iam_caller(chat_connect: Any) -> None:
    module, table = chat_connect
    event = ws_event("conn-3")
    event["requestContext"]["identity"]["userArn"] = "arn:aws:iam::123456789012:user/bot"
    module.handler(event, None, now=10.0)
    item = table.get_item(Key={"connectionId": "conn-3"})["Item"]
    assert item["userId"] == "arn:aws:iam::123456789012:user/bot"
    assert "userName" not in item
