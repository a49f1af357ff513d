"""Test support for the photo metadata handler: loads it under a unique name,
makes images, and builds the records the state machine passes."""

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
    name = "blog_photo_metadata_handler"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FUNCTION_DIR / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


handler_module = _load()


def image_bytes(size: tuple[int, int] = (1200, 800), fmt: str = "JPEG", taken: str | None = None) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if taken is not None:
        exif = Image.Exif()
        exif[0x0132] = taken
        exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPS: must never be copied
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def flow_input(key: str, size: int | None = None, bucket: str = UPLOADS_BUCKET) -> dict[str, Any]:
    """The payload the thumbnails state machine builds from an EventBridge event."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    if size is not None:
        obj["size"] = size
    return {"Records": [{"s3": {"bucket": {"name": bucket}, "object": obj}}]}
