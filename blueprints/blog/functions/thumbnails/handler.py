"""Makes a thumbnail of each photo uploaded to the blog.

The uploads bucket invokes this function for every object created under
``UPLOADS_PREFIX``. The thumbnail is written to a *different* bucket
(``THUMBNAILS_BUCKET``), so writing it can never invoke this function again;
as a second guard, objects in the thumbnails bucket or under
``THUMBNAILS_PREFIX`` are ignored. Each new thumbnail is optionally announced
on an SNS topic (``TOPIC_ARN``) and an SQS queue (``QUEUE_URL``).

Files that are not images, or too large, are skipped (retrying would not
help); failures of S3, SNS or SQS raise, so Lambda retries the event and then
hands it to the failure queue.

Environment
-----------
``THUMBNAILS_BUCKET``    where thumbnails go (required)
``THUMBNAILS_PREFIX``    their key prefix (default ``thumbnails/``)
``UPLOADS_PREFIX``       the prefix of uploaded photos (default ``uploads/``)
``THUMBNAIL_SIZE``       the longest side in pixels (default 320)
``THUMBNAIL_FORMAT``     ``jpeg``, ``png`` or ``webp`` (default ``jpeg``)
``MAX_SOURCE_BYTES``     the largest photo processed (default 10 MiB)
``THUMBNAILS_BASE_URL``  the public URL of the thumbnails path, for events
``TOPIC_ARN``, ``QUEUE_URL``  optional notification targets
"""

from __future__ import annotations

import io
import json
import logging
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger("blog-thumbnails")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

# Refuse decompression bombs: about 50 megapixels is plenty for a photo.
Image.MAX_IMAGE_PIXELS = 50_000_000

FORMATS = {
    "jpeg": ("JPEG", ".jpg", "image/jpeg"),
    "png": ("PNG", ".png", "image/png"),
    "webp": ("WEBP", ".webp", "image/webp"),
}

_clients: dict[str, Any] = {}


class Skip(Exception):
    """An upload that cannot get a thumbnail; retrying would not help."""


def reset_clients() -> None:
    """Forget cached clients (tests switch AWS mocks between cases)."""
    _clients.clear()


def _client(name: str) -> Any:
    if name not in _clients:
        _clients[name] = boto3.client(name)
    return _clients[name]


def thumbnail_key(source_key: str, uploads_prefix: str, thumbnails_prefix: str, extension: str) -> str:
    """``uploads/a/b.png`` → ``thumbnails/a/b.jpg``."""
    name = source_key[len(uploads_prefix) :] if source_key.startswith(uploads_prefix) else source_key
    stem, dot, _ = name.rpartition(".")
    if not dot or "/" in name[len(stem) :]:
        stem = name
    return f"{thumbnails_prefix}{stem}{extension}"


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent areas become white."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def make_thumbnail(data: bytes, size: int, fmt: str) -> tuple[bytes, int, int]:
    """The thumbnail of an image: at most ``size`` pixels on its longest side,
    turned upright per its EXIF orientation, without metadata."""
    pil_format = FORMATS[fmt][0]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size), Image.Resampling.LANCZOS)
            if pil_format == "JPEG":
                image = _flatten(image)
            elif image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            options: dict[str, Any] = {"optimize": True}
            if pil_format in ("JPEG", "WEBP"):
                options["quality"] = 85
            image.save(out, format=pil_format, **options)
            return out.getvalue(), image.width, image.height
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as e:
        raise Skip(f"not a usable image: {e}") from e


def _settings() -> dict[str, Any]:
    fmt = os.environ.get("THUMBNAIL_FORMAT", "jpeg").lower()
    if fmt not in FORMATS:
        raise RuntimeError(f"THUMBNAIL_FORMAT must be one of {', '.join(FORMATS)}")
    return {
        "bucket": os.environ["THUMBNAILS_BUCKET"],
        "prefix": os.environ.get("THUMBNAILS_PREFIX", "thumbnails/"),
        "uploads": os.environ.get("UPLOADS_PREFIX", "uploads/"),
        "size": int(os.environ.get("THUMBNAIL_SIZE", "320")),
        "format": fmt,
        "max_bytes": int(os.environ.get("MAX_SOURCE_BYTES", str(10 * 1024 * 1024))),
        "base_url": os.environ.get("THUMBNAILS_BASE_URL", ""),
    }


def process(record: dict[str, Any], cfg: dict[str, Any]) -> dict[str, Any] | None:
    """Makes the thumbnail for one S3 event record; None when skipped."""
    s3_info = record.get("s3", {})
    bucket = s3_info.get("bucket", {}).get("name", "")
    key = unquote_plus(s3_info.get("object", {}).get("key", ""))
    # Loop guards: never react to our own output.
    if bucket == cfg["bucket"] or key.startswith(cfg["prefix"]):
        logger.warning("ignoring an event for a thumbnail (%s/%s)", bucket, key)
        return None
    if not key.startswith(cfg["uploads"]) or key.endswith("/"):
        logger.info("ignoring %s: not an upload", key)
        return None
    size = s3_info.get("object", {}).get("size")
    if isinstance(size, int) and size > cfg["max_bytes"]:
        raise Skip(f"{size} bytes is more than {cfg['max_bytes']}")
    obj = _client("s3").get_object(Bucket=bucket, Key=key)
    data = obj["Body"].read(cfg["max_bytes"] + 1)
    if len(data) > cfg["max_bytes"]:
        raise Skip(f"more than {cfg['max_bytes']} bytes")
    body, width, height = make_thumbnail(data, cfg["size"], cfg["format"])
    _, extension, content_type = FORMATS[cfg["format"]]
    target = thumbnail_key(key, cfg["uploads"], cfg["prefix"], extension)
    _client("s3").put_object(
        Bucket=cfg["bucket"],
        Key=target,
        Body=body,
        ContentType=content_type,
        CacheControl="public, max-age=31536000, immutable",
    )
    event = {
        "source": {"bucket": bucket, "key": key},
        "thumbnail": {
            "bucket": cfg["bucket"],
            "key": target,
            "url": cfg["base_url"] + target[len(cfg["prefix"]) :] if cfg["base_url"] else None,
            "width": width,
            "height": height,
            "contentType": content_type,
        },
    }
    message = json.dumps(event, sort_keys=True)
    if os.environ.get("TOPIC_ARN"):
        _client("sns").publish(TopicArn=os.environ["TOPIC_ARN"], Subject="New thumbnail", Message=message)
    if os.environ.get("QUEUE_URL"):
        _client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=message)
    return event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Handles an S3 event notification."""
    cfg = _settings()
    made, skipped = [], []
    for record in event.get("Records", []):
        try:
            result = process(record, cfg)
        except Skip as e:
            key = record.get("s3", {}).get("object", {}).get("key", "")
            logger.warning("skipping %s: %s", key, e)
            skipped.append(unquote_plus(key))
            continue
        if result is None:
            skipped.append(unquote_plus(record.get("s3", {}).get("object", {}).get("key", "")))
        else:
            made.append(result["thumbnail"]["key"])
    return {"thumbnails": made, "skipped": skipped}
