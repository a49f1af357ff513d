"""Tests for the photo metadata handler (moto-backed S3; real images)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from blog_photo_metadata_support import (
    THUMBNAILS_BUCKET,
    UPLOADS_BUCKET,
    flow_input,
    handler_module,
    image_bytes,
)


def _document(aws: Any, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    obj = aws["s3"].get_object(Bucket=THUMBNAILS_BUCKET, Key=key)
    return json.loads(obj["Body"].read()), obj


def test_a_photo_gets_its_metadata_next_to_its_thumbnail(aws: Any) -> None:
    body = image_bytes((1200, 800), taken="2026:05:01 09:30:15")
    aws["s3"].put_object(Bucket=UPLOADS_BUCKET, Key="uploads/trip/day 1.jpg", Body=body)

    result = handler_module.handler(flow_input("uploads/trip/day 1.jpg", len(body)), None)

    assert result["skipped"] == []
    assert [m["key"] for m in result["metadata"]] == ["thumbnails/trip/day 1.json"]
    doc, obj = _document(aws, "thumbnails/trip/day 1.json")
    assert doc == {
        "source": "uploads/trip/day 1.jpg",
        "bytes": len(body),
        "width": 1200,
        "height": 800,
        "format": "jpeg",
        "takenAt": "2026-05-01T09:30:15",
    }
    assert obj["ContentType"] == "application/json"
    # Exactly these fields: the photo's GPS location never leaves the original.


def test_a_png_without_exif_has_no_date(aws: Any) -> None:
    aws["s3"].put_object(Bucket=UPLOADS_BUCKET, Key="uploads/a.png", Body=image_bytes((64, 32), "PNG"))
    result = handler_module.handler(flow_input("uploads/a.png"), None)
    doc, _ = _document(aws, "thumbnails/a.json")
    assert (doc["width"], doc["height"], doc["format"], doc["takenAt"]) == (64, 32, "png", None)
    assert result["metadata"][0]["key"] == "thumbnails/a.json"


@pytest.mark.parametrize(
    ("key", "body", "size"),
    [
        ("uploads/notes.txt", b"not an image", None),
        ("uploads/huge.jpg", b"x", 3 * 1024 * 1024),
        ("elsewhere/a.jpg", b"x", None),
        ("uploads/folder/", b"", None),
    ],
)
def test_what_is_not_a_usable_upload_is_skipped(aws: Any, key: str, body: bytes, size: int | None) -> None:
    aws["s3"].put_object(Bucket=UPLOADS_BUCKET, Key=key, Body=body)
    result = handler_module.handler(flow_input(key, size), None)
    assert result == {"metadata": [], "skipped": [key]}
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=THUMBNAILS_BUCKET)


def test_its_own_bucket_is_never_read(aws: Any) -> None:
    result = handler_module.handler(flow_input("uploads/a.jpg", bucket=THUMBNAILS_BUCKET), None)
    assert result == {"metadata": [], "skipped": ["uploads/a.jpg"]}


def test_a_missing_upload_raises_so_the_state_machine_retries(aws: Any) -> None:
    with pytest.raises(Exception, match="NoSuchKey"):
        handler_module.handler(flow_input("uploads/gone.jpg"), None)


def test_metadata_keys_follow_the_thumbnail_keys() -> None:
    key = handler_module.metadata_key
    assert key("uploads/a/b.png", "uploads/", "thumbnails/") == "thumbnails/a/b.json"
    assert key("uploads/noext", "uploads/", "thumbnails/") == "thumbnails/noext.json"
    assert key("uploads/d.ir/noext", "uploads/", "thumbnails/") == "thumbnails/d.ir/noext.json"
