"""Tests of the chat broadcast (`sendmessage`) handler, with moto's
DynamoDB and API Gateway management API."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from chat_broadcast_support import ws_event
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID

NOW = 1_700_000_000.0


def posted() -> dict[str, Any]:
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return {cid: json.loads(c.data) for cid, c in backend.connections.items() if c.data}


def send(module: Any, body: Any, sender: str = "alice") -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return module.handler(ws_event(sender, text, route="sendmessage"), None, now=NOW)


def test_every_open_connection_receives_the_message(chat_broadcast: Any) -> None:
    module, table = chat_broadcast
    for cid in ("alice", "bob", "carol"):
        table.put_item(Item={"connectionId": cid, "expiresAt": int(NOW) + 60})
    table.put_item(Item={"connectionId": "stale", "expiresAt": int(NOW) - 1})
    result = send(module, {"action": "sendmessage", "message": "hello ☕"})
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"sent": 3, "gone": 0}
    expected = {"from": "alice", "message": "hello ☕", "sentAt": int(NOW * 1000)}
    assert posted() == {"alice": expected, "bob": expected, "carol": expected}


def test_gone_connections_are_pruned(chat_broadcast: Any, monkeypatch: Any) -> None:
    module, table = chat_broadcast
    for cid in ("alice", "ghost"):
        table.put_item(Item={"connectionId": cid, "expiresAt": int(NOW) + 60})
    real = module.management()

    class Gone:
        def post_to_connection(self, ConnectionId: str, Data: bytes) -> Any:
            if ConnectionId == "ghost":
                raise ClientError(
                    {"Error": {"Code": "GoneException", "Message": "gone"},
                     "ResponseMetadata": {"HTTPStatusCode": 410}},
                    "PostToConnection",
                )
            return real.post_to_connection(ConnectionId=ConnectionId, Data=Data)

    monkeypatch.setattr(module, "management", lambda: Gone())
    result = send(module, {"message": "hi"})
    assert json.loads(result["body"]) == {"sent": 1, "gone": 1}
    assert [i["connectionId"] for i in table.scan()["Items"]] == ["alice"]


def test_other_errors_fail_the_invocation(chat_broadcast: Any, monkeypatch: Any) -> None:
    module, table = chat_broadcast
    table.put_item(Item={"connectionId": "alice", "expiresAt": int(NOW) + 60})

    class Broken:
        def post_to_connection(self, **_: Any) -> Any:
            raise ClientError({"Error": {"Code": "LimitExceededException", "Message": "slow down"},
                               "ResponseMetadata": {"HTTPStatusCode": 429}}, "PostToConnection")

    monkeypatch.setattr(module, "management", lambda: Broken())
    with pytest.raises(ClientError):
        send(module, {"message": "hi"})


@pytest.mark.parametrize(
    "body",
    ["", "{nope", "[1]", json.dumps({"message": ""}), json.dumps({"message": 5}), json.dumps({"action": "sendmessage"})],
)
def test_bad_frames_get_400(chat_broadcast: Any, body: str) -> None:
    module, table = chat_broadcast
    table.put_item(Item={"connectionId": "alice", "expiresAt": int(NOW) + 60})
    result = send(module, body)
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["error"]
    assert posted() == {}


def test_long_messages_are_refused_and_base64_frames_accepted(chat_broadcast: Any, monkeypatch: Any) -> None:
    module, table = chat_broadcast
    table.put_item(Item={"connectionId": "alice", "expiresAt": int(NOW) + 60})
    monkeypatch.setenv("MAX_MESSAGE_BYTES", "5")
    assert send(module, {"message": "123456"})["statusCode"] == 400
    frame = base64.b64encode(json.dumps({"message": "12345"}).encode()).decode()
    event = ws_event("alice", frame, route="sendmessage")
    event["isBase64Encoded"] = True
    assert module.handler(event, None, now=NOW)["statusCode"] == 200
    assert posted()["alice"]["message"] == "12345"


def test_many_connections_page_through_the_table(chat_broadcast: Any) -> None:
    module, table = chat_broadcast
    with table.batch_writer() as batch:
        for n in range(120):
            batch.put_item(Item={"connectionId": f"c{n:03}", "expiresAt": int(NOW) + 60, "pad": "x" * 9000})
    result = send(module, {"message": "all"}, sender="c000")
    assert json.loads(result["body"]) == {"sent": 120, "gone": 0}


@pytest.mark.parametrize("item", [None, {"connectionId": "alice", "expiresAt": int(NOW) - 1}], ids=["unknown", "expired"])
def test_only_a_recorded_open_connection_may_send(chat_broadcast: Any, item: Any) -> None:
    module, table = chat_broadcast
    table.put_item(Item={"connectionId": "bob", "expiresAt": int(NOW) + 60})
    if item:
        table.put_item(Item=item)
    result = send(module, {"message": "spam"})
    assert result["statusCode"] == 403
    assert posted() == {}


def test_a_message_without_a_connection_id_is_refused(chat_broadcast: Any) -> None:
    module, _ = chat_broadcast
    assert module.handler(ws_event(None, '{"message": "x"}', route="sendmessage"), None, now=NOW)["statusCode"] == 403


def test_the_senders_user_name_goes_with_the_message(chat_broadcast: Any) -> None:
    module, table = chat_broadcast
    table.put_item(Item={"connectionId": "alice", "expiresAt": int(NOW) + 60, "userId": "sub-1", "userName": "ann"})
    send(module, {"message": "hi"})
    assert posted()["alice"] == {"from": "alice", "user": "ann", "message": "hi", "sentAt": int(NOW * 1000)}
