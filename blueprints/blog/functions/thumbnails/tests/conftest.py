"""Fixtures for the thumbnail tests: moto's S3, SNS and SQS with fake
credentials, so nothing reaches AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from blog_thumbnails_support import (  # noqa: E402
    REGION,
    THUMBNAILS_BUCKET,
    UPLOADS_BUCKET,
    handler_module,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "THUMBNAILS_BUCKET": THUMBNAILS_BUCKET,
        "THUMBNAILS_PREFIX": "thumbnails/",
        "UPLOADS_PREFIX": "uploads/",
        "THUMBNAIL_SIZE": "320",
        "THUMBNAIL_FORMAT": "jpeg",
        "MAX_SOURCE_BYTES": str(2 * 1024 * 1024),
        "THUMBNAILS_BASE_URL": "https://blog.example.com/thumbnails/",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "TOPIC_ARN", "QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=UPLOADS_BUCKET)
        s3.create_bucket(Bucket=THUMBNAILS_BUCKET)
        yield {"s3": s3}
    handler_module.reset_clients()
