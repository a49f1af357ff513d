"""Tests for the thumbnail handler (moto-backed S3, SNS, SQS; real images)."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from blog_thumbnails_support import (
    REGION,
    THUMBNAILS_BUCKET,
    UPLOADS_BUCKET,
    handler_module,
    image_bytes,
    s3_record,
)
from PIL import Image


def _upload(aws: Any, key: str, body: bytes) -> None:
    aws["s3"].put_object(Bucket=UPLOADS_BUCKET, Key=key, Body=body)


def _thumbnail(aws: Any, key: str) -> tuple[Image.Image, dict[str, Any]]:
    obj = aws["s3"].get_object(Bucket=THUMBNAILS_BUCKET, Key=key)
    return Image.open(io.BytesIO(obj["Body"].read())), obj


def test_a_photo_gets_a_thumbnail_in_the_other_bucket(aws: Any) -> None:
    _upload(aws, "uploads/abc.jpg", image_bytes((1200, 800)))
    result = handler_module.handler({"Records": [s3_record("uploads/abc.jpg")]}, None)

    assert result == {"thumbnails": ["thumbnails/abc.jpg"], "skipped": []}
    image, obj = _thumbnail(aws, "thumbnails/abc.jpg")
    assert image.format == "JPEG"
    assert image.size == (320, 213)
    assert obj["ContentType"] == "image/jpeg"
    assert obj["CacheControl"] == "public, max-age=31536000, immutable"
    # Nothing was written back into the uploads bucket: no trigger loop.
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=UPLOADS_BUCKET)["Contents"]]
    assert keys == ["uploads/abc.jpg"]


def test_exif_orientation_is_applied(aws: Any) -> None:
    _upload(aws, "uploads/turned.jpg", image_bytes((1200, 800), orientation=6))
    handler_module.handler({"Records": [s3_record("uploads/turned.jpg")]}, None)
    image, _ = _thumbnail(aws, "thumbnails/turned.jpg")
    assert image.size == (213, 320)


def test_transparent_png_becomes_a_white_backed_jpeg(aws: Any) -> None:
    _upload(aws, "uploads/logo.png", image_bytes((400, 400), "PNG", "RGBA", (0, 0, 0, 0)))
    handler_module.handler({"Records": [s3_record("uploads/logo.png")]}, None)
    image, _ = _thumbnail(aws, "thumbnails/logo.jpg")
    assert image.mode == "RGB"
    assert image.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("fmt, ext, pil", [("png", ".png", "PNG"), ("webp", ".webp", "WEBP")])
def test_other_formats(aws: Any, monkeypatch: pytest.MonkeyPatch, fmt: str, ext: str, pil: str) -> None:
    monkeypatch.setenv("THUMBNAIL_FORMAT", fmt)
    monkeypatch.setenv("THUMBNAIL_SIZE", "64")
    _upload(aws, "uploads/p.gif", image_bytes((300, 150), "GIF", "P", 3))
    handler_module.handler({"Records": [s3_record("uploads/p.gif")]}, None)
    image, obj = _thumbnail(aws, f"thumbnails/p{ext}")
    assert image.format == pil
    assert image.size == (64, 32)
    assert obj["ContentType"] == f"image/{fmt}"


def test_url_encoded_keys_are_decoded(aws: Any) -> None:
    _upload(aws, "uploads/my photo+1.jpg", image_bytes((50, 50)))
    result = handler_module.handler({"Records": [s3_record("uploads/my photo+1.jpg")]}, None)
    assert result["thumbnails"] == ["thumbnails/my photo+1.jpg"]


@pytest.mark.parametrize(
    "record",
    [
        s3_record("thumbnails/abc.jpg", bucket=UPLOADS_BUCKET),
        s3_record("uploads/abc.jpg", bucket=THUMBNAILS_BUCKET),
        s3_record("thumbnails/abc.jpg", bucket=THUMBNAILS_BUCKET),
        s3_record("elsewhere/abc.jpg"),
        s3_record("uploads/folder/"),
    ],
)
def test_thumbnails_and_other_keys_never_trigger_work(aws: Any, record: dict[str, Any]) -> None:
    result = handler_module.handler({"Records": [record]}, None)
    assert result["thumbnails"] == []
    assert len(result["skipped"]) == 1
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=THUMBNAILS_BUCKET)


def test_non_images_and_oversized_uploads_are_skipped_not_retried(aws: Any) -> None:
    _upload(aws, "uploads/notes.jpg", b"this is not an image")
    _upload(aws, "uploads/huge.jpg", b"x" * (2 * 1024 * 1024 + 1))
    _upload(aws, "uploads/ok.jpg", image_bytes((10, 10)))
    result = handler_module.handler(
        {
            "Records": [
                s3_record("uploads/notes.jpg"),
                s3_record("uploads/huge.jpg", size=2 * 1024 * 1024 + 1),
                s3_record("uploads/huge.jpg"),
                s3_record("uploads/ok.jpg"),
            ]
        },
        None,
    )
    assert result == {
        "thumbnails": ["thumbnails/ok.jpg"],
        "skipped": ["uploads/notes.jpg", "uploads/huge.jpg", "uploads/huge.jpg"],
    }


def test_a_missing_object_raises_so_lambda_retries(aws: Any) -> None:
    with pytest.raises(Exception, match="NoSuchKey"):
        handler_module.handler({"Records": [s3_record("uploads/gone.jpg")]}, None)


def test_decompression_bombs_are_skipped(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handler_module.Image, "MAX_IMAGE_PIXELS", 1000)
    _upload(aws, "uploads/bomb.png", image_bytes((100, 100), "PNG"))
    result = handler_module.handler({"Records": [s3_record("uploads/bomb.png")]}, None)
    assert result == {"thumbnails": [], "skipped": ["uploads/bomb.png"]}


def test_new_thumbnails_are_announced_on_sns_and_sqs(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="thumbs")["TopicArn"]
    listener = sqs.create_queue(QueueName="listener")["QueueUrl"]
    listener_arn = sqs.get_queue_attributes(QueueUrl=listener, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=listener_arn, Attributes={"RawMessageDelivery": "true"})
    queue = sqs.create_queue(QueueName="thumbs")["QueueUrl"]
    monkeypatch.setenv("TOPIC_ARN", topic)
    monkeypatch.setenv("QUEUE_URL", queue)
    _upload(aws, "uploads/abc.jpg", image_bytes((640, 640)))

    handler_module.handler({"Records": [s3_record("uploads/abc.jpg")]}, None)

    for url in (queue, listener):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert len(messages) == 1
        event = json.loads(messages[0]["Body"])
        assert event["source"] == {"bucket": UPLOADS_BUCKET, "key": "uploads/abc.jpg"}
        assert event["thumbnail"]["key"] == "thumbnails/abc.jpg"
        assert event["thumbnail"]["url"] == "https://blog.example.com/thumbnails/abc.jpg"
        assert (event["thumbnail"]["width"], event["thumbnail"]["height"]) == (320, 320)


def test_thumbnail_keys() -> None:
    k = handler_module.thumbnail_key
    assert k("uploads/a/b.png", "uploads/", "thumbnails/", ".jpg") == "thumbnails/a/b.jpg"
    assert k("uploads/noext", "uploads/", "thumbnails/", ".jpg") == "thumbnails/noext.jpg"
    assert k("uploads/dir.v2/file", "uploads/", "thumbnails/", ".jpg") == "thumbnails/dir.v2/file.jpg"


def test_a_bad_format_setting_is_an_error(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THUMBNAIL_FORMAT", "bmp")
    with pytest.raises(RuntimeError, match="THUMBNAIL_FORMAT"):
        handler_module.handler({"Records": []}, None)
