"""Tests for the badge handler (moto-backed DynamoDB and S3)."""

from __future__ import annotations

from typing import Any

import pytest
from conference_badge_support import BUCKET, handler_module

RID = "6f1c2b7e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"


def _register(aws: Any, **fields: Any) -> None:
    aws["table"].put_item(
        Item={"registrationId": RID, "name": "김서버", "affiliation": "Fast Campus", "certificate": "pending", **fields}
    )


def test_a_registration_gets_its_badge(aws: Any) -> None:
    _register(aws)
    key = f"badges/{RID}.html"
    assert handler_module.handler({"registrationId": RID}, None) == {"badgeKey": key}
    obj = aws["s3"].get_object(Bucket=BUCKET, Key=key)
    assert obj["ContentType"] == "text/html; charset=utf-8"
    page = obj["Body"].read().decode("utf-8")
    assert "김서버" in page and "Fast Campus" in page and "서버리스 컨퍼런스 2026" in page
    item = aws["table"].get_item(Key={"registrationId": RID})["Item"]
    assert (item["badge"], item["badgeKey"]) == ("ready", key)
    # The certificate's own fields are the certificate function's business.
    assert item["certificate"] == "pending"


def test_a_repeated_execution_changes_nothing(aws: Any) -> None:
    _register(aws)
    handler_module.handler({"registrationId": RID}, None)
    aws["s3"].delete_object(Bucket=BUCKET, Key=f"badges/{RID}.html")
    assert handler_module.handler({"registrationId": RID}, None) == {"badgeKey": None}
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=BUCKET)


@pytest.mark.parametrize("event", [{"registrationId": RID}, {}, {"registrationId": 5}, {"registrationId": ""}])
def test_unknown_registrations_and_bad_inputs_make_no_badge(aws: Any, event: Any) -> None:
    assert handler_module.handler(event, None) == {"badgeKey": None}
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=BUCKET)


def test_values_are_escaped() -> None:
    page = handler_module.render("<script>x</script>", "A & B", "Conf", "id")
    assert "<script>x" not in page and "&lt;script&gt;" in page and "A &amp; B" in page


def test_a_missing_bucket_raises_so_the_state_machine_retries(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(aws)
    monkeypatch.setenv("CERTIFICATES_BUCKET", "no-such-bucket")
    with pytest.raises(Exception, match="NoSuchBucket"):
        handler_module.handler({"registrationId": RID}, None)
    assert "badge" not in aws["table"].get_item(Key={"registrationId": RID})["Item"]
