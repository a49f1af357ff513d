"""Test support for the thumbnail handler: loads it under a unique name,
makes images, and builds S3 event records."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from PIL import Image

FUNCTION_DIR = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
UPLOADS_BUCKET = "blog-uploads-test"
THUMBNAILS_BUCKET = "blog-thumbnails-test"


def _load() -> Any:
    name = "blog_thumbnails_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def image_bytes(
    size: tuple[int, int] = (1200, 800),
    fmt: str = "JPEG",
    mode: str = "RGB",
    color: Any = (200, 30, 30),
    orientation: int | None = None,
) -> bytes:
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def s3_record(key: str, bucket: str = UPLOADS_BUCKET, size: int | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "eTag": "x"}
    if size is not None:
        obj["size"] = size
    return {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj},
    }
