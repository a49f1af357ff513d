"""Records the metadata of each photo uploaded to the blog (FLOW).

Runs in the thumbnails state machine, in parallel with the thumbnail
function, with the same input: S3 event records of the uploads bucket. For
each photo under ``UPLOADS_PREFIX`` it reads the image header and writes a
small JSON document next to the thumbnail
(``THUMBNAILS_BUCKET/THUMBNAILS_PREFIX<name>.json``): pixel size, format,
byte size and, when the camera recorded it, the date taken. Location and
other EXIF fields are never copied (the document is public, like the
thumbnail).

Files that are not images, or too large, are skipped; failures of S3 raise,
so the state machine retries the task.

Environment
-----------
``THUMBNAILS_BUCKET``   where the document goes (required)
``THUMBNAILS_PREFIX``   its key prefix (default ``thumbnails/``)
``UPLOADS_PREFIX``      the prefix of uploaded photos (default ``uploads/``)
``MAX_SOURCE_BYTES``    the largest photo read (default 10 MiB)
"""

from __future__ import annotations

import io
import json
import logging
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger("blog-photo-metadata")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

Image.MAX_IMAGE_PIXELS = 50_000_000

# EXIF: DateTimeOriginal lives in the Exif IFD; DateTime in the main one.
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
DATE_TIME = 0x0132

_clients: dict[str, Any] = {}


class Skip(Exception):
    """An upload without usable metadata; retrying would not help."""


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _s3() -> Any:
    if "s3" not in _clients:
        _clients["s3"] = boto3.client("s3")
    return _clients["s3"]


def metadata_key(source_key: str, uploads_prefix: str, thumbnails_prefix: str) -> str:
    """``uploads/a/b.png`` → ``thumbnails/a/b.json``."""
    name = source_key[len(uploads_prefix) :] if source_key.startswith(uploads_prefix) else source_key
    stem, dot, _ = name.rpartition(".")
    if not dot or "/" in name[len(stem) :]:
        stem = name
    return f"{thumbnails_prefix}{stem}.json"


def _taken_at(image: Image.Image) -> str | None:
    """The EXIF date taken as ``YYYY-MM-DDTHH:MM:SS``, if recorded."""
    exif = image.getexif()
    raw = exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL) or exif.get(DATE_TIME)
    if not isinstance(raw, str) or len(raw) < 19:
        return None
    date, _, time = raw[:19].partition(" ")
    parts = date.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(time) != 8:
        return None
    return f"{'-'.join(parts)}T{time}"


def read_metadata(data: bytes) -> dict[str, Any]:
    """Size, format and date taken of an image (header only)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return {
                "width": image.width,
                "height": image.height,
                "format": (image.format or "").lower(),
                "takenAt": _taken_at(image),
            }
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
        raise Skip(f"not a usable image: {e}") from e


def _settings() -> dict[str, Any]:
    return {
        "bucket": os.environ["THUMBNAILS_BUCKET"],
        "prefix": os.environ.get("THUMBNAILS_PREFIX", "thumbnails/"),
        "uploads": os.environ.get("UPLOADS_PREFIX", "uploads/"),
        "max_bytes": int(os.environ.get("MAX_SOURCE_BYTES", str(10 * 1024 * 1024))),
    }


def process(record: dict[str, Any], cfg: dict[str, Any]) -> dict[str, Any] | None:
    """Writes the metadata of one upload; None when it is not an upload."""
    s3_info = record.get("s3", {})
    bucket = s3_info.get("bucket", {}).get("name", "")
    key = unquote_plus(s3_info.get("object", {}).get("key", ""))
    if bucket == cfg["bucket"] or not key.startswith(cfg["uploads"]) or key.endswith("/"):
        logger.info("ignoring %s/%s: not an upload", bucket, key)
        return None
    size = s3_info.get("object", {}).get("size")
    if isinstance(size, int) and size > cfg["max_bytes"]:
        raise Skip(f"{size} bytes is more than {cfg['max_bytes']}")
    data = _s3().get_object(Bucket=bucket, Key=key)["Body"].read(cfg["max_bytes"] + 1)
    if len(data) > cfg["max_bytes"]:
        raise Skip(f"more than {cfg['max_bytes']} bytes")
    document = {"source": key, "bytes": len(data), **read_metadata(data)}
    target = metadata_key(key, cfg["uploads"], cfg["prefix"])
    _s3().put_object(
        Bucket=cfg["bucket"],
        Key=target,
        Body=json.dumps(document, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
        CacheControl="public, max-age=300",
    )
    return {"key": target, **document}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles S3 event records (from the state machine)."""
    cfg = _settings()
    written, skipped = [], []
    for record in event.get("Records", []):
        key = unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
        try:
            result = process(record, cfg)
        except Skip as e:
            logger.warning("skipping %s: %s", key, e)
            skipped.append(key)
            continue
        if result is None:
            skipped.append(key)
        else:
            written.append(result)
    return {"metadata": written, "skipped": skipped}
