"""Tests of the orders service handler: REST routes and every asynchronous
input (SQS, SNS through SQS, Kinesis, S3), against moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from micro_orders_support import (
    BUCKET,
    ORDER,
    REGION,
    handler_module,
    http,
    kinesis_event,
    s3_event,
    sns_envelope,
    sqs_event,
)


def test_create_read_list_delete(aws: Any) -> None:
    created = http("POST", "/orders", ORDER)
    assert created["statusCode"] == 201
    order = created["json"]
    assert order["status"] == "pending"
    assert order["total"] == 25
    assert order["items"] == [{"sku": "book", "quantity": 2, "price": 12.5}]
    assert http("GET", f"/orders/{order['id']}")["json"] == order
    http("POST", "/orders", {**ORDER, "userId": "u-2"})
    mine = http("GET", "/orders", query={"userId": "u-1"})["json"]["items"]
    assert [o["id"] for o in mine] == [order["id"]]
    assert len(http("GET", "/orders")["json"]["items"]) == 2
    assert http("GET", "/orders", query={"limit": "1"})["json"]["items"][0]["id"] == order["id"]
    assert http("DELETE", f"/orders/{order['id']}")["statusCode"] == 204
    assert http("GET", f"/orders/{order['id']}")["statusCode"] == 404
    assert http("DELETE", f"/orders/{order['id']}")["statusCode"] == 404


@pytest.mark.parametrize(
    "body",
    [
        {"items": ORDER["items"]},
        {"userId": "u", "items": []},
        {"userId": "u", "items": [{"sku": "a", "quantity": 0, "price": 1}]},
        {"userId": "u", "items": [{"sku": "a", "quantity": 1, "price": -1}]},
        {"userId": "u", "items": [{"sku": "a", "quantity": 1, "price": "abc"}]},
        {"userId": "u", "items": [{"sku": "", "quantity": 1, "price": 1}]},
        {**ORDER, "status": "paid"},
        [1, 2],
    ],
)
def test_invalid_orders_are_400(aws: Any, body: Any) -> None:
    response = http("POST", "/orders", body)
    assert response["statusCode"] == 400, response["json"]
    assert response["json"]["error"]


def test_routing_errors(aws: Any) -> None:
    assert http("PUT", "/orders")["statusCode"] == 405
    assert http("PUT", "/orders/x")["statusCode"] == 405
    assert http("GET", "/orders/x/y")["statusCode"] == 404
    assert http("GET", "/orders", query={"limit": "500"})["statusCode"] == 400


def test_sqs_batch_applies_events_and_reports_only_failures(aws: Any) -> None:
    order = http("POST", "/orders", ORDER)["json"]
    result = handler_module.handler(
        sqs_event(
            json.dumps({"type": "payment.received", "orderId": order["id"]}),
            "{not json",
            json.dumps({"type": "payment.received", "orderId": "missing"}),
            json.dumps({"type": "something.else"}),
            json.dumps({"type": "order.create", "orderId": "o-42", "order": ORDER}),
        ),
        None,
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": i} for i in ("m1", "m2", "m3")]}
    assert http("GET", f"/orders/{order['id']}")["json"]["status"] == "paid"
    assert http("GET", "/orders/o-42")["json"]["status"] == "pending"


def test_redelivered_create_is_idempotent(aws: Any) -> None:
    event = sqs_event(json.dumps({"type": "order.create", "orderId": "o-7", "order": ORDER}))
    assert handler_module.handler(event, None) == {"batchItemFailures": []}
    assert handler_module.handler(event, None) == {"batchItemFailures": []}
    assert len(http("GET", "/orders")["json"]["items"]) == 1


def test_sns_envelopes_are_unwrapped(aws: Any) -> None:
    order = http("POST", "/orders", ORDER)["json"]
    message = sns_envelope({"type": "order.cancelled", "orderId": order["id"]})
    assert handler_module.handler(sqs_event(message), None) == {"batchItemFailures": []}
    assert http("GET", f"/orders/{order['id']}")["json"]["status"] == "cancelled"
    # A cancelled order is not paid later.
    paid = json.dumps({"type": "payment.received", "orderId": order["id"]})
    assert handler_module.handler(sqs_event(paid), None) == {"batchItemFailures": []}
    assert http("GET", f"/orders/{order['id']}")["json"]["status"] == "cancelled"


def test_kinesis_batch_reports_failed_sequence_numbers(aws: Any) -> None:
    order = http("POST", "/orders", ORDER)["json"]
    result = handler_module.handler(
        kinesis_event(json.dumps({"type": "payment.received", "orderId": order["id"]}), "nope"),
        None,
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "s1"}]}
    assert http("GET", f"/orders/{order['id']}")["json"]["status"] == "paid"


def test_s3_uploads_are_imported_once(aws: Any) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    lines = "\n".join(json.dumps({**ORDER, "userId": f"u-{n}"}) for n in range(3)) + "\n\n"
    s3.put_object(Bucket=BUCKET, Key="incoming/batch 1.jsonl", Body=lines.encode())
    event = s3_event("incoming/batch+1.jsonl")
    assert handler_module.handler(event, None) == {"imported": 3}
    assert handler_module.handler(event, None) == {"imported": 3}
    assert len(http("GET", "/orders")["json"]["items"]) == 3
    removed = s3_event("incoming/batch+1.jsonl", name="ObjectRemoved:Delete")
    assert handler_module.handler(removed, None) == {"imported": 0}


def test_a_bad_upload_raises_so_lambda_retries(aws: Any) -> None:
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key="bad.jsonl", Body=b"{oops\n")
    with pytest.raises(handler_module.BadEvent, match="line 1 is not JSON"):
        handler_module.handler(s3_event("bad.jsonl"), None)


def test_unknown_events_raise(orders: Any) -> None:
    assert handler_module.handler({"Event": "s3:TestEvent"}, None) == {"imported": 0}
    with pytest.raises(handler_module.BadEvent):
        handler_module.handler({"something": 1}, None)
