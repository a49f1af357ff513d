"""Tests for the post confirmation trigger (moto-backed DynamoDB)."""

from __future__ import annotations

from typing import Any

import pytest
from blog_post_confirmation_support import handler_module, trigger


def _items(aws: Any) -> list[dict[str, Any]]:
    return aws["users"].scan()["Items"]


def test_a_confirmed_sign_up_records_the_verified_user(aws: Any) -> None:
    event = trigger()
    assert handler_module.handler(event, None) is event
    [item] = _items(aws)
    assert item["email"] == "reader@example.com"
    assert item["name"] == "Ann"
    assert item["userId"] == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert item["createdAt"].endswith("Z")


def test_a_user_is_recorded_once(aws: Any) -> None:
    handler_module.handler(trigger(), None)
    created = _items(aws)[0]["createdAt"]
    handler_module.handler(trigger(name="Other"), None)
    [item] = _items(aws)
    assert item["createdAt"] == created and item["name"] == "Ann"


def test_a_password_reset_is_not_a_new_user(aws: Any) -> None:
    event = trigger(source="PostConfirmation_ConfirmForgotPassword")
    assert handler_module.handler(event, None) is event
    assert _items(aws) == []


@pytest.mark.parametrize("verified", ["false", ""])
def test_an_unverified_address_is_never_recorded(aws: Any, verified: str) -> None:
    handler_module.handler(trigger(verified=verified), None)
    assert _items(aws) == []


def test_a_missing_name_is_empty_and_a_long_one_is_cut(aws: Any) -> None:
    handler_module.handler(trigger("a@example.com", name=None), None)
    handler_module.handler(trigger("b@example.com", name="x" * 500), None)
    names = {i["email"]: i["name"] for i in _items(aws)}
    assert names == {"a@example.com": "", "b@example.com": "x" * 100}


def test_a_table_failure_fails_the_confirmation(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERS_TABLE", "no-such-table")
    handler_module.reset_clients()
    with pytest.raises(Exception):
        handler_module.handler(trigger(), None)
