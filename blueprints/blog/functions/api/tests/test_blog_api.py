"""Tests for the blog API handler (moto-backed DynamoDB and S3)."""

from __future__ import annotations

import base64
import json
import sys
import types
from typing import Any

import pytest
from blog_api_support import AUTHOR, AUTHOR_SUB, READER, UPLOADS_BUCKET, call, event, handler_module


def _post(n: int, status: str = "published", **extra: Any) -> dict[str, Any]:
    return {
        "postId": f"post-{n}",
        "title": f"Post {n}",
        "summary": f"About {n}",
        "body": f"Body of post {n}",
        "author": "me",
        "publishedAt": f"2026-01-{n:02d}T10:00:00Z",
        "status": status,
        **extra,
    }


def test_list_returns_published_posts_newest_first_without_bodies(aws: Any) -> None:
    for n in (1, 3, 2):
        aws["posts"].put_item(Item=_post(n))
    aws["posts"].put_item(Item=_post(9, status="draft"))

    status, headers, body = call("GET", "/api/posts")

    assert status == 200
    assert [p["postId"] for p in body["items"]] == ["post-3", "post-2", "post-1"]
    assert all("body" not in p for p in body["items"])
    assert body["nextToken"] is None
    assert headers["Cache-Control"] == "public, max-age=60"


def test_list_paginates_with_next_token(aws: Any) -> None:
    for n in range(1, 8):
        aws["posts"].put_item(Item=_post(n))
    seen: list[str] = []
    token = None
    for _ in range(10):
        query = {"limit": "3"}
        if token:
            query["nextToken"] = token
        status, _, body = call("GET", "/api/posts", query=query)
        assert status == 200
        seen += [p["postId"] for p in body["items"]]
        token = body["nextToken"]
        if token is None:
            break
    assert sorted(seen) == [f"post-{n}" for n in range(1, 8)]


@pytest.mark.parametrize("limit", ["0", "51", "x", "-1"])
def test_list_rejects_bad_limits(aws: Any, limit: str) -> None:
    status, _, body = call("GET", "/api/posts", query={"limit": limit})
    assert status == 400
    assert "limit" in body["error"]


@pytest.mark.parametrize("token", ["!!!", base64.urlsafe_b64encode(b'{"x": 1}').decode(), "W10"])
def test_list_rejects_bad_tokens(aws: Any, token: str) -> None:
    status, _, body = call("GET", "/api/posts", query={"nextToken": token})
    assert status == 400
    assert body["error"] == "nextToken is not valid"


def test_get_post_returns_the_whole_post(aws: Any) -> None:
    aws["posts"].put_item(Item=_post(1, tags={"rust", "aws"}, views=12))
    status, _, body = call("GET", "/api/posts/{postId}", path_params={"postId": "post-1"})
    assert status == 200
    assert body["body"] == "Body of post 1"
    assert body["tags"] == ["aws", "rust"]
    assert "status" not in body and "views" not in body


@pytest.mark.parametrize("post_id", ["post-9", "draft-1", "../etc", "UPPER"])
def test_missing_draft_and_malformed_posts_are_404(aws: Any, post_id: str) -> None:
    aws["posts"].put_item(Item={**_post(1, status="draft"), "postId": "draft-1"})
    status, _, body = call("GET", "/api/posts/{postId}", path_params={"postId": post_id})
    assert status == 404
    assert body == {"error": "no such post"}


def test_there_is_no_sign_up_route(aws: Any) -> None:
    # Readers sign up with Cognito, which verifies the address first; no
    # route takes an address to mail.
    status, _, body = call("POST", "/api/users", json_body={"email": "victim@example.com"})
    assert status == 404
    assert body == {"error": "no such route"}
    assert ("POST", "/api/users") not in handler_module.ROUTES


@pytest.mark.parametrize("raw", [None, "", "{", "[1]", "\"x\""])
def test_bodies_must_be_json_objects(aws: Any, raw: str | None) -> None:
    status, _, body = call("POST", "/api/uploads", body=raw, claims=AUTHOR)
    assert status == 400
    assert "body" in body["error"]


