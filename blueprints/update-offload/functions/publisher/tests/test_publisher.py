"""Tests of update-offload's publisher against moto's S3 and a temporary
directory standing in for the EFS mount: copy, overwrite (atomic, no
temporary file left, a late event of an older upload does not undo a newer
one), delete (empty folders pruned, the root kept), URL-encoded keys, keys
that would escape the root, and events that are not its own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from publisher_support import BUCKET, event


def files_under(path: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def test_a_created_object_is_copied_under_its_key(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/app-1.2.0.zip", Body=b"zip bytes")
    result = module.handler(event("updates/app-1.2.0.zip"), None)
    assert result == {"files": [{"key": "updates/app-1.2.0.zip", "outcome": "written"}]}
    target = root / "updates" / "app-1.2.0.zip"
    assert target.read_bytes() == b"zip bytes"
    assert files_under(root.parent.parent) == {"mnt/files/updates/app-1.2.0.zip": b"zip bytes"}
    # nginx reads it: world-readable, folders traversable; the time is S3's.
    assert target.stat().st_mode & 0o777 == 0o644
    assert (root / "updates").stat().st_mode & 0o777 == 0o755
    modified = s3.head_object(Bucket=BUCKET, Key="updates/app-1.2.0.zip")["LastModified"]
    assert target.stat().st_mtime == modified.timestamp()


def test_an_overwrite_replaces_the_file_whole(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/latest.json", Body=b'{"version": "1"}')
    module.handler(event("updates/latest.json"), None)
    s3.put_object(Bucket=BUCKET, Key="updates/latest.json", Body=b'{"version": "2"}')
    module.handler(event("updates/latest.json"), None)
    assert files_under(root) == {"updates/latest.json": b'{"version": "2"}'}


def test_a_late_event_of_an_older_upload_keeps_the_newer_file(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/latest.json", Body=b"new")
    module.handler(event("updates/latest.json"), None)
    target = root / "updates" / "latest.json"
    # The file on EFS is newer than what the bucket holds (the event of a
    # newer upload was handled first): it stays.
    future = target.stat().st_mtime + 3600
    os.utime(target, (future, future))
    target.write_bytes(b"newer")
    os.utime(target, (future, future))
    result = module.handler(event("updates/latest.json"), None)
    assert result["files"][0]["outcome"] == "newer file kept"
    assert target.read_bytes() == b"newer"


def test_a_failed_copy_leaves_the_old_file_and_no_temporary_one(
    publisher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/app.zip", Body=b"v1")
    module.handler(event("updates/app.zip"), None)
    s3.put_object(Bucket=BUCKET, Key="updates/app.zip", Body=b"v2" * 1000)

    def broken_fsync(fd: int) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr(module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk went away"):
        module.handler(event("updates/app.zip"), None)
    assert files_under(root) == {"updates/app.zip": b"v1"}


def test_a_removed_object_is_deleted_with_the_folders_it_leaves_empty(publisher: Any) -> None:
    module, s3, root = publisher
    for key in ("updates/a/b/app.zip", "updates/keep.zip"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        module.handler(event(key), None)
    s3.delete_object(Bucket=BUCKET, Key="updates/a/b/app.zip")
    result = module.handler(event("updates/a/b/app.zip", name="ObjectRemoved:DeleteMarkerCreated"), None)
    assert result["files"][0]["outcome"] == "deleted"
    assert files_under(root) == {"updates/keep.zip": b"x"}
    assert not (root / "updates" / "a").exists()
    # Deleting again (a duplicate event) is fine; the root stays.
    s3.delete_object(Bucket=BUCKET, Key="updates/keep.zip")
    module.handler(event("updates/keep.zip", name="ObjectRemoved:Delete"), None)
    assert module.handler(event("updates/keep.zip", name="ObjectRemoved:Delete"), None)["files"][0][
        "outcome"
    ] == "absent"
    assert root.is_dir() and list(root.iterdir()) == []


def test_a_created_event_of_an_object_deleted_since_removes_the_file(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/gone.zip", Body=b"x")
    module.handler(event("updates/gone.zip"), None)
    s3.delete_object(Bucket=BUCKET, Key="updates/gone.zip")
    # Events can arrive late and out of order: the bucket's state wins.
    module.handler(event("updates/gone.zip"), None)
    assert files_under(root) == {}


def test_url_encoded_keys_are_decoded(publisher: Any) -> None:
    module, s3, root = publisher
    key = "updates/My App 1.0+beta (ü).zip"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"spaces")
    record = event(key)
    assert record["Records"][0]["s3"]["object"]["key"] == "updates/My+App+1.0%2Bbeta+%28%C3%BC%29.zip"
    module.handler(record, None)
    assert files_under(root) == {key: b"spaces"}


@pytest.mark.parametrize(
    "key",
    [
        "../outside.zip",
        "updates/../../outside.zip",
        "/etc/outside.zip",
        "updates/./x.zip",
        "updates//x.zip",
        "updates/\x00.zip",
        "updates\\..\\..\\outside.zip",
        "updates/" + "a" * 256,
        "updates/.publishing-x.tmp",
    ],
)
def test_keys_that_escape_the_root_are_refused(publisher: Any, key: str) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="safe.zip", Body=b"ok")
    with pytest.raises(module.UnsafeKey):
        module.handler(event(key), None)
    assert files_under(root.parent.parent) == {}


def test_a_refused_key_does_not_stop_the_others(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/ok.zip", Body=b"ok")
    both = {"Records": event("../x")["Records"] + event("updates/ok.zip")["Records"]}
    with pytest.raises(module.UnsafeKey, match=r"\.\./x"):
        module.handler(both, None)
    assert files_under(root) == {"updates/ok.zip": b"ok"}


def test_a_symbolic_link_out_of_the_root_is_not_followed(publisher: Any, tmp_path: Path) -> None:
    module, s3, root = publisher
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "updates").symlink_to(outside)
    s3.put_object(Bucket=BUCKET, Key="updates/x.zip", Body=b"x")
    with pytest.raises(module.UnsafeKey, match="outside"):
        module.handler(event("updates/x.zip"), None)
    assert list(outside.iterdir()) == []


def test_other_buckets_other_sources_and_folder_markers_are_ignored(publisher: Any) -> None:
    module, s3, root = publisher
    s3.put_object(Bucket=BUCKET, Key="updates/", Body=b"")
    assert module.handler(event("updates/x.zip", bucket="someone-else"), None) == {"files": []}
    assert module.handler({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, None) == {"files": []}
    assert module.handler(event("updates/"), None) == {"files": []}
    assert files_under(root) == {}
