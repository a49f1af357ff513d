"""The processor of the event-pipeline blueprint.

S3 notifications reach this function through an SNS topic, either buffered in
an SQS queue (``buffer: sqs``: batches of SQS messages whose bodies are S3
events, raw or in SNS's envelope) or directly (``buffer: none``: SNS records,
invoked asynchronously).

For each object created under the uploads prefix, it writes a JSON summary
(size, content type, ETag, SHA-256 and line count of the content) to
``<RESULTS_PREFIX><key>.json``; for each object removed, it deletes the
summary. Objects larger than ``MAX_READ_BYTES`` are summarized from their
metadata only.

Failures: in SQS batches, the messages that failed are reported
(``batchItemFailures``) so only they are retried, and after
``max_receive_count`` receives moved to the dead-letter queue. SNS
invocations raise, so Lambda retries them and then sends the event to the
failed-events queue (the on-failure destination).

Environment: ``BUCKET_NAME`` (the only bucket processed), ``RESULTS_PREFIX``,
``MAX_READ_BYTES``, optional ``LOG_LEVEL``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger("event-pipeline")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024

_s3 = None


class BadEvent(ValueError):
    """An event that cannot be processed as it is."""


def reset_clients() -> None:
    global _s3
    _s3 = None


def s3() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


def results_prefix() -> str:
    return os.environ.get("RESULTS_PREFIX", "results/")


def max_read_bytes() -> int:
    raw = os.environ.get("MAX_READ_BYTES", "")
    return int(raw) if raw.isdigit() else DEFAULT_MAX_READ_BYTES


def s3_records(message: Any) -> list[Mapping[str, Any]]:
    """The S3 records of a notification (none for S3's test event)."""
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except json.JSONDecodeError as e:
            raise BadEvent("the message is not JSON") from e
    if not isinstance(message, dict):
        raise BadEvent("the message is not a JSON object")
    # Without raw delivery, SNS wraps the notification in its envelope.
    if message.get("Type") == "Notification" and "Message" in message:
        return s3_records(message["Message"])
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and r.get("eventSource") == "aws:s3" for r in records
    ):
        raise BadEvent("the message is not an S3 notification")
    return records


def summary_key(key: str) -> str:
    return f"{results_prefix()}{key}.json"


def summarize(bucket: str, key: str) -> dict[str, Any]:
    head = s3().head_object(Bucket=bucket, Key=key)
    size = head["ContentLength"]
    summary: dict[str, Any] = {
        "bucket": bucket,
        "key": key,
        "size": size,
        "contentType": head.get("ContentType"),
        "etag": head.get("ETag", "").strip('"'),
    }
    if size <= max_read_bytes():
        body = s3().get_object(Bucket=bucket, Key=key, IfMatch=head["ETag"])["Body"]
        digest = hashlib.sha256()
        lines = 0
        last = b""
        for chunk in iter(lambda: body.read(CHUNK), b""):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk
        if last and not last.endswith(b"\n"):
            lines += 1
        summary["sha256"] = digest.hexdigest()
        summary["lines"] = lines
    else:
        summary["skippedContent"] = f"larger than {max_read_bytes()} bytes"
    return summary


def process_record(record: Mapping[str, Any]) -> str:
    """Handles one S3 record; returns what was done."""
    try:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        name = record["eventName"]
    except (KeyError, TypeError) as e:
        raise BadEvent("the S3 record lacks bucket, key or event name") from e
    expected = os.environ.get("BUCKET_NAME")
    if expected and bucket != expected:
        raise BadEvent(f"event for bucket {bucket}, not {expected}")
    if key.startswith(results_prefix()):
        # Never process our own output (no trigger loop, whatever the filters).
        return "skipped"
    if name.startswith("ObjectCreated"):
        try:
            summary = summarize(bucket, key)
        except ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey", "PreconditionFailed", "412"):
                # Deleted or overwritten since the event: a later event covers it.
                return "gone"
            raise
        s3().put_object(
            Bucket=bucket,
            Key=summary_key(key),
            Body=json.dumps(summary, sort_keys=True).encode(),
            ContentType="application/json",
        )
        return "summarized"
    if name.startswith("ObjectRemoved"):
        s3().delete_object(Bucket=bucket, Key=summary_key(key))
        return "removed"
    return "ignored"


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:sqs":
        failures = []
        for message in records:
            try:
                for record in s3_records(message["body"]):
                    process_record(record)
            except (BadEvent, ClientError) as e:
                logger.warning("message %s failed: %s", message.get("messageId"), e)
                failures.append({"itemIdentifier": message["messageId"]})
        return {"batchItemFailures": failures}
    if records and records[0].get("EventSource") == "aws:sns":
        done: dict[str, int] = {}
        for notification in records:
            for record in s3_records(notification["Sns"]["Message"]):
                outcome = process_record(record)
                done[outcome] = done.get(outcome, 0) + 1
        return done
    raise BadEvent(f"unsupported event with keys {sorted(event)}")
