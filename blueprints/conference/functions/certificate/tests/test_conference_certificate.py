"""Tests for the certificate handler (moto-backed DynamoDB and S3)."""

from __future__ import annotations

from typing import Any

import pytest
from conference_certificate_support import BUCKET, handler_module, sns_event

RID = "6f1c2b7e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"


def _register(aws: Any, **fields: Any) -> None:
    aws["table"].put_item(
        Item={"registrationId": RID, "name": "김서버", "affiliation": "Fast Campus", "certificate": "pending", **fields}
    )


def test_a_registration_gets_its_certificate(aws: Any) -> None:
    _register(aws)
    result = handler_module.handler(sns_event({"registrationId": RID}), None)

    key = f"certificates/{RID}.html"
    assert result == {"certificates": [key]}
    obj = aws["s3"].get_object(Bucket=BUCKET, Key=key)
    assert obj["ContentType"] == "text/html; charset=utf-8"
    page = obj["Body"].read().decode("utf-8")
    assert "김서버" in page and "Fast Campus" in page and "서버리스 컨퍼런스 2026" in page
    assert RID in page
    item = aws["table"].get_item(Key={"registrationId": RID})["Item"]
    assert item["certificate"] == "ready"
    assert item["certificateKey"] == key
    assert "issuedAt" in item


def test_a_repeated_message_changes_nothing(aws: Any) -> None:
    _register(aws)
    handler_module.handler(sns_event({"registrationId": RID}), None)
    first = aws["table"].get_item(Key={"registrationId": RID})["Item"]["issuedAt"]
    assert handler_module.handler(sns_event({"registrationId": RID}), None) == {"certificates": []}
    assert aws["table"].get_item(Key={"registrationId": RID})["Item"]["issuedAt"] == first


def test_unknown_registrations_and_bad_messages_are_ignored(aws: Any) -> None:
    result = handler_module.handler(
        sns_event({"registrationId": RID}, "not json", {"other": 1}, ["list"], {"registrationId": 5}), None
    )
    assert result == {"certificates": []}
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=BUCKET)


def test_storage_failures_raise_so_lambda_retries(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(aws)
    monkeypatch.setenv("CERTIFICATES_BUCKET", "no-such-bucket")
    handler_module.reset_clients()
    with pytest.raises(Exception, match="NoSuchBucket"):
        handler_module.handler(sns_event({"registrationId": RID}), None)
    assert aws["table"].get_item(Key={"registrationId": RID})["Item"]["certificate"] == "pending"


def test_the_page_escapes_everything() -> None:
    page = handler_module.render("<script>x</script>", "A & B", "Conf \"1\"", RID, "2026-05-01")
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "A &amp; B" in page
    assert "Conf &quot;1&quot;" in page
    assert "default-src 'none'" in page
    without = handler_module.render("N", "", "E", RID, "2026-05-01")
    assert 'class="affiliation"' not in without
