"""Fixtures for the photo metadata tests: moto's S3 with fake credentials."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from blog_photo_metadata_support import (  # noqa: E402
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
        "MAX_SOURCE_BYTES": str(2 * 1024 * 1024),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    handler_module.reset_clients()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=UPLOADS_BUCKET)
        s3.create_bucket(Bucket=THUMBNAILS_BUCKET)
        yield {"s3": s3}
    handler_module.reset_clients()
