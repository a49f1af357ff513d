"""Tests for the welcome email handler (moto-backed DynamoDB and SES)."""

from __future__ import annotations

from typing import Any

import pytest
from blog_welcome_support import handler_module, record
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends


def _sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def _add_user(aws: Any, email: str, name: str = "Ann") -> None:
    aws["users"].put_item(Item={"email": email, "name": name})


def test_a_new_user_gets_one_welcome_email(aws: Any) -> None:
    _add_user(aws, "ann@example.org")
    result = handler_module.handler({"Records": [record("ann@example.org")]}, None)

    assert result == {"batchItemFailures": []}
    sent = _sent()
    assert len(sent) == 1
    message = sent[0]
    assert message.source == "no-reply@example.com"
    assert message.destinations["ToAddresses"] == ["ann@example.org"]
    assert message.subject == "Welcome!"
    assert "Hello Ann," in message.body
    item = aws["users"].get_item(Key={"email": "ann@example.org"})["Item"]
    assert "welcomedAt" in item and "welcomeClaimedAt" in item


def test_a_retried_record_is_not_mailed_twice(aws: Any) -> None:
    _add_user(aws, "ann@example.org")
    event = {"Records": [record("ann@example.org")]}
    handler_module.handler(event, None)
    handler_module.handler(event, None)
    assert len(_sent()) == 1


def test_only_inserts_with_an_email_are_mailed(aws: Any) -> None:
    _add_user(aws, "ann@example.org")
    result = handler_module.handler(
        {
            "Records": [
                record("ann@example.org", event="MODIFY", seq="1"),
                record("ann@example.org", event="REMOVE", seq="2"),
                record(None, seq="3"),
            ]
        },
        None,
    )
    assert result == {"batchItemFailures": []}
    assert _sent() == []


def test_a_failed_send_is_reported_and_released_for_the_retry(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_user(aws, "ann@example.org")
    _add_user(aws, "bob@example.org", "Bob")
    real = handler_module._ses

    class Failing:
        def send_email(self, **kwargs: Any) -> None:
            if kwargs["Destination"]["ToAddresses"] == ["ann@example.org"]:
                raise RuntimeError("SES is down")
            real().send_email(**kwargs)

    monkeypatch.setattr(handler_module, "_ses", lambda: Failing())
    result = handler_module.handler(
        {"Records": [record("ann@example.org", seq="11"), record("bob@example.org", "Bob", seq="12")]},
        None,
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "11"}]}
    ann = aws["users"].get_item(Key={"email": "ann@example.org"})["Item"]
    assert "welcomeClaimedAt" not in ann and "welcomedAt" not in ann
    monkeypatch.setattr(handler_module, "_ses", real)
    assert handler_module.handler({"Records": [record("ann@example.org", seq="11")]}, None) == {
        "batchItemFailures": []
    }
    assert sorted(m.destinations["ToAddresses"][0] for m in _sent()) == ["ann@example.org", "bob@example.org"]


def test_an_unverified_sender_fails_the_record(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _add_user(aws, "ann@example.org")
    monkeypatch.setenv("SENDER", "someone@unverified.example")
    result = handler_module.handler({"Records": [record("ann@example.org", seq="7")]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "7"}]}


def test_a_user_missing_from_the_table_is_not_mailed(aws: Any) -> None:
    result = handler_module.handler({"Records": [record("ghost@example.org")]}, None)
    assert result == {"batchItemFailures": []}
    assert _sent() == []


def test_the_email_escapes_names_in_html() -> None:
    text, body = handler_module.compose("<b>Eve</b>", "Ann's <blog>", "https://x.example/?a=1&b=2")
    assert "Hello <b>Eve</b>," in text
    assert "&lt;b&gt;Eve&lt;/b&gt;" in body
    assert "Ann&#x27;s &lt;blog&gt;" in body
    assert 'href="https://x.example/?a=1&amp;b=2"' in body
    text, _ = handler_module.compose("", "Blog", "https://b")
    assert text.startswith("Hello,\n")
