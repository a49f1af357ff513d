"""Tests of the event-pipeline processor: S3 events through SQS (raw and in
SNS's envelope) and SNS, partial batch failures, and no trigger loop."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from pipeline_processor_support import BUCKET, notification, sns_envelope, sns_event, sqs_event


def summary(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=f"results/{key}.json")["Body"].read())


def test_a_raw_sqs_message_is_summarized(pipeline: Any) -> None:
    module, s3 = pipeline
    body = b"a,b\n1,2\n3,4"
    s3.put_object(Bucket=BUCKET, Key="incoming/data 1.csv", Body=body, ContentType="text/csv")
    result = module.handler(sqs_event(notification("incoming/data+1.csv")), None)
    assert result == {"batchItemFailures": []}
    got = summary(s3, "incoming/data 1.csv")
    assert got["size"] == len(body)
    assert got["contentType"] == "text/csv"
    assert got["lines"] == 3
    assert got["sha256"] == hashlib.sha256(body).hexdigest()
    assert got["key"] == "incoming/data 1.csv"


def test_sns_envelopes_in_sqs_and_s3_test_events(pipeline: Any) -> None:
    module, s3 = pipeline
    s3.put_object(Bucket=BUCKET, Key="incoming/a.txt", Body=b"x\n")
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}
    result = module.handler(sqs_event(sns_envelope(notification("incoming/a.txt")), test_event), None)
    assert result == {"batchItemFailures": []}
    assert summary(s3, "incoming/a.txt")["lines"] == 1


def test_only_failed_messages_are_reported(pipeline: Any) -> None:
    module, s3 = pipeline
    s3.put_object(Bucket=BUCKET, Key="incoming/ok.txt", Body=b"ok")
    result = module.handler(
        sqs_event(
            notification("incoming/ok.txt"),
            "{not json",
            {"unexpected": True},
            notification("incoming/x", bucket="someone-elses-bucket"),
        ),
        None,
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": i} for i in ("m1", "m2", "m3")]}
    assert summary(s3, "incoming/ok.txt")["size"] == 2


def test_large_objects_are_summarized_without_reading(pipeline: Any) -> None:
    module, s3 = pipeline
    s3.put_object(Bucket=BUCKET, Key="incoming/big.bin", Body=b"0" * 2048)
    module.handler(sqs_event(notification("incoming/big.bin")), None)
    got = summary(s3, "incoming/big.bin")
    assert got["size"] == 2048
    assert "sha256" not in got
    assert got["skippedContent"] == "larger than 1024 bytes"


def test_removals_delete_the_summary_and_vanished_objects_are_fine(pipeline: Any) -> None:
    module, s3 = pipeline
    s3.put_object(Bucket=BUCKET, Key="incoming/a.txt", Body=b"a")
    module.handler(sns_event(notification("incoming/a.txt")), None)
    s3.delete_object(Bucket=BUCKET, Key="incoming/a.txt")
    done = module.handler(sns_event(notification("incoming/a.txt", name="ObjectRemoved:Delete")), None)
    assert done == {"removed": 1}
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    # Created, then deleted before the event arrived.
    assert module.handler(sns_event(notification("incoming/gone.txt")), None) == {"gone": 1}


def test_results_never_trigger_processing(pipeline: Any) -> None:
    module, s3 = pipeline
    assert module.handler(sns_event(notification("results/x.json")), None) == {"skipped": 1}
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_sns_failures_raise_for_async_retries(pipeline: Any) -> None:
    module, _ = pipeline
    with pytest.raises(module.BadEvent):
        module.handler(sns_event("not json"), None)
    with pytest.raises(module.BadEvent):
        module.handler({"detail": {}}, None)
