"""Tests of the users service handler (moto-backed DynamoDB)."""

from __future__ import annotations

import uuid
from typing import Any

from micro_users_support import UsersClient


def test_create_then_read(client: UsersClient, users_table: Any) -> None:
    user = client.create("  Ada Lovelace ", "ADA@Example.com")
    assert user["name"] == "Ada Lovelace"
    assert user["email"] == "ada@example.com"
    assert uuid.UUID(user["id"]).version == 4
    assert user["createdAt"] == user["updatedAt"]
    stored = users_table.get_item(Key={"id": user["id"]})["Item"]
    assert stored == user
    got = client.request("GET", f"/users/{user['id']}")
    assert got.status == 200
    assert got.body == user


def test_list_pages_through_every_user(client: UsersClient) -> None:
    ids = {client.create(f"user {n}", f"u{n}@example.com")["id"] for n in range(7)}
    seen: set[str] = set()
    token = None
    for _ in range(10):
        query = {"limit": "3"}
        if token:
            query["nextToken"] = token
        page = client.request("GET", "/users", query=query)
        assert page.status == 200
        seen.update(u["id"] for u in page.body["items"])
        token = page.body["nextToken"]
        if token is None:
            break
    assert seen == ids


def test_update_changes_only_the_given_fields(client: UsersClient) -> None:
    user = client.create()
    result = client.request("PUT", f"/users/{user['id']}", json_body={"name": "Grace"})
    assert result.status == 200
    assert result.body["name"] == "Grace"
    assert result.body["email"] == user["email"]
    assert result.body["updatedAt"] >= user["updatedAt"]


def test_delete_then_missing(client: UsersClient) -> None:
    user = client.create()
    deleted = client.request("DELETE", f"/users/{user['id']}")
    assert deleted.status == 204
    assert deleted.raw["body"] == ""
    assert client.request("GET", f"/users/{user['id']}").status == 404
    assert client.request("DELETE", f"/users/{user['id']}").status == 404
    assert client.request("PUT", f"/users/{user['id']}", json_body={"name": "x"}).status == 404


def test_bad_requests_are_400(client: UsersClient) -> None:
    cases = [
        {"json_body": {"name": "x"}},
        {"json_body": {"name": "", "email": "a@b.co"}},
        {"json_body": {"name": "x", "email": "not-an-email"}},
        {"json_body": {"name": "x", "email": "a@b.co", "admin": True}},
        {"json_body": {"name": "x" * 201, "email": "a@b.co"}},
        {"body": "{not json"},
        {"body": "[1, 2]"},
        {"body": None},
    ]
    for kwargs in cases:
        result = client.request("POST", "/users", **kwargs)
        assert result.status == 400, (kwargs, result.body)
        assert isinstance(result.body["error"], str)
    assert client.request("GET", "/users", query={"limit": "0"}).status == 400
    assert client.request("GET", "/users", query={"nextToken": "!!"}).status == 400


def test_base64_bodies_and_alb_events(client: UsersClient) -> None:
    result = client.request(
        "POST", "/users", json_body={"name": "Zoë", "email": "z@example.com"}, base64_body=True, alb=True
    )
    assert result.status == 201
    assert result.body["name"] == "Zoë"
    assert result.raw["statusDescription"] == "201 Created"
    assert result.raw["isBase64Encoded"] is False


def test_unknown_routes_and_methods(client: UsersClient) -> None:
    assert client.request("PATCH", "/users").status == 405
    assert client.request("POST", "/users/abc").status == 405
    assert client.request("GET", "/users/abc/def").status == 404


def test_errors_from_dynamodb_are_500(users: Any, monkeypatch: Any) -> None:
    class Broken:
        def scan(self, **_: Any) -> None:
            raise RuntimeError("boom")

    monkeypatch.setattr(users, "table", lambda: Broken())
    result = UsersClient(users).request("GET", "/users")
    assert result.status == 500
    assert result.body == {"error": "internal error"}
