"""update-offload's publisher (OFFLOAD-2): keeps the demo origin's EFS file
system in step with the updates bucket.

S3 invokes it (asynchronously) for every object created in or removed from
the bucket. For each record it reconciles that one key with the bucket's
current state, so duplicate or out-of-order events converge:

- the object exists: it is streamed into a temporary file next to its
  destination, flushed, given the object's Last-Modified time and renamed
  over the destination in one step, so nginx never serves a half-written
  file (a file already there with a newer time is left alone: a late event
  of an older upload does not undo a newer one);
- the object is gone: the file is deleted, and the folders it leaves empty.

The key (URL-encoded in the event, `+` for spaces) becomes a path under
FILES_ROOT, the function's EFS access point: a key that is empty, absolute,
holds a NUL byte or a backslash, or has a `.`, `..` or empty segment is
refused (the event fails and ends in the failures queue), and nothing is
written outside FILES_ROOT. Keys ending in `/` (folder markers of the S3
console) are skipped.

Environment: BUCKET_NAME (events of other buckets are ignored), FILES_ROOT
(the mount path, `/mnt/files`).
"""

from __future__ import annotations

import logging
import os
import tempfile
import urllib.parse
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

# EFS limits a file name to 255 bytes.
NAME_MAX = 255
CHUNK = 1024 * 1024
TEMP_PREFIX = ".publishing-"

_s3: Any = None


def s3() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3")
    return _s3


def reset_clients() -> None:
    """Forget the cached client (tests switch endpoints)."""
    global _s3
    _s3 = None


class UnsafeKey(ValueError):
    """A key that does not name a file under the root."""


def local_path(root: str, key: str) -> str:
    """The file under `root` that `key` (decoded) names."""
    if not key:
        raise UnsafeKey("empty key")
    if "\x00" in key:
        raise UnsafeKey(f"NUL byte in key {key!r}")
    if "\\" in key:
        raise UnsafeKey(f"backslash in key {key!r}")
    if key.startswith("/"):
        raise UnsafeKey(f"absolute key {key!r}")
    parts = key.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafeKey(f"key {key!r} has an empty, `.` or `..` segment")
        if len(part.encode("utf-8")) > NAME_MAX:
            raise UnsafeKey(f"key {key!r} has a segment longer than {NAME_MAX} bytes")
        if part.startswith(TEMP_PREFIX):
            raise UnsafeKey(f"key {key!r} uses the publisher's temporary prefix")
    real_root = os.path.realpath(root)
    path = os.path.join(real_root, *parts)
    # Nothing here makes symbolic links; refuse to follow one anyway.
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise UnsafeKey(f"key {key!r} leads outside the files")
    return path


def _write(obj: dict[str, Any], path: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o755, exist_ok=True)
    modified = obj["LastModified"].timestamp()
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in obj["Body"].iter_chunks(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.utime(temp, (modified, modified))
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _remove(path: str, root: str) -> bool:
    try:
        os.remove(path)
        removed = True
    except FileNotFoundError:
        removed = False
    real_root = os.path.realpath(root)
    directory = os.path.dirname(path)
    while directory != real_root and directory.startswith(real_root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:
            break
        directory = os.path.dirname(directory)
    return removed


def reconcile(bucket: str, key: str, root: str) -> str:
    """Brings the file of `key` in line with the bucket; what was done."""
    path = local_path(root, key)
    try:
        obj = s3().get_object(Bucket=bucket, Key=key)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return "deleted" if _remove(path, root) else "absent"
        raise
    try:
        if os.path.isfile(path) and os.stat(path).st_mtime > obj["LastModified"].timestamp():
            return "newer file kept"
        _write(obj, path)
    finally:
        obj["Body"].close()
    return "written"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket_name = os.environ["BUCKET_NAME"]
    root = os.environ["FILES_ROOT"]
    done: list[dict[str, str]] = []
    refused: list[str] = []
    for record in event.get("Records", []):
        s3_part = record.get("s3")
        if record.get("eventSource") != "aws:s3" or not isinstance(s3_part, dict):
            LOG.warning("not an S3 record: %s", record.get("eventSource"))
            continue
        bucket = s3_part.get("bucket", {}).get("name")
        if bucket != bucket_name:
            LOG.warning("ignored an event of bucket %s", bucket)
            continue
        key = urllib.parse.unquote_plus(s3_part.get("object", {}).get("key", ""))
        if key.endswith("/") and key.strip("/"):
            LOG.info("skipped folder marker %s", key)
            continue
        try:
            outcome = reconcile(bucket, key, root)
        except UnsafeKey as e:
            LOG.error("refused: %s", e)
            refused.append(str(e))
            continue
        LOG.info("%s: %s (%s)", key, outcome, record.get("eventName"))
        done.append({"key": key, "outcome": outcome})
    if refused:
        # The event fails: after Lambda's retries it is kept in the
        # failures queue, where a publisher can see what was refused.
        raise UnsafeKey("; ".join(refused))
    return {"files": done}
