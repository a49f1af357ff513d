"""Fixtures for the event-pipeline processor tests: fake credentials and
moto's in-process S3, so no request can reach AWS."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_processor_support import BUCKET, REGION, handler_module


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The handler module and a moto S3 client with the uploads bucket."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "BUCKET_NAME": BUCKET,
        "RESULTS_PREFIX": "results/",
        "MAX_READ_BYTES": str(1024),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    handler_module.reset_clients()
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield handler_module, s3
    handler_module.reset_clients()