def test_upload_hands_out_a_presigned_post_on_the_accelerated_endpoint(aws: Any) -> None:
    status, headers, body = call(
        "POST", "/api/uploads", json_body={"contentType": "image/png"}, claims=AUTHOR
    )

    assert status == 201
    assert headers["Cache-Control"] == "no-store"
    assert body["url"] == f"https://{UPLOADS_BUCKET}.s3-accelerate.amazonaws.com/"
    key = body["key"]
    # The key is under the caller's own prefix, chosen by the server.
    own = f"uploads/{AUTHOR_SUB}/"
    assert key.startswith(own) and key.endswith(".png")
    photo_id = key[len(own) : -len(".png")]
    assert body["thumbnailUrl"] == f"/thumbnails/{AUTHOR_SUB}/{photo_id}.jpg"
    fields = body["fields"]
    assert fields["key"] == key
    assert fields["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 5 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": key} in policy["conditions"]
    assert body["maxBytes"] == 5 * 1024 * 1024


def test_each_upload_gets_its_own_key(aws: Any) -> None:
    keys = {
        call("POST", "/api/uploads", json_body={"contentType": "image/jpeg"}, claims=AUTHOR)[2]["key"]
        for _ in range(3)
    }
    assert len(keys) == 3


def test_uploads_need_a_signed_in_caller(aws: Any) -> None:
    status, headers, body = call("POST", "/api/uploads", json_body={"contentType": "image/png"})
    assert status == 401
    assert headers["Cache-Control"] == "no-store"
    assert "url" not in body and "fields" not in body


@pytest.mark.parametrize("sub", ["", "../other", "a/b", 7])
def test_uploads_refuse_a_malformed_caller(aws: Any, sub: Any) -> None:
    status, _, _ = call(
        "POST", "/api/uploads", json_body={"contentType": "image/png"}, claims={**AUTHOR, "sub": sub}
    )
    assert status == 401


def test_uploads_are_for_authors_only(aws: Any) -> None:
    status, _, body = call("POST", "/api/uploads", json_body={"contentType": "image/png"}, claims=READER)
    assert status == 403
    assert "authors" in body["error"]


@pytest.mark.parametrize(
    "groups", ["authors", "[authors admins]", "admins,authors", ["admins", "authors"]]
)
def test_author_groups_are_read_in_every_claim_format(aws: Any, groups: Any) -> None:
    claims = {**AUTHOR, "cognito:groups": groups}
    status, _, _ = call("POST", "/api/uploads", json_body={"contentType": "image/png"}, claims=claims)
    assert status == 201


def test_http_api_jwt_claims_are_read_too(aws: Any) -> None:
    ev = event("POST", "/api/uploads", json_body={"contentType": "image/png"})
    ev["requestContext"]["authorizer"] = {"jwt": {"claims": {**AUTHOR, "cognito:groups": ["authors"]}}}
    response = handler_module.handler(ev, None)
    assert response["statusCode"] == 201
    assert json.loads(response["body"])["key"].startswith(f"uploads/{AUTHOR_SUB}/")


