"""Tests of the chat `$disconnect` handler."""

from __future__ import annotations

from typing import Any

from chat_disconnect_support import ws_event


def test_forgets_the_connection(chat_disconnect: Any) -> None:
    module, table = chat_disconnect
    table.put_item(Item={"connectionId": "conn-1", "expiresAt": 5})
    table.put_item(Item={"connectionId": "conn-2", "expiresAt": 5})
    result = module.handler(ws_event("conn-1", route="$disconnect"), None)
    assert result == {"statusCode": 200, "body": "disconnected"}
    assert [i["connectionId"] for i in table.scan()["Items"]] == ["conn-2"]


def test_an_unknown_connection_is_fine(chat_disconnect: Any) -> None:
    module, _ = chat_disconnect
    assert module.handler(ws_event("never-seen", route="$disconnect"), None)["statusCode"] == 200


def test_a_missing_connection_id_is_refused(chat_disconnect: Any) -> None:
    module, _ = chat_disconnect
    assert module.handler(ws_event(None, route="$disconnect"), None)["statusCode"] == 400