def test_an_opened_route_gives_anonymous_callers_their_own_prefix(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPLOADS_PUBLIC", "true")
    status, _, body = call("POST", "/api/uploads", json_body={"contentType": "image/png"})
    assert status == 201
    assert body["key"].startswith("uploads/anonymous/")


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", None, ""])
def test_upload_accepts_only_raster_images(aws: Any, content_type: Any) -> None:
    status, _, body = call(
        "POST", "/api/uploads", json_body={"contentType": content_type}, claims=AUTHOR
    )
    assert status == 400
    assert "contentType" in body["error"]


def test_unknown_routes_are_404(aws: Any) -> None:
    status, _, body = call("DELETE", "/api/posts/{postId}", path_params={"postId": "x"})
    assert status == 404
    assert body == {"error": "no such route"}


def test_unexpected_errors_are_500_without_details(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTS_TABLE")
    handler_module.reset_clients()
    status, _, body = call("GET", "/api/posts")
    assert status == 500
    assert body == {"error": "internal error"}


def test_dax_is_used_when_the_client_is_packaged(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    aws["posts"].put_item(Item=_post(1))
    used: list[str] = []

    class FakeDax:
        @staticmethod
        def resource(endpoint_url: str) -> Any:
            used.append(endpoint_url)
            import boto3

            return boto3.resource("dynamodb")

    monkeypatch.setitem(sys.modules, "amazondax", types.SimpleNamespace(AmazonDaxClient=FakeDax))
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.example:9111")
    handler_module.reset_clients()
    status, _, body = call("GET", "/api/posts/{postId}", path_params={"postId": "post-1"})
    assert status == 200 and body["postId"] == "post-1"
    assert used == ["daxs://cluster.example:9111"]


def _dynamodb_must_not_be_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the handler's boto3 DynamoDB resource fail; returns the attempts."""
    attempts: list[str] = []

    def refuse(service: str, *args: Any, **kwargs: Any) -> Any:
        attempts.append(service)
        raise AssertionError(f"boto3.resource({service!r}) used: posts must be read through DAX")

    monkeypatch.setattr(handler_module.boto3, "resource", refuse)
    return attempts


def test_posts_are_read_through_dax_not_dynamodb(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3's DynamoDB resource raises: only the (in-memory) DAX client can serve."""
    posts = {p["postId"]: p for p in (_post(1), _post(2), _post(3, status="draft"))}
    reads: list[tuple[str, str]] = []
    built: list[str] = []

    class MemoryTable:
        def __init__(self, name: str):
            self.name = name

        def get_item(self, Key: dict[str, str], **kwargs: Any) -> dict[str, Any]:
            reads.append((self.name, "get_item"))
            item = posts.get(Key["postId"])
            return {"Item": item} if item else {}

        def scan(self, **kwargs: Any) -> dict[str, Any]:
            reads.append((self.name, "scan"))
            return {"Items": [p for p in posts.values() if p["status"] == "published"]}

    class MemoryDax:
        @staticmethod
        def resource(endpoint_url: str) -> Any:
            built.append(endpoint_url)
            return types.SimpleNamespace(Table=MemoryTable)

    handler_module.reset_clients()
    attempts = _dynamodb_must_not_be_used(monkeypatch)
    monkeypatch.setitem(sys.modules, "amazondax", types.SimpleNamespace(AmazonDaxClient=MemoryDax))
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.example:9111")

    status, _, body = call("GET", "/api/posts/{postId}", path_params={"postId": "post-2"})
    assert status == 200 and body["title"] == "Post 2"
    status, _, body = call("GET", "/api/posts")
    assert status == 200 and [p["postId"] for p in body["items"]] == ["post-2", "post-1"]

    assert attempts == []
    assert built == ["daxs://cluster.example:9111"]
    table = handler_module._env("POSTS_TABLE")
    assert reads == [(table, "get_item"), (table, "scan")]


@pytest.mark.parametrize(
    ("module", "said"),
    [
        (None, "could not be imported"),  # `import amazondax` raises ImportError
        (
            types.SimpleNamespace(
                AmazonDaxClient=types.SimpleNamespace(
                    resource=lambda endpoint_url: (_ for _ in ()).throw(ConnectionError("unreachable"))
                )
            ),
            "could not be built",
        ),
    ],
)
def test_without_a_working_dax_client_requests_fail_loudly(
    aws: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, module: Any, said: str
) -> None:
    aws["posts"].put_item(Item=_post(1))
    monkeypatch.setitem(sys.modules, "amazondax", module)
    monkeypatch.setenv("DAX_ENDPOINT", "daxs://cluster.example:9111")
    handler_module.reset_clients()
    caplog.set_level("INFO", logger="blog-api")

    status, _, body = call("GET", "/api/posts/{postId}", path_params={"postId": "post-1"})

    assert status == 500 and body == {"error": "internal error"}
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and "DAX" in r.getMessage()]
    assert len(errors) == 1, caplog.text
    assert said in errors[0] and "daxs://cluster.example:9111" in errors[0]
    assert "failing the request rather than bypassing the cache" in errors[0]

